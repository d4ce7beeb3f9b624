"""Final settlement prices (clearing-spec.md 4.1): SET50's trimmed average, the USD
reference rate, gold from the world price (derived), and what an option pays at them."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from siamex.clearing.derivatives.final_prices import (
    TooFewValues,
    gold_final_price,
    option_intrinsic,
    reference_rate_final_price,
    set50_final_price,
)
from siamex.rulebook.products import SeriesKind

GOLD_TICK = 1_000  # 10 THB, in hundredths of a THB


def test_set50_drops_the_three_highest_and_lowest_of_22_values_and_rounds_half_up() -> None:
    """21 values of the last 15 minutes and the close 950.27, in hundredths of a point.

    Dropped: the highest 953.00, 952.00, 951.00 and the lowest 948.00, 949.50, 949.90.
    Kept 16, summing 1,520,280: 1,520,280 / 16 = 95,017.5, half up 95,018 (950.18).
    """
    values = [95012, 95030, 95025, 94990, 95100, 95005, 94800, 95010, 95018, 95022, 95300,
              95015, 95009, 95011, 94950, 95027, 95200, 95014, 95020, 95016, 95019]
    kept = [95012, 95030, 95025, 95005, 95010, 95018, 95022, 95015, 95009, 95011, 95027,
            95014, 95020, 95016, 95019, 95027]
    assert (len(kept), sum(kept)) == (16, 1_520_280)
    assert set50_final_price(values, 95_027) == 95_018


def test_set50_needs_seven_values_with_the_close() -> None:
    assert set50_final_price([1, 2, 3, 50, 98, 99], 100) == 50
    with pytest.raises(TooFewValues):
        set50_final_price([1, 2, 3, 98, 99], 100)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(1, 10_000_000), min_size=6, max_size=200), st.integers(1, 10_000_000))
def test_set50_no_three_extreme_prints_move_the_price_outside_the_rest(
        values: list[int], close: int) -> None:
    pooled = sorted([*values, close])
    assert pooled[3] <= set50_final_price(values, close) <= pooled[-4]


@pytest.mark.parametrize(("rate", "price"), [
    ("31.1275", 3_113),  # 3,112.75 hundredths, half up
    ("31.1249", 3_112),
    (Fraction(311_250, 10_000), 3_113),  # 31.125: the half goes up
    ("33", 3_300),
])
def test_the_usd_final_price_is_the_reference_rate_half_up_to_the_satang(
        rate: Fraction | str, price: int) -> None:
    assert reference_rate_final_price(rate) == price


def test_gold_is_the_world_price_in_baht_per_baht_weight_of_965_gold() -> None:
    """1,800 USD/oz at 33.00 THB/USD: 59,400 THB/oz; x 15.244 / 31.1034768 = 29,112.30 THB per
    baht-weight of 99.5%; x 0.965 / 0.995 = 28,234.54 THB of 96.5%, half up to 10 THB: 28,230.

    1,785.35 at 31.27: 55,827.8945 THB/oz -> 27,361.58 -> 26,536.61 -> 26,540."""
    assert gold_final_price(Fraction(1_800), Fraction("33.00"), GOLD_TICK) == 2_823_000
    assert gold_final_price("1785.35", "31.27", GOLD_TICK) == 2_654_000


@pytest.mark.parametrize(("kind", "strike", "final", "pays"), [
    (SeriesKind.CALL, 95_000, 95_018, 18),
    (SeriesKind.CALL, 96_000, 95_018, 0),
    (SeriesKind.PUT, 96_000, 95_018, 982),
    (SeriesKind.PUT, 95_000, 95_018, 0),
    (SeriesKind.CALL, 95_018, 95_018, 0),
])
def test_an_option_pays_its_intrinsic_value_at_the_final_price(
        kind: SeriesKind, strike: int, final: int, pays: int) -> None:
    assert option_intrinsic(kind, strike, final) == pays
