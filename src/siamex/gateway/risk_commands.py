"""The commands of pre-trade risk: set a scope's limits, turn a kill switch on or off.

A member's own staff set these (set-trading-rules.md 10: parameter control by the member), at
any time of the day; like every change of state they are journaled (DESIGN.md pillar 2). They
follow the engine's commands (trading.commands): frozen structs tagged by `op`, stored as
arrays, `ts` first in microseconds, so that one tagged union holds them all; every tag starts
with `risk_` so that none collides with the engine's or the registry's.

A scope is always named within its member: the HTTP or FIX handler fills `member` from the
session, so a member's staff can reach no other member's limits.
"""

from __future__ import annotations

from enum import Enum

import msgspec

__all__ = ["RiskCommand", "RiskKill", "RiskSetLimits", "ScopeKind"]


class ScopeKind(Enum):
    """What a limit or a kill switch applies to; an account is its member's account."""

    __hash__ = object.__hash__  # hashed in every risk lookup: the C hash, not Enum's

    MEMBER = "member"
    ORS = "ors"
    TRADER = "trader"
    ACCOUNT = "account"


class _RiskCommand(msgspec.Struct, frozen=True, tag_field="op", array_like=True,
                   omit_defaults=True):
    """Base of the risk commands; `op` names each one in the journal."""


class RiskSetLimits(_RiskCommand, tag="risk_set_limits", frozen=True, array_like=True,
                    omit_defaults=True):
    """Replace every limit of one scope; a limit left None is no limit.

    `id` names the ORS, trader or account, and is empty for the member itself. Money is in
    satang, volume in shares, the price band in basis points of the reference price.
    """

    ts: int
    kind: ScopeKind
    member: str
    id: str = ""
    credit: int | None = None
    max_value: int | None = None
    max_volume: int | None = None
    price_band_bp: int | None = None


class RiskKill(_RiskCommand, tag="risk_kill", frozen=True, array_like=True, omit_defaults=True):
    """Turn the kill switch of a member, an ORS or a trader on (`on`) or off.

    Turning it on refuses the scope's new orders and gives back its resting orders, which the
    caller cancels in the same sequenced step (set-trading-rules.md 10.5).
    """

    ts: int
    kind: ScopeKind
    member: str
    id: str = ""
    on: bool = True


RiskCommand = RiskSetLimits | RiskKill
