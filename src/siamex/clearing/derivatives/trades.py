"""The derivatives trades of one clearing day, read all or nothing.

A file holds the trades of one clearing date: the day session's, and the night session's
that belong to it (the evening before and past midnight, clearing-spec.md 4.10, decision 93).
Every row is checked (its accounts registered, its series listed and not expired, its price
on the product's tick) and the first fault refuses the whole file with `TRADE_FILE` naming the
line: half a day's trades would leave positions nobody holds.

The CSV columns (docs/derivatives.md, "Trade file"):
`trade_id,date,session,time,series,qty,price,buy_account,buy_flag,sell_account,sell_flag`.
`time` is the wall-clock time the trade was made; a night trade after midnight has its early
morning time, and sorts after the evening's.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable, Iterator
from enum import StrEnum
from pathlib import Path
from typing import NamedTuple

from siamex.clearing.derivatives.accounts import AccountBook
from siamex.clearing.derivatives.fills import MAX_CONTRACTS, MAX_PRICE, Flag
from siamex.clearing.foundations.files import csv_rows
from siamex.errors import ErrorCode, SiamexError, read_input
from siamex.units import US_PER_DAY, InvalidValue, parse_date, parse_price, parse_time_of_day

__all__ = ["TRADE_COLUMNS", "DerivativesTrade", "SeriesCheck", "TradingSession", "read_trades",
           "session_order", "trades_from_csv"]

TRADE_COLUMNS = ("trade_id", "date", "session", "time", "series", "qty", "price",
                 "buy_account", "buy_flag", "sell_account", "sell_flag")
_NIGHT_EVENING = 12 * 3_600_000_000  # a night trade at or after noon was made the evening before


class TradingSession(StrEnum):
    """The trading sessions a trade can come from (4.10)."""

    DAY = "day"
    NIGHT = "night"


class DerivativesTrade(NamedTuple):
    """A matched derivatives trade; `at` orders the day's trades: microseconds from the
    midnight that starts the night session's evening, so an evening trade comes before
    one past midnight, and both before the day session. A tuple: a busy day has millions."""

    trade_id: str
    date: dt.date
    session: TradingSession
    at: int
    series: str
    qty: int
    price: int
    buy_account: str
    buy_flag: Flag
    sell_account: str
    sell_flag: Flag

    @property
    def before_midnight(self) -> bool:
        """Whether a night trade was made in its session's evening."""
        return self.at < US_PER_DAY

    @property
    def time(self) -> int:
        """The wall-clock time of day the trade was made."""
        return self.at % US_PER_DAY


SeriesCheck = Callable[["DerivativesTrade"], None]
"""Refuses (SiamexError) a trade in a series unknown or expired on its date, at a price off
its tick, or outside its product's sessions."""


def session_order(session: TradingSession, time: int) -> int:
    """4.10: the night session (evening, then past midnight) comes before the day's."""
    if session == TradingSession.DAY:
        return 2 * US_PER_DAY + time
    return time if time >= _NIGHT_EVENING else US_PER_DAY + time


def _row(values: dict[str, str], accounts: AccountBook, check: SeriesCheck) -> DerivativesTrade:
    try:
        day = parse_date(values["date"])
        time = parse_time_of_day(values["time"])
        price = parse_price(values["price"])
    except InvalidValue as exc:
        raise ValueError(str(exc)) from None
    if values["session"] not in (TradingSession.DAY, TradingSession.NIGHT):
        raise ValueError(f"session must be day or night, got {values['session']!r}")
    session = TradingSession(values["session"])
    qty_text = values["qty"]
    if not qty_text.isascii() or not qty_text.isdigit() or len(qty_text) > 7:
        raise ValueError(f"qty must be a whole number of contracts, got {qty_text!r}")
    qty = int(qty_text)
    if not 1 <= qty <= MAX_CONTRACTS:
        raise ValueError(f"qty must be 1 to {MAX_CONTRACTS:,} contracts")
    if not 0 < price <= MAX_PRICE:
        raise ValueError(f"price must be above zero and at most {MAX_PRICE // 100:,}")
    for side in ("buy", "sell"):
        if accounts.account(values[f"{side}_account"]) is None:
            raise ValueError(f"{side}_account {values[f'{side}_account']!r} is not registered")
        if values[f"{side}_flag"] not in (Flag.OPEN, Flag.CLOSE):
            raise ValueError(f"{side}_flag must be open or close")
    if not values["trade_id"]:
        raise ValueError("trade_id is empty")
    trade = DerivativesTrade(values["trade_id"], day, session, session_order(session, time),
                             values["series"], qty, price, values["buy_account"],
                             Flag(values["buy_flag"]), values["sell_account"],
                             Flag(values["sell_flag"]))
    check(trade)
    return trade


def _rows(reader: Iterator[list[str]]) -> Iterator[tuple[int, dict[str, str]]]:
    for line, row in csv_rows(reader, TRADE_COLUMNS, ErrorCode.TRADE_FILE):
        yield line, dict(zip(TRADE_COLUMNS, row, strict=True))


def trades_from_csv(text: str, accounts: AccountBook, check: SeriesCheck
                    ) -> tuple[DerivativesTrade, ...]:
    """Read the trades of a CSV text, refused whole at the first bad line; one clearing date
    for all, each trade id once."""
    trades: list[DerivativesTrade] = []
    seen: set[str] = set()
    try:
        for line, values in _rows(csv.reader(text.splitlines())):
            try:
                trade = _row(values, accounts, check)
            except (ValueError, SiamexError) as exc:
                reason = exc.message if isinstance(exc, SiamexError) else str(exc)
                raise SiamexError(ErrorCode.TRADE_FILE, f"line {line}: {reason}") from None
            if trade.trade_id in seen:
                raise SiamexError(ErrorCode.TRADE_FILE,
                                  f"line {line}: trade {trade.trade_id} appears twice")
            if trades and trade.date != trades[0].date:
                raise SiamexError(ErrorCode.TRADE_FILE,
                                  f"line {line}: a file holds one clearing date's trades, "
                                  f"{trades[0].date} and {trade.date} found")
            seen.add(trade.trade_id)
            trades.append(trade)
    except csv.Error as exc:
        raise SiamexError(ErrorCode.TRADE_FILE, f"not CSV: {exc}") from None
    return tuple(sorted(trades, key=lambda t: t.at))  # stable: the file's order at an instant


def read_trades(path: Path, accounts: AccountBook, check: SeriesCheck
                ) -> tuple[DerivativesTrade, ...]:
    """Read a trade file (UTF-8 CSV); every fault is a SiamexError naming file and line."""
    raw = read_input(path)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise SiamexError(ErrorCode.TRADE_FILE, f"{path}: not UTF-8 text") from None
    try:
        return trades_from_csv(text, accounts, check)
    except SiamexError as exc:
        raise SiamexError(exc.code, f"{path}: {exc.message}") from None
