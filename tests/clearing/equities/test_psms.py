"""PSMS: a member's and its agent's instructions matched, each request within its cut-off."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from siamex.clearing.equities.psms import (
    TRANSITIONS,
    Entrant,
    Instruction,
    InstructionType,
    PsmsBook,
    PsmsRefused,
    PsmsSide,
    RefusalReason,
    Status,
    monthly_bills,
    monthly_counts,
)
from siamex.clearing.equities.trades import BoardType
from siamex.clearing.foundations.members import load_registry
from siamex.errors import ErrorCode

ROOT = Path(__file__).resolve().parents[3]
REGISTRY = load_registry(ROOT / "examples" / "clearing" / "members.json")
# 2021-04-08 Thu is T; Fri 9 is SD-1; Mon 12 is SD (T+2 on the SET calendar)
T, SD_1, SD = dt.date(2021, 4, 8), dt.date(2021, 4, 9), dt.date(2021, 4, 12)
SATURDAY = dt.date(2021, 4, 10)


def _at(day: dt.date, clock: str) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.fromisoformat(clock))


def _instruction(id_: str, entered_by: Entrant = Entrant.MEMBER,
                 side: PsmsSide = PsmsSide.DELIVER, **changes: object) -> Instruction:
    base = Instruction(id=id_, member="A", agent="K", entered_by=entered_by, client_ref="CL1",
                       type=InstructionType.CLEARING_TO_CUSTODIAN, side=side, symbol="PTT",
                       board_type=BoardType.LOCAL, quantity=1000, amount=3_000_000,
                       trade_date=T, settlement_date=SD)
    return dataclasses.replace(base, **changes)


def _pair(book: PsmsBook, n: int = 1, at: dt.datetime | None = None,
          **changes: object) -> tuple[str, str]:
    member, agent = f"M{n}", f"K{n}"
    at = at or _at(T, "18:00")
    book.create(_instruction(member, **changes), at)
    book.create(_instruction(agent, Entrant.AGENT, PsmsSide.RECEIVE, **changes), at)
    return member, agent


def _matched(book: PsmsBook, n: int = 1) -> tuple[str, str]:
    member, agent = _pair(book, n)
    book.match(member, agent, _at(T, "18:30"))
    return member, agent


def _refused(book: PsmsBook, reason: RefusalReason, request: Callable[[], object]) -> str:
    """Run a request that must be refused and check it changed nothing."""
    before = book.instructions()
    with pytest.raises(PsmsRefused) as caught:
        request()
    assert caught.value.reason is reason
    expected = ErrorCode.CUTOFF_PASSED if reason is RefusalReason.CUTOFF_PASSED else \
        ErrorCode.CORRECTION_REFUSED
    assert caught.value.code is expected
    assert book.instructions() == before
    return caught.value.message


def test_a_member_and_its_agent_match_opposite_equal_instructions() -> None:
    book = PsmsBook(REGISTRY)
    member, agent = _matched(book)
    assert book.get(member).status is Status.MATCHED
    assert book.get(member).matched_with == agent
    assert book.get(agent).matched_with == member


@pytest.mark.parametrize(("field", "value", "named"), [
    ("quantity", 999, "quantity"), ("amount", 2_999_999, "amount"),
    ("settlement_date", SD_1, "settlement date"), ("symbol", "AOT", "security"),
    ("board_type", BoardType.FOREIGN, "security"),
    ("type", InstructionType.INTERNAL_DIFF_CLIENT, "type")])
def test_a_counter_instruction_that_differs_does_not_match(field: str, value: object,
                                                           named: str) -> None:
    book = PsmsBook(REGISTRY)
    book.create(_instruction("M1"), _at(T, "09:00"))
    book.create(_instruction("K1", Entrant.AGENT, PsmsSide.RECEIVE, **{field: value}),
                _at(T, "09:00"))
    message = _refused(book, RefusalReason.MISMATCH, lambda: book.match("M1", "K1",
                                                                        _at(T, "10:00")))
    assert named in message


def test_same_side_or_same_entrant_does_not_match() -> None:
    book = PsmsBook(REGISTRY)
    book.create(_instruction("M1"), _at(T, "09:00"))
    book.create(_instruction("K1", Entrant.AGENT), _at(T, "09:00"))
    book.create(_instruction("M2", side=PsmsSide.RECEIVE), _at(T, "09:00"))
    _refused(book, RefusalReason.MISMATCH, lambda: book.match("M1", "K1", _at(T, "10:00")))
    _refused(book, RefusalReason.MISMATCH, lambda: book.match("M1", "M2", _at(T, "10:00")))


def test_an_instruction_matches_only_once() -> None:
    book = PsmsBook(REGISTRY)
    member, _ = _matched(book)
    book.create(_instruction("K9", Entrant.AGENT, PsmsSide.RECEIVE), _at(T, "19:00"))
    _refused(book, RefusalReason.WRONG_STATUS, lambda: book.match(member, "K9",
                                                                  _at(T, "19:30")))


def test_create_cutoff_is_2000_before_sd_and_1130_on_sd_inclusive() -> None:
    book = PsmsBook(REGISTRY)
    book.create(_instruction("A1"), _at(SD_1, "20:00"))
    book.create(_instruction("A2"), _at(SD, "11:30"))
    _refused(book, RefusalReason.CUTOFF_PASSED,
             lambda: book.create(_instruction("A3"), _at(SD_1, "20:00:01")))
    _refused(book, RefusalReason.CUTOFF_PASSED,
             lambda: book.create(_instruction("A3"), _at(SD, "11:30:00.000001")))
    _refused(book, RefusalReason.CUTOFF_PASSED,
             lambda: book.create(_instruction("A3"), _at(dt.date(2021, 4, 13), "09:00")))
    _refused(book, RefusalReason.NOT_BUSINESS_DAY,
             lambda: book.create(_instruction("A3"), _at(SATURDAY, "09:00")))
    _refused(book, RefusalReason.OUTSIDE_WINDOW,
             lambda: book.create(_instruction("A3"), _at(dt.date(2021, 4, 7), "09:00")))


def test_a_change_to_foreign_closes_at_1630_on_sd_minus_1_and_is_closed_on_sd() -> None:
    book = PsmsBook(REGISTRY)
    book.create(_instruction("F1", to_board=BoardType.FOREIGN), _at(T, "20:00"))
    book.create(_instruction("F2", board_type=BoardType.NVDR, to_board=BoardType.FOREIGN),
                _at(SD_1, "16:30"))
    _refused(book, RefusalReason.CUTOFF_PASSED,
             lambda: book.create(_instruction("F3", to_board=BoardType.FOREIGN),
                                 _at(SD_1, "16:30:01")))
    _refused(book, RefusalReason.CUTOFF_PASSED,
             lambda: book.create(_instruction("F3", to_board=BoardType.FOREIGN),
                                 _at(SD, "09:00")))
    # Foreign -> Local keeps the ordinary create window (3.4)
    book.create(_instruction("F4", board_type=BoardType.FOREIGN, to_board=BoardType.LOCAL),
                _at(SD, "11:30"))
    _refused(book, RefusalReason.INVALID,
             lambda: book.create(_instruction("F5", to_board=BoardType.NVDR), _at(T, "09:00")))


def test_edit_changes_an_unmatched_instruction_until_its_cutoff() -> None:
    book = PsmsBook(REGISTRY)
    book.create(_instruction("M1"), _at(T, "09:00"))
    edited = book.edit("M1", _at(SD, "11:30"), quantity=500, amount=1_500_000,
                       client_ref="CL2")
    assert (edited.quantity, edited.amount, edited.client_ref) == (500, 1_500_000, "CL2")
    _refused(book, RefusalReason.CUTOFF_PASSED,
             lambda: book.edit("M1", _at(SD, "11:30:01"), quantity=1))
    _refused(book, RefusalReason.INVALID, lambda: book.edit("M1", _at(SD, "09:00"), quantity=0))
    member, _ = _matched(book, 2)
    _refused(book, RefusalReason.WRONG_STATUS,
             lambda: book.edit(member, _at(T, "19:00"), quantity=1))


def test_cancel_unmatched_until_1130_on_sd() -> None:
    book = PsmsBook(REGISTRY)
    book.create(_instruction("M1"), _at(T, "09:00"))
    book.create(_instruction("M2"), _at(T, "09:00"))
    assert book.cancel("M1", _at(SD, "11:30")).status is Status.CANCELLED
    _refused(book, RefusalReason.CUTOFF_PASSED, lambda: book.cancel("M2", _at(SD, "11:30:01")))
    _refused(book, RefusalReason.WRONG_STATUS, lambda: book.cancel("M1", _at(SD, "09:00")))


def test_cancel_matched_until_2000_on_sd_minus_1_only() -> None:
    book = PsmsBook(REGISTRY)
    member, agent = _matched(book, 1)
    other, _ = _matched(book, 2)
    book.cancel(member, _at(SD_1, "20:00"))
    assert book.get(member).status is book.get(agent).status is Status.CANCELLED
    _refused(book, RefusalReason.CUTOFF_PASSED, lambda: book.cancel(other, _at(SD_1,
                                                                              "20:00:01")))
    _refused(book, RefusalReason.CUTOFF_PASSED, lambda: book.cancel(other, _at(SD, "09:00")))


def test_dematch_until_1100_on_sd() -> None:
    book = PsmsBook(REGISTRY)
    member, agent = _matched(book, 1)
    other, _ = _matched(book, 2)
    book.dematch(member, _at(SD, "11:00"))
    assert book.get(member).status is book.get(agent).status is Status.DEMATCHED
    assert book.get(member).matched_with is None
    _refused(book, RefusalReason.CUTOFF_PASSED, lambda: book.dematch(other, _at(SD,
                                                                               "11:00:01")))
    _refused(book, RefusalReason.WRONG_STATUS, lambda: book.dematch(member, _at(SD, "10:00")))
    # a de-matched pair may be edited and matched again
    book.edit(member, _at(SD, "11:10"), client_ref="CL9")
    book.match(member, agent, _at(SD, "11:20"))
    assert book.get(agent).status is Status.MATCHED


def test_merge_sums_unmatched_instructions_of_one_key() -> None:
    book = PsmsBook(REGISTRY)
    book.create(_instruction("M1", quantity=100, amount=300_000), _at(T, "09:00"))
    book.create(_instruction("M2", quantity=200, amount=600_000), _at(SD_1, "09:00"))
    merged = book.merge(["M1", "M2"], "M3", _at(SD, "11:30"))
    assert (merged.quantity, merged.amount, merged.status) == (300, 900_000, Status.CREATED)
    assert merged.trade_date == T
    assert [book.get(i).status for i in ("M1", "M2")] == [Status.MERGED] * 2
    assert book.get("M1").merged_into == "M3"
    book.create(_instruction("K3", Entrant.AGENT, PsmsSide.RECEIVE, quantity=300,
                             amount=900_000), _at(SD, "09:00"))
    book.match("M3", "K3", _at(SD, "11:00"))


def test_merge_refusals_change_nothing() -> None:
    book = PsmsBook(REGISTRY)
    book.create(_instruction("M1"), _at(T, "09:00"))
    book.create(_instruction("M2", client_ref="OTHER"), _at(T, "09:00"))
    book.create(_instruction("M4"), _at(T, "09:00"))
    _refused(book, RefusalReason.MISMATCH, lambda: book.merge(["M1", "M2"], "X",
                                                              _at(T, "10:00")))
    _refused(book, RefusalReason.INVALID, lambda: book.merge(["M1"], "X", _at(T, "10:00")))
    _refused(book, RefusalReason.DUPLICATE_ID, lambda: book.merge(["M1", "M4"], "M2",
                                                                  _at(T, "10:00")))
    _refused(book, RefusalReason.CUTOFF_PASSED, lambda: book.merge(["M1", "M4"], "X",
                                                                   _at(SD, "11:30:01")))
    _refused(book, RefusalReason.UNKNOWN_INSTRUCTION, lambda: book.merge(["M1", "ZZ"], "X",
                                                                         _at(T, "10:00")))


def test_create_refuses_bad_parties_and_repeated_ids() -> None:
    book = PsmsBook(REGISTRY)
    book.create(_instruction("M1"), _at(T, "09:00"))
    _refused(book, RefusalReason.DUPLICATE_ID,
             lambda: book.create(_instruction("M1"), _at(T, "09:00")))
    _refused(book, RefusalReason.INVALID,
             lambda: book.create(_instruction("M2", agent="C"), _at(T, "09:00")))
    _refused(book, RefusalReason.INVALID,
             lambda: book.create(_instruction("M2", member="ZZ"), _at(T, "09:00")))
    _refused(book, RefusalReason.INVALID,
             lambda: book.create(_instruction("M2", amount=-1), _at(T, "09:00")))


@pytest.mark.parametrize("dates", [
    {"trade_date": dt.date(1990, 4, 9)}, {"settlement_date": dt.date(2099, 4, 13)}])
def test_create_refuses_dates_outside_the_calendar_alone(dates: dict[str, dt.date]) -> None:
    # decision 79: one bad request is answered with its reason, never a crash of the day
    book = PsmsBook(REGISTRY)
    message = _refused(book, RefusalReason.INVALID,
                       lambda: book.create(_instruction("M1", **dates), _at(T, "09:00")))
    assert "business days of the calendar" in message


def test_only_matched_clearing_to_custodian_pairs_settle_outside_the_net() -> None:
    book = PsmsBook(REGISTRY)
    member, agent = _matched(book, 1)
    _matched(book, 2)
    book.cancel("M2", _at(T, "19:00"))
    _pair(book, 3)
    internal = _pair(book, 4, type=InstructionType.INTERNAL_SAME_CLIENT)
    book.match(*internal, _at(T, "19:00"))
    pairs = book.settling_outside_net(SD)
    assert [(a.id, b.id) for a, b in pairs] == [(member, agent)]
    assert book.settling_outside_net(SD_1) == []


def test_e5_monthly_bill_by_matched_items() -> None:
    book = PsmsBook(REGISTRY)
    at = _at(T, "09:00")
    n = 0
    for kind, count in ((InstructionType.CLEARING_TO_CUSTODIAN, 12_000),
                        (InstructionType.INTERNAL_DIFF_CLIENT, 300),
                        (InstructionType.INTERNAL_SAME_CLIENT, 500)):
        for _ in range(count):
            n += 1
            book.match(*_pair(book, n, at, type=kind), at)
    _pair(book, n + 1)  # unmatched: not an item
    counts = monthly_counts(book, 2021, 4)
    assert counts["A"][InstructionType.CLEARING_TO_CUSTODIAN] == 12_000
    bill = monthly_bills(book, 2021, 4)["A"]
    # E5 marginal: 5,000x50 + 5,000x45 + 2,000x40 + 300x7.50 = 557,250.00
    assert bill.total == 55_725_000
    assert bill.internal_same_client == 0
    assert monthly_bills(book, 2021, 5) == {}


def test_every_status_is_the_target_of_some_transition() -> None:
    targets = {after for after, _ in TRANSITIONS.values()}
    assert targets == set(Status)


TIMES = [_at(day, clock) for day in (T, SD_1, SD)
         for clock in ("09:00", "11:00", "11:00:01", "11:30", "16:30:01", "20:00", "20:00:01")]


class PsmsMachine(RuleBasedStateMachine):
    """Random requests: refusals change nothing; states stay consistent and pairs one-to-one."""

    def __init__(self) -> None:
        super().__init__()
        self.book = PsmsBook(REGISTRY)
        self.next_id = 0
        self.finished: dict[str, Status] = {}

    def _attempt(self, request: Callable[[], object]) -> None:
        before = self.book.instructions()
        try:
            request()
        except PsmsRefused:
            assert self.book.instructions() == before

    def _ids(self) -> list[str]:
        return [item.id for item in self.book.instructions()]

    @rule(entered_by=st.sampled_from(Entrant), side=st.sampled_from(PsmsSide),
          quantity=st.sampled_from([100, 200]), at=st.sampled_from(TIMES),
          foreign=st.booleans())
    def create(self, entered_by: Entrant, side: PsmsSide, quantity: int, at: dt.datetime,
               foreign: bool) -> None:
        self.next_id += 1
        item = _instruction(f"I{self.next_id}", entered_by, side, quantity=quantity,
                            to_board=BoardType.FOREIGN if foreign else None)
        self._attempt(lambda: self.book.create(item, at))

    @rule(data=st.data(), at=st.sampled_from(TIMES))
    def match(self, data: st.DataObject, at: dt.datetime) -> None:
        if self._ids():
            one = data.draw(st.sampled_from(self._ids()))
            two = data.draw(st.sampled_from(self._ids()))
            self._attempt(lambda: self.book.match(one, two, at))

    @rule(data=st.data(), at=st.sampled_from(TIMES),
          operation=st.sampled_from(["cancel", "dematch", "edit"]))
    def single(self, data: st.DataObject, at: dt.datetime, operation: str) -> None:
        if self._ids():
            target = data.draw(st.sampled_from(self._ids()))
            requests: dict[str, Callable[[], object]] = {
                "cancel": lambda: self.book.cancel(target, at),
                "dematch": lambda: self.book.dematch(target, at),
                "edit": lambda: self.book.edit(target, at, quantity=200)}
            self._attempt(requests[operation])

    @rule(data=st.data(), at=st.sampled_from(TIMES))
    def merge(self, data: st.DataObject, at: dt.datetime) -> None:
        if self._ids():
            ids = data.draw(st.lists(st.sampled_from(self._ids()), min_size=2, max_size=3))
            self.next_id += 1
            new_id = f"I{self.next_id}"
            self._attempt(lambda: self.book.merge(ids, new_id, at))

    @invariant()
    def pairs_are_one_to_one_and_final_states_stay(self) -> None:
        items = {item.id: item for item in self.book.instructions()}
        partners: list[str] = []
        for item in items.values():
            if item.status is Status.MATCHED:
                assert item.matched_with is not None and item.matched_with != item.id
                partner = items[item.matched_with]
                assert partner.matched_with == item.id
                assert partner.status is Status.MATCHED
                assert partner.entered_by is not item.entered_by
                partners.append(item.matched_with)
            else:
                assert item.matched_with is None
            if item.status is Status.MERGED:
                assert item.merged_into in items
            if item.id in self.finished:
                assert item.status is self.finished[item.id]
            elif item.status in (Status.CANCELLED, Status.MERGED):
                self.finished[item.id] = item.status
        assert len(partners) == len(set(partners))


TestPsmsMachine = PsmsMachine.TestCase
TestPsmsMachine.settings = settings(max_examples=60, stateful_step_count=30, deadline=None)
