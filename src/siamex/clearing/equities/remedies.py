"""What happens to a delivery fail still open after round 2 (clearing-spec.md 3.6).

Why it is shaped this way: like settlement, the ledger is the only state for money and shares,
and every posting has a key named after the fail (`remedy:2021-04-12:buyin:pay:2021-04-12:S:
client:X`) or the loan (`sbl:2021-04-12:S:client:X:L:portfolio:collateral`), built by
`keys.key`, so a step run twice posts nothing twice. A step that decides something (which
lenders, which receivers, how much) records its decision in a document committed together
with its postings (one `LedgerStore.commit`): a crash leaves both or neither, and a repeated
call finds the record and returns it instead of deciding again against balances the first
call has already changed.

The remedies, in the order TCH tries them:

- `withhold`: the defaulter's cash receivable of the fail day and of the next day goes to its
  withheld account at TCH, to fund a buy-in (3.6).
- `cover_fail`: TCH borrows the short quantity from lenders who offer it and lends it to the
  failing account, which delivers; the waiting receivers are credited and the withheld cash
  released. `mark_to_market`, `return_loan` and `mature_loan` run the loan to its end.
- `buy_in`: when no lender covers, TCH buys the shares on the next business day; the defaulter
  pays the price, from its withheld cash first.
- `cash_in_lieu`: when the buy-in fails, the waiting receivers are paid the value instead.
- `fail_fines`: the fines of the fail, returned for the caller to bill (3.8).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from fractions import Fraction

from siamex.clearing.billing.fines import (
    delivery_fail_human_error_fine,
    delivery_fail_other_cause_fine,
)
from siamex.clearing.equities.netting import NetPositions
from siamex.clearing.equities.sbl import (
    AddBusinessDays,
    collateral_adjustment,
    latest_due_date,
    lender_penalty,
    loan_collateral,
    tch_service_fee,
)
from siamex.clearing.equities.settlement import DeliveryFail
from siamex.clearing.foundations.accounts import cash_account, holdings_account, member_cash
from siamex.clearing.foundations.keys import account_parts, key, parts, prefix
from siamex.clearing.foundations.ledger import (
    CASH,
    COLLATERAL,
    SECURITIES,
    TCH,
    THB,
    Account,
    Transaction,
    transfer,
)
from siamex.clearing.foundations.members import AccountType
from siamex.clearing.foundations.money import percent_of
from siamex.clearing.foundations.parameters import DEFAULT_CLEARING_RULES, ClearingRules
from siamex.clearing.foundations.state import (
    BOUGHT_IN,
    COVER,
    IN_LIEU,
    IN_LIEU_PAID,
    MARKED,
    MATURITY,
    WITHHELD,
    BuyInRow,
    Decision,
    FineEvent,
    Loan,
    fail_id,
    fail_parts,
)
from siamex.clearing.foundations.store import LedgerStore
from siamex.clearing.risk.collateral import CollateralQuote
from siamex.rulebook.calendar import trading_day_offset

__all__ = [
    "SBL_COLLATERAL",
    "TCH_FEES",
    "BuyIn",
    "BuyInOffer",
    "Cure",
    "HumanError",
    "LendingOffer",
    "LoanReturn",
    "RemedyInstructions",
    "business_days_late",
    "buy_in",
    "buy_in_date",
    "cash_in_lieu",
    "cash_in_lieu_shortfall",
    "collateral_held",
    "cover_fail",
    "fail_fines",
    "in_lieu_shares",
    "loan_fee",
    "mark_to_market",
    "mature_loan",
    "return_loan",
    "withheld_account",
    "withhold",
]

class Cure(StrEnum):
    """What the withheld cash of a fail is released for: a cover, a buy-in or cash in lieu
    (its value names the release's postings)."""

    SBL = "sbl"
    BUY_IN = "buyin"
    IN_LIEU = "in-lieu"


SBL_COLLATERAL = Account(TCH, COLLATERAL, None, THB)  # every loan's cash collateral, by key
TCH_FEES = Account(TCH, "fees", None, THB)  # TCH's income from SBL service fees
_TCH_CASH = Account(TCH, CASH, None, THB)
_WITHHELD = "withheld"


@dataclass(frozen=True, slots=True)
class LendingOffer:
    """A depositor offering `qty` shares of `security` from its account of `account_type`."""

    lender: str
    security: str
    qty: int
    account_type: AccountType = AccountType.PORTFOLIO


@dataclass(frozen=True, slots=True)
class BuyIn:
    """A buy-in done: what it cost and how much of that the defaulter bore beyond the value."""

    day: dt.date
    qty: int
    cost: int
    cost_difference: int


def withheld_account(member: str) -> Account:
    """Where TCH keeps a defaulter's cash receivable until the fail is remedied (3.6)."""
    return Account(member, _WITHHELD, None, THB)


def _defaulter_cash(fail: DeliveryFail, rules: ClearingRules) -> Account:
    return member_cash(fail.member, fail.account_type, rules)


def _fail(fail: DeliveryFail, day: dt.date) -> tuple[dt.date, str, AccountType, str]:
    """A fail as the arguments that name it (`state.fail_parts`): date, account, security."""
    return day, fail.member, fail.account_type, fail.security


def _remedy_key(day: dt.date, kind: str, *more: str) -> str:
    return key("remedy", day, kind, *more)


def _account_name(account: Account) -> str:
    """An account as one key, to name it in a recorded document."""
    return key(*account_parts(account))


def _named_account(name: str) -> Account:
    owner, purpose, kind, asset = parts(name)
    return Account(owner, purpose, None if kind == "-" else AccountType(kind), asset)


def _member_legs(store: LedgerStore, start: str) -> dict[Account, int]:
    """Sum, per member account, the legs of the transactions whose keys begin with `start`."""
    sums: dict[Account, int] = {}
    for tx in store.keyed(start):
        for account, amount in tx.legs:
            if account.owner != TCH:
                sums[account] = sums.get(account, 0) + amount
    return sums


# ---- withholding --------------------------------------------------------------------------

def withhold(store: LedgerStore, fail: DeliveryFail, settlement_date: dt.date, day: dt.date,
             positions: NetPositions, rules: ClearingRules = DEFAULT_CLEARING_RULES) -> int:
    """Move the defaulter's cash receivable of `day` into its withheld account; return it.

    On the fail day settlement has already kept the payout at TCH; on the next day it was paid,
    so it is taken back from the member's cash (as much as is still there).
    """
    # 3.6: withhold the receivable on the default day and the next day
    if day not in (settlement_date, trading_day_offset(settlement_date, 1)):
        raise ValueError(f"a receivable is withheld on {settlement_date} and the next day only")
    cash = _defaulter_cash(fail, rules)
    recorded = WITHHELD.get(store, settlement_date, day, cash)
    if recorded is not None:
        return recorded.result
    name = WITHHELD.name(settlement_date, day, cash)
    receivable = sum(c.net_amount for c in positions.cash
                     if c.settlement_date == day and c.member == fail.member
                     and c.net_amount > 0 and cash_account(c.member, c.account_type) == cash)
    paid = _member_legs(store, prefix("settle", day)).get(cash, 0)
    if day == settlement_date:  # only what TCH received: a payer may have failed
        amount = min(receivable - max(paid, 0), store.balances().get(_TCH_CASH, 0))
        source = _TCH_CASH
    else:
        amount, source = min(receivable, store.balances().get(cash, 0)), cash
    posting = Transaction(name, day, "cash receivable withheld for a delivery fail",
                          transfer(source, withheld_account(fail.member), max(amount, 0)))
    store.commit([posting] if amount > 0 else [],
                 dict([WITHHELD.entry(Decision(max(amount, 0)), settlement_date, day, cash)]))
    return max(amount, 0)


def _release_withheld(store: LedgerStore, fail: DeliveryFail, settlement_date: dt.date,
                      day: dt.date, kind: Cure, rules: ClearingRules,
                      spent: int = 0, keep: bool = False) -> list[Transaction]:
    """Pay `spent` of the withheld cash to TCH and the rest back to the defaulter, unless
    `keep`: the member has other fails open, which the rest must still fund (3.6)."""
    held = store.balances().get(withheld_account(fail.member), 0)
    txs, base = [], fail_parts(*_fail(fail, settlement_date))
    if min(spent, held) > 0:
        txs.append(Transaction(_remedy_key(settlement_date, kind, "withheld-used", *base), day,
                               "withheld cash used for the remedy",
                               transfer(withheld_account(fail.member), _TCH_CASH,
                                        min(spent, held))))
    if held - spent > 0 and not keep:
        txs.append(Transaction(_remedy_key(settlement_date, kind, "release", *base), day,
                               "withheld cash released", transfer(
                                   withheld_account(fail.member), _defaulter_cash(fail, rules),
                                   held - spent)))
    return txs


# ---- completing the delivery --------------------------------------------------------------

def _waiting(store: LedgerStore, positions: NetPositions, settlement_date: dt.date,
             security: str) -> list[tuple[Account, int]]:
    """The receivers of a security still owed shares, in settlement's (member, type) order."""
    credited = _member_legs(store, prefix("settle", settlement_date))
    credited_later = _member_legs(store, prefix("remedy", settlement_date, "credit"))
    in_lieu = _in_lieu(store, settlement_date, security)
    # 3.3 DvP: a receiver that has not paid for the date is served by no remedy either
    unpaid = {c.member for c in positions.cash
              if c.settlement_date == settlement_date and c.net_amount < 0
              and -c.net_amount + credited.get(cash_account(c.member, c.account_type), 0) > 0}
    waiting = []
    for s in sorted(positions.securities, key=lambda s: (s.member, s.account_type.value)):
        if s.member in unpaid:
            continue
        if s.settlement_date == settlement_date and s.security == security and s.net_qty > 0:
            account = holdings_account(s.member, s.account_type, security)
            owed = (s.net_qty - credited.get(account, 0) - credited_later.get(account, 0)
                    - in_lieu.get(account, 0))
            if owed > 0:
                waiting.append((account, owed))
    return waiting


def _deliver_and_credit(store: LedgerStore, fail: DeliveryFail, settlement_date: dt.date,
                        day: dt.date, source: Account, kind: str,
                        positions: NetPositions) -> list[Transaction]:
    """Bring the short shares from `source` to TCH, then credit them to waiting receivers."""
    base = fail_parts(*_fail(fail, settlement_date))
    pool = Account(TCH, SECURITIES, None, fail.security)
    txs = [Transaction(_remedy_key(settlement_date, kind, *account_parts(source), *base), day,
                       "failed shares delivered to TCH", transfer(source, pool, fail.qty_short))]
    left = fail.qty_short
    for account, owed in _waiting(store, positions, settlement_date, fail.security):
        qty = min(owed, left)
        if qty <= 0:
            break
        left -= qty
        txs.append(Transaction(
            _remedy_key(settlement_date, "credit", *base, *account_parts(account)), day,
            "failed shares credited to a waiting receiver", transfer(pool, account, qty)))
    return txs


# ---- securities lending (3.6 SBL for covered fail) ----------------------------------------

def cover_fail(store: LedgerStore, fail: DeliveryFail, settlement_date: dt.date,
               offers: Sequence[LendingOffer], price: int, borrowing_fee: int,
               positions: NetPositions, rules: ClearingRules = DEFAULT_CLEARING_RULES,
               add_business_days: AddBusinessDays = trading_day_offset,
               keep_withheld: bool = False) -> tuple[Loan, ...]:
    """Cover a fail with loans from `offers` (in order); return the loans, none if not covered.

    A fail is covered whole or not at all, and only if the borrower can post the collateral
    and fees from its cash; `price` (satang a share) values the loan, `borrowing_fee` (satang)
    is the fee of the whole cover, split over the loans by quantity. The withheld cash goes
    back to the member unless `keep_withheld` (it has other fails open).
    """
    recorded = COVER.get(store, *_fail(fail, settlement_date))
    if recorded is not None:
        return tuple(recorded.result)
    withhold(store, fail, settlement_date, settlement_date, positions, rules)
    loans = _plan_loans(store, fail, settlement_date, offers, settlement_date, rules,
                        add_business_days)
    if not loans:
        return ()
    cash = _defaulter_cash(fail, rules)
    txs: list[Transaction] = []
    fees = _split(borrowing_fee, [loan.qty for loan in loans])
    for loan, loan_fee in zip(loans, fees, strict=True):
        txs.extend(_open_loan(loan, price, loan_fee, cash, rules))
    # what the borrower pays, as posted loan by loan (each rounded on its own)
    cost = -sum(amount for tx in txs for account, amount in tx.legs if account == cash)
    if store.balances().get(cash, 0) < cost:
        return ()
    borrower = holdings_account(fail.member, fail.account_type, fail.security)
    txs.extend(_deliver_and_credit(store, fail, settlement_date, settlement_date, borrower,
                                   "deliver", positions))
    txs.extend(_release_withheld(store, fail, settlement_date, settlement_date, Cure.SBL, rules,
                                 keep=keep_withheld))
    store.commit(txs, dict([COVER.entry(Decision(list(loans)), *_fail(fail, settlement_date))]))
    return loans


def _plan_loans(store: LedgerStore, fail: DeliveryFail, settlement_date: dt.date,
                offers: Iterable[LendingOffer], start: dt.date, rules: ClearingRules,
                add_business_days: AddBusinessDays,
                exclude: str | None = None) -> tuple[Loan, ...]:
    """Take the short quantity from the offers in order, each no more than its lender still
    holds; one loan per lender account (its key), however many offers it made."""
    balances, left = store.balances(), fail.qty_short
    taken: dict[Account, int] = {}
    for offer in offers:
        account = holdings_account(offer.lender, offer.account_type, offer.security)
        qty = min(offer.qty, balances.get(account, 0) - taken.get(account, 0), left)
        if offer.security != fail.security or offer.lender in (fail.member, exclude) or qty <= 0:
            continue
        left -= qty
        taken[account] = taken.get(account, 0) + qty
    due = latest_due_date(start, add_business_days, rules)
    loans = tuple(Loan(start=start, due=due, borrower=fail.member,
                       account_type=fail.account_type, security=fail.security,
                       lender=account.owner,
                       lender_account_type=AccountType(str(account.account_type)), qty=qty)
                  for account, qty in taken.items())
    return loans if left == 0 else ()


def _split(total: int, weights: Sequence[int]) -> list[int]:
    """Split an amount by weights in whole satang, the remainder to the last part."""
    parts = [total * w // sum(weights) for w in weights[:-1]]
    return [*parts, total - sum(parts)]


def _open_loan(loan: Loan, price: int, borrowing_fee: int, cash: Account,
               rules: ClearingRules) -> list[Transaction]:
    lender = holdings_account(loan.lender, loan.lender_account_type, loan.security)
    borrower = holdings_account(loan.borrower, loan.account_type, loan.security)
    lender_cash = member_cash(loan.lender, loan.lender_account_type, rules)
    fee = tch_service_fee(borrowing_fee, rules)  # 3.6: 10% of the fee, from each side
    txs = [
        # 3.1: lent into the failing account's own type, never the other one
        Transaction(loan.posting("lend"), loan.start, "SBL loan through TCH",
                    transfer(lender, borrower, loan.qty)),
        # 3.6: cash only, 130% of the borrowed value
        Transaction(loan.posting("collateral"), loan.start, "SBL collateral",
                    transfer(cash, SBL_COLLATERAL, loan_collateral(loan.qty, price, rules))),
    ]
    if borrowing_fee:
        txs.append(Transaction(loan.posting("fee"), loan.start, "SBL borrowing fee",
                               transfer(cash, lender_cash, borrowing_fee)))
    if fee:
        txs += [Transaction(loan.posting("service-fee", "borrower"), loan.start, "TCH SBL fee",
                            transfer(cash, TCH_FEES, fee)),
                Transaction(loan.posting("service-fee", "lender"), loan.start, "TCH SBL fee",
                            transfer(lender_cash, TCH_FEES, fee))]
    return txs


def collateral_held(store: LedgerStore, loan: Loan) -> int:
    """The cash collateral TCH holds for a loan, read back from the loan's postings."""
    return sum(amount for tx in store.keyed(prefix(*loan.parts))
               for account, amount in tx.legs if account == SBL_COLLATERAL)


def loan_fee(store: LedgerStore, loan: Loan) -> int:
    """The borrowing fee the borrower paid the lender when the loan opened (0 for a
    re-borrow, which charges none)."""
    posting = store.posted(loan.posting("fee"))
    return 0 if posting is None else sum(amount for _, amount in posting.legs if amount > 0)


def _closed(store: LedgerStore, loan: Loan) -> bool:
    return bool(store.stored((loan.posting("return"), loan.posting("penalty"))))


def mark_to_market(store: LedgerStore, loan: Loan, day: dt.date, price: int,
                   session: str = "end", rules: ClearingRules = DEFAULT_CLEARING_RULES) -> int:
    """Top the collateral up to 130% at `price`, or return the excess; return the move.

    A top-up larger than the borrower's cash takes what is there (the rest is a collateral
    default, not modelled here).
    """
    if _closed(store, loan):
        return 0
    recorded = MARKED.get(store, loan, day, session)
    if recorded is not None:
        return recorded.result
    name = MARKED.name(loan, day, session)
    cash = member_cash(loan.borrower, loan.account_type, rules)
    # 3.6: marked to market at the start and end of each day
    move = collateral_adjustment(loan.qty, price, collateral_held(store, loan), rules)
    move = min(move, store.balances().get(cash, 0))
    source, destination = (cash, SBL_COLLATERAL) if move > 0 else (SBL_COLLATERAL, cash)
    store.commit([Transaction(name, day, "SBL collateral marked to market",
                              transfer(source, destination, abs(move)))] if move else [],
                 dict([MARKED.entry(Decision(move), loan, day, session)]))
    return move


def return_loan(store: LedgerStore, loan: Loan, day: dt.date,
                rules: ClearingRules = DEFAULT_CLEARING_RULES) -> bool:
    """Return the shares from the borrower's account and release all its collateral; say
    whether the loan is returned (False: the borrower does not hold the shares)."""
    if _closed(store, loan):
        return store.posted(loan.posting("return")) is not None
    borrower = holdings_account(loan.borrower, loan.account_type, loan.security)
    if store.balances().get(borrower, 0) < loan.qty:
        return False
    cash = member_cash(loan.borrower, loan.account_type, rules)
    lender = holdings_account(loan.lender, loan.lender_account_type, loan.security)
    # 3.6: collateral is returned when the lender has all its shares back
    legs = (*transfer(borrower, lender, loan.qty),
            *transfer(SBL_COLLATERAL, cash, collateral_held(store, loan)))
    store.append(Transaction(loan.posting("return"), day, "SBL loan returned", legs))
    return True


def mature_loan(store: LedgerStore, loan: Loan, day: dt.date, price: int,
                offers: Sequence[LendingOffer], rules: ClearingRules = DEFAULT_CLEARING_RULES,
                add_business_days: AddBusinessDays = trading_day_offset) -> Loan | int:
    """Close a loan at its due date: return it, else re-borrow, else pay the lender's penalty.

    Returns the new loan of a re-borrow, else the penalty paid (0 when the loan was returned).
    A re-borrow moves the new lender's shares to the old lender and carries the collateral.
    """
    if day < loan.due:
        raise ValueError(f"the loan is due on {loan.due}, not {day}")
    recorded = MATURITY.get(store, loan)
    if recorded is not None:
        return recorded.result
    if return_loan(store, loan, day, rules):  # 3.6: TCH debits the borrower's account
        return 0
    short = DeliveryFail(loan.borrower, loan.account_type, loan.security, loan.qty,
                         loan.qty * price)
    # 3.6: a shortfall at maturity is a new fail, covered by borrowing again
    new = _plan_loans(store, short, day, offers, day, rules, add_business_days, loan.lender)
    if len(new) == 1:
        renewed = new[0]
        held = collateral_held(store, loan)
        new_lender = holdings_account(renewed.lender, renewed.lender_account_type,
                                      renewed.security)
        old_lender = holdings_account(loan.lender, loan.lender_account_type, loan.security)
        cash = member_cash(loan.borrower, loan.account_type, rules)
        # the old loan's collateral goes back and is posted again for the new one
        store.commit([
            Transaction(loan.posting("return"), day, "SBL loan returned by re-borrowing",
                        (*transfer(new_lender, old_lender, loan.qty),
                         *transfer(SBL_COLLATERAL, cash, held))),
            Transaction(renewed.posting("collateral"), day, "SBL collateral of a re-borrow",
                        transfer(cash, SBL_COLLATERAL, held)),
        ], dict([MATURITY.entry(Decision(renewed), loan)]))
        mark_to_market(store, renewed, day, price, "end", rules)
        return renewed
    # 3.6: cannot re-borrow: the lender gets at least 130% of the value at today's price
    penalty = lender_penalty(loan.qty, price, rules)
    held = collateral_held(store, loan)
    cash = member_cash(loan.borrower, loan.account_type, rules)
    from_cash = min(max(penalty - held, 0), store.balances().get(cash, 0))
    lender_cash = member_cash(loan.lender, loan.lender_account_type, rules)
    legs = [*transfer(SBL_COLLATERAL, lender_cash, min(penalty, held))]
    if from_cash:
        legs += transfer(cash, lender_cash, from_cash)
    if held > penalty:
        legs += transfer(SBL_COLLATERAL, cash, held - penalty)
    paid = min(penalty, held) + from_cash
    store.commit([Transaction(loan.posting("penalty"), day, "SBL penalty to the lender",
                              tuple(legs))], dict([MATURITY.entry(Decision(paid), loan)]))
    return paid


# ---- buy-in and cash in lieu (3.6 Buy-in) -------------------------------------------------

def buy_in_date(settlement_date: dt.date,
                add_business_days: AddBusinessDays = trading_day_offset) -> dt.date:
    """The day TCH buys in a fail that no lender covered: the next business day."""
    return add_business_days(settlement_date, 1)  # 3.6: next-day buy-in, same-day settlement


def buy_in(store: LedgerStore, fail: DeliveryFail, settlement_date: dt.date, day: dt.date,
           seller: Account, price: int, positions: NetPositions,
           rules: ClearingRules = DEFAULT_CLEARING_RULES,
           keep_withheld: bool = False) -> BuyIn | None:
    """Buy the short shares from `seller` at `price` satang a share on the buy-in day.

    The defaulter pays the whole price, from its withheld cash first, then its cash account;
    what is left withheld goes back to it. None when the seller lacks the shares or the
    defaulter the cash: the buy-in failed, and `cash_in_lieu` follows.
    """
    recorded = BOUGHT_IN.get(store, *_fail(fail, settlement_date))
    if recorded is not None:
        row = recorded.result
        return BuyIn(row.day, row.qty, row.cost, row.cost_difference)
    withhold(store, fail, settlement_date, settlement_date, positions, rules)
    cost = fail.qty_short * price
    balances = store.balances()
    held = balances.get(withheld_account(fail.member), 0)
    cash = _defaulter_cash(fail, rules)
    from_cash = max(cost - held, 0)
    if balances.get(seller, 0) < fail.qty_short or balances.get(cash, 0) < from_cash:
        return None
    base = fail_parts(*_fail(fail, settlement_date))
    seller_cash = member_cash(seller.owner, AccountType(str(seller.account_type)), rules)
    txs = _deliver_and_credit(store, fail, settlement_date, day, seller, "buyin-deliver",
                              positions)
    txs += _release_withheld(store, fail, settlement_date, day, Cure.BUY_IN, rules, spent=cost,
                             keep=keep_withheld)
    if from_cash:
        txs.append(Transaction(_remedy_key(settlement_date, "buyin", "cost", *base), day,
                               "buy-in cost borne by the defaulter",
                               transfer(cash, _TCH_CASH, from_cash)))
    txs.append(Transaction(_remedy_key(settlement_date, "buyin", "pay", *base), day,
                           "buy-in price paid to the seller",
                           transfer(_TCH_CASH, seller_cash, cost)))
    # 3.6: the defaulter bears all buy-in costs
    done = BuyIn(day, fail.qty_short, cost, cost - fail.value)
    record = BuyInRow(day, done.qty, done.cost, done.cost_difference)
    store.commit(txs, dict([BOUGHT_IN.entry(Decision(record), *_fail(fail, settlement_date))]))
    return done


def in_lieu_shares(store: LedgerStore, settlement_date: dt.date,
                   security: str) -> dict[str, dict[Account, int]]:
    """The shares of `security` each receiver was paid cash in lieu of, by the fail (its
    key components `(sd, member, type, security)` as one key) and the receiver's account."""
    recorded = IN_LIEU.get(store, settlement_date, security) or {}
    return {fail: {_named_account(name): qty for name, qty in allocation.items()}
            for fail, allocation in recorded.items()}


def _in_lieu(store: LedgerStore, settlement_date: dt.date,
             security: str) -> dict[Account, int]:
    """The shares of `security` each receiver was paid cash in lieu of, by account."""
    totals: dict[Account, int] = {}
    for allocation in in_lieu_shares(store, settlement_date, security).values():
        for account, qty in allocation.items():
            totals[account] = totals.get(account, 0) + qty
    return totals


def _in_lieu_allocation(store: LedgerStore, fail: DeliveryFail, settlement_date: dt.date,
                        positions: NetPositions,
                        rules: ClearingRules) -> dict[Account, tuple[int, int]]:
    """Each waiting receiver's shares not delivered and the cash it gets instead."""
    share_price = fail.value // fail.qty_short
    left, allocation = fail.qty_short, {}
    for account, owed in _waiting(store, positions, settlement_date, fail.security):
        if left > 0:
            qty = min(owed, left)
            left -= qty
            # 3.6: cash compensation at the announced rate, passed to the waiting receiver
            allocation[account] = (qty, percent_of(qty * share_price, rules.cash_in_lieu_pct))
    return allocation


def cash_in_lieu_shortfall(store: LedgerStore, fail: DeliveryFail, settlement_date: dt.date,
                           positions: NetPositions,
                           rules: ClearingRules = DEFAULT_CLEARING_RULES) -> int:
    """What the defaulter lacks, after its withheld cash and its cash, to pay cash in lieu."""
    total = sum(amount for _, amount in _in_lieu_allocation(
        store, fail, settlement_date, positions, rules).values())
    balances = store.balances()
    return max(0, total - balances.get(withheld_account(fail.member), 0)
               - balances.get(_defaulter_cash(fail, rules), 0))


def cash_in_lieu(store: LedgerStore, fail: DeliveryFail, settlement_date: dt.date,
                 day: dt.date, positions: NetPositions,
                 rules: ClearingRules = DEFAULT_CLEARING_RULES,
                 keep_withheld: bool = False) -> dict[str, int]:
    """Pay the waiting receivers cash instead of the shares after a failed buy-in.

    Each receiver gets its share of the failed value times `cash_in_lieu_pct`; the defaulter
    pays, from its withheld cash first, and as much as it has. Returns satang by receiver.
    The receivers paid are noted (`_in_lieu`) in the same commit: they are owed those shares
    no more (`_waiting`).
    """
    base = fail_parts(*_fail(fail, settlement_date))
    done = IN_LIEU_PAID.get(store, *_fail(fail, settlement_date))
    if done is not None:
        return done.result
    withhold(store, fail, settlement_date, settlement_date, positions, rules)
    allocation = _in_lieu_allocation(store, fail, settlement_date, positions, rules)
    paid: dict[str, int] = {}
    txs = []
    for account, (_, amount) in allocation.items():
        paid[account.owner] = paid.get(account.owner, 0) + amount
        assert account.account_type is not None  # a receiver's holdings have a type
        txs.append(Transaction(_remedy_key(settlement_date, "in-lieu", *base,
                                           *account_parts(account)), day,
                               "cash in lieu of delivery",
                               transfer(_TCH_CASH, member_cash(
                                   account.owner, account.account_type, rules), amount)))
    total = sum(paid.values())
    cash = _defaulter_cash(fail, rules)
    from_cash = max(total - store.balances().get(withheld_account(fail.member), 0), 0)
    if store.balances().get(cash, 0) < from_cash:
        raise ValueError(f"{fail.member} cannot fund the cash in lieu of {total} satang")
    pre = _release_withheld(store, fail, settlement_date, day, Cure.IN_LIEU, rules, spent=total,
                            keep=keep_withheld)
    if from_cash:
        pre.append(Transaction(_remedy_key(settlement_date, "in-lieu", "cost", *base), day,
                               "cash in lieu borne by the defaulter",
                               transfer(cash, _TCH_CASH, from_cash)))
    allocations = IN_LIEU.get(store, settlement_date, fail.security) or {}
    shares = {_account_name(account): qty for account, (qty, _) in allocation.items()}
    store.commit([*pre, *txs], dict([
        IN_LIEU_PAID.entry(Decision(paid), *_fail(fail, settlement_date)),
        IN_LIEU.entry({**allocations, fail_id(*_fail(fail, settlement_date)): shares},
                      settlement_date, fail.security)]))
    return paid


# ---- fines (3.8) --------------------------------------------------------------------------

def business_days_late(settlement_date: dt.date, cured_on: dt.date,
                       add_business_days: AddBusinessDays = trading_day_offset) -> int:
    """Business days from the settlement date to the day the fail was cured."""
    days = 0
    while add_business_days(settlement_date, days) < cured_on:
        days += 1
    return days


def fail_fines(fail: DeliveryFail, settlement_date: dt.date, cured_on: dt.date, close: int,
               human_error_count: int | None = None,
               rules: ClearingRules = DEFAULT_CLEARING_RULES,
               add_business_days: AddBusinessDays = trading_day_offset) -> tuple[FineEvent, ...]:
    """The fines of one fail in one security: for a human error by the count in the year of
    the fail event it belongs to (`human_error_count`), else by business days late on the
    short quantity at `close`, the settlement date's closing price in satang a share."""
    days = business_days_late(settlement_date, cured_on, add_business_days)
    value = fail.qty_short * close  # decision C5: the settlement date's close
    if human_error_count is not None:
        # 3.8: human error, by its event's count in the calendar year, per security
        return (FineEvent(fail.member, "delivery_fail_human_error",
                          delivery_fail_human_error_fine(human_error_count, 1, rules),
                          fail.security, settlement_date, days, value, human_error_count),)
    # 3.8: other cause, share of the failed value by business days late, minimum 300
    return (FineEvent(fail.member, "delivery_fail_other_cause",
                      delivery_fail_other_cause_fine(value, days, rules), fail.security,
                      settlement_date, days, value),)


@dataclass(frozen=True, slots=True)
class BuyInOffer:
    """Shares offered to TCH for a buy-in at `price` satang a share (3.4: offers by 11:30)."""

    seller: str
    security: str
    qty: int
    price: int
    account_type: AccountType = AccountType.PORTFOLIO


@dataclass(frozen=True, slots=True)
class HumanError:
    """A member's declaration that its delivery fail of a security was a human error (3.8)."""

    member: str
    security: str


@dataclass(frozen=True, slots=True)
class LoanReturn:
    """A borrower returning its covered-fail loans of a security early, from `lender` only
    when given (3.6: early return is allowed)."""

    borrower: str
    security: str
    at: dt.datetime
    lender: str | None = None


@dataclass(frozen=True)
class RemedyInstructions:
    """The part of a day's instructions the fails' remedies act on: the lenders' and sellers'
    offers, early loan returns, human-error declarations, the day's SBL fee rate and the
    collateral quotes a defaulter's collateral is sold at."""

    lending_offers: tuple[LendingOffer, ...] = ()
    buy_in_offers: tuple[BuyInOffer, ...] = ()
    human_errors: tuple[HumanError, ...] = ()
    loan_returns: tuple[LoanReturn, ...] = ()
    sbl_fee_pct: Fraction = Fraction(0)
    collateral_quotes: Mapping[str, CollateralQuote] = field(default_factory=dict)
