"""An order's fields are declared once: the constructor and a snapshot's rows follow the one
list, and the scenario reads every field of a new order."""

from __future__ import annotations

import inspect

import msgspec

from siamex.scenario import actions
from siamex.trading import snapshot
from siamex.trading.commands import NewOrder
from siamex.trading.enums import OrderType, Side, Validity
from siamex.trading.order import ORDER_FIELDS, Order


def _every_field_set() -> Order:
    """An order whose every field differs from its constructor's default."""
    return Order(no=7, id="o7", member="M2", account="A9", symbol="PTT", side=Side.SELL,
                 type=OrderType.MP_MTL, validity=Validity.GTD, price=3325, qty=5000,
                 remaining=3000, visible=1000, published=1000, filled=2000, odd_lot=True,
                 accepted_at=123_456, expire_day=739_580, short=True, smp_id="desk-4")


def test_the_constructor_takes_the_declared_fields_in_their_order() -> None:
    assert tuple(inspect.signature(Order).parameters) == ORDER_FIELDS


def test_a_snapshot_row_keeps_every_field_of_an_order_with_its_type() -> None:
    order = _every_field_set()
    row = snapshot._order(order)
    assert len(row) == len(ORDER_FIELDS)
    restored = snapshot._load_order(msgspec.json.decode(msgspec.json.encode(row)))
    for name in ORDER_FIELDS:
        value = getattr(restored, name)
        assert value == getattr(order, name), name
        assert type(value) is type(getattr(order, name)), name


def test_a_scenario_reads_every_field_of_a_new_order() -> None:
    read = set(actions._NEW_ORDER_FIELDS)
    assert read == set(NewOrder.__struct_fields__) - {"ts", "id"}
