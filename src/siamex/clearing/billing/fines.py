"""Fines for paying late and failing to deliver (clearing-spec.md 3.8).

A human error is fined by how many the member has had in the calendar year, so the caller
passes that count (1 for the year's first, including the one being fined); a fail or late
payment of another cause is fined on its amount. The settlement code keeps the counts and the
causes; these functions only price them.
"""

from __future__ import annotations

from fractions import Fraction

from siamex.clearing.foundations.money import percent_of
from siamex.clearing.foundations.parameters import DEFAULT_CLEARING_RULES, ClearingRules

__all__ = [
    "delivery_fail_human_error_fine",
    "delivery_fail_other_cause_fine",
    "delivery_fail_rate",
    "late_payment_human_error_fine",
    "late_payment_other_cause_ceiling",
]


def _by_count(fines: tuple[int, ...], count_in_year: int) -> int:
    """The fine of the year's n-th offence; the table's last row repeats for every later one."""
    if count_in_year < 1:
        raise ValueError(f"the count in the year starts at 1, got {count_in_year}")
    return fines[min(count_in_year, len(fines)) - 1]


def late_payment_human_error_fine(count_in_year: int,
                                  rules: ClearingRules = DEFAULT_CLEARING_RULES) -> int:
    """Return the fine for the year's `count_in_year`-th human-error late payment."""
    # 3.8 [S002]: 1st 5,000; 2nd 10,000; 3rd and later 50,000 each
    return _by_count(rules.late_payment_human_fines, count_in_year)


def late_payment_other_cause_ceiling(unpaid: int,
                                     rules: ClearingRules = DEFAULT_CLEARING_RULES) -> int:
    """Return the most TCH may fine a late payment of another cause.

    The rule sets only a ceiling: the fine itself is TCH's decision, up to this amount.
    """
    if unpaid < 0:
        raise ValueError(f"an unpaid amount must not be negative, got {unpaid}")
    # 3.8 [S002]: up to 2x the unpaid amount per time
    return unpaid * rules.late_payment_other_max_multiple


def delivery_fail_human_error_fine(count_in_year: int, securities: int,
                                   rules: ClearingRules = DEFAULT_CLEARING_RULES) -> int:
    """Return the fine for the year's `count_in_year`-th human-error fail over `securities`.

    One fail counts once in the year however many securities it covers, and is fined per
    security. The year's first is priced at the table's first row (0: the waiver the rule
    allows); a user who fines an unwaived first fail sets that row.
    """
    if securities < 1:
        raise ValueError(f"a fail covers at least one security, got {securities}")
    # 3.8 [S002]: 1st may be waived; 2nd 2,000; 3rd and later 5,000, per security
    return _by_count(rules.delivery_fail_human_fines, count_in_year) * securities


def delivery_fail_rate(days_late: int, rules: ClearingRules = DEFAULT_CLEARING_RULES) -> Fraction:
    """Return the percentage of the failed value fined for a fail `days_late` business days late.

    A fail cured on its settlement date (0 days) is within the first row's "up to 1 day".
    """
    if days_late < 0:
        raise ValueError(f"days late must not be negative, got {days_late}")
    for up_to, pct in rules.delivery_fail_ladder:
        if days_late <= up_to:
            return pct
    # decision C5: beyond the ladder the last rate applies
    return rules.delivery_fail_ladder[-1][1]


def delivery_fail_other_cause_fine(failed_value: int, days_late: int,
                                   rules: ClearingRules = DEFAULT_CLEARING_RULES) -> int:
    """Return the fine for a fail of another cause in one security.

    `failed_value` is the failed quantity times the settlement date's closing price, in satang
    (decision C5). The minimum applies per security, so a fail in several securities is the sum
    of one call per security.
    """
    if failed_value < 0:
        raise ValueError(f"a failed value must not be negative, got {failed_value}")
    # 3.8 [S002]: rate by business days late, at least 300 per security per time
    return max(percent_of(failed_value, delivery_fail_rate(days_late, rules)),
               rules.delivery_fail_min_fine)
