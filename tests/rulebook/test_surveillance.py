"""The alert rules' parameters as rulebook data: named, defaulted, sourced, overridden by name,
and refused with a stable code when unknown or out of range."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from siamex.errors import ErrorCode, SiamexError
from siamex.rulebook.overrides import read_rules
from siamex.rulebook.parameters import PARAMETERS
from siamex.rulebook.surveillance import (
    ALERT_RULES,
    SURVEILLANCE_PARAMETERS,
    SurveillanceRules,
)


def test_every_parameter_has_a_meaning_an_inferred_source_and_a_readable_default() -> None:
    for param in SURVEILLANCE_PARAMETERS:
        assert param.meaning and param.unit, param.name
        assert "[I]" in param.source, param.name  # SET publishes no thresholds
        assert param.value(param.default) is not None


def test_the_names_are_the_rulebooks_own_and_none_shadows_a_trading_parameter() -> None:
    names = [p.name for p in SURVEILLANCE_PARAMETERS]
    assert len(set(names)) == len(names)
    assert not set(names) & {p.name for p in PARAMETERS}
    rules = SurveillanceRules()
    for name in names:
        assert hasattr(rules, name)


def test_defaults_are_read_in_core_form() -> None:
    rules = SurveillanceRules()
    assert rules.alert_rules == frozenset(ALERT_RULES)
    assert rules.push_move_pct == Fraction(3)
    assert rules.push_min_orders == 2
    assert rules.push_window_seconds == 300
    assert rules.layering_min_orders == 3
    assert rules.wash_min_qty == 1
    assert rules.close_share_pct == Fraction(50)
    assert (rules.split_min_orders, rules.split_seconds, rules.split_max_order_qty,
            rules.split_min_total_qty) == (5, 60, 1_000, 5_000)


def test_an_override_changes_one_value_by_its_name() -> None:
    rules = SurveillanceRules({"push_move_pct": "2.5", "alert_rules": ["wash", "close"]})
    assert rules.push_move_pct == Fraction(5, 2)
    assert rules.alert_rules == frozenset({"wash", "close"})
    assert rules.close_move_pct == Fraction(2)
    assert rules == SurveillanceRules({"push_move_pct": "2.5", "alert_rules": ["wash", "close"]})
    assert rules != SurveillanceRules()


@pytest.mark.parametrize(("overrides", "code"), [
    ({"no_such_rule": 1}, ErrorCode.UNKNOWN_PARAMETER),
    ({"screen_price_pct": 5}, ErrorCode.UNKNOWN_PARAMETER),  # a trading parameter
    ({"push_move_pct": 101}, ErrorCode.INVALID_PARAMETER),
    ({"layering_min_orders": 0}, ErrorCode.INVALID_PARAMETER),
    ({"split_seconds": 86_401}, ErrorCode.INVALID_PARAMETER),
    ({"alert_rules": ["wash", "spoof"]}, ErrorCode.INVALID_PARAMETER),
    ({"alert_rules": "wash"}, ErrorCode.INVALID_PARAMETER),
])
def test_an_unknown_name_or_a_value_out_of_range_is_refused_with_its_code(
        overrides: dict[str, Any], code: ErrorCode) -> None:
    with pytest.raises(SiamexError) as exc:
        read_rules(SurveillanceRules, overrides)
    assert exc.value.code is code


def test_the_range_ends_are_taken() -> None:
    rules = read_rules(SurveillanceRules, {"push_window_seconds": 86_400, "wash_min_qty": 1,
                                           "close_move_pct": 0, "alert_rules": []})
    assert rules.push_window_seconds == 86_400
    assert rules.close_move_pct == 0
    assert rules.alert_rules == frozenset()


_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner,
                                                                 max_size=3),
    max_leaves=8)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from([p.name for p in SURVEILLANCE_PARAMETERS]), _values)
def test_any_value_is_read_or_refused_as_an_invalid_parameter(name: str, value: Any) -> None:
    try:
        read_rules(SurveillanceRules, {name: value})
    except SiamexError as exc:
        assert exc.code is ErrorCode.INVALID_PARAMETER


def test_the_surveillance_page_names_every_parameter() -> None:
    page = (Path(__file__).resolve().parents[2] / "docs" / "surveillance.md").read_text()
    for param in SURVEILLANCE_PARAMETERS:
        assert f"`{param.name}`" in page, param.name
    for name in ("order_screening", "screen_price_pct", "screen_cancel_limit",
                 "screen_cancel_seconds"):
        assert f"`{name}`" in page, name
