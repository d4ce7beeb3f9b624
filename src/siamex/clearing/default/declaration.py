"""A member's default over the ledger: its collateral enforced, the waterfall posted, repaid.

clearing-spec.md 3.6-3.7 [S002]. Why it is shaped this way:

- Every resource is a ledger account (`fund`), so a default moves value and never makes it.
- `declare_default` decides the layers' uses once (`apply_waterfall` on the balances it reads)
  and commits that decision as a document together with the postings made from it. A re-run
  finds the record and posts the same keyed transactions, so nothing twice, rather than
  deciding again against balances the first run already changed.
- The resources go to a payee, by default the defaulter's cash account: TCH applies them to what
  the defaulter owes, so the remedy that was waiting for the cash (a buy-in) can then complete
  through its ordinary path. The defaulter owes the fund back with interest (3.7).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

import msgspec

from siamex.clearing.default.fund import (
    _SOURCE,
    FUND_INCOME,
    RESERVE_FUND,
    SET_TRANCHE_1,
    SET_TRANCHE_2,
    contribution_account,
    contributions,
)
from siamex.clearing.default.waterfall import (
    Layer,
    Resources,
    WaterfallResult,
    apply_waterfall,
    fund_repayment_interest,
)
from siamex.clearing.foundations.accounts import TSD, collateral_account, house_cash
from siamex.clearing.foundations.keys import key
from siamex.clearing.foundations.ledger import (
    COLLATERAL,
    DEPOSITORY,
    THB,
    Account,
    Leg,
    Transaction,
    transfer,
)
from siamex.clearing.foundations.parameters import DEFAULT_CLEARING_RULES, ClearingRules
from siamex.clearing.foundations.state import (
    DECLARED_DEFAULTS,
    DEFAULT_DECISION,
    DeclaredDefault,
    DefaultDecision,
    WaterfallUses,
)
from siamex.clearing.foundations.store import LedgerStore

__all__ = ["DefaultReport", "Repayment", "RepaymentRefused", "declare_default",
           "declared_defaults", "enforce_collateral", "recorded_default", "repay_default"]

@dataclass(frozen=True, slots=True)
class DefaultReport:
    """What a default took from each layer, in satang, and what the defaulter owes back.

    `waterfall.uses` lists all six layers in order, `waterfall.shares` each survivor's part of
    the mutualised layer, `waterfall.uncovered` what no layer could absorb.
    """

    member: str
    day: dt.date
    waterfall: WaterfallResult
    ref: str = ""

    def interest(self, repaid_on: dt.date,
                 rules: ClearingRules = DEFAULT_CLEARING_RULES) -> int:
        """Interest on the fund used, from the date of use to `repaid_on` (3.7)."""
        return fund_repayment_interest(self.waterfall.fund_used, self.day, repaid_on, rules)

    def debt(self, repaid_on: dt.date, rules: ClearingRules = DEFAULT_CLEARING_RULES) -> int:
        """What the defaulter repays the fund on `repaid_on`: the fund used plus interest."""
        return self.waterfall.fund_used + self.interest(repaid_on, rules)

    def lines(self) -> list[str]:
        """The report as text: each layer's use, each survivor's share, the uncovered rest."""
        w = self.waterfall
        out = [f"default of {self.member} on {self.day}: loss {w.loss}"]
        out += [f"  {layer.value}: {w.uses[layer]}" for layer in Layer]
        out += [f"    {member}: {share}" for member, share in sorted(w.shares.items())]
        out.append(f"  uncovered: {w.uncovered}")
        return out


def _parts(member: str, day: dt.date, ref: str = "") -> tuple[str, ...]:
    return ("default", str(day), member, *((ref,) if ref else ()))


def _decide(store: LedgerStore, member: str, loss: int, rules: ClearingRules,
            collateral: Account) -> WaterfallResult:
    balances = store.balances()
    others = {m: q for m, q in contributions(store).items() if m != member}
    return apply_waterfall(loss, Resources(
        # 3.6: enforce the risk collateral; 3.7 layer 1, the defaulter's collateral
        defaulter_collateral=balances.get(collateral, 0),
        defaulter_contribution=balances.get(contribution_account(member), 0),
        non_defaulter_contributions=others,
        set_tranche_2=balances.get(SET_TRANCHE_2, 0),
        reserve_fund=balances.get(RESERVE_FUND, 0),
        set_tranche_1=balances.get(SET_TRANCHE_1, 0)), rules)


def _record(w: WaterfallResult) -> DefaultDecision:
    uses = WaterfallUses(**{layer.value: w.uses[layer] for layer in Layer})
    return DefaultDecision(w.loss, uses, dict(w.shares), w.uncovered)


def _read(record: DefaultDecision) -> WaterfallResult:
    uses = msgspec.structs.asdict(record.uses)
    return WaterfallResult(record.loss, {layer: uses[layer.value] for layer in Layer},
                           dict(record.shares), record.uncovered)


def _postings(parts: tuple[str, ...], day: dt.date, w: WaterfallResult, member: str,
              payee: Account, collateral: Account) -> list[Transaction]:
    """One keyed transaction per layer used, from the layer's account(s) to the payee."""
    sources: Mapping[Layer, Account] = {
        Layer.DEFAULTER_COLLATERAL: collateral,
        Layer.DEFAULTER_CONTRIBUTION: contribution_account(member),
        Layer.SET_TRANCHE_1: SET_TRANCHE_1,
        Layer.SET_TRANCHE_2: SET_TRANCHE_2,
        Layer.RESERVE_FUND: RESERVE_FUND,
    }
    txs = []
    for layer in Layer:  # 3.7: in the layers' order
        used = w.uses[layer]
        if not used:
            continue
        if layer is Layer.NON_DEFAULTER_CONTRIBUTIONS:
            # decision C7: each survivor's share of the mutualised layer, pro rata
            legs: tuple[Leg, ...] = tuple(
                Leg(contribution_account(m), -q) for m, q in sorted(w.shares.items()) if q)
            legs += (Leg(payee, used),)
        else:
            legs = transfer(sources[layer], payee, used)
        txs.append(Transaction(key(*parts, layer.value), day,
                               f"default waterfall: {layer.value}", legs))
    return txs


def enforce_collateral(store: LedgerStore, member: str, day: dt.date,
                       prices: Mapping[str, int]) -> dict[str, int]:
    """Sell the defaulter's non-cash risk collateral at the day's prices into its THB
    collateral, so that layer 1 of the waterfall holds all of it; return the proceeds by asset.

    3.6: "enforce the risk collateral". The sale is to the market outside the ledger (the
    securities go back to the depository, the cash comes in through the settlement banks), at
    the day's quote: the haircut was TCH's cushion against the price falling before the sale.
    An asset without a price is left pledged and not in the proceeds.
    """
    proceeds = {}
    txs = []
    for account, qty in sorted(store.balances().items()):
        if (account.owner, account.purpose) != (member, COLLATERAL) or account.asset == THB:
            continue
        if qty <= 0 or account.asset not in prices:
            continue
        proceeds[account.asset] = qty * prices[account.asset]
        txs.append(Transaction(
            key(*_parts(member, day), "enforce", account.asset), day,
            "defaulter's collateral sold", (
                *transfer(account, Account(TSD, DEPOSITORY, None, account.asset), qty),
                *transfer(_SOURCE, collateral_account(member), proceeds[account.asset]))))
    store.append_all(txs)
    return proceeds


def declare_default(store: LedgerStore, member: str, loss: int, day: dt.date,
                    payee: Account | None = None,
                    rules: ClearingRules = DEFAULT_CLEARING_RULES, ref: str = "",
                    collateral: Account | None = None) -> DefaultReport:
    """Cover `loss` satang of a defaulted member through the waterfall and report each layer.

    `loss` is what TCH must cover for the defaulter (the buy-in cost it could not pay, unpaid
    obligations): the caller knows it from the remedy that failed. The uses go to `payee`,
    the defaulter's cash account unless given. Declared once per member and day: a repeated
    call returns the recorded report and posts nothing new; `ref` tells apart two defaults of
    one member on one day (a payment fail and a buy-in it cannot pay). `collateral` is the
    defaulter's cash collateral that layer 1 takes: its equities risk collateral unless given
    (a derivatives default takes its TFEX margin collateral).
    """
    layer_1 = collateral or collateral_account(member)
    if loss < 0:
        raise ValueError(f"a loss must not be negative, got {loss}")
    record = DEFAULT_DECISION.get(store, member, day, ref)
    documents: dict[str, str] = {}
    if record is None:
        record = _record(_decide(store, member, loss, rules, layer_1))
        listed = DECLARED_DEFAULTS.get(store, member) or []
        documents = dict([DEFAULT_DECISION.entry(record, member, day, ref),
                          DECLARED_DEFAULTS.entry([*listed, DeclaredDefault(day, ref)], member)])
    waterfall = _read(record)
    if waterfall.loss != loss:
        raise ValueError(f"{DEFAULT_DECISION.name(member, day, ref)} was declared for a loss of "
                         f"{waterfall.loss}, not {loss}")
    store.commit(_postings(_parts(member, day, ref), day, waterfall, member,
                           payee or house_cash(member, rules), layer_1), documents)
    return DefaultReport(member, day, waterfall, ref)


class RepaymentRefused(ValueError):
    """A repayment the defaulter cannot make whole; nothing is posted."""


def declared_defaults(store: LedgerStore, member: str) -> list[tuple[dt.date, str]]:
    """Every default declared for a member, as (day, ref), in the order declared."""
    return [(d.day, d.ref) for d in DECLARED_DEFAULTS.get(store, member) or []]


def recorded_default(store: LedgerStore, member: str, day: dt.date,
                     ref: str = "") -> DefaultReport | None:
    """The default declared for `member` on `day`, read back from its record."""
    record = DEFAULT_DECISION.get(store, member, day, ref)
    return None if record is None else DefaultReport(member, day, _read(record), ref)


def repay_default(store: LedgerStore, member: str, default_day: dt.date, day: dt.date,
                  rules: ClearingRules = DEFAULT_CLEARING_RULES, ref: str = "") -> int:
    """Repay, from the defaulter's cash, the fund it used with interest; return the amount.

    Each fund layer gets back what it gave (each survivor its own share of layer 4), and the
    interest goes to the fund's income (3.7: accumulated, paid out when membership ends).
    The repayment is whole or refused: a part payment would leave open which layer it repays.
    """
    report = recorded_default(store, member, default_day, ref)
    if report is None:
        raise RepaymentRefused(f"no default of {member} was declared on {default_day}")
    repayment = key(*_parts(member, default_day, ref), "repayment")
    done = store.posted(repayment)
    if done is not None:
        return -sum(leg.amount for leg in done.legs if leg.amount < 0)
    w = report.waterfall
    debt = report.debt(day, rules)
    if debt == 0:  # no fund was used (its collateral covered it): nothing to post or repay
        return 0
    cash = house_cash(member, rules)
    if store.balances().get(cash, 0) < debt:
        raise RepaymentRefused(f"{member} owes the fund {debt} satang and holds "
                               f"{store.balances().get(cash, 0)}")
    back = {
        Layer.DEFAULTER_CONTRIBUTION: contribution_account(member),
        Layer.SET_TRANCHE_1: SET_TRANCHE_1,
        Layer.SET_TRANCHE_2: SET_TRANCHE_2,
    }
    legs = [Leg(cash, -debt)]
    legs += [Leg(account, w.uses[layer]) for layer, account in back.items() if w.uses[layer]]
    legs += [Leg(contribution_account(m), q) for m, q in sorted(w.shares.items()) if q]
    if debt - w.fund_used:
        legs.append(Leg(FUND_INCOME, debt - w.fund_used))
    store.append(Transaction(repayment, day, "defaulter repays the clearing fund",
                             tuple(legs)))
    return debt


@dataclass(frozen=True, slots=True)
class Repayment:
    """A defaulter repaying the fund it used in the default declared on `default_date`."""

    member: str
    default_date: dt.date
