"""The member gateway's refusal codes, each tied to the rule it enforces, and its one error.

Every refusal the gateway gives before an order reaches the engine, and every registry change it
refuses, carries one of these codes (set-trading-rules.md 10: the member's pre-trade risk
controls, the approval of order-routing systems and trader IDs, and the prevention of anyone
else entering orders for a client). The codes are stable: new ones may be added, none is ever
renamed. Where a code is also one of the engine's (trading.rejects.Reject), the word is the same.
"""

from __future__ import annotations

from enum import Enum

import msgspec

__all__ = ["GatewayError", "Refusal", "RefusalCode", "RegistryError", "RiskError"]


class RefusalCode(Enum):
    """Why the gateway refused a logon, an order or a change to its registry or limits."""

    # The registry of members, ORSs and traders (changes made by the exchange's staff).
    UNKNOWN_MEMBER = "UNKNOWN_MEMBER"  # a change names a member the registry does not hold
    UNKNOWN_ACCOUNT = "UNKNOWN_ACCOUNT"  # a trader is given an account its member lacks
    UNKNOWN_ORS = "UNKNOWN_ORS"  # no order-routing system by that id or CompID (10: approval)
    UNKNOWN_TRADER = "UNKNOWN_TRADER"  # a trader ID the exchange never issued (11: trader IDs)
    DUPLICATE = "DUPLICATE"  # an id, CompID or username already taken
    BAD_TRANSITION = "BAD_TRANSITION"  # an ORS event its approval state does not allow (10)
    INVALID = "INVALID"  # a change or limit whose fields break the registry's or book's rules
    # Logon and order entry (10: permission before using an ORS, trader IDs approved apart).
    ORS_NOT_APPROVED = "ORS_NOT_APPROVED"  # the ORS is applied, tested, changed or cancelled
    BAD_CREDENTIALS = "BAD_CREDENTIALS"  # wrong CompID pair, username or password at logon
    TRADER_NOT_APPROVED = "TRADER_NOT_APPROVED"  # a trader ID not, or no longer, approved
    TRADER_NOT_ON_ORS = "TRADER_NOT_ON_ORS"  # the trader is not registered on this ORS
    NOT_OWNER = "NOT_OWNER"  # 10: prevent others from entering orders for a client
    # Pre-trade risk management (10, items 1-5), set by the member's own staff.
    CREDIT_LIMIT = "CREDIT_LIMIT"  # 10.1: the credit / exposure limit
    MAX_ORDER_VALUE = "MAX_ORDER_VALUE"  # 10.2: the maximum value per order
    MAX_ORDER_VOLUME = "MAX_ORDER_VOLUME"  # 10.3: the maximum volume per order
    PRICE_CHECK = "PRICE_CHECK"  # 10.4: the order price check against the reference price
    KILL_SWITCH = "KILL_SWITCH"  # 10.5: the kill switch stops new orders at once


class Refusal(msgspec.Struct, frozen=True):
    """A refusal: its stable code and a sentence for the member."""

    code: RefusalCode
    text: str


class GatewayError(Exception):
    """A change the gateway refused; its state is as it was before the change."""

    def __init__(self, code: RefusalCode, text: str) -> None:
        super().__init__(f"{code.value}: {text}")
        self.code = code
        self.text = text

    @property
    def refusal(self) -> Refusal:
        """The refusal to send back to whoever asked for the change."""
        return Refusal(self.code, self.text)


class RegistryError(GatewayError):
    """A registry change refused (siamex.gateway.registry)."""


class RiskError(GatewayError):
    """A limit or kill-switch command refused (siamex.gateway.risk)."""
