"""What a certification session records: each step's messages, answer and verdict, each case's
verdict, and the report that holds them (docs/certify.md, "The report").

The report is plain data, so that `siamex certify verify` and the registry of `siamex serve`
read it back from its JSON without the session that wrote it.
"""

from __future__ import annotations

from typing import Any, Literal

import msgspec

__all__ = ["REPORT_FORMAT", "CaseRecord", "MemberRecord", "Observed", "Report", "ScriptRecord",
           "Signature", "StepRecord", "Summary"]

REPORT_FORMAT = "siamex-certify-report/1"

Direction = Literal["in", "out"]
"""`in`: from the member's system to the exchange; `out`: from the exchange to the member."""
Verdict = Literal["pass", "fail"]


class Observed(msgspec.Struct, frozen=True, kw_only=True):
    """One FIX message as the exchange saw it cross its edge, with the machine's UTC time."""

    time: str
    """ISO 8601 UTC to the microsecond."""
    dir: Direction
    msg_type: str
    fix: str
    """The message with `|` for SOH; a Password (554) shows as `***`."""


class StepRecord(msgspec.Struct, frozen=True, kw_only=True):
    """One step of a case: what the exchange did, what the member was told, what crossed."""

    id: str
    exchange: list[str]
    instruct: str
    act: list[dict[str, Any]]
    ask: dict[str, Any] | None
    answer: str | None
    expected_answer: str | None
    started: str
    judged: str
    verdict: Verdict
    why: list[str]
    messages: list[Observed]


class CaseRecord(msgspec.Struct, frozen=True, kw_only=True):
    """A case's verdict: it passes when every step passes."""

    id: str
    title: str
    rule: str
    verdict: Verdict
    steps: list[StepRecord]


class ScriptRecord(msgspec.Struct, frozen=True, kw_only=True):
    """The script run: its format, name and version, and the SHA-256 of its file."""

    format: str
    name: str
    version: str
    sha256: str


class MemberRecord(msgspec.Struct, frozen=True, kw_only=True):
    member: str
    ors: str
    sender_comp_id: str


class Summary(msgspec.Struct, frozen=True, kw_only=True):
    cases: int
    passed: int
    failed: int
    failed_cases: list[str]


class Signature(msgspec.Struct, frozen=True, kw_only=True):
    """HMAC-SHA256 of the report's canonical JSON without this field (docs/certify.md)."""

    algorithm: str
    key_id: str
    value: str


class Report(msgspec.Struct, frozen=True, kw_only=True):
    format: str
    siamex: str
    mode: Literal["automatic", "interactive"]
    script: ScriptRecord
    member: MemberRecord
    started: str
    finished: str
    summary: Summary
    cases: list[CaseRecord]
    signature: Signature | None = None
