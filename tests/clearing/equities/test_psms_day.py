"""A day's PSMS requests: every operation a request may name is applied by its entry in one
table, so an operation without one cannot reach the day."""

from __future__ import annotations

from siamex.clearing.equities import psms_day
from siamex.clearing.equities.psms import Operation


def test_every_psms_operation_has_its_entry_in_the_table() -> None:
    assert set(psms_day._APPLY) == set(Operation)
