"""The securities `siamex serve` lists: a bundled sample universe, or a file in the same form.

A universe file is a scenario file's day without a date or actions (docs/scenario-format.md):
its instruments, indices, and optionally rules, members' options, accounts and seed. The
bundled one is SAMPLE DATA (SET50 names, illustrative closes as of 2026-11-30), said so in its
description and by `siamex serve` when it starts. The first trading day takes the file's
previous closes; every later day carries the engine's own closes (as a multi-day scenario does).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

import msgspec

from siamex.errors import ErrorCode, SiamexError
from siamex.scenario.loader import carried_forward, parse_scenario
from siamex.trading.commands import MemberSpec, StartDay

__all__ = ["SAMPLE", "Universe", "load_universe"]

SAMPLE = "sample-universe.json"
_FORBIDDEN = frozenset({"date", "days", "actions", "auction_times"})


class Universe:
    """A universe's text and description; `start(day, ts)` opens a trading day on it."""

    def __init__(self, data: dict[str, Any], overrides: Mapping[str, Any]) -> None:
        self.data = data
        self.description = str(data.get("description", ""))
        self.overrides = dict(overrides)

    def start(self, day: dt.date, ts: int, *, first: bool,
              members: tuple[MemberSpec, ...] = ()) -> StartDay:
        """The StartDay of `day` at `ts`; after the first day, closes carry from the engine.
        `members` (the configuration's options) are added to the file's."""
        text = msgspec.json.encode({**self.data, "date": day.isoformat()})
        start = parse_scenario(text, self.overrides).days[0].start
        if members:
            start = msgspec.structs.replace(start, members=start.members + members)
        if not first:
            start = msgspec.structs.replace(start,
                                            instruments=carried_forward(start.instruments))
        return msgspec.structs.replace(start, ts=ts)


def load_universe(path: Path | None, day: dt.date,
                  overrides: Mapping[str, Any] | None = None) -> Universe:
    """Read a universe file, or the bundled sample when `path` is None, and check it by
    opening the trading day `day` on it, so a bad file is refused at start, not at a day's
    open."""
    if path is None:
        raw = resources.files("siamex.gateway.data").joinpath(SAMPLE).read_bytes()
    else:
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise SiamexError(ErrorCode.FILE_NOT_FOUND,
                              f"cannot read {path}: {exc.strerror}") from None
    try:
        data = msgspec.json.decode(raw)
    except (msgspec.DecodeError, UnicodeDecodeError, RecursionError) as exc:
        raise SiamexError(ErrorCode.SCENARIO_SYNTAX, f"universe: not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise SiamexError(ErrorCode.SCENARIO_SYNTAX, "universe: a JSON object is expected")
    given = sorted(_FORBIDDEN & set(data))
    if given:
        raise SiamexError(ErrorCode.SCENARIO_FIELD, (
            f"universe: {', '.join(given)} belong to a scenario, not a universe (the server "
            "sets the date and takes orders live)"))
    universe = Universe(data, overrides or {})
    universe.start(day, 0, first=True)
    return universe
