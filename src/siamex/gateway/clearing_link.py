"""The exchange's link to its clearing house inside `siamex serve` (issue 11; docs/drop-copy.md).

Three parts, built together because each feeds the next: the drop copy of every trade, kept in
the data folder from the journal (siamex.gateway.drop_copy_sink); its WebSocket for members
and the clearing runs' endpoints (siamex.gateway.drop_copy_api); and the clearing house run at
each trading day's close on that day's drop copy (siamex.gateway.day_clearing).
"""

from __future__ import annotations

from pathlib import Path

from starlette.routing import BaseRoute

from siamex.gateway.config import ClearingConfig
from siamex.gateway.day_clearing import CLEARING, DayClearing
from siamex.gateway.drop_copy_api import drop_copy_routes
from siamex.gateway.drop_copy_log import DROP_COPY, DropCopyLog
from siamex.gateway.drop_copy_sink import DropCopySink
from siamex.gateway.service import Service
from siamex.gateway.tokens import Tokens

__all__ = ["ClearingLink"]


class ClearingLink:
    """The drop copy and the day's clearing of one service on a data folder. Build it before
    the journal's replay: the replay rebuilds the drop copy and runs the clearing of every
    closed day that has no report yet."""

    def __init__(self, service: Service, folder: Path, config: ClearingConfig) -> None:
        self.service = service
        self.log = DropCopyLog(folder / DROP_COPY)
        self.clearing = DayClearing(folder / CLEARING, folder / DROP_COPY, config)
        self.sink = DropCopySink(self.log, service.exchange, self.clearing.submit)
        self.sink.attach(service)

    def routes(self, tokens: Tokens) -> list[BaseRoute]:
        """The drop copy's WebSocket and the clearing runs' endpoints."""
        return drop_copy_routes(self.log, self.sink, self.clearing, self.service.exchange,
                                tokens)

    def close(self) -> None:
        """Let a clearing run under way finish, then close the drop copy."""
        self.clearing.close()
        self.log.close()
