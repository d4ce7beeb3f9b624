"""The availability ledger: what each investor account may sell now, moved by the day's events.

Per (member, account, holding symbol) it keeps the start-of-day holding (siamex.measures.
depository.Holding) and what the day did to it:

    sellable       = settled + receivable - deliverable - resting - pledged - lent
    short sellable = borrowed - short_sold - short_resting

    event (its command)                    ordinary sell           short sale       buy
    Accepted (NewOrder)                    resting += qty          short_resting    -
    Amended                                resting += new remaining - old remaining
    Cancelled (member, engine, expiry)     resting -= remaining    short_resting    -
    Trade (continuous or auction)          resting -> deliverable  short_resting    receivable
                                                                   -> short_sold    += qty
    TradeReportPending (TradeReport)       the seller's resting += qty until it trades
    Trade of a trade report                that reserve released, the seller's deliverable +=
                                           qty, the buyer's receivable += qty

A sell's reservation is its remaining quantity, so a partly filled order holds only what it
may still sell. The ledger follows live sells, and NVDR buys (whose trades name the ordinary
symbol); an ordinary buy's trade names its holding itself. GTC and GTD orders carried into the
next day keep their reservation: the engine re-rests them without an Accepted event
(siamex.trading.overnight.carry_in) and cancels those it drops, which releases them (decision
152). Settlement needs no modelling: delivering a sale takes the shares from settled and
deliverable alike, receiving a purchase moves them from receivable to settled, so every figure
above is unchanged by T+2 settlement (decision 151).

Pure: fed the engine's commands and events in order, it gives the same figures on every run.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Final, cast

from msgspec.structs import astuple

from siamex.errors import ErrorCode, SiamexError
from siamex.measures.depository import QUANTITIES, Holding
from siamex.trading.commands import Command, NewOrder, TradeReport
from siamex.trading.enums import Board, Side
from siamex.trading.events import (
    Accepted,
    Amended,
    Cancelled,
    Event,
    Trade,
    TradeReportPending,
)
from siamex.trading.order import Order

__all__ = ["Availability", "Balance", "Key"]

Key = tuple[str, str, str]
"""(member, account, holding symbol): one investor account's holding of one security."""

_SELL: Final = Side.SELL
# Compiled by mypyc, a Final module name is a C static (siamex.trading.engine does the same)
_TRADE: Final = Trade
_ACCEPTED: Final = Accepted
_CANCELLED: Final = Cancelled
_AMENDED: Final = Amended
_PENDING: Final = TradeReportPending
_ASTUPLE: Final = astuple
_TradeFields = tuple[int, int, str, Board, int, int, str, str, str, int, int, str, str, str, str,
                     str, str]
_REPORT: Final = "trade_report"
_NVDR: Final = "-R"  # siamex.measures.depository.holding_symbol, inlined on the hot path
_MAX_KEY_TEXT: Final = 64
_MAX_QTY: Final = 10**15  # any figure of a saved state: start-of-day bound times a day's flow


class Balance:
    """One holding: the start-of-day figures and the day's movements (module docstring)."""

    __slots__ = ("borrowed", "deliverable", "lent", "pledged", "receivable", "resting",
                 "settled", "short_resting", "short_sold")

    def __init__(self, settled: int = 0, receivable: int = 0, deliverable: int = 0,
                 pledged: int = 0, borrowed: int = 0, lent: int = 0, short_sold: int = 0,
                 resting: int = 0, short_resting: int = 0) -> None:
        self.settled = settled
        self.receivable = receivable
        self.deliverable = deliverable
        self.pledged = pledged
        self.borrowed = borrowed
        self.lent = lent
        self.short_sold = short_sold
        self.resting = resting
        self.short_resting = short_resting

    def sellable(self) -> int:
        """What an ordinary sell may still take; below 0 when sells were let through unchecked."""
        return (self.settled + self.receivable - self.deliverable - self.resting
                - self.pledged - self.lent)

    def short_sellable(self) -> int:
        """What a short sale may still take: the borrowing not yet sold or offered short."""
        return self.borrowed - self.short_sold - self.short_resting

    def figures(self) -> list[int]:
        """The figures in the order of `Balance(...)`'s parameters, for a saved state."""
        return [self.settled, self.receivable, self.deliverable, self.pledged, self.borrowed,
                self.lent, self.short_sold, self.resting, self.short_resting]


class _Live:
    """A live order (or a two-firm trade report waiting for its buyer) the ledger follows:
    the holding it moves, and for a sell how much of it is still reserved."""

    __slots__ = ("balance", "key", "remaining", "sell", "short")

    def __init__(self, key: Key, balance: Balance, sell: bool, short: bool,
                 remaining: int) -> None:
        self.key = key
        self.balance = balance  # the key's, held so that a fill or cancel looks up nothing
        self.sell = sell
        self.short = short
        self.remaining = remaining

    def reserve(self, qty: int) -> None:
        """Reserve (or, negative, release) shares of the sell's holding."""
        if self.short:
            self.balance.short_resting += qty
        else:
            self.balance.resting += qty


class Availability:
    """Every investor account's holdings and the live orders reserving them."""

    def __init__(self, holdings: Iterable[Holding] = ()) -> None:
        self._balances: dict[Key, Balance] = {}
        self._live: dict[str, _Live] = {}
        self.load(holdings)

    # -- figures -------------------------------------------------------------------------------

    def balance(self, key: Key) -> Balance:
        """The holding's balance; an account the depository did not list holds nothing."""
        found = self._balances.get(key)
        if found is None:
            found = self._balances[key] = Balance()
        return found

    def available(self, member: str, account: str, symbol: str, *, short: bool = False) -> int:
        """What the account may sell now (never below 0): ordinarily, or short (`symbol` the
        holding's, "PTT-R" for NVDRs)."""
        found = self._balances.get((member, account, symbol))
        if found is None:
            return 0
        return max(found.short_sellable() if short else found.sellable(), 0)

    def key_of(self, order_id: str) -> Key | None:
        """The holding a live order moves, if the ledger follows it."""
        live = self._live.get(order_id)
        return None if live is None else live.key

    def load(self, holdings: Iterable[Holding]) -> None:
        """Take a day's start-of-day holdings: every holding's figures are replaced (an account
        the new ones omit holds nothing), and the live orders keep their reservations."""
        for balance in self._balances.values():
            balance.settled = balance.receivable = balance.deliverable = balance.pledged = 0
            balance.borrowed = balance.lent = balance.short_sold = 0
        for holding in holdings:
            balance = self.balance((holding.member, holding.account, holding.symbol))
            (balance.settled, balance.receivable, balance.deliverable, balance.pledged,
             balance.borrowed, balance.lent, balance.short_sold) = (
                getattr(holding, name) for name in QUANTITIES)

    # -- the day's flow ------------------------------------------------------------------------

    def observe(self, command: Command, events: list[Event]) -> None:
        """Move the holdings by one command's events (the module docstring's table)."""
        for event in events:
            kind = type(event)  # identity tests, most frequent first: every event comes here
            if kind is _TRADE:
                self._trade(cast(Trade, event))
            elif kind is _ACCEPTED:
                self._accepted(command, cast(Accepted, event))
            elif kind is _CANCELLED:
                self._cancelled(cast(Cancelled, event))
            elif kind is _AMENDED:
                self._amended(cast(Amended, event))
            elif kind is _PENDING:
                self._pending(command)

    def adopt(self, orders: Iterable[Order]) -> None:
        """Follow live sells the ledger has not seen (those of an engine restored from a saved
        state), each reserving its remainder; an NVDR sell among them moves the ordinary
        holding, the engine's state not knowing the flag."""
        for order in orders:
            if order.side is _SELL and order.id not in self._live:
                self._follow(order.id, (order.member, order.account, order.symbol), True,
                             order.short, order.remaining)

    def _follow(self, order_id: str, key: Key, sell: bool, short: bool, qty: int) -> None:
        live = self._live[order_id] = _Live(key, self.balance(key), sell, short, qty)
        if sell:
            live.reserve(qty)

    def _accepted(self, command: Command, event: Accepted) -> None:
        nvdr = short = False
        if type(command) is NewOrder and command.id == event.id:
            nvdr, short = command.nvdr, command.short  # the event carries neither flag
        sell = event.side is _SELL
        if sell or nvdr:  # an ordinary buy's trades name its holding themselves
            key = (event.member, event.account, event.symbol + _NVDR if nvdr else event.symbol)
            self._follow(event.id, key, sell, short, event.qty)

    def _pending(self, command: Command) -> None:
        if isinstance(command, TradeReport):
            self._follow(command.id, (command.sell_member, command.sell_account,
                                      command.symbol), True, False, command.qty)

    def _amended(self, event: Amended) -> None:
        live = self._live.get(event.id)
        if live is None:
            return
        change = event.remaining - live.remaining
        live.remaining = event.remaining
        if live.sell:
            live.reserve(change)

    def _cancelled(self, event: Cancelled) -> None:
        live = self._live.pop(event.id, None)
        if live is not None and live.sell:
            live.reserve(-live.remaining)

    def _trade(self, trade: Trade) -> None:
        fields: _TradeFields = _ASTUPLE(trade)  # one C call, as the engine reads commands
        (_, _, symbol, _, _, qty, aggressor, buy_id, sell_id, _, _, buy_member, buy_account,
         sell_member, sell_account, _, _) = fields
        live = self._live
        if aggressor == _REPORT:  # buy_id == sell_id, the report's
            waiting = live.pop(sell_id, None)
            if waiting is not None:
                waiting.balance.resting -= waiting.remaining
            self.balance((sell_member, sell_account, symbol)).deliverable += qty
            self.balance((buy_member, buy_account, symbol)).receivable += qty
            return
        sell = live.get(sell_id)
        if sell is None:
            self.balance((sell_member, sell_account, symbol)).deliverable += qty
        else:
            balance = sell.balance
            if sell.short:
                balance.short_resting -= qty
                balance.short_sold += qty
            else:
                balance.resting -= qty
                balance.deliverable += qty
            sell.remaining -= qty
            if sell.remaining <= 0:
                del live[sell_id]
        buy = live.get(buy_id)
        if buy is None:
            self.balance((buy_member, buy_account, symbol)).receivable += qty
        else:
            buy.balance.receivable += qty
            buy.remaining -= qty
            if buy.remaining <= 0:
                del live[buy_id]

    # -- saved state ---------------------------------------------------------------------------

    def state(self) -> dict[str, Any]:
        """The ledger as plain data, sorted, for the server's snapshots."""
        return {
            "balances": [[*key, *balance.figures()]
                         for key, balance in sorted(self._balances.items())
                         if any(balance.figures())],
            "orders": [[order_id, *live.key, live.sell, live.short, live.remaining]
                       for order_id, live in sorted(self._live.items())],
        }

    @classmethod
    def from_state(cls, data: Any) -> Availability:
        """Rebuild a ledger from `state()`'s data, refusing anything else (MEASURES_STATE)."""
        ledger = cls()
        if not isinstance(data, dict) or set(data) != {"balances", "orders"}:
            raise _bad("the availability state is an object of `balances` and `orders`")
        balances, orders = data["balances"], data["orders"]
        if not isinstance(balances, list) or not isinstance(orders, list):
            raise _bad("`balances` and `orders` must be lists")
        for number, row in enumerate(balances, 1):
            if not isinstance(row, list) or len(row) != 12:
                raise _bad(f"balances[{number}] must be a key of 3 and 9 figures")
            key = _key(row[:3], f"balances[{number}]")
            if key in ledger._balances:
                raise _bad(f"balances[{number}] repeats {'/'.join(key)}")
            ledger._balances[key] = Balance(*_figures(row[3:], f"balances[{number}]", True))
        for number, row in enumerate(orders, 1):
            where = f"orders[{number}]"
            if not isinstance(row, list) or len(row) != 7:
                raise _bad(f"{where} must be an id, a key of 3, sell, short and remaining")
            order_id, sell, short = row[0], row[4], row[5]
            if not isinstance(order_id, str) or order_id in ledger._live:
                raise _bad(f"{where} has no id or repeats one")
            if not isinstance(sell, bool) or not isinstance(short, bool):
                raise _bad(f"{where}: sell and short are true or false")
            (remaining,) = _figures(row[6:], where, False)
            key = _key(row[1:4], where)
            ledger._live[order_id] = _Live(key, ledger.balance(key), sell, short, remaining)
        return ledger


def _bad(why: str) -> SiamexError:
    return SiamexError(ErrorCode.MEASURES_STATE, why)


def _key(parts: list[Any], where: str) -> Key:
    if not all(isinstance(p, str) and 0 < len(p) <= _MAX_KEY_TEXT for p in parts):
        raise _bad(f"{where}: member, account and symbol are short texts")
    return parts[0], parts[1], parts[2]


def _figures(values: list[Any], where: str, signed: bool) -> list[int]:
    """Figures of a saved state; a balance's may run below 0 only where a day without the
    check let sells through (resting and deliverable never do)."""
    low = -_MAX_QTY if signed else 0
    if not all(isinstance(v, int) and not isinstance(v, bool) and low <= v <= _MAX_QTY
               for v in values):
        raise _bad(f"{where}: figures are whole numbers within {_MAX_QTY:,}")
    return [int(v) for v in values]
