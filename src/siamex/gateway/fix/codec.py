"""The FIX 4.4 tag=value codec (FIX 4.4 Volume 2, message format and garbled messages).

A frame is `8=FIX.4.4 SOH 9=<BodyLength> SOH 35=<MsgType> SOH ... 10=<CheckSum> SOH`, where
BodyLength counts the bytes from `35=` up to and including the SOH before `10=`, and CheckSum
is the sum of every byte before `10=`, modulo 256, as three digits.

`Framer` cuts a byte stream into frames. The spec's garbled messages (BeginString not first or
not FIX.4.4, BodyLength not second or wrong, MsgType not third, CheckSum not last or wrong) are
reported as `Garbled` and skipped, and the Framer resynchronises on the next `8=FIX.4.4 SOH`;
so is a BodyLength over the bound, which also caps the memory a connection can hold. Another
FIX version's messages are garbled too: this exchange speaks FIX 4.4 only.

`decode` reads a whole frame into fields, keeping their order and repeated tags, and reports the
first problem inside it precisely enough for a session-level Reject (reason and tag). Values are
UTF-8 with surrogate escapes, so any byte string decodes and encodes back unchanged.
"""

from __future__ import annotations

import time
import zlib
from collections.abc import Iterable
from datetime import date
from itertools import islice
from operator import itemgetter
from typing import Final

from siamex.gateway.fix.fields import (
    DATA_FIELDS,
    HEADER_TAGS,
    INT_TAGS,
    SINGLE,
    SINGLE_HEADER,
    UINT_TAGS,
    Y_N_TAGS,
    RejectReason,
)
from siamex.gateway.fix.message import MAX_BODY, Decoded, FieldError, FixMessage, Garbled

__all__ = [
    "MAX_BODY",
    "Decoded",
    "FieldError",
    "FixMessage",
    "Framer",
    "Garbled",
    "decode",
    "encode",
    "format_utc",
    "parse_utc",
]

_BEGIN: Final = b"8=FIX.4.4\x01"
_HEAD: Final = _BEGIN + b"9="
_TRAILER: Final = 7  # "10=" + three digits + SOH
_MAX_DIGITS: Final = 10
_CODING: Final = "utf-8"
_ERRORS: Final = "surrogateescape"

_MAX_INT_DIGITS: Final = 18
_HEADER: Final = 1
_UINT: Final = 2
_INT: Final = 4
_Y_N: Final = 8
_DATA: Final = 16


def _kinds() -> dict[int, int]:
    """Map each typed tag to its kinds, as bits: one dictionary lookup per field."""
    kinds: dict[int, int] = {}
    for tags, kind in ((HEADER_TAGS, _HEADER), (UINT_TAGS, _UINT), (INT_TAGS, _INT),
                       (Y_N_TAGS, _Y_N), (DATA_FIELDS, _DATA)):
        for tag in tags:
            kinds[tag] = kinds.get(tag, 0) | kind
    return kinds


_KIND: Final = _kinds()
_TYPED: Final = {str(tag): (tag, kind) for tag, kind in _KIND.items()}
_PLAIN: Final = {str(tag): tag for tag in range(1, 10_000) if tag not in _KIND}
_LENGTH_TAGS: Final = frozenset(str(tag) for tag in DATA_FIELDS)


def encode(msg_type: str, fields: Iterable[tuple[int, str]]) -> bytes:
    """Encode a message, putting BeginString, BodyLength and MsgType first and CheckSum last.

    `fields` are the rest, in order (header fields first); a value may not be empty or hold
    SOH (so no data field that holds one), which would make a frame the other side cannot read.
    """
    parts = [f"35={msg_type}\x01"]
    for tag, value in fields:
        if not value or "\x01" in value:
            raise ValueError(f"tag {tag}: a value must be non-empty and free of SOH: {value!r}")
        parts.append(f"{tag}={value}\x01")
    body = "".join(parts).encode(_CODING, _ERRORS)
    head = b"%s%d\x01" % (_HEAD, len(body))
    return b"%s%s10=%03d\x01" % (head, body, (_byte_sum(head) + _byte_sum(body)) % 256)


def _byte_sum(data: bytes | bytearray) -> int:
    """Sum the bytes of `data`: Adler-32's first half is that sum modulo 65521, exact over
    256 bytes at most, and zlib computes it far faster than sum() over a bytes object."""
    if len(data) <= 256:
        return zlib.adler32(data, 0) & 0xFFFF
    view = memoryview(data)
    total = 0
    for at in range(0, len(view), 256):
        total += zlib.adler32(view[at:at + 256], 0) & 0xFFFF
    return total


def decode(frame: bytes) -> Decoded:
    """Decode a frame as the Framer yields it (the frame's own structure already checked)."""
    start = frame.index(b"\x01", len(_HEAD)) + 1
    body = frame[start:len(frame) - _TRAILER]
    parts = body.decode(_CODING, _ERRORS).split("\x01")
    parts.pop()
    found = _read_plain(parts)
    if found is not None:
        return found
    if any(part.partition("=")[0] in _LENGTH_TAGS for part in parts):
        return _check(*_split_data(body))  # a data field's value may hold SOH
    return _check(parts, None)


def _read_plain(parts: list[str]) -> Decoded | None:
    """Read a message of valid fields with tags below 10000 and no data field, the common case,
    in one cheap pass; None for anything else, which `_check` reads field by field."""
    msg_type = parts[0][3:]
    if not msg_type:
        return None
    values: dict[int, str] = {}
    fields: list[tuple[int, str]] = []
    plain, typed, first, append = _PLAIN.get, _TYPED.get, values.setdefault, fields.append
    in_body = False
    for part in islice(parts, 1, None):
        text, _, value = part.partition("=")
        if not value:
            return None
        tag = plain(text)
        if tag is None:
            entry = typed(text)
            if entry is None:
                return None
            tag, kind = entry
            if kind & _HEADER:
                if in_body:
                    return None
            else:
                in_body = True
            if kind & _UINT:
                if not (value.isdigit() and value.isascii()) or len(value) > _MAX_INT_DIGITS \
                        or kind & _DATA:
                    return None
            elif kind > _HEADER and _format(kind, value):
                return None
        else:
            in_body = True
        first(tag, value)
        append((tag, value))
    if len(values) != len(fields):
        single = SINGLE.get(msg_type, SINGLE_HEADER)
        counted = sum(map(single.__contains__, map(itemgetter(0), fields)))
        if counted != len(single.intersection(values)):
            return None
    return Decoded(FixMessage(msg_type, tuple(fields)), values, None)


def _check(parts: list[str], error: FieldError | None) -> Decoded:
    """Read `tag=value` parts into a Decoded field by field, finding the first error (`error`,
    if given, came before them)."""
    msg_type = parts[0][3:]
    errors: list[FieldError] = [] if error is None else [error]
    if not msg_type:
        errors.append(FieldError(RejectReason.TAG_WITHOUT_VALUE, 35, "MsgType(35) is empty"))
    single = SINGLE.get(msg_type, SINGLE_HEADER)
    kinds = _KIND
    values: dict[int, str] = {}
    fields: list[tuple[int, str]] = []
    in_body = False
    for part in parts[1:]:
        text, _, value = part.partition("=")
        if not (text.isdigit() and text.isascii()) or text[0] == "0" or len(text) > 9:
            errors.append(FieldError(RejectReason.INVALID_TAG_NUMBER, None,
                                     f"invalid tag number {text!r}"))
            continue
        tag = int(text)
        if not value:
            errors.append(FieldError(RejectReason.TAG_WITHOUT_VALUE, tag,
                                     f"tag {tag} has no value"))
            continue
        if tag in values:
            if tag in single:
                errors.append(FieldError(RejectReason.TAG_REPEATED, tag,
                                         f"tag {tag} appears more than once"))
                continue
        else:
            values[tag] = value
        kind = kinds.get(tag, 0)
        if kind & _HEADER:
            if in_body:
                errors.append(FieldError(RejectReason.TAG_OUT_OF_ORDER, tag,
                                         f"header tag {tag} after the body's first field"))
        else:
            in_body = True
        if kind > _HEADER:
            problem = _format(kind, value)
            if problem:
                del values[tag]
                errors.append(FieldError(RejectReason.INCORRECT_DATA_FORMAT, tag,
                                         f"tag {tag} must be {problem}: {value!r}"))
                continue
        fields.append((tag, value))
    return Decoded(FixMessage(msg_type, tuple(fields)), values, errors[0] if errors else None)


def _format(kind: int, value: str) -> str:
    """Return what a typed value should look like if it does not, else ''."""
    if kind & (_UINT | _INT):
        digits = value[1:] if kind & _INT and value[0] == "-" else value
        if digits.isdigit() and digits.isascii() and len(digits) <= _MAX_INT_DIGITS:
            return ""
        return "at most 18 digits" if kind & _UINT else "an integer of at most 18 digits"
    return "" if value in ("Y", "N") else "Y or N"


def _split_data(body: bytes) -> tuple[list[str], FieldError | None]:
    """Split a body at SOH, except inside a data field, which is as long as its length field
    says (the length field must come just before it)."""
    parts: list[str] = []
    error: FieldError | None = None
    data_tag = b""
    data_length = 0
    pos = 0
    while pos < len(body):
        soh = body.index(b"\x01", pos)
        equals = body.find(b"=", pos, soh)
        tag = body[pos:equals] if equals > 0 else b""
        if data_tag and tag == data_tag:
            stop = equals + 1 + data_length
            if body[stop:stop + 1] == b"\x01":
                soh = stop
            elif error is None:
                error = FieldError(RejectReason.VALUE_INCORRECT, int(tag),
                                   f"data field {int(tag)} is not as long as its length field")
        data_tag = b""
        value = body[equals + 1:soh] if equals > 0 else b""
        if (0 < len(tag) < 10 and tag.isdigit() and int(tag) in DATA_FIELDS
                and 0 < len(value) < 10 and value.isdigit()):
            data_tag = b"%d" % DATA_FIELDS[int(tag)]
            data_length = int(value)
        parts.append(body[pos:soh].decode(_CODING, _ERRORS))
        pos = soh + 1
    return parts, error


class Framer:
    """Cut a byte stream into FIX 4.4 frames; never raises, and holds at most one frame's
    bytes (plus the last chunk fed) whatever the input."""

    def __init__(self, max_body: int = MAX_BODY) -> None:
        self._buffer = bytearray()
        self._max_body = max_body

    @property
    def buffered(self) -> int:
        """How many bytes wait for the rest of their frame."""
        return len(self._buffer)

    def feed(self, data: bytes) -> list[bytes | Garbled]:
        """Take bytes; return each complete frame and each skipped stretch, in stream order."""
        self._buffer += data
        out: list[bytes | Garbled] = []
        while (item := self._next()) is not None:
            out.append(item)
        return out

    def _next(self) -> bytes | Garbled | None:
        buf = self._buffer
        start = buf.find(_BEGIN)
        if start < 0:
            return self._skip("bytes before 8=FIX.4.4", 0)
        if start > 0:
            del buf[:start]
            return Garbled("bytes before 8=FIX.4.4", start)
        head = len(_HEAD)
        if not buf.startswith(_HEAD):
            if len(buf) < head:
                return None
            return self._skip("BodyLength(9) is not the second field", 1)
        soh = buf.find(b"\x01", head, head + _MAX_DIGITS + 1)
        if soh < 0:
            if len(buf) <= head + _MAX_DIGITS and (len(buf) == head or buf[head:].isdigit()):
                return None
            return self._skip("BodyLength(9) is not a number", 1)
        digits = buf[head:soh]
        if not digits.isdigit():
            return self._skip("BodyLength(9) is not a number", 1)
        length = int(digits)
        if length > self._max_body:
            return self._skip(f"BodyLength(9) {length} is over {self._max_body}", 1)
        body = soh + 1
        end = body + length
        total = end + _TRAILER
        if len(buf) < total:
            return None
        if buf[end:end + 3] != b"10=" or buf[total - 1] != 1 or buf[end - 1] != 1:
            return self._skip("BodyLength(9) is wrong or CheckSum(10) is not last", 1)
        if buf[body:body + 3] != b"35=":
            return self._skip("MsgType(35) is not the third field", 1)
        checksum = buf[end + 3:total - 1]
        if not checksum.isdigit() or int(checksum) != _byte_sum(buf[:end]) % 256:
            return self._skip("CheckSum(10) is wrong", 1)
        frame = bytes(buf[:total])
        del buf[:total]
        return frame

    def _skip(self, reason: str, start: int) -> Garbled | None:
        """Drop the buffer up to the next `8=FIX.4.4 SOH` found from `start`, or all but a tail
        that may begin one; None if there is nothing to drop."""
        buf = self._buffer
        found = buf.find(_BEGIN, start)
        size = found if found >= 0 else max(start, len(buf) - len(_BEGIN) + 1)
        if size == 0:
            return None
        del buf[:size]
        return Garbled(reason, size)


_CACHED: Final = 64
_formatted: dict[int, str] = {}
_read: dict[str, int] = {}
"""Whole seconds formatted and read lately, each way: every message carries a time, a busy
session's times share their second, and the calendar arithmetic is the costly part (a
message's SendingTime and TransactTime may differ in date when the exchange's clock is
replayed or accelerated). Each is emptied when it reaches `_CACHED` entries."""


def format_utc(now_ns: int) -> str:
    """Format a time as FIX 4.4's UTCTimestamp with milliseconds, YYYYMMDD-HH:MM:SS.sss."""
    seconds, rest = divmod(now_ns, 1_000_000_000)
    text = _formatted.get(seconds)
    if text is None:
        if len(_formatted) >= _CACHED:
            _formatted.clear()
        text = _formatted[seconds] = time.strftime("%Y%m%d-%H:%M:%S", time.gmtime(seconds))
    return f"{text}.{rest // 1_000_000:03d}"


_EPOCH: Final = date(1970, 1, 1).toordinal()


def parse_utc(text: str) -> int | None:
    """Read a UTCTimestamp (YYYYMMDD-HH:MM:SS with no fraction, or 3, 6 or 9 digits of one)
    into nanoseconds since the epoch; None if it is not one."""
    fraction = text[18:]
    if len(text) > 17 and (text[17] != "." or len(fraction) not in (3, 6, 9)
                           or not (fraction.isdigit() and fraction.isascii())):
        return None
    whole = text[:17]
    seconds = _read.get(whole)
    if seconds is None:
        seconds = _whole_seconds(whole)
        if seconds is None:
            return None
        if len(_read) >= _CACHED:
            _read.clear()
        _read[whole] = seconds
    return seconds * 1_000_000_000 + int(fraction.ljust(9, "0"))


def _whole_seconds(text: str) -> int | None:
    """Read YYYYMMDD-HH:MM:SS into seconds since the epoch; None if it is not one."""
    if len(text) < 17 or text[8] != "-" or text[11] != ":" or text[14] != ":":
        return None
    digits = text[:8] + text[9:11] + text[12:14] + text[15:17]
    if not (digits.isdigit() and digits.isascii()):
        return None
    hour, minute, second = int(text[9:11]), int(text[12:14]), int(text[15:17])
    if hour > 23 or minute > 59 or second > 60:  # 60: a leap second
        return None
    try:
        day = date(int(text[:4]), int(text[4:6]), int(text[6:8])).toordinal() - _EPOCH
    except ValueError:
        return None
    return ((day * 24 + hour) * 60 + minute) * 60 + second
