"""The approval lifecycle of a member's order-routing system (ORS), as a table.

A member may route orders only through an ORS the exchange approved, after the member ran the
exchange's test script and sent the results; a change to an approved system is tested and
approved again, and a cancelled one never logs on again (set-trading-rules.md 10, "permission
from SET before using/changing an order-routing system"):

    RegAddOrs -> APPLIED -record_test-> TESTED -approve-> APPROVED -first_logon-> IN_USE
                                          ^                  |                     |
                                          |                change                change
                                          |                  v                     |
                                          +--record_test-- CHANGED <---------------+
    APPLIED, TESTED, APPROVED, IN_USE, CHANGED -cancel-> CANCELLED (terminal)

Only an APPROVED or IN_USE system may log on; its first logon is journaled as `first_logon`.
"""

from __future__ import annotations

from enum import Enum

__all__ = ["MAY_LOG_ON", "TRANSITIONS", "OrsEvent", "OrsState"]


class OrsState(Enum):
    """Where an order-routing system stands in its approval."""

    APPLIED = "applied"
    TESTED = "tested"
    APPROVED = "approved"
    IN_USE = "in_use"
    CHANGED = "changed"
    CANCELLED = "cancelled"


class OrsEvent(Enum):
    """What happens to an ORS after its application (`RegAddOrs` is the application)."""

    RECORD_TEST = "record_test"
    APPROVE = "approve"
    FIRST_LOGON = "first_logon"
    CHANGE = "change"
    CANCEL = "cancel"


_A, _T, _P, _U, _C, _X = (OrsState.APPLIED, OrsState.TESTED, OrsState.APPROVED, OrsState.IN_USE,
                          OrsState.CHANGED, OrsState.CANCELLED)
TRANSITIONS: dict[tuple[OrsState, OrsEvent], OrsState] = {
    (_A, OrsEvent.RECORD_TEST): _T,
    (_C, OrsEvent.RECORD_TEST): _T,
    (_T, OrsEvent.APPROVE): _P,
    (_P, OrsEvent.FIRST_LOGON): _U,
    (_P, OrsEvent.CHANGE): _C,
    (_U, OrsEvent.CHANGE): _C,
    **{(state, OrsEvent.CANCEL): _X for state in (_A, _T, _P, _U, _C)},
}
MAY_LOG_ON = frozenset({_P, _U})
"""The states in which an ORS may log on and carry orders."""
