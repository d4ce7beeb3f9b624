"""Interactive mode: the terminal tells the member's operator each step and waits for them to
do it on their system, then asks what the system shows (docs/certify.md, "Interactive mode")."""

from __future__ import annotations

import asyncio
import threading
from typing import Final, TextIO

from siamex.certify.judge import Judgement
from siamex.certify.session import Current

__all__ = ["TerminalPrompt", "question"]

_STATUSES: Final = "new, partially_filled, filled, cancelled, rejected, expired"


def question(ask: dict[str, str]) -> str:
    """The ask in words, for a person."""
    what = ask["what"]
    if what == "status":
        return f"What status does your system show for order {ask['ref']}? ({_STATUSES})"
    if what == "filled_qty":
        return f"How many shares of order {ask['ref']} does your system show filled?"
    if what == "reject_code":
        return f"What reason does your system show for the refusal of order {ask['ref']}?"
    if what == "drop_copy_last_trade":
        return "What is the trade_no of the last record your drop copy holds?"
    return (f"Log on to the market-data feed: what last price of {ask['symbol']} does it "
            "give? (or 'refused' if the feed refused the login)")


class TerminalPrompt:
    """Shows a step on `out` and reads the operator's Enter, or answer, from `inp`."""

    def __init__(self, inp: TextIO, out: TextIO) -> None:
        self.inp = inp
        self.out = out

    async def ask(self, current: Current) -> str | None:
        step = current.step
        print(f"\n== {current.case.title} [{current.id}, step {current.number} of "
              f"{len(current.case.step)}]\n{step.instruct}", file=self.out, flush=True)
        if step.ask is None:
            print("Press Enter when done.", file=self.out, flush=True)
            await self._line()
            return None
        print(f"{question(step.ask)}\n> ", end="", file=self.out, flush=True)
        return (await self._line()).strip()

    async def _line(self) -> str:
        """The next line, read on a daemon thread: a reader blocked on the terminal must not
        keep the process alive once SIGINT or SIGTERM stops the market."""
        loop = asyncio.get_running_loop()
        line: asyncio.Future[str] = loop.create_future()

        def given(text: str) -> None:
            if not line.done():
                line.set_result(text)

        def read() -> None:
            loop.call_soon_threadsafe(given, self.inp.readline())
        threading.Thread(target=read, name="certify-terminal", daemon=True).start()
        return await line

    def tell(self, current: Current, judgement: Judgement) -> None:
        print(f"{current.id}: {(judgement.verdict or '').upper()}", file=self.out)
        for line in judgement.why:
            print(f"  - {line}", file=self.out)
        self.out.flush()
