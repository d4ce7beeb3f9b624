"""A member's CI harness for certification in automatic mode (docs/certify.md; the contract
in the certification's brief): it reads each step from the exchange's API, has the member's
system do the acts and answer the ask, says done, and returns the report once the script is
finished.

The member's session is read all along (`pump`), while the harness waits for the next step
and while the exchange judges one: what the exchange does between steps (a fill, a dropped
connection, a TestRequest) reaches the member as it would in production, not all at once when
the next act comes.
"""

from __future__ import annotations

import time
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Protocol
from urllib.parse import quote

import httpx

from tests.certify.fix_client import SessionError

__all__ = ["CertifiedSystem", "run_certification"]

POLL_S = 0.05


class CertifiedSystem(Protocol):
    """What the harness needs of a member's system (ReferenceMember has it)."""

    def act(self, act: dict[str, Any]) -> None: ...

    def answer(self, ask: dict[str, Any]) -> str: ...

    def settle(self, quiet: float = ...) -> None: ...

    def pump(self, timeout: float) -> None: ...


def run_certification(http_base: str, token: str, member: CertifiedSystem, timeout: float,
                      verdicts: list[dict[str, Any]] | None = None,
                      transport: httpx.BaseTransport | None = None) -> dict[str, Any]:
    """Walk the script to its end within `timeout` seconds and return the report; each
    step's verdict is appended to `verdicts`. An act the member's system cannot do is left
    to the exchange to judge: the step is still said done, as a person's would be."""
    deadline = time.monotonic() + timeout
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=http_base, headers=headers, timeout=30.0,
                      transport=transport) as client, ThreadPoolExecutor(1) as pool:
        while time.monotonic() < deadline:
            step = _ok(client.get("/v1/certify/step"))
            if step["state"] == "preparing":
                member.pump(POLL_S)
                continue
            if step["state"] == "finished":
                return dict(_ok(client.get(step["report"])))
            body = _do(step, member)
            path = f"/v1/certify/step/{quote(step['id'], safe='')}/done"
            judged = pool.submit(client.post, path, json=body,
                                 timeout=float(step.get("within_s", 5)) + 30.0)
            verdict = _ok(_pumped(judged, member))
            if verdicts is not None:
                verdicts.append(verdict)
    raise TimeoutError(f"certification did not finish within {timeout} s")


def _do(step: dict[str, Any], member: CertifiedSystem) -> dict[str, str]:
    """Do the step's acts in order, then answer its ask from the member's settled state."""
    for act in step["act"]:
        try:
            member.act(act)
        except (SessionError, OSError):
            break  # the rest of the step depends on this act: the exchange judges the lack
    if step.get("ask") is None:
        return {}
    member.settle()
    try:
        return {"answer": member.answer(step["ask"])}
    except (SessionError, OSError) as exc:
        return {"answer": f"error: {exc}"}


def _pumped(judged: Future[httpx.Response], member: CertifiedSystem) -> httpx.Response:
    """Wait for the verdict while the member's session is read."""
    while not judged.done():
        member.pump(POLL_S)
    return judged.result()


def _ok(response: httpx.Response) -> Any:
    response.raise_for_status()
    return response.json()
