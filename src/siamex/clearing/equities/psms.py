"""Pre-settlement matching (PSMS): a member's and its settlement agent's instructions paired.

A settlement agent (a custodian) settles its clients' trades with their brokers outside the
net (clearing-spec.md 3.2): the broker (the clearing member) and the agent each enter an
instruction, and TCH pairs them. Until their cut-offs (3.4) an unmatched instruction may be
edited, merged or cancelled and a matched pair cancelled or de-matched. The book is a pure state
machine: each request carries its own time `at` (Bangkok wall clock, naive), and a refused
request raises `PsmsRefused` and changes nothing.

Cut-offs are inclusive to the microsecond, as in novation: a 11:00 cut-off takes a request at
11:00:00 and refuses one at 11:00:00.000001.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum, StrEnum

from siamex.clearing.billing.fees import PsmsBill, psms_bill
from siamex.clearing.equities.trades import BoardType, security_key
from siamex.clearing.foundations.members import MemberRegistry, MemberType
from siamex.clearing.foundations.parameters import DEFAULT_CLEARING_RULES, ClearingRules
from siamex.errors import ErrorCode, SiamexError
from siamex.rulebook.calendar import (
    CALENDAR_FIRST,
    CALENDAR_LAST,
    is_trading_day,
    trading_day_offset,
)
from siamex.units import format_hhmm, micros_of_day

__all__ = ["TRANSITIONS", "Entrant", "Instruction", "InstructionType", "Operation", "PsmsBook",
           "PsmsRefused", "PsmsRequest", "PsmsSide", "RefusalReason", "Status", "Window",
           "monthly_bills", "monthly_counts"]


class Status(Enum):
    """An instruction's state (clearing-spec.md 2.2)."""

    CREATED = "created"
    MATCHED = "matched"
    CANCELLED = "cancelled"
    DEMATCHED = "dematched"
    MERGED = "merged"


class Operation(StrEnum):
    """What a PSMS request does to the book (clearing-spec.md 2.2)."""

    CREATE = "create"
    EDIT = "edit"
    MERGE = "merge"
    CANCEL = "cancel"
    MATCH = "match"
    DEMATCH = "dematch"


class Window(Enum):
    """Which cut-off row of clearing-spec.md 3.4 an operation falls under."""

    CREATE = "create"  # 20:00 T..SD-1; 11:30 SD
    CREATE_TO_FOREIGN = "create_to_foreign"  # 20:00 T..SD-2; 16:30 SD-1; closed on SD
    AMEND = "amend"  # edit, merge, cancel unmatched: 20:00 T..SD-1; 11:30 SD
    CANCEL_MATCHED = "cancel_matched"  # 20:00 T..SD-1 only
    DEMATCH = "dematch"  # 20:00 T..SD-1; 11:00 SD


# clearing-spec.md 2.2, 3.4: (operation, status before) -> (status after, cut-off row).
# CREATE starts from no instruction (None). MATCH is under the create row (decision 60): a pair
# matched after its instructions could no longer be entered would be too late to settle.
# CREATE_TO_FOREIGN replaces CREATE (and MATCH's window) for a Local/NVDR -> Foreign change.
TRANSITIONS: dict[tuple[Operation, Status | None], tuple[Status, Window]] = {
    (Operation.CREATE, None): (Status.CREATED, Window.CREATE),
    (Operation.EDIT, Status.CREATED): (Status.CREATED, Window.AMEND),
    (Operation.EDIT, Status.DEMATCHED): (Status.DEMATCHED, Window.AMEND),
    (Operation.MERGE, Status.CREATED): (Status.MERGED, Window.AMEND),
    (Operation.MERGE, Status.DEMATCHED): (Status.MERGED, Window.AMEND),
    (Operation.CANCEL, Status.CREATED): (Status.CANCELLED, Window.AMEND),
    (Operation.CANCEL, Status.DEMATCHED): (Status.CANCELLED, Window.AMEND),
    (Operation.CANCEL, Status.MATCHED): (Status.CANCELLED, Window.CANCEL_MATCHED),
    (Operation.MATCH, Status.CREATED): (Status.MATCHED, Window.CREATE),
    (Operation.MATCH, Status.DEMATCHED): (Status.MATCHED, Window.CREATE),
    (Operation.DEMATCH, Status.MATCHED): (Status.DEMATCHED, Window.DEMATCH),
}


class InstructionType(Enum):
    """What a matched pair moves, which sets its fee (clearing-spec.md 2.2, 3.8)."""

    CLEARING_TO_CUSTODIAN = "clearing_to_custodian"
    INTERNAL_SAME_CLIENT = "internal_same_client"
    INTERNAL_DIFF_CLIENT = "internal_diff_client"


class PsmsSide(Enum):
    DELIVER = "deliver"
    RECEIVE = "receive"


class Entrant(Enum):
    """Who entered an instruction: a pair is one of each."""

    MEMBER = "member"
    AGENT = "agent"


class RefusalReason(Enum):
    """Why a request was refused; CUTOFF_PASSED maps to ErrorCode.CUTOFF_PASSED."""

    UNKNOWN_INSTRUCTION = "unknown_instruction"
    DUPLICATE_ID = "duplicate_id"
    INVALID = "invalid"
    WRONG_STATUS = "wrong_status"
    MISMATCH = "mismatch"
    NOT_BUSINESS_DAY = "not_business_day"
    OUTSIDE_WINDOW = "outside_window"
    CUTOFF_PASSED = "cutoff_passed"


class PsmsRefused(SiamexError):
    """A PSMS request the rules refuse; the book is unchanged."""

    def __init__(self, reason: RefusalReason, message: str) -> None:
        code = (ErrorCode.CUTOFF_PASSED if reason is RefusalReason.CUTOFF_PASSED
                else ErrorCode.CORRECTION_REFUSED)
        super().__init__(code, message)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Instruction:
    """One side's PSMS instruction; `amount` in satang, `to_board` an optional board change,
    `matched_with` the counter-instruction while MATCHED, `merged_into` the merge it went to."""

    id: str
    member: str
    agent: str
    entered_by: Entrant
    client_ref: str
    type: InstructionType
    side: PsmsSide
    symbol: str
    board_type: BoardType
    quantity: int
    amount: int
    trade_date: dt.date
    settlement_date: dt.date
    to_board: BoardType | None = None
    status: Status = Status.CREATED
    matched_with: str | None = None
    merged_into: str | None = None

    @property
    def security(self) -> str:
        return security_key(self.symbol, self.board_type)

    @property
    def to_foreign(self) -> bool:
        """Whether the later create cut-offs of a Local/NVDR -> Foreign change apply (3.4)."""
        return self.to_board is BoardType.FOREIGN and self.board_type is not BoardType.FOREIGN


# clearing-spec.md 3.4: the board-type changes a PSMS instruction may carry
_BOARD_CHANGES = {(BoardType.FOREIGN, BoardType.LOCAL), (BoardType.LOCAL, BoardType.FOREIGN),
                  (BoardType.NVDR, BoardType.FOREIGN)}
_UNMATCHED = (Status.CREATED, Status.DEMATCHED)


def _hhmm(micros: int | None) -> str:
    return "closed" if micros is None else format_hhmm(micros)


def _limits(window: Window, rules: ClearingRules) -> tuple[int, int, int | None]:
    """Return a window's last time of day on T..SD-2, on SD-1 and on SD (None: closed)."""
    if window is Window.CREATE_TO_FOREIGN:
        return rules.psms_cutoff, rules.psms_to_foreign_cutoff_sd1, None
    if window is Window.CANCEL_MATCHED:
        return rules.psms_cutoff, rules.psms_cutoff, None
    if window is Window.DEMATCH:
        return rules.psms_cutoff, rules.psms_cutoff, rules.psms_dematch_cutoff_sd
    return rules.psms_cutoff, rules.psms_cutoff, rules.psms_cutoff_sd


class PsmsBook:
    """Every PSMS instruction, by id, moved only by the TRANSITIONS table."""

    def __init__(self, registry: MemberRegistry,
                 rules: ClearingRules = DEFAULT_CLEARING_RULES) -> None:
        self.registry = registry
        self.rules = rules
        self._items: dict[str, Instruction] = {}

    @classmethod
    def restore(cls, registry: MemberRegistry, rules: ClearingRules,
                instructions: Iterable[Instruction]) -> PsmsBook:
        """Rebuild a book from its instructions as saved (psms_book), in creation order.

        Not a replay: the requests' times are not kept, and cut-offs passed since would refuse
        them. Only the links the transitions maintain are checked (ValueError): unique ids,
        MATCHED exactly when paired with a MATCHED counter-instruction of the other entrant,
        MERGED exactly when merged into an instruction of the book.
        """
        book = cls(registry, rules)
        items = book._items
        for item in instructions:
            if item.id in items:
                raise ValueError(f"PSMS instruction {item.id} is given twice")
            items[item.id] = item
        for item in items.values():
            partner = None if item.matched_with is None else items.get(item.matched_with)
            paired = (item.matched_with is None if item.status is not Status.MATCHED
                      else partner is not None and partner.status is Status.MATCHED
                      and partner.matched_with == item.id
                      and partner.entered_by is not item.entered_by)
            merged = (item.merged_into is None if item.status is not Status.MERGED
                      else item.merged_into in items)
            if not (paired and merged):
                raise ValueError(f"PSMS instruction {item.id}: status {item.status.value} does "
                                 f"not agree with its pair {item.matched_with} or its merge "
                                 f"into {item.merged_into}")
        return book

    def __len__(self) -> int:
        return len(self._items)

    def get(self, instruction_id: str) -> Instruction:
        """Return an instruction, or refuse an unknown id."""
        found = self._items.get(instruction_id)
        if found is None:
            raise PsmsRefused(RefusalReason.UNKNOWN_INSTRUCTION, f"no PSMS instruction "
                              f"{instruction_id}")
        return found

    def instructions(self) -> list[Instruction]:
        """Return every instruction in the order it was created."""
        return list(self._items.values())

    def _step(self, operation: Operation, item: Instruction) -> tuple[Status, Window]:
        """Look the request up in TRANSITIONS, with the cut-off row for this instruction."""
        before = None if operation is Operation.CREATE else item.status
        found = TRANSITIONS.get((operation, before))
        if found is None:
            raise PsmsRefused(RefusalReason.WRONG_STATUS,
                              f"PSMS {operation.value} of {item.id}: not allowed while "
                              f"{item.status.value}")
        status, window = found
        if window is Window.CREATE and item.to_foreign:
            window = Window.CREATE_TO_FOREIGN
        return status, window

    def _in_time(self, operation: Operation, item: Instruction, window: Window,
                 at: dt.datetime) -> None:
        """Refuse a request outside its window on the instruction's own T..SD (3.4)."""
        first = item.trade_date
        last = item.settlement_date
        day = at.date()
        what = f"PSMS {operation.value} of {item.id}"
        if day < first:
            raise PsmsRefused(RefusalReason.OUTSIDE_WINDOW,
                              f"{what}: {day} is before its trade date {first}")
        if day > last:
            raise PsmsRefused(RefusalReason.CUTOFF_PASSED,
                              f"{what} closed on its settlement date {last}; it is {day}")
        if not is_trading_day(day):
            raise PsmsRefused(RefusalReason.NOT_BUSINESS_DAY,
                              f"{what}: TCH takes requests on SET business days, and {day} is "
                              "not one")
        early, sd_minus_1, on_sd = _limits(window, self.rules)
        if day == last:
            limit = on_sd
        elif day == trading_day_offset(last, -1):
            limit = sd_minus_1
        else:
            limit = early
        if limit is None or micros_of_day(at) > limit:
            raise PsmsRefused(RefusalReason.CUTOFF_PASSED,
                              f"{what} is due by {_hhmm(early)} T..SD-1 (SD-1 {_hhmm(sd_minus_1)}, "
                              f"SD {last} {_hhmm(on_sd)}); it came at {at.isoformat()}")

    def _check_parties(self, item: Instruction) -> None:
        member = self.registry.member(item.member)
        agent = self.registry.member(item.agent)
        # clearing-spec.md 2.2, 3.2: a member's instruction through a settlement agent
        if member is None:
            raise PsmsRefused(RefusalReason.INVALID, f"PSMS instruction {item.id}: member "
                              f"{item.member} is not registered")
        if agent is None or agent.type is not MemberType.SETTLEMENT_AGENT:
            raise PsmsRefused(RefusalReason.INVALID, f"PSMS instruction {item.id}: {item.agent} is "
                              "not a registered settlement agent")

    def _check_terms(self, item: Instruction) -> None:
        if item.quantity <= 0 or item.amount < 0:
            raise PsmsRefused(RefusalReason.INVALID,
                              f"PSMS instruction {item.id}: the quantity must be positive and the "
                              f"amount not negative (got {item.quantity}, {item.amount})")

    def create(self, item: Instruction, at: dt.datetime) -> Instruction:
        """Enter a new instruction; its status and links are set here, whatever was given."""
        if item.id in self._items:
            raise PsmsRefused(RefusalReason.DUPLICATE_ID, f"PSMS instruction {item.id} exists")
        status, window = self._step(Operation.CREATE, item)
        fresh = dataclasses.replace(item, status=status, matched_with=None, merged_into=None)
        self._check_parties(fresh)
        self._check_terms(fresh)
        if fresh.to_board is not None and (fresh.board_type, fresh.to_board) not in \
                _BOARD_CHANGES:
            raise PsmsRefused(RefusalReason.INVALID,
                              f"PSMS instruction {item.id}: a board change "
                              f"{fresh.board_type.value}->{fresh.to_board.value} is not one PSMS "
                              "takes (foreign->local, local->foreign, nvdr->foreign)")
        dates = (fresh.trade_date, fresh.settlement_date)
        if not (all(CALENDAR_FIRST <= day <= CALENDAR_LAST and is_trading_day(day)
                    for day in dates) and fresh.trade_date <= fresh.settlement_date):
            raise PsmsRefused(RefusalReason.INVALID,
                              f"PSMS instruction {item.id}: trade date {fresh.trade_date} and "
                              f"settlement date {fresh.settlement_date} must be business days of "
                              f"the calendar ({CALENDAR_FIRST} to {CALENDAR_LAST}), in order")
        self._in_time(Operation.CREATE, fresh, window, at)
        self._items[fresh.id] = fresh
        return fresh

    def edit(self, instruction_id: str, at: dt.datetime, *, quantity: int | None = None,
             amount: int | None = None, client_ref: str | None = None) -> Instruction:
        """Change an unmatched instruction's quantity, amount or client reference (3.4)."""
        item = self.get(instruction_id)
        status, window = self._step(Operation.EDIT, item)
        changed = dataclasses.replace(
            item, status=status,
            quantity=item.quantity if quantity is None else quantity,
            amount=item.amount if amount is None else amount,
            client_ref=item.client_ref if client_ref is None else client_ref)
        self._check_terms(changed)
        self._in_time(Operation.EDIT, item, window, at)
        self._items[item.id] = changed
        return changed

    def merge(self, instruction_ids: Iterable[str], new_id: str,
              at: dt.datetime) -> Instruction:
        """Merge unmatched instructions of one member, agent, client, security, side and SD
        into a new one of their summed quantity and amount; the merged ones become MERGED."""
        ids = list(dict.fromkeys(instruction_ids))
        if len(ids) < 2:
            raise PsmsRefused(RefusalReason.INVALID, "a PSMS merge takes two instructions or more")
        if new_id in self._items:
            raise PsmsRefused(RefusalReason.DUPLICATE_ID, f"PSMS instruction {new_id} exists")
        items = [self.get(i) for i in ids]
        steps = [self._step(Operation.MERGE, item) for item in items]
        first = items[0]

        def key(item: Instruction) -> tuple[object, ...]:
            return (item.member, item.agent, item.entered_by, item.client_ref, item.type,
                    item.side, item.security, item.to_board, item.settlement_date)

        # clearing-spec.md 3.4: one instruction per member, agent, client, security, side, SD
        if any(key(item) != key(first) for item in items):
            raise PsmsRefused(RefusalReason.MISMATCH,
                              f"PSMS merge of {', '.join(ids)}: the instructions differ in member, "
                              "agent, entrant, client, type, security, side or settlement date")
        trade_date = min(item.trade_date for item in items)
        for item, (_, window) in zip(items, steps, strict=True):
            self._in_time(Operation.MERGE, item, window, at)
        merged = dataclasses.replace(
            first, id=new_id, trade_date=trade_date, status=Status.CREATED,
            quantity=sum(item.quantity for item in items),
            amount=sum(item.amount for item in items))
        for item, (status, _) in zip(items, steps, strict=True):
            self._items[item.id] = dataclasses.replace(item, status=status, merged_into=new_id)
        self._items[new_id] = merged
        return merged

    def cancel(self, instruction_id: str, at: dt.datetime) -> Instruction:
        """Cancel an instruction; a matched one takes its counter-instruction with it (decision
        60: the pair is one transfer)."""
        item = self.get(instruction_id)
        status, window = self._step(Operation.CANCEL, item)
        self._in_time(Operation.CANCEL, item, window, at)
        cancelled = dataclasses.replace(item, status=status, matched_with=None)
        if item.matched_with is not None:
            partner = self._items[item.matched_with]
            self._items[partner.id] = dataclasses.replace(partner, status=status,
                                                          matched_with=None)
        self._items[item.id] = cancelled
        return cancelled

    def match(self, first_id: str, second_id: str, at: dt.datetime) -> tuple[Instruction,
                                                                               Instruction]:
        """Pair a member's instruction with its agent's counter-instruction (2.2, 3.2)."""
        one, two = self.get(first_id), self.get(second_id)
        status_one, window_one = self._step(Operation.MATCH, one)
        status_two, window_two = self._step(Operation.MATCH, two)
        differs = [name for name, a, b in (
            ("member", one.member, two.member), ("agent", one.agent, two.agent),
            ("type", one.type, two.type), ("security", one.security, two.security),
            ("board change", one.to_board, two.to_board),
            ("quantity", one.quantity, two.quantity), ("amount", one.amount, two.amount),
            ("settlement date", one.settlement_date, two.settlement_date)) if a != b]
        if one.side is two.side:
            differs.append("side (both " + one.side.value + ")")
        if one.entered_by is two.entered_by:
            differs.append("entrant (both by the " + one.entered_by.value + ")")
        if differs:
            raise PsmsRefused(RefusalReason.MISMATCH,
                              f"PSMS match of {one.id} and {two.id}: {', '.join(differs)} differ")
        self._in_time(Operation.MATCH, one, window_one, at)
        self._in_time(Operation.MATCH, two, window_two, at)
        one = self._items[one.id] = dataclasses.replace(one, status=status_one,
                                                        matched_with=two.id)
        two = self._items[two.id] = dataclasses.replace(two, status=status_two,
                                                        matched_with=one.id)
        return one, two

    def dematch(self, instruction_id: str, at: dt.datetime) -> tuple[Instruction, Instruction]:
        """Undo a match: both instructions become DEMATCHED, open to edit or a new match."""
        item = self.get(instruction_id)
        status, window = self._step(Operation.DEMATCH, item)
        self._in_time(Operation.DEMATCH, item, window, at)
        assert item.matched_with is not None  # a MATCHED instruction always has its pair
        partner = self._items[item.matched_with]
        item = self._items[item.id] = dataclasses.replace(item, status=status,
                                                          matched_with=None)
        partner = self._items[partner.id] = dataclasses.replace(partner, status=status,
                                                                matched_with=None)
        return item, partner

    def matched_pairs(self) -> list[tuple[Instruction, Instruction]]:
        """Return each matched pair once, the member's instruction first."""
        pairs = []
        for item in self._items.values():
            if item.status is Status.MATCHED and item.entered_by is Entrant.MEMBER:
                assert item.matched_with is not None
                pairs.append((item, self._items[item.matched_with]))
        return pairs

    def settling_outside_net(self, settlement_date: dt.date) -> list[tuple[Instruction,
                                                                           Instruction]]:
        """Return the matched clearing-to-custodian pairs of a settlement date: settlement
        moves these trade for trade, and netting leaves them out (3.2)."""
        return [pair for pair in self.matched_pairs()
                if pair[0].settlement_date == settlement_date
                and pair[0].type is InstructionType.CLEARING_TO_CUSTODIAN]


def monthly_counts(book: PsmsBook, year: int, month: int) -> dict[str, Counter[InstructionType]]:
    """Count each member's matched pairs settling in a month, by type.

    Decision 61: an item is a matched pair, counted once, in the month of its settlement date and
    billed to the pair's member; a pair cancelled or de-matched is not an item.
    """
    counts: dict[str, Counter[InstructionType]] = {}
    for member_side, _ in book.matched_pairs():
        day = member_side.settlement_date
        if (day.year, day.month) == (year, month):
            counts.setdefault(member_side.member, Counter())[member_side.type] += 1
    return counts


def monthly_bills(book: PsmsBook, year: int, month: int) -> dict[str, PsmsBill]:
    """Bill each member's PSMS items of a month by the 3.8 tiers (example E5)."""
    return {member: psms_bill(count[InstructionType.CLEARING_TO_CUSTODIAN],
                              count[InstructionType.INTERNAL_SAME_CLIENT],
                              count[InstructionType.INTERNAL_DIFF_CLIENT], book.rules)
            for member, count in sorted(monthly_counts(book, year, month).items())}


@dataclass(frozen=True, slots=True)
class PsmsRequest:
    """A pre-settlement matching request (docs/clearing.md "Pre-settlement matching"):
    `instruction` the new instruction of a create; `ids` the instructions it acts on (two for
    a match, two or more for a merge); `new_id` a merge's result; `changes` an edit's
    quantity, amount (satang) or client_ref."""

    op: Operation
    at: dt.datetime
    ids: tuple[str, ...] = ()
    instruction: Instruction | None = None
    new_id: str = ""
    changes: Mapping[str, int | str] = field(default_factory=dict)
