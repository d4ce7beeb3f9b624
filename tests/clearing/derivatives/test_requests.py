"""The day's post-trade change requests resolved against the bookings (clearing-spec.md 4.3,
decision 79): each request is answered alone, a refusal with its code and sentence and nothing
booked, an acceptance with rebooking fills that move contracts between accounts and never make
or destroy one; amendments and give-ups rebook the trade for the requests after them, and each
transfer sees the holdings the transfers before it moved."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from siamex.clearing.derivatives.accounts import load_accounts
from siamex.clearing.derivatives.changes import BookedFill, Holding
from siamex.clearing.derivatives.fills import BUY, SELL, Fill, Flag
from siamex.clearing.derivatives.instructions import (
    AmendEntry,
    BulkEntry,
    GiveUpEntry,
    TransferEntry,
)
from siamex.clearing.derivatives.requests import (
    Bookings,
    DayChanges,
    rebook_trades,
    transfer_positions,
)
from siamex.clearing.foundations.members import InvestorType
from siamex.errors import ErrorCode

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "derivatives"
ACCOUNTS = load_accounts(EXAMPLES / "accounts.json")
T = dt.date(2021, 4, 8)  # Thursday
T1 = dt.date(2021, 4, 9)  # T+1: the member alone may amend or give up
EXPIRY = {"S50M21": dt.date(2021, 6, 29), "S50U21": dt.date(2021, 9, 29)}
PRICES = {"S50M21": 96_000}  # S50U21 has no settlement price today
CARRIED = {("A-01", "S50M21"): Holding(3, 0), ("A-PRT", "S50M21"): Holding(2, 0),
           ("B-01", "S50M21"): Holding(0, 5)}
SETTINGS = settings(max_examples=60, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow])


def _trade(trade_id: str, buy: str, sell: str, qty: int, price: int,
           day: dt.date = T) -> list[BookedFill]:
    return [BookedFill(trade_id, day, ACCOUNTS.member_of(account), account,
                       ACCOUNTS.accounts[account].investor_type.value, "S50M21", side, qty,
                       price, Flag.OPEN)
            for account, side in ((buy, BUY), (sell, SELL))]


def _bookings() -> Bookings:
    return Bookings({T: [*_trade("1", "A-01", "B-01", 4, 100_000),
                         *_trade("2", "A-02", "C-01", 3, 99_800)]})


def _apply(bookings: Bookings | None = None, on: dt.date = T1,
           amendments: Iterable[AmendEntry] = (), give_ups: Iterable[GiveUpEntry] = (),
           transfers: Iterable[TransferEntry] = (), bulk: Iterable[BulkEntry] = (),
           carried: dict[tuple[str, str], Holding] | None = None) -> DayChanges:
    """The day's trades rebooked, then its transfers, as the day answers them."""
    changes = rebook_trades(ACCOUNTS, on, _bookings() if bookings is None else bookings,
                            PRICES, tuple(amendments), tuple(give_ups))
    moves = transfer_positions(ACCOUNTS, on, CARRIED if carried is None else carried, PRICES,
                               EXPIRY, tuple(transfers), tuple(bulk))
    return DayChanges([*changes.fills, *moves.fills], [*changes.answers, *moves.answers])


def _answers(changes: DayChanges) -> list[tuple[str, str, bool, str]]:
    return [(a.kind, a.ref, a.accepted, a.code) for a in changes.answers]


def _net_by_series(fills: Iterable[Fill]) -> dict[str, int]:
    net: dict[str, int] = defaultdict(int)
    for f in fills:
        net[f.series] += f.side * f.qty
    return dict(net)


def _moved(fills: Iterable[Fill]) -> dict[tuple[str, str], int]:
    """Contracts each account bought (+) or sold (-) by the fills."""
    moved: dict[tuple[str, str], int] = defaultdict(int)
    for f in fills:
        moved[f.account, f.series] += f.side * f.qty
    return {k: v for k, v in moved.items() if v}


def _transfer(series: str, source: str, to: str, long: int = 0, short: int = 0,
              approved: bool = True, same: bool = True) -> TransferEntry:
    return TransferEntry(series, source, to, long, short, approved, same)


def test_each_refusal_is_answered_alone_with_its_code_and_the_rest_are_booked() -> None:
    changes = _apply(
        amendments=[AmendEntry("99", "buy", account="A-PRT"),
                    AmendEntry("1", "buy", account="B-01"),
                    AmendEntry("1", "buy", account="Z-9"),
                    AmendEntry("1", "buy", account="A-PRT")],
        give_ups=[GiveUpEntry("2", "sell", "A-01"), GiveUpEntry("2", "buy", "B-01")],
        transfers=[_transfer("S50M21", "A-01", "A-03", long=2, approved=False),
                   _transfer("S50U21", "A-01", "A-03", long=1),
                   _transfer("S50M21", "A-01", "A-03", long=5),
                   _transfer("S50M21", "A-01", "A-03", long=2)],
        bulk=[BulkEntry("A-PRT", "B-01", approved=True, same_beneficiary=True)])
    assert _answers(changes) == [
        ("amend", "99/buy", False, "CORRECTION_REFUSED"),
        ("amend", "1/buy", False, "CORRECTION_REFUSED"),
        ("amend", "1/buy", False, "CORRECTION_REFUSED"),
        ("amend", "1/buy", True, ""),
        ("give_up", "2/sell", False, "AGREEMENT_REQUIRED"),
        ("give_up", "2/buy", True, ""),
        ("transfer", "S50M21/A-01->A-03", False, "APPROVAL_REQUIRED"),
        ("transfer", "S50U21/A-01->A-03", False, "INSUFFICIENT_POSITION"),
        ("transfer", "S50M21/A-01->A-03", False, "INSUFFICIENT_POSITION"),
        ("transfer", "S50M21/A-01->A-03", True, ""),
        ("bulk_transfer", "A-PRT->B-01", False, "CORRECTION_REFUSED"),
    ]
    messages = [a.message for a in changes.answers]
    assert "no trade 99 is open to change" in messages[0]
    assert "account B-01 is another member's: that is a give-up" in messages[1]
    assert "account Z-9 is not registered" in messages[2]
    assert "account A-01 holds no S50U21" in messages[7]
    assert all(m for m, a in zip(messages, changes.answers, strict=True) if not a.accepted)
    assert not any(m for m, a in zip(messages, changes.answers, strict=True) if a.accepted)
    # the three accepted: rebooked at the execution price, moved at the settlement price
    assert changes.fills == [
        Fill("A-01", "S50M21", SELL, 4, 100_000, Flag.CLOSE),
        Fill("A-PRT", "S50M21", BUY, 4, 100_000, Flag.OPEN),
        Fill("A-02", "S50M21", SELL, 3, 99_800, Flag.CLOSE),
        Fill("B-01", "S50M21", BUY, 3, 99_800, Flag.OPEN),
        Fill("A-01", "S50M21", SELL, 2, 96_000, Flag.CLOSE),
        Fill("A-03", "S50M21", BUY, 2, 96_000, Flag.OPEN),
    ]
    assert _net_by_series(changes.fills) == {"S50M21": 0}


def test_an_amendment_to_another_members_account_is_refused_and_a_give_up_makes_it() -> None:
    bookings = _bookings()
    changes = _apply(bookings, amendments=[AmendEntry("1", "buy", account="B-01")],
                     give_ups=[GiveUpEntry("1", "buy", "B-01")])
    assert _answers(changes) == [("amend", "1/buy", False, "CORRECTION_REFUSED"),
                                 ("give_up", "1/buy", True, "")]
    given = bookings.find("1", BUY)
    assert (given.member, given.account, given.trade_date) == ("B", "B-01", T)
    assert bookings.changed == {T}
    assert _moved(changes.fills) == {("A-01", "S50M21"): -4, ("B-01", "S50M21"): 4}


def test_an_amendment_of_an_unknown_trade_or_side_books_nothing_and_changes_no_booking(
        ) -> None:
    bookings = _bookings()
    changes = _apply(bookings, amendments=[AmendEntry("3", "buy", account="A-PRT")],
                     give_ups=[GiveUpEntry("3", "sell", "B-01")])
    assert _answers(changes) == [("amend", "3/buy", False, "CORRECTION_REFUSED"),
                                 ("give_up", "3/sell", False, "CORRECTION_REFUSED")]
    assert changes.fills == [] and bookings.changed == set()
    assert bookings.find("1", BUY).account == "A-01"


def test_a_give_up_moves_the_side_from_where_an_earlier_amendment_put_it() -> None:
    bookings = _bookings()
    changes = _apply(bookings, amendments=[AmendEntry("1", "buy", account="A-PRT")],
                     give_ups=[GiveUpEntry("1", "buy", "B-01")])
    assert all(a.accepted for a in changes.answers)
    # A-01 bought then handed its 4 to A-PRT, which handed them to B-01
    assert _moved(changes.fills) == {("A-01", "S50M21"): -4, ("B-01", "S50M21"): 4}
    assert changes.fills[2] == Fill("A-PRT", "S50M21", SELL, 4, 100_000, Flag.CLOSE)


def test_an_investor_type_amendment_is_accepted_and_books_no_fill() -> None:
    bookings = _bookings()
    changes = _apply(bookings, amendments=[
        AmendEntry("1", "sell", investor_type=InvestorType.FOREIGN),
        AmendEntry("1", "sell")])
    assert _answers(changes) == [("amend", "1/sell", True, ""),
                                 ("amend", "1/sell", False, "CORRECTION_REFUSED")]
    assert changes.fills == []
    assert bookings.find("1", SELL).investor_type == "foreign"


def test_a_trade_of_t_plus_2_needs_approval_and_after_t_plus_3_it_cannot_be_changed() -> None:
    # 13-15 April 2021 are holidays: T+2 of Thursday 8 April is 12 April, T+3 16 April (E17)
    amend = AmendEntry("1", "buy", flag=Flag.CLOSE)
    late = _apply(on=dt.date(2021, 4, 16), amendments=[
        amend, AmendEntry("1", "buy", flag=Flag.CLOSE, approved=True)])
    assert _answers(late) == [("amend", "1/buy", False, "APPROVAL_REQUIRED"),
                              ("amend", "1/buy", True, "")]
    too_late = _apply(on=dt.date(2021, 4, 19), amendments=[amend],
                      give_ups=[GiveUpEntry("1", "buy", "B-01", approved=True,
                                            agreement_copy=True, same_beneficiary=True)])
    assert [a.code for a in too_late.answers] == ["CHANGE_WINDOW", "CHANGE_WINDOW"]
    assert too_late.fills == []


def test_a_trade_id_reused_on_a_later_day_names_the_later_trade() -> None:
    bookings = Bookings({dt.date(2021, 4, 7): _trade("1", "A-01", "B-01", 1, 101_000,
                                                     dt.date(2021, 4, 7)),
                         T: _trade("1", "A-01", "B-01", 4, 100_000)})
    changes = _apply(bookings, amendments=[AmendEntry("1", "buy", account="A-03")])
    assert changes.fills[0] == Fill("A-01", "S50M21", SELL, 4, 100_000, Flag.CLOSE)
    assert bookings.changed == {T}


def test_sequential_transfers_see_the_holdings_moved_by_the_earlier_ones() -> None:
    changes = _apply(transfers=[
        _transfer("S50M21", "A-01", "A-03", long=2),  # A-01 carries 3 long: 1 left
        _transfer("S50M21", "A-01", "A-03", long=2),  # refused: only 1 left
        _transfer("S50M21", "A-03", "A-01", long=2),  # A-03 carried nothing, now holds 2
        _transfer("S50M21", "A-03", "A-01", long=1),  # refused: A-03 gave its 2 back
    ], bulk=[BulkEntry("A-01", "A-03", approved=True, same_beneficiary=True),
             BulkEntry("A-01", "A-03", approved=True, same_beneficiary=True)])
    assert [(a.accepted, a.code) for a in changes.answers] == [
        (True, ""), (False, "INSUFFICIENT_POSITION"), (True, ""),
        (False, "INSUFFICIENT_POSITION"), (True, ""), (False, "INSUFFICIENT_POSITION")]
    # the bulk transfer moved all 3 long A-01 held by then, at the settlement price
    assert changes.fills[-2:] == [Fill("A-01", "S50M21", SELL, 3, 96_000, Flag.CLOSE),
                                  Fill("A-03", "S50M21", BUY, 3, 96_000, Flag.OPEN)]
    assert _moved(changes.fills) == {("A-01", "S50M21"): -3, ("A-03", "S50M21"): 3}


def test_a_transfer_needs_the_same_beneficiary_confirmed_and_registered() -> None:
    changes = _apply(transfers=[
        _transfer("S50M21", "A-PRT", "A-01", long=1),  # A's own against investor inv-1
        _transfer("S50M21", "A-01", "A-03", long=1, same=False),
        _transfer("S50M21", "A-01", "Z-1", long=1),
        _transfer("S50M21", "A-01", "A-01", long=1)])
    assert [a.code for a in changes.answers] == [
        "BENEFICIARY_DIFFERS", "BENEFICIARY_DIFFERS", "CORRECTION_REFUSED",
        "CORRECTION_REFUSED"]
    assert changes.fills == []


def test_a_transfer_after_the_series_last_trading_day_is_refused_as_expired() -> None:
    changes = transfer_positions(ACCOUNTS, T1, CARRIED, PRICES,
                                 {"S50M21": dt.date(2021, 4, 8)},
                                 (_transfer("S50M21", "A-01", "A-03", long=1),), ())
    assert _answers(changes) == [("transfer", "S50M21/A-01->A-03", False, "SERIES_EXPIRED")]


_ACCOUNTS = [*sorted(ACCOUNTS.accounts), "Z-1"]
_account = st.sampled_from(_ACCOUNTS)
_side = st.sampled_from(["buy", "sell"])
_amend = st.builds(AmendEntry, st.sampled_from(["1", "2", "9"]), _side,
                   st.none() | _account, st.none() | st.sampled_from(InvestorType),
                   st.none() | st.sampled_from(Flag), st.booleans())
_give_up = st.builds(GiveUpEntry, st.sampled_from(["1", "2", "9"]), _side, _account,
                     st.booleans(), st.booleans(), st.booleans())
_transfer_entry = st.builds(TransferEntry, st.sampled_from(["S50M21", "S50U21"]), _account,
                            _account, st.integers(0, 4), st.integers(0, 4), st.booleans(),
                            st.booleans())
_bulk_entry = st.builds(BulkEntry, _account, _account, st.booleans(), st.booleans())
_carried = st.dictionaries(st.tuples(st.sampled_from(sorted(ACCOUNTS.accounts)),
                                     st.just("S50M21")),
                           st.builds(Holding, st.integers(0, 4), st.integers(0, 4)),
                           max_size=5)


@SETTINGS
@given(st.lists(_amend, max_size=4), st.lists(_give_up, max_size=3),
       st.lists(_transfer_entry, max_size=4), st.lists(_bulk_entry, max_size=2), _carried,
       st.sampled_from([T, T1, dt.date(2021, 4, 16), dt.date(2021, 4, 19)]))
def test_any_requests_are_each_answered_and_move_contracts_without_making_any(
        amendments: list[AmendEntry], give_ups: list[GiveUpEntry],
        transfers: list[TransferEntry], bulk: list[BulkEntry],
        carried: dict[tuple[str, str], Holding], on: dt.date) -> None:
    changes = _apply(on=on, amendments=amendments, give_ups=give_ups, transfers=transfers,
                     bulk=bulk, carried=carried)
    # one answer per request, in the file's order: amendments, give-ups, then transfers
    assert [a.kind for a in changes.answers] == (
        ["amend"] * len(amendments) + ["give_up"] * len(give_ups)
        + ["transfer"] * len(transfers) + ["bulk_transfer"] * len(bulk))
    for answer in changes.answers:
        assert answer.accepted == (answer.code == "") and answer.accepted == (not answer.message)
        assert answer.accepted or answer.code in ErrorCode.__members__
    assert all(net == 0 for net in _net_by_series(changes.fills).values())
    assert {f.account for f in changes.fills} <= set(ACCOUNTS.accounts)


@SETTINGS
@given(st.lists(_transfer_entry, max_size=6), st.lists(_bulk_entry, max_size=3), _carried)
def test_transfers_never_move_more_than_an_account_holds_by_then(
        transfers: list[TransferEntry], bulk: list[BulkEntry],
        carried: dict[tuple[str, str], Holding]) -> None:
    changes = _apply(transfers=transfers, bulk=bulk, carried=carried)
    held = {k: list(v) for k, v in carried.items()}
    for f in changes.fills:  # in booking order: a close leaves the old account, an open lands
        long, short = held.setdefault((f.account, f.series), [0, 0])
        if f.flag is Flag.OPEN:
            held[f.account, f.series] = [long + f.qty, short] if f.side == BUY else [
                long, short + f.qty]
        else:
            held[f.account, f.series] = [long - f.qty, short] if f.side == SELL else [
                long, short - f.qty]
        assert min(held[f.account, f.series]) >= 0, (f, changes.answers)
    totals = [sum(h[i] for h in held.values()) for i in (0, 1)]
    assert totals == [sum(h[i] for h in carried.values()) for i in (0, 1)]
