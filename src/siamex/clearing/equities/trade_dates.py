"""The trade dates a store keeps: each date's net obligations, trade values and last prices
(`state.TRADE_DATE`), so that a later run settles a date whose trades it never read, measures
what is pending and prices what a fail is fined on."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from siamex.clearing.equities.netting import CashObligation, NetPositions, SecuritiesObligation
from siamex.clearing.equities.novation import Leg, SettlementMode, Side
from siamex.clearing.equities.trades import TradeBatch
from siamex.clearing.foundations.members import AccountType
from siamex.clearing.foundations.state import (
    SETTLED,
    TRADE_DATE,
    TRADE_DATES,
    CashRow,
    PositionRow,
    TradeDate,
    ValueRow,
)
from siamex.clearing.foundations.store import LedgerStore
from siamex.clearing.risk.exposures import Exposure
from siamex.errors import ErrorCode, SiamexError

__all__ = ["StoredDay", "check_trade_dates", "close_price", "combined", "due_by_settlement_date",
           "latest_prices", "pending", "record_trade_dates", "stored_days", "trade_date_records",
           "trade_values"]


def trade_values(legs: Iterable[Leg]) -> dict[tuple[str, str, str, dt.date], int]:
    """Each member's signed trade value per account type, security and settlement date in the
    net: what the early-warning measure compares with today's prices (3.5 CE)."""
    values: dict[tuple[str, str, str, dt.date], int] = {}
    for leg in legs:
        if leg.mode is SettlementMode.NET:
            key = (leg.member, leg.account_type.value, leg.security, leg.settlement_date)
            values[key] = values.get(key, 0) + (leg.value if leg.side is Side.BUY else -leg.value)
    return values


def _trade_date(positions: NetPositions, sd: dt.date, prices: Mapping[str, int],
                values: Mapping[tuple[str, str, str, dt.date], int]) -> TradeDate:
    return TradeDate(
        sd,
        [ValueRow(m, AccountType(t), k, v) for (m, t, k, d), v in sorted(values.items())
         if d == sd],
        [PositionRow(s.member, s.account_type, s.security, s.net_qty)
         for s in positions.securities if s.settlement_date == sd],
        [CashRow(c.member, c.account_type, c.net_amount)
         for c in positions.cash if c.settlement_date == sd],
        dict(sorted(prices.items())))


def _positions(record: TradeDate) -> NetPositions:
    sd = record.settlement_date
    return NetPositions(
        tuple(SecuritiesObligation(s.member, s.account_type, s.security, sd, s.net_qty)
              for s in record.securities),
        tuple(CashObligation(c.member, sd, c.net_amount, c.account_type) for c in record.cash),
        ())


def _exposures(record: TradeDate) -> list[Exposure]:
    """A trade date's pending positions with their trade values, for the risk measures."""
    rows: dict[tuple[str, str, str], list[int]] = {}
    for s in record.securities:
        rows.setdefault((s.member, s.account_type.value, s.security), [0, 0])[0] = s.net_qty
    for v in record.values:
        rows.setdefault((v.member, v.account_type.value, v.security), [0, 0])[1] = v.value
    return [Exposure(m, t, k, q, v) for (m, t, k), (q, v) in sorted(rows.items())]


@dataclass(frozen=True)
class StoredDay:
    """A trade date as stored: its obligations and last prices, and the record its exposures
    are read from."""

    trade_date: dt.date
    settlement_date: dt.date
    positions: NetPositions
    prices: dict[str, int]
    record: TradeDate


def stored_days(store: LedgerStore) -> list[StoredDay]:
    """Every stored trade date, in order, read once for the run's steps."""
    days = []
    for day in TRADE_DATES.get(store) or []:
        record = TRADE_DATE.get(store, day)
        assert record is not None  # written with the list
        days.append(StoredDay(day, record.settlement_date, _positions(record),
                               record.prices, record))
    return days


def trade_date_records(batch: TradeBatch, legs: Iterable[Leg], positions: NetPositions,
                 values: Mapping[tuple[str, str, str, dt.date], int]
                 ) -> dict[dt.date, TradeDate]:
    """Each trade date's obligations, prices and trade values, as stored."""
    prices: dict[dt.date, dict[str, int]] = {}
    for leg in legs:  # a security's last traded price of the day, on each leg's board
        prices.setdefault(leg.trade_date, {})[leg.security] = leg.price
    return {day: _trade_date(positions, batch.settlement_dates[i], prices[day], values)
            for i, day in enumerate(batch.dates) if day in prices}


def check_trade_dates(store: LedgerStore, batch: TradeBatch,
                documents: Mapping[dt.date, TradeDate]) -> None:
    """Refuse to change the obligations of a trade date whose settlement date has settled."""
    for day, record in documents.items():
        old = TRADE_DATE.get(store, day)
        sd = batch.settlement_dates[batch.dates.index(day)]
        if old not in (None, record) and SETTLED.exists(store, sd):
            raise SiamexError(ErrorCode.CLEARING_STATE,
                              f"the trades of {day} differ from those cleared before, and their "
                              f"settlement date {sd} has settled")


def record_trade_dates(store: LedgerStore, documents: Mapping[dt.date, TradeDate]) -> None:
    """Keep each trade date's obligations (checked by `check_trade_dates`)."""
    for day, record in documents.items():
        TRADE_DATE.put(store, record, day)
    TRADE_DATES.put(store, sorted(set(TRADE_DATES.get(store) or []) | set(documents)))


def due_by_settlement_date(days: Iterable[StoredDay]) -> dict[dt.date, tuple[list[NetPositions],
                                                          dict[str, int]]]:
    """Every stored settlement date with its trade dates' obligations and prices."""
    due: dict[dt.date, tuple[list[NetPositions], dict[str, int]]] = {}
    for day in days:
        parts, merged = due.setdefault(day.settlement_date, ([], {}))
        parts.append(day.positions)
        merged.update(day.prices)  # days are listed in order: the latest trade date's price wins
    return due


def combined(parts: list[NetPositions]) -> NetPositions:
    """Add the obligations of several trade dates that settle on one date."""
    securities: dict[tuple[str, AccountType, str, dt.date], int] = {}
    cash: dict[tuple[str, dt.date, AccountType | None], int] = {}
    for p in parts:
        for s in p.securities:
            key = (s.member, s.account_type, s.security, s.settlement_date)
            securities[key] = securities.get(key, 0) + s.net_qty
        for c in p.cash:
            ckey = (c.member, c.settlement_date, c.account_type)
            cash[ckey] = cash.get(ckey, 0) + c.net_amount
    return NetPositions(
        tuple(sorted((SecuritiesObligation(*k, q) for k, q in securities.items() if q),
                     key=lambda s: (s.member, s.account_type.value, s.security))),
        tuple(sorted((CashObligation(m, d, v, t) for (m, d, t), v in cash.items() if v),
                     key=lambda c: (c.member, "" if c.account_type is None
                                    else c.account_type.value))),
        ())


def pending(store: LedgerStore, days: Iterable[StoredDay],
             run_date: dt.date) -> tuple[list[Exposure], dict[str, list[int]]]:
    """What is pending at the start of the run date: the obligations of earlier trade dates
    whose settlement date has not settled, with each member's net cash per date (3.5)."""
    exposures: list[Exposure] = []
    cash: dict[str, list[int]] = {}
    for day in days:
        if day.trade_date >= run_date or day.settlement_date < run_date:
            continue
        settled_on = SETTLED.get(store, day.settlement_date)
        if settled_on is not None and settled_on < run_date:
            continue  # a run repeated measures what was pending when it first ran
        exposures += _exposures(day.record)
        for c in day.positions.cash:
            cash.setdefault(c.member, []).append(c.net_amount)
    return exposures, cash


def latest_prices(days: Iterable[StoredDay], before: dt.date | None = None) -> dict[str, int]:
    """Each security's last traded price over the stored trade dates (those before `before`
    if given), the latest winning."""
    prices: dict[str, int] = {}
    for day in days:
        if before is None or day.trade_date < before:
            prices.update(day.prices)
    return prices


def close_price(days: list[StoredDay], run_date: dt.date, closes: Mapping[str, int],
                sd: dt.date, security: str) -> int:
    """A security's close on a settlement date: the run date's `closes` (the day
    instructions' prices) when the date is the run date and they give one, else the last price
    traded on or before the date in the stored trade files (decisions C5, 77)."""
    if sd == run_date and security in closes:
        return closes[security]
    return next(day.prices[security] for day in reversed(days)
                if day.trade_date <= sd and security in day.prices)
