"""Debian's Firefox driven over WebDriver BiDi, the W3C protocol Firefox speaks itself: a few
dozen lines over a WebSocket, since Playwright drives only its own Firefox build (which cannot
be downloaded here) and no geckodriver is packaged."""

from __future__ import annotations

import json
import re
import select
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from websockets.sync.client import ClientConnection, connect

FIREFOX = "/usr/bin/firefox-esr"
_LISTENING = re.compile(r"WebDriver BiDi listening on (ws://\S+)")
TIMEOUT = 30.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class Firefox:
    """A headless Firefox with one tab; `errors` collects what its console logged as errors."""

    def __init__(self) -> None:
        self.profile = Path(tempfile.mkdtemp(prefix="siamex-firefox-"))
        self.process = subprocess.Popen(
            [FIREFOX, "--headless", "--no-remote", "--profile", str(self.profile),
             "--remote-debugging-port", str(_free_port())],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        self._held = ExitStack()
        self.socket = self._held.enter_context(
            connect(self._address() + "/session", open_timeout=TIMEOUT, max_size=None))
        self.next_id = 0
        self.errors: list[str] = []
        self.call("session.new", capabilities={})
        self.call("session.subscribe", events=["log.entryAdded"])
        self.context = self.call("browsingContext.getTree")["contexts"][0]["context"]

    def _address(self) -> str:
        assert self.process.stderr is not None
        deadline = time.monotonic() + TIMEOUT
        seen = ""
        while time.monotonic() < deadline:
            ready, _, _ = select.select([self.process.stderr], [], [], 1.0)
            if ready:
                line = self.process.stderr.readline()
                seen += line
                found = _LISTENING.search(line)
                if found:
                    threading.Thread(target=self._drain, daemon=True).start()
                    return found.group(1)
        self.process.kill()
        raise AssertionError(f"Firefox did not listen for WebDriver BiDi: {seen[-1000:]}")

    def _drain(self) -> None:
        """Read what Firefox writes after the handshake, so that a full pipe never stops it."""
        assert self.process.stderr is not None
        for _ in self.process.stderr:
            pass

    def call(self, method: str, **params: Any) -> Any:
        """Send a command and wait for its answer, keeping the console errors sent meanwhile."""
        self.next_id += 1
        sent = self.next_id
        connection: ClientConnection = self.socket
        connection.send(json.dumps({"id": sent, "method": method, "params": params}))
        while True:
            message = json.loads(connection.recv(TIMEOUT))
            if message.get("method") == "log.entryAdded":
                entry = message["params"]
                if entry.get("level") == "error":
                    self.errors.append(entry.get("text", ""))
            elif message.get("id") == sent:
                if message.get("type") == "error":
                    raise AssertionError(f"{method}: {message}")
                return message["result"]

    def go(self, url: str) -> None:
        self.call("browsingContext.navigate", context=self.context, url=url, wait="complete")

    def evaluate(self, expression: str) -> Any:
        """The JSON-able value of an expression in the page (a promise awaited)."""
        result = self.call("script.evaluate", expression=f"JSON.stringify({expression})",
                           target={"context": self.context}, awaitPromise=True)
        if result.get("type") == "exception":
            raise AssertionError(f"{expression}: {result['exceptionDetails']}")
        return json.loads(result["result"]["value"])

    def until(self, expression: str, timeout: float = TIMEOUT) -> Any:
        """Poll an expression until it is truthy; its value."""
        deadline = time.monotonic() + timeout
        while True:
            value = self.evaluate(expression)
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"not within {timeout} s: {expression} ({value!r})")
            time.sleep(0.1)

    def close(self) -> None:
        self._held.close()
        self.process.kill()
        self.process.wait(TIMEOUT)
        shutil.rmtree(self.profile, ignore_errors=True)
