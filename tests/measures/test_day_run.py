"""A journaled run with the measures rebuilds to the run's own state: `siamex journal replay`
runs the commands with the screening again whenever a day had a measure on, and refuses
a check-before-sell run whose holdings it is not given (decision 155)."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from siamex.cli import main
from siamex.journal.files import load_state
from siamex.trading.snapshot import state_hash

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "measures"


def _invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_a_screened_run_rebuilds_from_its_journal_to_the_state_it_saved(tmp_path: Path) -> None:
    journal, state = tmp_path / "day.journal", tmp_path / "state.json"
    code, _, err = _invoke("replay", str(EXAMPLES / "screening.json"), "--journal", str(journal),
                           "--save-state", str(state))
    assert code == 0, err
    code, out, err = _invoke("journal", "replay", str(journal))
    assert code == 0, err
    assert json.loads(out)["state_hash"] == state_hash(load_state(state))


def test_a_check_before_sell_run_needs_its_holdings_to_rebuild(tmp_path: Path) -> None:
    journal = tmp_path / "day.journal"
    code, _, err = _invoke("replay", str(EXAMPLES / "check-before-sell.json"), "--depository",
                           str(EXAMPLES / "depository.json"), "--set", "check_before_sell=true",
                           "--journal", str(journal))
    assert code == 0, err
    code, _, err = _invoke("journal", "replay", str(journal))
    assert code == 2 and err.startswith("error[DEPOSITORY_FILE]")
    code, _, err = _invoke("journal", "replay", str(journal), "--snapshot", str(journal))
    assert code == 2 and err.startswith("error[INVALID_PARAMETER]")
    code, out, err = _invoke("journal", "replay", str(journal), "--depository",
                             str(EXAMPLES / "depository.json"))
    assert code == 0 and json.loads(out)["last_seq"] > 0, err
