"""Investors across members: one pseudonymous id per person, and the client accounts linked to it.

Why a pseudonym: the measures join an investor's accounts at several members (check-before-sell
per account, wash trades and credit lines per person), but no exchange record, log, snapshot or
report may hold a raw national id. The id is an HMAC-SHA256 of the Thai national id keyed by the
exchange's secret (decision 146): the same person gets the same id on every run with the same
key, a member that knows a national id cannot compute the id without the key, and the national
id itself is dropped at the edge that read it. Error messages never repeat a national id.

An account no one linked is its own investor, named "member/account" (common interface of
issue 15), so every measure can ask `investor_of` about any account.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable
from typing import Final

__all__ = ["INVESTOR_ID", "InvalidNationalId", "InvestorConflict", "Investors", "pseudonym",
           "valid_national_id"]

_NATIONAL_ID: Final = re.compile(r"[0-9]{13}")
_HEX_CHARS: Final = 20
INVESTOR_ID: Final = re.compile(r"INV-[0-9a-f]{20}")
"""The form of a pseudonymous investor id: "INV-" and 20 lowercase hex digits (80 bits)."""


class InvalidNationalId(ValueError):
    """A national id that is not 13 digits with a matching check digit (the id is not quoted)."""


class InvestorConflict(ValueError):
    """An account linked to two investors."""


def valid_national_id(national_id: str) -> bool:
    """Tell whether a Thai national id is 13 ASCII digits whose last is its mod-11 check digit.

    The check: the first 12 digits weighted 13 down to 2, the check digit (11 - sum mod 11)
    mod 10 (the Department of Provincial Administration's scheme).
    """
    if not _NATIONAL_ID.fullmatch(national_id):
        return False
    total = sum(int(digit) * (13 - place) for place, digit in enumerate(national_id[:12]))
    return (11 - total % 11) % 10 == int(national_id[12])


def pseudonym(key: bytes, national_id: str) -> str:
    """Return the stable pseudonymous investor id of a Thai national id (decision 146)."""
    if not key:
        raise ValueError("the investor key is empty: a pseudonym needs the exchange's secret")
    if not valid_national_id(national_id):
        raise InvalidNationalId("a national id is 13 digits ending in its mod-11 check digit")
    digest = hmac.new(key, national_id.encode("ascii"), hashlib.sha256).hexdigest()
    return "INV-" + digest[:_HEX_CHARS]


class Investors:
    """Which investor each (member, account) belongs to; an account belongs to one investor."""

    def __init__(self, links: Iterable[tuple[str, str, str]] = ()) -> None:
        """`links` are (investor, member, account) triples."""
        self._investor: dict[tuple[str, str], str] = {}
        self._accounts: dict[str, set[tuple[str, str]]] = {}
        for investor, member, account in links:
            self.link(investor, member, account)

    def link(self, investor: str, member: str, account: str) -> None:
        """Link a member's client account to an investor; linking it again to the same one is
        harmless, to another is refused (one account, one beneficial owner)."""
        owner = self._investor.get((member, account))
        if owner is not None and owner != investor:
            raise InvestorConflict(f"{member}/{account} is already linked to another investor")
        self._investor[(member, account)] = investor
        self._accounts.setdefault(investor, set()).add((member, account))

    def investor_of(self, member: str, account: str) -> str:
        """Return the account's investor; an unlinked account is its own, "member/account"."""
        return self._investor.get((member, account)) or f"{member}/{account}"

    def accounts_of(self, investor: str) -> tuple[tuple[str, str], ...]:
        """Return the (member, account) pairs linked to an investor, sorted; () if none."""
        return tuple(sorted(self._accounts.get(investor, ())))

    def links(self) -> list[tuple[str, str, str]]:
        """Return every (investor, member, account) link, sorted: the plain data to save."""
        return sorted((investor, member, account)
                      for (member, account), investor in self._investor.items())

    def __len__(self) -> int:
        return len(self._accounts)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Investors) and self._investor == other._investor

    def __repr__(self) -> str:
        return f"Investors({self.links()!r})"
