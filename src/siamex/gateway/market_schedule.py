"""The trading day's schedule as `siamex serve` shows it: the sessions in order, the market's
phase and the circuit breaker's state (docs/operations.md, `GET /v1/market/schedule`).

Everything is read from the engine as it runs the day, so a day opened on a rulebook with other
session times shows them; before the first day, from the rulebook the universe's days open with.

Decisions:

- A session's `start` is Bangkok time on the trading day's clock, "HH:MM:SS"; a TFEX night
  session's steps past midnight run on to 27:00:00 (docs/derivatives-trading.md). A session an
  auction opens starts, for each security, at a random instant from `start` to before
  `start_by` (T6); the others start at `start` for every security at once (`start_by` null).
- On TFEX each series follows its product's sessions: a step names the products whose series
  take it (a series' last trading day adds its own early close); before the first TFEX day no
  series is listed, so there are no sessions to show.
- The market's phase is its securities' scheduled session (the holds over it are theirs);
  while they differ (an auction window, TFEX products with other hours) the earliest of those
  not closed: the market has opened once its last security has.
- The circuit breaker is `tripped` while its halt holds securities, until `until`; `level` is
  the deepest level reached that day and stays after the halt (each level once a day, T10).
"""

from __future__ import annotations

from typing import Any, Final

from siamex.gateway.audit import bangkok_instant
from siamex.measures.percent import format_pct
from siamex.rulebook.parameters import Rulebook
from siamex.rulebook.products import default_products
from siamex.rulebook.series import parse_symbol
from siamex.trading.day import TradingDay
from siamex.trading.engine import Engine
from siamex.trading.enums import Phase
from siamex.trading.phases import TRANSITIONS
from siamex.units import US_PER_SECOND, day_start, format_price

__all__ = ["clock_time", "market_phase", "schedule_json"]


def _day_order() -> tuple[Phase, ...]:
    """The scheduled phases in the order a day goes through them, from CLOSED."""
    order = [Phase.CLOSED]
    entering = TRANSITIONS[Phase.CLOSED][1]
    while entering is not Phase.CLOSED:
        order.append(entering)
        entering = TRANSITIONS[entering][1]
    return tuple(order)


_ORDER: Final = _day_order()
_RANK: Final = {phase: n for n, phase in enumerate(_ORDER)}
_WINDOWS: Final = {"open1": ("open_1_window_start", "open_1_window_end"),
                   "open2": ("open_2_window_start", "open_2_window_end"),
                   "close": ("close_window_start", "close_window_end")}
"""The rulebook's window of each auction, in which every security's instant is drawn (T6)."""


def clock_time(us: int) -> str:
    """Write microseconds after the trading day's midnight as "HH:MM:SS" (past 24:00 for a
    night session), with the microseconds only when there are some."""
    seconds, micros = divmod(us, US_PER_SECOND)
    text = f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
    return f"{text}.{micros:06d}" if micros else text


def _session(phase: Phase, start: int, start_by: int | None,
             products: list[str] | None) -> dict[str, Any]:
    return {"phase": phase.value, "start": clock_time(start),
            "start_by": clock_time(start_by) if start_by is not None else None,
            "products": products}


def _set_sessions(rules: Rulebook) -> list[dict[str, Any]]:
    """The SET day's sessions, each entered by the rulebook time or auction window of its
    transition (set-trading-rules.md 1; siamex.trading.phases)."""
    sessions = []
    for leaving in _ORDER:
        trigger, entering = TRANSITIONS[leaving]
        if trigger.auction is None:
            sessions.append(_session(entering, getattr(rules, trigger.at), None, None))
        else:
            first, last = _WINDOWS[trigger.auction]
            sessions.append(_session(entering, getattr(rules, first), getattr(rules, last),
                                     None))
    return sessions


def _series_sessions(engine: Engine) -> list[dict[str, Any]]:
    """A TFEX day's steps from its series' own timetables, each with the products taking it."""
    assert engine.date is not None
    base = day_start(engine.date)
    products = default_products()
    steps: dict[tuple[int, int], set[str]] = {}
    for inst in engine.instruments.values():
        product = parse_symbol(inst.symbol, products).product
        for (due, _), (entering, _, _) in inst.timetable.items():
            steps.setdefault((due - base, _RANK[entering]), set()).add(product)
    return [_session(_ORDER[rank], start, None, sorted(names))
            for (start, rank), names in sorted(steps.items())]


def market_phase(engine: Engine) -> Phase:
    """The market's scheduled phase: the earliest session of its securities not closed."""
    trading = [inst.session for inst in engine.instruments.values()
               if inst.session is not Phase.CLOSED]
    return min(trading, key=_RANK.__getitem__) if trading else Phase.CLOSED


def _breaker(day: TradingDay, rules: Rulebook) -> dict[str, Any]:
    """The circuit breaker as the engine keeps it: its index, the levels with their trigger
    values on the day's index, the level reached and the halt in force (6.1, T10)."""
    index = day.breaker_index
    until = day.breaker_until()
    floors: list[int | None] = list(day.breaker_floors) if index is not None else []
    floors += [None] * (len(rules.circuit_breaker_levels) - len(floors))
    return {
        "index": rules.circuit_breaker_index,
        "armed": index is not None and bool(rules.circuit_breaker_levels),
        "value": format_price(index.value) if index is not None else None,
        "prev_close": format_price(index.prev_close) if index is not None else None,
        "level": day.breaker_level, "tripped": until is not None,
        "until": bangkok_instant(until) if until is not None else None,
        "levels": [{"level": n, "fall": format_pct(fall), "minutes": minutes,
                    "trigger": format_price(floor) if floor is not None else None}
                   for n, ((fall, minutes), floor) in enumerate(
                       zip(rules.circuit_breaker_levels, floors, strict=True), 1)]}


def schedule_json(engine: Engine, upcoming: Rulebook, market: str) -> dict[str, Any]:
    """The schedule of the day the engine is on; before the first day, the schedule of the
    `market` whose days open with the rulebook `upcoming`."""
    day = engine.day
    date = engine.date
    rules = engine.rules if date is not None else upcoming
    if date is not None:
        market = day.market
    if market == "tfex":
        sessions = _series_sessions(engine) if date is not None else []
    else:
        sessions = _set_sessions(rules)
    return {"market": market, "date": date.isoformat() if date is not None else None,
            "phase": market_phase(engine).value, "sessions": sessions,
            "circuit_breaker": _breaker(day, rules)}
