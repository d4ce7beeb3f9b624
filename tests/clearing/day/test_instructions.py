"""Day instructions (docs/clearing.md "Day instructions"): a whole document read into exact
values (prices in satang, percentages as Fraction, THB amounts in satang, naive Bangkok
datetimes), and every fault refused with INSTRUCTIONS_FILE naming the entry, before anything
is run; whatever JSON is given, the reader answers with instructions or that error."""

from __future__ import annotations

import datetime as dt
import json
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from siamex.clearing.day.instructions import (
    NO_INSTRUCTIONS,
    DayInstructions,
    instructions_from_json,
    load_instructions,
)
from siamex.clearing.default.declaration import Repayment
from siamex.clearing.default.fund import Contribution
from siamex.clearing.equities.book_changes import BookChange, BookOperation
from siamex.clearing.equities.novation import Side
from siamex.clearing.equities.remedies import BuyInOffer, HumanError, LendingOffer
from siamex.clearing.foundations.members import (
    Account,
    AccountType,
    Member,
    MemberRegistry,
    MemberType,
)
from siamex.clearing.risk.collateral import CollateralQuote, CollateralRequest
from siamex.clearing.risk.measures import AssetKind
from siamex.errors import ErrorCode, SiamexError

BAHT = 100
REGISTRY = MemberRegistry(
    [Member("A", MemberType.GCM, 600_000_000 * BAHT), Member("B", MemberType.DCM,
                                                             450_000_000 * BAHT)],
    [Account("A", "A-CLT", AccountType.CLIENT, "A"), Account("B", "B-PRT",
                                                            AccountType.PORTFOLIO, "B")])


def _document() -> dict[str, Any]:
    """One of every entry the file may hold, each with its fields written out."""
    return {
        "description": "the day after the settlement date",
        "prices": {"X": "30.25", "Y": "100"},
        "risk_pct": {"X": "6.58", "Y": 8},
        "stress_losses": {"A": "9000000.00", "B": "0"},
        "sbl_fee_pct": "1.5",
        "book": [
            {"op": "account", "trade_id": "7", "side": "buy", "value": "A-CLT",
             "at": "2021-04-09T10:15:00"},
            {"op": "investor_type", "trade_id": "8", "side": "sell", "value": "foreign",
             "at": "2021-04-09T10:16:00"},
            {"op": "board", "trade_id": "9", "side": "buy", "value": "nvdr",
             "at": "2021-04-09T10:17:00"},
            {"op": "give_up", "trade_id": "10", "side": "sell", "value": "B",
             "at": "2021-04-09T10:18:00"},
            {"op": "gross", "trade_id": "11", "value": "2021-04-12",
             "at": "2021-04-09T10:19:30.250000"},
        ],
        "lending_offers": [
            {"lender": "B", "security": "X", "qty": 1_000},
            {"lender": "A", "security": "Y", "qty": 5, "account_type": "client"},
        ],
        "buy_in_offers": [{"seller": "A", "security": "X", "qty": 300, "price": "31.00"}],
        "human_errors": [{"member": "B", "security": "Y"}],
        "collateral": [
            {"member": "A", "op": "deposit", "asset": "THB", "qty": "1000000.50",
             "at": "2021-04-09T09:00:00", "ref": "d1"},
            {"member": "A", "op": "withdraw", "asset": "LB26", "qty": 10,
             "at": "2021-04-09T12:00:00", "ref": "w1"},
        ],
        "collateral_quotes": {
            "LB26": {"kind": "thai_govt_bond", "price": "1000", "haircut_pct": "5"},
            "PTT": {"kind": "set_listed_share", "price": "30", "haircut_pct": "20",
                    "issuer_group": "PTT-GROUP"},
        },
        "contributions": [{"member": "A", "amount": "25000000", "ref": "initial"}],
        "set_fund": {"tranche_2": "140000000", "reserve_fund": "2000000000.00"},
        "repayments": [{"member": "B", "default_date": "2021-03-05"}],
    }


def _refused(data: Any) -> str:
    with pytest.raises(SiamexError) as caught:
        instructions_from_json(data, REGISTRY)
    assert caught.value.code is ErrorCode.INSTRUCTIONS_FILE
    return caught.value.message


def _with(**changes: Any) -> dict[str, Any]:
    return {**_document(), **changes}


def test_a_whole_document_is_read_into_exact_values() -> None:
    got = instructions_from_json(_document(), REGISTRY)
    assert got.prices == {"X": 3_025, "Y": 10_000}  # satang a share
    assert got.risk_pct == {"X": Fraction(658, 100), "Y": Fraction(8)}
    assert got.stress_losses == {"A": 9_000_000 * BAHT, "B": 0}
    assert got.sbl_fee_pct == Fraction(3, 2)
    assert got.book == (
        BookChange(BookOperation.ACCOUNT, "7", Side.BUY, "A-CLT", dt.datetime(2021, 4, 9, 10, 15)),
        BookChange(BookOperation.INVESTOR_TYPE, "8", Side.SELL, "foreign",
                   dt.datetime(2021, 4, 9, 10, 16)),
        BookChange(BookOperation.BOARD, "9", Side.BUY, "nvdr", dt.datetime(2021, 4, 9, 10, 17)),
        BookChange(BookOperation.GIVE_UP, "10", Side.SELL, "B", dt.datetime(2021, 4, 9, 10, 18)),
        BookChange(BookOperation.GROSS, "11", None, "2021-04-12",
                   dt.datetime(2021, 4, 9, 10, 19, 30, 250_000)),
    )
    assert got.lending_offers == (LendingOffer("B", "X", 1_000, AccountType.PORTFOLIO),
                                  LendingOffer("A", "Y", 5, AccountType.CLIENT))
    assert got.buy_in_offers == (BuyInOffer("A", "X", 300, 3_100, AccountType.PORTFOLIO),)
    assert got.human_errors == (HumanError("B", "Y"),)
    assert got.collateral == (
        CollateralRequest("A", "deposit", "THB", 100_000_050, dt.datetime(2021, 4, 9, 9, 0),
                          "d1"),  # THB in satang
        CollateralRequest("A", "withdraw", "LB26", 10, dt.datetime(2021, 4, 9, 12, 0), "w1"),
    )
    assert got.collateral_quotes == {
        "LB26": CollateralQuote(AssetKind.THAI_GOVT_BOND, 100_000, Fraction(5), None),
        "PTT": CollateralQuote(AssetKind.SET_LISTED_SHARE, 3_000, Fraction(20), "PTT-GROUP"),
    }
    assert got.contributions == (Contribution("A", 25_000_000 * BAHT, "initial"),)
    assert got.set_fund == (140_000_000 * BAHT, 2_000_000_000 * BAHT)
    assert got.repayments == (Repayment("B", dt.date(2021, 3, 5)),)
    assert all(c.at.tzinfo is None for c in got.collateral)


def test_an_empty_document_is_no_instructions() -> None:
    assert instructions_from_json({}, REGISTRY) == NO_INSTRUCTIONS == DayInstructions()
    assert instructions_from_json({"set_fund": None}, REGISTRY).set_fund is None


def _entry(name: str, number: int = 0, **changes: Any) -> dict[str, Any]:
    """The document with entry `number` of list `name` changed (a None value drops a field)."""
    data = _document()
    entry = {**data[name][number], **changes}
    data[name][number] = {k: v for k, v in entry.items() if v is not None}
    return data


@pytest.mark.parametrize(("data", "words"), [
    ([], "day instructions are a JSON object"),
    (_with(colour="red", weather="hot"), "unknown field colour, weather"),
    # unknown members, wherever a member is named
    (_entry("contributions", member="Z"), "contributions[1].member: unknown member 'Z'"),
    (_entry("collateral", 1, member="N"), "collateral[2].member: unknown member 'N'"),
    (_entry("lending_offers", lender=7), "lending_offers[1].lender: unknown member 7"),
    (_entry("book", 3, value="Z"), "book[4].value: unknown member 'Z'"),
    (_with(stress_losses={"Q": "1"}), "stress_losses.Q: unknown member 'Q'"),
    # money is a THB string: a JSON number, integer or float, is refused
    (_entry("contributions", amount=25000000.0), "contributions[1].amount: an amount is a "
                                                 "decimal string, got float"),
    (_entry("contributions", amount=25000000), "contributions[1].amount: an amount is a "
                                               "decimal string, got int"),
    (_entry("collateral", qty=1000.5), "collateral[1].qty: an amount is a decimal string"),
    (_with(set_fund={"tranche_2": 1.5, "reserve_fund": "0"}), "set_fund.tranche_2: an amount"),
    (_with(stress_losses={"A": 9e6}), "stress_losses.A: an amount is a decimal string"),
    (_entry("contributions", amount="1.234"), "with at most two decimals"),
    (_entry("contributions", amount="0"), "contributions[1].amount: must be above zero"),
    (_entry("contributions", amount="-5"), "contributions[1].amount: must be above zero"),
    (_with(set_fund={"tranche_2": "-1", "reserve_fund": "0"}), "set_fund.tranche_2: must be"),
    (_with(prices={"X": 30.25}), "prices.X: must be a decimal string, got float"),
    (_with(prices={"X": "0"}), "prices.X: a price must be above zero"),
    (_with(prices={"X": "30.255"}), "prices.X: '30.255' is finer than 0.01 THB"),
    # quantities are whole shares above zero
    (_entry("lending_offers", qty=0), "lending_offers[1].qty: must be a whole number of shares"
                                      " above zero, got 0"),
    (_entry("buy_in_offers", qty=-300), "buy_in_offers[1].qty: must be a whole number of "
                                        "shares above zero, got -300"),
    (_entry("collateral", 1, qty=0), "collateral[2].qty: must be a whole number of shares"),
    (_entry("collateral", 1, qty=2.0), "collateral[2].qty: must be a whole number of shares"),
    (_entry("collateral", 1, qty=True), "collateral[2].qty: must be a whole number of shares"),
    (_entry("collateral", 1, qty="10"), "collateral[2].qty: must be a whole number of shares"),
    # operations
    (_entry("book", op="cancel"), "book[1]: `op` must be one of account, board, give_up, gross, "
                                  "gross_confirm, investor_type, take_up, got 'cancel'"),
    (_entry("book", op=["account"]), "book[1]: `op` must be one of"),
    (_entry("book", op=None), "book[1]: `op` must be one of"),
    (_entry("collateral", op="pledge"), "collateral[1].op: must be deposit or withdraw, "
                                        "got 'pledge'"),
    (_entry("book", side="both"), "book[1].side: must be one of buy, sell, got 'both'"),
    (_entry("book", 1, value="martian"), "book[2].value: must be one of local_individual"),
    (_entry("book", 2, value="otc"), "book[3].value: must be one of local, foreign, nvdr"),
    (_entry("book", 4, value="12-04-2021"), "book[5].value: must be a date such as"),
    # datetimes are naive Bangkok times
    (_entry("collateral", at="9am"), "collateral[1].at: must be a Bangkok date and time such "
                                     "as \"2021-04-09T10:00:00\", got '9am'"),
    (_entry("collateral", at="2021-04-31T09:00:00"), "collateral[1].at: must be a Bangkok"),
    (_entry("book", at=1618000000), "book[1].at: must be a Bangkok date and time"),
    (_entry("collateral", at="2021-04-09T09:00:00+07:00"),
     "collateral[1].at: must be a Bangkok date and time such as \"2021-04-09T10:00:00\", got "
     "'2021-04-09T09:00:00+07:00'"),
    (_entry("book", at="2021-04-09T03:00:00Z"), "book[1].at: must be a Bangkok date and time"),
    (_entry("repayments", default_date="2021-04-09T00:00:00"),
     "repayments[1].default_date: must be a date such as \"2021-04-09\""),
    # unknown fields in an entry, and entries of the wrong shape
    (_entry("collateral", colour="red"), "collateral[1]: unknown field colour"),
    (_entry("contributions", note="x", memo="y"), "contributions[1]: unknown field memo, note"),
    (_with(human_errors=[["B", "Y"]]), "human_errors[1]: must be an object"),
    (_with(book={"op": "account"}), "book: must be a list"),
    (_with(prices=["X", "30"]), "prices: must be an object"),
    (_entry("human_errors", security=""), "human_errors[1].security: must be a non-empty string"),
    (_entry("contributions", ref=None), "contributions[1].ref: must be a non-empty string"),
    # collateral quotes
    (_with(collateral_quotes={"THB": {"kind": "cash_thb", "price": "1"}}),
     "collateral_quotes.THB.kind: THB cash needs no quote"),
    (_with(collateral_quotes={"G": {"kind": "gold", "price": "1"}}),
     "collateral_quotes.G.kind: must be one of cash_thb, set_listed_share"),
    (_with(collateral_quotes={"B1": {"kind": "bot_bond", "price": "1", "rating": "AAA"}}),
     "collateral_quotes.B1: must be an object with haircut_pct, issuer_group, kind, price"),
    (_with(collateral_quotes={"B1": {"kind": "bot_bond", "price": "1", "issuer_group": 3}}),
     "collateral_quotes.B1.issuer_group: must be a string"),
    (_with(collateral_quotes={"B1": {"kind": "bot_bond", "price": "1", "haircut_pct": "101"}}),
     "collateral_quotes.B1.haircut_pct: must be between 0 and 100 percent, got '101'"),
    # percentages
    (_with(risk_pct={"X": 6.58}), "risk_pct.X: must be a percentage such as \"6.58\""),
    (_with(risk_pct={"X": "-1"}), "risk_pct.X: must be between 0 and 100 percent"),
    (_with(risk_pct={"X": "six"}), "risk_pct.X: must be a percentage, got 'six'"),
    (_with(sbl_fee_pct="1e999999999"), "sbl_fee_pct: must be a percentage, got '1e999999999'"),
    (_with(sbl_fee_pct=True), "sbl_fee_pct: must be a percentage such as"),
    # the SET fund names both its amounts and nothing else
    (_with(set_fund={"tranche_2": "140000000"}),
     "set_fund: must be an object with tranche_2 and reserve_fund"),
    (_with(set_fund={"reserve_fund": "1", "tranche_2": "1", "tranche_3": "1"}),
     "set_fund: must be an object with tranche_2 and reserve_fund"),
    (_with(set_fund="140000000"), "set_fund: must be an object with tranche_2 and reserve_fund"),
    (_with(set_fund={"tranche_2": "-1", "reserve_fund": "0"}),
     "set_fund.tranche_2: must be zero or more, got '-1'"),
    (_with(month_end="2021-13"), "month_end: must be a month such as \"2021-03\""),
    (_with(psms=[{"op": "swap", "at": "2021-04-09T10:00:00"}]), "psms[1].op: must be one of"),
    (_with(psms=[{"op": "cancel", "at": "2021-04-09T10:00:00", "id": "m", "quantity": 1}]),
     "psms[1]: a cancel takes no quantity"),
    (_with(psms=[{"op": "merge", "at": "2021-04-09T10:00:00", "ids": ["m"], "new_id": "n"}]),
     "psms[1].ids: a merge takes two or more instruction ids"),
    (_with(psms=[{"op": "edit", "at": "2021-04-09T10:00:00", "id": "m"}]),
     "psms[1]: an edit changes quantity, amount or client_ref"),
    (_with(psms=[{"op": "create", "at": "2021-04-09T10:00:00", "id": "m", "member": "A",
                  "agent": "A", "entered_by": "broker"}]), "psms[1].entered_by: must be one"),
    (_with(month_end=202103), "month_end: must be a month such as \"2021-03\""),
    # a ref names one request: given twice it would post once, or conflict
    (_with(contributions=[{"member": "A", "amount": "1", "ref": "r"},
                          {"member": "A", "amount": "2", "ref": "r"}]),
     "contributions[2]: A r is given twice"),
    (_with(collateral=[{"member": "A", "op": "deposit", "asset": "THB", "qty": "1",
                        "at": "2021-04-09T09:00:00", "ref": "r"}] * 2),
     "collateral[2]: A deposit r is given twice"),
])
def test_a_bad_document_is_refused_naming_the_entry(data: Any, words: str) -> None:
    assert words in _refused(data)


def test_load_reads_a_file_and_names_it_in_a_refusal(tmp_path: Path) -> None:
    good = tmp_path / "day.json"
    good.write_text(json.dumps(_document()), encoding="utf-8")
    assert load_instructions(good, REGISTRY) == instructions_from_json(_document(), REGISTRY)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(_entry("contributions", member="Z")), encoding="utf-8")
    with pytest.raises(SiamexError) as caught:
        load_instructions(bad, REGISTRY)
    assert caught.value.code is ErrorCode.INSTRUCTIONS_FILE
    assert caught.value.message == f"{bad}: contributions[1].member: unknown member 'Z'"


def test_a_money_amount_written_as_a_json_number_is_refused_from_the_file(
        tmp_path: Path) -> None:
    path = tmp_path / "day.json"
    path.write_text('{"contributions": [{"member": "A", "amount": 0.1, "ref": "r"}]}')
    with pytest.raises(SiamexError) as caught:
        load_instructions(path, REGISTRY)
    assert caught.value.code is ErrorCode.INSTRUCTIONS_FILE
    assert "contributions[1].amount" in caught.value.message


def test_a_missing_file_is_file_not_found(tmp_path: Path) -> None:
    with pytest.raises(SiamexError) as caught:
        load_instructions(tmp_path / "none.json", REGISTRY)
    assert caught.value.code is ErrorCode.FILE_NOT_FOUND
    assert str(tmp_path / "none.json") in caught.value.message


@pytest.mark.parametrize("content", [
    b"{", b"prices: {X: 30}", b"", b"\xff\xfe\x00{}",  # not JSON, not UTF-8
    b"[" * 100_000 + b"]" * 100_000,  # nested too deep to read
    b'{"sbl_fee_pct": ' + b"1" * 5_000 + b"}",  # a number too long to read
])
def test_a_file_that_is_not_json_is_refused(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "day.json"
    path.write_bytes(content)
    with pytest.raises(SiamexError) as caught:
        load_instructions(path, REGISTRY)
    assert caught.value.code is ErrorCode.INSTRUCTIONS_FILE
    assert caught.value.message.startswith(f"{path}: not JSON")


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20)
_TOP = ("description", "prices", "risk_pct", "stress_losses", "sbl_fee_pct", "book",
        "lending_offers", "buy_in_offers", "human_errors", "collateral", "collateral_quotes",
        "contributions", "set_fund", "repayments", "month_end", "psms")
# each list's own fields, so that generated entries reach the reading of their values
_ENTRY_FIELDS = {
    "book": ("op", "trade_id", "side", "value", "at"),
    "lending_offers": ("lender", "security", "qty", "account_type"),
    "buy_in_offers": ("seller", "security", "qty", "price", "account_type"),
    "human_errors": ("member", "security"),
    "collateral": ("member", "op", "asset", "qty", "at", "ref"),
    "contributions": ("member", "amount", "ref"),
    "repayments": ("member", "default_date"),
    "psms": ("op", "at", "id", "ids", "other", "new_id", "member", "agent", "entered_by",
             "client_ref", "type", "side", "symbol", "board", "quantity", "amount",
             "trade_date", "settlement_date", "to_board"),
}
# values near the real ones, so that generated documents get past the first checks
_near = st.sampled_from([
    "A", "B", "Z", "X", "THB", "LB26", "deposit", "withdraw", "buy", "sell", "account", "board",
    "give_up", "gross", "investor_type", "nvdr", "foreign", "1", "30.25", "1.234", "-1", "0",
    "6.58", "1/3", "1e5", "2021-04-09", "2021-04-09T10:00:00", "2021-04-09T10:00:00+07:00",
    "thai_govt_bond", "set_listed_share", "cash_thb", "portfolio", "client", "tranche_2",
    "reserve_fund", "kind", "price", "haircut_pct", "issuer_group", "create", "edit", "merge",
    "match", "dematch", "cancel", "member", "agent", "clearing_to_custodian", "deliver",
    "receive", "local", "2021-03", ""])
_value = st.recursive(
    _near | st.none() | st.booleans() | st.integers(-3, 2_000) | st.floats(allow_nan=False)
    | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_near, inner, max_size=5),
    max_leaves=20)
_entries = st.sampled_from(sorted(_ENTRY_FIELDS)).flatmap(
    lambda name: st.tuples(st.just(name), st.lists(
        st.dictionaries(st.sampled_from(_ENTRY_FIELDS[name]), _value, max_size=6),
        min_size=1, max_size=3)))


def _answers(data: Any) -> None:
    """Instructions, or INSTRUCTIONS_FILE: never another exception."""
    try:
        got = instructions_from_json(data, REGISTRY)
    except SiamexError as exc:
        assert exc.code is ErrorCode.INSTRUCTIONS_FILE
        assert exc.message
    else:
        assert isinstance(got, DayInstructions)


@settings(max_examples=200, deadline=None, derandomize=True)
@given(_json)
def test_any_json_value_is_read_or_refused_as_an_instructions_file(data: Any) -> None:
    _answers(data)


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.dictionaries(st.sampled_from(_TOP), _value, max_size=6))
def test_any_values_under_the_real_fields_are_read_or_refused(data: dict[str, Any]) -> None:
    _answers(data)


@settings(max_examples=200, deadline=None, derandomize=True)
@given(_entries)
def test_any_entries_of_a_list_are_read_or_refused(
        entries: tuple[str, list[dict[str, Any]]]) -> None:
    name, listed = entries
    _answers({name: listed})


@pytest.mark.parametrize(("data", "words"), [
    (_entry("lending_offers", qty=10**12 + 1), "lending_offers[1].qty: must be at most "
                                               "1,000,000,000,000 shares"),
    (_entry("contributions", amount="100000000000000.01"),
     "contributions[1].amount: '100000000000000.01' is beyond the largest amount"),
    (_entry("contributions", amount="9" * 5000), "contributions[1].amount: '9999"),
    (_entry("collateral", at="2021-04-09T09:00:00+07:00"), "collateral[1].at: must be a Bangkok"),
    (_entry("collateral", at="20210409T090000"), "collateral[1].at: must be a Bangkok"),
    (_entry("repayments", default_date="2021-W14-5"), "repayments[1].default_date: must be a date"),
    (_entry("repayments", default_date="20210409"), "repayments[1].default_date: must be a date"),
])
def test_a_value_beyond_the_documented_forms_and_maxima_is_refused(data: Any,
                                                                    words: str) -> None:
    assert words in _refused(data)


def test_a_lone_surrogate_refuses_the_file(tmp_path: Path) -> None:
    path = tmp_path / "day.json"
    path.write_text('{"human_errors": [{"member": "A", "security": "X\\udc00"}]}')
    with pytest.raises(SiamexError) as caught:
        load_instructions(path, REGISTRY)
    assert caught.value.code is ErrorCode.INSTRUCTIONS_FILE and "not JSON" in caught.value.message


def test_many_requests_are_checked_for_repeats_in_linear_time() -> None:
    requests = [{"member": "A", "amount": "1", "ref": f"r{n}"} for n in range(50_000)]
    day = instructions_from_json({"contributions": requests}, REGISTRY)
    assert len(day.contributions) == 50_000
