"""`siamex certify run`: the test market with the certification inside it, the report written
and signed at the end (docs/certify.md).

The market is `siamex serve` on the run's own data folder, which must be new: a certification
is one session from a fresh FIX session and an empty book, never resumed (decision 195). It
prints serve's `listening` line (the ports), then, in interactive mode, each step and its
verdict, and last `siamex certify: report FILE passed=N failed=M`.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Final, TextIO

from starlette.routing import BaseRoute

from siamex.certify.api import certify_routes
from siamex.certify.market import market_config, write_universe
from siamex.certify.report import report_html, report_json, signed
from siamex.certify.script import LoadedScript
from siamex.certify.session import Mode, Session
from siamex.certify.terminal import TerminalPrompt
from siamex.errors import ErrorCode, SiamexError
from siamex.gateway.report_signature import certify_key
from siamex.gateway.whole_file import write_whole
from siamex.server import ServeOptions, ServeParts, serve

__all__ = ["Certification", "CertifyOptions", "certify"]

_LINGER_S: Final = 60.0
"""How long automatic mode keeps the market up for the harness to fetch the report."""


@dataclass(frozen=True)
class CertifyOptions:
    folder: Path
    key: Path
    mode: Mode
    report_dir: Path
    fix_port: int = 0
    http_port: int = 0
    feed_port: int = 0


class Certification:
    """The session as an extension of `siamex serve` (siamex.server.Extension)."""

    def __init__(self, session: Session, key: bytes, report_dir: Path, out: TextIO) -> None:
        self.session = session
        self.key = key
        self.report_dir = report_dir
        self.out = out
        self.written: Path | None = None

    def routes(self, parts: ServeParts) -> list[BaseRoute]:
        return certify_routes(self.session, parts.tokens)

    async def run(self, parts: ServeParts) -> None:
        report = signed(await self.session.run(parts), self.key)
        self.report_dir.mkdir(parents=True, exist_ok=True)
        self.written = self.report_dir / "report.json"
        write_whole(self.written, report_json(report))
        write_whole(self.report_dir / "report.html", report_html(report).encode("utf-8"))
        self.session.report = report
        print(f"siamex certify: report {self.written} passed={report.summary.passed} "
              f"failed={report.summary.failed}", file=self.out, flush=True)
        if self.session.mode == "automatic":
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.session.report_read.wait(), _LINGER_S)


def _fresh(folder: Path) -> None:
    if (folder / "exchange.journal").exists():
        raise SiamexError(ErrorCode.DATA_FOLDER, (
            f"{folder} holds a market already: a certification starts on a new data folder"))


def certify(loaded: LoadedScript, options: CertifyOptions, out: TextIO = sys.stdout,
            inp: TextIO = sys.stdin) -> int:
    """Run the session; 0 when every case passed, 1 otherwise."""
    _fresh(options.folder)
    options.folder.mkdir(parents=True, exist_ok=True)
    key = certify_key(options.key, create=True)
    universe = options.folder / "universe.json"
    write_universe(loaded.script, universe)
    config = market_config(loaded.script, fix_port=options.fix_port,
                           http_port=options.http_port, feed_port=options.feed_port)
    prompt = TerminalPrompt(inp, out) if options.mode == "interactive" else None
    session = Session(loaded, options.mode, prompt)
    certification = Certification(session, key, options.report_dir, out)
    serve(config, ServeOptions(options.folder, universe=universe), out, certification)
    report = session.report
    if report is None:
        return 1
    return 0 if report.summary.failed == 0 else 1
