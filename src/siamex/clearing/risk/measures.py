"""The formulas of risk collateral: the three daily measures, the call, what a pledge is worth.

clearing-spec.md 3.5 [S002]: TCH calls the largest of an early-warning risk value, a
settlement-cap breach and a share of the Cover-2 stress shortfall, less the collateral held
after haircuts. The formulas are the spec's derived ones (decision C6). Prices, risk rates
(r_k = z * sigma_k * sqrt(h), irrational in general) and haircuts are market data set outside
the rules, so they come in as inputs; each measure is summed exactly and rounded once, half up
(decision C3).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import Enum
from fractions import Fraction

from siamex.clearing.foundations.money import percent_of, round_half_up
from siamex.clearing.foundations.parameters import DEFAULT_CLEARING_RULES, ClearingRules

__all__ = [
    "AssetKind",
    "IneligibleCollateral",
    "PendingPosition",
    "Pledge",
    "Quote",
    "RiskCall",
    "collateral_held",
    "cumulative_settlement_value",
    "current_exposure",
    "early_warning",
    "potential_future_exposure",
    "settlement_cap_call",
    "stress_calls",
    "uncovered_stress_loss",
    "value_after_haircut",
]


class AssetKind(Enum):
    """What equities risk collateral may be (3.5 [S002])."""

    CASH_THB = "cash_thb"
    SET_LISTED_SHARE = "set_listed_share"
    THAI_GOVT_BOND = "thai_govt_bond"
    BOT_BOND = "bot_bond"


class IneligibleCollateral(ValueError):
    """A pledge the rules refuse: shares of the member's own group not owed to TCH."""


@dataclass(frozen=True, slots=True)
class Pledge:
    """One holding pledged as risk collateral, at today's market value in satang.

    `haircut_pct` is the asset's own (clearing-spec.md 2.1 CollateralAsset); `issuer_group`
    names a listed share's issuer group; `owed_to_tch` marks shares the member owes TCH.
    """

    kind: AssetKind
    market_value: int
    haircut_pct: Fraction = Fraction(0)
    issuer_group: str | None = None
    owed_to_tch: bool = False


@dataclass(frozen=True, slots=True)
class PendingPosition:
    """A member's unsettled net position for one account type, security and settlement date.

    `trade_value` is the position's value at its trade prices, signed like `net_qty`: the cost
    of what it receives less the proceeds of what it delivers (sum of signed qty * price over
    its trades), in satang. `security` is the symbol with its board (PTT, PTT-F, PTT-R).
    """

    account: str
    security: str
    net_qty: int
    trade_value: int


@dataclass(frozen=True, slots=True)
class Quote:
    """A security's market data for the day: price in satang and risk rate r_k in percent."""

    price: int
    risk_pct: Fraction


@dataclass(frozen=True, slots=True)
class RiskCall:
    """One member's three measures and the collateral it holds after haircut, in satang."""

    ews: int
    cap: int
    stress: int
    held: int

    @property
    def required(self) -> int:
        """The collateral required: the largest of the three measures."""
        # 3.5 [S002]: the largest of the three
        return max(self.ews, self.cap, self.stress)

    @property
    def call(self) -> int:
        """What the member must post by the call deadline (11:00)."""
        return max(0, self.required - self.held)


def potential_future_exposure(positions: Iterable[PendingPosition],
                              quotes: Mapping[str, Quote]) -> int:
    """Return PFE: each account's net quantity in a security over all pending dates, valued.

    Positions of one account and security net across settlement dates before the absolute
    value is taken; the two account types never net against each other (3.1).
    """
    net: dict[tuple[str, str], int] = {}
    for pos in positions:
        key = (pos.account, pos.security)
        net[key] = net.get(key, 0) + pos.net_qty
    # 3.5: PFE = sum over (a, k) of |sum over SD of N| * P_k * r_k
    exact = sum((Fraction(abs(qty) * quotes[security].price) * quotes[security].risk_pct / 100
                 for (_, security), qty in net.items()), Fraction(0))
    return round_half_up(exact)


def current_exposure(positions: Iterable[PendingPosition], quotes: Mapping[str, Quote]) -> int:
    """Return CE: what replacing every pending position at today's prices would lose."""
    # 3.5: CE = max(0, sum of N * (TradePx - P_k)), buys above market and sells below it
    return max(0, sum(pos.trade_value - pos.net_qty * quotes[pos.security].price
                      for pos in positions))


def early_warning(pfe: int, ce: int, tolerance: int) -> int:
    """Return the EWS measure: exposure beyond the member's tolerance L (TCH sets L)."""
    # 3.5: EWS = max(0, PFE + CE - L)
    return max(0, pfe + ce - tolerance)


def cumulative_settlement_value(net_cash: Iterable[int]) -> int:
    """Return CSV from the member's net cash obligation of each pending settlement date."""
    # 3.5: CSV = sum over pending SD of |C[m, SD]|
    return sum(abs(amount) for amount in net_cash)


def settlement_cap_call(csv: int, cap: int,
                        rules: ClearingRules = DEFAULT_CLEARING_RULES) -> int:
    """Return the CAP measure: a share of the CSV above the cap TCH set for the member.

    The cap follows the member's financial strength (3.5) and so is an input per member.
    """
    # 3.5; decision C6: CAP = f_cap * max(0, CSV - Cap)
    return percent_of(max(0, csv - cap), rules.settlement_cap_call_pct)


def uncovered_stress_loss(stress_loss: int, collateral_held: int) -> int:
    """Return U: the worst-scenario stress loss the member's collateral does not cover."""
    # 3.5: U = max(0, StressLoss - CollateralHeld)
    return max(0, stress_loss - collateral_held)


def stress_calls(uncovered: Mapping[str, int], financial_resources: int) -> dict[str, int]:
    """Return STR per member: the Cover-2 shortfall, called from the two largest uncovered.

    The two largest are taken by uncovered loss, a tie going to the smaller member id. Each
    share is rounded half up on its own (decision C3), so a tie of halves calls one satang more
    than the shortfall, never less.
    """
    # 3.5: Cover2 = the two largest U; Short = max(0, Cover2 - FR)
    largest = sorted(uncovered, key=lambda m: (-uncovered[m], m))[:2]
    cover_2 = sum(uncovered[m] for m in largest)
    short = max(0, cover_2 - financial_resources)
    calls = dict.fromkeys(uncovered, 0)
    if short:
        for member in largest:
            # 3.5: STR = Short * U_m / (U_1st + U_2nd)
            calls[member] = round_half_up(Fraction(short * uncovered[member], cover_2))
    return calls


def value_after_haircut(pledge: Pledge, member_group: str) -> int:
    """Return what a pledge counts for, refusing shares of the member's own group.

    Own-group shares carry wrong-way risk (PFMI P5); the rules accept them only as the
    securities the member owes TCH.
    """
    # 2.1, 3.5 [S002]: no shares issued by the member or its group, unless owed to TCH
    if (pledge.kind is AssetKind.SET_LISTED_SHARE and pledge.issuer_group == member_group
            and not pledge.owed_to_tch):
        raise IneligibleCollateral(
            f"shares of the member's own group {member_group!r} are not eligible collateral")
    if pledge.market_value < 0 or not 0 <= pledge.haircut_pct <= 100:
        raise ValueError("a pledge's value must not be negative and its haircut is 0-100%")
    return percent_of(pledge.market_value, 100 - pledge.haircut_pct)


def collateral_held(pledges: Iterable[Pledge], member_group: str) -> int:
    """Return the collateral a member holds after haircuts, each pledge valued on its own."""
    return sum(value_after_haircut(pledge, member_group) for pledge in pledges)
