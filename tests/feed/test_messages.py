"""The feed's messages: every layout round-trips, bad fields and bad bytes are refused, and
docs/itch.md describes exactly the layouts the code packs."""

from __future__ import annotations

import re
from pathlib import Path

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from siamex.feed.messages import (
    LAYOUTS,
    AddOrder,
    Directory,
    FeedMessageError,
    Indicative,
    OrderExecuted,
    Status,
    Trade,
    decode,
    encode,
    size,
)

DOC = Path(__file__).resolve().parents[2] / "docs" / "itch.md"
_U64 = st.integers(0, 2**64 - 1)
_I64 = st.integers(-(2**63), 2**63 - 1)
_CODE = st.sampled_from("BSMOLCXY ")


def _text(width: int) -> st.SearchStrategy[str]:
    printable = st.characters(min_codepoint=32, max_codepoint=126)
    return st.text(printable, max_size=width).filter(lambda text: not text.endswith(" "))


def _field(code: str) -> st.SearchStrategy[object]:
    if code == "c":
        return _CODE
    if code.endswith("s"):
        return _text(int(code[:-1]))
    return {"H": st.integers(0, 2**16 - 1), "I": st.integers(0, 2**32 - 1), "Q": _U64,
            "q": _I64}[code]


def _split(body: str) -> list[str]:
    return re.findall(r"\d*[a-zA-Z]", body)


def _messages() -> st.SearchStrategy[object]:
    strategies = []
    for cls, (_, body) in LAYOUTS.items():
        fields = [st.integers(0, 2**16 - 1), _U64, *(_field(c) for c in _split(body))]
        strategies.append(st.tuples(*fields).map(lambda values, cls=cls: cls(*values)))
    return st.one_of(strategies)


@given(_messages())
def test_every_message_decodes_to_itself(message: object) -> None:
    data = encode(message)  # type: ignore[arg-type]
    assert len(data) == size(data[:1])
    assert decode(data) == message


def test_an_add_order_is_packed_big_endian_after_the_common_header() -> None:
    data = encode(AddOrder(3, 1_700_000_000_000_000_001, 42, "B", "M", "L", 1_000, 3_125))
    assert data[:1] == b"A" and data[1:3] == b"\x00\x03"
    assert int.from_bytes(data[3:11], "big") == 1_700_000_000_000_000_001
    assert int.from_bytes(data[11:19], "big") == 42 and data[19:22] == b"BML"
    assert int.from_bytes(data[-8:], "big") == 3_125 and len(data) == 38


@pytest.mark.parametrize("message", [
    Directory(1, 0, "A" * 21, 100, 0, 1, 1),  # a symbol wider than its 20 bytes
    Directory(1, 0, "PTT ", 100, 0, 1, 1),  # a trailing space the padding would swallow
    Directory(1, 0, "ปตท", 100, 0, 1, 1),  # not ASCII
    AddOrder(1, 0, 1, "BS", "M", "L", 1, 1),  # a code of two characters
    AddOrder(1, 0, 1, "B", "M", "L", -1, 1),  # a negative quantity
    OrderExecuted(1, 2**64, 1, 1, 1, 1),  # a time beyond 64 bits
    Indicative(1, 0, 0, 0, 2**63),  # an imbalance beyond a signed 64-bit integer
    Status(70_000, 0, "halt", "H", "Y", 0),  # a locate beyond 16 bits
])
def test_a_field_that_does_not_fit_its_layout_is_refused(message: object) -> None:
    with pytest.raises(FeedMessageError):
        encode(message)  # type: ignore[arg-type]


@given(st.binary(max_size=80))
def test_bytes_that_are_no_message_are_refused_never_misread(data: bytes) -> None:
    try:
        message = decode(data)
    except FeedMessageError:
        return
    assert encode(message) == data


def test_a_message_of_the_wrong_length_or_an_unknown_type_is_refused() -> None:
    data = encode(Trade(1, 0, 7, "M", " ", 100, 3_100))
    for bad in (data[:-1], data + b"\x00", b"?" + data[1:], b""):
        with pytest.raises(FeedMessageError):
            decode(bad)


def _documented() -> dict[str, tuple[int, list[str]]]:
    """Each message in docs/itch.md: its size and its fields in order."""
    found: dict[str, tuple[int, list[str]]] = {}
    for section in DOC.read_text(encoding="utf-8").split("\n### ")[1:]:
        head = re.match(r"`(.)` (\w+) \((\d+) bytes\)", section)
        assert head is not None, section[:40]
        rows = re.findall(r"^\| (\d+) \| (\d+) \| (\w+) \| \w+ \|$", section, re.MULTILINE)
        offsets = [int(r[0]) for r in rows]
        lengths = [int(r[1]) for r in rows]
        assert offsets == [sum(lengths[:i]) for i in range(len(lengths))], head.group(2)
        assert sum(lengths) == int(head.group(3)), head.group(2)
        found[head.group(1)] = (int(head.group(3)), [r[2] for r in rows])
    return found


def test_docs_itch_md_describes_every_layout_the_code_packs() -> None:
    documented = _documented()
    assert set(documented) == {kind.decode() for kind, _ in LAYOUTS.values()}
    for cls, (kind, _) in LAYOUTS.items():
        doc_size, doc_fields = documented[kind.decode()]
        assert doc_size == size(kind), cls.__name__
        assert doc_fields == ["type", "locate", "timestamp", *cls.__struct_fields__[2:]]
        assert msgspec.structs.fields(cls)[0].name == "locate"
