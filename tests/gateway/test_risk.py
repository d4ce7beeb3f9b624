"""Pre-trade risk: each limit per scope, the checking order, amends as changes, the kill switch,
exposure against a naive recomputation, refusals that change nothing, snapshots."""

from __future__ import annotations

import json

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from siamex.gateway import risk as risk_module
from siamex.gateway.ors_lifecycle import OrsEvent
from siamex.gateway.refusals import RefusalCode, RiskError
from siamex.gateway.registry_changes import RegistryChange, RegOrsEvent
from siamex.gateway.risk import (
    Limits,
    OrderContext,
    RiskBook,
    Scope,
    format_thb,
    order_value,
)
from siamex.gateway.risk_commands import RiskCommand, RiskKill, RiskSetLimits, ScopeKind
from siamex.trading.commands import CancelOrder, Command

CTX = OrderContext("M1", "O1", "T1", "C1")
OTHER_TRADER = OrderContext("M1", "O1", "T2", "C1")
OTHER_ORS = OrderContext("M1", "O2", "T3", "C2")
OTHER_MEMBER = OrderContext("M2", "O9", "U1", "C1")  # the same account id, another member's
MEMBER = Scope(ScopeKind.MEMBER, "M1")
ORS = Scope(ScopeKind.ORS, "M1", "O1")
TRADER = Scope(ScopeKind.TRADER, "M1", "T1")
ACCOUNT = Scope(ScopeKind.ACCOUNT, "M1", "C1")
BAHT = 100


def _limits(book: RiskBook, scope: Scope, **limits: int | None) -> None:
    book.set_limits(RiskSetLimits(1, scope.kind, scope.member, scope.id, **limits))


def _code(refusal: object) -> RefusalCode | None:
    return getattr(refusal, "code", None)


def test_the_public_names_are_the_book_its_keys_and_helpers() -> None:
    assert set(risk_module.__all__) == {"Limits", "OrderContext", "RiskBook", "RiskError",
                                        "Scope", "format_thb", "order_value", "scope_of"}


def test_money_is_written_in_baht_with_thousands_and_two_decimals() -> None:
    assert format_thb(123_450) == "1,234.50 THB"
    assert format_thb(5) == "0.05 THB"
    assert format_thb(100_000_000) == "1,000,000.00 THB"
    assert format_thb(-150) == "-1.50 THB"


def test_an_order_without_a_limit_price_is_valued_at_the_ceiling() -> None:
    assert order_value(100, 3_400, 4_400) == 340_000
    assert order_value(100, None, 4_400) == 440_000
    assert order_value(2, 82_100, 106_700, 200) == 32_840_000  # 2 SET50 futures: 328,400 THB


@pytest.mark.parametrize("scope", [ACCOUNT, TRADER, ORS, MEMBER])
def test_the_maximum_volume_per_order_of_any_scope_refuses_a_larger_order(scope: Scope) -> None:
    book = RiskBook()
    _limits(book, scope, max_volume=10_000)
    assert book.check(CTX, 10_000 * 500, 10_000, 500, 500) is None
    refusal = book.check(CTX, 10_100 * 500, 10_100, 500, 500)
    assert refusal is not None and refusal.code is RefusalCode.MAX_ORDER_VOLUME
    assert refusal.text == (f"maximum volume per order of {scope.describe()}: 10,000 shares, "
                            "order 10,100 shares")


def test_the_maximum_value_per_order_refuses_a_larger_order() -> None:
    book = RiskBook()
    _limits(book, TRADER, max_value=5_000_000 * BAHT)
    assert book.check(CTX, 5_000_000 * BAHT, 100, None, None) is None
    refusal = book.check(CTX, 6_000_000 * BAHT, 100, None, None)
    assert refusal is not None and refusal.code is RefusalCode.MAX_ORDER_VALUE
    assert refusal.text == ("maximum value per order of trader T1 of member M1: "
                            "5,000,000.00 THB, order 6,000,000.00 THB")


def test_the_price_check_allows_the_band_around_the_reference_bounds_included() -> None:
    book = RiskBook()
    _limits(book, ORS, price_band_bp=1_000)
    for price in (900, 1_000, 1_100):
        assert book.check(CTX, 100 * price, 100, price, 1_000) is None
    refusal = book.check(CTX, 100 * 1_101, 100, 1_101, 1_000)
    assert refusal is not None and refusal.code is RefusalCode.PRICE_CHECK
    assert refusal.text == ("price check of ORS O1 of member M1: 1,000 bp around the reference "
                            "10.00 THB allows 9.00 THB to 11.00 THB, price 11.01 THB")
    assert _code(book.check(CTX, 100 * 899, 100, 899, 1_000)) is RefusalCode.PRICE_CHECK


def test_the_price_check_rounds_the_band_inward_to_whole_satang() -> None:
    book = RiskBook()
    _limits(book, ORS, price_band_bp=333)
    assert book.check(CTX, 0, 1, 96, 99) is None  # 99 - 3.2967
    assert _code(book.check(CTX, 0, 1, 95, 99)) is RefusalCode.PRICE_CHECK
    assert book.check(CTX, 0, 1, 102, 99) is None
    assert _code(book.check(CTX, 0, 1, 103, 99)) is RefusalCode.PRICE_CHECK


def test_no_price_or_no_reference_means_no_price_check() -> None:
    book = RiskBook()
    _limits(book, MEMBER, price_band_bp=0)
    assert book.check(CTX, 100 * 4_400, 100, None, 1_000) is None
    assert book.check(CTX, 100 * 4_400, 100, 4_400, None) is None


def test_the_credit_limit_counts_resting_value_and_the_days_trades_gross() -> None:
    book = RiskBook()
    _limits(book, MEMBER, credit=1_000_000 * BAHT)
    book.on_accepted("buy", CTX, 400_000 * BAHT)
    book.on_accepted("sell", OTHER_TRADER, 300_000 * BAHT)
    book.on_trade("sell", 100_000 * BAHT, 200_000 * BAHT)
    assert book.exposure(MEMBER) == 700_000 * BAHT  # a sell adds, it never offsets a buy
    assert book.check(CTX, 300_000 * BAHT, 100, None, None) is None
    refusal = book.check(CTX, 500_000 * BAHT, 100, None, None)
    assert refusal is not None and refusal.code is RefusalCode.CREDIT_LIMIT
    assert refusal.text == ("credit limit of member M1: 1,000,000.00 THB, "
                            "exposure would be 1,200,000.00 THB")


def test_a_fill_at_a_better_price_frees_the_resting_value_it_held() -> None:
    book = RiskBook()
    book.on_accepted("o1", CTX, 1_000 * 4_400)  # a market order, valued at the ceiling
    book.on_trade("o1", 400 * 3_400, 600 * 4_400)
    assert book.exposure(ACCOUNT) == 400 * 3_400 + 600 * 4_400
    book.on_trade("o1", 600 * 3_400, 0)
    assert book.exposure(ACCOUNT) == 1_000 * 3_400
    assert book.resting_orders(ACCOUNT) == []
    book.on_done("o1")  # the end of a filled order, said again, changes nothing
    assert book.exposure(ACCOUNT) == 1_000 * 3_400


def test_an_account_is_its_own_members_account() -> None:
    book = RiskBook()
    _limits(book, ACCOUNT, credit=1_000)
    book.on_accepted("theirs", OTHER_MEMBER, 5_000)
    assert book.exposure(ACCOUNT) == 0
    assert book.check(CTX, 1_000, 1, None, None) is None
    assert _code(book.check(OTHER_MEMBER, 5_000, 1, None, None)) is None


def test_checks_run_kill_volume_value_price_credit_and_scopes_account_first() -> None:
    book = RiskBook()
    for scope in (MEMBER, ACCOUNT):
        _limits(book, scope, credit=0, max_value=0, max_volume=0, price_band_bp=0)
    book.kill(RiskKill(1, ScopeKind.ORS, "M1", "O1"))
    refusal = book.check(CTX, 100, 1, 100, 50)
    assert refusal is not None and refusal.code is RefusalCode.KILL_SWITCH
    book.kill(RiskKill(2, ScopeKind.ORS, "M1", "O1", on=False))
    seen = []
    for lifted in ("max_volume", "max_value", "price_band_bp", "credit"):
        refusal = book.check(CTX, 100, 1, 100, 50)
        assert refusal is not None and "of account C1 of member M1:" in refusal.text
        seen.append(refusal.code)
        for scope in (MEMBER, ACCOUNT):
            _limits(book, scope, **{**msgspec.structs.asdict(book.limits(scope)), lifted: None})
    assert seen == [RefusalCode.MAX_ORDER_VOLUME, RefusalCode.MAX_ORDER_VALUE,
                    RefusalCode.PRICE_CHECK, RefusalCode.CREDIT_LIMIT]
    assert book.check(CTX, 100, 1, 100, 50) is None


def test_an_amend_is_checked_as_a_change() -> None:
    book = RiskBook()
    _limits(book, TRADER, credit=10_000, max_volume=100)
    book.on_accepted("o1", CTX, 8_000)  # 80 shares at 100
    assert book.check_amend("o1", 10_000, 100, 100, None, resting=10_000) is None
    refusal = book.check_amend("o1", 10_100, 101, 100, None, resting=10_100)
    assert refusal is not None and refusal.code is RefusalCode.MAX_ORDER_VOLUME
    book.on_accepted("o2", OTHER_ORS, 5_000)  # another trader's: not in T1's exposure
    book.on_accepted("o3", CTX, 1_500)
    refusal = book.check_amend("o1", 9_000, 90, 100, None, resting=9_000)
    assert refusal is not None and refusal.code is RefusalCode.CREDIT_LIMIT
    assert "exposure would be 105.00 THB" in refusal.text
    _limits(book, TRADER, credit=5_000)  # lowered under the exposure: only reductions pass
    assert book.check_amend("o1", 7_000, 70, 100, None, resting=7_000) is None
    assert _code(book.check(CTX, 1, 1, None, None)) is RefusalCode.CREDIT_LIMIT
    book.on_amended("o1", 7_000)
    assert book.exposure(TRADER) == 8_500
    assert book.check_amend("gone", 10**9, 10**6, 100, None, resting=10**9) is None


def test_a_kill_switch_stops_new_orders_and_returns_its_scopes_resting_orders() -> None:
    book = RiskBook()
    book.on_accepted("a", CTX, 100)
    book.on_accepted("b", OTHER_TRADER, 100)
    book.on_accepted("c", OTHER_ORS, 100)
    book.on_accepted("d", OTHER_MEMBER, 100)
    assert book.kill(RiskKill(1, ScopeKind.TRADER, "M1", "T1")) == ["a"]
    assert book.kill(RiskKill(1, ScopeKind.ORS, "M1", "O1")) == ["a", "b"]
    assert book.kill(RiskKill(1, ScopeKind.MEMBER, "M1")) == ["a", "b", "c"]
    refusal = book.check(OTHER_ORS, 1, 1, None, None)
    assert refusal is not None and refusal.code is RefusalCode.KILL_SWITCH
    assert refusal.text == "the kill switch of member M1 is on: no new orders"
    assert book.check(OTHER_MEMBER, 1, 1, None, None) is None
    assert book.kill(RiskKill(2, ScopeKind.MEMBER, "M1", on=False)) == []
    assert book.check(OTHER_ORS, 1, 1, None, None) is None
    assert book.killed(TRADER) and not book.killed(MEMBER)


@pytest.mark.parametrize(("command", "call"), [
    (RiskKill(1, ScopeKind.ACCOUNT, "M1", "C1"), "kill"),
    (RiskKill(1, ScopeKind.MEMBER, "M1", "X"), "kill"),
    (RiskKill(1, ScopeKind.TRADER, "M1"), "kill"),
    (RiskKill(1, ScopeKind.MEMBER, ""), "kill"),
    (RiskSetLimits(1, ScopeKind.ACCOUNT, "M1", "C1", credit=-1), "set_limits"),
    (RiskSetLimits(1, ScopeKind.ACCOUNT, "M1", "C1", max_volume=2**63), "set_limits"),
    (RiskSetLimits(1, ScopeKind.ORS, "M1", credit=5), "set_limits"),
])
def test_a_refused_command_leaves_the_book_as_it_was(command: RiskCommand, call: str) -> None:
    book = RiskBook()
    _limits(book, ACCOUNT, credit=100)
    book.on_accepted("a", CTX, 50)
    before = book.snapshot()
    with pytest.raises(RiskError) as refused:
        getattr(book, call)(command)
    assert refused.value.code is RefusalCode.INVALID
    assert book.snapshot() == before


def test_limits_are_replaced_whole_and_none_everywhere_removes_them() -> None:
    book = RiskBook()
    _limits(book, ORS, credit=100, max_volume=5)
    _limits(book, ORS, max_volume=7)
    assert book.limits(ORS) == Limits(max_volume=7)
    _limits(book, ORS)
    assert book.limits(ORS) == Limits()
    assert book.snapshot()["limits"] == []


def test_a_members_scopes_are_those_the_book_holds_anything_of() -> None:
    book = RiskBook()
    assert book.scopes_of("M1") == []
    _limits(book, TRADER, credit=1)
    book.kill(RiskKill(1, ScopeKind.ORS, "M1", "O2"))
    book.on_accepted("1", OTHER_MEMBER, 100)
    book.on_accepted("2", CTX, 100)
    assert book.scopes_of("M1") == [ACCOUNT, MEMBER, ORS, Scope(ScopeKind.ORS, "M1", "O2"),
                                    TRADER]
    assert Scope(ScopeKind.MEMBER, "M2") in book.scopes_of("M2")


def test_a_new_day_forgets_the_trades_and_keeps_the_resting_orders() -> None:
    book = RiskBook()
    book.on_accepted("gtc", CTX, 1_000)
    book.on_accepted("day", CTX, 500)
    book.on_trade("day", 500, 0)
    assert book.exposure(MEMBER) == 1_500
    book.start_day()
    assert book.exposure(MEMBER) == 1_000


def test_the_snapshot_is_sorted_json_and_restores_the_same_book() -> None:
    book = RiskBook()
    _limits(book, ACCOUNT, credit=10_000, price_band_bp=500)
    book.kill(RiskKill(1, ScopeKind.TRADER, "M1", "T2"))
    book.on_accepted("b", OTHER_ORS, 300)
    book.on_accepted("a", CTX, 200)
    book.on_trade("a", 100, 150)
    data = book.snapshot()
    text = json.dumps(data, sort_keys=True)
    assert json.dumps(data) == text
    restored = RiskBook.restore(json.loads(text))
    assert restored.snapshot() == data
    for scope in (MEMBER, ORS, TRADER, ACCOUNT):
        assert restored.exposure(scope) == book.exposure(scope)
    assert _code(restored.check(OTHER_TRADER, 1, 1, None, None)) is RefusalCode.KILL_SWITCH


def test_risk_commands_share_one_tagged_union_with_the_engine_and_the_registry() -> None:
    journal = msgspec.msgpack.Decoder(Command | RegistryChange | RiskCommand)
    for command in (CancelOrder(1, "o1"), RegOrsEvent(2, "O1", OrsEvent.CANCEL),
                    RiskSetLimits(3, ScopeKind.ACCOUNT, "M1", "C1", credit=5),
                    RiskKill(4, ScopeKind.MEMBER, "M1")):
        assert journal.decode(msgspec.msgpack.encode(command)) == command


# A random day of orders over a few scopes, against a naive recomputation.
_ctxs = st.builds(OrderContext, st.sampled_from(["M1", "M2"]), st.sampled_from(["O1", "O2"]),
                  st.sampled_from(["T1", "T2"]), st.sampled_from(["C1", "C2"]))
_keys = st.sampled_from([f"o{i}" for i in range(8)])
_values = st.integers(0, 10_000)
_ops = st.one_of(
    st.tuples(st.just("accept"), _keys, _ctxs, _values),
    st.tuples(st.just("amend"), _keys, _values),
    st.tuples(st.just("trade"), _keys, _values, _values),
    st.tuples(st.just("done"), _keys),
    st.tuples(st.just("day"),),
)
_ALL_SCOPES = [scope for member in ("M1", "M2") for scope in (
    Scope(ScopeKind.MEMBER, member), *(Scope(ScopeKind.ORS, member, o) for o in ("O1", "O2")),
    *(Scope(ScopeKind.TRADER, member, t) for t in ("T1", "T2")),
    *(Scope(ScopeKind.ACCOUNT, member, a) for a in ("C1", "C2")))]


@settings(max_examples=300, deadline=None)
@given(st.lists(_ops, max_size=60), st.integers(0, 30_000))
def test_exposure_matches_a_naive_recomputation_and_a_kill_returns_exactly_the_resting(
        ops: list[tuple[object, ...]], credit: int) -> None:
    book = RiskBook()
    resting: dict[str, tuple[OrderContext, int]] = {}
    trades: list[tuple[OrderContext, int]] = []
    for op in ops:
        match op:
            case ("accept", str(key), OrderContext() as ctx, int(value)) if key not in resting:
                book.on_accepted(key, ctx, value)
                resting[key] = (ctx, value)
            case ("amend", str(key), int(value)) if key in resting:
                book.on_amended(key, value)
                resting[key] = (resting[key][0], value)
            case ("trade", str(key), int(value), int(left)) if key in resting:
                book.on_trade(key, value, left)
                trades.append((resting[key][0], value))
                resting[key] = (resting[key][0], left)
                if not left:
                    del resting[key]
            case ("done", str(key)):
                book.on_done(key)
                resting.pop(key, None)
            case ("day",):
                book.start_day()
                trades.clear()
    for scope in _ALL_SCOPES:
        naive = (sum(v for ctx, v in resting.values() if scope in ctx.scopes())
                 + sum(v for ctx, v in trades if scope in ctx.scopes()))
        assert book.exposure(scope) == naive
        _limits(book, scope, credit=credit)
        refusal = book.check(OrderContext(scope.member, "O1", "T1", "C1"), 1_000, 1, None, None)
        expected_refusal = (scope in OrderContext(scope.member, "O1", "T1", "C1").scopes()
                            and naive + 1_000 > credit)
        assert (_code(refusal) is RefusalCode.CREDIT_LIMIT) == expected_refusal
        _limits(book, scope)
    assert RiskBook.restore(book.snapshot()).snapshot() == book.snapshot()
    for scope in _ALL_SCOPES:
        if scope.kind is not ScopeKind.ACCOUNT:
            killed = book.kill(RiskKill(9, scope.kind, scope.member, scope.id))
            assert killed == sorted(k for k, (ctx, _) in resting.items() if scope in ctx.scopes())
