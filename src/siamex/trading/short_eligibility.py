"""Which securities may be sold short on a day: the exchange's published list, or the criteria
of set-trading-rules.md 8.1 (S-SHORT2024, in force since 21 Jun 2024) over the day's listing
data, computed once when the day lists a security and never again per order.

    eligible = listed as eligible (the exchange's list: ETFs, DRs, ... the criteria miss)
               or (short_eligibility_criteria and kind is "stock"
                   and (a constituent of short_eligible_index
                        or (market_cap  >  short_eligible_min_market_cap
                            and turnover >= short_eligible_min_turnover_pct
                            and free float >= short_eligible_min_free_float_pct)))

The market capitalisation must be strictly above its minimum, as the issue words it (decision
140); a figure the day does not give fails its criterion, and a minimum of 0 asks nothing of
any stock (decision 141); the criteria judge common stocks only (decision 142).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Final

from siamex.rulebook.parameters import Rulebook
from siamex.trading.commands import InstrumentSpec

__all__ = ["CRITERIA_KINDS", "meets_criteria", "short_eligible"]

CRITERIA_KINDS: Final = frozenset({"stock"})
"""The kinds the criteria judge: 8.1 names SET100 constituents and "non-SET100 stocks"
(decision 142); any other kind is eligible only by the exchange's list."""


def short_eligible(rules: Rulebook, spec: InstrumentSpec) -> bool:
    """Tell whether a security may be sold short today: on the exchange's list, or meeting
    the criteria when the rulebook applies them (8.1)."""
    if spec.short_eligible:
        return True
    return rules.short_eligibility_criteria and meets_criteria(rules, spec)


def meets_criteria(rules: Rulebook, spec: InstrumentSpec) -> bool:
    """Tell whether a security meets 8.1's criteria: a stock in the index, or a stock whose
    listing data clear all three minimums (decisions 140-142)."""
    if spec.kind not in CRITERIA_KINDS:
        return False
    if rules.short_eligible_index in spec.index_member:
        return True
    least_cap = rules.short_eligible_min_market_cap
    return ((not least_cap or (spec.market_cap is not None and spec.market_cap > least_cap))
            and _at_least(spec.turnover_bp, rules.short_eligible_min_turnover_pct)
            and _at_least(spec.free_float_bp, rules.short_eligible_min_free_float_pct))


def _at_least(basis_points: int | None, least_pct: Fraction) -> bool:
    """Tell whether a figure in hundredths of a percent reaches a minimum in percent; a
    missing figure reaches only a minimum of 0 (decision 141)."""
    if not least_pct:
        return True
    return basis_points is not None and (
        basis_points * least_pct.denominator >= least_pct.numerator * 100)
