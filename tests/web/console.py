"""What the console's end-to-end tests share: `siamex serve --demo` on loopback, and a person in
a browser tab of their own (a Playwright context: its own sessionStorage, so its own login)."""

from __future__ import annotations

import os
from pathlib import Path

from playwright.sync_api import Browser, BrowserContext, Page

from tests.gateway.live import Server

SCREENSHOTS = "SIAMEX_SCREENSHOTS"
"""A folder to save each page's screenshot in (docs/console for the README's pictures)."""
OPERATOR = "operator-secret-change-me"
M01_RISK = "m01-risk-secret-change-me"
TIMEOUT_MS = 20_000


def demo_config() -> str:
    from siamex.demo.config import DEMO_CONFIG
    return DEMO_CONFIG.replace('comp_id = "SIAMEX"',
                               'comp_id = "SIAMEX"\npassword_iterations = 1000')


def serve_demo(folder: Path, *extra: str) -> Server:
    """`siamex serve --demo` on free loopback ports, from 10:15 of 2026-12-01 unless `extra`
    says otherwise."""
    return Server(folder, demo_config(), "--demo", *extra)


OPENED: list[BrowserContext] = []
"""The tabs a test opened, closed after it (tests/web/conftest.py), with their connections."""


def tab(browser: Browser, server: Server, fragment: str = "#/watch") -> Page:
    """A new person's tab on the console, at `fragment`."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    OPENED.append(context)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.errors = errors  # type: ignore[attr-defined]
    page.goto(f"{server.http}/{fragment}")
    return page


def log_in_trader(page: Page, username: str, password: str, trader: str) -> None:
    page.goto(page.url.split("#")[0] + "#/login")
    page.fill("#login-username", username)
    page.fill("#login-password", password)
    page.fill("#login-trader-id", trader)
    page.click("#login-trader button[type=submit]")
    page.wait_for_selector("#logout")


def log_in_token(page: Page, token: str) -> None:
    page.goto(page.url.split("#")[0] + "#/login")
    page.fill("#login-token-value", token)
    page.click("#login-token button[type=submit]")
    page.wait_for_selector("#logout")


def place(page: Page, side: str, symbol: str, qty: str, price: str, account: str = "C0001",
          **more: str) -> str:
    """Fill the order ticket and send it; the result line as shown."""
    if not page.url.endswith("#/desk"):
        page.goto(page.url.split("#")[0] + "#/desk")
    result = page.locator("#order-result")
    shown = int(result.get_attribute("data-shown") or 0)
    page.fill("#order-account", account)
    page.fill("#order-symbol", symbol)
    page.select_option("#order-type", more.get("type", "limit"))
    page.fill("#order-price", price)
    page.fill("#order-qty", qty)
    page.select_option("#order-validity", more.get("validity", "day"))
    page.click(f"#order-{side}")
    page.wait_for_selector(f"#order-result[data-shown='{shown + 1}']")
    return result.inner_text()


def snap(page: Page, name: str) -> None:
    """Save the page as the reader of the docs sees it, when SIAMEX_SCREENSHOTS names a folder."""
    folder = os.environ.get(SCREENSHOTS)
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"))
