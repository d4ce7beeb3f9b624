"""A run date's pre-settlement matching: the day's requests on the stored book, and the
matched pairs due settled (clearing-spec.md 3.2, 3.4).

The book lives in the store (`psms_book.save_book`), so instructions entered on T are matched
on T+1 and settle on SD across runs. The requests are applied in the file's order, each at its
own time against its cut-off; a refused one is answered with its reason and changes nothing,
and the day goes on. The answers, the book they leave and the dates the day settles are
recorded in one record (`state.PSMS_ANSWERS`), committed with the book and the settlements,
so a run repeated returns the same answers and settlements and applies nothing twice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from siamex.clearing.equities.dvp import is_settled
from siamex.clearing.equities.psms import (
    InstructionType,
    Operation,
    PsmsBook,
    PsmsRefused,
    PsmsRequest,
    RefusalReason,
    monthly_bills,
)
from siamex.clearing.equities.psms_book import (
    PsmsResult,
    book_from_records,
    instruction_record,
    load_book,
    save_book,
    settle_psms,
)
from siamex.clearing.foundations.members import MemberRegistry
from siamex.clearing.foundations.parameters import DEFAULT_CLEARING_RULES, ClearingRules
from siamex.clearing.foundations.state import PSMS_ANSWERS, PsmsAnswerRow, PsmsDayRecord
from siamex.clearing.foundations.store import LedgerStore
from siamex.clearing.foundations.unit_of_work import UnitOfWork
from siamex.units import wall_clock

__all__ = ["PsmsAnswer", "PsmsDay", "month_fees", "psms_day"]


@dataclass(frozen=True, slots=True)
class PsmsAnswer:
    """A request and its answer; `reason` says the rule when refused, `member` is the
    clearing member of the instruction it names ("" when the book has no such one)."""

    request: PsmsRequest
    member: str
    accepted: bool
    reason: str = ""


@dataclass(frozen=True)
class PsmsDay:
    """The day's answers and the settlement of every date of matched pairs due."""

    answers: tuple[PsmsAnswer, ...]
    results: tuple[PsmsResult, ...]


def _create(book: PsmsBook, r: PsmsRequest) -> None:
    assert r.instruction is not None  # the reader builds one for a create
    if (r.instruction.to_board is not None  # decision 62
            and r.instruction.type is InstructionType.CLEARING_TO_CUSTODIAN):
        raise PsmsRefused(RefusalReason.INVALID,
                          f"PSMS instruction {r.instruction.id}: a board change on a "
                          "clearing-to-custodian item is not modelled (the depository's "
                          "conversion); it could not settle")
    book.create(r.instruction, r.at)


def _edit(book: PsmsBook, r: PsmsRequest) -> None:
    quantity, amount, ref = (r.changes.get("quantity"), r.changes.get("amount"),
                             r.changes.get("client_ref"))
    book.edit(r.ids[0], r.at, quantity=quantity if isinstance(quantity, int) else None,
              amount=amount if isinstance(amount, int) else None,
              client_ref=ref if isinstance(ref, str) else None)


_APPLY: Mapping[Operation, Callable[[PsmsBook, PsmsRequest], object]] = {
    Operation.CREATE: _create,
    Operation.EDIT: _edit,
    Operation.MERGE: lambda book, r: book.merge(r.ids, r.new_id, r.at),
    Operation.CANCEL: lambda book, r: book.cancel(r.ids[0], r.at),
    Operation.MATCH: lambda book, r: book.match(r.ids[0], r.ids[1], r.at),
    Operation.DEMATCH: lambda book, r: book.dematch(r.ids[0], r.at),
}


def _member(book: PsmsBook, r: PsmsRequest) -> str:
    if r.instruction is not None:
        return r.instruction.member
    known = {item.id: item.member for item in book.instructions()}
    return next((known[i] for i in r.ids if i in known), "")


def _apply_all(book: PsmsBook, requests: Iterable[PsmsRequest]) -> list[PsmsAnswer]:
    answers = []
    for r in requests:
        try:
            _APPLY[r.op](book, r)
        except PsmsRefused as exc:
            answers.append(PsmsAnswer(r, _member(book, r), False, exc.message))
        else:
            answers.append(PsmsAnswer(r, _member(book, r), True))
    return answers


def psms_day(store: LedgerStore, registry: MemberRegistry, day: dt.date,
             requests: Iterable[PsmsRequest],
             rules: ClearingRules = DEFAULT_CLEARING_RULES) -> PsmsDay:
    """Apply the day's requests, then settle every date up to `day` with matched
    clearing-to-custodian pairs not settled yet, at 14:00 on that date; a run repeated
    returns the answers and settlements recorded when the day first ran."""
    requests = list(requests)
    with UnitOfWork(store) as step:
        record = PSMS_ANSWERS.get(step, day)
        if record is None:
            book = load_book(step, registry, rules)
            answers = _apply_all(book, requests)
            dates = sorted({member_side.settlement_date
                            for member_side, _ in book.matched_pairs()
                            if member_side.settlement_date <= day
                            and not is_settled(step, "psms", member_side.settlement_date)})
            PSMS_ANSWERS.put(step, PsmsDayRecord(
                [PsmsAnswerRow(a.member, a.accepted, a.reason) for a in answers],
                [instruction_record(item) for item in book.instructions()], dates), day)
            save_book(step, book)
        else:
            book = book_from_records(record.book, registry, rules,
                                     f"the PSMS book recorded with the answers of {day}")
            answers = [PsmsAnswer(r, a.member, a.accepted, a.reason)
                       for r, a in zip(requests, record.answers, strict=True)]
            dates = record.settled
        results = tuple(settle_psms(step, book, sd, wall_clock(sd, rules.round_1_cash), rules)
                        for sd in dates)
    return PsmsDay(tuple(answers), results)


def month_fees(store: LedgerStore, registry: MemberRegistry, month: str,
               rules: ClearingRules = DEFAULT_CLEARING_RULES) -> Mapping[str, int]:
    """Each member's PSMS fees of a month (3.8), billed to the pair's member."""
    year, number = (int(part) for part in month.split("-"))
    return {member: bill.total for member, bill in
            monthly_bills(load_book(store, registry, rules), year, number).items()}
