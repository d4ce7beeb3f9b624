"""The credit data exchange's registry: a member learns the totals of an investor's lines and
collateral at the other members and the double pledges, never another member's name, account
or single line (decision 178); a report replaces the account's line, a line of 0 withdraws it
(decision 177); the same asset matches across members through its keyed hash (decision 179)."""

from __future__ import annotations

from collections.abc import Iterable

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from siamex.errors import ErrorCode, SiamexError
from siamex.measures.credit import (
    MAX_AMOUNT,
    MAX_COLLATERAL,
    CreditAggregate,
    CreditRegistry,
    asset_ref,
    normal_reference,
)
from siamex.measures.credit_commands import Collateral, CollateralKind

KEY = b"k" * 32
DEPOSIT, PROPERTY = CollateralKind.DEPOSIT, CollateralKind.PROPERTY
BAHT = 100  # satang


def _item(reference: str, value: int, kind: CollateralKind = DEPOSIT) -> Collateral:
    return Collateral(kind, asset_ref(KEY, kind, reference), value)


def _registry(*reports: tuple[str, str, str, int, Iterable[Collateral]]) -> CreditRegistry:
    registry = CreditRegistry()
    for ts, (member, account, investor, line, collateral) in enumerate(reports, 1):
        registry.report(member, account, investor, line, collateral, ts)
    return registry


HOUSE = _item("land title 1234", 8_000_000 * BAHT, PROPERTY)
SAVINGS = _item("KBANK 123-4-56789-0", 2_000_000 * BAHT)


def test_a_member_sees_the_totals_at_the_other_members_and_its_own_apart() -> None:
    registry = _registry(("M1", "A1", "INV-a", 5_000_000 * BAHT, [HOUSE]),
                         ("M2", "B1", "INV-a", 3_000_000 * BAHT, [SAVINGS]),
                         ("M2", "B2", "INV-a", 1_000_000 * BAHT, []),
                         ("M3", "C1", "INV-a", 2_000_000 * BAHT, []),
                         ("M3", "C2", "INV-b", 9_000_000 * BAHT, []))
    assert registry.query("M1", "INV-a") == CreditAggregate(
        "INV-a", own_lines=5_000_000 * BAHT, own_collateral=8_000_000 * BAHT, other_members=2,
        other_lines=6_000_000 * BAHT, other_collateral=2_000_000 * BAHT, double_pledged=0,
        own_double_pledged=0)


def test_an_investor_nobody_reported_has_nothing_anywhere() -> None:
    registry = _registry(("M1", "A1", "INV-a", 100, []))
    assert registry.query("M2", "INV-x") == CreditAggregate("INV-x", 0, 0, 0, 0, 0, 0, 0)


def test_the_aggregate_names_no_other_member_account_or_single_line() -> None:
    registry = _registry(("SECRETBROKER", "HIDDENACCT", "INV-a", 123_456_789, [SAVINGS]),
                         ("M1", "A1", "INV-a", 100 * BAHT, [SAVINGS]))
    answer = msgspec.json.encode(registry.query("M1", "INV-a"))
    for secret in (b"SECRETBROKER", b"HIDDENACCT", SAVINGS.asset.encode()):
        assert secret not in answer
    assert set(msgspec.structs.asdict(registry.query("M1", "INV-a"))) == {
        "investor", "own_lines", "own_collateral", "other_members", "other_lines",
        "other_collateral", "double_pledged", "own_double_pledged"}


def test_one_asset_pledged_at_two_members_is_flagged_to_both() -> None:
    registry = _registry(("M1", "A1", "INV-a", 5_000_000 * BAHT, [SAVINGS]),
                         ("M2", "B1", "INV-a", 3_000_000 * BAHT,
                          [_item("kbank 1234567890", 2_000_000 * BAHT)]))
    for member in ("M1", "M2"):
        answer = registry.query(member, "INV-a")
        assert (answer.double_pledged, answer.own_double_pledged) == (1, 1)
        assert answer.other_members == 1


def test_a_double_pledge_between_other_members_is_counted_but_not_as_the_askers() -> None:
    registry = _registry(("M1", "A1", "INV-a", 100 * BAHT, [HOUSE]),
                         ("M2", "B1", "INV-a", 100 * BAHT, [SAVINGS]),
                         ("M3", "C1", "INV-a", 100 * BAHT, [SAVINGS]))
    answer = registry.query("M1", "INV-a")
    assert (answer.double_pledged, answer.own_double_pledged) == (1, 0)
    assert answer.other_collateral == 2 * SAVINGS.value  # as pledged: the flag says it is one


def test_an_asset_pledged_again_for_another_investor_is_a_double_pledge() -> None:
    registry = _registry(("M1", "A1", "INV-a", 100 * BAHT, [HOUSE]),
                         ("M2", "B1", "INV-nominee", 100 * BAHT, [HOUSE]))
    assert registry.query("M1", "INV-a").own_double_pledged == 1
    assert registry.query("M2", "INV-nominee").double_pledged == 1
    assert registry.query("M1", "INV-a").other_members == 0  # the nominee is someone else


def test_the_same_reference_under_another_kind_is_another_asset() -> None:
    registry = _registry(
        ("M1", "A1", "INV-a", 100 * BAHT, [_item("123", 100, DEPOSIT)]),
        ("M2", "B1", "INV-a", 100 * BAHT, [_item("123", 100, CollateralKind.SECURITIES)]))
    assert registry.query("M1", "INV-a").double_pledged == 0


def test_a_report_replaces_the_accounts_line_and_collateral() -> None:
    registry = _registry(("M1", "A1", "INV-a", 5_000_000 * BAHT, [SAVINGS]),
                         ("M2", "B1", "INV-a", 1_000_000 * BAHT, [SAVINGS]),
                         ("M1", "A1", "INV-a", 7_000_000 * BAHT, [HOUSE]))
    answer = registry.query("M2", "INV-a")
    assert (answer.other_lines, answer.other_collateral) == (7_000_000 * BAHT, HOUSE.value)
    assert answer.double_pledged == 0 and registry.double_pledges() == []


def test_a_line_of_zero_withdraws_it_and_its_collateral_and_the_account_stays_linked() -> None:
    registry = _registry(("M1", "A1", "INV-a", 5_000_000 * BAHT, [SAVINGS]),
                         ("M2", "B1", "INV-a", 1_000_000 * BAHT, [SAVINGS]),
                         ("M1", "A1", "INV-a", 0, []))
    assert registry.query("M2", "INV-a") == CreditAggregate(
        "INV-a", 1_000_000 * BAHT, SAVINGS.value, 0, 0, 0, 0, 0)
    assert registry.investor_of("M1", "A1") == "INV-a"  # it may still ask before re-granting
    assert registry.investor_of("M1", "A2") is None


def test_an_account_reported_for_another_investor_leaves_the_first() -> None:
    registry = _registry(("M1", "A1", "INV-a", 100, []), ("M1", "A1", "INV-b", 200, []))
    assert registry.query("M2", "INV-a").other_lines == 0
    assert registry.query("M2", "INV-b").other_lines == 200


def test_the_operators_see_each_double_pledge_with_its_members_and_accounts() -> None:
    registry = _registry(("M2", "B1", "INV-a", 3 * BAHT, [SAVINGS, HOUSE]),
                         ("M1", "A1", "INV-a", 5 * BAHT, [_item("KBANK 1234567890", 7)]),
                         ("M3", "C1", "INV-c", 9 * BAHT, [HOUSE]))
    found = registry.double_pledges()
    assert [(d.kind, d.asset) for d in found] == sorted(
        [(DEPOSIT, SAVINGS.asset), (PROPERTY, HOUSE.asset)], key=lambda a: a[0].value)
    deposit = next(d for d in found if d.kind is DEPOSIT)
    assert [(p.member, p.account, p.investor, p.line, p.value, p.ts) for p in deposit.pledges] == [
        ("M1", "A1", "INV-a", 5 * BAHT, 7, 2), ("M2", "B1", "INV-a", 3 * BAHT, SAVINGS.value, 1)]


def test_amounts_and_items_up_to_their_bounds_pass() -> None:
    items = [_item(f"deposit {n}", MAX_AMOUNT) for n in range(MAX_COLLATERAL)]
    registry = _registry(("M1", "A1", "INV-a", MAX_AMOUNT, items), ("M1", "A2", "INV-b", 0, []))
    assert registry.query("M2", "INV-a").other_collateral == MAX_AMOUNT * MAX_COLLATERAL


@pytest.mark.parametrize(("line", "collateral", "says"), [
    (-1, [], "a line -1"),
    (MAX_AMOUNT + 1, [], "a line"),
    (100, [_item(f"deposit {n}", 1) for n in range(MAX_COLLATERAL + 1)], "at most 20"),
    (100, [_item("x", 0)], "a collateral value 0"),
    (100, [_item("x", MAX_AMOUNT + 1)], "a collateral value"),
    (100, [SAVINGS, _item("kbank-1234567890", 5)], "listed twice"),
    (0, [SAVINGS], "a line of 0"),
    (100, [Collateral(DEPOSIT, "", 5)], "an asset"),
])
def test_a_report_the_registry_cannot_hold_is_refused_and_changes_nothing(
        line: int, collateral: list[Collateral], says: str) -> None:
    registry = _registry(("M1", "A1", "INV-a", 100, [HOUSE]))
    before = registry.state()
    with pytest.raises(SiamexError) as refused:
        registry.report("M1", "A1", "INV-a", line, collateral, 9)
    assert refused.value.code is ErrorCode.CREDIT_REPORT and says in refused.value.message
    assert registry.state() == before


@pytest.mark.parametrize(("member", "account", "investor"), [
    ("", "A1", "INV-a"), ("M 1", "A1", "INV-a"), ("M1", "A" * 65, "INV-a"), ("M1", "A1", "")])
def test_names_that_are_not_printable_ids_are_refused(member: str, account: str,
                                                     investor: str) -> None:
    with pytest.raises(SiamexError):
        CreditRegistry().report(member, account, investor, 100, [], 1)


# -- the asset's keyed hash --------------------------------------------------------------------

def test_a_reference_is_compared_without_case_spaces_or_punctuation() -> None:
    assert normal_reference("KBANK 123-4-56789-0") == normal_reference("kbank 1234567890")
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in "Kbank123")
    assert normal_reference(full_width) == "kbank123"  # NFKC
    assert normal_reference("โฉนด 1234") == "โฉนด1234"  # a Thai title deed keeps its letters
    assert asset_ref(KEY, DEPOSIT, "KBANK 123-4-56789-0") == asset_ref(KEY, DEPOSIT,
                                                                       "kbank1234567890")


def test_an_asset_hash_depends_on_the_key_and_the_kind_and_hides_the_reference() -> None:
    ref = asset_ref(KEY, DEPOSIT, "1234567890")
    assert ref.startswith("AST-") and len(ref) == 28 and "1234567890" not in ref
    assert ref != asset_ref(b"other key", DEPOSIT, "1234567890")
    assert ref != asset_ref(KEY, CollateralKind.CASH, "1234567890")
    assert ref != asset_ref(KEY, DEPOSIT, "1234567891")


@pytest.mark.parametrize("reference", ["", "   ", "--/.", "\ud800"])
def test_a_reference_without_a_letter_or_digit_is_refused(reference: str) -> None:
    with pytest.raises(SiamexError) as refused:
        asset_ref(KEY, DEPOSIT, reference)
    assert refused.value.code is ErrorCode.CREDIT_REPORT


# -- state ---------------------------------------------------------------------------------

def test_the_state_is_the_same_whatever_order_the_reports_came_in() -> None:
    reports = [("M1", "A1", "INV-a", 5, [SAVINGS, HOUSE]), ("M2", "B1", "INV-a", 3, [SAVINGS])]
    first = CreditRegistry()
    second = CreditRegistry()
    for member, account, investor, line, collateral in reports:
        first.report(member, account, investor, line, collateral, 1)
    for member, account, investor, line, collateral in reversed(reports):
        second.report(member, account, investor, line, list(reversed(collateral)), 1)
    assert msgspec.json.encode(first.state()) == msgspec.json.encode(second.state())


def test_the_state_rebuilds_a_registry_that_answers_alike() -> None:
    registry = _registry(("M1", "A1", "INV-a", 5, [SAVINGS]), ("M2", "B1", "INV-a", 3, [SAVINGS]),
                         ("M2", "B2", "INV-b", 0, []))
    copy = CreditRegistry.from_state(msgspec.json.decode(msgspec.json.encode(registry.state())))
    assert copy.state() == registry.state()
    assert copy.query("M1", "INV-a") == registry.query("M1", "INV-a")
    assert copy.double_pledges() == registry.double_pledges()
    assert copy.investor_of("M2", "B2") == "INV-b"


def test_a_state_that_holds_an_account_twice_is_refused() -> None:
    data = _registry(("M1", "A1", "INV-a", 5, [])).state()
    data["lines"] *= 2
    with pytest.raises(SiamexError) as refused:
        CreditRegistry.from_state(data)
    assert refused.value.code is ErrorCode.MEASURES_STATE


_GARBAGE = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=6),
                        lambda inner: st.lists(inner, max_size=4)
                        | st.dictionaries(st.sampled_from(["lines", "member", "x"]), inner,
                                          max_size=3), max_leaves=12)


@settings(max_examples=300, deadline=None)
@given(data=_GARBAGE)
def test_a_state_that_is_not_a_registrys_is_refused_with_its_code(data: object) -> None:
    try:
        CreditRegistry.from_state(data)
    except SiamexError as exc:
        assert exc.code is ErrorCode.MEASURES_STATE


# -- against a naive model -----------------------------------------------------------------

_MEMBERS = ["M1", "M2", "M3"]
_INVESTORS = ["INV-a", "INV-b"]
_ASSETS = [_item(f"asset {n}", 1 + n) for n in range(4)]
_REPORTS = st.lists(st.tuples(
    st.sampled_from(_MEMBERS), st.sampled_from(["A1", "A2"]), st.sampled_from(_INVESTORS),
    st.integers(0, 3), st.lists(st.sampled_from(_ASSETS), max_size=3, unique=True)),
    max_size=25)


def _naive(lines: dict[tuple[str, str], tuple[str, int, list[Collateral]]], member: str,
           investor: str) -> CreditAggregate:
    """The aggregate read straight off the rule's words, from every line as last reported."""
    mine = [(m, line, c) for (m, _), (i, line, c) in lines.items() if i == investor]
    pledged_at = {a.asset: sum(1 for _, _, c in lines.values() for x in c if x.asset == a.asset)
                  for _, _, c in mine for a in c}
    own = {a.asset for m, _, c in mine if m == member for a in c}
    return CreditAggregate(
        investor, sum(line for m, line, _ in mine if m == member),
        sum(a.value for m, _, c in mine if m == member for a in c),
        len({m for m, line, _ in mine if m != member and line}),
        sum(line for m, line, _ in mine if m != member),
        sum(a.value for m, _, c in mine if m != member for a in c),
        sum(1 for n in pledged_at.values() if n > 1),
        sum(1 for a, n in pledged_at.items() if n > 1 and a in own))


@settings(max_examples=200, deadline=None)
@given(reports=_REPORTS)
def test_every_answer_is_the_naive_models(
        reports: list[tuple[str, str, str, int, list[Collateral]]]) -> None:
    registry = CreditRegistry()
    lines: dict[tuple[str, str], tuple[str, int, list[Collateral]]] = {}
    for ts, (member, account, investor, line, collateral) in enumerate(reports):
        kept = collateral if line else []
        registry.report(member, account, investor, line, kept, ts)
        lines[(member, account)] = (investor, line, kept)
    for member in _MEMBERS:
        for investor in _INVESTORS:
            assert registry.query(member, investor) == _naive(lines, member, investor)
    copy = CreditRegistry.from_state(registry.state())
    assert copy.state() == registry.state()
