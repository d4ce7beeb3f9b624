"""The one way the clearing house names what it stores: posting keys and document names.

A key is a tuple of components (`("risk-collateral", day, member, "deposit", ref)`) written as
one string. Ids come from members' files (member ids, references, trade ids, securities) and
may hold anything, so joining them with a bare ":" lets two tuples meet: member `A:deposit:r1`
with reference `x` and member `A` with reference `r1:deposit:x` would share a posting key, and
the second deposit would be taken for the first. Here each component is escaped before the
join (`%` as `%25`, then `:` as `%3A`), so a key has exactly one reading: split it at ":" and
unescape each part (decision 68). Components without either character, such as dates, read
as they are.

`prefix` is the start of every key that begins with the given whole components: it ends with
":", so `prefix("sbl", "L")` matches the keys of owner `L` and never those of `L2`.
"""

from __future__ import annotations

import re

from siamex.clearing.foundations.ledger import Account

__all__ = ["account_parts", "key", "parts", "prefix"]

_ESCAPED = re.compile("%(25|3A)")
_UNESCAPE = {"25": "%", "3A": ":"}


def key(*components: object) -> str:
    """Write components (text, dates, numbers: each as `str` gives it) as one key."""
    if not components:
        raise ValueError("a key has at least one component")
    texts = [str(c) for c in components]
    joined = "".join(texts)
    if ":" in joined or "%" in joined:  # most keys have nothing to escape: checked at once
        texts = [t.replace("%", "%25").replace(":", "%3A") for t in texts]
    return ":".join(texts)


def prefix(*components: object) -> str:
    """The start shared by every key whose first components are these, and only by them."""
    return key(*components) + ":"


def parts(text: str) -> tuple[str, ...]:
    """Read a key back into its components."""
    if "%" not in text:
        return tuple(text.split(":"))
    return tuple(_ESCAPED.sub(lambda m: _UNESCAPE[m[1]], part) for part in text.split(":"))


def account_parts(account: Account) -> tuple[str, str, str, str]:
    """An account as four key components: owner, purpose, type ("-" for none) and asset."""
    kind = "-" if account.account_type is None else account.account_type.value
    return account.owner, account.purpose, kind, account.asset
