"""The command line: thin over the library, errors as `error[CODE]` with exit status 2."""

from __future__ import annotations

import json
import re
from pathlib import Path

from click.testing import CliRunner

from siamex.cli import main

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "normal-day.json"


def _invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_replay_prints_json_lines_numbered_from_one() -> None:
    code, out, _ = _invoke("replay", str(EXAMPLE))
    lines = [json.loads(line) for line in out.splitlines()]
    assert code == 0
    assert [line["seq"] for line in lines] == list(range(1, len(lines) + 1))
    assert {line["event"] for line in lines} >= {"accepted", "trade", "auction", "close"}


def test_replay_summary_is_readable() -> None:
    code, out, _ = _invoke("replay", str(EXAMPLE), "--summary")
    assert code == 0
    assert "AOT" in out and "rejects by code" in out and "TICK_SIZE 1" in out
    index = "index SET: previous close 1350.00, high 1357.17, low 1345.70, last 1357.17 (+0.53%)"
    assert index in out


def test_a_missing_file_is_an_error_with_a_code() -> None:
    code, _, err = _invoke("replay", "no-such-file.json")
    assert code == 2
    assert err.startswith("error[FILE_NOT_FOUND]")


def test_set_overrides_a_parameter_and_an_unknown_one_is_refused() -> None:
    code, out, _ = _invoke("replay", str(EXAMPLE), "--set", "price_limit_pct=15")
    first = json.loads(out.splitlines()[1])
    assert (code, first["ceiling"], first["floor"]) == (0, "73.50", "54.50")
    code, _, err = _invoke("replay", str(EXAMPLE), "--set", "price_limit_percent=15")
    assert code == 2 and err.startswith("error[UNKNOWN_PARAMETER]")


def test_rules_come_from_a_toml_file(tmp_path: Path) -> None:
    rules = tmp_path / "emergency.toml"
    rules.write_text('price_limit_pct = 15\nflat_tick = "0.01"\n')
    code, out, _ = _invoke("replay", str(EXAMPLE), "--rules", str(rules))
    assert code == 0 and json.loads(out.splitlines()[1])["ceiling"] == "73.50"


def test_a_state_file_carries_one_day_into_the_next(tmp_path: Path) -> None:
    scenario = json.loads((ROOT / "examples" / "multi-day.json").read_text())
    shared = {k: v for k, v in scenario.items() if k not in ("days", "description")}
    day1 = tmp_path / "day1.json"
    day2 = tmp_path / "day2.json"
    day1.write_text(json.dumps({**shared, **scenario["days"][0]}))
    day2.write_text(json.dumps({**shared, **scenario["days"][1],
                                "instruments": [{"symbol": "CPALL"}]}))
    state = tmp_path / "state.json"
    assert _invoke("replay", str(day1), "--save-state", str(state))[0] == 0
    code, out, _ = _invoke("replay", str(day2), "--state", str(state))
    assert code == 0
    _, whole, _ = _invoke("replay", str(ROOT / "examples" / "multi-day.json"))
    strip = lambda text: [re.sub(r'"seq":\d+,', "", line) for line in text.splitlines()]  # noqa: E731
    day2_of_whole = strip(whole)[strip(whole).index(strip(out)[0]):][:len(strip(out))]
    assert strip(out) == day2_of_whole
    code, _, err = _invoke("replay", str(day1), "--state", str(state))
    assert code == 2 and err.startswith("error[STATE_FILE]")


def test_journal_replay_prints_the_state_hash_of_the_run(tmp_path: Path) -> None:
    journal, state = tmp_path / "day.journal", tmp_path / "state.json"
    assert _invoke("replay", str(EXAMPLE), "--journal", str(journal),
                   "--save-state", str(state))[0] == 0
    code, out, _ = _invoke("journal", "replay", str(journal))
    from siamex.trading.snapshot import load, state_hash

    assert code == 0
    assert json.loads(out)["state_hash"] == state_hash(load(state.read_bytes()))
    code, _, err = _invoke("journal", "replay", str(tmp_path / "none"))
    assert code == 2 and err.startswith("error[FILE_NOT_FOUND]")
    code, _, err = _invoke("journal", "replay", str(tmp_path))
    assert code == 2 and err.startswith("error[FILE_NOT_FOUND]")


def test_a_corrupt_journal_is_an_error_with_a_code(tmp_path: Path) -> None:
    bad = tmp_path / "bad.journal"
    bad.write_bytes(b"not a journal at all")
    code, _, err = _invoke("journal", "replay", str(bad))
    assert code == 2 and err.startswith("error[JOURNAL_CORRUPT]")


def test_the_rulebook_lists_every_parameter() -> None:
    code, out, _ = _invoke("rulebook")
    assert code == 0 and "max_order_qty = 10000000" in out


def _commands(group: object, prefix: str = "") -> list[str]:
    import click

    assert isinstance(group, click.Group)
    names = []
    for name, command in group.commands.items():
        full = f"{prefix}{name}"
        if isinstance(command, click.Group):
            names += _commands(command, full + " ")
        else:
            names.append(full)
    return names


def test_every_command_is_documented_in_the_cli_reference() -> None:
    reference = (ROOT / "docs" / "cli.md").read_text()
    for name in _commands(main):
        assert f"siamex {name}" in reference, name


def test_a_rule_file_not_utf8_too_deep_or_with_a_huge_number_is_refused(tmp_path: Path) -> None:
    for name, content in (("latin.toml", b'flat_tick = "\xe9"'),
                          ("deep.toml", b"tick_table = " + b"[" * 5000 + b"]" * 5000),
                          ("huge.toml", b"board_lot = " + b"9" * 5000)):
        (tmp_path / name).write_bytes(content)
        code, _, err = _invoke("replay", str(EXAMPLE), "--rules", str(tmp_path / name))
        assert code == 2 and err.startswith(f"error[INVALID_PARAMETER]: {tmp_path / name}: "
                                            "not TOML")


def test_a_set_value_of_thousands_of_digits_is_refused_by_its_range() -> None:
    code, _, err = _invoke("replay", str(EXAMPLE), "--set", "board_lot=" + "9" * 5000)
    assert code == 2 and err.startswith("error[INVALID_PARAMETER]: board_lot must be 1 to 10,000")
    code, _, err = _invoke("replay", str(EXAMPLE), "--set", "tick_table=" + "[" * 5000)
    assert code == 2 and err.startswith("error[INVALID_PARAMETER]: '[[[")


def test_a_state_file_siamex_did_not_write_is_refused(tmp_path: Path) -> None:
    for name, content in (("deep.json", b"[" * 100_000), ("latin.json", b'{"a": "\xe9"}'),
                          ("other.json", b'{"version": 2}'), ("list.json", b"[1, 2]")):
        (tmp_path / name).write_bytes(content)
        code, _, err = _invoke("replay", str(EXAMPLE), "--state", str(tmp_path / name))
        assert code == 2 and err.startswith(f"error[STATE_FILE]: {tmp_path / name} is not a "
                                            "siamex state file")


def test_a_journal_snapshot_siamex_did_not_write_is_refused(tmp_path: Path) -> None:
    journal = tmp_path / "day.journal"
    assert _invoke("replay", str(EXAMPLE), "--journal", str(journal))[0] == 0
    (tmp_path / "snap.json").write_bytes(b'{"seq": 1, "state": {"version": 2}}')
    code, _, err = _invoke("journal", "replay", str(journal), "--snapshot",
                           str(tmp_path / "snap.json"))
    assert code == 2 and err.startswith("error[STATE_FILE]")
