"""The commands' field tuples stay in step with the commands the engine reads through them."""

from __future__ import annotations

import typing

import pytest
from msgspec.structs import astuple

from siamex.trading import commands
from siamex.trading.commands import AmendOrder, CancelOrder, NewOrder
from siamex.trading.enums import Side


@pytest.mark.parametrize(("command", "fields"), [
    (NewOrder, commands.NewOrderFields),
    (AmendOrder, commands.AmendOrderFields),
    (CancelOrder, commands.CancelOrderFields),
])
def test_each_field_tuple_lists_its_command_fields_in_order(command: type,
                                                            fields: object) -> None:
    hints = typing.get_type_hints(command)
    assert list(typing.get_args(fields)) == [hints[name] for name in command.__struct_fields__]


def test_astuple_reads_a_command_in_that_order() -> None:
    order = NewOrder(5, "o1", "M1", "A1", "AOT", Side.BUY, 100, price=6400)
    assert astuple(order)[:7] == (5, "o1", "M1", "A1", "AOT", Side.BUY, 100)
