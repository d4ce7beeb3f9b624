"""The registry of members, ORSs and traders: the ORS approval lifecycle, logon, who may enter
orders for which account, refusals that change nothing, and snapshots."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from siamex.gateway import registry as registry_module
from siamex.gateway.ors_lifecycle import MAY_LOG_ON, TRANSITIONS, OrsEvent, OrsState
from siamex.gateway.refusals import RefusalCode, RegistryError
from siamex.gateway.registry import Registry
from siamex.gateway.registry_changes import (
    AccountType,
    RegAddAccount,
    RegAddMember,
    RegAddOrs,
    RegAddTrader,
    RegistryChange,
    RegOrsEvent,
    RegSetMarketData,
    RegSetOrsCredentials,
    RegSetTraderAccounts,
    RegSetTraderApproval,
    RegSetTraderOrs,
    RegUpdateMember,
    credentials_change,
)
from siamex.trading.commands import Command, NewOrder
from siamex.trading.enums import Side

FAST = 1_000  # PBKDF2 rounds in tests: the smallest the registry takes
SALT = bytes(range(16))


def _walk(registry: Registry, ors: str, *events: OrsEvent) -> None:
    for event in events:
        registry.apply(RegOrsEvent(1, ors, event))


def _approve(registry: Registry, ors: str) -> None:
    _walk(registry, ors, OrsEvent.RECORD_TEST, OrsEvent.APPROVE)


@pytest.fixture
def reg() -> Registry:
    """M1 (accounts C1, P1) with approved ORS O1 and traders T1 (all accounts), T2 (C1 only);
    M2 with its own account C1 and C9, and approved ORS O2."""
    r = Registry()
    for member in ("M1", "M2"):
        r.apply(RegAddMember(1, member, f"Member {member}"))
        r.apply(RegAddAccount(1, member, "C1"))
    r.apply(RegAddAccount(1, "M1", "P1", AccountType.PROPRIETARY))
    r.apply(RegAddAccount(1, "M2", "C9"))
    for ors, member in (("O1", "M1"), ("O2", "M2")):
        r.apply(RegAddOrs(1, ors, member))
        _approve(r, ors)
    r.apply(credentials_change(2, "O1", sender_comp_id="M1GW", username="m1", password="s3cret",
                               salt=SALT, iterations=FAST))
    r.apply(credentials_change(2, "O2", sender_comp_id="M2GW"))
    r.apply(RegAddTrader(3, "T1", "M1", ("O1",)))
    r.apply(RegAddTrader(3, "T2", "M1", ("O1",), ("C1",)))
    r.apply(RegAddTrader(3, "U1", "M2", ("O2",)))
    for trader in ("T1", "T2", "U1"):
        r.apply(RegSetTraderApproval(4, trader, True))
    return r


def _refused(registry: Registry, change: RegistryChange, code: RefusalCode) -> None:
    before = registry.snapshot()
    with pytest.raises(RegistryError) as refused:
        registry.apply(change)
    assert refused.value.code is code, refused.value.text
    assert registry.snapshot() == before


def test_the_public_names_are_the_registry_and_its_records() -> None:
    assert set(registry_module.__all__) == {"LogonDecision", "Member", "Ors", "Registry",
                                            "RegistryError", "Trader"}


def test_a_member_has_typed_accounts_and_market_data_approved_apart(reg: Registry) -> None:
    member = reg.member("M1")
    assert member is not None
    assert member.accounts == {"C1": AccountType.CLIENT, "P1": AccountType.PROPRIETARY}
    assert not member.market_data
    reg.apply(RegSetMarketData(5, "M1", True))
    reg.apply(RegUpdateMember(5, "M1", "Member One Securities"))
    member = reg.member("M1")
    assert member is not None
    assert (member.name, member.market_data) == ("Member One Securities", True)


def test_an_ors_goes_from_application_to_use_and_back_through_testing_after_a_change() -> None:
    r = Registry()
    r.apply(RegAddMember(1, "M1", "Member One"))
    r.apply(RegAddOrs(1, "O1", "M1"))
    seen = []
    for event in (OrsEvent.RECORD_TEST, OrsEvent.APPROVE, OrsEvent.FIRST_LOGON, OrsEvent.CHANGE,
                  OrsEvent.RECORD_TEST, OrsEvent.APPROVE, OrsEvent.CHANGE, OrsEvent.CANCEL):
        r.apply(RegOrsEvent(7, "O1", event, note="script v2"))
        ors = r.ors("O1")
        assert ors is not None
        seen.append(ors.state)
    assert seen == [OrsState.TESTED, OrsState.APPROVED, OrsState.IN_USE, OrsState.CHANGED,
                    OrsState.TESTED, OrsState.APPROVED, OrsState.CHANGED, OrsState.CANCELLED]
    assert ors is not None and (ors.updated, ors.note) == (7, "script v2")


_STATES_BY_EVENTS = {
    OrsState.APPLIED: (),
    OrsState.TESTED: (OrsEvent.RECORD_TEST,),
    OrsState.APPROVED: (OrsEvent.RECORD_TEST, OrsEvent.APPROVE),
    OrsState.IN_USE: (OrsEvent.RECORD_TEST, OrsEvent.APPROVE, OrsEvent.FIRST_LOGON),
    OrsState.CHANGED: (OrsEvent.RECORD_TEST, OrsEvent.APPROVE, OrsEvent.CHANGE),
    OrsState.CANCELLED: (OrsEvent.CANCEL,),
}


@pytest.mark.parametrize("state", list(OrsState))
@pytest.mark.parametrize("event", list(OrsEvent))
def test_an_ors_event_outside_the_table_is_a_bad_transition(state: OrsState,
                                                            event: OrsEvent) -> None:
    r = Registry()
    r.apply(RegAddMember(1, "M1", "Member One"))
    r.apply(RegAddOrs(1, "O1", "M1"))
    _walk(r, "O1", *_STATES_BY_EVENTS[state])
    if (state, event) in TRANSITIONS:
        r.apply(RegOrsEvent(2, "O1", event))
        ors = r.ors("O1")
        assert ors is not None and ors.state is TRANSITIONS[state, event]
    else:
        _refused(r, RegOrsEvent(2, "O1", event), RefusalCode.BAD_TRANSITION)


def test_a_cancelled_ors_is_terminal() -> None:
    assert not any(state is OrsState.CANCELLED for state, _ in TRANSITIONS)


def test_an_approved_ors_logs_on_and_its_first_logon_is_a_command_to_journal(
        reg: Registry) -> None:
    decision = reg.logon("M1GW", "m1", "s3cret")
    assert decision.accepted and (decision.ors, decision.member) == ("O1", "M1")
    assert decision.first_logon
    reg.apply(RegOrsEvent(5, "O1", OrsEvent.FIRST_LOGON))
    again = reg.logon("M1GW", "m1", "s3cret")
    assert again.accepted and not again.first_logon


@pytest.mark.parametrize("state", [s for s in OrsState if s not in MAY_LOG_ON])
def test_only_an_approved_or_in_use_ors_logs_on(state: OrsState) -> None:
    r = Registry()
    r.apply(RegAddMember(1, "M1", "Member One"))
    r.apply(RegAddOrs(1, "O1", "M1"))
    r.apply(RegSetOrsCredentials(1, "O1", "M1GW"))
    _walk(r, "O1", *_STATES_BY_EVENTS[state])
    refusal = r.logon("M1GW", None, None).refusal
    assert refusal is not None and refusal.code is RefusalCode.ORS_NOT_APPROVED


def test_logon_refuses_unknown_systems_and_wrong_credentials(reg: Registry) -> None:
    cases = [
        (("NOBODY", None, None), RefusalCode.UNKNOWN_ORS),
        ((None, "nobody", "x"), RefusalCode.UNKNOWN_ORS),
        ((None, None, None), RefusalCode.UNKNOWN_ORS),
        (("M1GW", "m1", "wrong"), RefusalCode.BAD_CREDENTIALS),
        (("M1GW", "m1", None), RefusalCode.BAD_CREDENTIALS),
        (("M1GW", None, None), RefusalCode.BAD_CREDENTIALS),
        (("M1GW", "m2", "s3cret"), RefusalCode.BAD_CREDENTIALS),
        (("M2GW", "m1", "s3cret"), RefusalCode.BAD_CREDENTIALS),
    ]
    for (comp_id, username, password), code in cases:
        refusal = reg.logon(comp_id, username, password).refusal
        assert refusal is not None and refusal.code is code, (comp_id, username, password)
    assert reg.logon("M2GW", None, None).ors == "O2"
    assert reg.logon(None, "m1", "s3cret").ors == "O1"  # the HTTP channel: no CompID


def test_credentials_are_checked_before_the_approval_state(reg: Registry) -> None:
    reg.apply(RegOrsEvent(5, "O1", OrsEvent.CHANGE))
    wrong = reg.logon("M1GW", "m1", "guess").refusal
    right = reg.logon("M1GW", "m1", "s3cret").refusal
    assert wrong is not None and wrong.code is RefusalCode.BAD_CREDENTIALS
    assert right is not None and right.code is RefusalCode.ORS_NOT_APPROVED


def test_the_password_is_kept_only_as_a_salted_hash_carried_by_the_command(
        reg: Registry) -> None:
    change = credentials_change(9, "O1", username="m1", password="s3cret", salt=SALT,
                                iterations=FAST)
    assert change == credentials_change(9, "O1", username="m1", password="s3cret", salt=SALT,
                                        iterations=FAST)
    assert b"s3cret" not in msgspec.msgpack.encode(change)
    assert "s3cret" not in json.dumps(reg.snapshot())
    drawn = credentials_change(9, "O1", username="m1", password="s3cret", iterations=FAST)
    assert drawn.salt != SALT and len(drawn.salt) == 16
    assert drawn.password_hash != change.password_hash
    reg.apply(drawn)
    assert reg.logon(None, "m1", "s3cret").accepted


@pytest.mark.parametrize(("change", "code"), [
    (RegSetOrsCredentials(5, "O1"), RefusalCode.INVALID),
    (RegSetOrsCredentials(5, "O1", "SIAMEX"), RefusalCode.INVALID),
    (RegSetOrsCredentials(5, "O1", "M2GW"), RefusalCode.DUPLICATE),
    (RegSetOrsCredentials(5, "O2", "M2GW", "m1", SALT, bytes(32), FAST), RefusalCode.DUPLICATE),
    (RegSetOrsCredentials(5, "O1", "M1GW", "m1"), RefusalCode.INVALID),
    (RegSetOrsCredentials(5, "O1", "M1GW", None, SALT, bytes(32), FAST), RefusalCode.INVALID),
    (RegSetOrsCredentials(5, "O1", None, "m1", b"short", bytes(32), FAST), RefusalCode.INVALID),
    (RegSetOrsCredentials(5, "O1", None, "m1", SALT, bytes(31), FAST), RefusalCode.INVALID),
    (RegSetOrsCredentials(5, "O1", None, "m1", SALT, bytes(32), 10), RefusalCode.INVALID),
    (RegSetOrsCredentials(5, "O1", "has space"), RefusalCode.INVALID),
    (RegSetOrsCredentials(5, "O9", "X"), RefusalCode.UNKNOWN_ORS),
])
def test_bad_credentials_changes_are_refused(reg: Registry, change: RegistryChange,
                                             code: RefusalCode) -> None:
    _refused(reg, change, code)


def test_a_cancelled_ors_takes_no_credentials(reg: Registry) -> None:
    reg.apply(RegOrsEvent(5, "O2", OrsEvent.CANCEL))
    _refused(reg, RegSetOrsCredentials(6, "O2", "NEWGW"), RefusalCode.BAD_TRANSITION)


def test_an_order_entry_needs_an_approved_trader_on_an_approved_ors_for_its_accounts(
        reg: Registry) -> None:
    assert reg.check_entry("T1", "O1", "C1") is None
    assert reg.check_entry("T1", "O1", "P1") is None
    assert reg.check_entry("T2", "O1", "C1") is None
    reg.apply(RegAddTrader(5, "T3", "M1", ("O1",)))
    reg.apply(RegAddOrs(5, "O3", "M1"))
    cases = [
        (("T9", "O1", "C1"), RefusalCode.UNKNOWN_TRADER),
        (("T3", "O1", "C1"), RefusalCode.TRADER_NOT_APPROVED),
        (("T1", "O2", "C1"), RefusalCode.TRADER_NOT_ON_ORS),
        (("T1", "O9", "C1"), RefusalCode.TRADER_NOT_ON_ORS),
        (("T2", "O1", "P1"), RefusalCode.NOT_OWNER),
        (("T1", "O1", "C9"), RefusalCode.NOT_OWNER),
    ]
    reg.apply(RegSetTraderOrs(6, "T1", ("O1", "O3")))
    cases.append((("T1", "O3", "C1"), RefusalCode.ORS_NOT_APPROVED))
    for (trader, ors, account), code in cases:
        refusal = reg.check_entry(trader, ors, account)
        assert refusal is not None and refusal.code is code, (trader, ors, account)


def test_a_revoked_trader_or_a_changed_ors_stops_order_entry(reg: Registry) -> None:
    reg.apply(RegSetTraderApproval(5, "T2", False))
    refusal = reg.check_entry("T2", "O1", "C1")
    assert refusal is not None and refusal.code is RefusalCode.TRADER_NOT_APPROVED
    reg.apply(RegOrsEvent(5, "O1", OrsEvent.CHANGE))
    refusal = reg.check_entry("T1", "O1", "C1")
    assert refusal is not None and refusal.code is RefusalCode.ORS_NOT_APPROVED


def test_not_owner_does_not_tell_whether_another_member_has_the_account(reg: Registry) -> None:
    theirs = reg.check_entry("T1", "O1", "C9")
    nobodys = reg.check_entry("T1", "O1", "C8")
    assert theirs is not None and nobodys is not None
    assert theirs.text.replace("C9", "X") == nobodys.text.replace("C8", "X")


def test_a_trader_with_all_accounts_gets_accounts_opened_later(reg: Registry) -> None:
    reg.apply(RegAddAccount(5, "M1", "C2"))
    assert reg.check_entry("T1", "O1", "C2") is None
    refusal = reg.check_entry("T2", "O1", "C2")
    assert refusal is not None and refusal.code is RefusalCode.NOT_OWNER
    reg.apply(RegSetTraderAccounts(6, "T2", ("C1", "C2")))
    assert reg.check_entry("T2", "O1", "C2") is None
    reg.apply(RegSetTraderAccounts(7, "T2"))
    assert reg.check_entry("T2", "O1", "P1") is None


def test_a_trader_sees_only_orders_of_its_own_members_accounts_it_may_use(reg: Registry) -> None:
    assert reg.may_see("T1", "M1", "C1")
    assert reg.may_see("T2", "M1", "C1")
    assert not reg.may_see("T2", "M1", "P1")
    assert not reg.may_see("T1", "M2", "C1")  # the same account id, another member's
    assert not reg.may_see("T9", "M1", "C1")
    reg.apply(RegSetTraderApproval(5, "T1", False))
    assert not reg.may_see("T1", "M1", "C1")


@pytest.mark.parametrize(("change", "code"), [
    (RegAddMember(5, "M1", "Again"), RefusalCode.DUPLICATE),
    (RegAddMember(5, "", "Empty"), RefusalCode.INVALID),
    (RegAddMember(5, "M3", "  "), RefusalCode.INVALID),
    (RegAddMember(5, "M3", "x" * 201), RefusalCode.INVALID),
    (RegUpdateMember(5, "M9", "Nobody"), RefusalCode.UNKNOWN_MEMBER),
    (RegAddAccount(5, "M1", "C1"), RefusalCode.DUPLICATE),
    (RegAddAccount(5, "M9", "C1"), RefusalCode.UNKNOWN_MEMBER),
    (RegSetMarketData(5, "M9", True), RefusalCode.UNKNOWN_MEMBER),
    (RegAddOrs(5, "O1", "M1"), RefusalCode.DUPLICATE),
    (RegAddOrs(5, "O4", "M9"), RefusalCode.UNKNOWN_MEMBER),
    (RegOrsEvent(5, "O9", OrsEvent.APPROVE), RefusalCode.UNKNOWN_ORS),
    (RegOrsEvent(5, "O1", OrsEvent.APPROVE), RefusalCode.BAD_TRANSITION),
    (RegAddTrader(5, "T1", "M1", ("O1",)), RefusalCode.DUPLICATE),
    (RegAddTrader(5, "T4", "M9", ("O1",)), RefusalCode.UNKNOWN_MEMBER),
    (RegAddTrader(5, "T4", "M1", ()), RefusalCode.INVALID),
    (RegAddTrader(5, "T4", "M1", ("O1", "O1")), RefusalCode.INVALID),
    (RegAddTrader(5, "T4", "M1", ("O9",)), RefusalCode.UNKNOWN_ORS),
    (RegAddTrader(5, "T4", "M1", ("O2",)), RefusalCode.INVALID),
    (RegAddTrader(5, "T4", "M1", ("O1",), ("C9",)), RefusalCode.UNKNOWN_ACCOUNT),
    (RegAddTrader(5, "T4", "M1", ("O1",), ()), RefusalCode.INVALID),
    (RegSetTraderApproval(5, "T9", True), RefusalCode.UNKNOWN_TRADER),
    (RegSetTraderOrs(5, "T1", ("O2",)), RefusalCode.INVALID),
    (RegSetTraderAccounts(5, "T1", ("C1", "C9")), RefusalCode.UNKNOWN_ACCOUNT),
    (RegSetTraderAccounts(5, "T9", ("C1",)), RefusalCode.UNKNOWN_TRADER),
])
def test_a_refused_change_leaves_the_registry_as_it_was(reg: Registry, change: RegistryChange,
                                                        code: RefusalCode) -> None:
    _refused(reg, change, code)


def test_a_trader_is_not_put_on_a_cancelled_ors(reg: Registry) -> None:
    reg.apply(RegAddOrs(5, "O3", "M1"))
    reg.apply(RegOrsEvent(5, "O3", OrsEvent.CANCEL))
    _refused(reg, RegSetTraderOrs(6, "T1", ("O1", "O3")), RefusalCode.INVALID)


def test_the_snapshot_is_sorted_json_and_restores_the_same_registry(reg: Registry) -> None:
    data = reg.snapshot()
    text = json.dumps(data, sort_keys=True)
    assert json.dumps(data) == text
    restored = Registry.restore(json.loads(text))
    assert restored.snapshot() == data
    assert restored.logon("M1GW", "m1", "s3cret").accepted
    assert restored.check_entry("T2", "O1", "C1") is None


def test_registry_changes_share_one_tagged_union_with_the_engines_commands() -> None:
    journal = msgspec.msgpack.Decoder(Command | RegistryChange)
    changes: list[object] = [
        NewOrder(1, "o1", "M1", "C1", "PTT", Side.BUY, 100, price=3400),
        RegAddTrader(2, "T1", "M1", ("O1",), ("C1",)),
        credentials_change(3, "O1", username="m1", password="p", salt=SALT, iterations=FAST),
        RegOrsEvent(4, "O1", OrsEvent.CANCEL),
    ]
    for change in changes:
        assert journal.decode(msgspec.msgpack.encode(change)) == change
    tags = [t.__struct_config__.tag for t in RegistryChange.__args__]
    assert all(isinstance(tag, str) and tag.startswith("reg_") for tag in tags)


# Random changes over a few ids, so that most of them meet existing records.
_ids = st.sampled_from(["A", "B", "C"])
_id_lists = st.lists(_ids, min_size=1, max_size=2, unique=True).map(tuple)
_id_tuples = st.one_of(st.none(), _id_lists, st.lists(_ids, max_size=3).map(tuple))
_changes: st.SearchStrategy[RegistryChange] = st.one_of(
    st.builds(RegAddMember, st.just(1), _ids, st.sampled_from(["Member", "", " "])),
    st.builds(RegUpdateMember, st.just(1), _ids, st.sampled_from(["New name", "\ud800"])),
    st.builds(RegAddAccount, st.just(1), _ids, _ids, st.sampled_from(list(AccountType))),
    st.builds(RegSetMarketData, st.just(1), _ids, st.booleans()),
    st.builds(RegAddOrs, st.just(1), _ids, _ids),
    st.builds(RegOrsEvent, st.just(1), _ids, st.sampled_from(list(OrsEvent))),
    st.builds(RegSetOrsCredentials, st.just(1), _ids, st.one_of(st.none(), _ids),
              st.one_of(st.none(), _ids), st.sampled_from([b"", SALT]),
              st.sampled_from([b"", bytes(32)]), st.sampled_from([0, FAST])),
    st.builds(RegAddTrader, st.just(1), _ids, _ids, _id_lists, _id_tuples),
    st.builds(RegSetTraderApproval, st.just(1), _ids, st.booleans()),
    st.builds(RegSetTraderOrs, st.just(1), _ids, st.one_of(_id_lists, st.just(("A", "A")))),
    st.builds(RegSetTraderAccounts, st.just(1), _ids, _id_tuples),
)
_queries: list[Callable[[Registry], object]] = [
    lambda r: r.check_entry("A", "B", "C"),
    lambda r: r.may_see("A", "B", "C"),
    lambda r: r.logon("A", None, None),
]


def _seeded() -> Registry:
    """Members A and B, A's accounts A and B, ORSs A and B and trader A, B's account C and
    ORS C."""
    r = Registry()
    for member, accounts, systems in (("A", "AB", "AB"), ("B", "C", "C")):
        r.apply(RegAddMember(0, member, "Member"))
        for account in accounts:
            r.apply(RegAddAccount(0, member, account))
        for ors in systems:
            r.apply(RegAddOrs(0, ors, member))
    r.apply(RegAddTrader(0, "A", "A", ("A",)))
    return r


def _states(snapshot: dict[str, Any]) -> dict[str, OrsState]:
    return {ors["id"]: OrsState(ors["state"]) for ors in snapshot["ors"]}


@settings(max_examples=300, deadline=None)
@given(st.lists(_changes, max_size=60))
def test_random_changes_raise_only_registry_errors_and_ors_states_follow_the_table(
        changes: list[RegistryChange]) -> None:
    r = _seeded()
    for change in changes:
        before = r.snapshot()
        states = _states(before)
        try:
            r.apply(change)
        except RegistryError:
            assert r.snapshot() == before
            continue
        after = _states(r.snapshot())
        if isinstance(change, RegOrsEvent):
            states[change.ors] = TRANSITIONS[states[change.ors], change.event]
        elif isinstance(change, RegAddOrs):
            states[change.ors] = OrsState.APPLIED
        assert after == states
        for query in _queries:
            query(r)
    assert Registry.restore(r.snapshot()).snapshot() == r.snapshot()
