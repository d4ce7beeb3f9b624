"""Kill -9 after every durable write of `siamex replay --journal`, rerun, and end exactly as a
run that was never interrupted (decision 66).

Each crash is a real child process that SIGKILLs itself right after its Nth fsync
(tests/journal/crashing.py, forked from a warm parent so that the many runs stay quick); the
scenario has three days, one of them long enough for three group commits, and every fsync of
the run is crashed after in turn.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from siamex.cli import main
from tests.journal.layout import layout

ROOT = Path(__file__).resolve().parents[2]
CRASHING = Path(__file__).with_name("crashing.py")
ORDERS = 2100  # with the day's other commands: three group commits of up to 1,024


def _clock(seconds: int) -> str:
    return f"{seconds // 3600:02}:{seconds // 60 % 60:02}:{seconds % 60:02}"


def _scenario(folder: Path) -> Path:
    """The three days of examples/multi-day.json, the second with a long morning of orders,
    buys and sells around the close that often cross."""
    plan = json.loads((ROOT / "examples" / "multi-day.json").read_text())
    start = 10 * 3600 + 31 * 60
    plan["days"][1]["actions"] += [
        {"at": _clock(start + i), "op": "new", "id": f"n{i}", "symbol": "CPALL", "qty": 100,
         "member": "M1" if i % 2 else "M2", "account": "A1" if i % 2 else "B1",
         "side": "buy" if i % 2 else "sell", "price": f"{55 + (i * 7 % 13) / 4:.2f}"}
        for i in range(ORDERS)]
    path = folder / "days.json"
    path.write_text(json.dumps(plan))
    return path


def _state_of(journal: Path) -> str:
    result = CliRunner().invoke(main, ["journal", "replay", str(journal)])
    assert result.exit_code == 0, result.stderr
    return result.stdout


def test_a_run_killed_after_any_durable_write_ends_as_the_uninterrupted_run(
        tmp_path: Path) -> None:
    scenario, journal = _scenario(tmp_path), tmp_path / "day.journal"
    crashes = tmp_path / "crashes"
    crashes.mkdir()
    child = subprocess.run(
        [sys.executable, str(CRASHING), str(crashes), str(journal),
         "replay", str(scenario), "--journal", str(journal)],
        capture_output=True, text=True, timeout=120, check=False)
    assert child.returncode == 0, child.stderr
    events = (crashes / "events.jsonl").read_bytes()
    full = (crashes / "reference.journal").read_bytes()
    state = _state_of(crashes / "reference.journal")
    blocks = layout(full)
    assert len(blocks) >= 5
    left = []
    for crashed in sorted(crashes.glob("crashed-*.journal"),
                          key=lambda path: int(path.stem.split("-")[1])):
        fsyncs = crashed.stem.split("-")[1]
        assert full.startswith(crashed.read_bytes()), fsyncs  # whole commits, made durable
        left.append(crashed.stat().st_size)
        assert (crashes / f"events-{fsyncs}.jsonl").read_bytes() == events, fsyncs
        final = crashes / f"final-{fsyncs}.journal"
        assert final.read_bytes() == full, fsyncs
        assert _state_of(final) == state, fsyncs
    assert [size for size in left if size > 8] == [block.end for block in blocks]
