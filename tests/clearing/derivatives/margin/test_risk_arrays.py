"""Risk arrays: futures exact to the satang, options revalued by Black-76, per-contract
charges, and refusals (clearing-spec.md 4.5, 7.2)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from siamex.clearing.derivatives.margin import risk_arrays
from siamex.errors import ErrorCode, SiamexError
from siamex.rulebook.margin import MarginTable

from .runs import ON, TABLE_2015, series


def _array(symbol: str, table: MarginTable = TABLE_2015) -> list[int]:
    changes: list[int] = risk_arrays(series((symbol,), table=table), table).scenario[:, 0].tolist()
    return changes


def test_a_future_moves_by_thirds_of_its_scan_range_rounded_half_up() -> None:
    # 2015 S50: 5,000 THB, a third 1,666.666... THB; the extremes 2 x 35%
    third, two_thirds = 166_667, 333_333
    assert _array("S50H26") == [0, 0, third, third, -third, -third, two_thirds, two_thirds,
                                -two_thirds, -two_thirds, 500_000, 500_000, -500_000,
                                -500_000, 350_000, -350_000]


def test_gold_futures_move_per_base_contract_so_one_gf_is_five_gf10() -> None:
    arrays = risk_arrays(series(("GFG26", "GF10G26")), TABLE_2015)
    gf, gf10 = (arrays.scenario[:, arrays.symbols.index(s)].tolist() for s in
                ("GFG26", "GF10G26"))
    assert gf == [5 * change for change in gf10]
    assert arrays.weight.tolist() == [5, 1]


def test_a_call_gains_when_the_underlying_rises_and_with_volatility() -> None:
    array = _array("S50H26C900")
    assert array[0] > 0 > array[1]  # the price unchanged, volatility up and down
    assert array[10] > array[6] > array[2] > array[0]  # up 3/3, 2/3, 1/3, volatility up
    assert array[13] < array[9] < array[5] < array[1]  # down, volatility down


def test_an_option_at_its_last_trading_day_moves_by_its_intrinsic_value() -> None:
    last = ON.replace(day=29)  # S50F26's last trading day
    arrays = risk_arrays(series(("S50F26C900",), prices={"S50F26C900": 300},
                                underlying={"SET50": 90_300}, on=last), TABLE_2015)
    # a whole range up adds 25 points to the 3 in the money: x 200 THB; down leaves nothing
    assert arrays.scenario[:, 0].tolist()[10:14] == [500_000, 500_000, -60_000, -60_000]
    assert arrays.scenario[0, 0] == arrays.scenario[1, 0] == 0


def test_charges_per_contract_come_from_the_outright() -> None:
    table = replace(TABLE_2015, products=tuple(
        replace(row, delivery_pct=row.spread_pct) if row.code == "S50" else row
        for row in TABLE_2015.products))
    arrays = risk_arrays(series(("S50F26", "S50H26", "S50F26C1025")), table)
    index = {s: arrays.symbols.index(s) for s in ("S50F26", "S50H26", "S50F26C1025")}
    assert arrays.delivery[index["S50F26"]] == 125_000  # in its delivery month
    assert arrays.delivery[index["S50H26"]] == 0
    assert arrays.somc[index["S50F26C1025"]] == 200_000
    assert arrays.option_value[index["S50F26C1025"]] == 50 * 200
    assert arrays.spread.tolist() == [125_000]
    assert arrays.price_risk[index["S50H26"]] == 500_000


def test_a_series_given_twice_or_without_a_margin_row_is_refused() -> None:
    one = series(("S50H26",))
    with pytest.raises(SiamexError) as refused:
        risk_arrays((*one, *one), TABLE_2015)
    assert refused.value.code is ErrorCode.MARGIN_FILE
    bare = replace(TABLE_2015, products=tuple(r for r in TABLE_2015.products
                                              if r.code != "S50"))
    with pytest.raises(SiamexError) as refused:
        risk_arrays(one, bare)
    assert "no row for S50" in refused.value.message


def test_an_option_without_its_underlying_price_is_refused() -> None:
    option = replace(series(("S50H26C900",))[0], underlying_price=None)
    with pytest.raises(SiamexError) as refused:
        risk_arrays((option,), TABLE_2015)
    assert refused.value.code is ErrorCode.MARGIN_FILE
    assert "S50H26C900" in refused.value.message
