"""A derivatives day's instructions (docs/derivatives.md, "Day instructions"): prices read into
hundredths of the price unit, requests kept as typed entries, and every fault refused with
INSTRUCTIONS_FILE naming the entry before anything is run; whatever bytes are given, the reader
answers with instructions or that error."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from siamex.clearing.derivatives.accounts import Approval
from siamex.clearing.derivatives.fills import Flag
from siamex.clearing.derivatives.instructions import (
    NO_INSTRUCTIONS,
    AmendEntry,
    FinalInputs,
    GiveUpEntry,
    MatchOutEntry,
    OpeningPosition,
    TransferEntry,
    instructions_from_text,
    load_instructions,
)
from siamex.clearing.foundations.members import InvestorType
from siamex.errors import ErrorCode, SiamexError

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "derivatives"
SETTINGS = settings(max_examples=60, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow])


def _refused(data: Any) -> str:
    text = data if isinstance(data, str | bytes) else json.dumps(data)
    with pytest.raises(SiamexError) as caught:
        instructions_from_text(text)
    assert caught.value.code is ErrorCode.INSTRUCTIONS_FILE, caught.value
    return caught.value.message


def test_the_normal_days_file_is_read_with_prices_in_hundredths() -> None:
    day = load_instructions(EXAMPLES / "normal-day.json")
    assert day.date == dt.date(2021, 4, 8)
    assert day.opening_positions == (OpeningPosition("A-02", "S50M21", long=5),
                                     OpeningPosition("B-01", "S50M21", short=5))
    assert day.previous_settlement_prices == {"S50M21": 100_100, "S50K21": 100_300,
                                              "S50M21C1000": 2_000, "S50M21P950": 1_100}
    assert day.intraday_prices == {"S50M21": 99_900}
    assert day.settlement_prices == {}
    assert day.approvals == (("B-MM", Approval.MARKET_MAKER),)


def test_the_changes_of_the_next_day_and_the_transfer_day_are_typed_entries() -> None:
    next_day = load_instructions(EXAMPLES / "next-day.json")
    assert next_day.amendments == (AmendEntry("1", "buy", account="A-PRT"),)
    assert next_day.give_ups == (GiveUpEntry("2", "buy", "B-01"),)
    assert next_day.match_outs == (MatchOutEntry("A-02", "S50M21", 2),)
    transfer = load_instructions(EXAMPLES / "transfer.json")
    assert transfer.transfers[2] == TransferEntry("S50M21", "A-01", "A-03", short=2,
                                                  approved=True, same_beneficiary=True)
    assert transfer.amendments == (AmendEntry("3", "sell", flag=Flag.CLOSE),)
    expiry = load_instructions(EXAMPLES / "expiry-day.json")
    assert len(expiry.final_settlement["SET50"].values) == 15
    assert expiry.final_settlement["SET50"].close == "988.20"


def test_an_empty_document_is_no_instructions() -> None:
    assert instructions_from_text("{}") == NO_INSTRUCTIONS
    assert instructions_from_text(b'{"description": "nothing today"}') == NO_INSTRUCTIONS


def test_an_amendment_names_its_new_investor_type_and_flag_by_their_values() -> None:
    day = instructions_from_text(json.dumps({"amendments": [
        {"trade_id": "7", "side": "sell", "investor_type": "foreign", "flag": "open",
         "approved": True}]}))
    assert day.amendments == (AmendEntry("7", "sell", None, InvestorType.FOREIGN, Flag.OPEN,
                                         True),)


def test_every_final_settlement_input_form_is_kept_as_given() -> None:
    day = instructions_from_text(json.dumps({"final_settlement": {
        "USDTHB": {"rate": "31.2345"}, "GOLD965": {"gold_usd": "1800.5", "thb_per_usd": "31.5"},
        "PTT": {"price": "35.25"}}}))
    assert day.final_settlement == {
        "USDTHB": FinalInputs(rate="31.2345"),
        "GOLD965": FinalInputs(gold_usd="1800.5", thb_per_usd="31.5"),
        "PTT": FinalInputs(price="35.25")}


def test_the_largest_quantity_and_price_are_accepted() -> None:
    day = instructions_from_text(json.dumps({
        "settlement_prices": {"S50M21": "1000000.00"},
        "transfers": [{"series": "S50M21", "from_account": "a", "to_account": "b",
                       "long": 1_000_000, "short": 0}],
        "match_outs": [{"account": "a", "series": "S50M21", "qty": 1_000_000}],
        "opening_positions": [{"account": "a", "series": "S50M21", "long": 0, "short": 0}]}))
    assert day.settlement_prices == {"S50M21": 100_000_000}
    assert day.transfers[0].long == day.match_outs[0].qty == 1_000_000


_TRANSFER = {"series": "S50M21", "from_account": "A-01", "to_account": "A-03"}
_MATCH_OUT = {"account": "A-02", "series": "S50M21"}


@pytest.mark.parametrize(("data", "words"), [
    ({"settlement_prices": {"S50M21": "98.5.0"}},
     "settlement_prices[S50M21]: '98.5.0' is not a decimal number"),
    ({"settlement_prices": {"S50M21": "985"}, "intraday_prices": {"S50M21": "9,85"}},
     "intraday_prices[S50M21]: '9,85' is not a decimal number"),
    ({"previous_settlement_prices": {"S50K21": "1003.001"}},
     "previous_settlement_prices[S50K21]: '1003.001' is finer than 0.01"),
    ({"settlement_prices": {"S50M21": "0"}},
     "settlement_prices[S50M21]: a price must be above zero"),
    ({"settlement_prices": {"S50M21": "0.00"}},
     "settlement_prices[S50M21]: a price must be above zero"),
    ({"settlement_prices": {"S50M21": "-985.0"}}, "settlement_prices[S50M21]: '-985.0'"),
    ({"previous_settlement_prices": {"S50M21": "1000000.01"}},
     "previous_settlement_prices[S50M21]: a price must be above zero and at most 1,000,000"),
    ({"intraday_prices": {"S50M21": "99999999999.90"}},
     "intraday_prices[S50M21]: a price must be above zero and at most 1,000,000"),
    ({"settlement_prices": {"S50M21": 985.0}}, "Expected `str`, got `float`"),
    ({"date": "2021-4-8"}, "date: date '2021-4-8' is not 'YYYY-MM-DD'"),
    ({"date": "2021-02-30"}, "date: date '2021-02-30' is not a calendar date"),
    ({"date": 20210408}, "Expected `str | null`, got `int`"),
    ({"amendments": [{"trade_id": "1", "side": "long", "flag": "close"}]},
     "amendments[1].side must be buy or sell"),
    ({"give_ups": [{"trade_id": "1", "side": "buy", "to_account": "B-01"},
                   {"trade_id": "2", "side": "BUY", "to_account": "B-01"}]},
     "give_ups[2].side must be buy or sell"),
    ({"transfers": [{**_TRANSFER, "long": 0}, {**_TRANSFER, "short": 1_000_001}]},
     "transfers[2].short: a quantity must be 0 to 1,000,000 contracts"),
    ({"transfers": [{**_TRANSFER, "long": -1}]},
     "transfers[1].long: a quantity must be 0 to 1,000,000 contracts"),
    ({"match_outs": [{**_MATCH_OUT, "qty": 0}]},
     "match_outs[1].qty: a quantity must be 1 to 1,000,000 contracts"),
    ({"match_outs": [{**_MATCH_OUT, "qty": 1_000_001}]},
     "match_outs[1].qty: a quantity must be 1 to 1,000,000"),
    ({"match_outs": [{**_MATCH_OUT, "qty": 2**70}]}, "match_outs"),
    ({"match_outs": [{**_MATCH_OUT, "qty": True}]}, "Expected `int`, got `bool`"),
    ({"match_outs": [{**_MATCH_OUT, "qty": 2.0}]}, "Expected `int`, got `float`"),
    ({"opening_positions": [{"account": "A-02", "series": "S50M21", "long": 5},
                            {"account": "B-01", "series": "S50M21", "short": -5}]},
     "opening_positions[2].short: a quantity must be 0 to 1,000,000"),
    ({"approvals": [{"account": "A-02", "approval": "gross_margin"}]},
     "Invalid enum value 'gross_margin' - at `$.approvals[0].approval`"),
    ({"amendments": [{"trade_id": "1", "side": "buy", "flag": "shut"}]},
     "Invalid enum value 'shut' - at `$.amendments[0].flag`"),
    ({"amendments": [{"trade_id": "1", "side": "buy", "investor_type": "alien"}]},
     "at `$.amendments[0].investor_type`"),
    ({"settlement_price": {"S50M21": "985.0"}}, "unknown field `settlement_price`"),
    ({"transfers": [{**_TRANSFER, "lots": 1}]},
     "unknown field `lots` - at `$.transfers[0]`"),
    ({"bulk_transfers": [{"from_account": "A-01"}]},
     "missing required field `to_account` - at `$.bulk_transfers[0]`"),
    ({"final_settlement": {"SET50": {"close": "988.2x"}}},
     "final_settlement[SET50].close: '988.2x' is not a decimal number above zero"),
    ({"final_settlement": {"USDTHB": {"rate": "0"}}},
     "final_settlement[USDTHB].rate: '0' is not a decimal number above zero"),
    ({"final_settlement": {"USDTHB": {"rate": "1e3"}}}, "final_settlement[USDTHB].rate"),
    ({"final_settlement": {"GOLD965": {"gold_usd": "1800", "thb_per_usd": "-31.5"}}},
     "final_settlement[GOLD965].thb_per_usd"),
    ({"final_settlement": {"SET50": {"values": ["988.1", "988.x"], "close": "988.2"}}},
     "final_settlement[SET50].values[2]"),
    ({"final_settlement": {"PTT": {"price": "NaN"}}}, "final_settlement[PTT].price"),
    ({"final_settlement": {"SET50": {"spot": "988"}}}, "unknown field `spot`"),
    ([], "not a derivatives instructions file"),
    ("", "not a derivatives instructions file"),
    ("{", "not a derivatives instructions file"),
    (b"\xff\xfe{}", "not a derivatives instructions file"),
    ('{"description": "\\udc00"}', "not a derivatives instructions file"),
    ("[" * 100_000, "not a derivatives instructions file"),
    ('{"final_settlement": ' + '{"x": ' * 20_000 + "{}" + "}" * 20_001,
     "not a derivatives instructions file"),
])
def test_a_bad_document_is_refused_naming_the_entry(data: Any, words: str) -> None:
    assert words in _refused(data)


def test_load_names_the_file_in_a_refusal_and_a_missing_file_is_not_found(
        tmp_path: Path) -> None:
    bad = tmp_path / "day.json"
    bad.write_text(json.dumps({"match_outs": [{**_MATCH_OUT, "qty": 0}]}))
    with pytest.raises(SiamexError) as caught:
        load_instructions(bad)
    assert caught.value.code is ErrorCode.INSTRUCTIONS_FILE
    assert caught.value.message.startswith(f"{bad}: match_outs[1].qty")
    with pytest.raises(SiamexError) as caught:
        load_instructions(tmp_path / "missing.json")
    assert caught.value.code is ErrorCode.FILE_NOT_FOUND


def _read_or_refused(data: str | bytes) -> None:
    try:
        instructions_from_text(data)
    except SiamexError as exc:
        assert exc.code is ErrorCode.INSTRUCTIONS_FILE and exc.message


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20)
_near = st.sampled_from(["S50M21", "SET50", "A-01", "buy", "sell", "open", "close", "foreign",
                         "net_margin", "985.0", "0", "-1", "1.001", "1e3", "2021-04-08", ""])
_value = (_near | st.none() | st.booleans() | st.integers(-2, 1_000_002)
          | st.lists(_near, max_size=3))
_ENTRIES: dict[str, tuple[str, ...]] = {
    "opening_positions": ("account", "series", "long", "short"),
    "approvals": ("account", "approval"),
    "amendments": ("trade_id", "side", "account", "investor_type", "flag", "approved"),
    "give_ups": ("trade_id", "side", "to_account", "approved", "agreement_copy",
                 "same_beneficiary"),
    "transfers": ("series", "from_account", "to_account", "long", "short", "approved",
                  "same_beneficiary"),
    "bulk_transfers": ("from_account", "to_account", "approved", "same_beneficiary"),
    "match_outs": ("account", "series", "qty"),
}
_PRICES = ("previous_settlement_prices", "settlement_prices", "intraday_prices")
_final = st.fixed_dictionaries({}, optional={
    k: _value for k in ("values", "close", "rate", "gold_usd", "thb_per_usd", "price")})
_documents = st.fixed_dictionaries({}, optional={
    "date": _near, **{name: st.dictionaries(_near, _value, max_size=3) for name in _PRICES},
    "final_settlement": st.dictionaries(_near, _final, max_size=2),
    **{name: st.lists(st.dictionaries(st.sampled_from(fields), _value, max_size=len(fields)),
                      max_size=2) for name, fields in _ENTRIES.items()}})


@SETTINGS
@given(st.binary(max_size=200))
def test_any_bytes_are_read_or_refused_as_an_instructions_file(data: bytes) -> None:
    _read_or_refused(data)


@SETTINGS
@given(_json)
def test_any_json_value_is_read_or_refused_as_an_instructions_file(data: Any) -> None:
    _read_or_refused(json.dumps(data))


@SETTINGS
@given(_documents)
def test_any_values_under_the_real_fields_are_read_or_refused(data: dict[str, Any]) -> None:
    _read_or_refused(json.dumps(data))
