"""Who may log on: the session asks an Authenticator at each Logon (FIX 4.4 Volume 2, Logon:
Username(553) and Password(554), or the CompID pair alone where that is the agreement)."""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from typing import Protocol

import msgspec

__all__ = [
    "Accepted",
    "Authenticator",
    "Credential",
    "LogonDecision",
    "Refused",
    "StaticAuthenticator",
]


class Accepted(msgspec.Struct, frozen=True):
    """The Logon is accepted; `identity` (a member, a trader) goes to the server in LoggedOn."""

    identity: object


class Refused(msgspec.Struct, frozen=True):
    """The Logon is refused; `text` goes back in the Logout's Text(58)."""

    text: str


LogonDecision = Accepted | Refused


class Authenticator(Protocol):
    """Decide a Logon from its CompIDs and credentials (None where the Logon has none)."""

    def logon(self, sender_comp_id: str, target_comp_id: str, username: str | None,
              password: str | None) -> LogonDecision:
        """Accept the counterparty with an identity, or refuse it with a reason."""
        ...


class Credential(msgspec.Struct, frozen=True):
    """What a SenderCompID must present: nothing more than the CompID pair when `username` is
    None, else this Username and Password."""

    identity: object
    username: str | None = None
    password: str = ""


class StaticAuthenticator:
    """Accept the SenderCompIDs of a fixed table, each with its credential."""

    def __init__(self, credentials: Mapping[str, Credential]) -> None:
        self._credentials = dict(credentials)

    def logon(self, sender_comp_id: str, target_comp_id: str, username: str | None,
              password: str | None) -> LogonDecision:
        credential = self._credentials.get(sender_comp_id)
        if credential is None:
            return Refused(f"unknown SenderCompID {sender_comp_id}")
        if credential.username is not None and not (
                username == credential.username
                and hmac.compare_digest((password or "").encode(), credential.password.encode())):
            return Refused("wrong Username(553) or Password(554)")
        return Accepted(credential.identity)
