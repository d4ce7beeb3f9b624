"""Every number from the rules, named, with its default, meaning and source.

Pillar 3 of the design: the rulebook is data. A rule is a small pure function over a `Rulebook`;
a scenario (`rules`), a TOML file or `--set name=value` overrides a parameter by its name. The
reference in docs/rulebook.md is generated from `PARAMETERS` (`siamex rulebook --markdown`), and a
test keeps the two equal.

Values are kept in their exact core form: prices in satang, times of day in microseconds,
percentages as `Fraction`, so no rule ever computes with a binary float.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from fractions import Fraction
from itertools import pairwise
from typing import Any

from siamex.units import InvalidValue, format_price, parse_price, parse_time_of_day

__all__ = [
    "DEFAULT_RULEBOOK",
    "PARAMETERS",
    "Parameter",
    "Rulebook",
    "UnknownParameter",
]


class UnknownParameter(KeyError):
    """An override names no rulebook parameter."""


def _int(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise InvalidValue(f"{name} must be an integer")
    try:
        return int(value)
    except ValueError:
        raise InvalidValue(f"{name} must be an integer, got {value!r}") from None


def _positive_int(value: Any, name: str) -> int:
    number = _int(value, name)
    if number <= 0:
        raise InvalidValue(f"{name} must be positive, got {number}")
    return number


def _non_negative_int(value: Any, name: str) -> int:
    number = _int(value, name)
    if number < 0:
        raise InvalidValue(f"{name} must not be negative, got {number}")
    return number


def _percent(value: Any, name: str) -> Fraction:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise InvalidValue(f"{name} must be a percentage such as 30 or \"12.5\"")
    try:
        pct = Fraction(str(value))
    except ValueError:
        raise InvalidValue(f"{name} must be a percentage, got {value!r}") from None
    if pct < 0 or pct > 1000:
        raise InvalidValue(f"{name} must be between 0 and 1000 percent, got {value!r}")
    return pct


def _price(value: Any, name: str) -> int:
    try:
        return parse_price(value)
    except InvalidValue as exc:
        raise InvalidValue(f"{name}: {exc}") from None


def _time(value: Any, name: str) -> int:
    try:
        return parse_time_of_day(value)
    except InvalidValue as exc:
        raise InvalidValue(f"{name}: {exc}") from None


def _tick_table(value: Any, name: str) -> tuple[tuple[int, int], ...]:
    if not isinstance(value, list | tuple) or not value:
        raise InvalidValue(f"{name} must be a list of [from_price, tick] pairs")
    rows: list[tuple[int, int]] = []
    for row in value:
        if not isinstance(row, list | tuple) or len(row) != 2:
            raise InvalidValue(f"{name} rows must be [from_price, tick] pairs")
        start, tick = _price(row[0], name), _price(row[1], name)
        if tick <= 0:
            raise InvalidValue(f"{name}: a tick must be positive")
        if start % tick:
            raise InvalidValue(f"{name}: the row from {row[0]} is not a multiple of its tick")
        if rows and start <= rows[-1][0]:
            raise InvalidValue(f"{name}: rows must rise in price")
        if rows and start % rows[-1][1]:
            raise InvalidValue(f"{name}: the row starting at {row[0]} is off the tick below it")
        rows.append((start, tick))
    if rows[0][0] != 0:
        raise InvalidValue(f"{name}: the first row must start at 0")
    return tuple(rows)


def _kinds(value: Any, name: str) -> frozenset[str]:
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise InvalidValue(f"{name} must be a list of instrument kinds")
    return frozenset(value)


def _show_tick_table(value: Any) -> str:
    return ", ".join(f"from {format_price(s)}: {format_price(t)}" for s, t in value)


def _show_time(value: Any) -> str:
    minutes = value // 60_000_000
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _show_price(value: Any) -> str:
    return format_price(value)


def _show_plain(value: Any) -> str:
    if isinstance(value, frozenset):
        return ", ".join(sorted(value))
    return str(value)


@dataclass(frozen=True, slots=True)
class Parameter:
    """One rule number: its name, default (as a user writes it), meaning and source."""

    name: str
    default: Any
    unit: str
    meaning: str
    source: str
    parse: Callable[[Any, str], Any]
    show: Callable[[Any], str] = _show_plain

    def value(self, raw: Any) -> Any:
        """Parse a user-written value into the core form."""
        return self.parse(raw, self.name)


_TICKS = [
    ["0", "0.01"], ["2", "0.02"], ["5", "0.05"], ["10", "0.10"],
    ["25", "0.25"], ["100", "0.50"], ["200", "1.00"], ["400", "2.00"],
]

PARAMETERS: tuple[Parameter, ...] = (
    Parameter("tick_table", _TICKS, "THB",
              "Tick size by price level: each row [from_price, tick] applies from its price up to "
              "the next row; the tick that applies to a price is looked up at that price.",
              "set-trading-rules.md 3.2 (S-BANDS) [C]", _tick_table, _show_tick_table),
    Parameter("flat_tick", "0.01", "THB",
              "Tick size at every price for the kinds in flat_tick_kinds.",
              "set-trading-rules.md 3.2 (S-BANDS) [C]", _price, _show_price),
    Parameter("flat_tick_kinds", ["etf", "unit_trust"], "kinds",
              "Instrument kinds quoted in flat_tick at all prices instead of the tick table.",
              "set-trading-rules.md 3.2 (S-BANDS) [C]", _kinds),
    Parameter("price_limit_pct", 30, "%",
              "Ceiling and floor around the previous close (main board).",
              "set-trading-rules.md 3.3 [C]; rounding decision T5", _percent),
    Parameter("foreign_price_limit_pct", 60, "%",
              "Ceiling and floor of the foreign (-F) board around the main board's previous close.",
              "set-trading-rules.md 3.3 (S-2023RULES) [C]/[P]", _percent),
    Parameter("first_day_ceiling_multiple", 3, "x IPO price",
              "First trading day: the ceiling is this multiple of the IPO price (rounded down).",
              "set-trading-rules.md 3.3 [P]", _positive_int),
    Parameter("first_day_floor", "0.01", "THB",
              "First trading day: the floor.", "set-trading-rules.md 3.3 [P]", _price,
              _show_price),
    Parameter("min_price", "0.01", "THB",
              "No floor is set below this price.", "decision T5", _price, _show_price),
    Parameter("auction_tick_allowance", 1, "ticks",
              "How far beyond the ceiling or floor an auction price may fall.",
              "set-trading-rules.md 2.2 (S-2023RULES) [C]; decision T1", _non_negative_int),
    Parameter("board_lot", 100, "shares",
              "Board lot of the main board unless an instrument sets its own (e.g. 50).",
              "set-trading-rules.md 3.1 (S-LOT) [C]", _positive_int),
    Parameter("dr_board_lot", 1, "units",
              "Board lot of depositary receipts (kind dr).",
              "set-trading-rules.md 3.1 (S-LOT) [C]", _positive_int),
    Parameter("max_order_qty", 10_000_000, "shares",
              "Largest quantity of one main-board order.",
              "set-trading-rules.md 3.1 [C]; decision T24", _positive_int),
    Parameter("odd_lot_excluded_kinds", ["dw"], "kinds",
              "Kinds with no odd-lot board (DW odd lots were abolished in 2023).",
              "set-trading-rules.md 3.1 [C]; decision T19", _kinds),
    Parameter("iceberg_min_published_lots", 1, "board lots",
              "Smallest published quantity of an iceberg order.",
              "decision T17 (set-trading-rules.md 4.2 [U])", _positive_int),
    Parameter("max_order_days", 30, "calendar days",
              "Longest life of a GTC or GTD order.",
              "set-trading-rules.md 4.2 (S-2023RULES) [C]; decision T18", _positive_int),
    Parameter("pre_open_1_start", "09:30", "time",
              "Pre-Open I starts: limit and ATO orders are collected for the opening auction.",
              "set-trading-rules.md 1 [C]", _time, _show_time),
    Parameter("open_1_window_start", "09:55", "time",
              "Earliest random instant of the opening auction.", "set-trading-rules.md 1 [C]; T6",
              _time, _show_time),
    Parameter("open_1_window_end", "10:00", "time",
              "Latest random instant of the opening auction (exclusive).",
              "set-trading-rules.md 1 [C]; T6", _time, _show_time),
    Parameter("intermission_start", "12:30", "time",
              "The morning session ends; cancels only until Pre-Open II.",
              "set-trading-rules.md 1 [C]; decision T7", _time, _show_time),
    Parameter("pre_open_2_start", "13:30", "time",
              "Pre-Open II starts (since 25 Mar 2024).",
              "set-trading-rules.md 1 (S-HOURS-NEWS) [C]", _time, _show_time),
    Parameter("open_2_window_start", "13:55", "time",
              "Earliest random instant of the afternoon opening auction.",
              "set-trading-rules.md 1 [I]; decision T6", _time, _show_time),
    Parameter("open_2_window_end", "14:00", "time",
              "Latest random instant of the afternoon opening auction (exclusive).",
              "set-trading-rules.md 1 [C]; decision T6", _time, _show_time),
    Parameter("pre_close_start", "16:30", "time",
              "Pre-Close starts: limit and ATC orders for the closing auction.",
              "set-trading-rules.md 1 [C]", _time, _show_time),
    Parameter("close_window_start", "16:35", "time",
              "Earliest random instant of the closing auction.", "set-trading-rules.md 1 [C]; T6",
              _time, _show_time),
    Parameter("close_window_end", "16:40", "time",
              "Latest random instant of the closing auction (exclusive).",
              "set-trading-rules.md 1 [C]; T6", _time, _show_time),
    Parameter("off_hour_end", "17:00", "time",
              "The off-hour (trade report) session ends; Day orders expire.",
              "set-trading-rules.md 1 and 5 [C]", _time, _show_time),
)


class Rulebook:
    """The parameters of one trading day, in core form, read as attributes on the hot path."""

    tick_table: tuple[tuple[int, int], ...]
    flat_tick: int
    flat_tick_kinds: frozenset[str]
    price_limit_pct: Fraction
    foreign_price_limit_pct: Fraction
    first_day_ceiling_multiple: int
    first_day_floor: int
    min_price: int
    auction_tick_allowance: int
    board_lot: int
    dr_board_lot: int
    max_order_qty: int
    odd_lot_excluded_kinds: frozenset[str]
    iceberg_min_published_lots: int
    max_order_days: int
    pre_open_1_start: int
    open_1_window_start: int
    open_1_window_end: int
    intermission_start: int
    pre_open_2_start: int
    open_2_window_start: int
    open_2_window_end: int
    pre_close_start: int
    close_window_start: int
    close_window_end: int
    off_hour_end: int

    def __init__(self, overrides: Mapping[str, Any] | None = None) -> None:
        given = dict(overrides or {})
        unknown = sorted(set(given) - _BY_NAME.keys())
        if unknown:
            raise UnknownParameter(f"no rulebook parameter named {', '.join(unknown)}")
        self.overrides: dict[str, Any] = given
        for param in PARAMETERS:
            raw = given.get(param.name, param.default)
            setattr(self, param.name, param.value(raw))
        self._check_schedule()

    def _check_schedule(self) -> None:
        order = ["pre_open_1_start", "open_1_window_start", "open_1_window_end",
                 "intermission_start", "pre_open_2_start", "open_2_window_start",
                 "open_2_window_end", "pre_close_start", "close_window_start",
                 "close_window_end", "off_hour_end"]
        for a, b in pairwise(order):
            ta, tb = getattr(self, a), getattr(self, b)
            if tb < ta or (b.endswith("window_end") and tb == ta):
                raise InvalidValue(f"session times out of order: {a} must come before {b}")

    def with_overrides(self, overrides: Mapping[str, Any]) -> Rulebook:
        """Return a rulebook with more overrides on top of this one's."""
        return Rulebook({**self.overrides, **overrides})

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Rulebook) and self.overrides == other.overrides

    def __hash__(self) -> int:
        return hash(tuple(sorted((k, repr(v)) for k, v in self.overrides.items())))


_BY_NAME: dict[str, Parameter] = {p.name: p for p in PARAMETERS}
DEFAULT_RULEBOOK = Rulebook()
