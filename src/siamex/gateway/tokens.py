"""Who a bearer token belongs to, for every HTTP and WebSocket endpoint of `siamex serve`.

Three kinds of caller hold tokens: an operator and a member's risk officer, whose tokens are in
the configuration, and a trader, who gets one by logging on through an order-routing system's
credentials (docs/web-api.md). A trader's token names its member, trader ID and ORS, so that
what it sends is checked exactly as a FIX order through that ORS would be.

Decisions:

- Tokens are found by their SHA-256, never compared as text: the lookup's time depends on a
  hash the caller cannot steer, so it tells nothing of which token nearly matched.
- A trader's token lives as long as the server process: after a restart the trader logs on
  again (as a FIX session does), and the journal holds no secret.
"""

from __future__ import annotations

import hashlib
import secrets

import msgspec

from siamex.gateway.config import ServeConfig

__all__ = ["Caller", "Tokens"]


class Caller(msgspec.Struct, frozen=True):
    """An operator; the risk officer of `member`; or `trader` of `member` through `ors`."""

    operator: bool
    member: str | None = None
    trader: str | None = None
    ors: str | None = None

    @property
    def is_trader(self) -> bool:
        """Whether this is a trader's session token."""
        return self.trader is not None


def _digest(token: str) -> bytes:
    return hashlib.sha256(token.encode("utf-8", "surrogateescape")).digest()


class Tokens:
    """The configured tokens and the trader sessions issued since the server started."""

    def __init__(self, config: ServeConfig) -> None:
        self._callers: dict[bytes, Caller] = {_digest(t): Caller(True)
                                              for t in config.operator_tokens}
        self._callers.update((_digest(m.risk_officer_token), Caller(False, m.id))
                             for m in config.members if m.risk_officer_token)

    def issue(self, member: str, trader: str, ors: str) -> str:
        """Start a trader's session and return its token (256 random bits)."""
        token = secrets.token_urlsafe(32)
        self._callers[_digest(token)] = Caller(False, member, trader, ors)
        return token

    def revoke(self, token: str) -> bool:
        """End a trader's session; say whether it was one."""
        digest = _digest(token)
        caller = self._callers.get(digest)
        if caller is None or not caller.is_trader:
            return False
        del self._callers[digest]
        return True

    def find(self, authorization: str) -> Caller | None:
        """The caller of an `Authorization: Bearer <token>` header's value, or None."""
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer":
            return None
        return self.lookup(token.strip())

    def lookup(self, token: str) -> Caller | None:
        """The caller of a bare token (a WebSocket's `token` query parameter), or None."""
        return self._callers.get(_digest(token)) if token else None
