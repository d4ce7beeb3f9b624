"""A run date's risk-collateral steps: contributions, the measures, requests and the 11:00 call.

clearing-spec.md 3.4, 3.5, 3.7. The measures are taken at the start of the day on what is
pending then (every settlement date not yet settled, from trade dates before the run date);
the members' requests then run in time order around the call: those up to 11:00, the call
debit at 11:00, then the rest, and every accepted withdrawal is paid by the end of the day.
A request the rules refuse is reported with the rule it broke and changes nothing; the run
goes on, as TCH answers one member's request without stopping the day.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from siamex.clearing.collateral import IneligibleCollateral
from siamex.clearing.daily_risk import Exposure, MemberRisk, daily_risk
from siamex.clearing.default import contribute, financial_resources, fund_set
from siamex.clearing.equity.settlement import cash_account
from siamex.clearing.instructions import CollateralRequest, DayInstructions
from siamex.clearing.ledger import THB
from siamex.clearing.members import MemberRegistry
from siamex.clearing.parameters import DEFAULT_CLEARING_RULES, ClearingRules
from siamex.clearing.risk_collateral import CallDebit, CollateralRefused, RiskCollateralAccount
from siamex.clearing.store import LedgerStore
from siamex.errors import ErrorCode, SiamexError
from siamex.units import format_time_of_day

__all__ = ["CollateralDay", "RequestResult", "collateral_day"]

_END_OF_DAY = dt.time(19, 0)  # 3.4: non-cash withdrawals are returned by 19:00


@dataclass(frozen=True, slots=True)
class RequestResult:
    """A collateral request and its answer; `reason` says the rule when refused."""

    request: CollateralRequest
    accepted: bool
    reason: str = ""


@dataclass(frozen=True)
class CollateralDay:
    """The day's measures per member, the requests' answers, the call debits and each
    member's collateral after haircut at the end of the steps (satang)."""

    financial_resources: int
    risk: Mapping[str, MemberRisk]
    requests: tuple[RequestResult, ...]
    debits: Mapping[str, CallDebit]
    held: Mapping[str, int]


def _fund(store: LedgerStore, day: dt.date, instructions: DayInstructions,
          rules: ClearingRules) -> None:
    """Post SET's resources and the members' contributions, refusing them all, before any is
    posted, when a member's cash does not cover its contributions."""
    due: dict[str, int] = {}
    done = {tx.key for tx in store.keyed(f"clearing-fund:{day}:")}
    for c in instructions.contributions:
        if f"clearing-fund:{day}:{c.member}:contribute:{c.ref}" not in done:
            due[c.member] = due.get(c.member, 0) + c.amount
    cash = store.balances()
    for member, amount in sorted(due.items()):
        if cash.get(cash_account(member), 0) < amount:
            raise SiamexError(ErrorCode.INSTRUCTIONS_FILE,
                              f"contributions of {member} ({amount} satang) exceed its cash")
    if instructions.set_fund is not None:
        fund_set(store, day, *instructions.set_fund, rules=rules)
    for c in instructions.contributions:
        contribute(store, c.member, c.amount, day, c.ref)


def _answer(account: RiskCollateralAccount, r: CollateralRequest, required: int,
            instructions: DayInstructions) -> RequestResult:
    quotes = instructions.collateral_quotes
    try:
        if r.op == "deposit" and r.asset == THB:
            account.deposit_cash(r.ref, r.qty, r.at)
        elif r.op == "deposit":
            account.deposit(r.ref, r.asset, r.qty, r.at, quotes, called=required > 0)
        else:
            account.request_withdrawal(r.ref, r.asset, r.qty, r.at, required, quotes)
    except (CollateralRefused, IneligibleCollateral, ValueError) as exc:
        return RequestResult(r, False, str(exc))
    return RequestResult(r, True)


def collateral_day(store: LedgerStore, registry: MemberRegistry, day: dt.date,
                   instructions: DayInstructions, exposures: Iterable[Exposure],
                   net_cash: Mapping[str, Iterable[int]], prices: Mapping[str, int],
                   rules: ClearingRules = DEFAULT_CLEARING_RULES) -> CollateralDay:
    """Run the day's fund, measure, request and call steps; see the module docstring."""
    for r in instructions.collateral:  # refused before anything is posted
        if r.at.date() != day:
            raise SiamexError(ErrorCode.INSTRUCTIONS_FILE,
                              f"collateral request {r.ref} is dated {r.at.date()}, not the run "
                              f"date {day}")
    _fund(store, day, instructions, rules)
    quotes = instructions.collateral_quotes
    accounts = {m.member_id: RiskCollateralAccount(store, m.member_id, m.issuer_group, rules)
                for m in registry.members}
    # The start of the day's resources and holdings, and each refusal, are recorded when first
    # decided: a re-run reads them back rather than deciding again on balances that the day's
    # own deposits, debits and withdrawals (or a default since) have changed.
    measured = f"collateral-day:{day}:measured"
    text = store.get_document(measured)
    if text is None:
        resources = financial_resources(store)
        held = {m: a.held(quotes) for m, a in sorted(accounts.items())}
        store.put_document(measured, json.dumps({"financial_resources": resources,
                                                 "held": held}))
    else:
        row = json.loads(text)
        resources = int(row["financial_resources"])
        held = {str(m): int(q) for m, q in row["held"].items()}
    risk = daily_risk(registry, exposures, net_cash, prices, instructions.risk_pct,
                      instructions.stress_losses, held, resources, rules)
    required = {m: r.call.required for m, r in risk.items()}
    call_at = dt.datetime.combine(day, dt.time.fromisoformat(
        format_time_of_day(rules.collateral_call_deadline)))
    refusals = f"collateral-day:{day}:refused"
    refused: dict[str, str] = json.loads(store.get_document(refusals) or "{}")

    def answer(r: CollateralRequest) -> RequestResult:
        name = f"{r.member}:{r.op}:{r.ref}"
        if name in refused:
            return RequestResult(r, False, refused[name])
        result = _answer(accounts[r.member], r, required.get(r.member, 0), instructions)
        if not result.accepted:
            refused[name] = result.reason
            store.put_document(refusals, json.dumps(refused))
        return result

    ordered = sorted(instructions.collateral, key=lambda r: r.at)
    answers = [answer(r) for r in ordered if r.at <= call_at]
    # 3.5: the call, due 11:00, is debited from the member's THB cash
    debits = {m: accounts[m].debit_call(call_at, required[m], quotes) for m in sorted(required)}
    answers += [answer(r) for r in ordered if r.at > call_at]
    for account in accounts.values():
        account.pay_withdrawals(dt.datetime.combine(day, _END_OF_DAY))
    return CollateralDay(resources, risk, tuple(answers), debits,
                         {m: a.held(quotes) for m, a in sorted(accounts.items())})
