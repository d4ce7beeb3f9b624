"""The FIX 4.4 vocabulary the codec and the session layer check against (FIX 4.4 Volume 2,
standard header, session messages; Volume 6, field types).

Only what the session layer enforces is tabled: the header, the seven session messages, and the
four order-entry messages the exchange takes (D, F, G, H). Other application messages pass the
header checks and go to the application, which answers them (BusinessMessageReject).
"""

from __future__ import annotations

from enum import IntEnum
from typing import Final

__all__ = [
    "ADMIN_MSG_TYPES",
    "DATA_FIELDS",
    "HEADER_TAGS",
    "INT_TAGS",
    "MSG_TYPES",
    "REQUIRED",
    "SINGLE",
    "SINGLE_HEADER",
    "UINT_TAGS",
    "Y_N_TAGS",
    "MsgType",
    "RejectReason",
    "Tag",
    "is_msg_type",
]

class Tag:
    """The tags the session layer reads or writes (plain ints: formatting an IntEnum costs
    three times as much, on every message sent)."""

    BEGIN_SEQ_NO: Final = 7
    END_SEQ_NO: Final = 16
    MSG_SEQ_NUM: Final = 34
    MSG_TYPE: Final = 35
    NEW_SEQ_NO: Final = 36
    POSS_DUP_FLAG: Final = 43
    REF_SEQ_NUM: Final = 45
    SENDER_COMP_ID: Final = 49
    SENDING_TIME: Final = 52
    TARGET_COMP_ID: Final = 56
    TEXT: Final = 58
    ENCRYPT_METHOD: Final = 98
    HEART_BT_INT: Final = 108
    TEST_REQ_ID: Final = 112
    ORIG_SENDING_TIME: Final = 122
    GAP_FILL_FLAG: Final = 123
    RESET_SEQ_NUM_FLAG: Final = 141
    REF_TAG_ID: Final = 371
    REF_MSG_TYPE: Final = 372
    SESSION_REJECT_REASON: Final = 373
    USERNAME: Final = 553
    PASSWORD: Final = 554


class MsgType:
    """The session messages' MsgType(35) values."""

    HEARTBEAT: Final = "0"
    TEST_REQUEST: Final = "1"
    RESEND_REQUEST: Final = "2"
    REJECT: Final = "3"
    SEQUENCE_RESET: Final = "4"
    LOGOUT: Final = "5"
    LOGON: Final = "A"


class RejectReason(IntEnum):
    """SessionRejectReason(373) values of FIX 4.4 that this session layer sends."""

    INVALID_TAG_NUMBER = 0
    REQUIRED_TAG_MISSING = 1
    TAG_WITHOUT_VALUE = 4
    VALUE_INCORRECT = 5
    INCORRECT_DATA_FORMAT = 6
    COMP_ID_PROBLEM = 9
    SENDING_TIME_ACCURACY = 10
    INVALID_MSG_TYPE = 11
    TAG_REPEATED = 13
    TAG_OUT_OF_ORDER = 14


ADMIN_MSG_TYPES: Final = frozenset("012345A")
"""Session messages: never resent, a resend replaces them with SequenceReset-GapFill."""

MSG_TYPES: Final = frozenset(
    [*"0123456789ABCDEFGHJKLMNPQRSTVWXYZ", *"abcdefghijklmnopqrstuvwxyz"]
    + [f"A{c}" for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"]
    + [f"B{c}" for c in "ABCDEFGH"])
"""Every MsgType FIX 4.4 defines, 0 to BH ('I', 'O' and 'U' are unused)."""


def is_msg_type(value: str) -> bool:
    """Tell whether a MsgType is FIX 4.4's or user-defined (FIX reserves 'U' followed by
    anything for those)."""
    return value in MSG_TYPES or (len(value) > 1 and value[0] == "U")


HEADER_TAGS: Final = frozenset({
    8, 9, 35, 49, 56, 115, 128, 90, 91, 34, 50, 142, 57, 143, 116, 144, 129, 145, 43, 97, 52,
    122, 212, 213, 347, 369, 627, 628, 629, 630})
"""The standard header: once a body field appears, a header tag is out of order (reason 14)."""

SINGLE_HEADER: Final = HEADER_TAGS - {628, 629, 630}
"""The header tags that may appear once only: all but the NoHops group's members."""

_ORDER_BODY: Final = frozenset({
    1, 11, 15, 18, 21, 22, 37, 38, 40, 41, 44, 48, 54, 55, 58, 59, 60, 65, 77, 99, 110, 111,
    126, 152, 167, 207, 210, 432, 526, 528, 544, 583, 586, 790})
"""Top-level fields of D, F, G and H that no repeating group of theirs holds."""

SINGLE: Final[dict[str, frozenset[int]]] = {
    "0": SINGLE_HEADER | {112},
    "1": SINGLE_HEADER | {112},
    "2": SINGLE_HEADER | {7, 16},
    "3": SINGLE_HEADER | {45, 371, 372, 373, 58, 354, 355},
    "4": SINGLE_HEADER | {123, 36},
    "5": SINGLE_HEADER | {58, 354, 355},
    "A": SINGLE_HEADER | {98, 108, 95, 96, 141, 789, 383, 384, 464, 553, 554},
    "D": SINGLE_HEADER | _ORDER_BODY,
    "F": SINGLE_HEADER | _ORDER_BODY,
    "G": SINGLE_HEADER | _ORDER_BODY,
    "H": SINGLE_HEADER | _ORDER_BODY,
}
"""Per MsgType, the tags that may appear once only (reason 13); for a MsgType not listed here,
SINGLE_HEADER. A tag outside the set may repeat, as the members of repeating groups do."""

REQUIRED: Final[dict[str, tuple[int, ...]]] = {
    "0": (),
    "1": (112,),
    "2": (7, 16),
    "3": (45,),
    "4": (36,),
    "5": (),
    "A": (98, 108),
    "D": (11, 55, 54, 60, 40),
    "F": (41, 11, 55, 54, 60),
    "G": (41, 11, 55, 54, 60, 40),
    "H": (11, 55, 54),
}
"""Per MsgType, the body tags FIX 4.4 requires (reason 1); Symbol(55) is required through the
Instrument component. The header's own (49, 56, 34, 52) are checked for every message."""

UINT_TAGS: Final = frozenset({
    # SeqNum and Length fields of the header and the session messages
    7, 9, 16, 34, 36, 45, 369, 383, 630, 789,
    # every Length field of FIX 4.4 (each precedes a data field, see DATA_FIELDS)
    90, 93, 95, 212, 348, 350, 352, 354, 356, 358, 360, 362, 364, 445, 618, 621,
    # every NumInGroup field of FIX 4.4
    33, 73, 78, 85, 124, 136, 146, 199, 215, 232, 267, 268, 295, 296, 382, 384, 386, 398,
    420, 428, 453, 454, 457, 473, 518, 539, 555, 576, 580, 604, 627, 683, 702, 711, 735,
    753, 756, 768, 802, 804, 806, 864, 870, 887, 897, 936, 948, 952})
"""Fields whose FIX 4.4 type is SeqNum, Length or NumInGroup: digits only (reason 6)."""

INT_TAGS: Final = frozenset({
    98, 108, 371, 373,
    # int fields of D, F, G and H and their components
    201, 203, 423, 452, 460, 581, 582, 660, 803, 847})
"""Fields whose FIX 4.4 type is int: an optional minus sign and digits (reason 6)."""

Y_N_TAGS: Final = frozenset({43, 97, 123, 141, 377, 464})
"""Boolean fields the session reads or the order messages carry: 'Y' or 'N' (reason 6)."""

DATA_FIELDS: Final[dict[int, int]] = {
    90: 91, 93: 89, 95: 96, 212: 213, 348: 349, 350: 351, 352: 353, 354: 355, 356: 357,
    358: 359, 360: 361, 362: 363, 364: 365, 445: 446, 618: 619, 621: 622}
"""Length field -> the data field it measures; a data field's value may hold SOH."""
