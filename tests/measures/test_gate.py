"""The gate: check-before-sell at its boundary, the engine's own checks first, the clock before
the refusal, amends and trade reports, extra measures, and a day unchanged with the check off."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import pytest

from siamex.errors import ErrorCode, SiamexError
from siamex.measures.availability import Availability
from siamex.measures.depository import Depository, Holding
from siamex.measures.gate import Gate, MeasuredEngine, PreTrade, measured_engine
from siamex.scenario.loader import DayPlan, Scenario
from siamex.trading.commands import (
    AdvanceTime,
    AmendOrder,
    CancelOrder,
    Command,
    ConfirmTradeReport,
    InstrumentSpec,
    NewOrder,
    StartDay,
    TradeReport,
)
from siamex.trading.engine import Engine
from siamex.trading.enums import OrderType, Side, Validity
from siamex.trading.events import Accepted, AuctionResult, Event, Rejected, Trade
from siamex.trading.rejects import Reject
from siamex.units import day_start, parse_price, parse_time_of_day

DATE = dt.date(2026, 12, 3)
TIMES = {"open1": "10:00", "open2": "14:00", "close": "16:40"}
ON = {"check_before_sell": True}


def stock(symbol: str = "PTT", prev_close: str = "33.50", **kw: Any) -> InstrumentSpec:
    return InstrumentSpec(symbol, parse_price(prev_close), listed_shares=10**9, **kw)


class Day:
    """A MeasuredEngine on one day (and the next ones); each call returns its events."""

    def __init__(self, *holdings: Holding, rules: dict[str, Any] | None = None,
                 instruments: Sequence[InstrumentSpec] = (), gate: Gate | None = None,
                 engine: Engine | MeasuredEngine | None = None) -> None:
        self.host: Engine | MeasuredEngine = engine if engine is not None else MeasuredEngine(
            Engine(), gate or Gate(Availability(holdings)))
        self.log: list[Command] = []
        self.printed: list[Event] = []
        self.date = DATE
        self.events = self.start(rules if rules is not None else ON, instruments or (stock(),))

    def start(self, rules: dict[str, Any], instruments: Sequence[InstrumentSpec] = (),
              date: dt.date | None = None) -> list[Event]:
        self.date = date or self.date
        return self.run(StartDay(
            day_start(self.date), self.date.isoformat(), 1, rules,
            tuple(instruments), (), {k: parse_time_of_day(v) for k, v in TIMES.items()}))

    @property
    def measured(self) -> MeasuredEngine:
        assert isinstance(self.host, MeasuredEngine)
        return self.host

    def ts(self, at: str) -> int:
        return day_start(self.date) + parse_time_of_day(at)

    def run(self, command: Command) -> list[Event]:
        self.log.append(command)
        events = self.host.handle(command)
        self.printed += events
        return events

    def sell(self, at: str, cid: str, qty: int, price: str = "33.50", *, account: str = "A1",
             symbol: str = "PTT", member: str = "M1", **kw: Any) -> list[Event]:
        return self.order(at, cid, "sell", qty, price, account=account, symbol=symbol,
                          member=member, **kw)

    def buy(self, at: str, cid: str, qty: int, price: str = "33.50", *, account: str = "B1",
            symbol: str = "PTT", member: str = "M2", **kw: Any) -> list[Event]:
        return self.order(at, cid, "buy", qty, price, account=account, symbol=symbol,
                          member=member, **kw)

    def order(self, at: str, cid: str, side: str, qty: int, price: str | None, *,
              account: str, symbol: str, member: str, type: str = "limit",
              validity: str = "day", **kw: Any) -> list[Event]:
        return self.run(NewOrder(self.ts(at), cid, member, account, symbol, Side(side), qty,
                                 OrderType(type), parse_price(price) if price else None,
                                 Validity(validity), **kw))

    def amend(self, at: str, cid: str, qty: int) -> list[Event]:
        return self.run(AmendOrder(self.ts(at), cid, qty=qty))

    def cancel(self, at: str, cid: str) -> list[Event]:
        return self.run(CancelOrder(self.ts(at), cid))

    def report(self, at: str, cid: str, qty: int, *, buy_member: str = "M1",
               sell_account: str = "A1", price: str = "33.50") -> list[Event]:
        return self.run(TradeReport(self.ts(at), cid, "PTT", qty, parse_price(price), "M1",
                                    sell_account, buy_member, "B1"))

    def available(self, account: str = "A1", symbol: str = "PTT", *, member: str = "M1",
                  short: bool = False) -> int:
        return self.measured.availability(member, account, symbol, short=short)


def refusals(events: Sequence[Event]) -> list[tuple[str, str, str]]:
    return [(e.id, e.reason.value, e.text) for e in events if isinstance(e, Rejected)]


def accepted(events: Sequence[Event]) -> list[str]:
    return [e.id for e in events if isinstance(e, Accepted)]


def test_a_sell_of_exactly_the_available_quantity_passes_one_share_more_is_refused() -> None:
    day = Day(Holding("M1", "A1", "PTT", settled=1000),
              Holding("M1", "A2", "PTT", settled=1000, pledged=1))
    assert day.available("A1") == 1000
    assert accepted(day.sell("10:30", "s1", 1000)) == ["s1"]
    assert day.available("A1") == 0
    assert refusals(day.sell("10:31", "s2", 1, "33.75")) == [
        ("s2", "NO_SECURITIES", "M1/A1 has 0 PTT available to sell, the order is for 1")]
    assert refusals(day.sell("10:32", "s3", 1000, account="A2")) == [
        ("s3", "NO_SECURITIES", "M1/A2 has 999 PTT available to sell, the order is for 1,000")]
    assert accepted(day.sell("10:33", "s4", 99, account="A2")) == ["s4"]  # an odd lot
    assert refusals(day.sell("10:34", "s5", 1000, account="A2"))[0][2] == (
        "M1/A2 has 900 PTT available to sell, the order is for 1,000")
    assert accepted(day.sell("10:35", "s6", 900, account="A2")) == ["s6"]


def test_an_account_the_depository_does_not_list_has_nothing_to_sell() -> None:
    day = Day()
    assert refusals(day.sell("10:30", "s1", 100)) == [
        ("s1", "NO_SECURITIES", "M1/A1 has 0 PTT available to sell, the order is for 100")]


def test_shares_bought_earlier_in_the_day_may_be_sold_before_they_settle() -> None:
    day = Day(Holding("M2", "B1", "PTT", settled=500))
    day.sell("10:30", "mkt", 500, account="B1", member="M2")
    assert day.buy("10:31", "b1", 300, account="A1", member="M1")  # bought from B1
    assert day.available("A1") == 300
    assert accepted(day.sell("10:32", "s1", 300, "34.00")) == ["s1"]
    assert refusals(day.sell("10:33", "s2", 100, "34.00"))[0][1] == "NO_SECURITIES"


def test_pledged_and_lent_shares_are_not_sellable() -> None:
    day = Day(Holding("M1", "A1", "PTT", settled=1000, pledged=600, lent=300))
    assert day.available("A1") == 100
    assert refusals(day.sell("10:30", "s1", 200))[0][2] == (
        "M1/A1 has 100 PTT available to sell, the order is for 200")


def test_shares_sold_but_not_settled_are_no_longer_sellable() -> None:
    day = Day(Holding("M1", "A1", "PTT", settled=1000, receivable=200, deliverable=700))
    assert day.available("A1") == 500


def test_a_short_sale_is_covered_by_borrowing_and_only_by_it() -> None:
    day = Day(Holding("M1", "A1", "PTT", settled=5000, borrowed=1000, short_sold=200),
              rules=ON, instruments=(stock(short_eligible=True),))
    assert day.available("A1", short=True) == 800
    assert accepted(day.sell("10:30", "ss1", 800, "33.75", short=True)) == ["ss1"]
    assert refusals(day.sell("10:31", "ss2", 100, "33.75", short=True)) == [
        ("ss2", "NO_SECURITIES",
         "M1/A1 has 0 PTT borrowed and not yet sold short, the short sale is for 100")]
    assert day.available("A1") == 5000  # the borrowing is no ordinary holding, nor the reverse
    day.buy("10:32", "b1", 800, "33.75")
    assert day.available("A1", short=True) == 0
    assert day.measured.gate.ledger.balance(("M1", "A1", "PTT")).short_sold == 1000


def test_an_account_without_borrowing_cannot_sell_short() -> None:
    day = Day(Holding("M1", "A1", "PTT", settled=5000), instruments=(stock(short_eligible=True),))
    assert refusals(day.sell("10:30", "ss1", 100, "33.75", short=True))[0][1] == "NO_SECURITIES"


def test_an_nvdr_sell_is_covered_by_the_nvdr_holding() -> None:
    day = Day(Holding("M1", "A1", "PTT", settled=100), Holding("M1", "A1", "PTT-R", settled=500))
    assert refusals(day.sell("10:30", "n1", 600, nvdr=True))[0][2] == (
        "M1/A1 has 500 PTT-R available to sell, the order is for 600")
    assert accepted(day.sell("10:31", "n2", 500, nvdr=True)) == ["n2"]
    assert (day.available("A1", "PTT-R"), day.available("A1", "PTT")) == (0, 100)
    day.buy("10:32", "b1", 100, account="A1", member="M1", nvdr=True)  # meets n2
    assert day.measured.gate.ledger.balance(("M1", "A1", "PTT-R")).receivable == 100
    assert (day.available("A1", "PTT-R"), day.available("A1", "PTT")) == (100, 100)


@pytest.mark.parametrize(("order", "reason"), [
    ({"price": "33.51"}, "TICK_SIZE"),
    ({"symbol": "NONE"}, "UNKNOWN_SYMBOL"),
    ({"qty": 150}, "BOARD_LOT"),
    ({"short": True, "price": "33.75"}, "SHORT_SALE_NOT_ELIGIBLE"),
    ({"validity": "gtd", "expire_date": "2026-12-02"}, "INVALID"),
])
def test_the_engines_own_refusal_comes_before_check_before_sell(order: dict[str, Any],
                                                                 reason: str) -> None:
    day = Day()
    fields: dict[str, Any] = {"qty": 100, "price": "33.50", **order}
    events = day.sell("10:30", "s1", fields.pop("qty"), fields.pop("price"), **fields)
    assert [r[1] for r in refusals(events)] == [reason]


def test_a_duplicate_id_is_the_engines_to_refuse() -> None:
    day = Day(Holding("M1", "A1", "PTT", settled=100))
    day.sell("10:30", "s1", 100)
    assert [r[1] for r in refusals(day.sell("10:31", "s1", 100))] == ["DUPLICATE_ID"]


def test_what_is_due_by_an_orders_time_happens_before_its_check() -> None:
    day = Day(Holding("M2", "B1", "PTT", settled=1000))
    day.sell("09:40", "pre-s", 1000, account="B1", member="M2")
    day.buy("09:41", "pre-b", 1000, account="A1", member="M1")
    events = day.sell("10:00:01", "s1", 1000, "33.75")  # the 10:00 auction bought them
    assert [type(e).__name__ for e in events if isinstance(e, AuctionResult | Trade)] == [
        "AuctionResult", "Trade"]
    assert accepted(events) == ["s1"]
    refused = day.sell("10:40:00", "s2", 100, "33.75")
    assert refusals(refused)[0][1] == "NO_SECURITIES"
    last = refused[-1]
    assert isinstance(last, Rejected)
    assert (last.ts, last.reason) == (day.ts("10:40:00"), Reject.NO_SECURITIES)


def test_a_refusal_after_a_scheduled_auction_prints_after_it() -> None:
    day = Day(Holding("M2", "B1", "PTT", settled=1000))
    day.sell("09:40", "pre-s", 100, account="B1", member="M2")
    events = day.sell("10:00:01", "s1", 100)
    assert isinstance(events[-1], Rejected)
    assert any(isinstance(e, AuctionResult) for e in events[:-1])


def test_an_amend_raising_a_sell_must_be_covered_by_the_increase() -> None:
    day = Day(Holding("M1", "A1", "PTT", settled=1000))
    day.sell("10:30", "s1", 600, "34.00")
    assert refusals(day.amend("10:31", "s1", 1100)) == [
        ("s1", "NO_SECURITIES", "M1/A1 has 400 PTT available to sell, the amend adds 500")]
    assert [type(e).__name__ for e in day.amend("10:32", "s1", 1000)] == [
        "Amended"]  # exactly the 400 left
    assert day.available("A1") == 0
    day.amend("10:33", "s1", 300)
    assert day.available("A1") == 700
    day.cancel("10:34", "s1")
    assert day.available("A1") == 1000


def test_an_amend_the_engine_refuses_is_left_to_it() -> None:
    day = Day(Holding("M1", "A1", "PTT", settled=100))
    day.sell("10:30", "s1", 100, "34.00")
    assert [r[1] for r in refusals(day.amend("10:31", "s1", 150))] == ["BOARD_LOT"]
    assert [r[1] for r in refusals(day.amend("10:31", "nope", 200))] == ["UNKNOWN_ORDER"]


def test_a_partly_filled_sell_reserves_only_its_remainder() -> None:
    day = Day(Holding("M1", "A1", "PTT", settled=1000))
    day.sell("10:30", "s1", 1000, "33.50")
    day.buy("10:31", "b1", 400, "33.50")
    ledger = day.measured.gate.ledger.balance(("M1", "A1", "PTT"))
    assert (ledger.resting, ledger.deliverable, day.available("A1")) == (600, 400, 0)
    day.cancel("10:32", "s1")
    assert day.available("A1") == 600


def test_a_trade_report_must_be_covered_by_the_seller() -> None:
    day = Day(Holding("M1", "A1", "PTT", settled=1_000_000))
    refused = day.report("10:30", "tr1", 1_000_100)
    assert refusals(refused) == [("tr1", "NO_SECURITIES",
                                  "M1/A1 has 1,000,000 PTT available to sell, the trade report "
                                  "is for 1,000,100")]
    events = day.report("10:31", "tr2", 1_000_000)
    assert [e.qty for e in events if isinstance(e, Trade)] == [1_000_000]
    assert day.available("A1") == 0
    assert day.measured.gate.ledger.balance(("M1", "A1", "PTT")).deliverable == 1_000_000
    assert day.available("B1") == 1_000_000  # the buyer may sell what it bought


def test_a_two_firm_report_reserves_until_it_trades_or_expires() -> None:
    day = Day(Holding("M1", "A1", "PTT", settled=1_500_000))
    day.report("10:30", "tr1", 1_000_000, buy_member="M2")
    assert day.available("A1") == 500_000
    assert refusals(day.sell("10:31", "s1", 600_000))[0][1] == "NO_SECURITIES"
    day.run(ConfirmTradeReport(day.ts("10:32"), "tr1", "M2"))
    ledger = day.measured.gate.ledger.balance(("M1", "A1", "PTT"))
    assert (ledger.resting, ledger.deliverable, day.available("A1")) == (0, 1_000_000, 500_000)
    day.report("10:33", "tr2", 500_000, buy_member="M2")
    assert day.available("A1") == 0
    day.run(AdvanceTime(day.ts("17:01")))  # never confirmed: cancelled as the day ends
    assert day.available("A1") == 500_000


def test_a_gtc_sell_carried_overnight_keeps_its_reservation_once() -> None:
    day = Day(Holding("M1", "A1", "PTT", settled=1000))
    day.sell("10:30", "gtc", 600, "34.00", validity="gtc")
    day.sell("10:31", "dayorder", 400, "34.00")
    day.run(AdvanceTime(day.ts("17:00")))
    assert day.available("A1") == 400  # the Day order expired, the GTC rests
    day.start(ON, (stock(prev_close="33.50"),), dt.date(2026, 12, 4))
    assert day.available("A1") == 400
    assert refusals(day.sell("10:30", "s2", 500, "34.00"))[0][2] == (
        "M1/A1 has 400 PTT available to sell, the order is for 500")
    assert accepted(day.sell("10:31", "s3", 400, "34.00")) == ["s3"]


def test_a_carried_sell_the_next_day_drops_is_released() -> None:
    day = Day(Holding("M1", "A1", "PTT", settled=1000))
    day.sell("10:30", "gtc", 600, "43.50", validity="gtc")  # the ceiling
    day.run(AdvanceTime(day.ts("17:00")))
    day.start(ON, (stock(prev_close="30.00"),), dt.date(2026, 12, 4))  # 43.50 above the new
    assert day.available("A1") == 1000


def test_an_engine_restored_with_resting_sells_has_them_reserved() -> None:
    plain = Day(engine=Engine(), rules={})
    plain.sell("10:30", "gtc", 600, "34.00", validity="gtc")
    assert isinstance(plain.host, Engine)
    measured = MeasuredEngine(plain.host, Gate(Availability([Holding("M1", "A1", "PTT",
                                                                     settled=1000)])))
    assert measured.availability("M1", "A1", "PTT") == 400


class Recorder:
    """An extra measure that refuses orders for account X and remembers what it saw."""

    def __init__(self) -> None:
        self.checked: list[str] = []
        self.seen: list[tuple[str, list[str]]] = []

    def check(self, command: NewOrder, engine: Engine) -> tuple[Reject, str] | None:
        self.checked.append(command.id)
        return (Reject.SCREENED, "screened") if command.account == "X" else None

    def observe(self, command: Command, events: list[Event]) -> None:
        self.seen.append((type(command).__name__, [type(e).__name__ for e in events]))


def test_extra_measures_run_after_check_before_sell_and_see_every_command() -> None:
    recorder = Recorder()
    extras: list[PreTrade] = [recorder]
    day = Day(Holding("M1", "A1", "PTT", settled=100),
              gate=Gate(Availability([Holding("M1", "A1", "PTT", settled=100)]), extras))
    day.sell("10:30", "s1", 200)  # refused by check-before-sell: the extra is not asked
    day.buy("10:31", "b1", 100, account="X")
    day.buy("10:32", "b2", 100)
    assert recorder.checked == ["b1", "b2"]
    assert [r[1] for r in refusals(day.buy("10:33", "b3", 100, account="X"))] == ["SCREENED"]
    assert ("NewOrder", ["Rejected"]) in recorder.seen
    assert ("NewOrder", ["Accepted"]) in recorder.seen
    assert recorder.seen[0][0] == "StartDay"


def test_with_the_switch_off_the_day_runs_as_the_engine_alone() -> None:
    def flow(day: Day) -> list[Event]:
        out = []
        out += day.sell("09:40", "p1", 1000, account="B1", member="M2")
        out += day.buy("09:41", "p2", 600, account="A1", member="M1")
        out += day.sell("10:00:01", "s1", 5000, "33.75")
        out += day.amend("10:30", "s1", 9000)
        out += day.report("10:31", "tr1", 1_000_000)
        out += day.run(AdvanceTime(day.ts("17:00")))
        return out

    alone = Day(engine=Engine(), rules={})
    gated = Day(Holding("M1", "A1", "PTT", settled=1), rules={})
    assert gated.events == alone.events
    assert flow(gated) == flow(alone)
    assert gated.available("A1") == 0  # the ledger still follows the day


def test_the_gate_state_round_trips() -> None:
    day = Day(Holding("M1", "A1", "PTT", settled=1000, borrowed=50),
              instruments=(stock(short_eligible=True),))
    day.sell("10:30", "s1", 300, "34.00")
    day.sell("10:31", "n1", 50, "34.00", nvdr=True)  # refused: no NVDRs
    state = day.measured.gate.state()
    copy = Gate.from_state(state)
    assert copy.state() == state
    assert copy.available("M1", "A1", "PTT") == 700
    assert copy.ledger.key_of("s1") == ("M1", "A1", "PTT")


@pytest.mark.parametrize("data", [
    None, [], {"version": 2, "availability": {"balances": [], "orders": []}},
    {"version": 1, "availability": {"balances": [], "orders": []}, "x": 1},
    {"version": 1, "availability": {"balances": [["M1", "A1", "PTT", *[0] * 8]], "orders": []}},
    {"version": 1, "availability": {"balances": [], "orders": [["s1", "M1", "A1", "PTT", 1,
                                                                 False, 100]]}},
    {"version": 1, "availability": {"balances": [], "orders": [["s1", "M1", "A1", "PTT", True,
                                                                 False, -1]]}},
])
def test_a_bad_gate_state_is_refused(data: Any) -> None:
    with pytest.raises(SiamexError) as caught:
        Gate.from_state(data)
    assert caught.value.code is ErrorCode.MEASURES_STATE


def _scenario(rules: dict[str, Any], date: str = "2026-12-03") -> Scenario:
    start = StartDay(day_start(dt.date.fromisoformat(date)), date, rules=rules)
    return Scenario((DayPlan(start, (), 0),))


def test_check_before_sell_without_holdings_refuses_the_run() -> None:
    with pytest.raises(SiamexError, match="check_before_sell is on for 2026-12-03: it needs"):
        measured_engine(_scenario(ON), None)
    assert type(measured_engine(_scenario({}), None)) is Engine


def test_the_depository_must_be_of_the_scenarios_first_day() -> None:
    depository = Depository(dt.date(2026, 12, 2), (Holding("M1", "A1", "PTT", settled=5),))
    with pytest.raises(SiamexError) as caught:
        measured_engine(_scenario(ON), depository)
    assert caught.value.code is ErrorCode.DEPOSITORY_FILE
    host = measured_engine(_scenario(ON, "2026-12-02"), depository)
    assert isinstance(host, MeasuredEngine)
    assert host.availability("M1", "A1", "PTT") == 5
