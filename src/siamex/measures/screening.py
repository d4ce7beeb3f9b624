"""Central order screening: short sales and program-trading orders refused SCREENED before they
reach the book (S-14MEASURES; issue 15; docs/surveillance.md).

The engine consults the screening (siamex.trading.screen) about each new order it would take,
while the day's rulebook has `order_screening` on, for the orders the measure names: short
sales (`NewOrder.short`) and program-trading orders, those of an account the day lists as
high-frequency (StartDay.accounts; set-trading-rules.md 9). Three rules, in this order, each
refusal naming its rule:

    wash       the order would trade with a resting order of the same investor on the other
               side of the same security and board, entered through any member: its price
               reaches that order's, or one of them has none (decision 165)
    push       a buy priced more than screen_price_pct above the reference price, or a sell
               that far below it; an order without a price is judged at the price it can
               reach (decision 166)
    layering   the account has cancelled screen_cancel_limit orders without a fill within the
               last screen_cancel_seconds (decision 167)

A buy exactly screen_price_pct above the reference passes, one tick more is refused; the cancel
count refuses at its limit ("cancelled 20 orders"), one fewer passes.

The wash rule reads the engine's book when a screened order comes, only as far as the order's
price reaches, and only when the investor's balances in the engine's holdings count a live
order on the other side, so that only screened orders pay for it, and little. What the
screening keeps itself is each account's cancels of orders without a fill, which the engine
reports as it runs a member's cancel.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from typing import Any, Final

import msgspec

from siamex.errors import ErrorCode, SiamexError
from siamex.measures.investors import Investors
from siamex.measures.percent import change_pct, format_pct
from siamex.measures.screening_state import ScreeningState, UnfilledCancels
from siamex.rulebook.parameters import DEFAULT_RULEBOOK, Rulebook
from siamex.trading.balance import NO_PRICE_ABOVE, NO_PRICE_BELOW
from siamex.trading.book import NO_ASK, NO_BID, Book, first_at_or_above, first_at_or_below
from siamex.trading.commands import NewOrder
from siamex.trading.enums import OrderType, Side
from siamex.trading.holdings import NVDR, Holdings
from siamex.trading.instrument import Instrument
from siamex.trading.order import Order
from siamex.trading.rejects import Reject
from siamex.units import US_PER_SECOND, format_price

__all__ = ["Screening"]

_BUY: Final = Side.BUY
_SELL: Final = Side.SELL
_LIMIT: Final = OrderType.LIMIT
_MP_MTL: Final = OrderType.MP_MTL
_SCREENED: Final = Reject.SCREENED

Refusal = tuple[Reject, str]
Own = tuple[frozenset[tuple[str, str]], frozenset[str]]


class Screening:
    """The central order screening of short sales and program-trading orders (a
    siamex.trading.screen.Screen)."""

    def __init__(self, investors: Investors) -> None:
        """`investors` says whose each account is (an unlinked account is its own
        investor's)."""
        self._investors = investors
        self._accounts: dict[tuple[str, str], Own] = {}
        self.cancels: dict[tuple[str, str], deque[int]] = {}
        self.window = DEFAULT_RULEBOOK.screen_cancel_seconds * US_PER_SECOND
        self._rules: Rulebook | None = None
        self._push_num = 0
        self._push_den = 1

    def _own(self, member: str, account: str) -> Own:
        """Every (member, account) of the investor behind this account, itself included, and
        their account names (a set a resting order's account is first looked up in)."""
        key = (member, account)
        found = self._accounts.get(key)
        if found is None:
            investors = self._investors
            pairs = frozenset(investors.accounts_of(investors.investor_of(member, account))
                              or (key,))
            found = self._accounts[key] = (pairs, frozenset(a for _, a in pairs))
        return found

    # -- the pre-trade check --------------------------------------------------------------

    def check(self, command: NewOrder, inst: Instrument, rules: Rulebook,
              holdings: Holdings | None) -> Refusal | None:
        """Refuse a screened order that breaks a screening rule; None lets it through. The
        engine asks only about the orders the screening names, its own checks passed."""
        return (self._wash(command, inst, holdings) or self._push(command, inst, rules)
                or self._layering(command, rules))

    def _wash(self, command: NewOrder, inst: Instrument,
              holdings: Holdings | None) -> Refusal | None:
        reach: int | None = NO_PRICE_BELOW if command.side is _BUY else NO_PRICE_ABOVE
        if holdings is not None:  # without them, the investor's orders may be anywhere
            reach = self._own_reach(command, holdings)
        if reach is None:
            return None
        own = self._own_crossing(command, _book(inst, command), reach)
        if own is None:
            return None
        return _SCREENED, (f"screened (wash): the {command.side.value} would trade with a "
                           f"resting {own.side.value} of the same investor "
                           f"({_named(own, command)})")

    def _own_reach(self, command: NewOrder, holdings: Holdings) -> int | None:
        """How far into the other side the investor's own live orders may lie, as its
        accounts' balances count and bound them (decision 186): for a sell, the highest price
        of its buys; for a buy, the lowest of its sells. None when none of them can be reached
        at the order's price: most screened orders, which need not read the book."""
        selling = command.side is _SELL
        limit = command.price if command.type is _LIMIT and command.price is not None else (
            NO_PRICE_BELOW if selling else NO_PRICE_ABOVE)  # an unpriced order reaches all
        symbols = ((command.symbol, command.symbol + NVDR) if command.symbol in holdings.nvdr
                   else (command.symbol,))
        balances = [balance for member, account in self._own(command.member, command.account)[0]
                    for symbol in symbols
                    if (balance := holdings.find(member, account, symbol)) is not None]
        if selling:
            ceilings = [b.buy_ceiling for b in balances if b.buying > 0 and b.buy_ceiling >= limit]
            return max(ceilings) if ceilings else None
        floors = [b.sell_floor for b in balances
                  if b.resting + b.short_resting > 0 and b.sell_floor <= limit]
        return min(floors) if floors else None

    def _own_crossing(self, command: NewOrder, book: Book, reach: int) -> Order | None:
        """The first resting order of the same investor the order would trade with, in the
        book's priority: on the other side, waiting for the auction without a price, or
        priced at or inside the order's limit (every one for an order without a limit;
        decision 165). Only the levels between `reach` (no order of the investor lies beyond
        it) and the order's limit are read."""
        pairs, names = self._own(command.member, command.account)
        buying = command.side is _BUY
        for order in (book.ato_sells if buying else book.ato_buys).values():
            if order.account in names and (order.member, order.account) in pairs:
                return order
        limit = command.price if command.type is _LIMIT else None
        if buying:  # offers descend to the best: start at the last priced at or above reach
            levels = book.ask_levels
            index = first_at_or_below(levels, reach - 1) - 1
        else:  # bids ascend to the best: start at the last priced at or below reach
            levels = book.bid_levels
            index = first_at_or_above(levels, reach + 1) - 1
        while index >= 0:
            level = levels[index]
            if limit is not None and (level.price > limit if buying else level.price < limit):
                return None
            found = level.head
            while found is not None:
                if found.account in names and (found.member, found.account) in pairs:
                    return found
                found = found.next
            index -= 1
        return None

    def _push(self, command: NewOrder, inst: Instrument, rules: Rulebook) -> Refusal | None:
        buying = command.side is _BUY
        if command.type is _LIMIT:
            assert command.price is not None
            price = command.price
        else:
            reach = _reach(_book(inst, command), command)
            if reach is None:  # nothing to trade with: it cannot move the price
                return None
            price = reach
        reference = inst.reference()
        if rules is not self._rules:  # the limit's terms, read once per rulebook
            self._rules = rules
            self._push_num = rules.screen_price_pct.numerator
            self._push_den = rules.screen_price_pct.denominator
        away = price - reference if buying else reference - price
        # decision 166, in integers: away/reference*100 > limit, the Fraction only for the text
        if reference <= 0 or away * 100 * self._push_den <= self._push_num * reference:
            return None
        limit = rules.screen_price_pct
        said = (f"{command.side.value} at {format_price(price)}" if command.type is _LIMIT
                else f"{command.side.value} at market (reaching {format_price(price)})")
        where = "above" if buying else "below"
        move = change_pct(reference, price)
        return _SCREENED, (f"screened (push): {said} is {format_pct(abs(move))} {where} "
                           f"{format_price(reference)}, more than "
                           f"{format_pct(limit)}")

    def _layering(self, command: NewOrder, rules: Rulebook) -> Refusal | None:
        times = self.cancels.get((command.member, command.account))
        if not times:
            return None
        since = command.ts - rules.screen_cancel_seconds * US_PER_SECOND
        while times and times[0] < since:  # decision 167: exactly the window counts
            times.popleft()
        count = len(times)
        if count < rules.screen_cancel_limit:
            return None
        return _SCREENED, (f"screened (layering): {command.member}/{command.account} cancelled "
                           f"{count} orders without a fill in the last "
                           f"{rules.screen_cancel_seconds} seconds (limit "
                           f"{rules.screen_cancel_limit})")

    # -- what the engine did ---------------------------------------------------------------

    def cancelled(self, order: Order, ts: int) -> None:
        """Count a member's cancel of an order without a fill (the engine tells only those)."""
        key = (order.member, order.account)
        times = self.cancels.get(key)
        if times is None:
            times = self.cancels[key] = deque()
        times.append(ts)
        since = ts - self.window
        while times[0] < since:
            times.popleft()

    def start_day(self, rules: Rulebook) -> None:
        """Cancels are counted within a trading day (decision 167), over its rulebook's
        window."""
        self.cancels.clear()
        self.window = rules.screen_cancel_seconds * US_PER_SECOND

    # -- the snapshot ----------------------------------------------------------------------

    def state(self) -> dict[str, Any]:
        """The screening's state as plain data (for the server's snapshot), sorted."""
        cancels = [UnfilledCancels(member, account, list(times))
                   for (member, account), times in sorted(self.cancels.items()) if times]
        result: dict[str, Any] = msgspec.to_builtins(ScreeningState(cancels, self.window))
        return result

    @classmethod
    def from_state(cls, state: Mapping[str, Any] | Any, investors: Investors) -> Screening:
        """Rebuild the screening from `state()`'s data; refuse anything else (MEASURES_STATE)."""
        try:
            data = msgspec.convert(state, ScreeningState)
        except msgspec.ValidationError as exc:
            raise SiamexError(ErrorCode.MEASURES_STATE,
                              f"not a screening state: {exc}") from None
        screening = cls(investors)
        screening.window = data.window
        if len({(c.member, c.account) for c in data.cancels}) != len(data.cancels):
            raise SiamexError(ErrorCode.MEASURES_STATE,
                              "not a screening state: an account is listed twice")
        for c in data.cancels:
            screening.cancels[(c.member, c.account)] = deque(sorted(c.times))
        return screening


def _book(inst: Instrument, command: NewOrder) -> Book:
    """The board the order goes to: odd lots have their own book."""
    return inst.odd if command.qty < inst.lot and inst.odd is not None else inst.book


def _reach(book: Book, command: NewOrder) -> int | None:
    """The furthest price an order without a price can trade at (decision 166): an MP-MTL
    order the best opposite price, any other the last opposite level its quantity reaches
    (the whole side when it is thinner); None when the other side is empty."""
    buying = command.side is _BUY
    best = book.best_ask if buying else book.best_bid
    if best == (NO_ASK if buying else NO_BID):
        return None
    if command.type is _MP_MTL:
        return best
    left = command.qty
    price = best
    for level in book.levels(_SELL if buying else _BUY):
        price = level.price
        left -= level.qty
        if left <= 0:
            break
    return price


def _named(own: Order, command: NewOrder) -> str:
    """The resting order by its id and price when the same member sent it; of another
    member's order this one learns nothing but that it exists (decision 165)."""
    if own.member != command.member:
        return "an order through another member"
    price = f" at {format_price(own.price)}" if own.type is _LIMIT else " without a price"
    return f"order {own.id}{price}"
