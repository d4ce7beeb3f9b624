"""The exchange's record of the FIX messages that cross (siamex.certify.observer)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from siamex.certify.observer import Observer


def frame(body: str) -> bytes:
    data = body.replace("|", "\x01").encode()
    head = f"8=FIX.4.4\x019={len(data)}\x01".encode() + data
    return head + f"10={sum(head) % 256:03d}\x01".encode()


LOGON = frame("35=A|49=M01ORS1|56=SIAMEX|34=1|553=m01ors1|554=secret|")
ORDER = frame("35=D|49=M01ORS1|56=SIAMEX|34=2|11=A|55=TEST1|")


def test_messages_are_kept_in_order_with_the_password_masked() -> None:
    observer = Observer(clock=lambda: 1_700_000_000_123_456_789)
    observer.tap(1, "in", LOGON + ORDER)
    assert [(s.dir, s.msg_type) for s in observer.seen] == [("in", "A"), ("in", "D")]
    assert observer.seen[0].fields["554"] == "***"
    assert "secret" not in observer.records[0].fix
    assert observer.records[0].time == "2023-11-14T22:13:20.123456Z"


@given(st.integers(min_value=1, max_value=len(LOGON + ORDER) - 1))
def test_a_message_split_anywhere_is_one_message(cut: int) -> None:
    observer = Observer(clock=lambda: 0)
    data = LOGON + ORDER
    observer.tap(7, "out", data[:cut])
    observer.tap(7, "out", data[cut:])
    assert [s.msg_type for s in observer.seen] == ["A", "D"]


def test_each_connection_and_direction_is_framed_apart() -> None:
    observer = Observer(clock=lambda: 0)
    observer.tap(1, "in", ORDER[:10])
    observer.tap(2, "in", LOGON)
    observer.tap(1, "in", ORDER[10:])
    assert [s.msg_type for s in observer.seen] == ["A", "D"]


def test_garbage_is_kept_as_garbled() -> None:
    observer = Observer(clock=lambda: 0)
    observer.tap(1, "in", b"hello" + ORDER)
    assert [s.msg_type for s in observer.seen] == ["?", "D"]


def test_a_new_password_is_masked_too() -> None:
    observer = Observer(clock=lambda: 0)
    observer.tap(1, "in", frame("35=A|49=M01ORS1|56=SIAMEX|34=1|554=old|925=new-secret|"))
    assert "new-secret" not in observer.records[0].fix
    assert observer.seen[0].fields["925"] == "***"
