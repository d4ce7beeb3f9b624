"""`siamex feed`: follow the feed for a while, then print each security's best bid and offer
from the books its messages alone rebuilt (docs/itch.md).

A feed that cannot be reached, refuses the login or ends the connection is refused with
`FEED_CONNECTION`, an address that is not `HOST:PORT` with `INVALID_PARAMETER` (docs/cli.md).
"""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from siamex.errors import ErrorCode, SiamexError
from siamex.feed.client import FeedClient, FeedClientError
from siamex.units import format_price

__all__ = ["follow", "print_best_prices"]


def follow(address: str, seconds: float, sequence: int) -> FeedClient:
    """Log on to the feed at `address` (`HOST:PORT`) from `sequence` (0: a snapshot first),
    apply what arrives within `seconds`, and close the session; return the consumer."""
    host, _, port_text = address.rpartition(":")
    if not host or not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise SiamexError(ErrorCode.INVALID_PARAMETER, f"{address!r} is not HOST:PORT")
    try:
        client = FeedClient(host, int(port_text), sequence)
        try:
            client.poll(seconds)
        finally:
            client.close()
    except (OSError, FeedClientError) as exc:
        raise SiamexError(ErrorCode.FEED_CONNECTION, f"{address}: {exc}") from None
    return client


def print_best_prices(client: FeedClient, address: str, console: Console) -> None:
    """Print every security the feed named, by symbol, with its main board's best bid and
    offer (blank for an empty side)."""
    table = Table(title=f"siamex feed {address}: {client.received:,} messages")
    for column in ("security", "bid shares", "bid", "offer", "offer shares"):
        table.add_column(column, justify="left" if column == "security" else "right")
    for locate, symbol in sorted(client.book.symbols.items(), key=lambda item: item[1]):
        bids, offers = client.book.depth(locate, "B", 1), client.book.depth(locate, "S", 1)
        table.add_row(symbol, f"{bids[0][1]:,}" if bids else "",
                      format_price(bids[0][0]) if bids else "",
                      format_price(offers[0][0]) if offers else "",
                      f"{offers[0][1]:,}" if offers else "")
    console.print(table)
