"""The list of investors flagged for inappropriate orders that members receive (S-14MEASURES;
docs/disclosures.md, "Flagged investors").

SET discloses to all members the investors whose orders were inappropriate, so that a member
can watch a client another member's surveillance caught. An entry names the investor by its
pseudonymous id and the reason (the surveillance or screening rule) and is valid from the
day flagged through `flagged_investor_days` calendar days after it. Nothing else is
disclosed: no member, account, order or evidence. An account linked to no investor is named
"member/account" (common to the measures), which would tell other members whose client it is,
so its entries go to its own member only (decision 159).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from siamex.clearing.foundations.files import read_json
from siamex.errors import ErrorCode, SiamexError
from siamex.measures.day_run import InvestorOf
from siamex.trading.commands import Command, NewOrder
from siamex.trading.events import Event, Rejected
from siamex.trading.rejects import Reject
from siamex.units import InvalidValue, date_of, is_text, parse_date, shown

__all__ = [
    "FLAGGED_COLUMNS",
    "REASONS",
    "FlagRecord",
    "FlaggedEntry",
    "flag_records_from_json",
    "flagged_csv",
    "flagged_list",
    "load_flag_records",
    "reason_sentence",
    "screening_records",
]

FlagRecord = tuple[str, str, dt.date | str]
"""(investor, rule, date): a surveillance alert or a screening refusal, as plain data."""

REASONS = {
    "push": "orders that push the price",
    "layering": "orders entered and cancelled before they could trade, against trades on the "
                "other side (layering or spoofing)",
    "wash": "orders trading with its own on the other side (wash trades)",
    "close": "orders that move the closing price (marking the close)",
    "split": "a large order split into many small ones",
}
"""The sentence members read for each surveillance rule (docs/surveillance.md)."""

FLAGGED_COLUMNS = ("investor", "reason", "sentence", "flagged_on", "valid_until")
_RULE = re.compile(r"[a-z_]{1,32}")
_SCREENED_RULE = re.compile(r"screened \(([a-z_]{1,32})\)")
_SCREENED = "screened"  # the reason of a screening refusal whose text names no rule
_MAX_NAME = 256


def reason_sentence(reason: str) -> str:
    """What a reason means, in the words members read."""
    return REASONS.get(reason, f"inappropriate orders ({reason})")


@dataclass(frozen=True, slots=True)
class FlaggedEntry:
    """An investor on the list: why, since when, and through which day (inclusive)."""

    investor: str
    reason: str
    flagged_on: dt.date
    valid_until: dt.date

    def as_json(self) -> dict[str, str]:
        return {"investor": self.investor, "reason": self.reason,
                "sentence": reason_sentence(self.reason),
                "flagged_on": self.flagged_on.isoformat(),
                "valid_until": self.valid_until.isoformat()}


def _unlinked(investor: str) -> bool:
    return "/" in investor  # "member/account": an account linked to no investor


def flagged_list(records: Iterable[FlagRecord], date: dt.date, days: int,
                 member: str | None = None) -> list[FlaggedEntry]:
    """The list for `date`: every (investor, reason) flagged on a day from `date` - `days`
    through `date`, once, with its latest flagging (decision 159), by investor and reason.

    `member` None gives the list every member receives; a member's own gives it also the
    entries of its accounts linked to no investor.
    """
    latest: dict[tuple[str, str], dt.date] = {}
    for investor, reason, when in records:
        flagged_on = when if isinstance(when, dt.date) else parse_date(when)
        if _unlinked(investor) and (member is None or not investor.startswith(member + "/")):
            continue
        # valid_until = flagged_on + flagged_investor_days, inclusive (decision 159)
        if flagged_on <= date and (date - flagged_on).days <= days:
            key = (investor, reason)
            if flagged_on > latest.get(key, dt.date.min):
                latest[key] = flagged_on
    return [FlaggedEntry(investor, reason, on, _until(on, days))
            for (investor, reason), on in sorted(latest.items())]


def _until(flagged_on: dt.date, days: int) -> dt.date:
    """The last day on the list; the calendar's last day for one flagged at its very end."""
    room = (dt.date.max - flagged_on).days
    return flagged_on + dt.timedelta(days=min(days, room))


def screening_records(pairs: Iterable[tuple[Command, list[Event]]],
                      investor_of: InvestorOf) -> Iterator[tuple[str, str, dt.date]]:
    """The (investor, rule, date) of every new order central screening refused in a run, the
    rule read from the refusal's text ("screened (push): ..."; "screened" if it names none)."""
    for command, events in pairs:
        if not isinstance(command, NewOrder):
            continue
        for event in events:
            if (isinstance(event, Rejected) and event.id == command.id
                    and event.reason is Reject.SCREENED):
                named = _SCREENED_RULE.match(event.text)
                yield (investor_of(command.member, command.account),
                       named.group(1) if named else _SCREENED, date_of(command.ts))


def flag_records_from_json(data: Any) -> list[tuple[str, str, dt.date]]:
    """Read parsed alerts: a JSON array of alerts, or `siamex surveil --json`'s object with its
    alerts under "alerts" and the orders screening refused under "screened". An alert gives
    `investor`, `rule` and `date`, a screened order `investor`, `date` and the refusal's
    `text`, which names the rule (their other fields are evidence, not read). Anything else is
    refused whole with MEASURES_STATE, naming the entry."""
    alerts = data.get("alerts") if isinstance(data, dict) else data
    screened = data.get("screened", []) if isinstance(data, dict) else []
    if not (isinstance(alerts, list) and isinstance(screened, list)):
        raise SiamexError(ErrorCode.MEASURES_STATE, "an alerts file is a JSON array of alerts, "
                          "or an object with one under \"alerts\" (and the screened orders "
                          "under \"screened\")")
    return ([_record(raw, f"alert {n}", screened=False) for n, raw in enumerate(alerts, 1)]
            + [_record(raw, f"screened order {n}", screened=True)
               for n, raw in enumerate(screened, 1)])


def _record(raw: Any, where: str, *, screened: bool) -> tuple[str, str, dt.date]:
    if not isinstance(raw, dict):
        raise SiamexError(ErrorCode.MEASURES_STATE, f"{where} is not an object")
    investor = raw.get("investor")
    if not (isinstance(investor, str) and 0 < len(investor) <= _MAX_NAME and is_text(investor)):
        raise SiamexError(ErrorCode.MEASURES_STATE, f"{where}: investor must be an id of 1 to "
                          f"{_MAX_NAME} characters, got {shown(investor)}")
    if screened:
        text = raw.get("text")
        if not isinstance(text, str):
            raise SiamexError(ErrorCode.MEASURES_STATE, f"{where}: text must be the refusal's "
                              f"text, got {shown(text)}")
        named = _SCREENED_RULE.match(text)
        rule = named.group(1) if named else _SCREENED
    else:
        rule = raw.get("rule")
        if not (isinstance(rule, str) and _RULE.fullmatch(rule)):
            raise SiamexError(ErrorCode.MEASURES_STATE, f"{where}: rule must be a rule name "
                              f"such as \"wash\", got {shown(rule)}")
    try:
        return investor, rule, parse_date(raw.get("date", ""))
    except InvalidValue as exc:
        raise SiamexError(ErrorCode.MEASURES_STATE, f"{where}: {exc}") from None


def load_flag_records(path: Path) -> list[tuple[str, str, dt.date]]:
    """Read an alerts file (`flag_records_from_json`)."""
    data = read_json(path, ErrorCode.MEASURES_STATE)
    try:
        return flag_records_from_json(data)
    except SiamexError as exc:
        raise SiamexError(exc.code, f"{path}: {exc.message}") from None


def flagged_csv(entries: Iterable[FlaggedEntry]) -> str:
    """The list as CSV text, one entry a row."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=FLAGGED_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(entry.as_json() for entry in entries)
    return out.getvalue()
