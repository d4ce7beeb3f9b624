"""The rule sandbox: one scenario run under two rulebooks, and what changed between them.

A regulator judges a measure (a tighter price band, a smaller maximum order) by the flow it would
have changed, so both runs are gathered into the same figures per security and per order, and
the report puts them side by side with the difference B - A.

The runs are read as the event names and fields that `siamex replay` prints, not as event
classes, so an event kind the engine learns later is ignored rather than breaking the report,
and a `status` event is counted by its `what` without knowing what it means.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any, Final

from siamex.scenario.loader import Scenario, load_scenario
from siamex.scenario.output import event_fields, event_name
from siamex.scenario.runner import DayHandler, run_scenario, scenario_commands
from siamex.units import format_price, parse_price

__all__ = [
    "COUNTED",
    "FIGURES",
    "HALT_PHASES",
    "PRICE_FIGURES",
    "Comparison",
    "DayRun",
    "Figures",
    "OrderSymbols",
    "Outcome",
    "Record",
    "Rules",
    "compare_scenario",
    "report",
    "side_label",
    "tally",
]

FIGURES: Final = ("trades", "volume", "value", "open", "high", "low", "close", "average",
                  "ceiling", "floor", "accepted", "auctions", "auction_volume")
"""The single figures of a security's day, in the order the report shows them."""

PRICE_FIGURES: Final = frozenset({"value", "open", "high", "low", "close", "average", "ceiling",
                                  "floor"})
"""Figures held in satang and shown as decimal strings; the others are counts of shares/events."""

COUNTED: Final = ("rejects", "engine_cancels", "halts", "board_trades", "board_volume")
"""Figures counted by a code: reject reason, cancel reason, halt kind, or board (not main)."""

HALT_PHASES: Final = frozenset({"HALTED", "PAUSED", "NO_MATCHING", "PRE_OPEN"})
"""Phases that stop or interrupt trading (PRE_OPEN: the pre-open before a resumption)."""

_MARKET_FIGURES: Final = ("trades", "volume", "value", "accepted", "auctions", "auction_volume")
_UNSTATED = "?"
_EVERY_SECURITY = "*"

Record = tuple[int, str, Mapping[str, Any]]
"""One event as (time, name, fields), the fields as `siamex replay` prints them."""


@dataclass(frozen=True)
class Rules:
    """One side of a comparison: how it is labelled and the overrides laid over the scenario."""

    label: str
    overrides: Mapping[str, Any]


def side_label(files: Iterable[Path], pairs: Iterable[str]) -> str:
    """Name a side by what the user gave for it, so the report reads like the command line."""
    parts = [str(path) for path in files] + [pair.strip() for pair in pairs]
    return " + ".join(parts) or "the scenario's rules"


@dataclass
class Figures:
    """One security's (or the whole market's) figures on one day under one rulebook."""

    values: dict[str, int | None] = field(
        default_factory=lambda: {name: None if name in PRICE_FIGURES else 0 for name in FIGURES})
    counts: dict[str, Counter[str]] = field(
        default_factory=lambda: {name: Counter() for name in COUNTED})


@dataclass
class Outcome:
    """What became of one order id on one day: the figures that tell two runs apart."""

    first_ts: int
    symbol: str | None = None
    accepted: int = 0
    amended: int = 0
    filled: int = 0
    rejects: list[str] = field(default_factory=list)
    cancels: list[str] = field(default_factory=list)

    def same_as(self, other: Outcome) -> bool:
        """Compare what happened to the order, not when it was first seen."""
        return (self.accepted, self.amended, self.filled, self.rejects, self.cancels) == (
            other.accepted, other.amended, other.filled, other.rejects, other.cancels)

    def as_dict(self) -> dict[str, Any]:
        """Return the outcome with stable keys for the JSON report."""
        return {"accepted": self.accepted, "amended": self.amended, "filled": self.filled,
                "rejects": list(self.rejects), "cancels": list(self.cancels)}


@dataclass
class DayRun:
    """One trading day of one run: figures by security, the market's, and every order's fate.

    Orders are kept per day: a GTC order carried over is judged by what happened to it that day.
    """

    date: str
    securities: dict[str, Figures] = field(default_factory=dict)
    market: Figures = field(default_factory=Figures)
    orders: dict[str, Outcome] = field(default_factory=dict)
    every_security: Counter[str] = field(default_factory=Counter)  # halts of symbol "*"

    def security(self, symbol: str) -> Figures:
        return self.securities.setdefault(symbol, Figures())

    def order(self, ts: int, order_id: str) -> Outcome:
        return self.orders.setdefault(order_id, Outcome(ts))


class OrderSymbols:
    """Find the security of a rejected action, whose event names only the order id.

    The action that was refused is the scenario's: a new order at that instant names its
    security; an amend or cancel takes the security its id was entered for.
    """

    def __init__(self, scenario: Scenario) -> None:
        self._at: dict[tuple[int, str], str] = {}
        self._by_id: dict[str, str] = {}
        for command in scenario_commands(scenario):
            order_id, symbol = getattr(command, "id", None), getattr(command, "symbol", None)
            if isinstance(order_id, str) and isinstance(symbol, str):
                self._at.setdefault((command.ts, order_id), symbol)
                self._by_id.setdefault(order_id, symbol)

    def find(self, ts: int, order_id: str, seen: str | None) -> str | None:
        """Prefer the new order at that instant: a reused id may name another security."""
        return self._at.get((ts, order_id)) or seen or self._by_id.get(order_id)


_OUTPUT_DIGITS = 15  # the engine's own prices: a ceiling or candidate above a file's largest


def _price(fields: Mapping[str, Any], name: str) -> int | None:
    text = fields.get(name)
    return None if text is None else parse_price(str(text), _OUTPUT_DIGITS)


def _limits(day: DayRun, ts: int, f: Mapping[str, Any]) -> None:
    figures = day.security(str(f["symbol"])).values
    figures["ceiling"], figures["floor"] = _price(f, "ceiling"), _price(f, "floor")


def _add(values: dict[str, int | None], name: str, n: int) -> None:
    values[name] = (values[name] or 0) + n


def _accepted(day: DayRun, ts: int, f: Mapping[str, Any]) -> None:
    symbol = str(f["symbol"])
    _add(day.security(symbol).values, "accepted", 1)
    outcome = day.order(ts, str(f["id"]))
    outcome.accepted += 1
    outcome.symbol = symbol


def _amended(day: DayRun, ts: int, f: Mapping[str, Any]) -> None:
    outcome = day.order(ts, str(f["id"]))
    outcome.amended += 1
    outcome.symbol = str(f["symbol"])


def _cancelled(day: DayRun, ts: int, f: Mapping[str, Any]) -> None:
    outcome = day.order(ts, str(f["id"]))
    outcome.symbol = str(f["symbol"])
    reason = f.get("reason")
    outcome.cancels.append("member" if reason is None else str(reason))
    if reason is not None:
        day.security(outcome.symbol).counts["engine_cancels"][str(reason)] += 1
        day.market.counts["engine_cancels"][str(reason)] += 1


def _trade(day: DayRun, ts: int, f: Mapping[str, Any]) -> None:
    symbol, qty, board = str(f["symbol"]), int(f["qty"]), str(f["board"])
    buy, sell = str(f["buy_id"]), str(f["sell_id"])
    for order_id in (buy,) if buy == sell else (buy, sell):  # a trade report's are one id
        outcome = day.order(ts, order_id)
        outcome.filled += qty
        outcome.symbol = symbol
    if board != "main":
        for figures in (day.security(symbol), day.market):
            figures.counts["board_trades"][board] += 1
            figures.counts["board_volume"][board] += qty


def _auction(day: DayRun, ts: int, f: Mapping[str, Any]) -> None:
    if f.get("price") is None:
        return
    values = day.security(str(f["symbol"])).values
    _add(values, "auctions", 1)
    _add(values, "auction_volume", int(f["qty"]))


def _close(day: DayRun, ts: int, f: Mapping[str, Any]) -> None:
    values = day.security(str(f["symbol"])).values
    for name in ("open", "high", "low", "close", "average"):
        values[name] = _price(f, name)
    values["trades"], values["volume"] = int(f["trades"]), int(f["volume"])
    # the engine's own two-decimal text; unlike a price, may exceed 10^9 THB, and unlike a
    # clearing file's amount, is not bounded by the clearing house's largest amount
    values["value"] = int(Fraction(str(f["value"])) * 100)


def _halt(day: DayRun, symbol: str, kind: str) -> None:
    day.market.counts["halts"][kind] += 1
    if symbol == _EVERY_SECURITY:
        day.every_security[kind] += 1
    else:
        day.security(symbol).counts["halts"][kind] += 1


def _phase(day: DayRun, ts: int, f: Mapping[str, Any]) -> None:
    phase = str(f["phase"])
    if phase in HALT_PHASES:
        _halt(day, str(f.get("symbol", _EVERY_SECURITY)), f"phase {phase}")


def _status(day: DayRun, ts: int, f: Mapping[str, Any]) -> None:
    """Count a status by its `what`; one taken off (`on` false) apart from one put on."""
    what = f.get("what") or f.get("status") or ""
    kind = f"status {what} off" if f.get("on") is False else f"status {what}"
    _halt(day, str(f.get("symbol", _EVERY_SECURITY)), " ".join(kind.split()))


_Handler = Callable[[DayRun, int, Mapping[str, Any]], None]
_HANDLERS: Final[dict[str, _Handler]] = {
    "price_limits": _limits, "accepted": _accepted, "amended": _amended,
    "cancelled": _cancelled, "trade": _trade, "auction": _auction, "close": _close,
    "phase": _phase, "status": _status,
}


def _finish(day: DayRun) -> None:
    """Spread market-wide halts over every security and total the market's single figures."""
    for figures in day.securities.values():
        figures.counts["halts"].update(day.every_security)
    for name in _MARKET_FIGURES:
        day.market.values[name] = sum(f.values[name] or 0 for f in day.securities.values())


def _rejected(day: DayRun, ts: int, f: Mapping[str, Any], symbols: OrderSymbols) -> None:
    """Count a reject under its security; one the scenario cannot place counts in the market's."""
    order_id, reason = str(f["id"]), str(f["reason"])
    outcome = day.order(ts, order_id)
    outcome.rejects.append(reason)
    symbol = symbols.find(ts, order_id, outcome.symbol)
    outcome.symbol = outcome.symbol or symbol
    if symbol is not None:
        day.security(symbol).counts["rejects"][reason] += 1
    day.market.counts["rejects"][reason] += 1


def tally(records: Iterable[Record], symbols: OrderSymbols) -> list[DayRun]:
    """Gather one run's events into its days, ignoring kinds of event it does not count."""
    days: list[DayRun] = []
    for ts, name, fields in records:
        if name == "day":
            if days:
                _finish(days[-1])
            days.append(DayRun(str(fields["date"])))
            continue
        if not days:
            days.append(DayRun(_UNSTATED))
        day = days[-1]
        if name == "rejected":
            _rejected(day, ts, fields, symbols)
        elif name in _HANDLERS:
            _HANDLERS[name](day, ts, fields)
    if days:
        _finish(days[-1])
    return days


def _records(scenario: Scenario, engine: DayHandler | None) -> Iterator[Record]:
    for event in run_scenario(scenario, engine):
        yield event.ts, event_name(event), event_fields(event)


@dataclass(frozen=True)
class Comparison:
    """The same scenario run under rulebooks A and B, each gathered into its days."""

    scenario: str
    a: Rules
    b: Rules
    days_a: list[DayRun]
    days_b: list[DayRun]


def compare_scenario(path: Path, a: Rules, b: Rules,
                     engine: Callable[[Scenario], DayHandler] | None = None) -> Comparison:
    """Run a scenario file under both rulebooks; both load first, so a bad B fails before A runs.

    `engine` makes what each side runs on from its plan (the engine alone by default): the
    command line gives the engine with the measures, which may refuse a plan it cannot run,
    and both are made before either side runs.
    """
    plan_a, plan_b = load_scenario(path, a.overrides), load_scenario(path, b.overrides)
    host_a, host_b = (None, None) if engine is None else (engine(plan_a), engine(plan_b))
    days_a = tally(_records(plan_a, host_a), OrderSymbols(plan_a))
    days_b = tally(_records(plan_b, host_b), OrderSymbols(plan_b))
    return Comparison(str(path), a, b, days_a, days_b)


def _side(value: int | None, price: bool) -> int | str | None:
    if value is None or not price:
        return value
    return format_price(value)


def _row(a: int | None, b: int | None, price: bool) -> dict[str, Any]:
    diff = None if a is None or b is None else b - a
    return {"a": _side(a, price), "b": _side(b, price), "diff": _side(diff, price)}


def _security(a: Figures, b: Figures, names: Iterable[str] = FIGURES) -> dict[str, Any]:
    entry: dict[str, Any] = {"differs": a != b}
    entry["figures"] = {name: _row(a.values[name], b.values[name], name in PRICE_FIGURES)
                        for name in names}
    for group in COUNTED:
        codes = sorted(set(a.counts[group]) | set(b.counts[group]))
        entry[group] = {code: _row(a.counts[group][code], b.counts[group][code], False)
                        for code in codes}
    return entry


def _day(a: DayRun, b: DayRun) -> dict[str, Any]:
    symbols = sorted(set(a.securities) | set(b.securities))
    return {"date": a.date,
            "securities": {symbol: _security(a.securities.get(symbol, Figures()),
                                             b.securities.get(symbol, Figures()))
                           for symbol in symbols},
            "market": _security(a.market, b.market, _MARKET_FIGURES)}


def _orders(pairs: list[tuple[DayRun, DayRun]], shown: int) -> dict[str, Any]:
    differing: list[tuple[tuple[int, int, str], dict[str, Any]]] = []
    for index, (day_a, day_b) in enumerate(pairs):
        for order_id in set(day_a.orders) | set(day_b.orders):
            seen = [o for o in (day_a.orders.get(order_id), day_b.orders.get(order_id)) if o]
            first_ts = min(outcome.first_ts for outcome in seen)
            a = day_a.orders.get(order_id) or Outcome(first_ts)
            b = day_b.orders.get(order_id) or Outcome(first_ts)
            if a.same_as(b):
                continue
            entry = {"date": day_a.date, "id": order_id, "symbol": a.symbol or b.symbol,
                     "a": a.as_dict(), "b": b.as_dict()}
            differing.append(((index, first_ts, order_id), entry))
    differing.sort(key=lambda item: item[0])
    return {"differ": len(differing), "shown": [entry for _, entry in differing[:shown]]}


def _json_value(value: Any) -> Any:
    """Keep what JSON holds as it is; write anything else TOML gave (a time) as its text."""
    if isinstance(value, bool | int | str):
        return value
    if isinstance(value, list):
        return [_json_value(item) for item in value]
    return str(value)


def _rules(rules: Rules) -> dict[str, Any]:
    return {"label": rules.label,
            "overrides": {name: _json_value(rules.overrides[name])
                          for name in sorted(rules.overrides)}}


def report(comparison: Comparison, shown_orders: int = 20) -> dict[str, Any]:
    """Render the comparison as plain data that encodes to the same bytes for the same inputs.

    Prices and amounts are decimal strings and quantities integers (no float ever holds a
    price); securities, codes and orders come sorted, never in the order of a set.
    """
    pairs = list(zip(comparison.days_a, comparison.days_b, strict=True))
    days = [_day(a, b) for a, b in pairs]
    orders = _orders(pairs, shown_orders)
    differs = orders["differ"] > 0 or any(
        day["market"]["differs"] or any(s["differs"] for s in day["securities"].values())
        for day in days)
    return {"scenario": comparison.scenario, "a": _rules(comparison.a),
            "b": _rules(comparison.b), "differs": differs, "days": days, "orders": orders}
