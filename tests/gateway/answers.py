"""What the HTTP tests read from an answer of `siamex serve`."""

from __future__ import annotations

import httpx


def error_of(response: httpx.Response) -> tuple[int, str]:
    """The status and code of a refusal, checking it has the one error shape."""
    body = response.json()
    assert set(body) == {"error"} and isinstance(body["error"]["text"], str), body
    return response.status_code, body["error"]["code"]
