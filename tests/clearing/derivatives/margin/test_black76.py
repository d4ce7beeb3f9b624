"""Black-76, the margin calculator's one floating-point model (decision 115)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from siamex.clearing.derivatives.margin.black76 import (
    VOLATILITY_CAP,
    VOLATILITY_FLOOR,
    implied_volatility,
    option_value,
)


def test_an_at_the_money_call_is_worth_about_0_4_sigma_root_t_of_the_underlying() -> None:
    value = option_value(True, 90_000.0, 90_000.0, 0.2, 0.25, 0.0)
    assert value == pytest.approx(0.3989 * 0.2 * 0.5 * 90_000, rel=1e-3)


def test_a_call_less_a_put_is_the_discounted_forward_less_strike() -> None:
    years, rate = 0.5, 0.03
    call = option_value(True, 95_000.0, 90_000.0, 0.25, years, rate)
    put = option_value(False, 95_000.0, 90_000.0, 0.25, years, rate)
    assert call - put == pytest.approx(math.exp(-rate * years) * 5_000.0, rel=1e-9)


def test_at_expiry_an_option_is_worth_its_intrinsic_value() -> None:
    assert option_value(True, 91_000.0, 90_000.0, 0.3, 0.0, 0.0) == 1_000.0
    assert option_value(False, 91_000.0, 90_000.0, 0.3, 0.0, 0.0) == 0.0
    assert option_value(False, -5.0, 90_000.0, 0.3, 0.1, 0.0) == 90_000.0


@settings(max_examples=60, deadline=None, derandomize=True)
@given(call=st.booleans(), strike=st.integers(70_000, 110_000),
       volatility=st.floats(0.05, 1.5), days=st.integers(1, 400))
def test_the_implied_volatility_gives_the_price_back(call: bool, strike: int,
                                                     volatility: float, days: int) -> None:
    years = days / 365
    price = option_value(call, 90_000.0, float(strike), volatility, years, 0.0)
    intrinsic = max(90_000 - strike, 0) if call else max(strike - 90_000, 0)
    if price - intrinsic < 1e-6:  # no time value left to read a volatility from
        return
    found = implied_volatility(call, price, 90_000.0, float(strike), years, 0.0)
    assert option_value(call, 90_000.0, float(strike), found, years, 0.0) == \
        pytest.approx(price, rel=1e-9, abs=1e-9)


def test_a_price_the_model_cannot_reach_takes_the_nearer_bound() -> None:
    assert implied_volatility(True, 10.0, 90_000.0, 80_000.0, 0.1, 0.0) == VOLATILITY_FLOOR
    assert implied_volatility(True, 89_999.0, 90_000.0, 80_000.0, 0.1, 0.0) == VOLATILITY_CAP
