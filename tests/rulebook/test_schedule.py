"""Random auction instants (decision T6): seeded, per security, inside their windows."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from siamex.rulebook.parameters import DEFAULT_RULEBOOK as RULES
from siamex.rulebook.schedule import draw_auction_instants

DAY = dt.date(2026, 11, 20)


@given(st.integers(min_value=0, max_value=2**32), st.text(min_size=1, max_size=8))
def test_instants_fall_in_their_windows_at_millisecond_resolution(seed: int, symbol: str) -> None:
    instants = draw_auction_instants(RULES, seed, DAY, symbol)
    assert RULES.open_1_window_start <= instants.open1 < RULES.open_1_window_end
    assert RULES.open_2_window_start <= instants.open2 < RULES.open_2_window_end
    assert RULES.close_window_start <= instants.close < RULES.close_window_end
    assert all(t % 1000 == 0 for t in instants)


def test_the_same_seed_date_and_symbol_draw_the_same_instants() -> None:
    first = draw_auction_instants(RULES, 7, DAY, "AOT")
    assert first == draw_auction_instants(RULES, 7, DAY, "AOT")


def test_securities_and_days_draw_their_own_instants() -> None:
    first = draw_auction_instants(RULES, 7, DAY, "AOT")
    assert first != draw_auction_instants(RULES, 7, DAY, "PTT")
    assert first != draw_auction_instants(RULES, 7, DAY + dt.timedelta(days=1), "AOT")
    assert first != draw_auction_instants(RULES, 8, DAY, "AOT")


def test_instants_are_the_same_in_every_process() -> None:
    # pinned: a change here would change every replay's output
    assert draw_auction_instants(RULES, 7, DAY, "AOT").open1 == 35_925_425_000
