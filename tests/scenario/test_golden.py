"""Golden scenarios: every bundled example replays to its recorded output, byte for byte.

`examples/*.json` replay to `golden/<stem>.jsonl`; the market-integrity controls of
`examples/controls/*.json` (each shown triggered and just not triggered) replay to
`golden/controls/<stem>.jsonl`. tests/scenario/test_controls.py asserts their key events one
by one.

After a deliberate change of behaviour, regenerate with SIAMEX_UPDATE_GOLDEN=1 and read the
diff event by event before committing it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from siamex.scenario.loader import load_scenario
from siamex.scenario.output import event_line
from siamex.scenario.runner import run_scenario

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples").glob("*.json"))
CONTROLS = sorted((ROOT / "examples" / "controls").glob("*.json"))
GOLDEN = Path(__file__).parent / "golden"


def _replay(path: Path) -> bytes:
    events = run_scenario(load_scenario(path))
    return b"".join(event_line(seq, e) + b"\n" for seq, e in enumerate(events, 1))


def _golden(example: Path) -> Path:
    """Return the golden file of an example: its folder under examples/ mirrored under golden/."""
    folder = example.parent.relative_to(ROOT / "examples")
    return GOLDEN / folder / f"{example.stem}.jsonl"


def _check_golden(example: Path) -> None:
    golden = _golden(example)
    output = _replay(example)
    if os.environ.get("SIAMEX_UPDATE_GOLDEN"):
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_bytes(output)
    assert output == golden.read_bytes()


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_the_example_replays_to_its_golden_output(example: Path) -> None:
    _check_golden(example)


@pytest.mark.parametrize("example", CONTROLS, ids=lambda p: p.stem)
def test_the_control_scenario_replays_to_its_golden_output(example: Path) -> None:
    _check_golden(example)


def test_every_control_of_the_issue_has_its_scenario() -> None:
    assert [p.stem for p in CONTROLS] == sorted([
        "auto-pause", "circuit-breaker", "price-band", "short-sale", "trade-reports",
        "halts-and-signs", "surveillance", "resting-time", "hft"])


def test_replay_prints_the_same_bytes_in_any_process() -> None:
    example = ROOT / "examples" / "normal-day.json"
    runs = {
        subprocess.run([sys.executable, "-m", "siamex.cli", "replay", str(example)],
                       capture_output=True, check=True,
                       env={**os.environ, "PYTHONHASHSEED": seed}).stdout
        for seed in ("0", "1", "12345")
    }
    assert runs == {_replay(example)}
