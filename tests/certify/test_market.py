"""The test market's exchange desk (siamex.certify.market): what the exchange does between the
member's steps, each refusal of the market a failed set-up, never a silent one."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from siamex.certify.market import ExchangeDesk
from siamex.certify.script import bundled_script
from siamex.gateway.fix.acceptor import FixAcceptor
from siamex.gateway.fix.session import SessionConfig
from siamex.gateway.tokens import Tokens
from siamex.server import ServeParts
from tests.gateway.market import CONFIG
from tests.gateway.serving import Live


def with_desk(folder: Path, check: Callable[[ExchangeDesk], Awaitable[None]]) -> None:
    async def run() -> None:
        live = Live(folder)
        live.start()
        await live.open_day()
        parts = ServeParts(live.service, live.clock,
                           FixAcceptor(live.service, folder / "fix", SessionConfig("SIAMEX")),
                           Tokens(CONFIG))
        await check(ExchangeDesk(parts, bundled_script().script))
        await live.stop()
    asyncio.run(run())


def test_a_halt_is_done_and_said(tmp_path: Path) -> None:
    async def check(desk: ExchangeDesk) -> None:
        assert await desk.do({"halt": "PTT"}) == "halted PTT"
        assert "H" in desk.parts.service.exchange.engine.day.instruments["PTT"].signs
    with_desk(tmp_path, check)


def test_a_control_the_engine_refuses_fails_the_set_up(tmp_path: Path) -> None:
    async def check(desk: ExchangeDesk) -> None:
        with pytest.raises(RuntimeError, match="UNKNOWN_SYMBOL"):
            await desk.do({"halt": "NOSUCH"})
    with_desk(tmp_path, check)


def test_dropping_a_member_that_is_not_connected_fails_the_set_up(tmp_path: Path) -> None:
    async def check(desk: ExchangeDesk) -> None:
        with pytest.raises(RuntimeError, match="not connected"):
            await desk.do({"disconnect": "member"})
    with_desk(tmp_path, check)
