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

from siamex.rulebook.values import (
    Reader,
    accepts,
    choice,
    flag,
    integer,
    name_text,
    names,
    percent,
    price,
    read_price,
    show_plain,
    show_price,
    show_time,
    time_of_day,
)
from siamex.units import InvalidValue, format_price, parse_price

__all__ = [
    "DEFAULT_RULEBOOK",
    "PARAMETERS",
    "Parameter",
    "Rulebook",
    "UnknownParameter",
    "read_overrides",
]


class UnknownParameter(KeyError):
    """An override names no rulebook parameter."""


MAX_PRICE = "999999999999.99"  # the largest price a file may give (units.PRICE_DIGITS)
_MINUTES = integer(1, 480)  # up to a whole trading day (decision 70)
_MAX_TICK_ROWS = 20
_MAX_BREAKER_LEVELS = 10


@accepts(f"1 to {_MAX_TICK_ROWS} rows [from_price, tick]: from 0.00 rising to at most "
         f"{MAX_PRICE} THB, ticks 0.01 to 100.00 THB, each start on the ticks below it")
def _tick_table(value: Any, name: str) -> tuple[tuple[int, int], ...]:
    if not isinstance(value, list | tuple) or not 0 < len(value) <= _MAX_TICK_ROWS:
        raise InvalidValue(f"{name} must be a list of 1 to {_MAX_TICK_ROWS} [from_price, tick] "
                           "pairs")
    rows: list[tuple[int, int]] = []
    for row in value:
        if not isinstance(row, list | tuple) or len(row) != 2:
            raise InvalidValue(f"{name} rows must be [from_price, tick] pairs")
        start = read_price(row[0], name, 0, parse_price(MAX_PRICE))
        tick = read_price(row[1], name, 1, 10_000)
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


@accepts(f"0 to {_MAX_BREAKER_LEVELS} rows [fall_percent, halt_minutes]: falls above 0 and "
         "below 100 %, deepening; halts 1 to 480 minutes")
def _breaker_levels(value: Any, name: str) -> tuple[tuple[Fraction, int], ...]:
    if not isinstance(value, list | tuple) or len(value) > _MAX_BREAKER_LEVELS:
        raise InvalidValue(f"{name} must be a list of at most {_MAX_BREAKER_LEVELS} "
                           "[fall_percent, halt_minutes] pairs")
    rows: list[tuple[Fraction, int]] = []
    for row in value:
        if not isinstance(row, list | tuple) or len(row) != 2:
            raise InvalidValue(f"{name} rows must be [fall_percent, halt_minutes] pairs")
        fall, minutes = percent(0, 100)(row[0], name), _MINUTES(row[1], name)
        if not 0 < fall < 100:
            raise InvalidValue(f"{name}: a fall must lie between 0 and 100 percent")
        if rows and fall <= rows[-1][0]:
            raise InvalidValue(f"{name}: levels must deepen in order")
        rows.append((fall, minutes))
    return tuple(rows)


def _show_breaker_levels(value: Any) -> str:
    return ", ".join(f"-{fall}%: {minutes} min" for fall, minutes in value)


_index_name = Reader(name_text, "an index name of 1 to 32 characters")


def _show_tick_table(value: Any) -> str:
    return ", ".join(f"from {format_price(s)}: {format_price(t)}" for s, t in value)


@dataclass(frozen=True, slots=True)
class Parameter:
    """One rule number: its name, default (as a user writes it), meaning and source."""

    name: str
    default: Any
    unit: str
    meaning: str
    source: str
    parse: Reader
    show: Callable[[Any], str] = show_plain

    @property
    def valid(self) -> str:
        """The values the parameter accepts, in words (its documented range)."""
        return self.parse.valid

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
              "set-trading-rules.md 3.2 (S-BANDS) [C]", price("0.01", "100.00"),
              show_price),
    Parameter("flat_tick_kinds", ["etf", "unit_trust"], "kinds",
              "Instrument kinds quoted in flat_tick at all prices instead of the tick table.",
              "set-trading-rules.md 3.2 (S-BANDS) [C]", names),
    Parameter("price_limit_pct", 30, "%",
              "Ceiling and floor around the previous close (main board).",
              "set-trading-rules.md 3.3 [C]; rounding decision T5", percent(1, 1000)),
    Parameter("foreign_price_limit_pct", 60, "%",
              "Ceiling and floor of the foreign (-F) board around the main board's previous close.",
              "set-trading-rules.md 3.3 (S-2023RULES) [C]/[P]", percent(1, 1000)),
    Parameter("first_day_ceiling_multiple", 3, "x IPO price",
              "First trading day: the ceiling is this multiple of the IPO price (rounded down).",
              "set-trading-rules.md 3.3 [P]", integer(1, 10)),
    Parameter("first_day_floor", "0.01", "THB",
              "First trading day: the floor.", "set-trading-rules.md 3.3 [P]",
              price("0.01", "100.00"),
              show_price),
    Parameter("min_price", "0.01", "THB",
              "No floor is set below this price.", "decision T5", price("0.01", "100.00"),
              show_price),
    Parameter("auction_tick_allowance", 1, "ticks",
              "How far beyond the ceiling or floor an auction price may fall.",
              "set-trading-rules.md 2.2 (S-2023RULES) [C]; decision T1", integer(0, 100)),
    Parameter("board_lot", 100, "shares",
              "Board lot of the main board unless an instrument sets its own (e.g. 50).",
              "set-trading-rules.md 3.1 (S-LOT) [C]", integer(1, 10_000)),
    Parameter("dr_board_lot", 1, "units",
              "Board lot of depositary receipts (kind dr).",
              "set-trading-rules.md 3.1 (S-LOT) [C]", integer(1, 10_000)),
    Parameter("max_order_qty", 10_000_000, "shares",
              "Largest quantity of one main-board order.",
              "set-trading-rules.md 3.1 [C]; decision T24", integer(1, 1_000_000_000)),
    Parameter("odd_lot_excluded_kinds", ["dw"], "kinds",
              "Kinds with no odd-lot board (DW odd lots were abolished in 2023).",
              "set-trading-rules.md 3.1 [C]; decision T19", names),
    Parameter("iceberg_min_published_lots", 1, "board lots",
              "Smallest published quantity of an iceberg order.",
              "decision T17 (set-trading-rules.md 4.2 [U])", integer(1, 10_000)),
    Parameter("max_order_days", 30, "calendar days",
              "Longest life of a GTC or GTD order.",
              "set-trading-rules.md 4.2 (S-2023RULES) [C]; decision T18", integer(1, 366)),
    Parameter("self_match_action", "cancel_incoming", "action",
              "Self-match prevention: what happens when an incoming order would trade with a "
              "resting order of its own member carrying the same smp_id (or, for a member with "
              "self_match_prevention, of the same account): cancel_incoming cancels the "
              "incoming order's remainder; cancel_resting cancels the resting order and the "
              "incoming order matches on; cancel_both cancels both. Continuous matching only.",
              "set-trading-rules.md 2.1 (S-NEWSYS) [C]; decisions T23 and 82",
              choice("cancel_incoming", "cancel_resting", "cancel_both")),
    Parameter("pre_open_1_start", "09:30", "time",
              "Pre-Open I starts: limit and ATO orders are collected for the opening auction.",
              "set-trading-rules.md 1 [C]", time_of_day, show_time),
    Parameter("open_1_window_start", "09:55", "time",
              "Earliest random instant of the opening auction.", "set-trading-rules.md 1 [C]; T6",
              time_of_day, show_time),
    Parameter("open_1_window_end", "10:00", "time",
              "Latest random instant of the opening auction (exclusive).",
              "set-trading-rules.md 1 [C]; T6", time_of_day, show_time),
    Parameter("intermission_start", "12:30", "time",
              "The morning session ends; cancels only until Pre-Open II.",
              "set-trading-rules.md 1 [C]; decision T7", time_of_day, show_time),
    Parameter("pre_open_2_start", "13:30", "time",
              "Pre-Open II starts (since 25 Mar 2024).",
              "set-trading-rules.md 1 (S-HOURS-NEWS) [C]", time_of_day, show_time),
    Parameter("open_2_window_start", "13:55", "time",
              "Earliest random instant of the afternoon opening auction.",
              "set-trading-rules.md 1 [I]; decision T6", time_of_day, show_time),
    Parameter("open_2_window_end", "14:00", "time",
              "Latest random instant of the afternoon opening auction (exclusive).",
              "set-trading-rules.md 1 [C]; decision T6", time_of_day, show_time),
    Parameter("pre_close_start", "16:30", "time",
              "Pre-Close starts: limit and ATC orders for the closing auction.",
              "set-trading-rules.md 1 [C]", time_of_day, show_time),
    Parameter("close_window_start", "16:35", "time",
              "Earliest random instant of the closing auction.", "set-trading-rules.md 1 [C]; T6",
              time_of_day, show_time),
    Parameter("close_window_end", "16:40", "time",
              "Latest random instant of the closing auction (exclusive).",
              "set-trading-rules.md 1 [C]; T6", time_of_day, show_time),
    Parameter("off_hour_end", "17:00", "time",
              "The off-hour (trade report) session ends; Day orders expire.",
              "set-trading-rules.md 1 and 5 [C]", time_of_day, show_time),
    Parameter("halt_resume_pre_open_minutes", 10, "minutes",
              "Pre-open before trading resumes after an operator halt (H) or suspension (SP) "
              "is lifted in a continuous session.",
              "decision T9", _MINUTES),
    Parameter("circuit_breaker_levels", [[8, 30], [15, 30], [20, 60]], "[% fall, minutes]",
              "Market-wide circuit breaker: a fall of the SET Index from its previous close to "
              "this percentage or more halts trading for the minutes given; each level once a "
              "day, none after the last. An empty list turns the breaker off.",
              "set-trading-rules.md 6.1 (S-CB) [C]; decision T10", _breaker_levels,
              _show_breaker_levels),
    Parameter("circuit_breaker_index", "SET", "index",
              "The index whose fall triggers the circuit breaker.",
              "set-trading-rules.md 6.1 [C]", _index_name),
    Parameter("circuit_breaker_pre_open_minutes", 10, "minutes",
              "The last minutes of a circuit-breaker halt are a pre-open before the auction.",
              "set-trading-rules.md 6.1 [P]; decision T9", _MINUTES),
    Parameter("dynamic_price_band_pct", 10, "%",
              "Dynamic Price Band: an auto-matched execution must lie within this percentage of "
              "the last auto-matched price; 0 turns the band off.",
              "set-trading-rules.md 6.2 (S-SEP2024) [C]; decision T11", percent(0, 100)),
    Parameter("dynamic_price_band_min_price", "1.00", "THB",
              "The band applies only while the reference price is at least this.",
              "set-trading-rules.md 6.2 [C]; decision T11", price("0.01", MAX_PRICE),
              show_price),
    Parameter("dynamic_price_band_pre_open_minutes", 2, "minutes",
              "Pre-open a security enters when an execution would fall outside the band.",
              "set-trading-rules.md 6.2 [C]; decision T9", _MINUTES),
    Parameter("dynamic_price_band_kinds", ["stock", "preferred"], "kinds",
              "Instrument kinds the Dynamic Price Band covers (SET and mai stocks).",
              "set-trading-rules.md 6.2 [C]", names),
    Parameter("auto_pause_pct", 15, "% of listed shares",
              "Auto Pause: a security pauses when its total bid or total offer volume over all "
              "prices exceeds this share of its listed shares; 0 turns it off.",
              "set-trading-rules.md 6.3 (S-PAUSE) [C]; decision T12", percent(0, 100)),
    Parameter("auto_pause_minutes", 40, "minutes",
              "How long an Auto Pause lasts before its pre-open.",
              "set-trading-rules.md 6.3 [C]; decision T12", _MINUTES),
    Parameter("auto_pause_pre_open_minutes", 20, "minutes",
              "The pre-open after an Auto Pause, ended by an auction.",
              "set-trading-rules.md 6.3 [C]; decision T9", _MINUTES),
    Parameter("auto_pause_kinds", ["stock", "reit", "property_fund", "infrastructure_fund"],
              "kinds", "Instrument kinds Auto Pause covers.",
              "set-trading-rules.md 6.3 [C]", names),
    Parameter("cash_balance_signs", ["NC", "CB", "CS", "CC", "CF"], "signs",
              "Signs under which a buy order must be for a cash-balance account.",
              "set-trading-rules.md 7.1 (S-CSIGN) [C]; decision T21", names),
    Parameter("min_resting_time_ms", 250, "ms",
              "Minimum Resting Time: an order can be amended or cancelled only this long after "
              "it was accepted; 0 turns the rule off.",
              "set-trading-rules.md 9 (S-METHODS) [C]; decision T15", integer(0, 60_000)),
    Parameter("short_sale_price_test", "uptick", "rule",
              "Short-sale price test: uptick (strictly above the last auto-matched price), "
              "zero_plus (at or above it), or conditional (uptick on the day after a close "
              "that fell short_sale_conditional_drop_pct or more, zero_plus otherwise).",
              "set-trading-rules.md 8.2 (S-SHORT2024, S-REV2025) [C]/[P]; decision T13",
              choice("uptick", "zero_plus", "conditional")),
    Parameter("short_sale_conditional_drop_pct", 10, "%",
              "Fall of a close from the close before it that makes the next day an uptick day "
              "under the conditional test.",
              "set-trading-rules.md 8.2 (S-REV2025) [P]; decision T13", percent(0, 100)),
    Parameter("short_sale_max_pct", 10, "% of listed shares",
              "Outstanding short volume of a security (given at the start of the day, plus the "
              "day's short orders) may not exceed this share of its listed shares.",
              "set-trading-rules.md 8.3 (S-14MEASURES) [C]; decision T14", percent(0, 100)),
    Parameter("hft_universe_rule", True, "on/off",
              "A registered high-frequency account may buy only the permitted universe: "
              "members of hft_universe_index, the kinds in hft_permitted_kinds, and securities "
              "marked hft_permitted.",
              "set-trading-rules.md 9 (S-HFT2025) [C]", flag),
    Parameter("hft_universe_index", "SET100", "index",
              "The index whose constituents a high-frequency account may buy.",
              "set-trading-rules.md 9 (S-HFT2025) [C]", _index_name),
    Parameter("hft_permitted_kinds", ["dw", "dr", "etf"], "kinds",
              "Kinds a high-frequency account may always buy.",
              "set-trading-rules.md 9 (S-HFT2025) [C]", names),
    Parameter("trade_report_start", "09:30", "time",
              "Big-lot and foreign-board trade reports are taken from this time.",
              "set-trading-rules.md 5 [P]; decision T20", time_of_day, show_time),
    Parameter("big_lot_min_qty", 1_000_000, "shares",
              "A main-board trade report of at least this many shares is a big lot.",
              "set-trading-rules.md 5 (S-OFFHOUR) [C]; decision T20",
              integer(1, 1_000_000_000_000)),
    Parameter("big_lot_min_value", "3000000", "THB",
              "A main-board trade report worth at least this much is a big lot; smaller ones "
              "are ordinary off-hour reports.",
              "set-trading-rules.md 5 (S-OFFHOUR) [C]; decision T20", price("0.01", MAX_PRICE),
              show_price),
    Parameter("short_sale_ban", "none", "regime",
              "Short sales allowed as usual (none), banned except for the securities' market "
              "makers (except_market_makers), or banned for everyone (all).",
              "set-trading-rules.md 6.4, 8.1 (S-APR2025) [C]; docs/short-sale-eligibility.md",
              choice("none", "except_market_makers", "all")),
    Parameter("short_eligibility_criteria", True, "on/off",
              "A security is eligible for short sales when it meets the criteria (a member of "
              "short_eligible_index, or market capitalisation, turnover and free float over "
              "their minimums), as well as when its listing marks it eligible.",
              "set-trading-rules.md 8.1 (S-SHORT2024) [C]; docs/short-sale-eligibility.md",
              flag),
    Parameter("short_eligible_index", "SET100", "index",
              "The index whose constituents are eligible for short sales.",
              "set-trading-rules.md 8.1 (S-SHORT2024) [C]", _index_name),
    Parameter("short_eligible_min_market_cap", 7_500_000_000, "THB",
              "A security outside the index is eligible only with a (3-month average) market "
              "capitalisation above this.",
              "set-trading-rules.md 8.1 (S-SHORT2024) [C]; issue 15 (above)",
              integer(0, 10**15)),
    Parameter("short_eligible_min_turnover_pct", 2, "%",
              "... and a 12-month average monthly turnover of at least this share of its "
              "listed shares.",
              "set-trading-rules.md 8.1 (S-SHORT2024) [C]", percent(0, 100)),
    Parameter("short_eligible_min_free_float_pct", 20, "% of paid-up capital",
              "... and a free float of at least this.",
              "set-trading-rules.md 8.1 (S-SHORT2024) [C]", percent(0, 100)),
    Parameter("check_before_sell", False, "on/off",
              "Central check-before-sell: an ordinary sell must be covered by the investor's "
              "available shares, a short sale by its borrowing; else NO_SECURITIES.",
              "set-trading-rules.md 8.3 [P]; issue 15; docs/check-before-sell.md", flag),
    Parameter("order_screening", False, "on/off",
              "Central order screening of short sales and program-trading orders: one that "
              "would trade with its own investor, push the price or follow too many cancels "
              "is refused SCREENED.",
              "S-14MEASURES; issue 15; docs/surveillance.md", flag),
    Parameter("screen_price_pct", 5, "%",
              "A screened buy priced more than this above the reference price, or a screened "
              "sell this far below it, is refused as a push.",
              "docs/surveillance.md [I]", percent(0, 100)),
    Parameter("screen_cancel_limit", 20, "orders",
              "An account that cancelled this many orders without a fill within "
              "screen_cancel_seconds has its screened orders refused (layering).",
              "docs/surveillance.md [I]", integer(1, 1_000_000)),
    Parameter("screen_cancel_seconds", 60, "seconds",
              "The window over which screen_cancel_limit counts cancels.",
              "docs/surveillance.md [I]", integer(1, 86_400)),
    Parameter("short_position_days", 60, "calendar days",
              "A short position not bought back is dropped from the outstanding short report "
              "this many days after the short sale.",
              "set-trading-rules.md 8.3 [C]; docs/short-positions.md", integer(1, 3_650)),
    Parameter("nvdr_disclosure_top", 10, "holders",
              "The NVDR disclosure lists this many largest holders of each security's NVDRs.",
              "S-14MEASURES; issue 15; docs/disclosures.md", integer(1, 1_000)),
    Parameter("nvdr_disclosure_pct", "0.5", "% of listed shares",
              "... and every holder of at least this share of the security's listed shares.",
              "S-14MEASURES; issue 15; docs/disclosures.md", percent(0, 100)),
    Parameter("flagged_investor_days", 30, "calendar days",
              "An investor flagged for inappropriate orders stays on the list the members "
              "receive from the day flagged through this many days after it (its "
              "valid_until).",
              "S-14MEASURES; issue 15; docs/disclosures.md [I]", integer(1, 3_650)),
    Parameter("measure_fine_multiple", 3, "x base fine",
              "Members breaching the short-sale and program-trading rules pay this multiple "
              "of the base fine.",
              "S-14MEASURES; issue 15; docs/disclosures.md", integer(1, 100)),
)


def read_overrides(parameters: tuple[Parameter, ...], overrides: Mapping[str, Any],
                   what: str) -> dict[str, Any]:
    """Read every parameter, overridden or default, into its core form; refuse unknown names."""
    unknown = sorted(set(overrides) - {p.name for p in parameters})
    if unknown:
        raise UnknownParameter(f"no {what} parameter named {', '.join(unknown)}")
    return {p.name: p.value(overrides.get(p.name, p.default)) for p in parameters}


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
    self_match_action: str
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
    halt_resume_pre_open_minutes: int
    circuit_breaker_levels: tuple[tuple[Fraction, int], ...]
    circuit_breaker_index: str
    circuit_breaker_pre_open_minutes: int
    dynamic_price_band_pct: Fraction
    dynamic_price_band_min_price: int
    dynamic_price_band_pre_open_minutes: int
    dynamic_price_band_kinds: frozenset[str]
    auto_pause_pct: Fraction
    auto_pause_minutes: int
    auto_pause_pre_open_minutes: int
    auto_pause_kinds: frozenset[str]
    cash_balance_signs: frozenset[str]
    min_resting_time_ms: int
    short_sale_price_test: str
    short_sale_conditional_drop_pct: Fraction
    short_sale_max_pct: Fraction
    hft_universe_rule: bool
    hft_universe_index: str
    hft_permitted_kinds: frozenset[str]
    trade_report_start: int
    big_lot_min_qty: int
    big_lot_min_value: int
    short_sale_ban: str
    short_eligibility_criteria: bool
    short_eligible_index: str
    short_eligible_min_market_cap: int
    short_eligible_min_turnover_pct: Fraction
    short_eligible_min_free_float_pct: Fraction
    check_before_sell: bool
    order_screening: bool
    screen_price_pct: Fraction
    screen_cancel_limit: int
    screen_cancel_seconds: int
    short_position_days: int
    nvdr_disclosure_top: int
    nvdr_disclosure_pct: Fraction
    flagged_investor_days: int
    measure_fine_multiple: int

    def __init__(self, overrides: Mapping[str, Any] | None = None) -> None:
        self.overrides: dict[str, Any] = dict(overrides or {})
        for name, value in read_overrides(PARAMETERS, self.overrides, "rulebook").items():
            setattr(self, name, value)
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


DEFAULT_RULEBOOK = Rulebook()
