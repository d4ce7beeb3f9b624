"""Certification end to end: `siamex certify run --mode automatic` in a child process, the
reference member system (tests/certify/member.py) driven by its CI harness; the correct system
passes the bundled script, each faulty one fails exactly the case that should catch its fault,
the signed report verifies until it is edited, and `siamex serve`'s registry takes it as the
ORS's tested step."""

from __future__ import annotations

import json
import re
import selectors
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.certify.harness import run_certification
from tests.certify.member import ReferenceMember
from tests.gateway.live import CONFIG, TIMEOUT, Server

_LISTENING = re.compile(r"fix=([0-9.]+):(\d+) http=(\S+) .*feed=([0-9.]+):(\d+)")
_CLI = [sys.executable, "-c", "from siamex.cli import main; main()"]
_RUN_S = 300.0
FAULTS = {"ignore_credit_limit": ["credit-limit"], "wrong_tick": ["tick-table"],
          "no_kill_cancel": ["kill-switch"], "reset_on_reconnect": ["sequence-recovery"]}
"""Each fault of the reference member, and the cases that must catch it (and no other)."""


@dataclass
class Run:
    report: dict[str, Any]
    exit_code: int
    folder: Path


def certify(folder: Path, faults: frozenset[str], *extra: str) -> Run:
    """One automatic certification of the reference member with `faults`."""
    process = subprocess.Popen([*_CLI, "certify", "run", "--mode", "automatic", "--data",
                                str(folder), *extra],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert process.stdout is not None
        selector = selectors.DefaultSelector()
        selector.register(process.stdout, selectors.EVENT_READ)
        assert selector.select(TIMEOUT), "certify did not start"
        found = _LISTENING.search(process.stdout.readline().decode())
        assert found is not None
        fix, http = (found.group(1), int(found.group(2))), found.group(3)
        feed = (found.group(4), int(found.group(5)))
        script = httpx.get(f"{http}/v1/certify/script", timeout=TIMEOUT,
                           headers={"Authorization": "Bearer certify-m01"}).json()
        member = ReferenceMember(fix, script["member"], script["declare"], faults,
                                 securities=script["securities"], http_base=http,
                                 feed_address=feed)
        try:
            report = run_certification(http, script["member"]["token"], member, _RUN_S)
        finally:
            member.close()
        return Run(report, process.wait(TIMEOUT), folder)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(TIMEOUT)


def failed_steps(report: dict[str, Any]) -> dict[str, list[str]]:
    return {step["id"]: step["why"] for case in report["cases"] for step in case["steps"]
            if step["verdict"] == "fail"}


def verify(report: Path, key: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*_CLI, "certify", "verify", str(report), "--key", str(key)],
                          capture_output=True, text=True, timeout=TIMEOUT, check=False)


def test_the_reference_member_passes_and_the_registry_takes_its_report(tmp_path: Path) -> None:
    applied = CONFIG.replace('status = "approved"      #', 'status = "applied"      #')
    server = Server(tmp_path / "exchange", applied)
    try:
        key = tmp_path / "exchange" / "certify.key"
        run = certify(tmp_path / "run", frozenset(), "--key", str(key))
        assert failed_steps(run.report) == {}
        summary = run.report["summary"]
        assert (summary["cases"], summary["passed"], run.exit_code) == (29, 29, 0)
        written = tmp_path / "run" / "report.json"
        assert json.loads(written.read_text(encoding="utf-8")) == run.report
        assert "signature good" in verify(written, key).stdout
        operator = {"Authorization": "Bearer operator-secret-change-me"}
        taken = httpx.post(f"{server.http}/v1/ors/M01-ORS1/test-report", json=run.report,
                           headers=operator, timeout=TIMEOUT)
        assert taken.status_code == 200, taken.text
        registry = httpx.get(f"{server.http}/v1/registry", headers=operator,
                             timeout=TIMEOUT).json()
        states = {ors["id"]: ors["state"] for ors in registry["ors"]}
        assert states["M01-ORS1"] == "tested"
    finally:
        server.stop()


@pytest.fixture(scope="module")
def fault_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Run]:
    """One run per fault, side by side (each waits on the exchange far more than it works)."""
    folder = tmp_path_factory.mktemp("faults")
    with ThreadPoolExecutor(len(FAULTS)) as pool:
        runs = {fault: pool.submit(certify, folder / fault, frozenset([fault]))
                for fault in FAULTS}
        return {fault: run.result() for fault, run in runs.items()}


@pytest.mark.parametrize("fault", FAULTS)
def test_each_fault_fails_exactly_the_case_that_should_catch_it(
        fault_runs: dict[str, Run], fault: str) -> None:
    run = fault_runs[fault]
    assert run.report["summary"]["failed_cases"] == FAULTS[fault], failed_steps(run.report)
    assert run.exit_code == 1


def test_a_report_edited_after_signing_is_detected(fault_runs: dict[str, Run]) -> None:
    folder = fault_runs["wrong_tick"].folder
    written, key = folder / "report.json", folder / "certify.key"
    assert verify(written, key).returncode == 0
    edited = json.loads(written.read_text(encoding="utf-8"))
    case = next(case for case in edited["cases"] if case["id"] == "tick-table")
    case["verdict"] = case["steps"][0]["verdict"] = "pass"
    edited["summary"].update(passed=29, failed=0, failed_cases=[])
    written.write_text(json.dumps(edited, indent=2), encoding="utf-8")
    refused = verify(written, key)
    assert refused.returncode == 2  # an input error's exit code (docs/cli.md)
    assert "error[CERTIFY_REPORT]" in refused.stderr
    assert "altered after it was signed" in refused.stderr
