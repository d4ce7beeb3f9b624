"""Snapshots restore the exact state; the state hash tells equal states apart (pillar 2)."""

from __future__ import annotations

from pathlib import Path

import pytest

from siamex.scenario.loader import load_scenario
from siamex.scenario.runner import scenario_commands
from siamex.trading.commands import Command
from siamex.trading.engine import Engine
from siamex.trading.events import Event
from siamex.trading.snapshot import dump, load, state_hash

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
