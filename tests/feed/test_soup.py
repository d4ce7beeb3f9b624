"""The feed's packets: framing cut at any point reads the same, and bytes that break it are
refused with PacketError, never misread."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from siamex.feed.soup import (
    LOGIN,
    LONG_LOGIN,
    MAX_PACKET,
    PacketError,
    Unpacker,
    login,
    packet,
    parse_login,
)


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


@pytest.mark.parametrize(("username", "password", "size"), [
    ("M01", "secret", LOGIN.size),  # SoupBinTCP's widths
    ("m01ors1", "m01-fix-secret-change-me", LONG_LOGIN.size),  # the registry's, longer
    ("u" * 64, "p" * 64, LONG_LOGIN.size),
])
def test_a_login_reads_back_what_was_asked(username: str, password: str, size: int) -> None:
    (kind, payload), = Unpacker().feed(login(username, password, "SIAMEX", 42))
    assert kind == b"L" and len(payload) == size
    assert parse_login(payload) == (username, password, "SIAMEX", 42)


def test_a_credential_the_login_cannot_hold_is_refused_not_cut_short() -> None:
    with pytest.raises(ValueError, match="at most 64"):
        login("u" * 65, "", "", 1)


@given(st.one_of(st.binary(max_size=60), st.binary(min_size=LONG_LOGIN.size - 2,
                                                   max_size=LONG_LOGIN.size + 2)))
def test_a_login_payload_is_read_or_refused_never_raises(payload: bytes) -> None:
    found = parse_login(payload)
    assert found is None or (len(payload) in (LOGIN.size, LONG_LOGIN.size) and found[3] >= 0)
