"""Novation: two legs against TCH per trade, gross settlement, and corrections until cut-off."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest

from siamex.clearing.equities import (
    BoardType,
    GiveUp,
    NovationBook,
    SettlementMode,
    Side,
    net,
    novate,
    trades_from_csv,
)
from siamex.clearing.foundations.members import AccountType, InvestorType, load_registry
from siamex.clearing.foundations.parameters import ClearingRules
from siamex.errors import ErrorCode, SiamexError

ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = ROOT / "examples" / "clearing"
REGISTRY = load_registry(EXAMPLES / "members.json")
HEADER = ("trade_id,trade_date,symbol,board,price,qty,buy_member,buy_account,sell_member,"
          "sell_account")
E1 = (EXAMPLES / "trades.csv").read_text().splitlines()
T, SD = dt.date(2021, 4, 8), dt.date(2021, 4, 12)
REPORTS = [HEADER,
           "R50,2021-04-08,PTT,big_lot,50.00,1000000,A,A-PRT,C,C-CLT",
           "R49,2021-04-08,PTT,big_lot,49.99,1000000,A,A-PRT,C,C-CLT",
           "M60,2021-04-08,PTT,main,30.00,2000000,A,A-PRT,C,C-CLT",
           "N1,2021-04-08,PTT-F,main,30.00,1000,N,N-CLT,C,C-FGN"]


def _at(day: dt.date, clock: str) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.fromisoformat(clock))


def _book(lines: list[str] = E1, rules: ClearingRules | None = None) -> NovationBook:
    return novate(trades_from_csv(lines, REGISTRY), rules or ClearingRules())


def _refused(code: ErrorCode, book: NovationBook, request: Callable[[], object]) -> str:
    """Run a request that must be refused; check it left the legs and give-ups unchanged."""
    legs, offers = book.legs(), book.give_ups()
    with pytest.raises(SiamexError) as caught:
        request()
    assert caught.value.code is code
    assert book.legs() == legs and book.give_ups() == offers
    return caught.value.message


def test_each_trade_becomes_a_buy_leg_and_a_sell_leg_against_tch() -> None:
    buy, sell = _book().legs_of("1")
    assert (buy.side, buy.member, buy.account.account, buy.account_type) == (
        Side.BUY, "A", "A-CLT", AccountType.CLIENT)
    assert (sell.side, sell.member, sell.account.account) == (Side.SELL, "B", "B-CLT")
    for leg in (buy, sell):
        assert (leg.security, leg.qty, leg.value, leg.trade_date, leg.settlement_date,
                leg.mode) == ("X", 10_000, 300_000_00, T, SD, SettlementMode.NET)
    assert len(_book().legs()) == 12


def test_the_gcm_owes_the_legs_of_the_member_it_clears_for() -> None:
    buy, sell = _book(REPORTS).legs_of("N1")
    assert (buy.account.member, buy.member, buy.board_type) == ("N", "A", BoardType.FOREIGN)
    assert (sell.member, sell.investor_type) == ("C", InvestorType.FOREIGN)


def test_a_trade_keeps_what_was_executed_while_its_legs_are_corrected() -> None:
    book = _book()
    book.correct_account("1", Side.BUY, "A-PRT", _at(T, "18:00"))
    assert book.trade("1").buyer.account == "A-CLT"
    assert book.legs_of("1")[0].account.account == "A-PRT"
    assert "no novated trade 99" in _refused(ErrorCode.CORRECTION_REFUSED, book,
                                             lambda: book.trade("99"))


def test_a_trade_id_novated_twice_refuses_the_batch_and_changes_nothing() -> None:
    book = _book()
    before = book.legs()
    with pytest.raises(SiamexError) as caught:
        book.add(trades_from_csv(E1[:2], REGISTRY))
    assert caught.value.code is ErrorCode.TRADE_FILE and book.legs() == before
    book.add(trades_from_csv(REPORTS, REGISTRY))
    assert len(book) == 10 and book.legs_of("R50")[0].security == "PTT"


def test_trades_read_against_another_registry_are_refused() -> None:
    other = load_registry(EXAMPLES / "members.json")
    with pytest.raises(SiamexError) as caught:
        NovationBook(other).add(trades_from_csv(E1, REGISTRY))
    assert caught.value.code is ErrorCode.TRADE_FILE


def test_gross_settlement_is_only_for_trade_reports_of_50_million() -> None:
    book = _book(REPORTS)
    book.choose_gross("R50", SD, _at(T, "14:00"))
    assert {leg.mode for leg in book.legs_of("R50")} == {SettlementMode.NET}  # unconfirmed
    book.confirm_gross("R50", _at(T, "14:00"))
    assert {leg.mode for leg in book.legs_of("R50")} == {SettlementMode.GROSS}
    message = _refused(ErrorCode.GROSS_NOT_ALLOWED, book,
                       lambda: book.choose_gross("R49", SD, _at(T, "14:00")))
    assert "at least 50000000.00 THB" in message and "49990000.00" in message
    message = _refused(ErrorCode.GROSS_NOT_ALLOWED, book,
                       lambda: book.choose_gross("M60", SD, _at(T, "14:00")))
    assert "a matched trade" in message
    _refused(ErrorCode.CORRECTION_REFUSED, book,
             lambda: book.choose_gross("R50", T, _at(T, "14:00")))


def test_the_gross_date_is_a_business_day_from_t_to_the_net_settlement_date() -> None:
    for day in (T, dt.date(2021, 4, 9), SD):
        book = _book(REPORTS)
        book.choose_gross("R50", day, _at(T, "09:00"))
        book.confirm_gross("R50", _at(T, "09:00"))
        assert book.legs_of("R50")[0].settlement_date == day
    book = _book(REPORTS)
    for day in (dt.date(2021, 4, 7), dt.date(2021, 4, 10), dt.date(2021, 4, 16)):
        _refused(ErrorCode.GROSS_NOT_ALLOWED, book,
                 lambda day=day: book.choose_gross("R50", day, _at(T, "09:00")))


@pytest.mark.parametrize(("day", "when", "code"), [
    (T, "15:00", None), (T, "15:00:01", ErrorCode.CUTOFF_PASSED),
    (dt.date(2021, 4, 9), "15:00", None), (SD, "12:30", None),
    (SD, "12:30:00.000001", ErrorCode.CUTOFF_PASSED), (dt.date(2021, 4, 13),
                                                       "09:00", ErrorCode.CUTOFF_PASSED)])
def test_gross_settlement_is_created_by_1500_before_the_day_and_1230_on_it(
        day: dt.date, when: str, code: ErrorCode | None) -> None:
    book = _book(REPORTS)

    def request() -> None:
        book.choose_gross("R50", SD, _at(day, when))

    if code is None:
        request()
        assert book.pending_gross() == {"R50": SD}
    else:
        assert "gross settlement for trade R50" in _refused(code, book, request)


# clearing-spec.md 3.4: 20:00 on T..SD-1 and 11:30 on SD (T Thu 8 Apr, SD Mon 12 Apr 2021)
_ACCOUNT_WINDOW = [
    (T, "20:00", None), (T, "20:00:01", ErrorCode.CUTOFF_PASSED),
    (dt.date(2021, 4, 9), "08:00", None), (dt.date(2021, 4, 9), "20:01", ErrorCode.CUTOFF_PASSED),
    (SD, "11:30", None), (SD, "11:30:01", ErrorCode.CUTOFF_PASSED),
    (dt.date(2021, 4, 13), "09:00", ErrorCode.CUTOFF_PASSED),
    (dt.date(2021, 4, 7), "12:00", ErrorCode.CORRECTION_REFUSED),
    (dt.date(2021, 4, 10), "12:00", ErrorCode.CORRECTION_REFUSED),
]


@pytest.mark.parametrize(("day", "when", "code"), _ACCOUNT_WINDOW)
def test_an_account_correction_closes_at_2000_before_sd_and_1130_on_sd(
        day: dt.date, when: str, code: ErrorCode | None) -> None:
    book = _book()
    before = net(book)

    def request() -> None:
        book.correct_account("1", Side.BUY, "A-PRT", _at(day, when))

    if code is None:
        request()
        buy = book.legs_of("1")[0]
        assert (buy.account.account, buy.account_type, buy.investor_type) == (
            "A-PRT", AccountType.PORTFOLIO, InvestorType.LOCAL_INSTITUTION)
    else:
        _refused(code, book, request)
        assert net(book) == before


@pytest.mark.parametrize(("chosen", "day", "when", "code"), [
    (SD, T, "14:00", None), (SD, T, "14:00:01", ErrorCode.CUTOFF_PASSED),
    (SD, dt.date(2021, 4, 9), "20:00", None),  # next-day settlement: by 20:00 the day before
    (SD, dt.date(2021, 4, 9), "20:00:01", ErrorCode.CUTOFF_PASSED),
    (T, T, "10:00", None), (T, T, "10:00:01", ErrorCode.CUTOFF_PASSED),  # same-day: 10:00
    (SD, SD, "10:00", None), (SD, SD, "10:00:01", ErrorCode.CUTOFF_PASSED)])
def test_the_counterparty_confirms_a_gross_item_by_its_own_cut_offs(
        chosen: dt.date, day: dt.date, when: str, code: ErrorCode | None) -> None:
    book = _book(REPORTS)
    book.choose_gross("R50", chosen, _at(T, "09:00"))

    def confirm() -> None:
        book.confirm_gross("R50", _at(day, when))

    if code is None:
        confirm()
        assert book.legs_of("R50")[0].mode is SettlementMode.GROSS
        assert book.pending_gross() == {}
    else:
        _refused(code, book, confirm)
        assert book.pending_gross() == {"R50": chosen}


def test_a_gross_item_is_confirmed_once_and_only_when_created() -> None:
    book = _book(REPORTS)
    _refused(ErrorCode.CORRECTION_REFUSED, book,
             lambda: book.confirm_gross("R50", _at(T, "09:00")))
    book.choose_gross("R50", SD, _at(T, "09:00"))
    book.confirm_gross("R50", _at(T, "09:00"))
    _refused(ErrorCode.CORRECTION_REFUSED, book,
             lambda: book.confirm_gross("R50", _at(T, "09:01")))


def test_a_late_correction_says_when_it_was_due() -> None:
    book = _book()
    message = _refused(ErrorCode.CUTOFF_PASSED, book, lambda: book.correct_investor_type(
        "1", Side.SELL, InvestorType.FOREIGN, _at(SD, "11:45")))
    assert message == ("investor-type correction for trade 1 is due by 11:30 on 2021-04-12 "
                       "(20:00 on T..SD-1, 11:30 on SD 2021-04-12); it came at 11:45:00")


def test_the_cut_offs_are_parameters() -> None:
    book = _book(rules=ClearingRules({"trade_correction_cutoff_sd": "12:00"}))
    book.correct_investor_type("1", Side.SELL, InvestorType.FOREIGN, _at(SD, "11:45"))
    assert book.legs_of("1")[1].investor_type is InvestorType.FOREIGN


def test_an_account_correction_stays_within_the_trading_member() -> None:
    book = _book()
    message = _refused(ErrorCode.CORRECTION_REFUSED, book,
                       lambda: book.correct_account("1", Side.BUY, "C-CLT", _at(T, "18:00")))
    assert message == "account correction: member A has no account C-CLT"


def test_board_type_changes_follow_each_sides_list_and_cut_off() -> None:
    book = _book()
    book.change_board_type("1", Side.BUY, BoardType.NVDR, _at(T, "19:00"))
    assert book.legs_of("1")[0].security == "X-R"
    message = _refused(ErrorCode.CORRECTION_REFUSED, book, lambda: book.change_board_type(
        "1", Side.SELL, BoardType.FOREIGN, _at(T, "19:00")))
    assert "the sell side may change local->nvdr, nvdr->local, not local->foreign" in message
    _refused(ErrorCode.CORRECTION_REFUSED, book, lambda: book.change_board_type(
        "2", Side.BUY, BoardType.LOCAL, _at(T, "19:00")))
    # on SD the sell side has until 13:15, the buy side until 11:30
    book.change_board_type("3", Side.SELL, BoardType.NVDR, _at(SD, "13:15"))
    assert book.legs_of("3")[1].security == "X-R"
    _refused(ErrorCode.CUTOFF_PASSED, book, lambda: book.change_board_type(
        "4", Side.BUY, BoardType.NVDR, _at(SD, "12:00")))


def test_a_give_up_moves_the_leg_once_taken_up() -> None:
    book = _book()
    offer = book.give_up("1", Side.BUY, "C", _at(T, "17:00"))
    assert offer == GiveUp("1", Side.BUY, "A", "C") and book.give_ups() == [offer]
    assert book.legs_of("1")[0].member == "A"
    _refused(ErrorCode.CORRECTION_REFUSED, book,
             lambda: book.give_up("1", Side.BUY, "B", _at(T, "17:00")))
    _refused(ErrorCode.CORRECTION_REFUSED, book,
             lambda: book.take_up("1", Side.BUY, "A-PRT", _at(T, "18:00")))
    _refused(ErrorCode.CUTOFF_PASSED, book,
             lambda: book.take_up("1", Side.BUY, "C-CLT", _at(SD, "11:31")))
    book.take_up("1", Side.BUY, "C-CLT", _at(SD, "11:30"))
    buy = book.legs_of("1")[0]
    assert (buy.member, buy.account.account, book.give_ups()) == ("C", "C-CLT", [])


def test_a_give_up_needs_another_member_and_a_take_up_needs_a_give_up() -> None:
    book = _book()
    for to_member in ("A", "Q"):
        _refused(ErrorCode.CORRECTION_REFUSED, book,
                 lambda to_member=to_member: book.give_up("1", Side.BUY, to_member,
                                                          _at(T, "17:00")))
    _refused(ErrorCode.CORRECTION_REFUSED, book,
             lambda: book.take_up("1", Side.SELL, "C-CLT", _at(T, "17:00")))
    _refused(ErrorCode.CUTOFF_PASSED, book,
             lambda: book.give_up("1", Side.SELL, "C", _at(SD, "11:31")))


def test_a_give_up_to_a_member_that_does_not_clear_is_owed_by_its_gcm() -> None:
    book = _book()
    book.give_up("6", Side.SELL, "N", _at(T, "12:00"))
    book.take_up("6", Side.SELL, "N-CLT", _at(T, "12:05"))
    sell = book.legs_of("6")[1]
    assert (sell.account.member, sell.member) == ("N", "A")
