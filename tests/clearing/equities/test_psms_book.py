"""PSMS in a store: the book survives a save and load unchanged, and matched
clearing-to-custodian pairs settle DvP at 14:00 on their date, all or nothing, client accounts
only, once, and conserving every asset."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Callable, Sequence
from typing import Any

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from siamex.clearing.equities.psms import (
    Entrant,
    Instruction,
    InstructionType,
    PsmsBook,
    PsmsRefused,
    PsmsSide,
    Status,
)
from siamex.clearing.equities.psms_book import (
    PsmsFail,
    PsmsResult,
    instruction_from_record,
    instruction_record,
    load_book,
    save_book,
    settle_psms,
)
from siamex.clearing.equities.settlement import StepRefused, issue
from siamex.clearing.equities.trades import BoardType
from siamex.clearing.foundations.accounts import cash_account, holdings_account
from siamex.clearing.foundations.ledger import TCH, Account, Ledger
from siamex.clearing.foundations.members import AccountType, Member, MemberRegistry, MemberType
from siamex.clearing.foundations.parameters import ClearingRules
from siamex.clearing.foundations.state import DVP_SETTLED, PsmsInstructionRecord
from siamex.clearing.foundations.store import LedgerStore, MemoryStore
from siamex.errors import ErrorCode, SiamexError
from tests.clearing.crashing import Crash, CrashingStore

BAHT = 100
MILLION = 1_000_000 * BAHT
REGISTRY = MemberRegistry(
    [Member("A", MemberType.GCM, 650 * MILLION), Member("B", MemberType.DCM, 420 * MILLION),
     Member("C", MemberType.GCM, 900 * MILLION),
     Member("K", MemberType.SETTLEMENT_AGENT, 2_000 * MILLION, clearing_fund=False),
     Member("L", MemberType.SETTLEMENT_AGENT, 200 * MILLION, clearing_fund=False)], [])
# 2021-04-08 Thu is T; Fri 9 is SD-1; Mon 12 is SD (T+2 on the SET calendar)
T, SD_1, SD = dt.date(2021, 4, 8), dt.date(2021, 4, 9), dt.date(2021, 4, 12)
OPENING = dt.date(2021, 4, 7)
CLT, PRT = AccountType.CLIENT, AccountType.PORTFOLIO
OTHER = {PsmsSide.DELIVER: PsmsSide.RECEIVE, PsmsSide.RECEIVE: PsmsSide.DELIVER}


def _at(day: dt.date, clock: str) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.fromisoformat(clock))


TWO = _at(SD, "14:00")
ENTERED, MATCHED_AT = _at(T, "09:00"), _at(T, "10:00")


def _instruction(id_: str, entered_by: Entrant = Entrant.MEMBER,
                 side: PsmsSide = PsmsSide.DELIVER, **changes: Any) -> Instruction:
    base = Instruction(id=id_, member="A", agent="K", entered_by=entered_by, client_ref="CL1",
                       type=InstructionType.CLEARING_TO_CUSTODIAN, side=side, symbol="PTT",
                       board_type=BoardType.LOCAL, quantity=1000, amount=3_000_000,
                       trade_date=T, settlement_date=SD)
    return dataclasses.replace(base, **changes)


def _entered(book: PsmsBook, n: int, side: PsmsSide = PsmsSide.DELIVER,
             **changes: Any) -> tuple[str, str]:
    """Enter a member's instruction M{n} and its agent's counter-instruction K{n}, unmatched."""
    book.create(_instruction(f"M{n}", Entrant.MEMBER, side, **changes), ENTERED)
    book.create(_instruction(f"K{n}", Entrant.AGENT, OTHER[side], **changes), ENTERED)
    return f"M{n}", f"K{n}"


def _matched(book: PsmsBook, n: int, side: PsmsSide = PsmsSide.DELIVER,
             **changes: Any) -> tuple[Instruction, Instruction]:
    return book.match(*_entered(book, n, side, **changes), MATCHED_AT)


def _store(holdings: dict[Account, int]) -> MemoryStore:
    store = MemoryStore()
    issue(store, OPENING, holdings)
    return store


def _tch(store: LedgerStore) -> dict[Account, int]:
    return {a: q for a, q in store.balances().items() if a.owner == TCH}


def _psms_keys(store: LedgerStore) -> list[str]:
    return [tx.key for tx in store.transactions() if tx.key.startswith("psms:")]


def _sound(store: LedgerStore) -> bool:
    return Ledger.from_transactions(store.transactions()).check_invariants() == []


# --- persistence -------------------------------------------------------------------------


def _every_status() -> PsmsBook:
    """A book with an instruction in every status, a board change and an internal pair."""
    book = PsmsBook(REGISTRY)
    book.create(_instruction("M1"), ENTERED)  # created, open to a match
    _matched(book, 2)  # matched
    _matched(book, 3, PsmsSide.RECEIVE, amount=1_000)
    book.dematch("M3", _at(T, "11:00"))  # both dematched
    _matched(book, 4)
    book.cancel("M4", _at(T, "12:00"))  # both cancelled
    book.create(_instruction("M5", quantity=100, amount=300_000), ENTERED)
    book.create(_instruction("M6", quantity=200, amount=600_000), ENTERED)
    book.merge(["M5", "M6"], "M7", _at(T, "12:00"))  # merged into a new created one
    book.create(_instruction("F1", to_board=BoardType.FOREIGN), ENTERED)
    _matched(book, 8, type=InstructionType.INTERNAL_DIFF_CLIENT, agent="L")
    return book


# Requests run on a book and on its reloaded copy: each is its result or its refusal's reason.
_REQUESTS: list[Callable[[PsmsBook], object]] = [
    lambda b: b.create(_instruction("K1", Entrant.AGENT, PsmsSide.RECEIVE), _at(SD_1, "09:00")),
    lambda b: b.match("M1", "K1", _at(SD_1, "09:30")),
    lambda b: b.cancel("M4", _at(SD_1, "10:00")),  # already cancelled
    lambda b: b.merge(["M5", "M7"], "M9", _at(SD_1, "10:00")),  # M5 is merged
    lambda b: b.create(_instruction("M7"), _at(SD_1, "10:00")),  # duplicate id
    lambda b: b.dematch("M2", _at(SD, "11:00:01")),  # too late
    lambda b: b.edit("M3", _at(SD, "11:10"), client_ref="CL9"),
    lambda b: b.match("M3", "K3", _at(SD, "11:20")),
    lambda b: b.edit("M7", _at(SD, "11:30:01"), quantity=1),  # too late
    lambda b: b.cancel("M2", _at(SD, "09:00")),  # a matched pair is closed on SD
    lambda b: [(m.id, a.id) for m, a in b.settling_outside_net(SD)],
]


def _replay(book: PsmsBook) -> list[object]:
    outcomes: list[object] = []
    for request in _REQUESTS:
        try:
            outcomes.append(request(book))
        except PsmsRefused as refused:
            outcomes.append(refused.reason)
    return outcomes


def test_a_book_in_every_status_survives_a_round_trip_and_behaves_the_same() -> None:
    book = _every_status()
    assert {item.status for item in book.instructions()} == set(Status)
    store = MemoryStore()
    save_book(store, book)
    loaded = load_book(store, REGISTRY)
    assert loaded.instructions() == book.instructions()
    assert loaded.get("M5").merged_into == "M7" and loaded.get("K2").matched_with == "M2"
    assert loaded.get("F1").to_board is BoardType.FOREIGN
    again = MemoryStore()
    save_book(again, loaded)  # deterministic: the same book writes the same text
    assert again.get_document("psms:book") == store.get_document("psms:book")
    outcomes = _replay(book)
    assert _replay(loaded) == outcomes
    assert loaded.instructions() == book.instructions()
    assert outcomes[-1] == [("M1", "K1"), ("M2", "K2"), ("M3", "K3")]


def test_a_missing_document_is_an_empty_book() -> None:
    book = load_book(MemoryStore(), REGISTRY, ClearingRules({"cash_netting": "account"}))
    assert len(book) == 0 and book.rules.cash_netting == "account"


def test_a_book_saved_again_replaces_the_document() -> None:
    store = MemoryStore()
    book = PsmsBook(REGISTRY)
    save_book(store, book)
    assert store.get_document("psms:book") == "[]"
    _matched(book, 1)
    save_book(store, book)
    assert load_book(store, REGISTRY).instructions() == book.instructions()


def _record(**changes: Any) -> dict[str, object]:
    return {**msgspec.to_builtins(instruction_record(_instruction("M1"))), **changes}


@pytest.mark.parametrize("text", [
    "not json", "{}", json.dumps([[]]), json.dumps([_record(quantity=True)]),
    json.dumps([_record(amount="3")]), json.dumps([_record(side="sell")]),
    json.dumps([_record(trade_date="8 April 2021")]),
    json.dumps([{k: v for k, v in _record().items() if k != "merged_into"}]),
    json.dumps([_record(extra=1)]),
    json.dumps([_record(), _record()]),  # the same id twice
    json.dumps([_record(status="matched", matched_with="K1")]),  # its pair is missing
    json.dumps([_record(status="matched", matched_with="K1"),
                _record(id="K1", entered_by="agent", side="receive", matched_with="M1")]),
    json.dumps([_record(matched_with="K1")]),  # created, yet paired
    json.dumps([_record(status="merged", merged_into="M9")]),  # merged into nothing
    json.dumps([_record(merged_into="M1")]),  # created, yet merged
])
def test_a_malformed_or_inconsistent_document_is_refused(text: str) -> None:
    store = MemoryStore()
    store.put_document("psms:book", text)
    with pytest.raises(SiamexError) as caught:
        load_book(store, REGISTRY)
    assert caught.value.code is ErrorCode.CLEARING_STATE


def test_an_instruction_survives_its_record() -> None:
    for item in _every_status().instructions():
        record = msgspec.json.decode(msgspec.json.encode(instruction_record(item)),
                                     type=PsmsInstructionRecord)
        assert instruction_from_record(record) == item


_TIMES = [_at(day, clock) for day in (T, SD_1, SD)
          for clock in ("09:00", "11:00:01", "11:30", "16:30:01", "20:00")]
_request = st.tuples(
    st.sampled_from(["create", "create", "match", "match", "cancel", "dematch", "edit", "merge"]),
    st.integers(0, 5), st.integers(0, 5), st.sampled_from([False, False, True]),
    st.sampled_from(_TIMES))
_Request = tuple[str, int, int, bool, dt.datetime]
# Requests start on I0..I5 entered on T, so that matches, merges and the rest come often.
_ENTERED: list[_Request] = [("create", n, n, False, ENTERED) for n in range(6)]


def _call(book: PsmsBook, n: int, request: _Request) -> object:
    """Run the n-th generated request: its result, or its refusal's reason."""
    kind, one, two, foreign, at = request
    first, second = f"I{one}", f"I{two}"
    try:
        if kind == "create":  # even ids the member's, odd ids the agent's counter-instructions
            entrant, side = ((Entrant.MEMBER, PsmsSide.DELIVER) if one % 2 == 0
                             else (Entrant.AGENT, PsmsSide.RECEIVE))
            return book.create(_instruction(first, entrant, side, to_board=BoardType.FOREIGN
                                            if foreign else None), at)
        if kind == "match":
            return book.match(first, second, at)
        if kind == "cancel":
            return book.cancel(first, at)
        if kind == "dematch":
            return book.dematch(first, at)
        if kind == "edit":
            return book.edit(first, at, quantity=500)
        return book.merge([first, second], f"N{n}", at)
    except PsmsRefused as refused:
        return refused.reason


def _apply(book: PsmsBook, requests: Sequence[_Request]) -> list[object]:
    return [_call(book, n, request) for n, request in enumerate(requests)]


@settings(max_examples=100, deadline=None)
@given(st.lists(_request, max_size=30), st.lists(_request, max_size=15))
def test_any_book_round_trips_and_goes_on_as_the_original(
        before: list[_Request], after: list[_Request]) -> None:
    book = PsmsBook(REGISTRY)
    _apply(book, [*_ENTERED, *before])
    store = MemoryStore()
    save_book(store, book)
    loaded = load_book(store, REGISTRY)
    assert loaded.instructions() == book.instructions()
    assert _apply(loaded, after) == _apply(book, after)
    assert loaded.instructions() == book.instructions()


# --- settlement --------------------------------------------------------------------------


def _funded(**overrides: int) -> dict[Account, int]:
    """A's client PTT and cash, and K's: enough for one pair either way unless overridden
    (`A_client_PTT=0`, `K_none_THB=5`)."""
    holdings = {holdings_account("A", CLT, "PTT"): 1000, holdings_account("K", CLT, "PTT"): 1000,
                cash_account("A"): 3_000_000, cash_account("K"): 3_000_000}
    for name, qty in overrides.items():
        member, kind, asset = name.split("_")
        account = (cash_account(member, None if kind == "none" else AccountType(kind))
                   if asset == "THB" else holdings_account(member, AccountType(kind), asset))
        holdings[account] = qty
    return holdings


def test_a_member_delivering_settles_dvp_with_its_agent() -> None:
    book = PsmsBook(REGISTRY)
    pair = _matched(book, 1)
    store = _store(_funded())
    assert settle_psms(store, book, SD, TWO) == PsmsResult(SD, (pair,), ())
    after = store.balances()
    assert holdings_account("A", CLT, "PTT") not in after
    assert after[holdings_account("K", CLT, "PTT")] == 2000
    assert after[cash_account("A")] == 6_000_000 and cash_account("K") not in after
    assert _tch(store) == {} and _sound(store)
    assert _psms_keys(store) == [f"psms:2021-04-12:M1:{kind}"
                                 for kind in ("deliver", "pay", "credit", "payout")]
    assert DVP_SETTLED.get(store, "psms", SD) == TWO


def test_a_member_receiving_settles_dvp_from_its_agent() -> None:
    book = PsmsBook(REGISTRY)
    pair = _matched(book, 1, PsmsSide.RECEIVE)
    store = _store(_funded())
    assert settle_psms(store, book, SD, TWO).settled == (pair,)
    after = store.balances()
    assert after[holdings_account("A", CLT, "PTT")] == 2000
    assert holdings_account("K", CLT, "PTT") not in after
    assert cash_account("A") not in after and after[cash_account("K")] == 6_000_000
    assert _tch(store) == {} and _sound(store)


def test_cash_moves_in_client_cash_accounts_under_per_account_netting() -> None:
    rules = ClearingRules({"cash_netting": "account"})
    book = PsmsBook(REGISTRY, rules)
    _matched(book, 1)
    store = _store(_funded(K_client_THB=3_000_000, K_none_THB=3_000_000))
    assert len(settle_psms(store, book, SD, TWO, rules).settled) == 1
    after = store.balances()
    assert cash_account("K", CLT) not in after and after[cash_account("K")] == 3_000_000
    assert after[cash_account("A", CLT)] == 3_000_000


def test_a_pair_of_amount_zero_moves_only_the_shares() -> None:
    book = PsmsBook(REGISTRY)
    _matched(book, 1, amount=0)
    store = _store(_funded(K_none_THB=0))
    assert len(settle_psms(store, book, SD, TWO).settled) == 1
    assert _psms_keys(store) == ["psms:2021-04-12:M1:deliver", "psms:2021-04-12:M1:credit"]
    assert store.balances()[holdings_account("K", CLT, "PTT")] == 2000


@pytest.mark.parametrize(("side", "overrides", "short"), [
    (PsmsSide.DELIVER, {"A_client_PTT": 999}, (1, 0)),
    (PsmsSide.DELIVER, {"K_none_THB": 2_999_999}, (0, 1)),
    (PsmsSide.DELIVER, {"A_client_PTT": 0, "K_none_THB": 0}, (1000, 3_000_000)),
    (PsmsSide.RECEIVE, {"K_client_PTT": 0}, (1000, 0)),
    (PsmsSide.RECEIVE, {"A_none_THB": 1}, (0, 2_999_999)),
    # 3.1: the member's portfolio holds the shares, but a PSMS item delivers from client only
    (PsmsSide.DELIVER, {"A_client_PTT": 0, "A_portfolio_PTT": 5000}, (1000, 0)),
])
def test_a_short_deliverer_or_payer_fails_and_nothing_moves(
        side: PsmsSide, overrides: dict[str, int], short: tuple[int, int]) -> None:
    book = PsmsBook(REGISTRY)
    member_side, agent_side = _matched(book, 1, side)
    store = _store(_funded(**overrides))
    before = store.balances()
    result = settle_psms(store, book, SD, TWO)
    assert result == PsmsResult(SD, (), (PsmsFail(member_side, agent_side, *short),))
    assert store.balances() == before and _psms_keys(store) == []
    assert _sound(store)


def test_pairs_settle_by_member_instruction_id_and_a_receipt_funds_a_later_one() -> None:
    book = PsmsBook(REGISTRY)
    second = _matched(book, 2)  # A delivers to K what it receives on M1
    first = _matched(book, 1, PsmsSide.RECEIVE)
    store = _store(_funded(A_client_PTT=0, A_none_THB=3_000_000, K_none_THB=0))
    assert settle_psms(store, book, SD, TWO) == PsmsResult(SD, (first, second), ())
    assert [key.split(":")[-2] for key in _psms_keys(store)] == ["M1"] * 4 + ["M2"] * 4
    assert store.balances()[holdings_account("K", CLT, "PTT")] == 1000


def test_only_the_dates_matched_clearing_to_custodian_pairs_settle() -> None:
    book = PsmsBook(REGISTRY)
    due = _matched(book, 1)
    _matched(book, 2, type=InstructionType.INTERNAL_SAME_CLIENT)
    _matched(book, 3, type=InstructionType.INTERNAL_DIFF_CLIENT)
    _matched(book, 4, settlement_date=SD_1)
    _entered(book, 5)  # never matched
    _matched(book, 6)
    book.cancel("M6", _at(T, "12:00"))
    _matched(book, 7)
    book.dematch("M7", _at(T, "12:00"))
    store = _store({**_funded(), holdings_account("A", CLT, "PTT"): 100_000,
                    cash_account("K"): 100 * MILLION})
    assert settle_psms(store, book, SD, TWO) == PsmsResult(SD, (due,), ())
    assert {key.split(":")[2] for key in _psms_keys(store)} == {"M1"}
    assert settle_psms(store, book, SD_1, _at(SD_1, "14:00")).settled == (
        (book.get("M4"), book.get("K4")),)


@pytest.mark.parametrize("at", [_at(SD, "13:59:59.999999"), _at(SD, "09:00"),
                                _at(SD_1, "15:00"), _at(dt.date(2021, 4, 13), "14:00")])
def test_a_call_before_1400_or_on_another_day_is_refused_and_changes_nothing(
        at: dt.datetime) -> None:
    book = PsmsBook(REGISTRY)
    _matched(book, 1)
    store = _store(_funded())
    before, transactions = store.balances(), store.transactions()
    with pytest.raises(StepRefused, match="14:00 on 2021-04-12"):
        settle_psms(store, book, SD, at)
    assert (store.balances(), store.transactions()) == (before, transactions)
    assert store.get_document("psms:2021-04-12:settled") is None
    assert store.get_document("psms:2021-04-12:decided") is None


def test_a_pair_with_a_board_change_is_refused_before_anything_is_written() -> None:
    book = PsmsBook(REGISTRY)
    _matched(book, 1)
    _matched(book, 2, board_type=BoardType.FOREIGN, to_board=BoardType.LOCAL)
    store = _store(_funded())
    before = store.transactions()
    with pytest.raises(SiamexError) as caught:
        settle_psms(store, book, SD, TWO)
    assert caught.value.code is ErrorCode.NOT_IMPLEMENTED and "PTT-F" in caught.value.message
    assert store.transactions() == before
    assert store.get_document("psms:2021-04-12:decided") is None


def test_a_second_call_posts_nothing_and_reports_the_cutoffs_fails() -> None:
    book = PsmsBook(REGISTRY)
    settles = _matched(book, 1, PsmsSide.RECEIVE)  # K delivers, A pays
    fails = _matched(book, 2, agent="L", quantity=10, amount=5_000)  # L has no cash
    store = _store(_funded())
    first = settle_psms(store, book, SD, TWO)
    assert first == PsmsResult(SD, (settles,), (PsmsFail(*fails, 0, 5_000),))
    issue(store, SD, {cash_account("L"): 5_000}, key_prefix="late")  # too late to cure M2
    balances, count = store.balances(), len(store.transactions())
    assert settle_psms(store, book, SD, _at(SD, "16:00")) == first
    assert (store.balances(), len(store.transactions())) == (balances, count)
    assert DVP_SETTLED.get(store, "psms", SD) == TWO


def test_a_reloaded_book_settles_alike_and_a_changed_one_is_refused_after_the_cutoff() -> None:
    book = PsmsBook(REGISTRY)
    _matched(book, 1)
    store = _store(_funded())
    save_book(store, book)
    first = settle_psms(store, load_book(store, REGISTRY), SD, TWO)
    assert settle_psms(store, book, SD, _at(SD, "15:00")) == first
    _matched(book, 2)
    with pytest.raises(SiamexError) as caught:
        settle_psms(store, book, SD, _at(SD, "15:00"))
    assert caught.value.code is ErrorCode.CLEARING_STATE and "M2" in caught.value.message
    with pytest.raises(SiamexError) as caught:
        settle_psms(store, PsmsBook(REGISTRY), SD, _at(SD, "15:00"))
    assert caught.value.code is ErrorCode.CLEARING_STATE and "M1" in caught.value.message


def test_a_call_that_dies_in_its_commit_leaves_nothing_and_then_settles_whole() -> None:
    book = PsmsBook(REGISTRY)
    _matched(book, 1)
    _matched(book, 2, PsmsSide.RECEIVE, agent="L", quantity=10, amount=5_000)
    holdings = _funded()  # M2 fails: L has no shares to deliver
    whole = _store(holdings)
    expected = settle_psms(whole, book, SD, TWO)
    assert len(expected.settled) == len(expected.failed) == 1
    crashing = CrashingStore(-1)
    issue(crashing, OPENING, holdings)
    before = crashing.transactions()
    crashing.writes = 0  # the decision, the postings and the done mark are one commit
    with pytest.raises(Crash):
        settle_psms(crashing, book, SD, TWO)
    assert crashing.transactions() == before
    assert crashing.get_document("psms:2021-04-12:decided") is None
    crashing.writes = -1
    assert settle_psms(crashing, book, SD, _at(SD, "15:00")) == expected
    assert crashing.balances() == whole.balances()
    assert crashing.transactions() == whole.transactions()
    assert crashing.get_document("psms:2021-04-12:decided") == \
        whole.get_document("psms:2021-04-12:decided")


_OWNERS = ("A", "B", "C", "K", "L")
_SECURITIES = ("S1", "S2")
_pair = st.tuples(st.sampled_from(("A", "B", "C")), st.sampled_from(("K", "L")),
                  st.sampled_from(PsmsSide), st.sampled_from(_SECURITIES), st.integers(1, 30),
                  st.integers(0, 600), st.booleans())
_holdings = st.fixed_dictionaries(
    {holdings_account(m, kind, s): st.integers(0, 40)
     for m in _OWNERS for kind in (PRT, CLT) for s in _SECURITIES}
    | {cash_account(m, kind): st.integers(0, 1_000) for m in _OWNERS for kind in (PRT, CLT)}
    | {cash_account(m): st.integers(0, 1_000) for m in _OWNERS})


@settings(max_examples=150, deadline=None)
@given(st.lists(_pair, max_size=16), _holdings, st.sampled_from(["member", "account"]))
def test_psms_settlement_conserves_every_asset_and_leaves_no_balance_negative(
        raw: list[tuple[str, str, PsmsSide, str, int, int, bool]],
        holdings: dict[Account, int], cash_netting: str) -> None:
    rules = ClearingRules({"cash_netting": cash_netting})
    book = PsmsBook(REGISTRY, rules)
    for n, (member, agent, side, symbol, qty, amount, on_day) in enumerate(raw):
        _matched(book, n, side, member=member, agent=agent, symbol=symbol, quantity=qty,
                 amount=amount, settlement_date=SD if on_day else SD_1)
    store = _store(holdings)

    def totals() -> dict[str, int]:
        sums: dict[str, int] = {}
        for account, qty in store.balances().items():
            if not account.is_depository:
                sums[account.asset] = sums.get(account.asset, 0) + qty
        return sums

    def portfolios() -> dict[Account, int]:
        return {a: q for a, q in store.balances().items()
                if a.account_type is not None and a.account_type.value == "portfolio"
                and a.asset != "THB"}

    before, portfolio_before = totals(), portfolios()
    result = settle_psms(store, book, SD, TWO, rules)
    assert totals() == before
    assert portfolios() == portfolio_before  # 3.1: client trades never touch the portfolio
    assert all(qty >= 0 for account, qty in store.balances().items()
               if not account.is_depository)
    assert _sound(store) and _tch(store) == {}
    due = [pair for pair in book.matched_pairs() if pair[0].settlement_date == SD]
    ordered = sorted(due, key=lambda pair: pair[0].id)
    assert sorted([*result.settled, *((f.member_side, f.agent_side) for f in result.failed)],
                  key=lambda pair: pair[0].id) == ordered
    assert [pair[0].id for pair in result.settled] == sorted(p[0].id for p in result.settled)
    for fail in result.failed:
        assert fail.delivery_short + fail.payment_short > 0
        assert fail.delivery_short <= fail.member_side.quantity
        assert fail.payment_short <= fail.member_side.amount
    count = len(store.transactions())
    assert settle_psms(store, book, SD, _at(SD, "16:00"), rules) == result
    assert len(store.transactions()) == count
