"""Rule overrides from files and `name=value` pairs, and one refusal of a bad one, with its
stable code, for the trading and the clearing rulebooks alike."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest

from siamex.clearing.foundations.parameters import ClearingRules
from siamex.errors import ErrorCode, SiamexError
from siamex.rulebook.overrides import read_rules, rule_overrides
from siamex.rulebook.parameters import Rulebook


def test_pairs_are_read_as_integers_json_lists_or_text() -> None:
    overrides = rule_overrides((), ("board_lot=50", "flat_tick = 0.05",
                                    'flat_tick_kinds=["etf"]',
                                    "tick_table=[[0, 0.01], [10, 0.1]]"))
    assert overrides == {"board_lot": 50, "flat_tick": "0.05", "flat_tick_kinds": ["etf"],
                         "tick_table": [[0, "0.01"], [10, "0.1"]]}


def test_files_merge_in_order_and_pairs_win_over_them(tmp_path: Path) -> None:
    first, second = tmp_path / "a.toml", tmp_path / "b.toml"
    first.write_text('board_lot = 50\nflat_tick = "0.05"\n', encoding="utf-8")
    second.write_text("board_lot = 10\nprice_limit_pct = 12.5\n", encoding="utf-8")
    overrides = rule_overrides((first, second), ("board_lot=1",))
    assert overrides == {"board_lot": 1, "flat_tick": "0.05", "price_limit_pct": "12.5"}


def test_a_toml_float_stays_decimal_text_so_no_value_passes_a_binary_float(
        tmp_path: Path) -> None:
    rules = tmp_path / "rules.toml"
    rules.write_text("price_limit_pct = 12.1\n", encoding="utf-8")
    overrides = rule_overrides((rules,), ())
    assert overrides == {"price_limit_pct": "12.1"}
    assert read_rules(Rulebook, overrides).price_limit_pct == Fraction(121, 10)


@pytest.mark.parametrize("pair", ["board_lot", "=5", "tick_table=[1,"])
def test_a_pair_that_cannot_be_read_is_an_invalid_parameter(pair: str) -> None:
    with pytest.raises(SiamexError) as exc:
        rule_overrides((), (pair,))
    assert exc.value.code is ErrorCode.INVALID_PARAMETER


def test_a_missing_rule_file_is_not_found_and_a_file_not_toml_is_invalid(
        tmp_path: Path) -> None:
    with pytest.raises(SiamexError) as exc:
        rule_overrides((tmp_path / "missing.toml",), ())
    assert exc.value.code is ErrorCode.FILE_NOT_FOUND
    (tmp_path / "bad.toml").write_text("board_lot = = 1\n", encoding="utf-8")
    with pytest.raises(SiamexError) as exc:
        rule_overrides((tmp_path / "bad.toml",), ())
    assert exc.value.code is ErrorCode.INVALID_PARAMETER
    assert str(exc.value).startswith(f"error[INVALID_PARAMETER]: {tmp_path / 'bad.toml'}: "
                                     "not TOML")


@pytest.mark.parametrize("rulebook", [Rulebook, ClearingRules])
def test_both_rulebooks_refuse_an_unknown_name_and_a_value_out_of_range_alike(
        rulebook: type[Rulebook] | type[ClearingRules]) -> None:
    with pytest.raises(SiamexError) as exc:
        read_rules(rulebook, {"no_such_rule": 1})
    assert exc.value.code is ErrorCode.UNKNOWN_PARAMETER
    assert "no_such_rule" in str(exc.value)
    name = "board_lot" if rulebook is Rulebook else "settlement_cycle_days"
    with pytest.raises(SiamexError) as exc:
        read_rules(rulebook, {name: 10**9})
    assert exc.value.code is ErrorCode.INVALID_PARAMETER
    assert str(exc.value).startswith(f"error[INVALID_PARAMETER]: {name} must be")


def test_read_rules_builds_the_rulebook_the_overrides_describe() -> None:
    assert read_rules(Rulebook, {"board_lot": 50}) == Rulebook({"board_lot": 50})
    assert read_rules(ClearingRules, {}).settlement_cycle_days == 2
