"""A clearing day run from the files `siamex clearing run` takes (members, trades, opening
holdings, day instructions) against a store: read in one place, so that the command and the
exchange's own day clearing (`gateway.day_clearing`) read and refuse them the same way."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from siamex.clearing.day.instructions import load_instructions
from siamex.clearing.day.run import clear_day
from siamex.clearing.equities.holdings import load_holdings
from siamex.clearing.equities.trades import read_trades
from siamex.clearing.foundations.members import load_registry
from siamex.clearing.foundations.parameters import DEFAULT_CLEARING_RULES, ClearingRules
from siamex.clearing.foundations.store_open import open_store
from siamex.clearing.reports.day_report import DayReport

__all__ = ["DayFiles", "clear_files"]


@dataclass(frozen=True, slots=True)
class DayFiles:
    """The files of one clearing day; without instructions the risk steps do not run."""

    members: Path
    trades: Path
    holdings: Path
    instructions: Path | None = None


def clear_files(files: DayFiles, store: str | Path | None, on: dt.date | None = None,
                rules: ClearingRules = DEFAULT_CLEARING_RULES) -> DayReport:
    """Read the day's files, each refused whole with its own error code, and clear the day
    against `store` (in memory when None)."""
    registry = load_registry(files.members, rules)
    batch = read_trades(files.trades, registry, rules=rules)
    holdings = load_holdings(files.holdings, registry, rules)
    instructions = (None if files.instructions is None
                    else load_instructions(files.instructions, registry))
    # decision 80: never a file the run did not name, which an unrelated run may have left
    with open_store(":memory:" if store is None else store) as ledger:
        return clear_day(registry, batch, holdings, ledger, on, rules, instructions)
