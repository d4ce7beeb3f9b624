"""The securities `siamex serve` lists: a bundled sample universe, or a file in the same form.

A universe file is a scenario file's day without a date or actions (docs/scenario-format.md):
its instruments, indices, and optionally rules, members' options, accounts and seed; with
`"market": "tfex"` its series and `underlyings` instead, or a `listing` that makes the series
of each day from the product rules (siamex.gateway.tfex_listing). Two are bundled, both
SAMPLE DATA said so in their description and by `siamex serve` when it starts: SET100 names
and four mai names with illustrative closes as of 2026-11-30, and a TFEX listing (`siamex serve
--market tfex`).
The first trading day takes the file's previous closes; every later day carries the engine's
own closes (as a multi-day scenario does).

A TFEX day runs past midnight: its night session closes at 03:00 of the next calendar day
(27:00 on the day's clock). `day_end` says when a day's last session closes, from the scenario
loader's own reckoning, so the service opens the next day only after it (docs/serve.md).
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Collection, Iterator, Mapping
from importlib import resources
from pathlib import Path
from typing import Any

import msgspec

from siamex.errors import ErrorCode, SiamexError
from siamex.gateway.tfex_listing import Listing, read_listing
from siamex.rulebook.parameters import Rulebook
from siamex.rulebook.products import default_products
from siamex.scenario.loader import DayPlan, carried_forward, parse_scenario
from siamex.trading.commands import InstrumentSpec, MemberSpec, StartDay

__all__ = ["MARKETS", "SAMPLE", "TFEX_SAMPLE", "Universe", "bundled_universe", "check_market",
           "load_universe"]

SAMPLE = "sample-universe.json"
TFEX_SAMPLE = "tfex-universe.json"
MARKETS = {"set": SAMPLE, "tfex": TFEX_SAMPLE}
"""Each market's bundled universe, by the `market` a universe file names."""
_FORBIDDEN = frozenset({"date", "days", "actions", "auction_times"})
_LISTING = "listing"


class Universe:
    """A universe's text and description; `start(day, ts)` opens a trading day on it."""

    def __init__(self, data: dict[str, Any], overrides: Mapping[str, Any]) -> None:
        self.market = str(data.get("market", "set"))
        self.listing = _listing(data)
        self.data = {key: value for key, value in data.items() if key != _LISTING}
        self.description = str(data.get("description", ""))
        self.overrides = dict(overrides)
        self._ends: dict[dt.date, int] = {}

    @property
    def rules(self) -> Rulebook:
        """The rulebook its days open with: the file's `rules` under the overrides."""
        return Rulebook({**self.data.get("rules", {}), **self.overrides})

    def _plan(self, day: dt.date, carried: Collection[str] = ()) -> DayPlan:
        """The scenario loader's plan of `day` on this universe (its listing's series, those
        in `carried` without a price)."""
        data = {**self.data, "date": day.isoformat()}
        if self.listing is not None:
            data["instruments"] = self.listing.instruments(day, carried)
        return parse_scenario(msgspec.json.encode(data), self.overrides).days[0]

    def start(self, day: dt.date, ts: int, *, first: bool,
              members: tuple[MemberSpec, ...] = (), carried: Collection[str] = ()
              ) -> StartDay:
        """The StartDay of `day` at `ts`; after the first day, closes carry from the engine
        (`carried`: the symbols it holds a close of, which a listing's new series lack).
        `members` (the configuration's options) are added to the file's."""
        start = self._plan(day, carried if not first else ()).start
        if members:
            start = msgspec.structs.replace(start, members=start.members + members)
        if not first:
            start = msgspec.structs.replace(start, instruments=self._carried(start.instruments))
        return msgspec.structs.replace(start, ts=ts)

    def _carried(self, specs: tuple[InstrumentSpec, ...]) -> tuple[InstrumentSpec, ...]:
        """A later day's instruments: a listing priced only the series new to the engine;
        a file's carry every close from the engine."""
        return specs if self.listing is not None else carried_forward(specs)

    def day_end(self, day: dt.date) -> int:
        """When trading on `day` is over: the off-hour session's end for SET, the latest
        session close of the day's series for TFEX (past midnight with a night session)."""
        end = self._ends.get(day)
        if end is None:
            end = self._ends[day] = self._plan(day).end
        return end


def _listing(data: dict[str, Any]) -> Listing | None:
    """A TFEX universe's listing, in place of its instruments; refused elsewhere."""
    if _LISTING not in data:
        return None
    if data.get("market") != "tfex":
        raise SiamexError(ErrorCode.SCENARIO_FIELD,
                          'universe: a listing is for a "market": "tfex" universe')
    if "instruments" in data:
        raise SiamexError(ErrorCode.SCENARIO_FIELD,
                          "universe: give instruments or a listing, not both")
    return read_listing(data[_LISTING], data.get("underlyings"), default_products())


@contextlib.contextmanager
def bundled_universe(market: str) -> Iterator[Path]:
    """The file of a market's bundled sample universe, for as long as the block runs."""
    source = resources.files("siamex.gateway.data").joinpath(MARKETS[market])
    with resources.as_file(source) as path:
        yield path


def _read(path: Path) -> dict[str, Any]:
    """A universe file's JSON object, or the refusal of what it is instead."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise SiamexError(ErrorCode.FILE_NOT_FOUND,
                          f"cannot read {path}: {exc.strerror}") from None
    return _decode(raw)


def _decode(raw: bytes) -> dict[str, Any]:
    try:
        data = msgspec.json.decode(raw)
    except (msgspec.DecodeError, UnicodeDecodeError, RecursionError) as exc:
        raise SiamexError(ErrorCode.SCENARIO_SYNTAX, f"universe: not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise SiamexError(ErrorCode.SCENARIO_SYNTAX, "universe: a JSON object is expected")
    return data


def universe_market(path: Path) -> str:
    """The market a universe file lists: `set` unless it says `tfex`."""
    return str(_read(path).get("market", "set"))


def check_market(path: Path, market: str) -> None:
    """Refuse a universe file of another market than the one asked for (`--market`): an
    equities universe served as TFEX, or the reverse, would not be what was meant."""
    found = universe_market(path)
    if found != market:
        raise SiamexError(ErrorCode.INVALID_PARAMETER, (
            f"--market {market}, but the universe {path} is of the market {found!r}: leave "
            "out --market, or give a universe of that market"))


def load_universe(path: Path | None, day: dt.date,
                  overrides: Mapping[str, Any] | None = None) -> Universe:
    """Read a universe file, or the bundled SET sample when `path` is None, and check it by
    opening the trading day `day` on it, so a bad file is refused at start, not at a day's
    open."""
    if path is None:
        data = _decode(resources.files("siamex.gateway.data").joinpath(SAMPLE).read_bytes())
    else:
        data = _read(path)
    given = sorted(_FORBIDDEN & set(data))
    if given:
        raise SiamexError(ErrorCode.SCENARIO_FIELD, (
            f"universe: {', '.join(given)} belong to a scenario, not a universe (the server "
            "sets the date and takes orders live)"))
    universe = Universe(data, overrides or {})
    universe.start(day, 0, first=True)
    return universe
