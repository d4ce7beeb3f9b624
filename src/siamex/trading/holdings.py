"""Check-before-sell inside the engine: what each investor account may sell, moved by the
engine's own orders as it fills, amends, cancels and expires them (issue 15; set-trading-rules.md
8.3; docs/check-before-sell.md; decisions 147-152, 186).

An engine given `Holdings` links every equity order it accepts to its account's balance
(`Order.holding`: the NVDR holding for an NVDR order), a sell reserving its remaining quantity:

    what happens                           ordinary sell           short sale       buy
    accepted                               resting += qty          short_resting    buying
    amended                                resting += new remaining - old remaining (each its own)
    cancelled (member, engine, expiry)     resting -= remaining    short_resting    buying
    traded (continuous or auction)         resting -> deliverable  short_resting    buying ->
                                                                   -> short_sold    receivable
    a two-firm trade report waiting        the seller's resting += qty until it trades
    a trade report's trade                 that reserve released, the seller's deliverable +=
                                           qty, the buyer's receivable += qty

A partly filled sell holds only what it may still sell. A GTC or GTD order carried into the next
day keeps its link and reservation; one the next day drops is released (decision 152).
Settlement needs no modelling: delivering a sale takes the shares from settled and deliverable
alike, receiving a purchase moves them from receivable to settled (decision 151).

With the rulebook's `check_before_sell` on, the engine refuses NO_SECURITIES, after its own
checks, a sell the balance does not cover, an amend raising a sell by more than it covers, and a
trade report its seller does not cover (decision 147). The refusals say how much there was.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from siamex.trading.balance import NO_PRICE_ABOVE, NO_PRICE_BELOW, Balance
from siamex.trading.commands import TradeReport
from siamex.trading.enums import OrderType, Side
from siamex.trading.order import Order
from siamex.trading.rejects import Reject

__all__ = ["NVDR", "Holdings", "amend_refusal", "bound", "link", "release", "report_refusal",
           "reserve", "sell_refusal", "traded"]

NVDR: Final = "-R"
"""What an NVDR's holding symbol adds to the security's."""
_SELL: Final = Side.SELL
_LIMIT: Final = OrderType.LIMIT
_NO_SECURITIES: Final = Reject.NO_SECURITIES
Failure = tuple[Reject, str]


class Holdings:
    """Every investor account's balances, and the two-firm trade reports reserving them.

    The balances are found by account, then by symbol: the index of accounts is small enough
    to stay in the processor's cache, so the look-up each order costs reads one account's own
    table past it rather than one table of every (account, symbol) (docs/performance.md).
    """

    def __init__(self) -> None:
        self._accounts: dict[tuple[str, str], dict[str, Balance]] = {}
        self.nvdr: set[str] = set()
        """The securities of which some account has an NVDR holding."""
        self.reports: dict[str, tuple[Balance, int]] = {}
        """A two-firm trade report waiting for its buyer: the seller's balance and the
        quantity reserved."""

    def balance(self, member: str, account: str, symbol: str) -> Balance:
        """The holding's balance; an account the depository did not list holds nothing."""
        holdings = self._accounts.get((member, account))
        if holdings is None:
            holdings = self._accounts[(member, account)] = {}
        found = holdings.get(symbol)
        if found is None:
            found = holdings[symbol] = Balance(key=(member, account, symbol))
            if symbol.endswith(NVDR):
                self.nvdr.add(symbol[:-len(NVDR)])
        return found

    def find(self, member: str, account: str, symbol: str) -> Balance | None:
        """The holding's balance if the account has one."""
        holdings = self._accounts.get((member, account))
        return None if holdings is None else holdings.get(symbol)

    def every(self) -> list[Balance]:
        """Every balance, in the order of their keys (for loading and saving)."""
        return sorted((balance for holdings in self._accounts.values()
                       for balance in holdings.values()), key=lambda balance: balance.key)

    def available(self, member: str, account: str, symbol: str, *, short: bool = False) -> int:
        """What the account may sell now, never below 0 (`symbol` the holding's, "PTT-R" for
        NVDRs)."""
        found = self.find(member, account, symbol)
        if found is None:
            return 0
        return max(found.short_sellable() if short else found.sellable(), 0)

    def adopt(self, orders: Iterable[Order]) -> None:
        """Link the live equity orders no balance follows yet (of an engine restored from its
        state, or run without holdings so far), each sell reserving its remainder; an NVDR
        sell among them moves the ordinary holding, the engine's state not knowing the flag."""
        for order in orders:
            if order.holding is None and not order.effect:
                link(order, self.balance(order.member, order.account, order.symbol))

    def relink(self, orders: Iterable[Order], nvdr: set[str]) -> None:
        """Link live orders to balances whose figures already hold their reservations (both
        restored from a saved state), counting again what the buys want and the bounds of the
        orders' prices: `nvdr` names the orders of NVDR holdings."""
        for order in orders:
            if not order.effect:
                symbol = order.symbol + NVDR if order.id in nvdr else order.symbol
                balance = order.holding = self.balance(order.member, order.account, symbol)
                if order.side is not _SELL:
                    balance.buying += order.remaining
                bound(order)

    # -- trade reports (rare: looked up by key) ------------------------------------------------

    def report_waits(self, report: TradeReport) -> None:
        """Reserve the seller's shares while a two-firm report waits for its buyer."""
        balance = self.balance(report.sell_member, report.sell_account, report.symbol)
        balance.resting += report.qty
        self.reports[report.id] = (balance, report.qty)

    def report_ends(self, report_id: str) -> None:
        """Release what a waiting report reserved: it traded, or the day ended it."""
        waiting = self.reports.pop(report_id, None)
        if waiting is not None:
            waiting[0].resting -= waiting[1]

    def report_trades(self, report: TradeReport) -> None:
        """A report's trade: the seller delivers and the buyer receives, T+2."""
        self.report_ends(report.id)
        self.balance(report.sell_member, report.sell_account, report.symbol).deliverable += (
            report.qty)
        self.balance(report.buy_member, report.buy_account, report.symbol).receivable += (
            report.qty)


_NO_HOLDINGS: Final = (_NO_SECURITIES,
                       "check_before_sell is on, but the exchange has no depository holdings open")


def _has(member: str, account: str, symbol: str, have: int, short: bool) -> str:
    what = "borrowed and not yet sold short" if short else "available to sell"
    return f"{member}/{account} has {have:,} {symbol} {what}"


def _cover(balance: Balance, short: bool) -> int:
    return max(balance.short_sellable() if short else balance.sellable(), 0)


def sell_refusal(balance: Balance | None, qty: int, short: bool) -> Failure | None:
    """NO_SECURITIES for a new sell its balance does not cover: an ordinary sell by the
    sellable shares, a short sale by the borrowing (decision 147); every sell, when the
    engine keeps no holdings (decision 186)."""
    if balance is None:
        return _NO_HOLDINGS
    have = _cover(balance, short)
    if qty <= have:
        return None
    member, account, symbol = balance.key
    order = "short sale" if short else "order"
    return _NO_SECURITIES, (f"{_has(member, account, symbol, have, short)}, the {order} is "
                            f"for {qty:,}")


def amend_refusal(order: Order, new_qty: int) -> Failure | None:
    """NO_SECURITIES for an amend raising a sell by more than its balance still covers: the
    order's own remainder is reserved already, so only the increase is checked."""
    balance = order.holding
    if balance is None:
        return _NO_HOLDINGS
    more = new_qty - order.qty
    have = _cover(balance, order.short)
    if more <= have:
        return None
    member, account, symbol = balance.key
    return _NO_SECURITIES, (f"{_has(member, account, symbol, have, order.short)}, the amend "
                            f"adds {more:,}")


def report_refusal(holdings: Holdings | None, report: TradeReport) -> Failure | None:
    """NO_SECURITIES for a trade report its seller cannot cover (a report carries no short
    flag)."""
    if holdings is None:
        return _NO_HOLDINGS
    have = holdings.available(report.sell_member, report.sell_account, report.symbol)
    if report.qty <= have:
        return None
    return _NO_SECURITIES, (
        f"{_has(report.sell_member, report.sell_account, report.symbol, have, False)}, "
        f"the trade report is for {report.qty:,}")


def link(order: Order, balance: Balance) -> None:
    """Link an order to its account's balance, a sell reserving its remainder."""
    order.holding = balance
    reserve(order, order.remaining)
    bound(order)


def reserve(order: Order, qty: int) -> None:
    """Reserve (or, negative, release) shares of a linked sell's balance; count (or uncount)
    what a linked buy wants."""
    balance = order.holding
    if balance is None:
        return
    if order.side is not _SELL:
        balance.buying += qty
        if balance.buying <= 0:
            balance.buy_ceiling = NO_PRICE_BELOW
    else:
        if order.short:
            balance.short_resting += qty
        else:
            balance.resting += qty
        if balance.resting + balance.short_resting <= 0:
            balance.sell_floor = NO_PRICE_ABOVE


def bound(order: Order) -> None:
    """Widen its balance's price bounds to a linked order's price (an unpriced order's: every
    price), as it is linked or re-priced."""
    balance = order.holding
    if balance is None:
        return
    priced = order.type is _LIMIT
    if order.side is _SELL:
        price = order.price if priced else NO_PRICE_BELOW
        if price < balance.sell_floor:
            balance.sell_floor = price
    else:
        price = order.price if priced else NO_PRICE_ABOVE
        if price > balance.buy_ceiling:
            balance.buy_ceiling = price


def release(order: Order) -> None:
    """Release what an order leaving the book unfilled still reserved, and unlink it."""
    if order.holding is not None:
        reserve(order, -order.remaining)
        order.holding = None


def traded(buy: Order, sell: Order, qty: int) -> None:
    """Move both sides' balances by a trade between two linked orders."""
    bought = buy.holding
    if bought is not None:
        bought.receivable += qty
        bought.buying -= qty
        if bought.buying <= 0:
            bought.buy_ceiling = NO_PRICE_BELOW
    sold = sell.holding
    if sold is not None:
        if sell.short:
            sold.short_resting -= qty
            sold.short_sold += qty
        else:
            sold.resting -= qty
            sold.deliverable += qty
        if sold.resting + sold.short_resting <= 0:
            sold.sell_floor = NO_PRICE_ABOVE
