"""PSMS kept in a `LedgerStore`, and its matched pairs settled trade for trade (3.2).

`psms.PsmsBook` is pure and in memory; a clearing day that stops and starts again needs the book
back as it was, and the pairs it matched need to move shares and cash. This module does both.

Persistence. `save_book` writes every instruction, every field (status, pair and merge links
included), to the record `psms:book` (`state.PSMS_BOOK`); `load_book` reads it back with
`PsmsBook.restore`, so no request is replayed: a replay would need the requests' times and
would be refused by cut-offs passed since. The instructions are kept in the book's own order
(creation order, which `instructions()` returns), so the same book always writes the same
text. A record that is not what `save_book` writes is refused (`CLEARING_STATE`), never half
read.

Settlement. A matched clearing-to-custodian pair (`PsmsBook.settling_outside_net`) leaves the
net and settles alone on its settlement date (3.2). `settle_psms` settles one date's pairs;
it is shaped as gross settlement (gross.py), for the same reasons: the ledger is the only state,
every movement is a `Transaction` keyed `psms:{day}:{member instruction id}:{step}`, the decision
(`state.PSMS_DECIDED`: each pair with what its deliverer and payer lacked), the postings and
`state.DVP_SETTLED`, which marks the step done, are one commit. A repeated call posts nothing
and returns the first call's result.

Choices:

- Cut-off, derived: the spec gives PSMS no settlement time of its own (3.4 lists only its
  create, edit, cancel and de-match cut-offs). A pair settles DvP with the net's round 1 cash,
  `round_1_cash` 14:00 on SD (3.3 step 2): by then every PSMS request of the date is closed
  (the latest, create and match, at 11:30), so the pairs are final. A call on another day or
  before 14:00 is refused (`StepRefused`). It is its own step, not tied to the net's step
  documents: it settles against the balances when it runs, so what a caller runs before it
  (net round 1 cash, say) is what the pairs can use.
- Who delivers: the member instruction's `side`. DELIVER: the member delivers the shares to the
  agent and the agent pays `amount`; RECEIVE: the agent delivers and the member pays. The
  shares move between CLIENT depository accounts only: a PSMS item is a custodian client's
  trade, and client and portfolio holdings never cover each other (3.1). Cash is per member,
  or the CLIENT cash account under `cash_netting = "account"` (decision C2), as in gross.py.
- DvP, all or nothing per pair: every share and all of the cash, or nothing moves and it is a
  `PsmsFail` with both shortfalls. Moves go through TCH (deliver, pay, credit, payout), which
  ends flat. A pair of amount 0 is free of payment: only the shares move (a ledger posting
  cannot move 0). Pairs go in (settlement date, member instruction id) order against balances
  updated as they go, so the outcome is reproducible and a receipt can fund a later pair.
- A fail stays a fail: no second round and no remedy here (the spec gives PSMS items none).
- A pair carrying a board change (`to_board`) is refused (`NOT_IMPLEMENTED`) before anything
  is written. The depository would deliver on the original key and credit the new one; routed
  through TCH that leaves TCH long the original key and short the new one, and made whole only
  by the depository taking one asset in and issuing another, which changes both assets' totals.
  The conversion is TSD's, and not modelled, as in gross.py.
- The pairs of a date are final once it is settled: a book handed in later with a pair added,
  dropped or changed is refused (`CLEARING_STATE`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from siamex.clearing.equities.dvp import Exchange, Kind, settle_once
from siamex.clearing.equities.psms import (
    Entrant,
    Instruction,
    InstructionType,
    PsmsBook,
    PsmsSide,
    Status,
)
from siamex.clearing.equities.settlement import check_cutoff
from siamex.clearing.equities.trades import BoardType
from siamex.clearing.foundations.accounts import holdings_account, member_cash
from siamex.clearing.foundations.ledger import Account
from siamex.clearing.foundations.members import AccountType, MemberRegistry
from siamex.clearing.foundations.parameters import DEFAULT_CLEARING_RULES, ClearingRules
from siamex.clearing.foundations.state import (
    PSMS_BOOK,
    PSMS_DECIDED,
    PsmsInstructionRecord,
    PsmsPairRow,
)
from siamex.clearing.foundations.store import LedgerStore
from siamex.errors import ErrorCode, SiamexError

__all__ = [
    "PsmsFail",
    "PsmsResult",
    "book_from_records",
    "instruction_from_record",
    "instruction_record",
    "load_book",
    "save_book",
    "settle_psms",
]

Pair = tuple[Instruction, Instruction]


@dataclass(frozen=True, slots=True)
class PsmsFail:
    """A matched pair that did not settle at the cut-off, and what each side lacked then."""

    member_side: Instruction
    agent_side: Instruction
    delivery_short: int  # shares the deliverer lacked (0 if it could deliver)
    payment_short: int  # satang the payer lacked (0 if it could pay)


@dataclass(frozen=True)
class PsmsResult:
    """What one date's PSMS settlement settled and failed, by member instruction id."""

    settlement_date: dt.date
    settled: tuple[Pair, ...]
    failed: tuple[PsmsFail, ...]


# --- persistence -------------------------------------------------------------------------


def instruction_record(item: Instruction) -> PsmsInstructionRecord:
    """An instruction as the store keeps it: every field, enums by value."""
    return PsmsInstructionRecord(
        id=item.id, member=item.member, agent=item.agent, entered_by=item.entered_by.value,
        client_ref=item.client_ref, type=item.type.value, side=item.side.value,
        symbol=item.symbol, board_type=item.board_type.value, quantity=item.quantity,
        amount=item.amount, trade_date=item.trade_date, settlement_date=item.settlement_date,
        to_board=None if item.to_board is None else item.to_board.value,
        status=item.status.value, matched_with=item.matched_with, merged_into=item.merged_into)


def instruction_from_record(record: PsmsInstructionRecord) -> Instruction:
    """An instruction back from `instruction_record`'s form. The record keeps the enums as
    text (the foundations layer it is declared in cannot import them), so an unknown value is
    refused here, a ValueError."""
    return Instruction(
        id=record.id, member=record.member, agent=record.agent,
        entered_by=Entrant(record.entered_by), client_ref=record.client_ref,
        type=InstructionType(record.type), side=PsmsSide(record.side), symbol=record.symbol,
        board_type=BoardType(record.board_type), quantity=record.quantity,
        amount=record.amount, trade_date=record.trade_date,
        settlement_date=record.settlement_date,
        to_board=None if record.to_board is None else BoardType(record.to_board),
        status=Status(record.status), matched_with=record.matched_with,
        merged_into=record.merged_into)


def save_book(store: LedgerStore, book: PsmsBook) -> None:
    """Write the whole book to `psms:book`, replacing what was there."""
    PSMS_BOOK.put(store, [instruction_record(item) for item in book.instructions()])


def load_book(store: LedgerStore, registry: MemberRegistry,
              rules: ClearingRules = DEFAULT_CLEARING_RULES) -> PsmsBook:
    """Rebuild the book `save_book` wrote (an empty one if none was), refusing a malformed or
    inconsistent record (`CLEARING_STATE`)."""
    records = PSMS_BOOK.get(store)
    if records is None:
        return PsmsBook(registry, rules)
    return book_from_records(records, registry, rules, "the stored PSMS book")


def book_from_records(records: list[PsmsInstructionRecord], registry: MemberRegistry,
                      rules: ClearingRules, what: str) -> PsmsBook:
    """Rebuild a book from `instruction_record`s, refusing an unknown enum value or
    inconsistent links (`CLEARING_STATE`, naming `what` was read)."""
    try:
        return PsmsBook.restore(registry, rules,
                                [instruction_from_record(record) for record in records])
    except ValueError as error:
        raise SiamexError(ErrorCode.CLEARING_STATE,
                          f"{what} cannot be read: {error}") from error


# --- settlement --------------------------------------------------------------------------


def _parties(member_side: Instruction) -> tuple[str, str]:
    """Return (deliverer of the shares, receiver and payer), by the member's side."""
    if member_side.side is PsmsSide.DELIVER:
        return member_side.member, member_side.agent
    return member_side.agent, member_side.member


def _shares(owner: str, security: str) -> Account:
    return holdings_account(owner, AccountType.CLIENT, security)  # 3.1: client trades only


def _cash(owner: str, rules: ClearingRules) -> Account:
    return member_cash(owner, AccountType.CLIENT, rules)  # C2: a custodian's client trade


def _exchange(member_side: Instruction, rules: ClearingRules) -> Exchange:
    """The pair as a DvP exchange between the two parties' client accounts."""
    deliverer, receiver = _parties(member_side)
    security = member_side.security
    return Exchange(
        ("psms", str(member_side.settlement_date), member_side.id), member_side.settlement_date,
        "PSMS", security, member_side.quantity, member_side.amount,
        _shares(deliverer, security), _shares(receiver, security), _cash(receiver, rules),
        _cash(deliverer, rules))


def _due(book: PsmsBook, day: dt.date) -> list[Pair]:
    """The pairs settling on `day`, by (settlement date, member instruction id)."""
    pairs = sorted(book.settling_outside_net(day),
                   key=lambda pair: (pair[0].settlement_date, pair[0].id))
    for member_side, agent_side in pairs:
        board = member_side.to_board or agent_side.to_board
        if board is not None:
            raise SiamexError(ErrorCode.NOT_IMPLEMENTED,
                              f"PSMS pair {member_side.id}/{agent_side.id} changes "
                              f"{member_side.security} to the {board.value} board: the "
                              "depository's board conversion is not modelled for PSMS settlement")
    return pairs


def _pair_row(pair: Pair) -> PsmsPairRow:
    return PsmsPairRow(instruction_record(pair[0]), instruction_record(pair[1]))


def _pair_from_row(row: PsmsPairRow) -> Pair:
    return instruction_from_record(row.member_side), instruction_from_record(row.agent_side)


def _kind(rules: ClearingRules) -> Kind[Pair, PsmsPairRow]:
    return Kind("psms", PSMS_DECIDED, lambda pair: pair[0].id,
                lambda pair: f"PSMS pair {pair[0].id}", lambda pair: _exchange(pair[0], rules),
                _pair_row, _pair_from_row)


def settle_psms(store: LedgerStore, book: PsmsBook, day: dt.date, at: dt.datetime,
                rules: ClearingRules = DEFAULT_CLEARING_RULES) -> PsmsResult:
    """Settle the matched clearing-to-custodian pairs of `day` DvP at 14:00; a repeated call
    returns the first's result and posts nothing."""
    cutoff = rules.round_1_cash  # derived: PSMS has no settlement time; net round 1 cash (3.4)
    check_cutoff(f"PSMS settlement of {day}", day, at, cutoff)
    decided = settle_once(store, _kind(rules), day, at, _due(book, day))
    return PsmsResult(day, tuple(d.item for d in decided if d.settles),
                      tuple(PsmsFail(*d.item, d.delivery_short, d.payment_short)
                            for d in decided if not d.settles))
