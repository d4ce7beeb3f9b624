"""One side of a derivatives trade as booked to an account: what positions and marking read.

A matched trade has two fills, the buyer's and the seller's; a post-trade change rebooks a
trade as fills too (a reversal in the old account, a booking in the new one), so that every
change to positions and cash passes through the same arithmetic (clearing-spec.md 4.2-4.4).
Prices are integers in hundredths of the product's price unit (index points, THB, THB per
USD), like the engine's; `price * multiplier` is then satang.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = ["BUY", "MAX_CONTRACTS", "MAX_PRICE", "SELL", "Fill", "Flag", "PositionMode"]

BUY = 1
SELL = -1

# decision 101: the largest quantity (contracts) and price (hundredths, 1,000,000.00) a file may
# give: a quantity times a price difference times a multiplier of at most 1,000 is then at most
# 2 * 10**17 satang, and 46 such amounts sum within int64
MAX_CONTRACTS = 10**6
MAX_PRICE = 10**8


class Flag(StrEnum):
    """The open/close flag every derivatives order carries (4.2)."""

    OPEN = "open"
    CLOSE = "close"

    @property
    def reversed(self) -> Flag:
        """The flag that undoes a booking made under this one."""
        return Flag.CLOSE if self is Flag.OPEN else Flag.OPEN


class PositionMode(StrEnum):
    """How an account keeps positions (4.2): net (auto match-out at end of day) or gross."""

    NET = "net"
    GROSS = "gross"


@dataclass(frozen=True, slots=True)
class Fill:
    """One account's side of a trade: `side` is BUY (+1) or SELL (-1), `price` in hundredths."""

    account: str
    series: str
    side: int
    qty: int
    price: int
    flag: Flag

    @property
    def moves(self) -> tuple[int, int]:
        """What the fill adds to its account's (long, short): an OPEN to its own side, a CLOSE
        takes from the other (4.2; positions.apply_fills is the same rule over arrays)."""
        if self.flag is Flag.OPEN:
            return (self.qty, 0) if self.side == BUY else (0, self.qty)
        return (0, -self.qty) if self.side == BUY else (-self.qty, 0)
