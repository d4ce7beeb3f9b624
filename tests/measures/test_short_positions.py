"""Outstanding short positions (set-trading-rules.md 8.3): short sales open lots, the same
investor's buys buy them back first in first out across its accounts, lots leave the report
60 days after the sale, and the report matches the sum of open short sales."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from siamex.errors import ErrorCode, SiamexError
from siamex.measures.short_positions import (
    ShortPositions,
    load_short_positions,
    write_short_positions,
)
from siamex.trading.commands import Command, NewOrder, TradeReport
from siamex.trading.engine import Engine
from siamex.trading.events import Event, Trade
from siamex.units import parse_price
from tests.trading.harness import DATE, Session, of_type, reasons, stock

ROOT = Path(__file__).resolve().parents[2]
# Investor A trades through M1/A1 and M2/B1; every other account is its own investor.
LINKS = {("M1", "A1"): "INV-A", ("M2", "B1"): "INV-A", ("M3", "C1"): "INV-C"}
RULES = {"short_sale_price_test": "zero_plus"}  # the price test is not what is tested here


def investor_of(member: str, account: str) -> str:
    return LINKS.get((member, account), f"{member}/{account}")


class Observed(Session):
    """A session whose every command and its events also go to the short positions."""

    def __init__(self, positions: ShortPositions, *instruments: Any, **kw: Any) -> None:
        self.positions = positions
        kw.setdefault("rules", RULES)
        super().__init__(*instruments or (_aot(),), **kw)

    def run(self, command: Command) -> list[Event]:
        events = super().run(command)
        self.positions.observe(command, events)
        return events


def _aot(listed: int = 1_000_000, **kw: Any) -> Any:
    return stock("AOT", "64.00", short_eligible=True, listed_shares=listed, **kw)


def _day(positions: ShortPositions | None = None, *, date: dt.date = DATE,
         engine: Engine | None = None, listed: int = 1_000_000, lot: int | None = None,
         **kw: Any) -> Observed:
    """A day past its opening auction, in the continuous session."""
    s = Observed(positions or ShortPositions(investor_of), _aot(listed, board_lot=lot),
                 date=date, engine=engine, **kw)
    s.advance("10:01")
    return s


def _short(s: Observed, at: str, qty: int, *, oid: str | None = None, member: str = "M1",
           account: str = "A1", **kw: Any) -> None:
    """A short sale of `qty` by member/account that a buyer of its own fills at once."""
    s.new(at, oid or f"s{at}", "sell", qty, "64.00", member=member, account=account,
          short=True, **kw)
    fills = of_type(s.new(at, f"b{at}", "buy", qty, "64.00", member="M9", account="Z9"), Trade)
    assert sum(t.qty for t in fills) == qty


def _buy(s: Observed, at: str, qty: int, *, member: str = "M2", account: str = "B1") -> None:
    """A buy of `qty` by member/account against an ordinary seller."""
    s.new(at, f"o{at}", "sell", qty, "64.00", member="M8", account="Y8")
    fills = of_type(s.new(at, f"p{at}", "buy", qty, "64.00", member=member, account=account),
                    Trade)
    assert sum(t.qty for t in fills) == qty


def _row(s: Observed, date: dt.date = DATE, listed: int = 1_000_000) -> dict[str, Any]:
    rows = s.positions.report(date, {"AOT": listed})
    assert [row.symbol for row in rows] == ["AOT"]
    return rows[0].as_json()


def test_a_short_sale_is_outstanding_until_the_investor_buys_back_from_another_member() -> None:
    s = _day()
    _short(s, "10:05", 1_000)
    assert s.positions.outstanding("AOT") == 1_000
    _buy(s, "10:10", 400)  # investor A again, at M2
    assert _row(s) == {"date": "2026-11-20", "symbol": "AOT", "short_volume": 1_000,
                       "short_value": "64000.00", "bought_back_volume": 400,
                       "outstanding_volume": 600, "listed_shares": 1_000_000,
                       "outstanding_pct": "0.06", "at_cap": False}


def test_a_buy_of_another_investor_buys_nothing_back() -> None:
    s = _day()
    _short(s, "10:05", 1_000)
    _buy(s, "10:10", 1_000, member="M3", account="C1")
    assert (_row(s)["bought_back_volume"], s.positions.outstanding("AOT")) == (0, 1_000)


def test_a_buy_beyond_the_short_position_buys_back_only_the_position() -> None:
    s = _day()
    _short(s, "10:05", 300)
    _buy(s, "10:10", 1_000)
    assert s.positions.report(DATE, {"AOT": 1_000_000})[0].bought_back_volume == 300
    assert s.positions.outstanding("AOT") == 0


def test_a_buy_before_the_short_sale_does_not_cover_it() -> None:
    s = _day()
    _buy(s, "10:05", 500)
    _short(s, "10:10", 500)
    assert s.positions.outstanding("AOT") == 500


def test_an_investor_selling_short_to_itself_nets_to_nothing() -> None:
    s = _day()
    s.new("10:05", "s1", "sell", 200, "64.00", member="M1", account="A1", short=True)
    s.new("10:05", "b1", "buy", 200, "64.00", member="M2", account="B1")
    row = _row(s)
    assert (row["short_volume"], row["bought_back_volume"], row["outstanding_volume"]) == \
        (200, 200, 0)


def test_a_partly_filled_short_order_counts_only_what_traded() -> None:
    s = _day()
    s.new("10:05", "s1", "sell", 1_000, "64.00", short=True)
    s.new("10:06", "b1", "buy", 300, "64.00", member="M9", account="Z9")
    s.cancel("10:07", "s1")
    s.new("10:08", "s2", "sell", 500, "64.00", member="M7", account="X7")
    s.new("10:09", "b2", "buy", 500, "64.00", member="M9", account="Z9")
    assert s.positions.outstanding("AOT") == 300


def test_an_order_id_used_again_after_a_short_order_filled_is_no_short_sale() -> None:
    s = _day()
    _short(s, "10:05", 100, oid="x")
    s.new("10:06", "x", "sell", 100, "64.00", member="M7", account="X7")
    s.new("10:07", "b", "buy", 100, "64.00", member="M9", account="Z9")
    assert s.positions.outstanding("AOT") == 100


def test_a_trade_report_is_never_a_short_sale() -> None:
    s = _day()
    s.new("10:05", "s1", "sell", 100, "64.50", short=True)  # resting, unfilled
    reported = s.run(TradeReport(s.ts("10:30"), "r1", "AOT", 1_000_000, parse_price("64.00"),
                                 "M1", "A1", "M1", "Z1"))
    assert [t.sell_id for t in of_type(reported, Trade)] == ["r1"]
    assert s.positions.outstanding("AOT") == 0


def test_bought_back_first_in_first_out_across_days_and_dropped_after_60_days() -> None:
    engine, positions = Engine(), ShortPositions(investor_of)
    first = dt.date(2026, 11, 2)
    s = _day(positions, date=first, engine=engine)
    _short(s, "10:05", 100)
    s.advance("17:00")
    second = first + dt.timedelta(days=1)
    s = _day(positions, date=second, engine=engine)
    _short(s, "10:05", 200)
    _buy(s, "10:10", 200)  # takes the 100 of the first day, then 100 of the second
    s.advance("17:00")
    assert positions.outstanding("AOT") == 100
    assert positions.outstanding("AOT", on=first + dt.timedelta(days=60)) == 100
    assert positions.outstanding("AOT", on=second + dt.timedelta(days=59)) == 100
    assert positions.outstanding("AOT", on=second + dt.timedelta(days=60)) == 0
    _day(positions, date=second + dt.timedelta(days=59), engine=engine).advance("17:00")
    assert positions.report(second + dt.timedelta(days=59), {"AOT": 1_000_000})[0] \
        .outstanding_volume == 100
    _day(positions, date=second + dt.timedelta(days=60), engine=engine)
    assert positions.report(second + dt.timedelta(days=60), {"AOT": 1_000_000}) == []


def test_a_lot_not_bought_back_expires_by_its_own_sale_date_not_the_oldest() -> None:
    engine, positions = Engine(), ShortPositions(investor_of)
    first = dt.date(2026, 11, 2)
    for offset, qty in ((0, 100), (10, 200)):
        s = _day(positions, date=first + dt.timedelta(days=offset), engine=engine)
        _short(s, "10:05", qty)
        s.advance("17:00")
    _day(positions, date=first + dt.timedelta(days=60), engine=engine)
    assert positions.outstanding("AOT") == 200


def test_the_day_s_rules_set_the_days_a_position_is_kept() -> None:
    engine, positions = Engine(), ShortPositions(investor_of)
    s = _day(positions, engine=engine)
    _short(s, "10:05", 100)
    s.advance("17:00")
    _day(positions, date=DATE + dt.timedelta(days=5), engine=engine,
         rules={**RULES, "short_position_days": 5})
    assert positions.outstanding("AOT") == 0


def test_a_gtc_short_order_carried_into_the_next_day_still_sells_short() -> None:
    engine, positions = Engine(), ShortPositions(investor_of)
    s = _day(positions, engine=engine)
    s.new("10:05", "g1", "sell", 300, "64.50", short=True, validity="gtc")
    s.advance("17:00")
    s = _day(positions, date=DATE + dt.timedelta(days=1), engine=engine)
    s.new("10:05", "b1", "buy", 300, "64.50", member="M9", account="Z9")
    assert _row(s, DATE + dt.timedelta(days=1))["short_volume"] == 300


def test_a_day_short_order_expires_and_its_id_is_forgotten() -> None:
    engine, positions = Engine(), ShortPositions(investor_of)
    s = _day(positions, engine=engine)
    s.new("10:05", "d1", "sell", 300, "64.50", short=True)
    s.advance("17:00")
    s = _day(positions, date=DATE + dt.timedelta(days=1), engine=engine)
    s.new("10:05", "d1", "sell", 300, "64.00", member="M7", account="X7")
    s.new("10:06", "b1", "buy", 300, "64.00", member="M9", account="Z9")
    assert positions.report(DATE + dt.timedelta(days=1), {"AOT": 1_000_000}) == []


@pytest.mark.parametrize(("outstanding", "pct", "at_cap"), [
    (999, "9.99", False), (1_000, "10.00", True)])
def test_the_cap_is_reached_at_exactly_10_percent_of_listed_shares(
        outstanding: int, pct: str, at_cap: bool) -> None:
    s = _day(listed=10_000, lot=1)  # the engine's cap: 1,000 shares (T14)
    _short(s, "10:05", outstanding)
    row = _row(s, listed=10_000)
    assert (row["outstanding_pct"], row["at_cap"]) == (pct, at_cap)
    # at the cap the engine takes no further short sale the next day (T14)
    s.advance("17:00")
    next_day = DATE + dt.timedelta(days=1)
    after = Observed(s.positions, _aot(10_000, board_lot=1, short_outstanding=s.positions
                                       .outstanding("AOT", next_day)),
                     date=next_day, engine=s.engine)
    refused = reasons(after.new("10:05", "one", "sell", 1, "64.00", short=True))
    assert refused == (["SHORT_SALE_LIMIT"] if at_cap else [])


def test_the_cap_follows_the_engine_s_whole_shares_rounded_down() -> None:
    s = _day()
    _short(s, "10:05", 100)
    row = s.positions.report(DATE, {"AOT": 1_009})[0]  # cap: 100.9 -> 100 shares (T14)
    assert (row.outstanding_pct, row.at_cap) == (Fraction(100 * 100, 1_009), True)
    assert row.as_json()["outstanding_pct"] == "9.91"


def test_a_security_without_listed_shares_has_no_percentage_and_no_cap() -> None:
    s = _day()
    _short(s, "10:05", 100)
    row = s.positions.report(DATE, {})[0]
    assert (row.listed_shares, row.outstanding_pct, row.at_cap) == (0, None, False)


def test_a_report_of_an_earlier_day_is_refused_and_of_a_later_day_has_no_sales() -> None:
    s = _day()
    _short(s, "10:05", 100)
    with pytest.raises(SiamexError) as refused:
        s.positions.report(DATE - dt.timedelta(days=1), {})
    assert refused.value.code is ErrorCode.MEASURES_STATE
    later = s.positions.report(DATE + dt.timedelta(days=1), {"AOT": 1_000_000})[0]
    assert (later.short_volume, later.outstanding_volume) == (0, 100)


# -- state ------------------------------------------------------------------------------------

def _traded_day() -> Observed:
    s = _day()
    _short(s, "10:05", 1_000)
    s.new("10:06", "open", "sell", 500, "65.00", short=True)
    _buy(s, "10:10", 400)
    return s


def test_the_state_carries_the_positions_through_a_json_file(tmp_path: Path) -> None:
    s = _traded_day()
    path = tmp_path / "shorts.json"
    write_short_positions(s.positions, path)
    restored = load_short_positions(path, investor_of)
    assert restored.state() == s.positions.state()
    assert restored.report(DATE, {"AOT": 10}) == s.positions.report(DATE, {"AOT": 10})
    s.positions = restored  # the resting short order "open" still sells short
    s.new("10:20", "late", "buy", 500, "65.00", member="M9", account="Z9")
    assert restored.outstanding("AOT") == 1_100


def _bad(state: dict[str, Any]) -> SiamexError:
    with pytest.raises(SiamexError) as refused:
        ShortPositions.from_state(state, investor_of)
    assert refused.value.code is ErrorCode.MEASURES_STATE
    return refused.value


@pytest.mark.parametrize(("change", "says"), [
    (lambda d: d.update(version=2), "version"),
    (lambda d: d["lots"][0].update(qty=0), "lots[0].qty"),
    (lambda d: d["lots"][0].update(sold_on="2026-11-21"), "not after the state's date"),
    (lambda d: d["lots"].append(dict(d["lots"][0])), "earlier lots"),
    (lambda d: d["orders"].append(dict(d["orders"][0])), "listed twice"),
    (lambda d: d.update(cap_pct="1e999"), "cap_pct"),
    (lambda d: d.update(cap_pct="101"), "cap_pct must be a percentage 0 to 100"),
    (lambda d: d.update(cap_pct="1/0"), "cap_pct"),
    (lambda d: d.update(position_days=0), "position_days"),
    (lambda d: d.update(extra=1), "extra"),
    (lambda d: d.update(date=None), "need the state's date"),
])
def test_a_bad_state_is_refused_whole_saying_where(change: Any, says: str) -> None:
    state = json.loads(json.dumps(_traded_day().positions.state()))
    change(state)
    assert says in _bad(state).message


@settings(max_examples=150, deadline=None, derandomize=True)
@given(raw=st.binary(max_size=200) | st.text(max_size=200).map(str.encode)
       | st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=8),
                      lambda inner: st.lists(inner, max_size=3)
                      | st.dictionaries(st.sampled_from(["version", "date", "lots", "orders",
                                                         "day", "qty", "cap_pct"]), inner,
                                        max_size=4)).map(lambda v: json.dumps(v).encode()))
def test_garbage_is_refused_as_a_measures_state(tmp_path_factory: Any, raw: bytes) -> None:
    path = tmp_path_factory.mktemp("state") / "shorts.json"
    path.write_bytes(raw)
    try:
        load_short_positions(path, investor_of)
    except SiamexError as refused:
        assert refused.code is ErrorCode.MEASURES_STATE


_STATE = _traded_day().positions.state()
_PATHS = [(at, key) for at, where in (("top", _STATE), ("lots", _STATE["lots"][0]),
                                       ("orders", _STATE["orders"][0]), ("day", _STATE["day"][0]))
          for key in where]


@settings(max_examples=150, deadline=None, derandomize=True)
@given(path=st.sampled_from(_PATHS),
       value=st.none() | st.booleans() | st.integers(-10**40, 10**40) | st.text(max_size=12)
       | st.lists(st.integers(), max_size=2) | st.sampled_from(["2026-11-19", "7/2", "60"]))
def test_a_state_with_any_one_value_changed_is_read_or_refused(path: tuple[str, str],
                                                               value: object) -> None:
    state = json.loads(json.dumps(_STATE))
    at, key = path
    (state if at == "top" else state[at][0])[key] = value
    try:
        ShortPositions.from_state(state, investor_of)
    except SiamexError as refused:
        assert refused.code is ErrorCode.MEASURES_STATE


# -- the report matches the sum of open short sales ------------------------------------------

_ACCOUNTS = (("M1", "A1"), ("M2", "B1"), ("M3", "C1"), ("M4", "D1"))
_PRICES = ("63.50", "63.75", "64.00", "64.25", "64.50")
_order = st.tuples(st.sampled_from(_ACCOUNTS), st.sampled_from(["buy", "sell"]), st.booleans(),
                   st.integers(1, 8), st.sampled_from(_PRICES))


def _naive_outstanding(commands: Sequence[Command], events: Sequence[Event]) -> int:
    """Open short sales by brute force: per investor a running count, a short sale adding
    its shares and then any buy of the investor taking off what it can."""
    short_ids = {c.id for c in commands if isinstance(c, NewOrder) and c.short}
    sellers = {c.id: investor_of(c.member, c.account) for c in commands
               if isinstance(c, NewOrder)}
    open_: dict[str, int] = {}
    for trade in of_type(events, Trade):
        if trade.sell_id in short_ids:
            seller = sellers[trade.sell_id]
            open_[seller] = open_.get(seller, 0) + trade.qty
        buyer = investor_of(trade.buy_member, trade.buy_account)
        open_[buyer] = max(0, open_.get(buyer, 0) - trade.qty)
    return sum(open_.values())


@settings(max_examples=60, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(orders=st.lists(_order, min_size=1, max_size=40), cut=st.integers(0, 40))
def test_the_report_matches_the_sum_of_open_short_sales(
        orders: list[tuple[tuple[str, str], str, bool, int, str]], cut: int) -> None:
    """A random day of short sales and buys through the engine, the observer's state saved
    and restored at a random command on the way."""
    s = _day()
    events: list[Event] = []
    for n, ((member, account), side, short, lots, price) in enumerate(orders):
        if n == cut:
            s.positions = ShortPositions.from_state(s.positions.state(), investor_of)
        events += s.new(f"10:{10 + n:02d}", f"o{n}", side, lots * 100, price,
                        member=member, account=account, short=short and side == "sell")
    events += s.advance("17:00")
    row = s.positions.report(DATE, {"AOT": 1_000_000})
    got = row[0].outstanding_volume if row else 0
    assert got == _naive_outstanding(s.log, events) == s.positions.outstanding("AOT")
    short_traded = sum(t.qty for t in of_type(events, Trade)
                       if t.sell_id in {c.id for c in s.log
                                        if isinstance(c, NewOrder) and c.short})
    assert (row[0].short_volume if row else 0) == short_traded
