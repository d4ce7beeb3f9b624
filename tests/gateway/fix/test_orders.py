"""FIX order messages <-> entry commands and reports for a TFEX order's PositionEffect (77):
O and C read as "open" and "close", anything else refused as a bad value of tag 77 (the way a
bad TimeInForce is), and echoed on every ExecutionReport of an order that has one."""

from __future__ import annotations

import pytest

from siamex.gateway.fix.orders import FieldProblem, execution_report, new_order
from siamex.gateway.reports import ExecKind, OrderReport, OrderStatus
from siamex.trading.enums import OrderType, Side, Validity
from tests.gateway.fix.client import T0, Stores, logged_on, reject_of, summary

ORDER = {50: "M01T1", 11: "B1", 1: "C0001", 55: "S50Z26", 54: "1", 38: "2", 40: "2",
         44: "821.0", 60: "20261203-03:15:00.000"}


@pytest.mark.parametrize(("code", "effect"), [("O", "open"), ("C", "close")])
def test_position_effect_o_and_c_read_as_open_and_close(code: str, effect: str) -> None:
    assert new_order({**ORDER, 77: code}, "M01-ORS1", 0).position_effect == effect


def test_an_order_without_position_effect_names_none() -> None:
    assert new_order(ORDER, "M01-ORS1", 0).position_effect is None


@pytest.mark.parametrize("code", ["R", "F", "o", "", "OPEN"])
def test_any_other_position_effect_is_a_value_incorrect_of_tag_77(code: str) -> None:
    with pytest.raises(FieldProblem) as problem:
        new_order({**ORDER, 77: code}, "M01-ORS1", 0)
    assert (problem.value.tag, problem.value.reason) == (77, 5)
    assert problem.value.text == "PositionEffect(77) is O open or C close"


def _report(effect: str | None) -> OrderReport:
    return OrderReport(0, "M01-ORS1", "M01", "M01T1", "C0001", ExecKind.TRADE,
                       OrderStatus.FILLED, "B1", None, 7, "S50Z26", Side.BUY, OrderType.LIMIT,
                       Validity.DAY, 2, 82100, 2, 164200, 0, last_qty=2, last_price=82100,
                       trade_no=3, position_effect=effect)


@pytest.mark.parametrize(("effect", "echoed"), [("open", ["O"]), ("close", ["C"]), (None, [])])
def test_an_execution_report_echoes_the_orders_position_effect(
        effect: str | None, echoed: list[str]) -> None:
    _, pairs = execution_report(_report(effect), "e1")
    assert [value for tag, value in pairs if tag == 77] == echoed


def test_position_effect_given_twice_is_a_repeated_tag(stores: Stores) -> None:
    session, client = logged_on(stores)
    actions = session.data_received(client.order("B1", extra=[(77, "O"), (77, "C")]), T0)
    reject = reject_of(actions)
    assert (reject[371], reject[373]) == ("77", "13"), summary(actions)
    once = session.data_received(client.order("B2", extra=[(77, "O")]), T0)
    assert summary(once) == ["deliver D 3"]
