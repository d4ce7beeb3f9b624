"""The service's clock commands on a TFEX universe, the clock moved by hand: a trading day runs
through its night session past midnight, and the next opens only once that session closed
(03:00, the day's 27:00); on an equities universe a day opens at midnight as it always did."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

import pytest

from siamex.errors import ErrorCode, SiamexError
from siamex.gateway.exchange import Outcome, ServiceCommand
from siamex.gateway.universe import Universe, bundled_universe, load_universe
from siamex.rulebook.calendar import next_trading_day
from siamex.trading.commands import StartDay
from siamex.trading.enums import Phase
from siamex.trading.events import PhaseChanged
from siamex.units import day_start, parse_time_of_day
from tests.gateway.market import DAY
from tests.gateway.serving import EARLY, Live

GOLD = "GFZ26"  # the bundled listing's gold future in December 2026: a night session
FUTURE = "S50Z26"  # its SET50 future: a day session only
NEXT = dt.date(2026, 12, 2)
FRIDAY = dt.date(2026, 12, 4)
Ran = list[tuple[ServiceCommand, Outcome]]


def _tfex() -> Universe:
    with bundled_universe("tfex") as path:
        return load_universe(path, DAY)


def _at(live: Live, day: dt.date, clock: str) -> None:
    """Move the clock to `clock` (HH:MM[:SS], up to 27:00) on `day`'s clock."""
    _hours(live, day, 0)
    live.time.ns += parse_time_of_day(clock, 27) * 1000


def _hours(live: Live, day: dt.date, hours: int) -> None:
    """Move the clock to `hours` after `day`'s midnight."""
    live.time.ns = (day_start(day) + hours * 3_600_000_000) * 1000 - EARLY


async def _due(live: Live) -> Ran:
    """Run every clock command due now, as the service's tick would."""
    ran: Ran = []
    while (command := live.service.due()) is not None:
        _, outcome = await live.service.submit(command)
        ran.append((command, outcome))
    return ran


def _starts(ran: Ran) -> list[tuple[str, int]]:
    return [(c.date, c.ts) for c, _ in ran if isinstance(c, StartDay)]


def _phase(live: Live, symbol: str) -> Phase:
    return live.service.exchange.engine.instruments[symbol].phase


def _run(folder: Path, universe: Universe | None, test: object) -> None:
    async def main() -> None:
        live = Live(folder, universe)
        live.start()
        try:
            assert callable(test)
            await asyncio.wait_for(test(live), 60)
        finally:
            await live.stop()
    asyncio.run(main())


def test_a_tfex_day_runs_past_midnight_and_the_next_opens_when_its_night_closes(
        tmp_path: Path) -> None:
    async def test(live: Live) -> None:
        _at(live, DAY, "08:00")
        assert [d for d, _ in _starts(await _due(live))] == ["2026-12-01"]
        _at(live, DAY, "19:00")
        await _due(live)
        assert (_phase(live, GOLD), _phase(live, FUTURE)) == (Phase.OPEN_2, Phase.CLOSED)
        for clock in ("24:00", "25:30", "26:59:59.999999"):
            _at(live, DAY, clock)
            assert _starts(await _due(live)) == []
            assert live.service.trading_date == DAY and _phase(live, GOLD) is Phase.OPEN_2
        _at(live, DAY, "27:00")
        ran = await _due(live)
        three = day_start(DAY) + parse_time_of_day("27:00", 27)
        assert _starts(ran) == [("2026-12-02", three)]
        closed = [e for _, o in ran for e in o.events
                  if isinstance(e, PhaseChanged) and e.symbol == GOLD and e.phase is Phase.CLOSED]
        assert [e.ts for e in closed] == [three]  # the night closed, then the day opened
        assert live.service.trading_date == NEXT and _phase(live, GOLD) is Phase.CLOSED
    _run(tmp_path, _tfex(), test)


def test_a_server_started_in_the_night_opens_the_day_whose_night_session_is_on(
        tmp_path: Path) -> None:
    async def test(live: Live) -> None:
        _at(live, NEXT, "01:00")
        assert [d for d, _ in _starts(await _due(live))] == ["2026-12-01"]
        assert (_phase(live, GOLD), _phase(live, FUTURE)) == (Phase.OPEN_2, Phase.CLOSED)
        _at(live, NEXT, "03:00")
        assert [d for d, _ in _starts(await _due(live))] == ["2026-12-02"]
    _run(tmp_path, _tfex(), test)


def test_fridays_night_runs_into_saturday_and_the_next_business_day_opens_at_its_midnight(
        tmp_path: Path) -> None:
    monday = next_trading_day(FRIDAY)

    async def test(live: Live) -> None:
        _at(live, FRIDAY, "10:00")
        assert [d for d, _ in _starts(await _due(live))] == ["2026-12-04"]
        for hours, gold in ((26, Phase.OPEN_2), (27, Phase.CLOSED), (60, Phase.CLOSED)):
            _hours(live, FRIDAY, hours)  # Saturday 02:00 and 03:00, Sunday noon
            assert _starts(await _due(live)) == []
            assert _phase(live, GOLD) is gold
        assert live.service.trading_date == FRIDAY
        _at(live, monday, "00:00")
        assert _starts(await _due(live)) == [(monday.isoformat(), day_start(monday))]
    _run(tmp_path, _tfex(), test)


def test_an_equities_day_still_opens_at_midnight(tmp_path: Path) -> None:
    async def test(live: Live) -> None:
        _at(live, DAY, "10:00")
        assert [d for d, _ in _starts(await _due(live))] == ["2026-12-01"]
        _at(live, NEXT, "00:00")
        assert _starts(await _due(live)) == [("2026-12-02", day_start(NEXT))]
    _run(tmp_path, None, test)


def test_a_data_folder_of_one_market_is_refused_with_a_universe_of_the_other(
        tmp_path: Path) -> None:
    async def opened(live: Live) -> None:
        _at(live, DAY, "10:00")
        await _due(live)
    folder = tmp_path
    _run(folder, None, opened)

    async def restarted() -> None:
        live = Live(folder, _tfex())
        try:
            with pytest.raises(SiamexError) as refused:
                live.service.replay()
        finally:
            live.service.close()
        assert refused.value.code is ErrorCode.DATA_FOLDER
        assert "set market's journal" in refused.value.message
    asyncio.run(restarted())
