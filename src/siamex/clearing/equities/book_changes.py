"""Changes to a novated trade before settlement (clearing-spec.md 3.4): corrections, give-ups
and take-ups, and the gross settlement choice."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from siamex.clearing.equities.novation import Side

__all__ = ["BookChange"]


@dataclass(frozen=True, slots=True)
class BookChange:
    """A change to a novated trade before settlement (3.4): `op` is account, investor_type,
    board, give_up, take_up, gross (the gross C&S item) or gross_confirm (the counterparty's
    confirmation); `value` the new account, investor type, board, member given up to, or the
    gross settlement date (ISO); none for a confirmation."""

    op: str
    trade_id: str
    side: Side | None
    value: str
    at: dt.datetime
