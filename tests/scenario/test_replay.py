"""`siamex replay`'s run: the same lines wherever they go, a summary when asked, and a journal
that holds every command."""

from __future__ import annotations

import io
import json
from pathlib import Path

from siamex.journal.log import read_journal
from siamex.scenario.loader import load_scenario
from siamex.scenario.replay import replay_scenario
from siamex.scenario.runner import scenario_commands
from siamex.trading.engine import Engine
from siamex.trading.snapshot import state_hash

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "normal-day.json"


def test_the_lines_go_to_standard_output_numbered_from_one_with_no_summary() -> None:
    stdout = io.BytesIO()
    days = replay_scenario(load_scenario(EXAMPLE), Engine(), journal=None, output=None,
                           summary=False, stdout=stdout)
    lines = [json.loads(line) for line in stdout.getvalue().splitlines()]
    assert days == [] and [line["seq"] for line in lines] == list(range(1, len(lines) + 1))


def test_an_output_file_gets_the_same_lines_and_the_run_is_summarized(tmp_path: Path) -> None:
    stdout, again = io.BytesIO(), io.BytesIO()
    replay_scenario(load_scenario(EXAMPLE), Engine(), journal=None, output=None, summary=False,
                    stdout=stdout)
    days = replay_scenario(load_scenario(EXAMPLE), Engine(), journal=None,
                           output=tmp_path / "events.jsonl", summary=False, stdout=again)
    assert (tmp_path / "events.jsonl").read_bytes() == stdout.getvalue()
    assert again.getvalue() == b"" and len(days) == 1


def test_a_summary_alone_writes_no_line() -> None:
    stdout = io.BytesIO()
    days = replay_scenario(load_scenario(EXAMPLE), Engine(), journal=None, output=None,
                           summary=True, stdout=stdout)
    assert stdout.getvalue() == b"" and len(days) == 1 and days[0].trades > 0


def test_the_journal_holds_every_command_and_the_engine_ends_in_the_days_state(
        tmp_path: Path) -> None:
    plan, engine, reference = load_scenario(EXAMPLE), Engine(), Engine()
    replay_scenario(plan, engine, journal=tmp_path / "day.journal", output=None, summary=True,
                    stdout=io.BytesIO())
    commands = scenario_commands(plan)
    assert [record.command for record in read_journal(tmp_path / "day.journal")] == commands
    for command in commands:
        reference.handle(command)
    assert state_hash(engine) == state_hash(reference)
