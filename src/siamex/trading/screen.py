"""What the engine asks of a central order screening (issue 15; siamex.measures.screening).

The engine consults its screening, while the day's rulebook has `order_screening` on, about the
orders the measure names (short sales and high-frequency accounts' orders; decision 164) once
its own checks and check-before-sell have passed them, so that their refusals win (decision
186). It tells the screening of a member's cancel of an order without a fill (what the layering
rule counts) and of each new day's rulebook.
"""

from __future__ import annotations

from typing import Protocol

from siamex.rulebook.parameters import Rulebook
from siamex.trading.commands import NewOrder
from siamex.trading.holdings import Holdings
from siamex.trading.instrument import Instrument
from siamex.trading.order import Order
from siamex.trading.rejects import Reject

__all__ = ["Screen"]


class Screen(Protocol):
    """A pre-trade screening of new orders."""

    def check(self, command: NewOrder, inst: Instrument, rules: Rulebook,
              holdings: Holdings | None) -> tuple[Reject, str] | None:
        """The refusal (SCREENED and why) of an order the engine would otherwise take: an
        order for `inst` (its books as they stand), under the day's `rules`, with the
        engine's `holdings` when it keeps them."""

    def cancelled(self, order: Order, ts: int) -> None:
        """A member cancelled, at `ts`, a live order that had not traded."""

    def start_day(self, rules: Rulebook) -> None:
        """A new trading day opens under `rules`."""
