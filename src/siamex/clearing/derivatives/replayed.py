"""The derivatives trades of a `siamex replay` run of a TFEX scenario, taken in as the CSV trade
file's are (docs/derivatives.md, "Trades from the engine").

Why a reader of its own: the engine's output says neither a trade's session nor the date it
clears on. A `day` line gives the trading date D, and every line after it belongs to D's
trading day, its night session past midnight included; a trade's session follows from its
series' product sessions and its wall-clock time, and a night trade clears on the business day
after D (decision 93). So one output (several days, or yesterday's and today's runs given
together) holds trades of several clearing dates: a clearing day keeps its own and counts the
others (decision 113).

Every trade line is checked as a CSV row is: its fields, bounds, accounts (with the member the
engine gave each) and session; the trades a day keeps also by the day's series check (listed,
on tick, by the cut-off), which knows that day's listing only. The first fault refuses the
whole input with `TRADE_FILE` naming the line: half a day's trades would leave positions
nobody holds. Lines of other events are skipped.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from operator import attrgetter
from pathlib import Path
from typing import Any

from siamex.clearing.derivatives.accounts import AccountBook
from siamex.clearing.derivatives.fills import MAX_CONTRACTS, MAX_PRICE, Flag
from siamex.clearing.derivatives.trades import (
    DerivativesTrade,
    SeriesCheck,
    TradingSession,
    session_order,
)
from siamex.clearing.foundations.files import decode_json
from siamex.errors import ErrorCode, SiamexError, read_input
from siamex.rulebook.products import ProductTable, Session
from siamex.rulebook.series import clearing_date, parse_symbol
from siamex.units import US_PER_DAY, format_hhmm, parse_date, parse_price, parse_time_of_day, shown

__all__ = ["REPLAY_SUFFIX", "ReplayedTrades", "read_replayed", "trades_from_replay"]

REPLAY_SUFFIX = ".jsonl"
"""How a trade file that is a `siamex replay` output is named."""

_FIELDS = ("at", "symbol", "price", "qty", "trade_no", "buy_member", "buy_account",
           "sell_member", "sell_account", "buy_effect", "sell_effect")
_ONE_DAY = dt.timedelta(days=1)


@dataclass(frozen=True, slots=True)
class ReplayedTrades:
    """Every trade of a replay output in its order, each dated by the business day it clears
    on, with the line it was read from; `last_day` is the trading date of the last `day`
    line (None without one), the day a run of the output clears by default."""

    trades: tuple[DerivativesTrade, ...]
    lines: tuple[int, ...]
    last_day: dt.date | None

    def clearing_on(self, day: dt.date, check: SeriesCheck
                    ) -> tuple[tuple[DerivativesTrade, ...], int]:
        """The trades that clear on `day`, each passed by `check` and in time order (the
        night session's first), and how many trades clear on another date."""
        kept: list[DerivativesTrade] = []
        for trade, line in zip(self.trades, self.lines, strict=True):
            if trade.date == day:
                _series_checked(trade, line, check)
                kept.append(trade)
        return tuple(sorted(kept, key=attrgetter("at"))), len(self.trades) - len(kept)


def _series_checked(trade: DerivativesTrade, line: int, check: SeriesCheck) -> None:
    try:
        check(trade)
    except SiamexError as exc:
        raise SiamexError(ErrorCode.TRADE_FILE, f"line {line}: {exc.message}") from None


def _event(line: bytes) -> dict[str, Any]:
    """One line's event; anything but a JSON object is not a replay's output."""
    try:
        event = decode_json(line)
    except ValueError as exc:
        raise ValueError(f"not JSON: {exc}") from None
    if not isinstance(event, dict):
        raise ValueError("not a replay event: each line is a JSON object")
    return event


def _text(event: dict[str, Any], name: str) -> str:
    value = event.get(name)
    if not isinstance(value, str):
        raise ValueError(f"{name} must be a string, got {shown(value)}")
    return value


def _qty(event: dict[str, Any]) -> int:
    qty = event["qty"]
    if type(qty) is not int or not 1 <= qty <= MAX_CONTRACTS:
        raise ValueError(f"qty must be 1 to {MAX_CONTRACTS:,} contracts, got {shown(qty)}")
    return qty


def _trade_no(event: dict[str, Any]) -> int:
    number = event["trade_no"]
    if type(number) is not int or number < 1:
        raise ValueError(f"trade_no must be a whole number above zero, got {shown(number)}")
    return number


def _price(event: dict[str, Any]) -> int:
    price = parse_price(event["price"])
    if not 0 < price <= MAX_PRICE:
        raise ValueError(f"price must be above zero and at most {MAX_PRICE // 100:,}")
    return price


def _side(event: dict[str, Any], side: str, accounts: AccountBook) -> tuple[str, Flag]:
    """A side's account, registered under the member the engine gave it, and its flag."""
    account = _text(event, f"{side}_account")
    registered = accounts.account(account)
    if registered is None:
        raise ValueError(f"{side}_account {shown(account)} is not registered")
    if registered.member != event[f"{side}_member"]:
        raise ValueError(f"{side}_account {account} is member {registered.member}'s, the "
                         f"trade says {shown(event[f'{side}_member'])}")
    effect = event[f"{side}_effect"]
    if effect not in (Flag.OPEN, Flag.CLOSE):
        raise ValueError(f"{side}_effect must be open or close, got {shown(effect)}")
    return account, Flag(effect)


def _session(time: int, sessions: tuple[Session, ...]) -> tuple[Session, int]:
    """4.10: the product's session a trading day's wall-clock time falls in, and how many
    calendar days after the trading date the time is on (1: past midnight, night only)."""
    for session in sessions:
        if session.pre_open_start <= time <= session.close:
            return session, 0
        if session.is_night and time <= session.close - US_PER_DAY:
            return session, 1
    raise ValueError(f"no session of the series' product is open at {format_hhmm(time)}")


def _trade(event: dict[str, Any], day: dt.date, accounts: AccountBook,
           sessions: tuple[Session, ...]) -> DerivativesTrade:
    """A trade line of trading date `day` as the clearing house takes it."""
    time = parse_time_of_day(_text(event, "at"))
    session, days_on = _session(time, sessions)
    cleared = clearing_date(day + days_on * _ONE_DAY, time, session)  # decision 93
    kind = TradingSession.NIGHT if session.is_night else TradingSession.DAY
    qty, price = _qty(event), _price(event)
    buy, buy_flag = _side(event, "buy", accounts)
    sell, sell_flag = _side(event, "sell", accounts)
    return DerivativesTrade(f"{day}-{_trade_no(event)}", cleared, kind,
                            session_order(kind, time), _text(event, "symbol"), qty, price, buy,
                            buy_flag, sell, sell_flag)


class _Reader:
    """A replay output's lines read in turn: the trading date the last `day` line set, the
    trades so far, and each series' product sessions, looked up once."""

    def __init__(self, accounts: AccountBook, products: ProductTable) -> None:
        self.accounts = accounts
        self.products = products
        self.day: dt.date | None = None
        self.trades: list[DerivativesTrade] = []
        self.lines: list[int] = []
        self.ids: set[str] = set()
        self.sessions: dict[str, tuple[Session, ...]] = {}

    def take(self, number: int, line: bytes) -> None:
        """Read one line; only `day` and `trade` events matter to the clearing house."""
        if not line.strip():
            return
        event = _event(line)
        if event.get("event") == "day":
            self.day = parse_date(_text(event, "date"))
        elif event.get("event") == "trade":
            self._trade(number, event)

    def _trade(self, number: int, event: dict[str, Any]) -> None:
        if "buy_effect" not in event:
            raise ValueError("a trade without buy_effect: the output of an equities replay, "
                             "not a TFEX one")
        missing = [name for name in _FIELDS if name not in event]
        if missing:
            raise ValueError(f"the trade has no {', '.join(missing)}")
        if self.day is None:
            raise ValueError("a trade before any day line: its trading date is unknown")
        trade = _trade(event, self.day, self.accounts, self._sessions(_text(event, "symbol")))
        if trade.trade_id in self.ids:
            raise ValueError(f"trade {trade.trade_id} appears twice")
        self.ids.add(trade.trade_id)
        self.trades.append(trade)
        self.lines.append(number)

    def _sessions(self, symbol: str) -> tuple[Session, ...]:
        found = self.sessions.get(symbol)
        if found is None:
            series = parse_symbol(symbol, self.products)
            found = self.sessions[symbol] = self.products[series.product].sessions
        return found


def trades_from_replay(lines: Iterable[bytes], accounts: AccountBook, products: ProductTable
                       ) -> ReplayedTrades:
    """Read a replay output's lines, refused whole at the first bad one."""
    reader = _Reader(accounts, products)
    for number, line in enumerate(lines, 1):
        try:
            reader.take(number, line)
        except (ValueError, SiamexError) as exc:
            reason = exc.message if isinstance(exc, SiamexError) else str(exc)
            raise SiamexError(ErrorCode.TRADE_FILE, f"line {number}: {reason}") from None
    return ReplayedTrades(tuple(reader.trades), tuple(reader.lines), reader.day)


def read_replayed(path: Path, accounts: AccountBook, products: ProductTable) -> ReplayedTrades:
    """Read a `siamex replay` output file; every fault is a SiamexError naming file and line."""
    raw = read_input(path)
    try:
        return trades_from_replay(raw.splitlines(), accounts, products)
    except SiamexError as exc:
        raise SiamexError(exc.code, f"{path}: {exc.message}") from None
