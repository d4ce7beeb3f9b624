"""Market operations need the trading day alone: run here on a day without an engine
(tests.trading.bare_day) (7.1, 7.2, T8, T9, T22)."""

from __future__ import annotations

from siamex.trading.commands import Command, Halt, Resume, SetSign, SetSurveillanceLevel
from siamex.trading.day import TradingDay
from siamex.trading.events import Event, PhaseChanged, Rejected, StatusChanged
from siamex.trading.operations import operate
from tests.trading.bare_day import RecordingFlow, bare_day, ts
from tests.trading.harness import of_type


def _run(day: TradingDay, flow: RecordingFlow, command: Command) -> list[Event]:
    """Bring the day to the operation's time, then run it; return the operation's events."""
    day.advance(command.ts, flow, [])
    out: list[Event] = []
    operate(day, command, out)
    return out


def _phases(events: list[Event]) -> list[tuple[str, str]]:
    return [(e.symbol, e.phase.value) for e in of_type(events, PhaseChanged)]


def test_a_halt_stops_the_security_and_a_resume_brings_it_back_through_an_auction() -> None:
    day, flow = bare_day()
    events = _run(day, flow, Halt(ts("10:30"), "AOT"))
    assert [(e.what, e.value) for e in of_type(events, StatusChanged)] == [("halt", "H")]
    assert _phases(events) == [("AOT", "HALTED")]
    assert flow.calls == [("10:00", "AOT", "open1")]
    events = _run(day, flow, Resume(ts("11:00"), "AOT"))
    assert _phases(events) == [("AOT", "PRE_OPEN")]
    day.advance(ts("11:10"), flow, [])
    assert flow.calls[-1] == ("11:10", "AOT", "resume")
    assert day.instruments["AOT"].phase.value == "OPEN_1"


def test_an_operation_on_a_security_not_listed_is_refused_with_its_label() -> None:
    day, flow = bare_day()
    events = _run(day, flow, SetSign(ts("10:30"), "XYZ", "XD", id="op1"))
    assert [(e.id, e.reason.value) for e in of_type(events, Rejected)] == [
        ("op1", "UNKNOWN_SYMBOL")]


def test_a_sign_that_stops_trading_is_posted_only_by_a_halt_or_a_level() -> None:
    day, flow = bare_day()
    events = _run(day, flow, SetSign(ts("10:30"), "AOT", "SP"))
    assert [e.reason.value for e in of_type(events, Rejected)] == ["INVALID"]
    events = _run(day, flow, SetSign(ts("10:31"), "AOT", "CB"))
    assert [(e.what, e.value, e.on) for e in of_type(events, StatusChanged)] == [
        ("sign", "CB", True)]
    assert day.instruments["AOT"].cash_only
    assert not _phases(events)


def test_a_level_three_pause_stops_the_security_and_no_auction_runs_under_it() -> None:
    day, flow = bare_day()
    events = _run(day, flow, SetSurveillanceLevel(ts("10:30"), "AOT", 3, pause=True))
    assert _phases(events) == [("AOT", "PAUSED")]
    day.advance(ts("14:30"), flow, [])
    assert [call for call in flow.calls if call[1] == "AOT"] == [("10:00", "AOT", "open1")]
