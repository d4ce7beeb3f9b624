"""What TCH charges its members for clearing: per order, per month and per PSMS item.

Fees are charged on amounts the ledger already holds in satang, so each is one exact product
rounded once, half up (decision C3); a tiered bill is a sum of exact integer products and needs
no rounding at all.
"""

from __future__ import annotations

from dataclasses import dataclass

from siamex.clearing.foundations.members import MemberType
from siamex.clearing.foundations.money import percent_of
from siamex.clearing.foundations.parameters import DEFAULT_CLEARING_RULES, ClearingRules

__all__ = [
    "PsmsBill",
    "clearing_fee",
    "monthly_fee",
    "psms_bill",
    "psms_tiered_charge",
]


@dataclass(frozen=True, slots=True)
class PsmsBill:
    """One agent's PSMS fees for a month, by item type, in satang."""

    clearing_to_custodian: int
    internal_same_client: int
    internal_other_client: int

    @property
    def total(self) -> int:
        """The month's whole PSMS bill."""
        return self.clearing_to_custodian + self.internal_same_client + self.internal_other_client


def _not_negative(value: int, what: str) -> None:
    if value < 0:
        raise ValueError(f"{what} must not be negative, got {value}")


def clearing_fee(traded_value: int, rules: ClearingRules = DEFAULT_CLEARING_RULES) -> int:
    """Return the clearing fee of one order on one member's side, from its traded value.

    The value is the order's executed value for that member (all its fills), in satang. The cap
    is a whole number of satang, so capping before or after rounding gives the same fee.
    """
    _not_negative(traded_value, "a traded value")
    # 3.8 [S002]; decision C3: 0.001% half up to the satang, at most 350 THB per order
    return min(percent_of(traded_value, rules.clearing_fee_pct), rules.clearing_fee_cap)


def monthly_fee(member_type: MemberType, rules: ClearingRules = DEFAULT_CLEARING_RULES) -> int:
    """Return a member's monthly fee: GCM and DCM pay the member fee, an agent its own."""
    # 3.8 [S002]: member 15,000; settlement agent 7,500
    if member_type is MemberType.SETTLEMENT_AGENT:
        return rules.monthly_fee_agent
    return rules.monthly_fee_member


def psms_tiered_charge(count: int, rules: ClearingRules = DEFAULT_CLEARING_RULES) -> int:
    """Return the fee of a month's `count` clearing-to-custodian items by the PSMS tiers.

    `marginal` prices each item by the tier its own count falls in; `slab` prices every item at
    the tier the month's total reaches (decision C4, example E5).
    """
    _not_negative(count, "an item count")
    tiers = rules.psms_tiers
    if rules.psms_tier_mode == "slab":
        # decision C4: the tier of the month's total; no item, no tier
        reached = [fee for start, fee in tiers if start <= count]
        return count * reached[-1] if reached else 0
    # decision C4: the items of tier i are counts from its start up to the next tier's start
    total = 0
    for index, (start, fee) in enumerate(tiers):
        end = tiers[index + 1][0] - 1 if index + 1 < len(tiers) else count
        total += max(0, min(count, end) - start + 1) * fee
    return total


def psms_bill(clearing_to_custodian: int, internal_same_client: int, internal_other_client: int,
              rules: ClearingRules = DEFAULT_CLEARING_RULES) -> PsmsBill:
    """Return a month's PSMS bill from its item counts by type.

    Internalised items have flat fees and do not count toward the clearing-to-custodian tiers.
    """
    _not_negative(internal_same_client, "an item count")
    _not_negative(internal_other_client, "an item count")
    # 3.8 [S002]: internalised within an agent, same client free, different clients 7.50
    return PsmsBill(
        clearing_to_custodian=psms_tiered_charge(clearing_to_custodian, rules),
        internal_same_client=internal_same_client * rules.psms_internal_same_client_fee,
        internal_other_client=internal_other_client * rules.psms_internal_other_client_fee,
    )
