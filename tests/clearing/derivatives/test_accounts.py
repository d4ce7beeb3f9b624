"""The derivatives account file (clearing-spec.md 1, 2.3, 4.2): members qualified on their own
least equity, accounts with their defaults, what they ask TCH to approve and what is in force,
and every fault refused with ACCOUNT_FILE naming the entry; whatever bytes are given, the
reader answers with an account book or a SiamexError."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from siamex.clearing.derivatives.accounts import (
    Approval,
    DerivativesAccount,
    Owner,
    account_book,
    load_accounts,
)
from siamex.clearing.derivatives.fills import PositionMode
from siamex.clearing.foundations.members import InvestorType
from siamex.clearing.foundations.parameters import ClearingRules
from siamex.errors import ErrorCode, SiamexError

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "derivatives" / "accounts.json"
SETTINGS = settings(max_examples=60, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow])

_A = {"member": "A", "shareholders_equity": "250000000"}
_B = {"member": "B", "shareholders_equity": "180000000"}


def _file(accounts: list[Any], members: list[Any] | None = None,
          agreements: list[Any] | None = None) -> str:
    data: dict[str, Any] = {"members": [_A, _B] if members is None else members,
                            "accounts": accounts}
    if agreements is not None:
        data["give_up_agreements"] = agreements
    return json.dumps(data)


def _refused(data: str | bytes, code: ErrorCode = ErrorCode.ACCOUNT_FILE,
             rules: ClearingRules | None = None) -> str:
    with pytest.raises(SiamexError) as caught:
        account_book(data, rules or ClearingRules())
    assert caught.value.code is code, caught.value
    return caught.value.message


def test_the_example_file_registers_three_members_and_their_seven_accounts() -> None:
    book = load_accounts(EXAMPLE)
    assert {m: book.members[m].shareholders_equity for m in book.members} == {
        "A": 250_000_000_00, "B": 180_000_000_00, "C": 120_000_000_00}
    assert book.members["B"].settlement_bank == "BBL"
    assert sorted(book.accounts) == ["A-01", "A-02", "A-03", "A-PRT", "B-01", "B-MM", "C-01"]
    assert book.member_of("B-MM") == "B"
    assert book.account("C-01") == DerivativesAccount(
        "C-01", "C", Owner.CLIENT, InvestorType.FOREIGN, PositionMode.NET, PositionMode.NET,
        False, (), None, "inv-4")
    assert book.account("Z-01") is None
    assert book.agreements == frozenset({("A", "B")})


def test_a_member_below_100_million_baht_equity_is_not_qualified() -> None:
    enough = {"member": "Z", "shareholders_equity": "100000000"}
    assert account_book(_file([], [enough])).members["Z"].shareholders_equity == 10**10
    short = {"member": "Z", "shareholders_equity": "99999999.99"}
    message = _refused(_file([], [short]), ErrorCode.MEMBER_NOT_QUALIFIED)
    assert message.startswith("member Z: shareholders' equity 99999999.99 THB is below the "
                              "100000000.00 THB")


def test_the_least_equity_is_a_clearing_parameter() -> None:
    data = _file([], [{"member": "Z", "shareholders_equity": "80000000"}])
    assert account_book(data, ClearingRules({"derivatives_min_equity": "50000000"})).members
    _refused(data, ErrorCode.MEMBER_NOT_QUALIFIED)


def test_a_proprietary_accounts_beneficiary_is_its_member_a_client_accounts_itself() -> None:
    book = account_book(_file([{"account": "A-P", "member": "A", "owner": "proprietary"},
                               {"account": "A-C", "member": "A", "owner": "client"},
                               {"account": "A-D", "member": "A"},
                               {"account": "A-E", "member": "A", "beneficiary": "inv-9"}]))
    assert {name: a.beneficiary for name, a in book.accounts.items()} == {
        "A-P": "A", "A-C": "A-C", "A-D": "A-D", "A-E": "inv-9"}
    default = book.accounts["A-D"]
    assert (default.owner, default.investor_type) == (Owner.CLIENT,
                                                      InvestorType.LOCAL_INDIVIDUAL)


@pytest.mark.parametrize(("mode", "method", "margined"), [
    ("net", None, PositionMode.NET), ("gross", None, PositionMode.GROSS),
    ("gross", "net", PositionMode.NET), ("net", "gross", PositionMode.GROSS)])
def test_an_account_is_margined_as_it_keeps_positions_unless_it_says_otherwise(
        mode: str, method: str | None, margined: PositionMode) -> None:
    entry = {"account": "A-1", "member": "A", "position_mode": mode}
    if method is not None:
        entry["margin_method"] = method
    account = account_book(_file([entry])).accounts["A-1"]
    assert (account.position_mode, account.margin_method) == (PositionMode(mode), margined)


def test_the_example_accounts_ask_for_the_three_configurations_needing_approval() -> None:
    book = load_accounts(EXAMPLE)
    assert {name: a.asks for name, a in book.accounts.items() if a.asks} == {
        "A-02": {Approval.NET_MARGIN}, "A-03": {Approval.PROPAGATION},
        "B-MM": {Approval.MARKET_MAKER}}
    # a net account margined gross asks for nothing: it is margined more, not less
    entry = {"account": "A-1", "member": "A", "position_mode": "net", "margin_method": "gross"}
    assert account_book(_file([entry])).accounts["A-1"].asks == frozenset()


def test_one_account_may_ask_for_all_three() -> None:
    book = account_book(_file([
        {"account": "A-1", "member": "A"},
        {"account": "A-2", "member": "A", "position_mode": "gross", "margin_method": "net",
         "market_maker": True, "mm_products": ["S50", "S50OPT", "S50"], "margin_parent": "A-1"}]))
    account = book.accounts["A-2"]
    assert account.asks == set(Approval)
    assert account.mm_products == ("S50", "S50OPT")


def test_only_what_tch_approved_of_what_was_asked_is_in_force() -> None:
    book = load_accounts(EXAMPLE)
    assert book.in_force("A-02", {}) == frozenset()
    approved = {"A-02": frozenset({Approval.NET_MARGIN, Approval.MARKET_MAKER}),
                "B-MM": frozenset({Approval.PROPAGATION})}
    # an approval of a configuration the account did not ask for puts nothing in force
    assert book.in_force("A-02", approved) == {Approval.NET_MARGIN}
    assert book.in_force("B-MM", approved) == frozenset()
    assert book.in_force("A-03", approved) == frozenset()
    assert book.in_force("A-03", {"A-03": frozenset(Approval)}) == {Approval.PROPAGATION}


_ACCOUNT = {"account": "A-1", "member": "A"}


@pytest.mark.parametrize(("data", "words"), [
    (_file([], [_A, {"member": "A", "shareholders_equity": "300000000"}]),
     "member A is registered twice"),
    (_file([_ACCOUNT, {"account": "A-1", "member": "B"}]), "account A-1 is registered twice"),
    (_file([{"account": "Q-1", "member": "Q"}]), "account Q-1: member Q is not registered"),
    (_file([{**_ACCOUNT, "margin_parent": "A-9"}]),
     "account A-1: margin parent A-9 is not registered"),
    (_file([_ACCOUNT, {"account": "B-1", "member": "B", "margin_parent": "A-1"}]),
     "account B-1: margin parent A-1 must be another account of member B"),
    (_file([{**_ACCOUNT, "margin_parent": "A-1"}]),
     "account A-1: margin parent A-1 must be another account of member A"),
    (_file([_ACCOUNT, {"account": "A-2", "member": "A", "margin_parent": "A-1"},
            {"account": "A-3", "member": "A", "margin_parent": "A-2"}]),
     "account A-3: margin parent A-2 is itself margined under another account"),
    (_file([{**_ACCOUNT, "mm_products": ["S50"]}]),
     "account A-1: `mm_products` is for a market-maker account"),
    (_file([], agreements=[{"giving": "A", "receiving": "Q"}]),
     "give-up agreement A->Q: member Q is not registered"),
    (_file([], agreements=[{"giving": "Q", "receiving": "A"}]),
     "give-up agreement Q->A: member Q is not registered"),
    (_file([], agreements=[{"giving": "A", "receiving": "A"}]),
     "give-up agreement A->A: a give-up is between two members"),
    (_file([{**_ACCOUNT, "owner": "client", "colour": "red"}]), "unknown field `colour`"),
    (json.dumps({"members": [{**_A, "tier": 1}], "accounts": []}), "unknown field `tier`"),
    (json.dumps({"members": [], "accounts": [], "agreements": []}),
     "unknown field `agreements`"),
    (json.dumps({"members": []}), "missing required field `accounts`"),
    (_file([{**_ACCOUNT, "owner": "house"}]), "not an account file"),
    (_file([{**_ACCOUNT, "position_mode": "both"}]), "not an account file"),
    (_file([{**_ACCOUNT, "investor_type": "alien"}]), "not an account file"),
    (_file([{**_ACCOUNT, "market_maker": "yes"}]), "not an account file"),
    (_file([], [{"member": "A", "shareholders_equity": 250000000}]), "not an account file"),
    (_file([], [{"member": "A", "shareholders_equity": "lots"}]),
     "member A: `shareholders_equity`"),
    (_file([], [{"member": "", "shareholders_equity": "250000000"}]),
     "a member must be a non-empty printable name"),
    (_file([{"account": " A-1", "member": "A"}]), "an account must be a non-empty printable"),
    (_file([{"account": "A\n1", "member": "A"}]), "an account must be a non-empty printable"),
    (_file([{**_ACCOUNT, "beneficiary": "\t"}]), "account A-1: the beneficiary"),
    ("[]", "not an account file"),
    ("{", "not an account file"),
    ("", "not an account file"),
    (b"\xff\xfe{}", "not an account file"),
    ('{"members": [], "accounts": [], "description": "\\ud800"}', "not an account file"),
    ("[" * 100_000, "not an account file"),
    ('{"members": [], "accounts": [], "description": ' + "[" * 50_000 + "]" * 50_000 + "}",
     "not an account file"),
])
def test_a_bad_account_file_is_refused_naming_the_entry(data: str | bytes, words: str) -> None:
    assert words in _refused(data)


def test_load_names_the_file_in_a_refusal_and_a_missing_file_is_not_found(
        tmp_path: Path) -> None:
    bad = tmp_path / "accounts.json"
    bad.write_text(_file([{"account": "Q-1", "member": "Q"}]))
    with pytest.raises(SiamexError) as caught:
        load_accounts(bad)
    assert caught.value.code is ErrorCode.ACCOUNT_FILE
    assert caught.value.message.startswith(f"{bad}: account Q-1")
    with pytest.raises(SiamexError) as caught:
        load_accounts(tmp_path / "missing.json")
    assert caught.value.code is ErrorCode.FILE_NOT_FOUND
    assert str(tmp_path / "missing.json") in caught.value.message


def _read_or_refused(data: str | bytes) -> None:
    try:
        account_book(data)
    except SiamexError as exc:
        assert exc.code in (ErrorCode.ACCOUNT_FILE, ErrorCode.MEMBER_NOT_QUALIFIED)
        assert exc.message


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20)
_near = st.sampled_from(["A", "B", "A-1", "A-2", "Q", "", "100000000", "99999999.99",
                         "net", "gross", "client", "proprietary", "S50", "foreign"])
_value = _near | st.none() | st.booleans() | st.integers(-2, 2) | st.lists(_near, max_size=3)
_member = st.fixed_dictionaries({"member": _near, "shareholders_equity": _near},
                                optional={"settlement_bank": _value})
_account = st.fixed_dictionaries(
    {"account": _near, "member": _near},
    optional={k: _value for k in ("owner", "investor_type", "position_mode", "margin_method",
                                  "market_maker", "mm_products", "margin_parent",
                                  "beneficiary")})
_agreement = st.fixed_dictionaries({"giving": _near, "receiving": _near})
_files = st.fixed_dictionaries({"members": st.lists(_member, max_size=3),
                                "accounts": st.lists(_account, max_size=4)},
                               optional={"give_up_agreements": st.lists(_agreement,
                                                                        max_size=2)})


@SETTINGS
@given(st.binary(max_size=200))
def test_any_bytes_are_read_or_refused_as_an_account_file(data: bytes) -> None:
    _read_or_refused(data)


@SETTINGS
@given(_json)
def test_any_json_value_is_read_or_refused_as_an_account_file(data: Any) -> None:
    _read_or_refused(json.dumps(data))


@SETTINGS
@given(_files)
def test_any_values_under_the_real_fields_are_read_or_refused(data: dict[str, Any]) -> None:
    _read_or_refused(json.dumps(data))
