"""Engine snapshots as plain data, and the state hash that proves a replay exact (pillar 2).

A snapshot holds everything the engine needs to go on exactly as before: the books in priority
order, each security's phase and statistics, the schedule, the counters. Its encoding is
canonical (fixed field order, sorted sets), so two engines in the same state give the same
bytes, and the state hash is the SHA-256 of those bytes. The same snapshot, saved to a file, is
the state file that carries GTC/GTD orders and closes to the next day.
"""

from __future__ import annotations

import hashlib
from typing import Any

import msgspec

from siamex.rulebook.limits import PriceLimits
from siamex.rulebook.parameters import Rulebook
from siamex.rulebook.schedule import AuctionInstants
from siamex.rulebook.ticks import tick_scale
from siamex.trading.auction import Equilibrium
from siamex.trading.book import Book
from siamex.trading.commands import TradeReport
from siamex.trading.engine import Engine
from siamex.trading.enums import OrderType, Phase, Side, Validity
from siamex.trading.index import Index
from siamex.trading.instrument import Instrument
from siamex.trading.order import ORDER_FIELDS, Order
from siamex.trading.series_listing import series_scale
from siamex.units import day_start, parse_date

__all__ = ["SNAPSHOT_VERSION", "dump", "load", "restore", "snapshot", "state_hash"]

SNAPSHOT_VERSION = 5

_ORDER_ENUMS: dict[str, type[Side | OrderType | Validity]] = {
    "side": Side, "type": OrderType, "validity": Validity}
"""The order fields a snapshot records as their enum's value (a test finds them all)."""
_STATS = ("last_price", "open", "high", "low", "volume", "value", "trades")
_CONTROLS = ("halt", "step_due", "stop", "pause_day", "surveillance_level", "auction_only",
             "cash_only", "short_eligible", "short_exposure", "short_cap", "uptick", "dpb",
             "pause_threshold", "paused_today", "foreign_underlying", "hft_ok", "index_price")
_SETS = ("signs", "market_makers")


def _order(order: Order) -> list[Any]:
    return [getattr(order, name) for name in ORDER_FIELDS]


def _book(book: Book) -> dict[str, list[list[Any]]]:
    return {
        "buys": [_order(o) for o in book.orders(Side.BUY)],
        "sells": [_order(o) for o in book.orders(Side.SELL)],
        "ato_buys": [_order(o) for o in book.ato_buys.values()],
        "ato_sells": [_order(o) for o in book.ato_sells.values()],
    }


def _instrument(inst: Instrument) -> dict[str, Any]:
    data: dict[str, Any] = {
        "symbol": inst.symbol, "kind": inst.kind, "board": inst.board, "lot": inst.lot,
        "listed_shares": inst.listed_shares, "prev_close": inst.prev_close,
        "ipo_price": inst.ipo_price, "ceiling": inst.ceiling, "floor": inst.floor,
        "instants": list(inst.instants), "odd_lot_board": inst.odd is not None,
        "phase": inst.phase.value,
    }
    for name in _STATS + _CONTROLS:
        data[name] = getattr(inst, name)
    for name in _SETS:
        data[name] = sorted(getattr(inst, name))
    data["session"] = inst.session.value
    data["step_phase"] = inst.step_phase.value
    data["indices"] = [index.name for index in inst.indices]
    data["tick"] = inst.grid.tick
    data["multiplier"] = inst.multiplier
    data["timetable"] = sorted([due, leaving.value, entering.value, auction, ends]
                               for (due, leaving), (entering, auction, ends)
                               in inst.timetable.items())
    data["book"] = _book(inst.book)
    data["odd"] = _book(inst.odd) if inst.odd is not None else None
    return data


def snapshot(engine: Engine) -> dict[str, Any]:
    """Return the engine's whole state as canonical plain data."""
    day = engine.day
    return {
        "version": SNAPSHOT_VERSION,
        "rules": dict(sorted(day.rules.overrides.items())),
        "date": day.date.isoformat() if day.date else None,
        "market": day.market,
        "seed": day.seed,
        "now": day.now,
        "next_order_no": engine.next_order_no,
        "next_trade_no": engine.next_trade_no,
        "smp_members": sorted(engine.smp_members),
        "hft_accounts": dict(sorted(engine.hft_accounts.items())),
        "closes": dict(sorted(day.closes.items())),
        "prior_closes": dict(sorted(day.prior_closes.items())),
        "indices": [[i.name, i.prev_close, i.base, i.cap, i.value, i.quotient, i.remainder,
                     i.step_quotient, i.step_remainder] for i in day.indices.values()],
        "breaker_level": day.breaker_level,
        "reports": [msgspec.to_builtins(r) for r in engine.reports.values()],
        "schedule": sorted([list(entry) for entry in day.schedule]),
        "schedule_seq": day.schedule_seq,
        "indicative": {s: list(r.fields()) for s, r in sorted(engine.indicative.items())},
        "instruments": [_instrument(inst) for inst in day.instruments.values()],
    }


def _load_order(row: list[Any]) -> Order:
    values = dict(zip(ORDER_FIELDS, row, strict=True))
    for name, kind in _ORDER_ENUMS.items():
        values[name] = kind(values[name])
    return Order(**values)


def _load_book(book: Book, data: dict[str, list[list[Any]]]) -> list[Order]:
    orders: list[Order] = []
    for key in ("buys", "sells"):
        for row in data[key]:
            order = _load_order(row)
            book.add(order)
            orders.append(order)
    for key in ("ato_buys", "ato_sells"):
        for row in data[key]:
            order = _load_order(row)
            book.enqueue(order)
            orders.append(order)
    return orders


def _load_instrument(rules: Rulebook, data: dict[str, Any], indices: dict[str, Index],
                     derivatives: bool) -> tuple[Instrument, list[Order]]:
    scale = series_scale(data["tick"]) if derivatives else tick_scale(rules, data["kind"])
    inst = Instrument(
        data["symbol"], data["kind"], data["board"], data["lot"], data["listed_shares"],
        scale, PriceLimits(data["ceiling"], data["floor"]),
        data["prev_close"], data["ipo_price"], AuctionInstants(*data["instants"]),
        rules.auction_tick_allowance, data["odd_lot_board"], rules.max_order_qty,
    )
    for name in _STATS + _CONTROLS:
        setattr(inst, name, data[name])
    for name in _SETS:
        setattr(inst, name, frozenset(data[name]))
    inst.short_ban = rules.short_sale_ban  # the day's regime: the rules recorded say it
    inst.session = Phase(data["session"])
    inst.step_phase = Phase(data["step_phase"])
    inst.indices = [indices[name] for name in data["indices"]]
    inst.multiplier = data["multiplier"]
    inst.timetable = {(due, Phase(leaving)): (Phase(entering), auction, ends)
                      for due, leaving, entering, auction, ends in data["timetable"]}
    inst.enter(Phase(data["phase"]))
    orders = _load_book(inst.book, data["book"])
    if inst.odd is not None:
        orders += _load_book(inst.odd, data["odd"])
    return inst, orders


def _whole(data: dict[str, Any], key: str) -> int:
    """A snapshot's whole number: the compiled engine refuses anything else as it assigns it,
    the pure-Python one would take it and fail later, outside the state file's checks."""
    value = data[key]
    if type(value) is not int:
        raise ValueError(f"{key} is {value!r}, not a whole number")
    return value


def restore(data: dict[str, Any]) -> Engine:
    """Build an engine in exactly the state a snapshot recorded."""
    if data.get("version") != SNAPSHOT_VERSION:
        raise ValueError(f"snapshot version {data.get('version')!r} is not {SNAPSHOT_VERSION}")
    engine = Engine()
    day = engine.day
    engine.use_rules(rules := Rulebook(data["rules"]))
    day.date = parse_date(data["date"]) if data["date"] else None
    day.market = data["market"]
    day.derivatives = day.market == "tfex"
    day.seed = _whole(data, "seed")
    day.now = _whole(data, "now")
    engine.next_order_no = _whole(data, "next_order_no")
    engine.next_trade_no = _whole(data, "next_trade_no")
    engine.smp_members = frozenset(data["smp_members"])
    engine.hft_accounts = dict(data["hft_accounts"])
    day.closes = dict(data["closes"])
    day.prior_closes = dict(data["prior_closes"])
    day.base = day_start(day.date) if day.date else 0
    for name, prev_close, base, cap, value, *kept in data["indices"]:
        index = day.indices[name] = Index(name, prev_close)
        index.base, index.cap, index.value = base, cap, value
        index.restore(*kept)
    day.arm_breaker()
    day.breaker_level = _whole(data, "breaker_level")
    reports = [msgspec.convert(row, TradeReport) for row in data["reports"]]
    engine.reports = {report.id: report for report in reports}
    day.schedule = [(due, seq, symbol, Phase(phase))
                    for due, seq, symbol, phase in data["schedule"]]
    day.schedule_seq = _whole(data, "schedule_seq")
    day.next_due = day.schedule[0][0] if day.schedule else day.next_due
    engine.indicative = {s: Equilibrium(*r) for s, r in data["indicative"].items()}
    for item in data["instruments"]:
        inst, orders = _load_instrument(rules, item, day.indices, day.derivatives)
        day.instruments[inst.symbol] = inst
        for order in orders:
            engine.orders[order.id] = order
    return engine


def dump(engine: Engine) -> bytes:
    """Encode the engine's snapshot canonically (JSON, fixed order)."""
    return msgspec.json.encode(snapshot(engine))


def load(data: bytes) -> Engine:
    """Decode a snapshot written by dump()."""
    return restore(msgspec.json.decode(data))


def state_hash(engine: Engine) -> str:
    """Return the SHA-256 of the canonical snapshot: equal hashes, equal states."""
    return hashlib.sha256(dump(engine)).hexdigest()
