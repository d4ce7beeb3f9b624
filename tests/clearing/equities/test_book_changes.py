"""Book changes: every operation the instructions may name is applied by its entry in the
table, and only a gross item's changes name no side."""

from __future__ import annotations

from siamex.clearing.equities import book_changes
from siamex.clearing.equities.book_changes import BookOperation


def test_every_book_operation_has_its_entry_in_the_table() -> None:
    assert set(book_changes._APPLY) == set(BookOperation)


def test_only_the_gross_item_is_the_whole_trade() -> None:
    assert {op for op in BookOperation if op.whole_trade} == {BookOperation.GROSS,
                                                              BookOperation.GROSS_CONFIRM}
