"""The console's files as `siamex serve` serves them: the page at `/`, its files under
`/console/`, each with the headers that keep anything but the server's own files out of it, and
every file the page names really there."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from starlette.applications import Starlette

import siamex.web
from siamex.gateway.http import ERROR_HANDLERS
from siamex.trading.listing import SIGNS
from siamex.web.console import CONSOLE_HEADERS, console_routes

STATIC = Path(siamex.web.__file__).parent / "static"

def _off_the_loop(call: Callable[[], Awaitable[httpx.Response]]) -> httpx.Response:
    """Run the call on a thread of its own: a browser driver may hold this thread's loop."""
    async def run() -> httpx.Response:
        return await call()
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, run()).result()



def _get(path: str) -> httpx.Response:
    app = Starlette(routes=console_routes(), exception_handlers=ERROR_HANDLERS)

    async def call() -> httpx.Response:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                     base_url="http://exchange") as client:
            return await client.get(path)
    return _off_the_loop(call)


def test_the_page_is_served_at_the_root_with_its_security_headers() -> None:
    page = _get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "/console/js/app.js" in page.text
    for name, value in CONSOLE_HEADERS.items():
        assert page.headers[name] == value
    assert "script-src 'self'" in page.headers["content-security-policy"]


def test_every_file_the_page_and_its_modules_name_is_served_with_the_headers() -> None:
    named = {"/console/console.css", "/console/js/app.js"}
    for module in (STATIC / "js").glob("*.js"):
        for found in re.findall(r'from "\./([a-z_]+\.js)"', module.read_text()):
            named.add(f"/console/js/{found}")
        for found in re.findall(r'from "\.\./vendor/([a-z.-]+\.mjs)"', module.read_text()):
            named.add(f"/console/vendor/{found}")
    for found in re.findall(r"url\((vendor/fonts/[a-z0-9-]+\.woff2)\)",
                            (STATIC / "console.css").read_text()):
        named.add(f"/console/{found}")
    assert "/console/vendor/lightweight-charts.mjs" in named
    for path in sorted(named):
        answer = _get(path)
        assert answer.status_code == 200, path
        assert answer.headers["content-security-policy"] == CONSOLE_HEADERS[
            "content-security-policy"], path
        if path.endswith((".js", ".mjs")):
            assert "javascript" in answer.headers["content-type"], path


def test_a_file_that_is_not_there_is_404_and_nothing_outside_is_reachable() -> None:
    assert _get("/console/js/nope.js").status_code == 404
    assert _get("/console/../web/console.py").status_code == 404
    assert _get("/console/%2e%2e/console.py").status_code == 404


def test_the_vendored_libraries_carry_their_licences() -> None:
    vendor = STATIC / "vendor"
    assert "Apache License" in (vendor / "lightweight-charts.LICENSE").read_text()
    assert "SIL Open Font License" in (vendor / "fonts" / "sarabun.LICENSE").read_text()
    assert "TradingView" in (STATIC / "index.html").read_text()


def test_the_operator_desk_offers_every_sign_a_control_may_post_and_no_other() -> None:
    found = re.search(r"const SIGNS = \[([^\]]*)\]", (STATIC / "js" / "operator.js").read_text())
    assert found is not None
    offered = re.findall(r'"([A-Z]+)"', found.group(1))
    assert len(offered) == len(set(offered))
    assert set(offered) == SIGNS - {"H", "SP", "P"}  # those three stop trading: their own controls
