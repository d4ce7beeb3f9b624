"""The plain reference `siamex rulebook` prints: a line per parameter, in the Markdown order."""

from __future__ import annotations

from siamex.clearing.foundations.parameters import CLEARING_PARAMETERS
from siamex.rulebook.parameters import PARAMETERS
from siamex.rulebook.reference import plain_reference, plain_table, written_default


def test_the_plain_reference_has_a_line_per_parameter_with_its_default_as_shown() -> None:
    lines = plain_reference().splitlines()
    assert [line.split(" = ")[0] for line in lines] == [p.name for p in PARAMETERS]
    assert "max_order_qty = 10000000  [shares] Largest quantity of one main-board order." in lines
    assert any(line.startswith("flat_tick = 0.01  [THB] ") for line in lines)


def test_the_clearing_parameters_are_listed_as_a_user_writes_them() -> None:
    lines = plain_table(CLEARING_PARAMETERS, written_default).splitlines()
    assert len(lines) == len(CLEARING_PARAMETERS)
    assert any(line.startswith("settlement_cycle_days = 2  [business days] ") for line in lines)
    assert any(line.startswith("psms_cutoff_sd = 11:30  [time] ") for line in lines)
