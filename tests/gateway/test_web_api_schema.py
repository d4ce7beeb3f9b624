"""The web API fuzzed from its own OpenAPI document (schemathesis) against a real `siamex serve`:
no request gets a 5xx, every answer matches the document, and a request refused before the
journal (400, 401, 403, 404, 413) leaves the state's hash and sequence number as they were.

Schemathesis's heuristic that a schema-valid request is never a 400 is left out: the rules that
join fields (a price for limit orders only, an expiry date for GTD only, a real calendar date)
are the endpoint's, not the document's (docs/web-api.md)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import positive_data_acceptance

from tests.gateway.live import Server

OPERATOR = {"Authorization": "Bearer operator-secret-change-me"}
TRADING = ("/v1/orders", "/v1/trades", "/v1/sessions")
UNCHANGED = {400, 401, 403, 404, 413}


def _trader(http: str) -> dict[str, str]:
    """A fresh trader session (the fuzzing may have ended the last one)."""
    answer = httpx.post(f"{http}/v1/sessions", json={
        "username": "m01ors1", "password": "m01-fix-secret-change-me", "trader": "M01T1"})
    return {"Authorization": f"Bearer {answer.json().get('token', '')}"}


def _state(http: str) -> Any:
    return httpx.get(f"{http}/v1/state", headers=OPERATOR).json()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Any:
    running = Server(tmp_path_factory.mktemp("schema") / "data")
    yield running
    running.stop()


def _operations(server: Server) -> list[Any]:
    schema = schemathesis.openapi.from_url(f"{server.http}/v1/openapi.json")
    return [result.ok() for result in schema.get_all_operations()]


def test_the_document_covers_trading_and_operations(server: Server) -> None:
    paths = {(op.method.upper(), op.path) for op in _operations(server)}
    assert {("POST", "/v1/orders"), ("POST", "/v1/orders/amend"), ("GET", "/v1/trades"),
            ("POST", "/v1/sessions"), ("POST", "/v1/risk/kill-switch"),
            ("GET", "/v1/audit"), ("POST", "/v1/market/controls"),
            ("GET", "/v1/market/schedule"), ("GET", "/v1/whoami")} <= paths


def _fuzz(server: Server, operation: Any) -> None:
    trading = operation.path.startswith(TRADING)

    @settings(max_examples=25, deadline=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy())
    def call(case: Any) -> None:
        headers = _trader(server.http) if trading else OPERATOR
        before = _state(server.http)
        response = case.call(base_url=server.http, headers=headers)
        assert response.status_code < 500, (case.path, response.text)
        case.validate_response(response, excluded_checks=[positive_data_acceptance])
        if response.status_code in UNCHANGED:
            assert _state(server.http) == before, (case.path, response.status_code)
    call()


def test_no_request_fails_the_server_or_changes_state_when_refused(server: Server) -> None:
    for operation in _operations(server):
        _fuzz(server, operation)
