"""A run date's pre-settlement matching: the day's requests on the stored book, and the
matched pairs due settled (clearing-spec.md 3.2, 3.4).

The book lives in the store (`psms_store.save_book`), so instructions entered on T are matched
on T+1 and settle on SD across runs. The requests are applied in the file's order, each at its
own time against its cut-off; a refused one is answered with its reason and changes nothing,
and the day goes on. The answers, the book they leave and the dates the day settles are
recorded in one document (`psms:{day}:answers`), committed with the book and the settlements,
so a run repeated returns the same answers and settlements and applies nothing twice.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from siamex.clearing.equities.dvp import is_settled
from siamex.clearing.equities.psms import (
    InstructionType,
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
from siamex.clearing.foundations.keys import key
from siamex.clearing.foundations.members import MemberRegistry
from siamex.clearing.foundations.parameters import DEFAULT_CLEARING_RULES, ClearingRules
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


def _apply(book: PsmsBook, r: PsmsRequest) -> None:
    if r.op == "create":
        assert r.instruction is not None  # the reader builds one for a create
        if (r.instruction.to_board is not None  # decision 62
                and r.instruction.type is InstructionType.CLEARING_TO_CUSTODIAN):
            raise PsmsRefused(RefusalReason.INVALID,
                              f"PSMS instruction {r.instruction.id}: a board change on a "
                              "clearing-to-custodian item is not modelled (the depository's "
                              "conversion); it could not settle")
        book.create(r.instruction, r.at)
    elif r.op == "edit":
        quantity, amount, ref = (r.changes.get("quantity"), r.changes.get("amount"),
                                 r.changes.get("client_ref"))
        book.edit(r.ids[0], r.at, quantity=quantity if isinstance(quantity, int) else None,
                  amount=amount if isinstance(amount, int) else None,
                  client_ref=ref if isinstance(ref, str) else None)
    elif r.op == "merge":
        book.merge(r.ids, r.new_id, r.at)
    elif r.op == "cancel":
        book.cancel(r.ids[0], r.at)
    elif r.op == "match":
        book.match(r.ids[0], r.ids[1], r.at)
    else:
        book.dematch(r.ids[0], r.at)


def _member(book: PsmsBook, r: PsmsRequest) -> str:
    if r.instruction is not None:
        return r.instruction.member
    known = {item.id: item.member for item in book.instructions()}
    return next((known[i] for i in r.ids if i in known), "")


def _apply_all(book: PsmsBook, requests: Iterable[PsmsRequest]) -> list[PsmsAnswer]:
    answers = []
    for r in requests:
        try:
            _apply(book, r)
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
    name = key("psms", day, "answers")
    with UnitOfWork(store) as step:
        text = step.get_document(name)
        if text is None:
            book = load_book(step, registry, rules)
            answers = _apply_all(book, requests)
            dates = sorted({member_side.settlement_date
                            for member_side, _ in book.matched_pairs()
                            if member_side.settlement_date <= day
                            and not is_settled(step, "psms", member_side.settlement_date)})
            step.put_document(name, json.dumps({
                "answers": [[a.member, a.accepted, a.reason] for a in answers],
                "book": [instruction_record(item) for item in book.instructions()],
                "settled": [str(sd) for sd in dates]}))
            save_book(step, book)
        else:
            record = json.loads(text)
            book = book_from_records(record["book"], registry, rules, name)
            answers = [PsmsAnswer(r, str(member), bool(a), str(why))
                       for r, (member, a, why) in zip(requests, record["answers"], strict=True)]
            dates = [dt.date.fromisoformat(sd) for sd in record["settled"]]
        results = tuple(settle_psms(step, book, sd, wall_clock(sd, rules.round_1_cash), rules)
                        for sd in dates)
    return PsmsDay(tuple(answers), results)


def month_fees(store: LedgerStore, registry: MemberRegistry, month: str,
               rules: ClearingRules = DEFAULT_CLEARING_RULES) -> Mapping[str, int]:
    """Each member's PSMS fees of a month (3.8), billed to the pair's member."""
    year, number = (int(part) for part in month.split("-"))
    return {member: bill.total for member, bill in
            monthly_bills(load_book(store, registry, rules), year, number).items()}
