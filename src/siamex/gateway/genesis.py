"""The first commands of a new exchange: its configuration's registry and limits.

A new data folder's journal starts with these, so a replay rebuilds the registry and limits
like everything else (pillar 2); they are never read from the file again (decision 84). An ORS
the file calls approved goes through its lifecycle as the exchange's staff would take it:
applied, tested, approved. Passwords become salted hashes here, at the edge.
"""

from __future__ import annotations

from siamex.gateway.config import ServeConfig
from siamex.gateway.exchange import ServiceCommand
from siamex.gateway.ors_lifecycle import OrsEvent
from siamex.gateway.registry_changes import (
    AccountType,
    RegAddAccount,
    RegAddMember,
    RegAddOrs,
    RegAddTrader,
    RegOrsEvent,
    RegSetMarketData,
    RegSetTraderApproval,
    credentials_change,
)
from siamex.gateway.risk_commands import RiskSetLimits, ScopeKind
from siamex.trading.commands import MemberSpec

__all__ = ["genesis", "member_specs"]

_STEPS = {"applied": (), "tested": (OrsEvent.RECORD_TEST,),
          "approved": (OrsEvent.RECORD_TEST, OrsEvent.APPROVE)}


def genesis(config: ServeConfig) -> list[ServiceCommand]:
    """The commands that build the configuration's registry and limits, in order."""
    out: list[ServiceCommand] = []
    for member in config.members:
        out.append(RegAddMember(0, member.id, member.name))
        out.append(RegSetMarketData(0, member.id, member.market_data))
        out += [RegAddAccount(0, member.id, a.id, AccountType(a.type)) for a in member.accounts]
    for ors in config.ors:
        out.append(RegAddOrs(0, ors.id, ors.member))
        out.append(credentials_change(0, ors.id, sender_comp_id=ors.sender_comp_id,
                                      username=ors.username, password=ors.password,
                                      iterations=config.password_iterations))
        out += [RegOrsEvent(0, ors.id, step) for step in _STEPS[ors.status]]
    for trader in config.traders:
        out.append(RegAddTrader(0, trader.id, trader.member, trader.ors, trader.accounts))
        out.append(RegSetTraderApproval(0, trader.id, trader.approved))
    for limit in config.limits:
        out.append(RiskSetLimits(0, ScopeKind(limit.scope), limit.member, limit.id,
                                 limit.credit_limit, limit.max_order_value,
                                 limit.max_order_volume, limit.price_check_bp))
    return out


def member_specs(config: ServeConfig) -> tuple[MemberSpec, ...]:
    """The members' options the engine takes at each day's start."""
    return tuple(MemberSpec(m.id, m.self_match_prevention) for m in config.members
                 if m.self_match_prevention)
