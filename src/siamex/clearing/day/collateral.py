"""A run date's risk-collateral steps: contributions, the measures, requests and the 11:00 call.

clearing-spec.md 3.4, 3.5, 3.7. The measures are taken at the start of the day on what is
pending then (every settlement date not yet settled, from trade dates before the run date);
the members' requests then run in time order around the call: those up to 11:00, the call
debit at 11:00, those up to round 1's securities cut-off (13:30) with the withdrawals due by
then, all before settlement; the later ones after settlement, with every accepted withdrawal
paid by the end of the day (`CollateralSteps.morning` and `.afternoon`).
A request the rules refuse is reported with the rule it broke and changes nothing; the run
goes on, as TCH answers one member's request without stopping the day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

from siamex.clearing.day.instructions import DayInstructions
from siamex.clearing.default.fund import contribute, contribution_key, financial_resources, fund_set
from siamex.clearing.foundations.accounts import house_cash
from siamex.clearing.foundations.ledger import COLLATERAL, THB, Account
from siamex.clearing.foundations.members import MemberRegistry
from siamex.clearing.foundations.parameters import DEFAULT_CLEARING_RULES, ClearingRules
from siamex.clearing.foundations.state import (
    COLLATERAL_MEASURED,
    COLLATERAL_REFUSED,
    CollateralMeasured,
    collateral_refusal_id,
)
from siamex.clearing.foundations.store import LedgerStore
from siamex.clearing.foundations.unit_of_work import UnitOfWork
from siamex.clearing.reports.day_report import CollateralDay, RequestResult
from siamex.clearing.risk.collateral import (
    CallDebit,
    CollateralOperation,
    CollateralRefused,
    CollateralRequest,
    RiskCollateralAccount,
)
from siamex.clearing.risk.exposures import Exposure, MemberRisk, daily_risk
from siamex.clearing.risk.measures import IneligibleCollateral
from siamex.errors import ErrorCode, SiamexError
from siamex.units import wall_clock

__all__ = ["CollateralSteps", "check_contributions", "check_quotes", "collateral_day"]


def check_contributions(store: LedgerStore, day: dt.date, instructions: DayInstructions,
                        arriving: Mapping[Account, int] | None = None,
                        rules: ClearingRules = DEFAULT_CLEARING_RULES) -> None:
    """Refuse the day, before anything is posted, when a member's cash (with what `arriving`
    will bring in first) does not cover its contributions not yet made."""
    due: dict[str, int] = {}
    for c in instructions.contributions:
        if store.posted(contribution_key(c.member, day, c.ref)) is None:
            due[c.member] = due.get(c.member, 0) + c.amount
    cash = store.balances()
    for member, amount in sorted(due.items()):
        account = house_cash(member, rules)
        if cash.get(account, 0) + (arriving or {}).get(account, 0) < amount:
            raise SiamexError(ErrorCode.INSTRUCTIONS_FILE,
                              f"contributions of {member} ({amount} satang) exceed its cash")


def check_quotes(store: LedgerStore, instructions: DayInstructions) -> None:
    """Refuse the day, before anything is posted, when a member holds pledged securities the
    day's `collateral_quotes` do not price: the measures and the call value every pledge, and
    a missing market price is a fault of the day's data, not of one member's request
    (decision 72)."""
    quotes = instructions.collateral_quotes
    unquoted = sorted({(account.asset, account.owner) for account, qty
                       in store.balances().items()
                       if account.purpose == COLLATERAL and account.asset != THB and qty
                       and account.asset not in quotes})
    if unquoted:
        asset, member = unquoted[0]
        raise SiamexError(ErrorCode.INSTRUCTIONS_FILE,
                          f"collateral_quotes: {member} holds {asset} as risk collateral and "
                          f"the day's instructions give no quote for it ({len(unquoted)} "
                          "pledge(s) unquoted)")


def _fund(store: LedgerStore, day: dt.date, instructions: DayInstructions,
          rules: ClearingRules) -> None:
    """Post SET's resources and the members' contributions, all or none of them."""
    check_contributions(store, day, instructions, rules=rules)
    if instructions.set_fund is not None:
        fund_set(store, day, *instructions.set_fund, rules=rules)
    for c in instructions.contributions:
        contribute(store, c.member, c.amount, day, c.ref, rules)


def _answer(account: RiskCollateralAccount, r: CollateralRequest, required: int,
            instructions: DayInstructions) -> RequestResult:
    quotes = instructions.collateral_quotes
    try:
        if r.op is CollateralOperation.WITHDRAW:
            account.request_withdrawal(r.ref, r.asset, r.qty, r.at, required, quotes)
        elif r.asset == THB:
            account.deposit_cash(r.ref, r.qty, r.at)
        else:
            account.deposit(r.ref, r.asset, r.qty, r.at, quotes, called=required > 0)
    except (CollateralRefused, IneligibleCollateral, ValueError) as exc:
        return RequestResult(r, False, str(exc))
    return RequestResult(r, True)


class CollateralSteps:
    """One run date's collateral steps, in two parts around settlement (3.4): the morning up to
    round 1's securities cut-off (the fund, the measures, the requests of the morning around
    the 11:00 call, the withdrawals due by then), and the afternoon (the later requests, and
    every withdrawal paid by the end of the day). Each part is one commit (`UnitOfWork`)."""

    def __init__(self, store: LedgerStore, registry: MemberRegistry, day: dt.date,
                 instructions: DayInstructions,
                 rules: ClearingRules = DEFAULT_CLEARING_RULES) -> None:
        for r in instructions.collateral:  # refused before anything is posted
            if r.at.date() != day:
                raise SiamexError(ErrorCode.INSTRUCTIONS_FILE,
                                  f"collateral request {r.ref} is dated {r.at.date()}, not the "
                                  f"run date {day}")
        self.store, self.day, self.instructions, self.rules = store, day, instructions, rules
        self.registry = registry
        self.noon = wall_clock(day, rules.round_1_securities)
        self.answers: list[RequestResult] = []
        self.resources = 0
        self.risk: dict[str, MemberRisk] = {}
        self.debits: dict[str, CallDebit] = {}
        self.refused: dict[str, str] = COLLATERAL_REFUSED.get(store, day) or {}

    def _accounts(self, store: LedgerStore) -> dict[str, RiskCollateralAccount]:
        return {m.member_id: RiskCollateralAccount(store, m.member_id, m.issuer_group,
                                                   self.rules)
                for m in self.registry.members}

    def _measured(self, store: LedgerStore,
                  accounts: Mapping[str, RiskCollateralAccount]) -> tuple[int, dict[str, int]]:
        """The start of the day's resources and holdings, recorded when first taken: a re-run
        reads them back rather than measuring balances the day's own steps have moved."""
        quotes = self.instructions.collateral_quotes
        measured = COLLATERAL_MEASURED.get(store, self.day)
        if measured is None:
            measured = CollateralMeasured(financial_resources(store),
                                          {m: a.held(quotes) for m, a in sorted(accounts.items())})
            COLLATERAL_MEASURED.put(store, measured, self.day)
        return measured.financial_resources, dict(measured.held)

    def _answer(self, store: LedgerStore, accounts: Mapping[str, RiskCollateralAccount],
                r: CollateralRequest) -> RequestResult:
        """Answer a request, a refusal once and for all (recorded, so a re-run answers it
        the same)."""
        name = collateral_refusal_id(r.member, r.op, r.ref)
        if name in self.refused:
            return RequestResult(r, False, self.refused[name])
        required = self.risk[r.member].call.required if r.member in self.risk else 0
        result = _answer(accounts[r.member], r, required, self.instructions)
        if not result.accepted:
            self.refused[name] = result.reason
            COLLATERAL_REFUSED.put(store, self.refused, self.day)
        return result

    def morning(self, exposures: Iterable[Exposure], net_cash: Mapping[str, Iterable[int]],
                prices: Mapping[str, int]) -> None:
        """The fund, the measures, the morning's requests and the 11:00 call debit."""
        with UnitOfWork(self.store) as step:
            accounts = self._accounts(step)
            _fund(step, self.day, self.instructions, self.rules)
            self.resources, held = self._measured(step, accounts)
            self.risk = daily_risk(self.registry, exposures, net_cash, prices,
                                   self.instructions.risk_pct, self.instructions.stress_losses,
                                   held, self.resources, self.rules)
            call_at = wall_clock(self.day, self.rules.collateral_call_deadline)
            ordered = sorted(self.instructions.collateral, key=lambda r: r.at)
            self.answers = [self._answer(step, accounts, r) for r in ordered if r.at <= call_at]
            quotes = self.instructions.collateral_quotes
            # 3.5: the call, due 11:00, is debited from the member's THB cash
            self.debits = {m: accounts[m].debit_call(call_at, self.risk[m].call.required,
                                                     quotes) for m in sorted(self.risk)}
            self.answers += [self._answer(step, accounts, r) for r in ordered
                             if call_at < r.at <= self.noon]
            for account in accounts.values():
                account.pay_withdrawals(self.noon)

    def afternoon(self) -> CollateralDay:
        """The requests after round 1's cut-off, and every withdrawal paid by 19:00."""
        quotes = self.instructions.collateral_quotes
        with UnitOfWork(self.store) as step:
            accounts = self._accounts(step)
            ordered = sorted(self.instructions.collateral, key=lambda r: r.at)
            self.answers += [self._answer(step, accounts, r) for r in ordered
                             if r.at > self.noon]
            for account in accounts.values():
                # 3.4: non-cash withdrawals are returned by 19:00
                account.pay_withdrawals(wall_clock(self.day, self.rules.risk_noncash_cutoff))
            held = {m: a.held(quotes) for m, a in sorted(accounts.items())}
        return CollateralDay(self.resources, self.risk, tuple(self.answers), self.debits, held)


def collateral_day(store: LedgerStore, registry: MemberRegistry, day: dt.date,
                   instructions: DayInstructions, exposures: Iterable[Exposure],
                   net_cash: Mapping[str, Iterable[int]], prices: Mapping[str, int],
                   rules: ClearingRules = DEFAULT_CLEARING_RULES) -> CollateralDay:
    """Run the whole day's collateral steps at once (nothing settles between them)."""
    steps = CollateralSteps(store, registry, day, instructions, rules)
    steps.morning(exposures, net_cash, prices)
    return steps.afternoon()
