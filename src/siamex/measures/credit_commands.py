"""The credit data exchange's journaled command: a member's report of one client's credit line.

A report changes the exchange's state, so it is a command in `siamex serve`'s journal like an
order or a registry change (DESIGN.md pillar 2). It follows the engine's and the gateway's
commands: a frozen struct tagged by `op`, stored as an array, `ts` first in microseconds, so
that the journal's one tagged union holds it; its tag starts with `credit_` so that none
collides with the engine's, the registry's or the risk book's.

Nothing in it is personal data in clear: `investor` is the pseudonym of the client's national
id and each collateral item's `asset` the keyed hash of its reference, both made at the HTTP
edge with the exchange's key (decision 179), so the journal can be read, copied and replayed
without the key.
"""

from __future__ import annotations

from enum import Enum

import msgspec

__all__ = ["Collateral", "CollateralKind", "CreditCommand", "CreditLine"]


class CollateralKind(Enum):
    """What backs a credit line; the same reference under two kinds is two assets."""

    CASH = "cash"
    DEPOSIT = "deposit"
    SECURITIES = "securities"
    BOND = "bond"
    PROPERTY = "property"
    GUARANTEE = "guarantee"


class Collateral(msgspec.Struct, frozen=True, array_like=True, forbid_unknown_fields=True):
    """One item pledged behind a line: its kind, the keyed hash of its reference (`asset`)
    and the value the member gives it, in satang."""

    kind: CollateralKind
    asset: str
    value: int


class CreditLine(msgspec.Struct, tag="credit_line", tag_field="op", frozen=True,
                 array_like=True, omit_defaults=True):
    """Set (replace) the credit line `member` gives its client `account`, and the collateral
    behind it: `line` in satang, 0 withdrawing the line and releasing its collateral
    (decision 177). `investor` is the client's pseudonymous id."""

    ts: int
    member: str
    account: str
    investor: str
    line: int
    collateral: tuple[Collateral, ...] = ()


CreditCommand = CreditLine
"""Every command of the credit data exchange (one today)."""
