"""The outstanding short position report as the exchange publishes it (set-trading-rules.md
8.3; docs/short-positions.md).

Since April 2024 SET publishes per security and day the short sales' volume and value and the
short positions not yet bought back. A row here carries those, the volume bought back that day
and whether the outstanding volume has reached the 10% cap, in one plain form that the file
(CSV or JSON), the API's JSON and the feed message all share, so they cannot disagree.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from siamex.clearing.foundations.money import round_half_up
from siamex.errors import ErrorCode, SiamexError
from siamex.units import format_price

__all__ = ["COLUMNS", "ShortRow", "percent_text", "short_report_csv", "short_report_json",
           "write_short_report"]

COLUMNS = ("date", "symbol", "short_volume", "short_value", "bought_back_volume",
           "outstanding_volume", "listed_shares", "outstanding_pct", "at_cap")
"""The report's columns in order: SET's published ones (date, symbol, short volume and value,
outstanding volume, % of listed shares), with the volume bought back, the listed shares the
percentage is of, and the cap flag."""


def percent_text(pct: Fraction) -> str:
    """A published percentage: two decimals, rounded half up (decision 157)."""
    return format_price(round_half_up(pct * 100))


@dataclass(frozen=True, slots=True)
class ShortRow:
    """One security's short sales on one day and its outstanding short position after it.

    `short_value` is satang (price times shares, exact); `outstanding_pct` is exact, None when
    the listed shares are not known (0); `at_cap` says the outstanding volume has reached the
    engine's cap, so no short sale of the security is accepted until some is bought back (T14).
    """

    date: str
    symbol: str
    short_volume: int
    short_value: int
    bought_back_volume: int
    outstanding_volume: int
    listed_shares: int
    outstanding_pct: Fraction | None
    at_cap: bool

    def as_json(self) -> dict[str, str | int | bool | None]:
        """The row as the API and the feed give it: value in THB and the percentage as
        two-decimal text."""
        pct = self.outstanding_pct
        return {"date": self.date, "symbol": self.symbol, "short_volume": self.short_volume,
                "short_value": format_price(self.short_value),
                "bought_back_volume": self.bought_back_volume,
                "outstanding_volume": self.outstanding_volume,
                "listed_shares": self.listed_shares,
                "outstanding_pct": None if pct is None else percent_text(pct),
                "at_cap": self.at_cap}


def short_report_csv(rows: Sequence[ShortRow]) -> str:
    """The report as CSV text: a header of COLUMNS, booleans true/false, an unknown
    percentage empty."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: "" if v is None else str(v).lower() if isinstance(v, bool) else v
                         for k, v in row.as_json().items()})
    return out.getvalue()


def short_report_json(rows: Sequence[ShortRow]) -> str:
    """The report as a JSON array of the rows' `as_json` forms."""
    return json.dumps([row.as_json() for row in rows], indent=1) + "\n"


def write_short_report(rows: Sequence[ShortRow], path: Path) -> None:
    """Write the report to `path`: JSON when it ends in .json, else CSV."""
    text = short_report_json(rows) if path.suffix == ".json" else short_report_csv(rows)
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise SiamexError(ErrorCode.FILE_NOT_FOUND, f"cannot write {path}: {exc.strerror}"
                          ) from None
