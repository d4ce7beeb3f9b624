"""The clearing house's run at the close of each trading day of `siamex serve`.

When a trading day closes (the market enters CLOSED at the end of the off-hour session, or the
next day's start closes a day the server was not running for), its trades go to the clearing
house as `siamex clearing run` takes them: a member file, the day's trade file (the drop copy,
siamex.gateway.drop_copy) and the opening holdings, cleared against one store with
`siamex.clearing.day.run.clear_day` on the day's date. The store carries each day's obligations,
so the run of T+2 settles the trades of T (decision C1). The runs go one after another on a
worker thread, so the event loop keeps serving while the clearing house works. A TFEX market's
days are not run here (siamex.gateway.drop_copy_sink: no market-wide close, no equities).

Decisions (docs/drop-copy.md; decision 89):

- The clearing members are the exchange's members at the day's close, each a general
  clearing member (GCM) clearing its own accounts with the least equity a GCM needs
  (clearing-spec.md 1, 2.1): a client account is a client account at the depository, a
  proprietary or market maker's account a portfolio one.
- The opening holdings come from the configuration's `[clearing] holdings` file, else every
  member brings `opening_cash` and `opening_shares` of each security listed that day in each
  account type it has; they are issued once per store, a member or security first seen later
  being added on its first day (docs/clearing.md, "The holdings file").
- Exactly once: a day has run when its report is in the folder (written whole, by rename);
  every other closed day is run at start, in date order. A day a crash cut short is run again
  with the same files: each of its steps that committed is found done, and the run ends as an
  uninterrupted one (decisions 67, 69). A run the clearing house refuses is reported (its
  `error.json`) and tried again at the next start.
- The files of each day stay in `clearing/<date>/` (members.json, holdings.json, trades.json,
  instructions.json, report.json), so that `siamex clearing run` on them, against a copy of
  the store as it stood, gives the same report.
- The run measures risk, as TCH does every day (clearing-spec.md 3.5), from the day
  instructions it writes (instructions.json): `prices`, each listed security's close as the
  engine closed it (its last main-board trade, an auction's included; one that did not trade,
  its previous close), so that the measures, loan marks and fines go by the exchange's close
  and not by the store's last trade, which may be a trade report's or an odd lot's; and
  `set_fund`, SET's resources at the sizes of the spec's worked waterfall (3.7, E7), once:
  on the first run that finds the store without them (the store's first), and again on a
  rerun of that day, which posts nothing twice. A member's net capital is taken as its
  equity (it has no figure of its own, and cannot have more), so the early warning
  tolerates 10% of it (decision 45) and a member trading within its means is not called.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import datetime as dt
import sys
import threading
import traceback
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any, Final

import msgspec

from siamex.clearing.day.files import DayFiles, clear_files
from siamex.clearing.default.fund import RESERVE_FUND, SET_TRANCHE_1, SET_TRANCHE_2
from siamex.clearing.foundations.keys import prefix
from siamex.clearing.foundations.money import format_baht
from siamex.clearing.foundations.parameters import DEFAULT_CLEARING_RULES
from siamex.clearing.foundations.store_open import open_store
from siamex.clearing.reports.member_report import report_json
from siamex.errors import SiamexError
from siamex.gateway.config import ClearingConfig
from siamex.gateway.drop_copy import clearing_rows
from siamex.gateway.drop_copy_log import DropCopyLog
from siamex.gateway.registry import Member
from siamex.gateway.registry_changes import AccountType
from siamex.gateway.whole_file import write_whole
from siamex.units import format_price

__all__ = ["CLEARING", "STORE", "ClosedDay", "DayClearing", "DayRun", "RunState",
           "clear_closed_day"]

CLEARING: Final = "clearing"
"""The clearing house's folder in the data folder."""
STORE: Final = "clearing.sqlite"
"""The clearing store in that folder: the state carried from day to day."""
_REPORT = "report.json"
_ERROR = "error.json"
_INSTRUCTIONS = "instructions.json"
_SET_FUND: Final = {"tranche_2": "140000000.00", "reserve_fund": "2000000000.00"}
"""SET's second Clearing Fund tranche and its Reserve Fund, in baht: the sizes of
clearing-spec.md 3.7's worked waterfall (E7); the first tranche is the rules' `set_tranche_1`."""
_SET_ACCOUNTS = frozenset({SET_TRANCHE_1, SET_TRANCHE_2, RESERVE_FUND})
_DEPOSITORY = {AccountType.CLIENT: "client", AccountType.PROPRIETARY: "portfolio",
               AccountType.MARKET_MAKER: "portfolio"}
"""The depository account type of each kind of trading account (clearing-spec.md 3.1)."""


@dataclass(frozen=True)
class ClosedDay:
    """A trading day that closed, with the exchange's members and securities at its close, and
    each security's close as the engine closed it (satang): taken then, since the engine keeps
    only its last day's."""

    date: dt.date
    members: tuple[Member, ...]
    securities: tuple[str, ...]
    closes: Mapping[str, int]


class RunState(Enum):
    """Where a closed day's clearing run stands."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


@dataclass(frozen=True)
class DayRun:
    """A closed day's run as an operator sees it; `error` says why a failed run failed."""

    date: dt.date
    state: RunState
    error: str = ""


def _members_file(day: ClosedDay) -> dict[str, Any]:
    """The member file of the day: every member a GCM clearing its own accounts (decision
    89), so that each trade's sides are owed by the members that traded them."""
    equity = format_baht(DEFAULT_CLEARING_RULES.gcm_min_equity)
    # decision 45: L is 10% of net capital; a serve member has none of its own, at most equity
    return {
        "description": f"the members of siamex serve at the close of {day.date}",
        "members": [{"member": m.id, "type": "gcm", "shareholders_equity": equity,
                     "net_capital": equity} for m in day.members],
        "accounts": [{"member": m.id, "account": account, "type": _DEPOSITORY[kind]}
                     for m in day.members for account, kind in m.accounts.items()]}


def _holdings_file(day: ClosedDay, config: ClearingConfig) -> bytes:
    """The configuration's holdings file as it is, else its amounts for every member and
    security: what the first run issues, and what a later run finds issued already."""
    if config.holdings is not None:
        return Path(config.holdings).read_bytes()
    holdings: list[dict[str, Any]] = []
    for member in day.members:
        kinds = sorted({_DEPOSITORY[kind] for kind in member.accounts.values()})
        holdings += [{"member": member.id, "account_type": kind, "asset": security,
                      "qty": config.opening_shares}
                     for kind in kinds for security in day.securities]
        holdings.append({"member": member.id, "asset": "THB",
                         "qty": format_baht(config.opening_cash)})
    return msgspec.json.encode({"holdings": holdings})


def _set_funded_on_another_day(store: Path, day: dt.date) -> bool:
    """Whether another day's run brought SET's resources into the store: SET funds them once
    (3.7), and a rerun of the day that did gives them again, which posts nothing twice."""
    if not store.exists():
        return False
    with open_store(store) as ledger:
        # siamex.clearing.default.fund posts SET's resources under "clearing-fund" keys
        return any(tx.business_date != day and any(leg.account in _SET_ACCOUNTS
                                                   for leg in tx.legs)
                   for tx in ledger.keyed(prefix("clearing-fund")))


def _instructions_file(day: ClosedDay, store: Path) -> dict[str, Any]:
    """The day instructions that make the run measure risk: the day's closes, and SET's
    resources on the store's first run."""
    closes = {s: format_price(day.closes[s]) for s in day.securities if day.closes.get(s, 0) > 0}
    instructions: dict[str, Any] = {
        "description": f"the closes of siamex serve on {day.date}", "prices": closes}
    if not _set_funded_on_another_day(store, day.date):
        instructions["set_fund"] = _SET_FUND
    return instructions


def clear_closed_day(folder: Path, drop_copy: Path, day: ClosedDay,
                     config: ClearingConfig) -> None:
    """Clear a closed day's drop copy on the day's date against the store in `folder`, as
    `siamex clearing run` does with the files this writes, and save the report."""
    where = folder / day.date.isoformat()
    where.mkdir(parents=True, exist_ok=True)
    log = DropCopyLog(drop_copy, readonly=True)
    try:
        records = log.day(day.date.isoformat())
    finally:
        log.close()
    files = {"members.json": msgspec.json.encode(_members_file(day)),
             "holdings.json": _holdings_file(day, config),
             "trades.json": msgspec.json.encode({"trades": clearing_rows(records)}),
             _INSTRUCTIONS: msgspec.json.encode(_instructions_file(day, folder / STORE))}
    for name, data in files.items():
        write_whole(where / name, data)
    report = report_json(clear_files(DayFiles(where / "members.json", where / "trades.json",
                                              where / "holdings.json", where / _INSTRUCTIONS),
                                     folder / STORE, day.date))
    write_whole(where / _REPORT, msgspec.json.encode(report))
    with contextlib.suppress(FileNotFoundError):
        (where / _ERROR).unlink()


class DayClearing:
    """The clearing runs of the closed days, one after another on a worker thread."""

    def __init__(self, folder: Path, drop_copy: Path, config: ClearingConfig) -> None:
        self.folder = folder
        self.drop_copy = drop_copy
        self.config = config
        folder.mkdir(parents=True, exist_ok=True)
        self._runs: dict[dt.date, DayRun] = {}
        self._lock = threading.Lock()
        self._worker = concurrent.futures.ThreadPoolExecutor(1, "siamex-clearing")

    def report_path(self, day: dt.date) -> Path:
        """Where a day's report is once its run is done."""
        return self.folder / day.isoformat() / _REPORT

    def submit(self, day: ClosedDay) -> None:
        """Queue a closed day's run, unless its report shows it ran (exactly once)."""
        if self.report_path(day.date).exists():
            self._set(DayRun(day.date, RunState.DONE))
            return
        self._set(DayRun(day.date, RunState.QUEUED))
        self._worker.submit(self._run, day)

    def runs(self) -> list[DayRun]:
        """Every closed day's run, by date."""
        with self._lock:
            return [run for _, run in sorted(self._runs.items())]

    def _set(self, run: DayRun) -> None:
        with self._lock:
            self._runs[run.date] = run

    def _run(self, day: ClosedDay) -> None:
        self._set(DayRun(day.date, RunState.RUNNING))
        try:
            clear_closed_day(self.folder, self.drop_copy, day, self.config)
        except (SiamexError, OSError) as exc:  # refused input, or a file it cannot write
            text = str(exc)
            with contextlib.suppress(OSError):
                write_whole(self.folder / day.date.isoformat() / _ERROR,
                       msgspec.json.encode({"error": text}))
            self._set(DayRun(day.date, RunState.FAILED, text))
        except Exception as exc:  # a fault of siamex: said loudly, the server goes on
            traceback.print_exc(file=sys.stderr)
            self._set(DayRun(day.date, RunState.FAILED, f"internal error: {exc!r}"))
        else:
            self._set(DayRun(day.date, RunState.DONE))

    def close(self) -> None:
        """Let the run under way finish and drop the queued ones (a restart runs them)."""
        self._worker.shutdown(wait=True, cancel_futures=True)
