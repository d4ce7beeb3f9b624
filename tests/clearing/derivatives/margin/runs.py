"""Shared margin fixtures: a run date, the 2015 published rates as a margin table, and series
built the way a run builds them (rulebook symbols, settlement prices, underlying prices)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from siamex.clearing.derivatives.margin import MarginSeries, margin_series
from siamex.rulebook.margin import MarginTable, default_margin_table, load_margin_table
from siamex.rulebook.products import default_products
from siamex.rulebook.series import parse_symbol

ON = dt.date(2026, 1, 5)
"""A Monday: S50F26 and GF10F26 are in their delivery month (last trading day 29 Jan)."""
PRODUCTS = default_products()
TABLE_2015 = load_margin_table(Path(__file__).with_name("margin-2015.toml"), PRODUCTS)
BUNDLED = default_margin_table()
UNDERLYING = {"SET50": 90_000, "GOLD965": 4_000_000, "USDTHB": 3_300, "ADVANC": 25_000,
              "KBANK": 15_000, "BBL": 15_000, "PTT": 3_400, "PTTEP": 13_000}
# options' settlement prices, in hundredths of a point (SET50 at 900.00)
OPTION_PRICES = {"S50H26C900": 2_800, "S50H26P900": 2_750, "S50H26C1000": 300,
                 "S50H26P850": 1_050, "S50F26C1025": 50, "S50F26C900": 1_300,
                 "S50F26P875": 500, "S50M26C950": 2_400}


def series(symbols: Iterable[str], prices: Mapping[str, int] | None = None,
           underlying: Mapping[str, int] = UNDERLYING, table: MarginTable = TABLE_2015,
           on: dt.date = ON) -> tuple[MarginSeries, ...]:
    """The series of these symbols as margined on `on`: futures settle at their underlying's
    price, options at OPTION_PRICES, unless `prices` says otherwise."""
    listed = [parse_symbol(symbol, PRODUCTS) for symbol in symbols]
    settled = {one.symbol: OPTION_PRICES[one.symbol] if one.strike else
               underlying[PRODUCTS[one.product].underlying] for one in listed
               if one.symbol not in (prices or {})}
    return margin_series(listed, {**settled, **(prices or {})}, underlying, on, PRODUCTS,
                         table)


def amended(table: MarginTable, code: str, **changes: Any) -> MarginTable:
    """The table with one product's row changed."""
    return replace(table, products=tuple(replace(row, **changes) if row.code == code else row
                                         for row in table.products))
