"""TCH's two margin runs of a derivatives day (clearing-spec.md 4.4, 4.10)."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["Run"]


class Run(StrEnum):
    """The intraday round (calculated 09:45, settled 12:00 the same day) and the end-of-day
    run (calculated 19:00, settled 09:00 the next business day)."""

    INTRADAY = "intraday"
    EOD = "eod"
