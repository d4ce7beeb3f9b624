"""What a clearing day did: its report types (`day_report`) and each member's statement cut
from them (`member_report`)."""
