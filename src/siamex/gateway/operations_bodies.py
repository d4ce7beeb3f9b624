"""The operations endpoint's request bodies: strict JSON objects in, journaled commands out.

The registry's changes and the risk commands are arrays in the journal (tagged msgspec structs,
`ts` first); over HTTP they are JSON objects named by their fields. Each body here is a struct
that forbids unknown fields, so that decoding checks the JSON, its types, the fields present
and absent, all in one step, and nothing reaches the journal that it could not hold: a number
is bounded to what a 64-bit integer stores and a string is UTF-8 (msgspec refuses a lone
surrogate). The rules of the registry and the risk book are theirs: a body that decodes may
still be refused by them, after the journal, with a refusal code.

Decisions:

- A registry body is the change's own fields without `ts` (the sequencer stamps the time), with
  `op` naming the change; its struct is derived from the change's, so the two cannot drift.
- An ORS's credentials take a plaintext `password`, made into a salted PBKDF2 hash here, at the
  edge (`credentials_change`), never journaled; the caller runs that in a worker thread.
- Money is a decimal string in baht ("50000000.00", at most 14 whole digits, as in the
  configuration file), never a JSON number; volumes and basis points are whole numbers.
- A limits body replaces every limit of its scope: a limit it leaves out is no limit.
- A certification report (`POST /v1/ors/{ors}/test-report`) is read as a whole JSON object,
  since its signature covers all of it, and as `ReportBody`, the few fields the registry
  judges it by; it may be up to MAX_REPORT, a whole session's messages.
- A market control's body is the engine's command without `ts` and `id`, named by `op`; a
  halt's sign (H or SP) and a surveillance level (0-3) are checked here, since the body names
  their range; whether a sign is one the engine knows, a symbol is listed or a security is
  halted is the engine's to judge (docs/operations.md).
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable
from typing import Annotated, Any, Final, Literal, TypeVar, get_args

import msgspec

from siamex.gateway.registry_changes import (
    RegistryChange,
    RegSetOrsCredentials,
    credentials_change,
)
from siamex.gateway.risk_commands import RiskKill, RiskSetLimits, ScopeKind
from siamex.trading.commands import Halt, Resume, SetSign, SetSurveillanceLevel
from siamex.units import InvalidValue, parse_price

__all__ = ["CONTROL_BODY", "MAX_REPORT", "MONEY_DIGITS", "REGISTRY_BODY", "BadRequest",
           "ControlBody", "HaltBody", "KillBody", "LimitsBody", "OrsCredentialsBody",
           "ReportBody", "ReportCase", "ReportMember", "ReportSummary", "ResumeBody", "SignBody",
           "SurveillanceBody", "control_command", "decode", "kill_command", "limits_command",
           "registry_command", "report_body"]

MONEY_DIGITS: Final = 14
"""Whole-baht digits of a limit, as the configuration file allows (siamex.gateway.config)."""
MAX_REPORT: Final = 8 * 1024 * 1024
"""The largest certification report taken, in bytes: every FIX message of a session."""
_T = TypeVar("_T")
_ERROR_TEXT = 300  # a refused body's error names the problem, not the megabytes behind it
_Count = Annotated[int, msgspec.Meta(ge=0, le=2**63 - 1)]
_Money = Annotated[str, msgspec.Meta(
    pattern=r"^(0|[1-9][0-9]{0,13})(\.[0-9]{1,2})?$",
    description="baht as a decimal string, e.g. \"50000000.00\"; null for no limit",
    examples=["50000000.00"])]


class BadRequest(ValueError):
    """A request body that is not what its endpoint takes; nothing was submitted."""


class OrsCredentialsBody(msgspec.Struct, tag="reg_set_ors_credentials", tag_field="op",
                         frozen=True, forbid_unknown_fields=True):
    """Replace what an ORS logs on with; `password` is plaintext, hashed before the journal."""

    ors: str
    sender_comp_id: str | None = None
    username: str | None = None
    password: str | None = None


def _body_of(change: type[msgspec.Struct]) -> type[msgspec.Struct]:
    """The JSON object form of a registry change: its fields without `ts`, tagged by `op`."""
    fields: list[tuple[str, Any] | tuple[str, Any, Any]] = [
        (f.name, f.type) if f.required else (f.name, f.type, f.default)
        for f in msgspec.structs.fields(change) if f.name != "ts"]
    tag = change.__struct_config__.tag
    return msgspec.defstruct(change.__name__, fields, tag=tag, tag_field="op", frozen=True,
                             forbid_unknown_fields=True, namespace={"__doc__": change.__doc__})


_CHANGES: dict[type[msgspec.Struct], Callable[..., RegistryChange]] = {
    _body_of(change): change for change in get_args(RegistryChange)
    if change is not RegSetOrsCredentials}
REGISTRY_BODY: Final[Any] = functools.reduce(operator.or_, [*_CHANGES, OrsCredentialsBody])
"""Any registry change's body, told apart by `op`."""


class LimitsBody(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Every limit of one scope (`id` empty for the member itself)."""

    kind: ScopeKind
    member: str
    id: str = ""
    credit: _Money | None = None
    max_value: _Money | None = None
    max_volume: _Count | None = None
    price_band_bp: _Count | None = None


class KillBody(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Turn the kill switch of a member, an ORS or a trader on or off."""

    kind: ScopeKind
    member: str
    on: bool
    id: str = ""


class HaltBody(msgspec.Struct, tag="halt", tag_field="op", frozen=True,
               forbid_unknown_fields=True):
    """Halt (H) or suspend (SP) a security until it is resumed; its orders stay (7.1, T8)."""

    symbol: str
    sign: Literal["H", "SP"] = "H"


class ResumeBody(msgspec.Struct, tag="resume", tag_field="op", frozen=True,
                 forbid_unknown_fields=True):
    """Lift a security's H or SP; in a continuous session it resumes through a pre-open (T9)."""

    symbol: str


class SignBody(msgspec.Struct, tag="set_sign", tag_field="op", frozen=True,
               forbid_unknown_fields=True):
    """Post (`on`) or remove an information or cash-balance sign: NP, XD, CB... (7.1, T21)."""

    symbol: str
    sign: str
    on: bool = True


class SurveillanceBody(msgspec.Struct, tag="set_surveillance_level", tag_field="op",
                       frozen=True, forbid_unknown_fields=True):
    """Put a security under surveillance level 0-3; `pause` (level 3 only) starts its one-day
    pause, P (7.2, T21, T22)."""

    symbol: str
    level: Annotated[int, msgspec.Meta(ge=0, le=3)]
    pause: bool = False


class ReportMember(msgspec.Struct, frozen=True):
    """The member and ORS a certification report is of."""

    member: str
    ors: str


class ReportScript(msgspec.Struct, frozen=True):
    """The script a certification report is of, by the SHA-256 of its file."""

    name: str
    version: str
    sha256: str


class ReportSummary(msgspec.Struct, frozen=True):
    """How many of a report's cases failed, and which."""

    failed: _Count
    failed_cases: list[str]


class ReportCase(msgspec.Struct, frozen=True):
    """One case of a report and its verdict."""

    id: str
    verdict: Literal["pass", "fail"]


class ReportBody(msgspec.Struct, frozen=True):
    """What the registry reads of a certification report (docs/certify.md, "The report"); it
    holds more, all of it covered by its `signature`."""

    # siamex.certify.record.REPORT_FORMAT, out of the gateway's reach (a test keeps them equal)
    format: Literal["siamex-certify-report/1"]
    script: ReportScript
    member: ReportMember
    summary: ReportSummary
    cases: list[ReportCase]


ControlBody = HaltBody | ResumeBody | SignBody | SurveillanceBody
CONTROL_BODY: Final[Any] = ControlBody
"""Any market control's body, told apart by `op`."""


def decode(body: bytes, kind: type[_T]) -> _T:
    """Read a request body as `kind`, or raise BadRequest saying what is wrong with it."""
    try:
        return msgspec.json.decode(body, type=kind)
    except (msgspec.DecodeError, ValueError, RecursionError) as exc:
        raise BadRequest(_cut(str(exc) or type(exc).__name__)) from None


def _cut(text: str) -> str:
    return text if len(text) <= _ERROR_TEXT else text[:_ERROR_TEXT - 3] + "..."


def report_body(body: bytes) -> tuple[dict[str, Any], ReportBody]:
    """A certification report's body as the document its signature covers and as what the
    registry reads of it, or BadRequest."""
    document = decode(body, dict[str, Any])
    try:
        return document, msgspec.convert(document, ReportBody)
    except msgspec.ValidationError as exc:
        raise BadRequest(_cut(str(exc))) from None


def registry_command(body: msgspec.Struct, iterations: int) -> RegistryChange:
    """The journaled change a registry body asks for; credentials are hashed here (slow)."""
    if isinstance(body, OrsCredentialsBody):
        return credentials_change(0, body.ors, sender_comp_id=body.sender_comp_id,
                                  username=body.username, password=body.password,
                                  iterations=iterations)
    change = _CHANGES[type(body)]
    return change(0, *(getattr(body, n) for n in body.__struct_fields__))


def _money(name: str, text: str | None) -> int | None:
    if text is None:
        return None
    try:
        return parse_price(text, MONEY_DIGITS)
    except InvalidValue as exc:
        raise BadRequest(f"{name}: {exc}") from None


def limits_command(body: LimitsBody) -> RiskSetLimits:
    """The journaled command that sets a scope's limits; money from baht to satang."""
    return RiskSetLimits(0, body.kind, body.member, body.id, _money("credit", body.credit),
                         _money("max_value", body.max_value), body.max_volume,
                         body.price_band_bp)


def kill_command(body: KillBody) -> RiskKill:
    """The journaled command that turns a kill switch on or off."""
    return RiskKill(0, body.kind, body.member, body.id, body.on)


def control_command(body: ControlBody) -> Halt | Resume | SetSign | SetSurveillanceLevel:
    """The engine's own command a market control's body asks for (the sequencer stamps it)."""
    if isinstance(body, HaltBody):
        return Halt(0, body.symbol, body.sign)
    if isinstance(body, ResumeBody):
        return Resume(0, body.symbol)
    if isinstance(body, SignBody):
        return SetSign(0, body.symbol, body.sign, body.on)
    return SetSurveillanceLevel(0, body.symbol, body.level, body.pause)
