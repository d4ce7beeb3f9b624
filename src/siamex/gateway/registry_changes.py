"""The registry's vocabulary and the changes that build it, as journaled commands.

A change is made by the exchange's staff (a member joins, an ORS is approved, a trader ID is
issued) and, like every change of state, goes through the journal (DESIGN.md pillar 2). The
changes follow the engine's commands (trading.commands): frozen structs tagged by `op`, stored
as arrays, `ts` first in microseconds, so that one tagged union holds them all; every tag starts
with `reg_` so that none collides with the engine's.

A password never enters the journal: `RegSetOrsCredentials` carries a PBKDF2 hash and the salt
it was made with. `credentials_change` builds it from the plaintext at the edge; only there is
randomness drawn (the salt, from os.urandom), so replaying the journal gives the same hash.
"""

from __future__ import annotations

import hashlib
import os
from enum import Enum

import msgspec

from siamex.gateway.ors_lifecycle import OrsEvent

__all__ = [
    "EXCHANGE_COMP_ID",
    "PBKDF2_ITERATIONS",
    "SALT_BYTES",
    "AccountType",
    "RegAddAccount",
    "RegAddMember",
    "RegAddOrs",
    "RegAddTrader",
    "RegOrsEvent",
    "RegSetMarketData",
    "RegSetOrsCredentials",
    "RegSetTraderAccounts",
    "RegSetTraderApproval",
    "RegSetTraderOrs",
    "RegUpdateMember",
    "RegistryChange",
    "credentials_change",
    "password_hash",
]

EXCHANGE_COMP_ID = "SIAMEX"
"""The exchange's own CompID: the TargetCompID of every member session."""
PBKDF2_ITERATIONS = 600_000
"""PBKDF2-HMAC-SHA256 rounds for a new password (OWASP's 2023 figure); each hash keeps its own."""
SALT_BYTES = 16


class AccountType(Enum):
    """What a trading account is for: a client's, the member's own, or a market maker's."""

    CLIENT = "client"
    PROPRIETARY = "proprietary"
    MARKET_MAKER = "market_maker"


class _Change(msgspec.Struct, frozen=True, tag_field="op", array_like=True, omit_defaults=True):
    """Base of the registry's changes; `op` names each one in the journal."""


class RegAddMember(_Change, tag="reg_add_member", frozen=True, array_like=True,
                   omit_defaults=True):
    """Register a member firm; market data needs its own approval (`RegSetMarketData`)."""

    ts: int
    member: str
    name: str


class RegUpdateMember(_Change, tag="reg_update_member", frozen=True, array_like=True,
                      omit_defaults=True):
    """Change a member's name."""

    ts: int
    member: str
    name: str


class RegAddAccount(_Change, tag="reg_add_account", frozen=True, array_like=True,
                    omit_defaults=True):
    """Open a trading account of a member; its id is unique within the member only."""

    ts: int
    member: str
    account: str
    type: AccountType = AccountType.CLIENT


class RegSetMarketData(_Change, tag="reg_set_market_data", frozen=True, array_like=True,
                       omit_defaults=True):
    """Grant or withdraw a member's market-data entitlement, approved apart from order entry."""

    ts: int
    member: str
    entitled: bool


class RegAddOrs(_Change, tag="reg_add_ors", frozen=True, array_like=True, omit_defaults=True):
    """Record a member's application for a new order-routing system: it starts APPLIED."""

    ts: int
    ors: str
    member: str


class RegOrsEvent(_Change, tag="reg_ors_event", frozen=True, array_like=True,
                  omit_defaults=True):
    """Move an ORS along its approval lifecycle; `note` keeps e.g. the test script's reference."""

    ts: int
    ors: str
    event: OrsEvent
    note: str = ""


class RegSetOrsCredentials(_Change, tag="reg_set_ors_credentials", frozen=True,
                           array_like=True, omit_defaults=True):
    """Replace what an ORS logs on with: its SenderCompID and/or a username and password.

    The password is kept only as `password_hash`, PBKDF2-HMAC-SHA256 of it with `salt` over
    `iterations` rounds; build this change with `credentials_change`.
    """

    ts: int
    ors: str
    sender_comp_id: str | None = None
    username: str | None = None
    salt: bytes = b""
    password_hash: bytes = b""
    iterations: int = PBKDF2_ITERATIONS


class RegAddTrader(_Change, tag="reg_add_trader", frozen=True, array_like=True,
                   omit_defaults=True):
    """Issue a trader ID on one or more of its member's ORSs; it trades once approved.

    `accounts` None lets the trader enter orders for every account of its member, those opened
    later too; otherwise only for the accounts listed.
    """

    ts: int
    trader: str
    member: str
    ors: tuple[str, ...]
    accounts: tuple[str, ...] | None = None


class RegSetTraderApproval(_Change, tag="reg_set_trader_approval", frozen=True,
                           array_like=True, omit_defaults=True):
    """Approve a trader ID (`approved`) or revoke its approval."""

    ts: int
    trader: str
    approved: bool


class RegSetTraderOrs(_Change, tag="reg_set_trader_ors", frozen=True, array_like=True,
                      omit_defaults=True):
    """Replace the ORSs a trader may use."""

    ts: int
    trader: str
    ors: tuple[str, ...]


class RegSetTraderAccounts(_Change, tag="reg_set_trader_accounts", frozen=True,
                           array_like=True, omit_defaults=True):
    """Replace the accounts a trader may enter orders for; None: all of its member's."""

    ts: int
    trader: str
    accounts: tuple[str, ...] | None = None


RegistryChange = (
    RegAddMember | RegUpdateMember | RegAddAccount | RegSetMarketData | RegAddOrs | RegOrsEvent
    | RegSetOrsCredentials | RegAddTrader | RegSetTraderApproval | RegSetTraderOrs
    | RegSetTraderAccounts
)


def password_hash(password: str, salt: bytes, iterations: int) -> bytes:
    """Hash a password as the registry keeps it: PBKDF2-HMAC-SHA256, 32 bytes."""
    return hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, iterations)


def credentials_change(ts: int, ors: str, *, sender_comp_id: str | None = None,
                       username: str | None = None, password: str | None = None,
                       salt: bytes | None = None,
                       iterations: int = PBKDF2_ITERATIONS) -> RegSetOrsCredentials:
    """Build the credentials change from a plaintext password, which it does not keep.

    This runs at the edge, before the journal: a salt not given is drawn from os.urandom,
    and the change then carries it, so the registry applies it without randomness.
    """
    if password is None:
        return RegSetOrsCredentials(ts, ors, sender_comp_id, username, iterations=iterations)
    salt = os.urandom(SALT_BYTES) if salt is None else salt
    return RegSetOrsCredentials(ts, ors, sender_comp_id, username, salt,
                                password_hash(password, salt, iterations), iterations)
