"""Interactive mode: the terminal tells the operator each step, reads what their system
shows, and judges it (siamex certify run --mode interactive)."""

from __future__ import annotations

import json
import os
import re
import selectors
import signal
import subprocess
import sys
from pathlib import Path

from siamex.gateway.certify_script import script_bytes
from tests.gateway.live import TIMEOUT, Member

_LISTENING = re.compile(r"listening fix=([0-9.]+):([0-9]+) http=")


def small_script(folder: Path) -> Path:
    """The bundled script's member and market, with its first three cases and its last."""
    text = script_bytes().decode("utf-8")
    head, *cases = text.split("\n[[case]]\n")
    keep = [case for case in cases
            if case.startswith(('id = "logon"', 'id = "limit-day"', 'id = "logout"'))]
    path = folder / "small.toml"
    path.write_text("\n[[case]]\n".join([head, *keep]), encoding="utf-8")
    return path


class Terminal:
    """The certify process, its stdout read line by line with a timeout (unbuffered, so a
    line already read is never left waiting in a buffer the selector cannot see)."""

    def __init__(self, args: list[str]) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", "from siamex.cli import main; main()", *args],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            text=True)
        assert self.process.stdout is not None
        self.fd = self.process.stdout.fileno()
        self.selector = selectors.DefaultSelector()
        self.selector.register(self.fd, selectors.EVENT_READ)
        self.lines: list[str] = []
        self.pending = ""

    def until(self, pattern: str) -> str:
        while True:
            while "\n" in self.pending:
                line, self.pending = self.pending.split("\n", 1)
                self.lines.append(line)
                if re.search(pattern, line):
                    return line
            assert self.selector.select(TIMEOUT), f"nothing within the timeout: {self.lines}"
            data = os.read(self.fd, 65536)
            assert data, f"the process ended: {self.lines}"
            self.pending += data.decode()

    def type(self, text: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(text + "\n")
        self.process.stdin.flush()


def test_the_operator_is_told_each_step_and_a_wrong_answer_fails_its_case(
        tmp_path: Path) -> None:
    terminal = Terminal(["certify", "run", "--mode", "interactive", "--script",
                         str(small_script(tmp_path)), "--data", str(tmp_path / "run")])
    found = _LISTENING.search(terminal.until("listening"))
    assert found is not None
    address = (found.group(1), int(found.group(2)))
    terminal.until("Log on your order-routing system")
    terminal.until("Press Enter when done")
    member = Member(address, sender="M01ORS1", username="m01ors1", password="certify-m01-fix")
    assert member.logon().get(35) == b"A"
    terminal.type("")
    terminal.until("logon/1: PASS")
    terminal.until("buy limit order for 100 shares of TEST1 at 9.50")
    member.order("R1", "1", 100, "9.50", trader="T1", account="C1", symbol="TEST1")
    member.report("R1", "0")
    terminal.until("What status does your system show for order R1")
    terminal.type("filled")
    terminal.until("limit-day/1: FAIL")
    terminal.until("should show 'new'")
    terminal.until("Log out")
    member.send("5", [])
    member.expect(lambda m: m.get(35) == b"5")
    terminal.type("")
    terminal.until("report .* passed=2 failed=1")
    assert terminal.process.wait(TIMEOUT) == 1
    report = json.loads((tmp_path / "run" / "report.json").read_text(encoding="utf-8"))
    assert report["summary"]["failed_cases"] == ["limit-day"]
    assert report["mode"] == "interactive"
    assert (tmp_path / "run" / "report.html").exists()


def test_sigint_while_waiting_for_the_operator_stops_without_a_report(tmp_path: Path) -> None:
    terminal = Terminal(["certify", "run", "--mode", "interactive", "--script",
                         str(small_script(tmp_path)), "--data", str(tmp_path / "run")])
    terminal.until("Press Enter when done")
    terminal.process.send_signal(signal.SIGINT)
    assert terminal.process.wait(TIMEOUT) == 1  # not certified
    assert not (tmp_path / "run" / "report.json").exists()
