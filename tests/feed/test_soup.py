"""The feed's packets: framing cut at any point reads the same, and bytes that break it are
refused with PacketError, never misread."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from siamex.feed.soup import MAX_PACKET, PacketError, Unpacker, login, packet, parse_login


@given(st.lists(st.tuples(st.sampled_from([b"S", b"N", b"H", b"Z"]),
                          st.binary(max_size=60)), max_size=20),
       st.integers(1, 50))
def test_packets_cut_anywhere_come_out_whole_and_in_order(
        packets: list[tuple[bytes, bytes]], cut: int) -> None:
    stream = b"".join(packet(kind, payload) for kind, payload in packets)
    unpacker = Unpacker()
    out = []
    for at in range(0, len(stream), cut):
        out += unpacker.feed(stream[at:at + cut])
    assert out == packets


@pytest.mark.parametrize("length", [0, MAX_PACKET + 1, 65535])
def test_a_length_of_zero_or_over_the_bound_breaks_the_framing(length: int) -> None:
    with pytest.raises(PacketError):
        Unpacker().feed(length.to_bytes(2, "big") + b"S")


def test_a_login_reads_back_what_was_asked() -> None:
    (kind, payload), = Unpacker().feed(login("M01", "secret", "SIAMEX", 42))
    assert kind == b"L" and parse_login(payload) == ("M01", "secret", "SIAMEX", 42)


@given(st.binary(max_size=60))
def test_a_login_payload_is_read_or_refused_never_raises(payload: bytes) -> None:
    found = parse_login(payload)
    assert found is None or (len(payload) == 46 and found[3] >= 0)
