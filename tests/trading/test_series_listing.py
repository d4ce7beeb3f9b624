"""Listing a TFEX series: the product's tick, limits from the previous settlement (an option's
from its underlying's), and its sessions as the series' own timetable (decisions 93, 95, 111)."""

from __future__ import annotations

import datetime as dt

import pytest

from siamex.errors import ErrorCode, SiamexError
from siamex.rulebook.parameters import DEFAULT_RULEBOOK
from siamex.rulebook.products import default_products
from siamex.trading.commands import InstrumentSpec
from siamex.trading.enums import Phase
from siamex.trading.instrument import Instrument
from siamex.trading.series_listing import list_series, listed_series
from siamex.units import day_start

DAY = dt.date(2026, 12, 3)
BASE = day_start(DAY)
HOUR = 3_600_000_000
MINUTE = 60_000_000


def _list(symbol: str, prev: int | None, day: dt.date = DAY, carried: int | None = None,
          underlyings: dict[str, int] | None = None) -> Instrument:
    return list_series(DEFAULT_RULEBOOK, day, InstrumentSpec(symbol, prev), carried,
                       underlyings or {}, default_products())


def _steps(inst: Instrument) -> list[tuple[str, str, str, str, str]]:
    base = day_start(DAY)
    out = []
    for (due, leaving), (entering, auction, ends) in sorted(inst.timetable.items(),
                                                            key=lambda kv: kv[0][0]):
        minutes = (due - base) // MINUTE
        out.append((f"{minutes // 60:02d}:{minutes % 60:02d}", leaving.value, entering.value,
                    auction, ends))
    return out


def test_a_future_trades_on_its_products_tick_within_limits_from_its_settlement() -> None:
    inst = _list("S50Z26", 95000)
    assert (inst.ceiling, inst.floor) == (123500, 66500)  # 950 +- 30%
    assert inst.priced(95010) and not inst.priced(95005)
    assert inst.lot == 1 and inst.odd is None
    assert inst.kind == "future"


def test_an_options_limits_come_from_its_underlyings_settlement() -> None:
    inst = _list("S50Z26C950", 1250, underlyings={"SET50": 94830})
    assert (inst.ceiling, inst.floor) == (29690, 10)  # 12.50 + 30% of 948.30, floor one tick
    with pytest.raises(ValueError, match="SET50"):
        _list("S50Z26C950", 1250)


def test_a_day_only_product_opens_with_an_auction_and_closes_its_day_at_16_55() -> None:
    assert _steps(_list("S50Z26", 95000)) == [
        ("09:15", "CLOSED", "PRE_OPEN_1", "", ""),
        ("09:45", "PRE_OPEN_1", "OPEN_1", "open1", ""),
        ("16:55", "OPEN_1", "CLOSED", "", "day"),
    ]


def test_a_night_session_runs_past_midnight_and_ends_its_own_trading_day() -> None:
    assert _steps(_list("GFG27", 4100000)) == [
        ("09:15", "CLOSED", "PRE_OPEN_1", "", ""),
        ("09:45", "PRE_OPEN_1", "OPEN_1", "open1", ""),
        ("16:55", "OPEN_1", "INTERMISSION", "", "day"),
        ("18:45", "INTERMISSION", "PRE_OPEN_2", "", ""),
        ("18:50", "PRE_OPEN_2", "OPEN_2", "open2", ""),
        ("27:00", "OPEN_2", "CLOSED", "", "night"),
    ]


def test_on_its_last_trading_day_a_series_stops_at_the_cut_off_with_no_night_session() -> None:
    series, _ = listed_series("GFZ26", DAY, default_products())
    last = series.last_trading_day
    inst = _list("GFZ26", 4100000, day=last)
    closes = [(due - day_start(last), entering) for (due, leaving), (entering, _, _)
              in inst.timetable.items() if leaving is Phase.OPEN_1]
    assert closes == [(16 * HOUR + 30 * MINUTE, Phase.CLOSED)]
    assert not any(leaving is Phase.OPEN_2 for _, leaving in inst.timetable)


def test_a_series_without_a_settlement_price_given_or_carried_is_refused() -> None:
    with pytest.raises(ValueError, match="previous settlement"):
        _list("S50Z26", None)
    assert _list("S50Z26", None, carried=95000).prev_close == 95000


@pytest.mark.parametrize(("symbol", "code"), [
    ("S50Z25", ErrorCode.SERIES_EXPIRED),
    ("XYZZ26", ErrorCode.UNKNOWN_SERIES),
    ("S50Z26C951", ErrorCode.UNKNOWN_SERIES),
])
def test_unknown_and_expired_series_are_refused_with_their_codes(symbol: str,
                                                                 code: ErrorCode) -> None:
    with pytest.raises(SiamexError) as caught:
        listed_series(symbol, DAY, default_products())
    assert caught.value.code is code
