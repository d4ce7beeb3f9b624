"""Snapshots restore the exact state; the state hash tells equal states apart (pillar 2)."""

from __future__ import annotations

from pathlib import Path

import pytest

from siamex.scenario.loader import load_scenario
from siamex.scenario.runner import scenario_commands
from siamex.trading.commands import Command, NewOrder
from siamex.trading.engine import Engine
from siamex.trading.enums import Side
from siamex.trading.events import Cancelled, Event
from siamex.trading.rejects import CancelReason
from siamex.trading.snapshot import dump, load, restore, snapshot, state_hash
from tests.trading.harness import Session, of_type

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
CONTROLS = sorted(p.relative_to(EXAMPLES).as_posix()
                  for p in (EXAMPLES / "controls").glob("*.json"))


def _commands(name: str) -> list[Command]:
    return scenario_commands(load_scenario(EXAMPLES / name))


def _run(engine: Engine, commands: list[Command]) -> list[Event]:
    return [event for command in commands for event in engine.handle(command)]


@pytest.mark.parametrize("name", ["normal-day.json", "multi-day.json", *CONTROLS])
def test_a_restored_snapshot_goes_on_exactly_like_the_original(name: str) -> None:
    commands = _commands(name)
    whole = Engine()
    expected = _run(whole, commands)
    for cut in range(0, len(commands), max(1, len(commands) // 24)):
        first = Engine()
        head = _run(first, commands[:cut])
        restored = load(dump(first))
        assert state_hash(restored) == state_hash(first)
        assert head + _run(restored, commands[cut:]) == expected
        assert state_hash(restored) == state_hash(whole)


def test_the_same_commands_give_the_same_hash_and_a_different_state_another() -> None:
    commands = _commands("normal-day.json")
    one, two = Engine(), Engine()
    _run(one, commands)
    _run(two, commands)
    assert state_hash(one) == state_hash(two)
    three = Engine()
    _run(three, commands[:-5])
    assert state_hash(three) != state_hash(one)


def test_a_restored_resting_order_keeps_its_smp_id() -> None:
    session = Session()
    session.advance("10:00")
    session.new("10:01", "own", "sell", 100, "64.00", smp_id="c1")
    restored = load(dump(session.engine))
    assert restored.orders["own"].smp_id == "c1"
    events = restored.handle(NewOrder(session.ts("10:02"), "b", "M1", "A2", "AOT", Side.BUY,
                                      100, price=6400, smp_id="c1"))
    assert [(c.id, c.reason) for c in of_type(events, Cancelled)] == [
        ("b", CancelReason.SELF_MATCH)]


def test_a_snapshot_of_another_version_is_refused() -> None:
    data = snapshot(Engine())
    with pytest.raises(ValueError, match="snapshot version 3 is not 5"):
        restore({**data, "version": 3})
