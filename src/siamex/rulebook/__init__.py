"""The rulebook: every number from the rules as a named parameter, and the rules over them."""

from siamex.rulebook.limits import PriceLimits, price_limits
from siamex.rulebook.parameters import DEFAULT_RULEBOOK, PARAMETERS, Parameter, Rulebook
from siamex.rulebook.schedule import AuctionInstants, draw_auction_instants
from siamex.rulebook.ticks import TickScale, tick_scale

__all__ = [
    "DEFAULT_RULEBOOK",
    "PARAMETERS",
    "AuctionInstants",
    "Parameter",
    "PriceLimits",
    "Rulebook",
    "TickScale",
    "draw_auction_instants",
    "price_limits",
    "tick_scale",
]
