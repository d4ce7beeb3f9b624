"""One investor account's holding of one security, as check-before-sell counts it (issue 15;
set-trading-rules.md 8.3): the start-of-day figures and what the day did to them.

    sellable       = settled + receivable - deliverable - resting - pledged - lent
    short sellable = borrowed - short_sold - short_resting

The engine's orders point at their account's balance (`Order.holding`), so that a fill, an
amend or a cancel moves it with no look-up (siamex.trading.holdings). For the wash screening the
balance also keeps what its live buys still want and bounds of its live orders' prices, which
tell it whether the investor has an order the screened one could meet (decision 186).
"""

from __future__ import annotations

from typing import Final

__all__ = ["NO_PRICE_ABOVE", "NO_PRICE_BELOW", "Balance", "Key"]

NO_PRICE_BELOW: Final = 0
"""Below every price: the ceiling of no buy, the floor of an unpriced sell."""
NO_PRICE_ABOVE: Final = 1_152_921_504_606_846_976
"""Above every price (2**60, as siamex.trading.book.NO_ASK): the floor of no sell, the ceiling
of an unpriced buy."""

Key = tuple[str, str, str]
"""(member, account, holding symbol): one investor account's holding of one security; the
holding symbol of an NVDR is the security's with "-R"."""


class Balance:
    """A plain typed class, compiled to a C struct: the engine moves it on every fill."""

    __slots__ = ("borrowed", "buy_ceiling", "buying", "deliverable", "key", "lent", "pledged",
                 "receivable", "resting", "sell_floor", "settled", "short_resting", "short_sold")

    def __init__(self, settled: int = 0, receivable: int = 0, deliverable: int = 0,
                 pledged: int = 0, borrowed: int = 0, lent: int = 0, short_sold: int = 0,
                 resting: int = 0, short_resting: int = 0,
                 key: Key = ("", "", "")) -> None:
        self.settled = settled
        self.receivable = receivable
        self.deliverable = deliverable
        self.pledged = pledged
        self.borrowed = borrowed
        self.lent = lent
        self.short_sold = short_sold
        self.resting = resting
        self.short_resting = short_resting
        self.key = key
        self.buying = 0
        """What the account's live buy orders still want: no figure of what it may sell, but
        what tells the wash screening whether the account has a buy to meet (decision 186).
        Not saved: it is rebuilt from the live orders."""
        self.buy_ceiling = NO_PRICE_BELOW
        """No live buy is priced above this (an unpriced one counts as above every price):
        a bound, raised as buys come and reset when none is left (decision 186)."""
        self.sell_floor = NO_PRICE_ABOVE
        """No live sell is priced below this (an unpriced one as below every price)."""

    def sellable(self) -> int:
        """What an ordinary sell may still take; below 0 when sells were let through unchecked."""
        return (self.settled + self.receivable - self.deliverable - self.resting
                - self.pledged - self.lent)

    def short_sellable(self) -> int:
        """What a short sale may still take: the borrowing not yet sold or offered short."""
        return self.borrowed - self.short_sold - self.short_resting

    def figures(self) -> list[int]:
        """The figures in the order of `Balance(...)`'s parameters, for a saved state."""
        return [self.settled, self.receivable, self.deliverable, self.pledged, self.borrowed,
                self.lent, self.short_sold, self.resting, self.short_resting]
