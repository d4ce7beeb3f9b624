"""A broker's client level table as rulebook data (4.6): the bundled convention, a broker's
own table replacing it, and every fault refused with MARGIN_FILE."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from siamex.errors import ErrorCode, SiamexError
from siamex.rulebook.client_levels import (
    GENERAL,
    INSTITUTIONAL,
    CallDeadlines,
    LevelMultipliers,
    default_client_levels,
    load_client_levels,
    read_client_levels,
)

HOUR = 3_600_000_000
MINUTE = 60_000_000

BROKER = b"""
[deadlines]
call_days = 0
call_by = "16:00"
force_close_days = 1
force_close_by = "09:50"

[[client_type]]
name = "retail"
initial = "2"
maintenance = "1.5"
force_close = 1
"""


def refused(text: str) -> str:
    with pytest.raises(SiamexError) as caught:
        read_client_levels(text.encode(), "levels.toml")
    assert caught.value.code is ErrorCode.MARGIN_FILE
    return caught.value.message


def test_bundled_multipliers_are_the_tfex_convention() -> None:
    table = default_client_levels()
    assert table.for_type(GENERAL) == LevelMultipliers(
        Fraction("1.75"), Fraction("1.23"), Fraction("0.53"))
    assert table.for_type(INSTITUTIONAL) == LevelMultipliers(Fraction("1.35"), Fraction(1),
                                                             None)


def test_bundled_deadlines_are_the_example_brokers() -> None:
    assert default_client_levels().deadlines == CallDeadlines(1, 15 * HOUR, 2,
                                                              10 * HOUR + 45 * MINUTE)


def test_a_brokers_table_replaces_the_bundled_one_whole(tmp_path: Path) -> None:
    path = tmp_path / "broker.toml"
    path.write_bytes(BROKER)
    table = load_client_levels(path)
    assert set(table.multipliers) == {"retail"}
    assert table.for_type("retail") == LevelMultipliers(Fraction(2), Fraction("1.5"),
                                                        Fraction(1))
    assert table.deadlines == CallDeadlines(0, 16 * HOUR, 1, 9 * HOUR + 50 * MINUTE)


def test_an_unknown_client_type_is_margin_file() -> None:
    with pytest.raises(SiamexError) as caught:
        default_client_levels().for_type("foreign")
    assert caught.value.code is ErrorCode.MARGIN_FILE
    assert "general, institutional" in caught.value.message


def test_a_missing_file_is_file_not_found(tmp_path: Path) -> None:
    with pytest.raises(SiamexError) as caught:
        load_client_levels(tmp_path / "absent.toml")
    assert caught.value.code is ErrorCode.FILE_NOT_FOUND


def test_a_float_multiple_is_refused() -> None:
    assert "never floats" in refused(BROKER.decode().replace('"1.5"', "1.5"))


def test_multiples_must_fall_from_initial_to_force_close() -> None:
    assert "initial >= maintenance" in refused(BROKER.decode().replace('"1.5"', '"2.5"'))
    assert "initial >= maintenance" in refused(
        BROKER.decode().replace("force_close = 1", 'force_close = "1.6"'))


@pytest.mark.parametrize("value", ['"0"', '"-1"', '"11"', '"1e3"', '"abc"'])
def test_a_multiple_outside_its_range_is_refused(value: str) -> None:
    assert "multiple above 0" in refused(BROKER.decode().replace('"2"', value))


def test_a_client_type_listed_twice_is_refused() -> None:
    twice = BROKER.decode() + BROKER.decode()[BROKER.decode().index("[[client_type]]"):]
    assert "listed twice" in refused(twice)


def test_a_table_needs_a_client_type() -> None:
    text = BROKER.decode()
    assert "at least one" in refused("client_type = []\n" + text[:text.index("[[client_type]]")])


def test_a_bad_client_type_name_is_refused() -> None:
    assert "small letters" in refused(BROKER.decode().replace('"retail"', '"Retail Client"'))


def test_the_force_close_deadline_comes_after_the_calls() -> None:
    assert "must come after" in refused(BROKER.decode().replace("force_close_days = 1",
                                                                "force_close_days = 0"))


def test_a_bad_deadline_is_refused() -> None:
    assert "call_by" in refused(BROKER.decode().replace('"16:00"', '"4pm"'))
    assert "0 to 5 business days" in refused(BROKER.decode().replace("call_days = 0",
                                                                      "call_days = 9"))


def test_an_unknown_field_is_refused() -> None:
    assert "not a client level table" in refused(BROKER.decode() + 'colour = "red"\n')


@settings(max_examples=100, deadline=None, derandomize=True)
@given(st.binary(max_size=200))
def test_garbage_is_refused_with_margin_file(raw: bytes) -> None:
    with pytest.raises(SiamexError) as caught:
        read_client_levels(raw, "levels.toml")
    assert caught.value.code is ErrorCode.MARGIN_FILE
