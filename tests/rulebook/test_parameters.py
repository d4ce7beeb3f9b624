"""The rulebook as data: names, defaults, overrides and the generated reference."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest

from siamex.clearing.foundations.parameters import CLEARING_PARAMETERS, ClearingRules
from siamex.rulebook.parameters import PARAMETERS, Rulebook, UnknownParameter
from siamex.rulebook.reference import markdown_reference
from siamex.units import InvalidValue

DOCS = Path(__file__).resolve().parents[2] / "docs" / "rulebook.md"
CLEARING_DOCS = DOCS.parent / "clearing-rulebook.md"


def test_every_parameter_has_a_meaning_and_a_source() -> None:
    for param in PARAMETERS:
        assert param.meaning and param.source, param.name
        assert param.value(param.default) is not None


def test_defaults_are_read_in_core_units() -> None:
    rules = Rulebook()
    assert rules.board_lot == 100
    assert rules.max_order_qty == 10_000_000
    assert rules.price_limit_pct == Fraction(30)
    assert rules.pre_open_1_start == (9 * 60 + 30) * 60_000_000
    assert rules.tick_table[1] == (200, 2)


def test_an_override_changes_one_value_by_its_name() -> None:
    rules = Rulebook({"price_limit_pct": "12.5", "board_lot": 50})
    assert rules.price_limit_pct == Fraction(25, 2)
    assert rules.board_lot == 50
    assert rules.max_order_qty == 10_000_000


def test_an_unknown_name_is_refused() -> None:
    with pytest.raises(UnknownParameter):
        Rulebook({"price_limit_percent": 15})


@pytest.mark.parametrize("overrides", [
    {"board_lot": 0},
    {"board_lot": "many"},
    {"price_limit_pct": True},
    {"flat_tick": 0.01},
    {"tick_table": [["0", "0.01"], ["2", "0.03"]]},
    {"open_1_window_start": "10:05"},
])
def test_a_bad_value_is_refused_with_a_sentence(overrides: dict[str, object]) -> None:
    with pytest.raises(InvalidValue):
        Rulebook(overrides)


def test_the_rulebook_reference_in_docs_is_up_to_date() -> None:
    expected = markdown_reference()
    assert DOCS.read_text() == expected, "run: siamex rulebook --markdown > docs/rulebook.md"


def test_every_parameter_documents_its_valid_range() -> None:
    for param in (*PARAMETERS, *CLEARING_PARAMETERS):
        assert param.valid, param.name
        assert f"| {param.valid} |" in (DOCS.read_text() + CLEARING_DOCS.read_text())


@pytest.mark.parametrize(("overrides", "says"), [
    ({"auction_tick_allowance": 1_000_000_000_000},
     "auction_tick_allowance must be 0 to 100, got 1000000000000"),
    ({"auction_tick_allowance": "9" * 5000}, "auction_tick_allowance must be 0 to 100, got '999"),
    ({"price_limit_pct": 1001}, "price_limit_pct must be 1 to 1,000 %, got 1001"),
    ({"price_limit_pct": "1" + "0" * 5000}, "price_limit_pct must be a percentage"),
    ({"board_lot": 10_001}, "board_lot must be 1 to 10,000, got 10001"),
    ({"tick_table": [["0", "0.01"]] * 21}, "tick_table must be a list of 1 to 20"),
    ({"flat_tick_kinds": ["x" * 33]}, "flat_tick_kinds: a name is text of 1 to 32 characters"),
    ({"flat_tick_kinds": ["\ud800"]}, "flat_tick_kinds: a name is text of 1 to 32 characters"),
    ({"circuit_breaker_levels": [[8, 481]]}, "circuit_breaker_levels must be 1 to 480, got 481"),
])
def test_a_value_outside_its_range_is_refused_naming_the_range(overrides: dict[str, object],
                                                               says: str) -> None:
    with pytest.raises(InvalidValue) as refused:
        Rulebook(overrides)
    assert str(refused.value).startswith(says)


@pytest.mark.parametrize(("overrides", "says"), [
    ({"settlement_cycle_days": 11}, "settlement_cycle_days must be 0 to 10, got 11"),
    ({"gross_min_value": "1000000000000.01"},
     "gross_min_value must be 0 to 1000000000000.00 THB, got '1000000000000.01'"),
    ({"gross_min_value": "9" * 5000}, "gross_min_value: '999"),
    ({"fund_variable_pct": ["0.008", "0.012"]},
     "fund_variable_pct must be a list of 3 percentages, one per risk tier"),
    ({"psms_tiers": [[1, "50"]] * 21}, "psms_tiers must be a list of 1 to 20"),
])
def test_a_clearing_value_outside_its_range_is_refused_naming_the_range(
        overrides: dict[str, object], says: str) -> None:
    with pytest.raises(InvalidValue) as refused:
        ClearingRules(overrides)
    assert str(refused.value).startswith(says)


def test_a_tick_row_may_start_at_the_largest_price_a_file_may_give() -> None:
    rules = Rulebook({"tick_table": [["0", "0.01"], ["999999999999.00", "1.00"]]})
    assert rules.tick_table[-1] == (99_999_999_999_900, 100)
