"""Members and accounts: qualification at registration, who clears for whom, a strict file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from siamex.clearing.foundations.members import (
    Account,
    AccountType,
    InvestorType,
    Member,
    MemberRegistry,
    MemberType,
    load_registry,
    registry_from_json,
)
from siamex.clearing.foundations.parameters import ClearingRules
from siamex.errors import ErrorCode, SiamexError

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "clearing" / "members.json"


def _file(members: list[Any], accounts: list[Any]) -> dict[str, Any]:
    return {"members": members, "accounts": accounts}


def _refused(data: Any, code: ErrorCode = ErrorCode.MEMBER_FILE,
             rules: ClearingRules | None = None) -> str:
    with pytest.raises(SiamexError) as caught:
        registry_from_json(data, rules or ClearingRules())
    assert caught.value.code is code
    return caught.value.message


def test_the_example_file_registers_the_e1_members_and_their_accounts() -> None:
    registry = load_registry(EXAMPLE)
    assert {m.member_id: m.type for m in registry.members} == {
        "A": MemberType.GCM, "B": MemberType.DCM, "C": MemberType.GCM,
        "K": MemberType.SETTLEMENT_AGENT}
    assert registry.clearing_members == ("A", "B", "C")
    assert registry.account("A", "A-CLT") == Account("A", "A-CLT", AccountType.CLIENT, "A")
    portfolio = registry.account("B", "B-PRT")
    assert portfolio is not None and portfolio.account_type is AccountType.PORTFOLIO
    assert portfolio.investor_type is InvestorType.LOCAL_INSTITUTION
    assert registry.account("A", "B-CLT") is None
    member_a = registry.member("A")
    assert member_a is not None and member_a.shareholders_equity == 650_000_000_00


def test_a_gcm_clears_the_accounts_of_a_member_that_does_not_clear() -> None:
    account = load_registry(EXAMPLE).account("N", "N-CLT")
    assert account is not None and (account.member, account.clearing_member) == ("N", "A")


@pytest.mark.parametrize(("kind", "least"), [("gcm", "500000000"), ("dcm", "400000000"),
                                             ("settlement_agent", "150000000")])
def test_shareholders_equity_must_reach_the_member_types_least(kind: str, least: str) -> None:
    ok = _file([{"member": "Z", "type": kind, "shareholders_equity": least}], [])
    assert len(registry_from_json(ok).members) == 1
    short = _file([{"member": "Z", "type": kind, "shareholders_equity": f"{int(least) - 1}.99"}],
                  [])
    message = _refused(short, ErrorCode.MEMBER_NOT_QUALIFIED)
    assert f"below the {least}.00 THB a {kind} needs" in message


def test_the_least_equity_is_a_parameter() -> None:
    data = _file([{"member": "Z", "type": "gcm", "shareholders_equity": "450000000"}], [])
    assert registry_from_json(data, ClearingRules({"gcm_min_equity": "400000000"})).members
    _refused(data, ErrorCode.MEMBER_NOT_QUALIFIED)


_A = {"member": "A", "type": "gcm", "shareholders_equity": "600000000"}
_B = {"member": "B", "type": "dcm", "shareholders_equity": "450000000"}
_K = {"member": "K", "type": "settlement_agent", "shareholders_equity": "200000000"}


def test_a_dcm_clears_only_for_itself_and_its_clients() -> None:
    data = _file([_A, _B], [{"member": "N", "account": "N1", "type": "client",
                             "clearing_member": "B"}])
    assert "B is a DCM" in _refused(data)


def test_only_a_member_that_does_not_clear_may_be_cleared_by_a_gcm() -> None:
    data = _file([_A, _B], [{"member": "B", "account": "B1", "type": "client",
                             "clearing_member": "A"}])
    assert "B is a member of TCH" in _refused(data)


def test_a_settlement_agent_clears_no_trades() -> None:
    data = _file([_K], [{"member": "K", "account": "K1", "type": "client"}])
    assert "settlement agent" in _refused(data)


def test_an_account_needs_a_registered_clearing_member() -> None:
    data = _file([_A], [{"member": "N", "account": "N1", "type": "client"}])
    assert "clearing member N is not registered" in _refused(data)


@pytest.mark.parametrize(("data", "words"), [
    ([], "a JSON object"),
    ({"members": [], "accounts": [], "extra": 1}, "unknown field extra"),
    ({"members": {}, "accounts": []}, "`members` must be a list"),
    (_file([{"member": "Z", "type": "gcm", "shareholders_equity": "500000000",
             "risk_tier": 4}], []), "members[1]: `risk_tier` must be 1, 2 or 3"),
    (_file([{"member": "Z", "type": "gcm", "shareholders_equity": "500000000",
             "risk_tier": True}], []), "members[1]: `risk_tier` must be 1, 2 or 3"),
    (_file([{"member": "Z", "type": "gcm", "shareholders_equity": "500000000",
             "group": ""}], []), "members[1]: `group` must be a non-empty string"),
    (_file([1], []), "members[1] must be an object"),
    (_file([{**_A, "colour": "red"}], []), "members[1]: unknown field colour"),
    (_file([{**_A, "type": "broker"}], []), "`type` must be one of gcm, dcm, settlement_agent"),
    (_file([{"member": "A", "type": "gcm"}], []), "`shareholders_equity` must be an amount"),
    (_file([{**_A, "shareholders_equity": "5e8"}], []), "not an amount"),
    (_file([{**_A, "member": ""}], []), "`member` must be a non-empty string"),
    (_file([{**_A, "bahtnet": "yes"}], []), "`bahtnet` must be true or false"),
    (_file([_A, _A], []), "member A is registered twice"),
    (_file([_A], [{"member": "A", "account": "A1", "type": "retail"}]),
     "accounts[1]: `type` must be one of portfolio, client"),
    (_file([_A], [{"member": "A", "account": "A1", "type": "client", "clearing_member": 7}]),
     "`clearing_member` must be a non-empty string"),
    (_file([_A], [{"member": "A", "account": "A1", "type": "client"}] * 2),
     "account A1 of member A is registered twice"),
])
def test_a_bad_member_file_is_refused_naming_the_entry(data: Any, words: str) -> None:
    assert words in _refused(data)


def test_a_missing_or_unreadable_member_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(SiamexError) as caught:
        load_registry(tmp_path / "none.json")
    assert caught.value.code is ErrorCode.FILE_NOT_FOUND
    broken = tmp_path / "broken.json"
    broken.write_text("{")
    with pytest.raises(SiamexError) as caught:
        load_registry(broken)
    assert caught.value.code is ErrorCode.MEMBER_FILE and str(broken) in caught.value.message
    short = tmp_path / "short.json"
    short.write_text(json.dumps(_file([{**_A, "shareholders_equity": "1"}], [])))
    with pytest.raises(SiamexError) as caught:
        load_registry(short)
    assert caught.value.code is ErrorCode.MEMBER_NOT_QUALIFIED


def test_a_registry_built_in_code_is_checked_the_same_way() -> None:
    with pytest.raises(SiamexError) as caught:
        MemberRegistry([Member("A", MemberType.GCM, 1)], [])
    assert caught.value.code is ErrorCode.MEMBER_NOT_QUALIFIED
