"""The tag=value codec: frames as simplefix (an independent FIX library) writes and reads them,
garbled frames skipped with bounded memory, and each problem inside a frame reported with the
SessionRejectReason and tag its Reject needs."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import simplefix
from hypothesis import given, settings
from hypothesis import strategies as st

from siamex.gateway.fix import codec
from siamex.gateway.fix.codec import (
    FieldError,
    Framer,
    Garbled,
    decode,
    encode,
    format_utc,
    parse_utc,
)
from siamex.gateway.fix.fields import RejectReason

ORDER: list[tuple[int, str]] = [
    (49, "BROKER1"), (56, "SIAMEX"), (34, "12"), (52, "20260102-03:04:05.678"),
    (11, "ORD-000123"), (1, "ACC1"), (55, "PTT"), (54, "1"), (60, "20260102-03:04:05.678"),
    (38, "1000"), (40, "2"), (44, "34.25"), (59, "0"),
    (453, "2"), (448, "T1"), (447, "D"), (452, "12"), (448, "B1"), (447, "D"), (452, "1")]


def _simplefix(msg_type: str, fields: list[tuple[int, str]]) -> bytes:
    message = simplefix.FixMessage()
    message.append_pair(8, "FIX.4.4")
    message.append_pair(35, msg_type)
    for tag, value in fields:
        message.append_pair(tag, value)
    data: bytes = message.encode()
    return data


def _frame(body: bytes) -> bytes:
    """Frame a body (from 35= to its last SOH) with a right BodyLength and CheckSum."""
    head = b"8=FIX.4.4\x019=%d\x01" % len(body)
    return head + body + b"10=%03d\x01" % (sum(head + body) % 256)


def _error(body: bytes) -> FieldError | None:
    return decode(_frame(body)).error


def test_encode_writes_what_simplefix_writes() -> None:
    assert encode("D", ORDER) == _simplefix("D", ORDER)


def test_a_message_longer_than_256_bytes_has_the_same_checksum_as_simplefix() -> None:
    long = [*ORDER, (58, "x" * 700)]
    assert encode("D", long) == _simplefix("D", long)
    assert Framer().feed(_simplefix("D", long)) == [encode("D", long)]


def test_simplefix_reads_what_encode_writes() -> None:
    parser = simplefix.FixParser()
    parser.append_buffer(encode("D", ORDER))
    message = parser.get_message()
    assert message is not None
    assert message.get(35) == b"D"
    assert [message.get(448, nth) for nth in (1, 2)] == [b"T1", b"B1"]


@pytest.mark.parametrize("value", ["", "a\x01b"])
def test_encode_refuses_a_value_that_would_break_the_frame(value: str) -> None:
    with pytest.raises(ValueError, match="tag 58"):
        encode("3", [(45, "1"), (58, value)])


def test_decode_keeps_order_and_repeated_tags() -> None:
    decoded = decode(_simplefix("D", ORDER))
    assert decoded.error is None
    assert decoded.message.msg_type == "D"
    assert list(decoded.message.fields) == ORDER
    assert decoded.values[448] == "T1"
    assert decoded.message.get(452) == "12"
    assert decoded.message.get(999) is None


def test_decode_round_trips_any_bytes_in_a_value() -> None:
    fields = [(49, "B"), (56, "SIAMEX"), (34, "1"), (52, "20260102-03:04:05"), (58, "ทดสอบ\udcff")]
    assert list(decode(encode("0", fields)).message.fields) == fields


@pytest.mark.parametrize(("body", "reason", "tag"), [
    (b"35=0\x01abc=1\x01", RejectReason.INVALID_TAG_NUMBER, None),
    (b"35=0\x010=1\x01", RejectReason.INVALID_TAG_NUMBER, None),
    (b"35=0\x01058=x\x01", RejectReason.INVALID_TAG_NUMBER, None),
    (b"35=0\x01=x\x01", RejectReason.INVALID_TAG_NUMBER, None),
    (b"35=0\x011234567890=x\x01", RejectReason.INVALID_TAG_NUMBER, None),
    (b"35=0\x0158=\x01", RejectReason.TAG_WITHOUT_VALUE, 58),
    (b"35=0\x0158\x01", RejectReason.TAG_WITHOUT_VALUE, 58),
    (b"35=\x0158=x\x01", RejectReason.TAG_WITHOUT_VALUE, 35),
    (b"35=5\x0158=a\x0158=b\x01", RejectReason.TAG_REPEATED, 58),
    (b"35=D\x0149=A\x0149=B\x01", RejectReason.TAG_REPEATED, 49),
    (b"35=D\x0111=A\x0154=1\x0111=B\x01", RejectReason.TAG_REPEATED, 11),
    (b"35=0\x0134=abc\x01", RejectReason.INCORRECT_DATA_FORMAT, 34),
    (b"35=0\x0134=-3\x01", RejectReason.INCORRECT_DATA_FORMAT, 34),
    (b"35=0\x0134=1234567890123456789\x01", RejectReason.INCORRECT_DATA_FORMAT, 34),
    (b"35=A\x01108=thirty\x01", RejectReason.INCORRECT_DATA_FORMAT, 108),
    (b"35=D\x01452=x\x01", RejectReason.INCORRECT_DATA_FORMAT, 452),
    (b"35=D\x01453=-1\x01", RejectReason.INCORRECT_DATA_FORMAT, 453),
    (b"35=0\x0143=X\x01", RejectReason.INCORRECT_DATA_FORMAT, 43),
    (b"35=0\x0158=x\x0149=A\x01", RejectReason.TAG_OUT_OF_ORDER, 49),
    (b"35=A\x0195=3\x0196=abcdef\x01", RejectReason.VALUE_INCORRECT, 96),
])
def test_decode_reports_the_first_problem_and_its_tag(body: bytes, reason: RejectReason,
                                                        tag: int | None) -> None:
    error = _error(body)
    assert error is not None
    assert (error.reason, error.tag) == (reason, tag)


def test_decode_leaves_a_field_in_error_out_and_reads_the_rest() -> None:
    decoded = decode(_frame(b"35=0\x0149=A\x0134=x\x01112=T\x01"))
    assert decoded.values == {49: "A", 112: "T"}


def test_decode_reports_the_first_of_several_problems() -> None:
    error = _error(b"35=0\x0134=x\x01x=1\x01")
    assert error is not None
    assert error.tag == 34


def test_group_members_and_a_negative_int_are_fine() -> None:
    assert _error(b"35=D\x01453=2\x01448=A\x01452=-1\x01448=B\x01452=3\x01") is None


def test_repeats_of_a_message_type_not_tabled_are_checked_in_the_header_only() -> None:
    assert _error(b"35=8\x0149=A\x01382=2\x01375=X\x01375=Y\x01") is None
    error = _error(b"35=8\x0149=A\x0149=B\x01")
    assert error is not None
    assert error.reason is RejectReason.TAG_REPEATED


def test_a_data_field_may_hold_soh_and_equals() -> None:
    decoded = decode(_frame(b"35=A\x0195=5\x0196=a\x01b=c\x01108=30\x01"))
    assert decoded.error is None
    assert list(decoded.message.fields) == [(95, "5"), (96, "a\x01b=c"), (108, "30")]


def test_tags_of_five_digits_are_read_too() -> None:
    decoded = decode(_frame(b"35=D\x0111=A\x0120001=x\x01"))
    assert decoded.error is None
    assert decoded.values[20001] == "x"


_VALUES = st.text(st.sampled_from("0123456789-YNxy=\x01 "), max_size=4)
_TAGS = st.sampled_from([1, 7, 9, 11, 34, 35, 43, 49, 52, 58, 95, 96, 108, 448, 452, 453,
                         9999, 10000, 0])
_ODD = st.tuples(_TAGS, _VALUES).map("{0[0]}={0[1]}".format) | st.text(max_size=6)
_HEADER = st.lists(st.sampled_from(["34=7", "43=Y", "49=B", "56=SIAMEX", "52=x"]), unique=True)
_BODY = st.lists(st.sampled_from(["11=A", "58=x", "108=30", "448=P", "452=-3", "9999=z"]))


@settings(max_examples=400)
@given(st.sampled_from(["0", "A", "D", "8"]), _HEADER, _BODY,
       st.lists(st.tuples(st.integers(0, 10), _ODD), max_size=1))
def test_the_quick_reader_agrees_with_the_field_by_field_one(
        msg_type: str, header: list[str], body: list[str], odd: list[tuple[int, str]]) -> None:
    fields = header + body
    for at, part in odd:
        fields.insert(at, part)
    parts = [f"35={msg_type}", *fields]
    quick = codec._read_plain(parts)
    if quick is not None:
        assert quick == codec._check(parts, None)


def test_a_frame_split_at_every_byte_is_read_the_same() -> None:
    frame = encode("D", ORDER)
    for cut in range(len(frame) + 1):
        framer = Framer()
        assert framer.feed(frame[:cut]) + framer.feed(frame[cut:]) == [frame]
        assert framer.buffered == 0


def test_byte_by_byte_two_frames_come_out_in_order() -> None:
    stream = encode("D", ORDER) + encode("0", ORDER[:4])
    framer = Framer()
    out = [item for byte in stream for item in framer.feed(bytes([byte]))]
    assert out == [encode("D", ORDER), encode("0", ORDER[:4])]


HEARTBEAT = encode("0", ORDER[:4])


def _body_length_off_by(delta: int) -> bytes:
    length = len(HEARTBEAT) - HEARTBEAT.index(b"35=") - 7
    return HEARTBEAT.replace(b"9=%d" % length, b"9=%d" % (length + delta))


def _garbled_then_good(bad: bytes) -> list[bytes | Garbled]:
    return Framer().feed(bad + HEARTBEAT)


@pytest.mark.parametrize(("bad", "why"), [
    (_body_length_off_by(-1), "BodyLength"),
    (_body_length_off_by(1), "BodyLength"),
    (b"8=FIX.4.4\x019=-5\x0135=0\x0110=000\x01", "not a number"),
    (b"8=FIX.4.4\x019=x\x01", "not a number"),
    (b"8=FIX.4.4\x019=99999999999\x01", "not a number"),
    (b"8=FIX.4.4\x019=70000\x01", "over 65536"),
    (b"8=FIX.4.4\x0135=0\x01", "second"),
    (_frame(b"49=A\x0135=0\x01"), "MsgType"),
    (b"8=FIX.4.2\x019=5\x0135=0\x0110=000\x01", "before"),
    (b"\x00junk\xff", "before"),
])
def test_a_garbled_frame_is_skipped_and_the_next_is_read(bad: bytes, why: str) -> None:
    out = _garbled_then_good(bad)
    assert out[-1] == HEARTBEAT
    assert all(isinstance(item, Garbled) for item in out[:-1]) and out[:-1]
    first = out[0]
    assert isinstance(first, Garbled)
    assert why in first.reason


def test_a_wrong_checksum_is_garbled() -> None:
    bad = HEARTBEAT[:-4] + b"%03d\x01" % ((int(HEARTBEAT[-4:-1]) + 1) % 256)
    framer = Framer()
    assert framer.feed(bad) == [Garbled("CheckSum(10) is wrong", len(bad) - 9)]
    assert framer.buffered == 9  # the tail that could begin the next 8=FIX.4.4
    assert framer.feed(HEARTBEAT) == [Garbled("bytes before 8=FIX.4.4", 9), HEARTBEAT]


def test_a_smaller_bound_applies() -> None:
    out = Framer(max_body=10).feed(HEARTBEAT)
    assert len(out) == 1
    assert isinstance(out[0], Garbled)


def test_a_frame_that_waits_for_its_body_is_not_judged_early() -> None:
    frame = encode("D", ORDER)
    framer = Framer()
    assert framer.feed(frame[:-1]) == []
    assert framer.feed(frame[-1:]) == [frame]


_LIMIT = codec.MAX_BODY + 64


@settings(max_examples=300)
@given(st.lists(st.binary(max_size=3000), max_size=20))
def test_random_bytes_never_raise_and_memory_stays_bounded(chunks: list[bytes]) -> None:
    framer = Framer()
    for chunk in chunks:
        for item in framer.feed(chunk):
            if isinstance(item, bytes):
                decode(item)
        assert framer.buffered <= _LIMIT


def test_endless_junk_holds_a_few_bytes_only() -> None:
    framer = Framer()
    for _ in range(1000):
        framer.feed(b"8=FIX.4.3\x01" * 100)
        assert framer.buffered < 16


def test_a_huge_announced_body_holds_no_more_than_the_bound() -> None:
    framer = Framer()
    framer.feed(b"8=FIX.4.4\x019=65536\x01")
    for _ in range(100):
        framer.feed(b"x" * 10_000)
        assert framer.buffered <= _LIMIT


_SPOTS = st.integers(min_value=0, max_value=len(encode("D", ORDER)) - 1)


@settings(max_examples=500)
@given(st.lists(st.tuples(_SPOTS, st.integers(0, 2), st.binary(min_size=1, max_size=3)),
                min_size=1, max_size=4))
def test_mutated_messages_never_raise(edits: list[tuple[int, int, bytes]]) -> None:
    data = bytearray(encode("D", ORDER))
    for at, how, chunk in edits:
        if how == 0:
            data[at:at + len(chunk)] = chunk
        elif how == 1:
            data[at:at] = chunk
        else:
            del data[at:at + len(chunk)]
    framer = Framer()
    for item in framer.feed(bytes(data)) + framer.feed(HEARTBEAT * 3):
        if isinstance(item, bytes):
            decoded = decode(item)
            assert decoded.message.msg_type is not None
        assert framer.buffered <= _LIMIT


def test_format_utc_writes_milliseconds() -> None:
    assert format_utc(1_767_323_045_678_999_999) == "20260102-03:04:05.678"
    assert format_utc(0) == "19700101-00:00:00.000"


@pytest.mark.parametrize(("text", "ns"), [
    ("20260102-03:04:05", 1_767_323_045_000_000_000),
    ("20260102-03:04:05.678", 1_767_323_045_678_000_000),
    ("20260102-03:04:05.678901", 1_767_323_045_678_901_000),
    ("20260102-03:04:05.678901234", 1_767_323_045_678_901_234),
])
def test_parse_utc_reads_each_precision(text: str, ns: int) -> None:
    assert parse_utc(text) == ns


@pytest.mark.parametrize("text", [
    "", "2026010203:04:05", "20261302-03:04:05", "20260230-03:04:05", "20260102-24:00:00",
    "20260102-03:60:00", "20260102-03:04:61", "20260102-03:04:05.", "20260102-03:04:05.12",
    "20260102-03:04:05,123", "2026O102-03:04:05", "20260102-03:04:05.12a",
    "\uff120260102-03:04:05"])
def test_parse_utc_refuses_what_is_not_a_utc_timestamp(text: str) -> None:
    assert parse_utc(text) is None


@given(st.datetimes(min_value=datetime(1970, 1, 1), max_value=datetime(9999, 12, 31)))
def test_parse_utc_reads_what_format_utc_writes(moment: datetime) -> None:
    ns = (moment - datetime(1970, 1, 1)) // timedelta(milliseconds=1) * 1_000_000
    assert parse_utc(format_utc(ns)) == ns


@given(st.text(max_size=30))
def test_parse_utc_never_raises(text: str) -> None:
    parse_utc(text)
