"""Scenario files (docs/scenario-format.md) into the commands of one or more trading days.

A file that cannot be run at all (not JSON, a holiday, an unknown rulebook parameter, a security
the rules cannot price yet) raises `SiamexError` with a stable code. A single action that cannot
be read does not stop the day: it becomes an edge rejection at its time.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import msgspec

from siamex.errors import ErrorCode, SiamexError
from siamex.rulebook.calendar import OutsideCalendar, is_trading_day
from siamex.rulebook.overrides import read_rules
from siamex.rulebook.parameters import Rulebook
from siamex.rulebook.products import ProductKind, default_products
from siamex.rulebook.series import parse_symbol
from siamex.scenario.actions import EdgeReject, parse_action
from siamex.scenario.fields import FieldError, get_bool, get_int, get_price, get_str, no_unknown
from siamex.trading.commands import (
    AccountSpec,
    Command,
    IndexSpec,
    InstrumentSpec,
    MemberSpec,
    StartDay,
)
from siamex.trading.listing import SIGNS
from siamex.trading.rejects import Reject
from siamex.trading.series_listing import listed_series
from siamex.units import InvalidValue, day_start, parse_date, parse_time_of_day, shown

__all__ = ["DayPlan", "Item", "Scenario", "carried_forward", "load_scenario", "parse_scenario"]

_DAY_KEYS = {"date", "seed", "rules", "auction_times", "instruments", "actions", "indices",
             "members", "accounts", "description", "underlyings"}
_TOP_KEYS = _DAY_KEYS | {"days", "market"}
_SERIES_KEYS = {"symbol", "prev_close", "sign", "market_maker_accounts"}
_SET_ONLY = ("indices", "auction_times", "accounts")  # accounts: SET's HFT registration
_NIGHT_HOURS = 27  # decision 111: a TFEX day's clock runs on to the night session's 03:00
_INSTRUMENT_KEYS = {"symbol", "prev_close", "kind", "board", "board_lot", "listed_shares",
                    "ipo_price", "short_eligible", "sign", "surveillance_level", "index_member",
                    "market_maker_accounts", "short_outstanding", "surveillance_pause",
                    "foreign_underlying", "hft_permitted", "prior_close", "main",
                    "market_cap", "turnover_pct", "free_float_pct"}
_WHOLE_BAHT = re.compile(r"[0-9]{1,16}")
_PERCENT = re.compile(r"([0-9]{1,5})(?:\.([0-9]{1,9}))?")
_MOST_MARKET_CAP = 10**15  # baht, the bound of short_eligible_min_market_cap
_MOST_TURNOVER_BP = 1_000_000  # 10,000%: a month's turnover may exceed the shares listed
_MOST_FREE_FLOAT_BP = 10_000  # 100% of paid-up capital
_PRICED_KINDS = {"stock", "preferred", "etf", "unit_trust", "reit", "property_fund",
                 "infrastructure_fund", "dr"}
_UNPRICED_KINDS = {"warrant", "tsr", "dw"}
_DERIVATIVE_KINDS = {"future", "option"}
_AUCTION_WINDOWS = {
    "open1": ("pre_open_1_start", "intermission_start"),
    "open2": ("pre_open_2_start", "pre_close_start"),
    "close": ("pre_close_start", "off_hour_end"),
}


class Item(NamedTuple):
    """One action: its time, and either its command or its edge rejection."""

    ts: int
    command: Command | None
    reject: EdgeReject | None


@dataclass(frozen=True)
class DayPlan:
    """One trading day of a scenario: how it starts, its actions, and when it is over."""

    start: StartDay
    items: tuple[Item, ...]
    end: int


@dataclass(frozen=True)
class Scenario:
    days: tuple[DayPlan, ...]


def _fail(code: ErrorCode, message: str) -> SiamexError:
    return SiamexError(code, message)


def _rulebook(rules: Any, overrides: Mapping[str, Any]) -> Rulebook:
    if rules is None:
        rules = {}
    if not isinstance(rules, dict):
        raise _fail(ErrorCode.SCENARIO_FIELD, "rules must be an object of parameter overrides")
    return read_rules(Rulebook, {**rules, **overrides})


def _trading_date(raw: Any) -> dt.date:
    try:
        day = parse_date(raw)
        trading = is_trading_day(day)
    except (InvalidValue, OutsideCalendar) as exc:
        raise _fail(ErrorCode.SCENARIO_FIELD, f"date: {exc}") from None
    if not trading:
        raise _fail(ErrorCode.NOT_TRADING_DAY,
                    f"{day.isoformat()} is not an SET trading day (weekend or holiday)")
    return day


def _strings(raw: Mapping[str, Any], key: str) -> tuple[str, ...]:
    value = raw.get(key)
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise FieldError(f"{key} must be a string or a list of strings")
    if len(set(value)) != len(value):
        raise FieldError(f"{key} names something twice")
    return tuple(value)


def _signs(raw: Mapping[str, Any], symbol: str) -> tuple[str, ...]:
    signs = _strings(raw, "sign")
    unknown = sorted(set(signs) - SIGNS)
    if unknown:
        raise FieldError(f"{symbol}: unknown sign(s) {', '.join(unknown)}")
    return signs


def _count(raw: Mapping[str, Any], key: str, symbol: str) -> int:
    value = get_int(raw, key, required=False, default=0) or 0
    if value < 0:
        raise FieldError(f"{symbol}: {key} must not be negative")
    return value


def _market_cap(raw: Mapping[str, Any], symbol: str) -> int | None:
    """The listing's market capitalisation in whole baht (decision 139), None when not given."""
    value = raw.get("market_cap")
    if value is None:
        return None
    whole = (isinstance(value, int) and not isinstance(value, bool)) or (
        isinstance(value, str) and _WHOLE_BAHT.fullmatch(value) is not None)
    if not whole:
        raise FieldError(f"{symbol}: market_cap must be whole baht, an integer or a string of "
                         f"digits, got {shown(value)}")
    if not 0 <= int(value) <= _MOST_MARKET_CAP:
        raise FieldError(f"{symbol}: market_cap must be 0 to {_MOST_MARKET_CAP:,} baht, "
                         f"got {shown(value)}")
    return int(value)


def _basis_points(raw: Mapping[str, Any], key: str, symbol: str, most: int) -> int | None:
    """A listing's percentage ("2.00", 20) in hundredths of a percent (decision 139), None when
    not given; a finer figure is refused rather than rounded across a criterion's minimum."""
    value = raw.get(key)
    if value is None:
        return None
    out_of_range = FieldError(f"{symbol}: {key} must be 0 to {most // 100:,}%, got {shown(value)}")
    if isinstance(value, int) and not isinstance(value, bool):
        if not 0 <= value <= most // 100:
            raise out_of_range
        return value * 100
    found = _PERCENT.fullmatch(value) if isinstance(value, str) else None
    if found is None:
        raise FieldError(f"{symbol}: {key} must be a percentage such as \"2.00\" or 20, "
                         f"got {shown(value)}")
    fraction = (found.group(2) or "").rstrip("0")
    if len(fraction) > 2:
        raise FieldError(f"{symbol}: {key} {shown(value)} is finer than 0.01%")
    basis_points = int(found.group(1)) * 100 + int(fraction.ljust(2, "0"))
    if basis_points > most:
        raise out_of_range
    return basis_points


def _instrument(raw: Any, indices: frozenset[str]) -> InstrumentSpec:
    if not isinstance(raw, dict):
        raise FieldError("an instrument must be an object")
    no_unknown(raw, _INSTRUMENT_KEYS, "instrument")
    symbol = str(get_str(raw, "symbol"))
    kind = str(get_str(raw, "kind", required=False, default="stock"))
    if kind in _DERIVATIVE_KINDS:
        raise FieldError(f"{symbol}: a {kind} is a TFEX series: list it in a scenario with "
                         '"market": "tfex"')
    if kind in _UNPRICED_KINDS:
        raise _fail(ErrorCode.NOT_IMPLEMENTED,
                    f"{symbol}: price limits of kind {kind!r} are not implemented yet")
    if kind not in _PRICED_KINDS:
        raise FieldError(f"{symbol}: unknown kind {kind!r}")
    board = str(get_str(raw, "board", required=False, default="main"))
    if board not in ("main", "foreign"):
        raise FieldError(f"{symbol}: board must be main or foreign")
    main = get_str(raw, "main", required=False)
    if main is not None and board != "foreign":
        raise FieldError(f"{symbol}: only a foreign-board security names a main security")
    if board == "foreign" and main is None and not symbol.endswith("-F"):
        raise FieldError(f"{symbol}: a foreign-board security ends in -F or names its main")
    signs = _signs(raw, symbol)
    level = _count(raw, "surveillance_level", symbol)
    if level > 3:
        raise FieldError(f"{symbol}: surveillance_level is 0 to 3")
    members = _strings(raw, "index_member")
    missing = sorted(set(members) - indices)
    if missing:
        raise FieldError(f"{symbol}: index_member names no index in indices: {', '.join(missing)}")
    prev_close = get_price(raw, "prev_close", required=False)
    ipo_price = get_price(raw, "ipo_price", required=False)
    prior_close = get_price(raw, "prior_close", required=False)
    for name, value in (("prev_close", prev_close), ("ipo_price", ipo_price),
                        ("prior_close", prior_close)):
        if value is not None and value <= 0:
            raise FieldError(f"{symbol}: {name} must be positive")
    lot = get_int(raw, "board_lot", required=False)
    if lot is not None and lot <= 0:
        raise FieldError(f"{symbol}: board_lot must be positive")
    return InstrumentSpec(
        symbol, prev_close, kind, board, lot, _count(raw, "listed_shares", symbol), ipo_price,
        short_eligible=get_bool(raw, "short_eligible"),
        short_outstanding=_count(raw, "short_outstanding", symbol),
        signs=signs,
        surveillance_level=level,
        surveillance_pause=get_bool(raw, "surveillance_pause", level == 3),
        index_member=members,
        market_maker_accounts=_strings(raw, "market_maker_accounts"),
        foreign_underlying=get_bool(raw, "foreign_underlying"),
        hft_permitted=get_bool(raw, "hft_permitted"),
        prior_close=prior_close,
        main=main,
        market_cap=_market_cap(raw, symbol),
        turnover_bp=_basis_points(raw, "turnover_pct", symbol, _MOST_TURNOVER_BP),
        free_float_bp=_basis_points(raw, "free_float_pct", symbol, _MOST_FREE_FLOAT_BP),
    )


def _check_series(symbol: str, day: dt.date, underlyings: Mapping[str, int]) -> ProductKind:
    """Refuse a series the day cannot list: unknown or expired (with their codes), or an
    option without its underlying's previous settlement; return its kind."""
    _, product = listed_series(symbol, day, default_products())
    if product.kind is ProductKind.OPTION and product.underlying not in underlyings:
        raise FieldError(f"{symbol}: an option needs its underlying's previous settlement: "
                         f"underlyings.{product.underlying}")
    return product.kind


def _series(raw: Any, day: dt.date, underlyings: Mapping[str, int]) -> InstrumentSpec:
    """A TFEX series of the day."""
    if not isinstance(raw, dict):
        raise FieldError("a series must be an object")
    no_unknown(raw, _SERIES_KEYS, "series")
    symbol = str(get_str(raw, "symbol"))
    kind = _check_series(symbol, day, underlyings)
    prev_close = get_price(raw, "prev_close", required=False)
    if prev_close is not None and prev_close <= 0:
        raise FieldError(f"{symbol}: prev_close must be positive")
    signs = _signs(raw, symbol)
    return InstrumentSpec(symbol, prev_close, kind.value, signs=signs,
                          market_maker_accounts=_strings(raw, "market_maker_accounts"))


def _underlyings(raw: Any) -> dict[str, int]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise _fail(ErrorCode.SCENARIO_FIELD, "underlyings must be an object of prices")
    try:
        prices = {str(name): get_price(raw, name) for name in raw}
    except FieldError as exc:
        raise _fail(ErrorCode.SCENARIO_FIELD, f"underlyings: {exc}") from None
    if any(price is None or price <= 0 for price in prices.values()):
        raise _fail(ErrorCode.SCENARIO_FIELD, "underlyings: a price must be positive")
    return {name: price for name, price in prices.items() if price is not None}


def _instruments(raw: Any, read: Callable[[Any], InstrumentSpec]) -> tuple[InstrumentSpec, ...]:
    if not isinstance(raw, list) or not raw:
        raise _fail(ErrorCode.SCENARIO_FIELD, "instruments must be a non-empty list")
    try:
        specs = tuple(read(item) for item in raw)
    except FieldError as exc:
        raise _fail(ErrorCode.SCENARIO_FIELD, f"instruments: {exc}") from None
    symbols = [spec.symbol for spec in specs]
    if len(set(symbols)) != len(symbols):
        raise _fail(ErrorCode.SCENARIO_FIELD, "instruments: a symbol is listed twice")
    return specs


def _indices(raw: Any) -> tuple[IndexSpec, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise _fail(ErrorCode.SCENARIO_FIELD, "indices must be a list")
    specs: list[IndexSpec] = []
    for item in raw:
        try:
            if not isinstance(item, dict):
                raise FieldError("an index must be an object")
            no_unknown(item, {"name", "prev_close"}, "index")
            close = get_price(item, "prev_close")
            if close is None or close <= 0:
                raise FieldError("prev_close must be positive")
            specs.append(IndexSpec(str(get_str(item, "name")), close))
        except FieldError as exc:
            raise _fail(ErrorCode.SCENARIO_FIELD, f"indices: {exc}") from None
    if len({spec.name for spec in specs}) != len(specs):
        raise _fail(ErrorCode.SCENARIO_FIELD, "indices: a name is listed twice")
    return tuple(specs)


def _accounts(raw: Any) -> tuple[AccountSpec, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise _fail(ErrorCode.SCENARIO_FIELD, "accounts must be a list")
    specs: list[AccountSpec] = []
    for item in raw:
        try:
            if not isinstance(item, dict):
                raise FieldError("an account must be an object")
            no_unknown(item, {"account", "hft", "hft_registered"}, "account")
            specs.append(AccountSpec(str(get_str(item, "account")), get_bool(item, "hft"),
                                     get_bool(item, "hft_registered")))
        except FieldError as exc:
            raise _fail(ErrorCode.SCENARIO_FIELD, f"accounts: {exc}") from None
    if len({spec.account for spec in specs}) != len(specs):
        raise _fail(ErrorCode.SCENARIO_FIELD, "accounts: an account is listed twice")
    return tuple(specs)


def _members(raw: Any) -> tuple[MemberSpec, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise _fail(ErrorCode.SCENARIO_FIELD, "members must be a list")
    specs = []
    for item in raw:
        try:
            if not isinstance(item, dict):
                raise FieldError("a member must be an object")
            no_unknown(item, {"member", "self_match_prevention"}, "member")
            specs.append(MemberSpec(str(get_str(item, "member")),
                                    get_bool(item, "self_match_prevention")))
        except FieldError as exc:
            raise _fail(ErrorCode.SCENARIO_FIELD, f"members: {exc}") from None
    return tuple(specs)


def _auction_times(raw: Any, rules: Rulebook) -> dict[str, int]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise _fail(ErrorCode.SCENARIO_FIELD, "auction_times must be an object")
    pinned: dict[str, int] = {}
    for key, value in raw.items():
        if key not in _AUCTION_WINDOWS:
            raise _fail(ErrorCode.SCENARIO_FIELD, f"auction_times: unknown auction {key!r}")
        try:
            at = parse_time_of_day(value)
        except InvalidValue as exc:
            raise _fail(ErrorCode.SCENARIO_FIELD, f"auction_times.{key}: {exc}") from None
        after, before = (getattr(rules, name) for name in _AUCTION_WINDOWS[key])
        if not after < at < before:
            names = _AUCTION_WINDOWS[key]
            raise _fail(ErrorCode.SCENARIO_FIELD,
                        f"auction_times.{key} must fall after {names[0]} and before {names[1]}")
        pinned[key] = at
    return pinned


def _items(raw: Any, base: int, latest_hour: int, opens: int) -> tuple[Item, ...]:
    """The day's actions in time order; none before the day opens at `opens` (a TFEX day's
    opens when the night session before it has closed)."""
    if not isinstance(raw, list):
        raise _fail(ErrorCode.SCENARIO_FIELD, "actions must be a list")
    items: list[Item] = []
    last = opens
    for action in raw:
        if not isinstance(action, dict):
            items.append(Item(last, None, EdgeReject("", Reject.INVALID,
                                                     "an action must be a JSON object")))
            continue
        at: Any = action.get("at")
        label = action.get("id")
        label = label if isinstance(label, str) else ""
        try:
            ts = base + parse_time_of_day(at, latest_hour)
        except InvalidValue as exc:
            items.append(Item(last, None, EdgeReject(label, Reject.INVALID, f"at: {exc}")))
            continue
        if ts < last:
            before = "the day opens" if last == opens else "the action before it"
            items.append(Item(last, None, EdgeReject(
                label, Reject.INVALID, f"at {at} is earlier than {before}")))
            continue
        last = ts
        parsed = parse_action(action, ts)
        if isinstance(parsed, EdgeReject):
            items.append(Item(ts, None, parsed))
        else:
            items.append(Item(ts, parsed, None))
    return tuple(items)


def carried_forward(specs: tuple[InstrumentSpec, ...]) -> tuple[InstrumentSpec, ...]:
    """A later day's securities: the same, their reference prices carried by the engine."""
    return tuple(msgspec.structs.replace(s, prev_close=None, ipo_price=None, prior_close=None)
                 for s in specs)


def _market(raw: Mapping[str, Any]) -> str:
    market = raw.get("market", "set")
    if market not in ("set", "tfex"):
        raise _fail(ErrorCode.SCENARIO_FIELD, "market must be set or tfex")
    for key in _SET_ONLY if market == "tfex" else ("underlyings",):
        days = raw.get("days")
        if key in raw or (isinstance(days, list)
                          and any(isinstance(d, dict) and key in d for d in days)):
            raise _fail(ErrorCode.SCENARIO_FIELD, f"{key} is not a field of a {market} scenario")
    return str(market)


def _reader(market: str, day: dt.date, indices: tuple[IndexSpec, ...],
            underlyings: Mapping[str, int]) -> Callable[[Any], InstrumentSpec]:
    if market == "tfex":
        return lambda item: _series(item, day, underlyings)
    names = frozenset(spec.name for spec in indices)
    return lambda item: _instrument(item, names)


def _check_carried(specs: tuple[InstrumentSpec, ...], day: dt.date,
                   underlyings: Mapping[str, int]) -> None:
    """A later day's carried series must still be listable that day."""
    try:
        for spec in specs:
            _check_series(spec.symbol, day, underlyings)
    except FieldError as exc:
        raise _fail(ErrorCode.SCENARIO_FIELD, f"{day.isoformat()}: carried series: {exc}"
                    ) from None
    except SiamexError as exc:
        raise SiamexError(exc.code, f"{day.isoformat()}: carried series: {exc.message}"
                          ) from None


def _day_end(start: StartDay, base: int, rules: Rulebook) -> int:
    """When a day is over: the off-hour session's end, or the latest close of its series'
    products (a night session's, past midnight)."""
    if start.market != "tfex":
        return base + rules.off_hour_end
    products = default_products()
    return base + max(session.close for spec in start.instruments
                          for session in products[parse_symbol(spec.symbol, products).product]
                          .sessions)


def _day(raw: dict[str, Any], shared: dict[str, Any], overrides: Mapping[str, Any],
         previous: DayPlan | None, market: str) -> DayPlan:
    merged = {**shared, **raw}
    day = _trading_date(merged.get("date"))
    rules = _rulebook(merged.get("rules"), overrides)
    indices = _indices(merged.get("indices"))
    underlyings = _underlyings(merged.get("underlyings"))
    seed = merged.get("seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise _fail(ErrorCode.SCENARIO_FIELD, "seed must be an integer")
    if "instruments" in raw or previous is None:
        instruments = _instruments(merged.get("instruments"),
                                   _reader(market, day, indices, underlyings))
    else:
        instruments = carried_forward(previous.start.instruments)
        if market == "tfex":
            _check_carried(instruments, day, underlyings)
    base = day_start(day)
    # decision 111: the day after a night session opens when that session (and the
    # previous day's last action) is over
    opens = base if previous is None else max(base, previous.end, *(
        item.ts for item in previous.items[-1:]))
    start = StartDay(opens, day.isoformat(), seed, dict(merged.get("rules") or {}) | dict(
        overrides), instruments, _members(merged.get("members")),
        _auction_times(merged.get("auction_times"), rules), indices,
        _accounts(merged.get("accounts")), market, underlyings)
    latest_hour = _NIGHT_HOURS if market == "tfex" else 23
    return DayPlan(start, _items(merged.get("actions", []), base, latest_hour, opens),
                   _day_end(start, base, rules))


def parse_scenario(data: bytes, overrides: Mapping[str, Any] | None = None) -> Scenario:
    """Read a scenario's JSON text; `overrides` are rulebook values laid over its `rules`."""
    try:
        raw = msgspec.json.decode(data)
    except (msgspec.DecodeError, UnicodeDecodeError) as exc:  # not JSON, not UTF-8
        raise _fail(ErrorCode.SCENARIO_SYNTAX, f"not valid JSON: {exc}") from None
    except RecursionError:
        raise _fail(ErrorCode.SCENARIO_SYNTAX, "not valid JSON: nested too deeply") from None
    if not isinstance(raw, dict):
        raise _fail(ErrorCode.SCENARIO_SYNTAX, "a scenario is a JSON object")
    unknown = sorted(set(raw) - _TOP_KEYS)
    if unknown:
        raise _fail(ErrorCode.SCENARIO_FIELD, f"unknown field(s) {', '.join(unknown)}")
    overrides = dict(overrides or {})
    market = _market(raw)
    if "days" not in raw:
        return Scenario((_day(raw, {}, overrides, None, market),))
    days_raw = raw["days"]
    if not isinstance(days_raw, list) or not days_raw:
        raise _fail(ErrorCode.SCENARIO_FIELD, "days must be a non-empty list")
    shared = {k: v for k, v in raw.items() if k not in ("days", "market")}
    days: list[DayPlan] = []
    previous: DayPlan | None = None
    for item in days_raw:
        if not isinstance(item, dict):
            raise _fail(ErrorCode.SCENARIO_FIELD, "each day must be an object")
        unknown = sorted(set(item) - _DAY_KEYS)
        if unknown:
            raise _fail(ErrorCode.SCENARIO_FIELD, f"day: unknown field(s) {', '.join(unknown)}")
        plan = _day(item, shared, overrides, previous, market)
        if days and plan.start.date <= days[-1].start.date:
            raise _fail(ErrorCode.SCENARIO_FIELD, "days must be in increasing date order")
        days.append(plan)
        previous = plan
    return Scenario(tuple(days))


def load_scenario(path: Path, overrides: Mapping[str, Any] | None = None) -> Scenario:
    """Read a scenario file."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise _fail(ErrorCode.FILE_NOT_FOUND, f"cannot read {path}: {exc.strerror}") from None
    return parse_scenario(data, overrides)
