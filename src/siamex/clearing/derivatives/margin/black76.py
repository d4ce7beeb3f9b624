"""Black-76: a European option's value from its underlying's price, and the implied volatility
its settlement price carries (clearing-spec.md 4.5, 7.2; decision 115).

The one place the margin calculator computes in binary floating point: the normal
distribution has no exact form. Prices are in hundredths of the price unit, as everywhere,
times in years, rates and volatilities decimal fractions a year. The caller turns every value
change into satang by its stated rounding (risk_arrays), so no float leaves the model.
"""

from __future__ import annotations

import math

__all__ = ["VOLATILITY_CAP", "VOLATILITY_FLOOR", "implied_volatility", "option_value"]

VOLATILITY_FLOOR = 0.0001
"""The least volatility the model takes: a scan below it (0.04 off 0.02) stays at it."""
VOLATILITY_CAP = 5.0
"""The most: 500% a year, beyond any listed option's."""
_BISECTIONS = 100  # halves 5.0 to below 1e-29: a fixed count, the same answer every run


def _normal(x: float) -> float:
    return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))


def option_value(call: bool, underlying: float, strike: float, volatility: float,
                 years: float, rate: float) -> float:
    """The value of a call or a put; at expiry (no time left) its intrinsic value."""
    discount = math.exp(-rate * years)
    if underlying <= 0.0:
        return 0.0 if call else discount * strike
    if years <= 0.0:
        return max(underlying - strike, 0.0) if call else max(strike - underlying, 0.0)
    spread = volatility * math.sqrt(years)
    d1 = (math.log(underlying / strike) + spread * spread / 2.0) / spread
    d2 = d1 - spread
    if call:
        return discount * (underlying * _normal(d1) - strike * _normal(d2))
    return discount * (strike * _normal(-d2) - underlying * _normal(-d1))


def implied_volatility(call: bool, price: float, underlying: float, strike: float,
                       years: float, rate: float) -> float:
    """The volatility at which the model gives `price`, by bisection (the value rises with
    volatility); a price the model cannot reach takes the nearer bound."""
    low, high = VOLATILITY_FLOOR, VOLATILITY_CAP
    if price <= option_value(call, underlying, strike, low, years, rate):
        return low
    if price >= option_value(call, underlying, strike, high, years, rate):
        return high
    for _ in range(_BISECTIONS):
        middle = (low + high) / 2.0
        if option_value(call, underlying, strike, middle, years, rate) < price:
            low = middle
        else:
            high = middle
    return (low + high) / 2.0
