"""Outstanding short positions per investor and security, from the engine's flow
(set-trading-rules.md 8.3; docs/short-positions.md).

A short sale is a trade whose sell order was flagged short. It opens a lot: the investor, the
security, the day and the shares. A buy of the same investor in the same security, from any
of its accounts at any member, buys back its oldest lots first (decision 156). A lot not bought
back leaves the report `short_position_days` calendar days after its sale, as members stop
reporting it then (8.3; decision 157). The sum of the open lots of a security is its
outstanding short position: what the exchange publishes each day, and what the next day's
cap (T14) starts from, given to the engine as the security's `short_outstanding`.

`ShortPositions` observes: `observe` learns from each command and its events. Its state is
plain data, so a server's snapshot or a `--save-state` file can carry it from one day to the
next.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Annotated, Any, Literal

import msgspec

from siamex.clearing.foundations.files import read_json
from siamex.errors import ErrorCode, SiamexError
from siamex.measures.day_run import Handler, InvestorOf, day_pairs
from siamex.measures.short_report import ShortRow
from siamex.rulebook.parameters import Rulebook
from siamex.scenario.loader import Scenario
from siamex.trading.commands import Command, NewOrder, StartDay
from siamex.trading.events import Accepted, Amended, Cancelled, DayStarted, Event, Trade
from siamex.units import InvalidValue, parse_date, shown

__all__ = ["ShortPositions", "load_short_positions", "report_scenario",
           "start_with_outstanding", "write_short_positions"]

_MAX_QTY = 10**15
_MAX_VALUE = 2**63 - 1  # satang: a JSON integer every reader takes
_TRADE_REPORT = "trade_report"
_FRACTION = re.compile(r"([0-9]{1,18})(?:/([0-9]{1,18}))?")


def _reported(sold_on: dt.date, on: dt.date, days: int) -> bool:
    """Whether a lot sold on `sold_on` is still reported on day `on`: members update a
    position "after 60 days from the short sale" (8.3; decision 157)."""
    return (on - sold_on).days < days


@dataclass(slots=True)
class _Lot:
    """Shares sold short on one day and not yet bought back."""

    sold_on: dt.date
    qty: int


@dataclass(slots=True)
class _ShortOrder:
    """A live short sell order: whose it is and how much of it may still trade."""

    investor: str
    symbol: str
    remaining: int


@dataclass(slots=True)
class _Day:
    """A security's short-sale figures of the current day."""

    short_volume: int = 0
    short_value: int = 0
    bought_back: int = 0


class ShortPositions:
    """The open short lots of every investor and security, moved by the day's trades."""

    def __init__(self, investor_of: InvestorOf, *, position_days: int = 60,
                 cap_pct: Fraction = Fraction(10)) -> None:
        """`position_days` and `cap_pct` are the rulebook's `short_position_days` and
        `short_sale_max_pct`; each StartDay observed replaces them with the day's."""
        self.investor_of = investor_of
        self.position_days = position_days
        self.cap_pct = cap_pct
        self.date: dt.date | None = None
        # symbol -> investor -> lots, oldest first (decision 156: first in, first out)
        self._lots: dict[str, dict[str, deque[_Lot]]] = {}
        self._orders: dict[str, _ShortOrder] = {}
        self._day: dict[str, _Day] = {}

    # -- what a day does ------------------------------------------------------------------------

    def observe(self, command: Command, events: list[Event]) -> None:
        """Learn short orders, short sales, buy-backs and new days from a command's events,
        in their order (a StartDay's first events may still be the previous day's close)."""
        short_id = command.id if isinstance(command, NewOrder) and command.short else None
        for event in events:
            if isinstance(event, Trade):
                self._trade(event)
            elif isinstance(event, Accepted):
                if event.id == short_id and isinstance(command, NewOrder):
                    self._orders[event.id] = _ShortOrder(
                        self.investor_of(command.member, command.account), command.symbol,
                        command.qty)
            elif isinstance(event, Cancelled):
                self._orders.pop(event.id, None)
            elif isinstance(event, Amended):
                self._amended(event)
            elif isinstance(event, DayStarted):
                self._start(parse_date(event.date), command)

    # -- what is published ---------------------------------------------------------------------

    def outstanding(self, symbol: str, on: dt.date | None = None, *,
                    days: int | None = None) -> int:
        """A security's short shares not bought back, as of the end of the current day, or
        as of the start of day `on` (lots `days` or more old by then left out; by default the
        current day's `short_position_days`): the next day's `short_outstanding`
        (`start_with_outstanding`)."""
        on = on if on is not None else self.date
        days = days if days is not None else self.position_days
        return sum(lot.qty for lots in self._lots.get(symbol, {}).values() for lot in lots
                   if on is None or _reported(lot.sold_on, on, days))

    def report(self, date: dt.date, listed: Mapping[str, int]) -> list[ShortRow]:
        """The day's report: one row per security with short sales or buy-backs that day or
        an outstanding position, by symbol. `listed` gives each security's listed shares
        (one missing or 0: no percentage, no cap). A later date than the one observed is a
        day without short sales; an earlier one is gone (MEASURES_STATE)."""
        if self.date is not None and date < self.date:
            raise SiamexError(ErrorCode.MEASURES_STATE, (
                f"the short positions are of {self.date.isoformat()}; the report of "
                f"{date.isoformat()} is no longer kept"))
        today = self._day if date == self.date else {}
        rows = []
        for symbol in sorted(set(today) | set(self._lots)):
            figures = today.get(symbol, _Day())
            outstanding = self.outstanding(symbol, date)
            if not (outstanding or figures.short_volume or figures.bought_back):
                continue
            shares = listed.get(symbol, 0)
            cap = shares * self.cap_pct.numerator // (100 * self.cap_pct.denominator)  # T14
            rows.append(ShortRow(
                date.isoformat(), symbol, figures.short_volume, figures.short_value,
                figures.bought_back, outstanding, shares,
                Fraction(outstanding * 100, shares) if shares > 0 else None,
                shares > 0 and outstanding >= cap))
        return rows

    # -- the flow ------------------------------------------------------------------------------

    def _start(self, date: dt.date, command: Command) -> None:
        """Open a day: take its rules, forget yesterday's figures, drop expired lots."""
        if isinstance(command, StartDay):
            rules = Rulebook(command.rules)
            self.position_days = rules.short_position_days
            self.cap_pct = rules.short_sale_max_pct
        self.date = date
        self._day = {}
        for symbol in list(self._lots):
            by_investor = self._lots[symbol]
            for investor in list(by_investor):
                lots = by_investor[investor]
                while lots and not _reported(lots[0].sold_on, date, self.position_days):
                    lots.popleft()
                if not lots:
                    del by_investor[investor]
            if not by_investor:
                del self._lots[symbol]

    def _figures(self, symbol: str) -> _Day:
        figures = self._day.get(symbol)
        if figures is None:
            figures = self._day[symbol] = _Day()
        return figures

    def _trade(self, trade: Trade) -> None:
        """A short sale opens a lot before its buyer buys back: an investor trading with
        itself nets to nothing (decision 156). A trade report is never a short sale."""
        order = self._orders.get(trade.sell_id) if trade.aggressor != _TRADE_REPORT else None
        if order is not None and order.symbol == trade.symbol:
            assert self.date is not None  # a trade happens in a started day
            lots = self._lots.setdefault(trade.symbol, {}).setdefault(order.investor, deque())
            if lots and lots[-1].sold_on == self.date:
                lots[-1].qty += trade.qty
            else:
                lots.append(_Lot(self.date, trade.qty))
            figures = self._figures(trade.symbol)
            figures.short_volume += trade.qty
            figures.short_value += trade.qty * trade.price
            order.remaining -= trade.qty
            if order.remaining <= 0:
                del self._orders[trade.sell_id]
        by_investor = self._lots.get(trade.symbol)
        if by_investor:
            self._buy_back(by_investor, self.investor_of(trade.buy_member, trade.buy_account),
                           trade)

    def _buy_back(self, by_investor: dict[str, deque[_Lot]], investor: str,
                  trade: Trade) -> None:
        lots = by_investor.get(investor)
        if not lots:
            return
        left = trade.qty
        while left and lots:
            taken = min(left, lots[0].qty)
            lots[0].qty -= taken
            left -= taken
            if not lots[0].qty:
                lots.popleft()
        if not lots:
            del by_investor[investor]
            if not by_investor:
                del self._lots[trade.symbol]
        self._figures(trade.symbol).bought_back += trade.qty - left

    def _amended(self, event: Amended) -> None:
        order = self._orders.get(event.id)
        if order is not None:
            order.remaining = event.remaining
            if order.remaining <= 0:
                del self._orders[event.id]

    # -- state ---------------------------------------------------------------------------------

    def state(self) -> dict[str, Any]:
        """The positions as plain data (JSON-ready) for a snapshot or a state file (decision
        163)."""
        data: dict[str, Any] = msgspec.to_builtins(_State(
            version=1, date=None if self.date is None else self.date.isoformat(),
            position_days=self.position_days, cap_pct=str(self.cap_pct),
            lots=[_LotState(investor, symbol, lot.sold_on.isoformat(), lot.qty)
                  for symbol, by_investor in sorted(self._lots.items())
                  for investor, lots in sorted(by_investor.items()) for lot in lots],
            orders=[_OrderState(oid, o.investor, o.symbol, o.remaining)
                    for oid, o in sorted(self._orders.items())],
            day=[_DayState(symbol, d.short_volume, d.short_value, d.bought_back)
                 for symbol, d in sorted(self._day.items())]))
        return data

    @classmethod
    def from_state(cls, data: object, investor_of: InvestorOf) -> ShortPositions:
        """Rebuild the positions from `state()`'s plain data; anything else is refused whole
        with MEASURES_STATE, saying where."""
        try:
            state = msgspec.convert(data, _State)
            return cls._restored(state, investor_of)
        except (msgspec.ValidationError, InvalidValue) as exc:
            raise SiamexError(ErrorCode.MEASURES_STATE,
                              f"not a short positions state: {exc}") from None

    @classmethod
    def _restored(cls, state: _State, investor_of: InvestorOf) -> ShortPositions:
        positions = cls(investor_of, position_days=state.position_days,
                        cap_pct=_read_fraction(state.cap_pct))
        date = None if state.date is None else parse_date(state.date)
        if date is None and (state.lots or state.orders or state.day):
            raise InvalidValue("lots, orders and day figures need the state's date")
        positions.date = date
        for n, lot in enumerate(state.lots):
            sold_on = parse_date(lot.sold_on)
            lots = positions._lots.setdefault(lot.symbol, {}).setdefault(lot.investor, deque())
            if date is None or sold_on > date or (lots and sold_on <= lots[-1].sold_on):
                raise InvalidValue(f"lot {n}: sold_on {lot.sold_on} must come after the "
                                   "investor's earlier lots of the security and not after "
                                   "the state's date")
            lots.append(_Lot(sold_on, lot.qty))
        for order in state.orders:
            if order.id in positions._orders:
                raise InvalidValue(f"order {order.id} is listed twice")
            positions._orders[order.id] = _ShortOrder(order.investor, order.symbol,
                                                      order.remaining)
        for day in state.day:
            if day.symbol in positions._day:
                raise InvalidValue(f"day figures of {day.symbol} are listed twice")
            positions._day[day.symbol] = _Day(day.short_volume, day.short_value,
                                              day.bought_back)
        return positions


def start_with_outstanding(start: StartDay, positions: ShortPositions) -> StartDay:
    """A day's StartDay with every security's `short_outstanding` taken from the positions as
    of its date under its own rules: what the day's cap starts from (T14; decision 158)."""
    day = parse_date(start.date)
    days = Rulebook(start.rules).short_position_days
    return msgspec.structs.replace(start, instruments=tuple(
        msgspec.structs.replace(spec, short_outstanding=positions.outstanding(spec.symbol, day,
                                                                              days=days))
        for spec in start.instruments))


def report_scenario(scenario: Scenario, positions: ShortPositions,
                    handle: Handler) -> list[ShortRow]:
    """Run a scenario's days through `handle` (an engine's, or a measured engine's) with the
    positions observing, and return each day's report after its close. A day the positions
    already know of (a state given, or an earlier day of the run) starts its cap from them."""
    first = scenario.days[0].start.date if scenario.days else None
    if positions.date is not None and first is not None and first <= positions.date.isoformat():
        raise SiamexError(ErrorCode.MEASURES_STATE, (
            f"the short positions are of {positions.date.isoformat()}; the scenario's first "
            f"day {first} must come later"))
    rows: list[ShortRow] = []
    for plan in scenario.days:
        if positions.date is not None:
            plan = dataclasses.replace(plan, start=start_with_outstanding(plan.start, positions))
        for command, events in day_pairs(plan, handle):
            positions.observe(command, events)
        rows += positions.report(parse_date(plan.start.date),
                                 {spec.symbol: spec.listed_shares
                                  for spec in plan.start.instruments})
    return rows


def load_short_positions(path: Path, investor_of: InvestorOf) -> ShortPositions:
    """Read a short positions state file that `write_short_positions` wrote."""
    data = read_json(path, ErrorCode.MEASURES_STATE)
    try:
        return ShortPositions.from_state(data, investor_of)
    except SiamexError as exc:
        raise SiamexError(exc.code, f"{path}: {exc.message}") from None


def write_short_positions(positions: ShortPositions, path: Path) -> None:
    """Write the positions for the next day's run (`--state`)."""
    try:
        path.write_bytes(msgspec.json.format(msgspec.json.encode(positions.state()), indent=1))
    except OSError as exc:
        raise SiamexError(ErrorCode.FILE_NOT_FOUND, f"cannot write {path}: {exc.strerror}"
                          ) from None


# -- the state's form ----------------------------------------------------------------------------

_Name = Annotated[str, msgspec.Meta(min_length=1, max_length=256)]
_Qty = Annotated[int, msgspec.Meta(ge=1, le=_MAX_QTY)]
_Count = Annotated[int, msgspec.Meta(ge=0, le=_MAX_QTY)]
_Date = Annotated[str, msgspec.Meta(max_length=10)]


class _LotState(msgspec.Struct, forbid_unknown_fields=True):
    investor: _Name
    symbol: _Name
    sold_on: _Date
    qty: _Qty


class _OrderState(msgspec.Struct, forbid_unknown_fields=True):
    id: _Name
    investor: _Name
    symbol: _Name
    remaining: _Qty


class _DayState(msgspec.Struct, forbid_unknown_fields=True):
    symbol: _Name
    short_volume: _Count
    short_value: Annotated[int, msgspec.Meta(ge=0, le=_MAX_VALUE)]
    bought_back: _Count


class _State(msgspec.Struct, forbid_unknown_fields=True):
    version: Literal[1]
    date: _Date | None
    position_days: Annotated[int, msgspec.Meta(ge=1, le=3_650)]
    cap_pct: Annotated[str, msgspec.Meta(max_length=40)]
    lots: list[_LotState]
    orders: list[_OrderState]
    day: list[_DayState]


def _read_fraction(text: str) -> Fraction:
    """A percentage 0 to 100 as `str(Fraction)` writes it ("10", "21/2"), read exactly."""
    match = _FRACTION.fullmatch(text)
    denominator = int(match.group(2) or 1) if match else 0
    value = Fraction(int(match.group(1)), denominator) if match and denominator else None
    if value is None or not 0 <= value <= 100:
        raise InvalidValue(f"cap_pct must be a percentage 0 to 100 such as \"10\" or \"21/2\", "
                           f"got {shown(text)}")
    return value
