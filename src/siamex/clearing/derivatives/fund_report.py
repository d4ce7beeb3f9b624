"""A month's derivatives clearing fund assessment as a report (clearing-spec.md 4.9): per
member its risk, its own resources in their three parts, and the contribution due; one
table underlies the JSON object, the CSV file and the readable table."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from siamex.clearing.derivatives.fund_contribution import MemberContribution
from siamex.clearing.foundations.files import write_tables
from siamex.clearing.foundations.money import format_baht, round_half_up
from siamex.units import format_price

__all__ = ["FUND_COLUMNS", "fund_json", "fund_rows", "print_fund", "write_fund_csv"]

FUND_COLUMNS = ("member", "average_requirement", "average_contracts", "risk", "contribution",
                "reserve_share", "set_share", "own_resources", "due", "variant")

Row = dict[str, str | int | bool | None]


def fund_rows(assessed: Sequence[MemberContribution]) -> list[Row]:
    """One row per member, amounts as THB text, the average contracts to 2 decimals (half
    up)."""
    return [{"member": m.member, "average_requirement": format_baht(m.average_requirement),
             "average_contracts": format_price(round_half_up(m.average_contracts * 100)),
             "risk": format_baht(m.risk), "contribution": format_baht(m.own.contribution),
             "reserve_share": format_baht(m.own.reserve_share),
             "set_share": format_baht(m.own.set_share),
             "own_resources": format_baht(m.own.total), "due": format_baht(m.due),
             "variant": m.variant.value} for m in assessed]


def fund_json(month: dt.date, days: int, assessed: Sequence[MemberContribution]
              ) -> dict[str, Any]:
    """The assessment as one JSON-ready object."""
    return {"month": f"{month:%Y-%m}", "business_days": days, "members": fund_rows(assessed)}


def write_fund_csv(assessed: Sequence[MemberContribution], folder: Path) -> list[Path]:
    """Write the assessment as members.csv into `folder`."""
    return write_tables(folder, {"members": fund_rows(assessed)}, {"members": FUND_COLUMNS})


def print_fund(month: dt.date, days: int, assessed: Sequence[MemberContribution],
               console: Console) -> None:
    """Print the assessment readably."""
    table = Table(*FUND_COLUMNS, title=f"derivatives clearing fund, {month:%Y-%m} "
                                       f"({days} business days; THB)")
    for row in fund_rows(assessed):
        table.add_row(*(str(row[k]) for k in FUND_COLUMNS))
    console.print(table)
