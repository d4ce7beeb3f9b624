"""A certification session: the script walked step by step inside the test market, each step
set up by the exchange, done by the member, judged, and kept for the report
(docs/certify.md, "How a session runs").

The member learns each step either from a terminal (interactive: an operator reads the
instruction, does it on the member's system, and types what the system shows) or from the
certification API (automatic: the member's harness reads the step, drives its system and says
it is done). Either way the step's window of messages runs from before the exchange's set-up
to the judgement, and `within` counts from the moment the member says it is done.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from siamex import __version__
from siamex.certify.judge import Judgement, judge, resolve
from siamex.certify.market import ExchangeDesk
from siamex.certify.observer import Observer, utc_text
from siamex.certify.record import (
    REPORT_FORMAT,
    CaseRecord,
    MemberRecord,
    Report,
    ScriptRecord,
    StepRecord,
    Summary,
)
from siamex.certify.script import Case, LoadedScript, Step
from siamex.server import ServeParts

__all__ = ["Current", "Mode", "Prompt", "Session", "StepDone"]

Mode = Literal["automatic", "interactive"]


class Prompt(Protocol):
    """Interactive mode's way to the member's operator."""

    async def ask(self, current: Current) -> str | None:
        """Tell the operator the step; return what they say their system shows."""

    def tell(self, current: Current, judgement: Judgement) -> None:
        """Show the step's verdict."""


def _utc_now() -> str:
    return utc_text(time.time_ns())


@dataclass
class StepDone:
    """The member's word that a step is done, with what its system shows."""

    answer: str | None


@dataclass
class Current:
    """The step the member is on: what it is told, and where its word and verdict go."""

    id: str
    case: Case
    number: int
    step: Step
    done: asyncio.Future[StepDone]
    verdict: asyncio.Future[Judgement] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future())

    def public(self) -> dict[str, Any]:
        """The step as the API shows it to a member's harness."""
        step = self.step
        return {"state": "ready", "id": self.id, "case": self.case.id, "title": self.case.title,
                "step": self.number, "steps": len(self.case.step), "instruct": step.instruct,
                "act": step.act, "ask": step.ask, "within_s": step.within}


class Session:
    """The cases of one script run against one member's system."""

    def __init__(self, loaded: LoadedScript, mode: Mode, prompt: Prompt | None = None) -> None:
        self.loaded = loaded
        self.script = loaded.script
        self.mode = mode
        self.prompt = prompt
        self.observer = Observer()
        self.bindings: dict[str, str] = {}
        self.current: Current | None = None
        self.cases: list[CaseRecord] = []
        self.report: Report | None = None
        self.report_read = asyncio.Event()
        self.parts: ServeParts | None = None
        self._started = _utc_now()

    async def run(self, parts: ServeParts) -> Report:
        """Walk every case; return the unsigned report."""
        self.parts = parts
        self._started = _utc_now()
        parts.acceptor.taps.append(self.observer.tap)
        desk = ExchangeDesk(parts, self.script)
        for case in self.script.case:
            steps = [await self._step(case, n, step, desk)
                     for n, step in enumerate(case.step, 1)]
            verdict: Literal["pass", "fail"] = \
                "pass" if all(step.verdict == "pass" for step in steps) else "fail"
            self.cases.append(CaseRecord(id=case.id, title=case.title, rule=case.rule,
                                         verdict=verdict, steps=steps))
        return self._report()

    def _report(self) -> Report:
        failed = [case.id for case in self.cases if case.verdict == "fail"]
        member = self.script.member
        return Report(
            format=REPORT_FORMAT, siamex=__version__, mode=self.mode,
            script=ScriptRecord(format=self.script.format, name=self.script.name,
                                version=self.script.version, sha256=self.loaded.sha256),
            member=MemberRecord(member=member.id, ors=member.ors,
                                sender_comp_id=member.sender_comp_id),
            started=self._started, finished=_utc_now(),
            summary=Summary(cases=len(self.cases), passed=len(self.cases) - len(failed),
                            failed=len(failed), failed_cases=failed),
            cases=self.cases)

    async def _step(self, case: Case, number: int, step: Step, desk: ExchangeDesk
                    ) -> StepRecord:
        start = len(self.observer.seen)
        started = _utc_now()
        done_by_exchange: list[str] = []
        try:
            for action in step.exchange:
                done_by_exchange.append(await desk.do(action))
        except RuntimeError as exc:
            return self._record(case, number, step, start, started, done_by_exchange, None,
                                Judgement("fail", [f"the exchange could not set the step up: "
                                                   f"{exc}"]))
        loop = asyncio.get_running_loop()
        current = Current(f"{case.id}/{number}", case, number, step, loop.create_future())
        self.current = current
        if self.prompt is not None:
            current.done.set_result(StepDone(await self.prompt.ask(current)))
        word = await current.done
        judgement = await self._judge(step, start, word.answer)
        self.current = None
        self.bindings.update(judgement.bound)
        current.verdict.set_result(judgement)
        if self.prompt is not None:
            self.prompt.tell(current, judgement)
        return self._record(case, number, step, start, started, done_by_exchange, word.answer,
                            judgement)

    async def _judge(self, step: Step, start: int, answer: str | None) -> Judgement:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + step.within
        while True:
            final = loop.time() >= deadline
            found = judge(step, self.observer.seen[start:], self.bindings, answer,
                          self._checks(step), final=final)
            if found.verdict is not None:
                return found
            await asyncio.sleep(0.02)

    def _checks(self, step: Step) -> dict[str, str | None]:
        found: dict[str, str | None] = {}
        if "no_resting_orders" in step.check:
            assert self.parts is not None
            member = self.script.member.id
            resting = sorted(order.id for order in self.parts.service.exchange.engine
                             .orders.values() if order.member == member)
            found["no_resting_orders"] = (
                f"{len(resting)} of the member's orders still rest in the book "
                f"(order ids {', '.join(resting)})" if resting else None)
        return found

    def _expected(self, answer: str | None) -> str | None:
        """The answer a step expected, its `$NAME` shown as its value once bound."""
        if answer is None:
            return None
        found = resolve(answer, self.bindings)
        return found if found is not None else answer

    def _record(self, case: Case, number: int, step: Step, start: int, started: str,
                exchange: list[str], answer: str | None, judgement: Judgement) -> StepRecord:
        assert judgement.verdict is not None
        return StepRecord(
            id=f"{case.id}/{number}", exchange=exchange, instruct=step.instruct, act=step.act,
            ask=step.ask, answer=answer,
            expected_answer=self._expected(step.answer),
            started=started, judged=_utc_now(), verdict=judgement.verdict,
            why=judgement.why, messages=self.observer.records[start:])
