"""`siamex certify`'s edges: a script, a data folder, a report or a key that cannot be used is
refused with its code before anything starts, and generated input never crashes the reader."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from siamex.certify.script import parse_script
from siamex.cli import main
from siamex.errors import ErrorCode, SiamexError
from siamex.gateway.certify_script import script_bytes

SETTINGS = settings(max_examples=60, deadline=None, derandomize=True)
BUNDLED = script_bytes()


def refused(args: list[str]) -> str:
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    return result.output


def test_a_script_that_is_not_the_format_is_refused(tmp_path: Path) -> None:
    script = tmp_path / "s.toml"
    script.write_text('format = "siamex-certify/9"\n', encoding="utf-8")
    out = refused(["certify", "run", "--script", str(script), "--data", str(tmp_path / "d")])
    assert "error[CERTIFY_SCRIPT]" in out
    assert not (tmp_path / "d").exists()


def test_a_missing_script_is_refused(tmp_path: Path) -> None:
    out = refused(["certify", "run", "--script", str(tmp_path / "none.toml")])
    assert "error[FILE_NOT_FOUND]" in out


def test_a_data_folder_that_holds_a_market_is_refused(tmp_path: Path) -> None:
    (tmp_path / "exchange.journal").write_bytes(b"")
    out = refused(["certify", "run", "--data", str(tmp_path)])
    assert "error[DATA_FOLDER]" in out


def test_verify_without_the_key_is_refused(tmp_path: Path) -> None:
    (tmp_path / "report.json").write_text("{}", encoding="utf-8")
    out = refused(["certify", "verify", str(tmp_path / "report.json"), "--key",
                   str(tmp_path / "none.key")])
    assert "error[CERTIFY_KEY]" in out


@SETTINGS
@given(st.one_of(st.binary(max_size=2000),
                 st.builds(json.dumps, st.recursive(
                     st.none() | st.booleans() | st.integers() | st.text(max_size=20),
                     lambda inner: st.lists(inner, max_size=4)
                     | st.dictionaries(st.text(max_size=8), inner, max_size=4),
                     max_leaves=20)).map(str.encode)))
def test_any_file_given_as_a_report_is_refused_cleanly(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as temporary:
        key = Path(temporary) / "certify.key"
        key.write_bytes(os.urandom(32))
        key.chmod(0o600)
        report = Path(temporary) / "report.json"
        report.write_bytes(data)
        assert "error[CERTIFY_REPORT]" in refused(["certify", "verify", str(report), "--key",
                                                     str(key)])


@SETTINGS
@given(st.data())
def test_a_script_mutated_anywhere_loads_or_is_refused_with_its_code(data: st.DataObject
                                                                     ) -> None:
    text = bytearray(BUNDLED)
    for _ in range(data.draw(st.integers(1, 4))):
        at = data.draw(st.integers(0, len(text) - 1))
        text[at] = data.draw(st.integers(0, 255))
    try:
        parse_script(bytes(text), "mutated.toml")
    except SiamexError as exc:
        assert exc.code is ErrorCode.CERTIFY_SCRIPT
