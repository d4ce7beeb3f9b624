"""The default waterfall: which resources absorb a defaulter's loss, in which order.

clearing-spec.md 3.7 [S002]: six layers, each used up to its balance before the next is
touched; the mutualised layer is shared among the surviving members pro rata to their
contributions (decision C7). Whatever the six cannot absorb is returned as uncovered, for the
caller to report: the calculator does not decide what happens beyond the rules.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from fractions import Fraction

from siamex.clearing.foundations.money import round_half_up
from siamex.clearing.foundations.parameters import DEFAULT_CLEARING_RULES, ClearingRules

__all__ = [
    "CLEARING_FUND_LAYERS",
    "Layer",
    "Resources",
    "WaterfallResult",
    "apply_waterfall",
    "fund_repayment_interest",
    "pro_rata",
]


class Layer(Enum):
    """The waterfall's layers, in the order they are used (3.7)."""

    DEFAULTER_COLLATERAL = "defaulter_collateral"
    DEFAULTER_CONTRIBUTION = "defaulter_contribution"
    SET_TRANCHE_1 = "set_tranche_1"
    NON_DEFAULTER_CONTRIBUTIONS = "non_defaulter_contributions"
    SET_TRANCHE_2 = "set_tranche_2"
    RESERVE_FUND = "reserve_fund"


# 3.7 [S002]: the Clearing Fund is layers 2-5; the defaulter's collateral is its own and the
# Reserve Fund is SET's, so neither is a use of the fund it must repay
CLEARING_FUND_LAYERS: tuple[Layer, ...] = (
    Layer.DEFAULTER_CONTRIBUTION,
    Layer.SET_TRANCHE_1,
    Layer.NON_DEFAULTER_CONTRIBUTIONS,
    Layer.SET_TRANCHE_2,
)


@dataclass(frozen=True, slots=True)
class Resources:
    """The balances standing behind one default, in satang.

    `set_tranche_1` is the tranche's balance now; None means it is whole, the rules' amount.
    `non_defaulter_contributions` maps each surviving member's id to its contribution.
    """

    defaulter_collateral: int
    defaulter_contribution: int
    non_defaulter_contributions: Mapping[str, int]
    set_tranche_2: int
    reserve_fund: int
    set_tranche_1: int | None = None


@dataclass(frozen=True, slots=True)
class WaterfallResult:
    """How a loss was absorbed, in satang.

    `uses` holds all six layers in order (0 for a layer untouched), `shares` each survivor's
    part of the mutualised layer, `uncovered` what no layer could absorb.
    """

    loss: int
    uses: Mapping[Layer, int]
    shares: Mapping[str, int]
    uncovered: int

    @property
    def fund_used(self) -> int:
        """The Clearing Fund's part of the cover, which the defaulter repays with interest."""
        return sum(self.uses[layer] for layer in CLEARING_FUND_LAYERS)


def pro_rata(amount: int, weights: Mapping[str, int]) -> dict[str, int]:
    """Split `amount` satang in proportion to `weights`, the parts summing exactly to it.

    Each part is first rounded down; the satang left over go one each to the largest
    remainders, ties to the smaller id, so the split is deterministic and no part is more than
    its exact share rounded up (with `amount` at most the weights' total, no part exceeds its
    weight).
    """
    if amount < 0 or any(w < 0 for w in weights.values()):
        raise ValueError("an amount and its weights must not be negative")
    total = sum(weights.values())
    if total == 0:
        if amount:
            raise ValueError("cannot split an amount over weights that sum to zero")
        return dict.fromkeys(weights, 0)
    parts: dict[str, int] = {}
    remainders: dict[str, int] = {}
    for member, weight in weights.items():
        parts[member], remainders[member] = divmod(amount * weight, total)
    left = amount - sum(parts.values())
    for member in sorted(weights, key=lambda m: (-remainders[m], m))[:left]:
        parts[member] += 1
    return parts


def apply_waterfall(loss: int, resources: Resources,
                    rules: ClearingRules = DEFAULT_CLEARING_RULES) -> WaterfallResult:
    """Absorb a defaulter's loss through the six layers of the waterfall, each up to its balance.

    The mutualised layer is split among the survivors by `pro_rata`: largest remainder, then
    member id, so the shares sum exactly to the layer's use.
    """
    contributions = resources.non_defaulter_contributions
    tranche_1 = rules.set_tranche_1 if resources.set_tranche_1 is None else resources.set_tranche_1
    # 3.7 [S002]: the order of the layers
    balances = {
        Layer.DEFAULTER_COLLATERAL: resources.defaulter_collateral,
        Layer.DEFAULTER_CONTRIBUTION: resources.defaulter_contribution,
        Layer.SET_TRANCHE_1: tranche_1,
        Layer.NON_DEFAULTER_CONTRIBUTIONS: sum(contributions.values()),
        Layer.SET_TRANCHE_2: resources.set_tranche_2,
        Layer.RESERVE_FUND: resources.reserve_fund,
    }
    if loss < 0 or any(b < 0 for b in balances.values()) or any(
            c < 0 for c in contributions.values()):
        raise ValueError("a loss and the balances behind it must not be negative")
    uses: dict[Layer, int] = {}
    rest = loss
    for layer, balance in balances.items():
        # 3.7 [S002]: each layer capped at its balance
        uses[layer] = min(rest, balance)
        rest -= uses[layer]
    # decision C7: survivors pro rata to their contributions
    shares = pro_rata(uses[Layer.NON_DEFAULTER_CONTRIBUTIONS], contributions)
    return WaterfallResult(loss=loss, uses=uses, shares=shares, uncovered=rest)


def fund_repayment_interest(principal: int, used_on: dt.date, repaid_on: dt.date,
                            rules: ClearingRules = DEFAULT_CLEARING_RULES) -> int:
    """Return the interest a defaulter owes on `principal` of the fund used on `used_on`.

    Simple interest, actual/365: the calendar days from the date of use to the repayment date
    (the day of use counts, the day of repayment does not, so repaying the same day costs
    nothing), over a fixed year of `default_interest_year_days` days, rounded half up once.
    """
    days = (repaid_on - used_on).days
    if principal < 0 or days < 0:
        raise ValueError("a repayment comes on or after the use, of an amount not negative")
    # 3.7 [S002]: repaid with interest from the date of use; rate and basis in docs/decisions.md
    return round_half_up(Fraction(principal) * rules.default_interest_pct * days
                         / (100 * rules.default_interest_year_days))
