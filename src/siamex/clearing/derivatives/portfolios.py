"""Which positions TCH margins together: an account's portfolio, per the configurations in
force (clearing-spec.md 4.2).

Why its own step: the margin calculator sees portfolios of net contracts, while the store
keeps long and short per account. An account is margined alone on its net (a net account,
or a gross one TCH approved for net margining); a gross account without that approval is
margined gross, its longs and its shorts as two portfolios, so that a long never offsets a
short it is not netted against (decision 133). An account TCH approved for margin
propagation is margined inside its parent's portfolio, the way it asked.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from siamex.clearing.derivatives.accounts import AccountBook, Approval
from siamex.clearing.derivatives.fills import PositionMode

__all__ = ["Portfolio", "portfolios"]


@dataclass(frozen=True, slots=True)
class Portfolio:
    """Positions margined as one: net contracts per series (a long +, a short -)."""

    member: str
    name: str
    accounts: tuple[str, ...]
    positions: dict[str, int]


def _margined_net(book: AccountBook, account: str,
                  approvals: Mapping[str, frozenset[Approval]]) -> bool:
    entry = book.accounts[account]
    if entry.position_mode is PositionMode.NET:
        return True
    # 4.2: a gross position margined on its net needs TCH's approval
    return (entry.margin_method is PositionMode.NET
            and Approval.NET_MARGIN in book.in_force(account, approvals))


def _root(book: AccountBook, account: str, approvals: Mapping[str, frozenset[Approval]]
          ) -> str:
    parent = book.accounts[account].margin_parent
    # 4.2: margin propagation links an account to where its margin is computed, once approved
    if parent is not None and Approval.PROPAGATION in book.in_force(account, approvals):
        return parent
    return account


def portfolios(held: Mapping[tuple[str, str], tuple[int, int]], book: AccountBook,
               approvals: Mapping[str, frozenset[Approval]]) -> list[Portfolio]:
    """Group each (account, series) long and short into the portfolios margined, in name
    order; an account with no position forms none."""
    grouped: dict[str, dict[str, int]] = {}
    members: dict[str, set[str]] = {}
    for (account, series), (long, short) in sorted(held.items()):
        if not long and not short:
            continue
        root = _root(book, account, approvals)
        if _margined_net(book, account, approvals):
            parts = [(root, long - short)]
        else:
            parts = [(f"{root}/long", long), (f"{root}/short", -short)]
        for name, qty in parts:
            members.setdefault(name, set()).add(account)
            if qty:
                positions = grouped.setdefault(name, {})
                positions[series] = positions.get(series, 0) + qty
    return [Portfolio(book.member_of(next(iter(sorted(members[name])))), name,
                      tuple(sorted(members[name])),
                      {s: q for s, q in sorted(positions.items()) if q})
            for name, positions in sorted(grouped.items())
            if any(positions.values())]
