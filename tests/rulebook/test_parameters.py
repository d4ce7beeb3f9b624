"""The rulebook as data: names, defaults, overrides and the generated reference."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest

from siamex.rulebook.parameters import PARAMETERS, Rulebook, UnknownParameter
from siamex.rulebook.reference import markdown_reference
from siamex.units import InvalidValue

DOCS = Path(__file__).resolve().parents[2] / "docs" / "rulebook.md"


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
