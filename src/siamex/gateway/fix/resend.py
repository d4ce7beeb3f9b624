"""Answer a ResendRequest (FIX 4.4 Volume 2, message recovery): the stored application messages
again, as possible duplicates, and a SequenceReset-GapFill over everything else.

A resent message keeps its MsgSeqNum and body, gets PossDupFlag(43)=Y, a new SendingTime(52)
and its first one as OrigSendingTime(122). Session messages are never resent (the store does not
hold them), and a run of missing numbers becomes one GapFill, numbered as the first of the run,
whose NewSeqNo(36) is the number after it. A GapFill carries OrigSendingTime equal to its
SendingTime, as QuickFIX's do, for counterparties that want it on every PossDup message.
"""

from __future__ import annotations

from siamex.gateway.fix.codec import decode, encode, format_utc
from siamex.gateway.fix.fields import MsgType, Tag

__all__ = ["replay"]

_HEADER_SIZE = 4  # our messages open with SenderCompID, TargetCompID, MsgSeqNum, SendingTime


def replay(stored: list[tuple[int, bytes]], begin: int, end: int, sender_comp_id: str,
           target_comp_id: str, now_ns: int) -> list[bytes]:
    """Return the frames that resend numbers `begin` to `end` from the `stored` messages
    among them (as MessageStore.get returns them)."""
    now = format_utc(now_ns)
    frames: list[bytes] = []
    gap = begin
    for seq, raw in stored:
        if seq > gap:
            frames.append(_gap_fill(gap, seq, sender_comp_id, target_comp_id, now))
        message = decode(raw).message
        fields = message.fields
        frames.append(encode(message.msg_type, [
            *fields[:3], (Tag.POSS_DUP_FLAG, "Y"), (Tag.SENDING_TIME, now),
            (Tag.ORIG_SENDING_TIME, fields[3][1]), *fields[_HEADER_SIZE:]]))
        gap = seq + 1
    if gap <= end:
        frames.append(_gap_fill(gap, end + 1, sender_comp_id, target_comp_id, now))
    return frames


def _gap_fill(seq: int, new_seq: int, sender_comp_id: str, target_comp_id: str,
              now: str) -> bytes:
    return encode(MsgType.SEQUENCE_RESET, [
        (Tag.SENDER_COMP_ID, sender_comp_id), (Tag.TARGET_COMP_ID, target_comp_id),
        (Tag.MSG_SEQ_NUM, str(seq)), (Tag.POSS_DUP_FLAG, "Y"), (Tag.SENDING_TIME, now),
        (Tag.ORIG_SENDING_TIME, now), (Tag.GAP_FILL_FLAG, "Y"), (Tag.NEW_SEQ_NO, str(new_seq))])
