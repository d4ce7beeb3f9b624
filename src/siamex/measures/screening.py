"""Central order screening: short sales and program-trading orders refused SCREENED before they
reach the book (S-14MEASURES; issue 15; docs/surveillance.md).

The screening is a pre-trade measure (siamex.measures.gate's `PreTrade`): the gate asks it about
each new order the engine's own checks would accept, and tells it the events of every command
the engine ran. It acts only while the day's rulebook has `order_screening` on, and only on the
orders the measure names: short sales (`NewOrder.short`) and program-trading orders, those of
an account the day lists as high-frequency (StartDay.accounts; set-trading-rules.md 9). Three
rules, in this order, each refusal naming its rule:

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

The resting orders are the engine's own book, read when a screened order comes (so only screened
orders pay for the wash rule); what the screening keeps itself is each account's cancels of
orders without a fill, learnt from the engine's order as a member's cancel reaches it (the
gate's `before`), so that no other command or event costs it anything.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator, Mapping
from typing import Any, Final, cast

import msgspec

from siamex.errors import ErrorCode, SiamexError
from siamex.measures.percent import change_pct, format_pct
from siamex.measures.screening_state import ScreeningState, UnfilledCancels
from siamex.rulebook.parameters import DEFAULT_RULEBOOK, Rulebook
from siamex.trading.book import NO_ASK, NO_BID, Book
from siamex.trading.commands import CancelOrder, Command, NewOrder, StartDay
from siamex.trading.engine import Engine
from siamex.trading.enums import OrderType, Side
from siamex.trading.events import Cancelled, Event
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
_CANCEL_ORDER: Final = CancelOrder
_CANCELLED: Final = Cancelled

Refusal = tuple[Reject, str]
InvestorOf = Callable[[str, str], str]
class Screening:
    """The central order screening of short sales and program-trading orders."""

    def __init__(self, investor_of: InvestorOf) -> None:
        """`investor_of(member, account)` names the investor behind an account (an unlinked
        account is its own investor)."""
        self._investor_of = investor_of
        self._investors: dict[tuple[str, str], str] = {}
        self._cancelling: Order | None = None
        """The unfilled order a member's cancel names, between `before` and `observe`."""
        self.cancels: dict[tuple[str, str], deque[int]] = {}
        self.window = DEFAULT_RULEBOOK.screen_cancel_seconds * US_PER_SECOND

    def investor(self, member: str, account: str) -> str:
        key = (member, account)
        found = self._investors.get(key)
        if found is None:
            found = self._investors[key] = self._investor_of(member, account)
        return found

    # -- the pre-trade check --------------------------------------------------------------

    def check(self, command: NewOrder, engine: Engine) -> Refusal | None:
        """Refuse a screened order that breaks a screening rule; None lets it through."""
        rules = engine.rules
        if not rules.order_screening:
            return None
        if not command.short and command.account not in engine.hft_accounts:  # decision 164
            return None
        inst = engine.instruments.get(command.symbol)
        if inst is None or (command.type is _LIMIT and command.price is None):
            return None  # the engine refuses it itself, and its refusal wins (gate.PreTrade)
        return (self._wash(command, inst) or self._push(command, inst, rules)
                or self._layering(command, rules))

    def _wash(self, command: NewOrder, inst: Instrument) -> Refusal | None:
        own = self._own_crossing(command, _book(inst, command))
        if own is None:
            return None
        return _SCREENED, (f"screened (wash): the {command.side.value} would trade with a "
                           f"resting {own.side.value} of the same investor "
                           f"({_named(own, command)})")

    def _own_crossing(self, command: NewOrder, book: Book) -> Order | None:
        """The first resting order of the same investor the order would trade with: on the
        other side, priced at or inside the order's limit (every one for an order without a
        limit), or waiting for the auction without a price (decision 165)."""
        investor = self.investor(command.member, command.account)
        limit = command.price if command.type is _LIMIT else None
        for order in _opposite(book, command.side is _BUY, limit):
            if self.investor(order.member, order.account) == investor:
                return order
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
        limit = rules.screen_price_pct
        away = price - reference if buying else reference - price
        # decision 166, in integers: away/reference*100 > limit, the Fraction only for the text
        if reference <= 0 or away * 100 * limit.denominator <= limit.numerator * reference:
            return None
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
        count = sum(1 for ts in times if ts >= since)  # decision 167: exactly the window counts
        if count < rules.screen_cancel_limit:
            return None
        return _SCREENED, (f"screened (layering): {command.member}/{command.account} cancelled "
                           f"{count} orders without a fill in the last "
                           f"{rules.screen_cancel_seconds} seconds (limit "
                           f"{rules.screen_cancel_limit})")

    # -- what the engine did ---------------------------------------------------------------

    def before(self, command: CancelOrder, engine: Engine) -> None:
        """Note the order a member's cancel names if it has not traded: whether the cancel
        counts is known once the engine has run it (a kill switch's never counts)."""
        order = None if command.kill else engine.orders.get(command.id)
        self._cancelling = order if order is not None and not order.filled else None

    def observe(self, command: Command, events: list[Event]) -> None:
        """Count a member's cancel of an order without a fill; start a day's count afresh.
        Only a cancel and a new day concern the screening: every other command passes with
        two identity tests."""
        kind = type(command)
        if kind is _CANCEL_ORDER:
            order, self._cancelling = self._cancelling, None
            if order is None:
                return
            for event in events:
                if type(event) is _CANCELLED and event.id == order.id:
                    self._cancelled((order.member, order.account), command.ts)
        elif kind is StartDay:
            self._start_day(cast(StartDay, command))

    def _start_day(self, command: StartDay) -> None:
        """Cancels are counted within a trading day (decision 167), over its rulebook's
        window."""
        self.cancels.clear()
        self.window = Rulebook(command.rules).screen_cancel_seconds * US_PER_SECOND

    def _cancelled(self, key: tuple[str, str], ts: int) -> None:
        times = self.cancels.get(key)
        if times is None:
            times = self.cancels[key] = deque()
        times.append(ts)
        since = ts - self.window
        while times[0] < since:
            times.popleft()

    # -- the snapshot ----------------------------------------------------------------------

    def state(self) -> dict[str, Any]:
        """The screening's state as plain data (for the server's snapshot), sorted."""
        cancels = [UnfilledCancels(member, account, list(times))
                   for (member, account), times in sorted(self.cancels.items()) if times]
        result: dict[str, Any] = msgspec.to_builtins(ScreeningState(cancels, self.window))
        return result

    @classmethod
    def from_state(cls, state: Mapping[str, Any] | Any, investor_of: InvestorOf) -> Screening:
        """Rebuild the screening from `state()`'s data; refuse anything else (MEASURES_STATE)."""
        try:
            data = msgspec.convert(state, ScreeningState)
        except msgspec.ValidationError as exc:
            raise SiamexError(ErrorCode.MEASURES_STATE,
                              f"not a screening state: {exc}") from None
        screening = cls(investor_of)
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


def _opposite(book: Book, buying: bool, limit: int | None) -> Iterator[Order]:
    """The resting orders an order on one side could trade with: the other side's orders
    waiting for the auction, then its priced orders from the best price to `limit`."""
    yield from (book.ato_sells if buying else book.ato_buys).values()
    for level in reversed(book.ask_levels if buying else book.bid_levels):
        if limit is not None and (level.price > limit if buying else level.price < limit):
            return
        yield from level


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
