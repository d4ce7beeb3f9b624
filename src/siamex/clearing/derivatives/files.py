"""A derivatives clearing day run from the files `siamex derivatives run` takes (accounts,
trades, day instructions, and a product table or series file in place of the rules')
against a store, each file refused whole with its own code before anything is stored.

The trades may be in several files, merged: CSV trade files and `siamex replay` outputs
(.jsonl), e.g. yesterday's run, whose night session clears today, and today's.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from siamex.clearing.derivatives.accounts import AccountBook, load_accounts
from siamex.clearing.derivatives.day import DerivativesInputs, clear_derivatives
from siamex.clearing.derivatives.instructions import NO_INSTRUCTIONS, load_instructions
from siamex.clearing.derivatives.margin_day import MarginTerms
from siamex.clearing.derivatives.replayed import REPLAY_SUFFIX, ReplayedTrades, read_replayed
from siamex.clearing.derivatives.trades import (
    DerivativesTrade,
    SeriesCheck,
    TradingSession,
    read_trades,
)
from siamex.clearing.derivatives.universe import check_listed
from siamex.clearing.foundations.parameters import DEFAULT_CLEARING_RULES, ClearingRules
from siamex.clearing.foundations.state import DerivativesDay
from siamex.clearing.foundations.store_open import open_store
from siamex.errors import ErrorCode, SiamexError
from siamex.rulebook.calendar import trading_day_offset
from siamex.rulebook.derivatives_collateral import load_collateral_terms
from siamex.rulebook.foreign_calendars import load_foreign_calendars
from siamex.rulebook.margin import load_margin_table
from siamex.rulebook.products import (
    DEFAULT_PRODUCTS,
    Product,
    ProductTable,
    Session,
    load_products,
)
from siamex.rulebook.series import (
    OutsideSession,
    Series,
    SeriesList,
    clearing_date,
    read_series_file,
)
from siamex.units import format_price, format_time_of_day

__all__ = ["DerivativesFiles", "LoadedFiles", "clear_derivative_files", "clear_loaded",
           "load_derivative_files", "series_check"]


@dataclass(frozen=True, slots=True)
class DerivativesFiles:
    """The files of one derivatives clearing day; `trades` is one trade file or several, each
    a CSV trade file or a `siamex replay` output (named .jsonl)."""

    accounts: Path
    trades: Path | tuple[Path, ...]
    instructions: Path | None = None
    products: Path | None = None
    series: Path | None = None
    margin: Path | None = None
    calendars: Path | None = None
    collateral_terms: Path | None = None

    @property
    def trade_files(self) -> tuple[Path, ...]:
        """The trade files, in the order given."""
        return self.trades if isinstance(self.trades, tuple) else (self.trades,)


@dataclass(frozen=True, slots=True)
class LoadedFiles:
    """A day's files read and checked, nothing stored yet: the run's inputs and date, and how
    many trades of the replay outputs clear on another date (left out)."""

    inputs: DerivativesInputs
    day: dt.date
    other_date_trades: int


def _in_session(trade: DerivativesTrade, sessions: tuple[Session, ...]) -> bool:
    """4.10, decision 93: whether a session of the product, started on the calendar day the
    trade's time puts it on, clears on the trade's date: a day trade in its own day's day
    session, a night trade in the night session begun the business day before (in its
    evening, or past midnight)."""
    night = trade.session is TradingSession.NIGHT
    started = trade.date
    if night:
        evening = trading_day_offset(trade.date, -1)
        started = evening if trade.before_midnight else evening + dt.timedelta(days=1)
    for session in sessions:
        if session.is_night != night:
            continue
        try:
            if clearing_date(started, trade.time, session) == trade.date:
                return True
        except OutsideSession:
            continue
    return False


def series_check(products: ProductTable, listing: SeriesList | None = None) -> SeriesCheck:
    """Refuse a trade in a series not listed on its date (by `listing` when given), at a
    price off its tick, outside its product's sessions, or after its last trading day's
    cut-off; each series is looked up once a date."""
    listed: dict[tuple[str, dt.date], tuple[Series, Product]] = {}

    def check(trade: DerivativesTrade) -> None:
        found = listed.get((trade.series, trade.date))
        if found is None:
            series = check_listed(trade.series, trade.date, products, listing)
            found = listed[trade.series, trade.date] = (series, products[series.product])
        series, product = found
        if trade.price % product.tick:  # 4.1: every product trades on its own tick
            raise SiamexError(ErrorCode.TRADE_FILE,
                              f"price {format_price(trade.price)} of {trade.series} is off its "
                              f"tick {format_price(product.tick)}")
        if not _in_session(trade, product.sessions):
            raise SiamexError(ErrorCode.TRADE_FILE,
                              f"{product.code} has no {trade.session.value} session at "
                              f"{format_time_of_day(trade.time)}")
        # 4.10: an expiring series stops at its cut-off on its last trading day
        if (series.last_trading_day == trade.date and trade.session is TradingSession.DAY
                and trade.time > product.cut_off):
            raise SiamexError(ErrorCode.TRADE_FILE,
                              f"{trade.series} stopped trading at "
                              f"{format_time_of_day(product.cut_off)} on its last trading day")
    return check


_FileTrades = tuple[DerivativesTrade, ...] | ReplayedTrades
"""A trade file as read: a CSV file's trades (one clearing date), or a replay's, every date."""


def _read_trade_file(path: Path, accounts: AccountBook, products: ProductTable,
                     check: SeriesCheck) -> _FileTrades:
    if path.suffix.lower() == REPLAY_SUFFIX:
        return read_replayed(path, accounts, products)
    return read_trades(path, accounts, check)


def _files_day(read: list[tuple[Path, _FileTrades]]) -> dt.date | None:
    """The date the trade files clear by default (decision 113): the latest of a CSV file's
    trades' date and a replay's last trading date."""
    days = [trades.last_day if isinstance(trades, ReplayedTrades)
            else trades[0].date if trades else None for _, trades in read]
    return max((day for day in days if day is not None), default=None)


def _on_day(path: Path, trades: _FileTrades, day: dt.date, check: SeriesCheck
            ) -> tuple[tuple[DerivativesTrade, ...], int]:
    """A file's trades that clear on `day` (a CSV file's all), and how many of a replay's
    clear on another date."""
    if not isinstance(trades, ReplayedTrades):
        return trades, 0
    try:
        return trades.clearing_on(day, check)
    except SiamexError as exc:
        raise SiamexError(exc.code, f"{path}: {exc.message}") from None


def _merged(parts: list[tuple[Path, tuple[DerivativesTrade, ...]]]
            ) -> tuple[DerivativesTrade, ...]:
    """The files' trades in time order (the files' order at an instant): one clearing date
    for all, each trade id once."""
    first: dict[str, Path] = {}
    dated = [(path, trades[0].date) for path, trades in parts if trades]
    for path, trades in parts:
        if trades and trades[0].date != dated[0][1]:
            raise SiamexError(ErrorCode.TRADE_FILE,
                              f"{path}: its trades clear on {trades[0].date}, those of "
                              f"{dated[0][0]} on {dated[0][1]}")
        for trade in trades:
            if trade.trade_id in first:
                raise SiamexError(ErrorCode.TRADE_FILE,
                                  f"{path}: trade {trade.trade_id} is also in "
                                  f"{first[trade.trade_id]}")
            first[trade.trade_id] = path
    return tuple(sorted((t for _, trades in parts for t in trades), key=lambda t: t.at))


def _margin_terms(files: DerivativesFiles, products: ProductTable) -> MarginTerms:
    """The margin parameters, foreign calendars and collateral rules: the files given, each
    in place of the bundled one whole."""
    bundled = MarginTerms()
    return MarginTerms(
        bundled.table if files.margin is None else load_margin_table(files.margin, products),
        bundled.calendars if files.calendars is None
        else load_foreign_calendars(files.calendars),
        bundled.collateral if files.collateral_terms is None
        else load_collateral_terms(files.collateral_terms))


def load_derivative_files(files: DerivativesFiles, on: dt.date | None = None,
                          rules: ClearingRules = DEFAULT_CLEARING_RULES) -> LoadedFiles:
    """Read and check the day's files for the day `on` (default: the instructions' date,
    else the trade files')."""
    products = DEFAULT_PRODUCTS if files.products is None else load_products(files.products)
    listing = None if files.series is None else read_series_file(files.series, products)
    accounts = load_accounts(files.accounts, rules)
    check = series_check(products, listing)
    read = [(path, _read_trade_file(path, accounts, products, check))
            for path in files.trade_files]
    instructions = (NO_INSTRUCTIONS if files.instructions is None
                    else load_instructions(files.instructions))
    day = on or instructions.date or _files_day(read)
    if day is None:
        raise SiamexError(ErrorCode.TRADE_FILE, "no trades, and no run date given")
    kept = [(path, _on_day(path, trades, day, check)) for path, trades in read]
    trades = _merged([(path, day_trades) for path, (day_trades, _) in kept])
    inputs = DerivativesInputs(accounts, trades, instructions, products, rules, listing,
                               _margin_terms(files, products))
    return LoadedFiles(inputs, day, sum(other for _, (_, other) in kept))


def clear_loaded(loaded: LoadedFiles, store: str | Path | None) -> DerivativesDay:
    """Clear a loaded day against `store` (in memory when None)."""
    # decision 80: never a file the run did not name
    with open_store(":memory:" if store is None else store) as ledger:
        return clear_derivatives(loaded.inputs, ledger, loaded.day)


def clear_derivative_files(files: DerivativesFiles, store: str | Path | None,
                           on: dt.date | None = None,
                           rules: ClearingRules = DEFAULT_CLEARING_RULES) -> DerivativesDay:
    """Read the day's files and clear the day `on` (default: the instructions' date, else
    the trade files') against `store` (in memory when None)."""
    return clear_loaded(load_derivative_files(files, on, rules), store)
