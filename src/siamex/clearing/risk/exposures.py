"""Each member's inputs to the three daily measures, gathered from what is pending, and its call.

clearing-spec.md 3.5 [S002]: each day TCH measures each member's pending settlement exposure
three ways and calls the largest, less the collateral it holds, by 11:00. `collateral` holds
the formulas; this module gathers their inputs from what is pending and from the member file,
so that a clearing run can call collateral without the caller computing anything:

- PFE and CE from the member's pending positions (per account type and security, over every
  settlement date not yet settled) at the day's prices and risk rates;
- the tolerance L and the settlement cap from the member's net capital and equity
  (`ews_tolerance_pct`, `settlement_cap_equity_pct`);
- the stress loss as given by the day's data, else every pending position moving
  `stress_move_pct` against the member; the Cover-2 shortfall against the financial resources.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from fractions import Fraction

from siamex.clearing.foundations.members import MemberRegistry
from siamex.clearing.foundations.money import percent_of
from siamex.clearing.foundations.parameters import DEFAULT_CLEARING_RULES, ClearingRules
from siamex.clearing.risk.measures import (
    PendingPosition,
    Quote,
    RiskCall,
    cumulative_settlement_value,
    current_exposure,
    early_warning,
    potential_future_exposure,
    settlement_cap_call,
    stress_calls,
    uncovered_stress_loss,
)

__all__ = ["Exposure", "MemberRisk", "daily_risk"]


@dataclass(frozen=True, slots=True)
class Exposure:
    """A member's pending net position in one account type and security, for one settlement
    date: `trade_value` is the signed value at trade prices (receipts cost, deliveries earn)."""

    member: str
    account_type: str
    security: str
    net_qty: int
    trade_value: int


@dataclass(frozen=True, slots=True)
class MemberRisk:
    """One member's measures and their inputs, in satang; `call.call` is what it must post."""

    member: str
    pfe: int
    ce: int
    tolerance: int
    csv: int
    cap: int
    stress_loss: int
    uncovered: int
    call: RiskCall


def daily_risk(registry: MemberRegistry, exposures: Iterable[Exposure],
               net_cash: Mapping[str, Iterable[int]], prices: Mapping[str, int],
               risk_pct: Mapping[str, Fraction], stress_losses: Mapping[str, int],
               held: Mapping[str, int], financial_resources: int,
               rules: ClearingRules = DEFAULT_CLEARING_RULES) -> dict[str, MemberRisk]:
    """Measure every clearing member; `net_cash` lists each member's net cash of each pending
    settlement date, `held` its collateral after haircut."""
    positions: dict[str, list[PendingPosition]] = {m: [] for m in registry.clearing_members}
    for e in exposures:
        positions.setdefault(e.member, []).append(
            PendingPosition(e.account_type, e.security, e.net_qty, e.trade_value))
    # decision 45: a security the day's data gives no rate takes `ews_risk_pct`
    quotes = {k: Quote(p, risk_pct.get(k, rules.ews_risk_pct)) for k, p in prices.items()}
    # decision 45: the default worst scenario moves each net position `stress_move_pct`,
    # PFE's formula at that rate
    stressed = {k: Quote(p, rules.stress_move_pct) for k, p in prices.items()}
    risks = {}
    for member, own in sorted(positions.items()):
        record = registry.member(member)
        assert record is not None  # exposures come from registered members' trades
        pfe = potential_future_exposure(own, quotes)
        ce = current_exposure(own, quotes)
        # 3.5: L = lambda * net capital; Cap = kappa * equity (decision 45, parameters)
        tolerance = percent_of(record.net_capital, rules.ews_tolerance_pct)
        cap = percent_of(record.shareholders_equity, rules.settlement_cap_equity_pct)
        csv = cumulative_settlement_value(net_cash.get(member, ()))
        loss = stress_losses.get(member, potential_future_exposure(own, stressed))
        held_m = held.get(member, 0)
        risks[member] = MemberRisk(member, pfe, ce, tolerance, csv, cap, loss,
                                   uncovered_stress_loss(loss, held_m),
                                   RiskCall(early_warning(pfe, ce, tolerance),
                                            settlement_cap_call(csv, cap, rules), 0, held_m))
    stress = stress_calls({m: r.uncovered for m, r in risks.items()}, financial_resources)
    return {m: replace(r, call=replace(r.call, stress=stress[m])) for m, r in risks.items()}
