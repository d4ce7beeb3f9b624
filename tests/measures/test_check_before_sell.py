"""Check-before-sell in the engine: at its boundary, the engine's own checks first, the clock
before the refusal, amends and trade reports, the screening after it, and a day unchanged with
the check off."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import pytest

from siamex.errors import ErrorCode, SiamexError
from siamex.measures.availability import attach, load, measured_engine
from siamex.measures.depository import Depository, Holding
from siamex.scenario.loader import DayPlan, Scenario
from siamex.trading.balance import Balance, Key
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
from siamex.trading.holdings import Holdings
from siamex.trading.order import Order
from siamex.trading.rejects import Reject
from siamex.units import day_start, parse_price, parse_time_of_day

DATE = dt.date(2026, 12, 3)
TIMES = {"open1": "10:00", "open2": "14:00", "close": "16:40"}
ON = {"check_before_sell": True}


def stock(symbol: str = "PTT", prev_close: str = "33.50", **kw: Any) -> InstrumentSpec:
    return InstrumentSpec(symbol, parse_price(prev_close), listed_shares=10**9, **kw)


def opened(*rows: Holding) -> Holdings:
    holdings = Holdings()
    load(holdings, rows)
    return holdings


class Day:
    """An engine keeping holdings on one day (and the next ones); each call returns its
    events."""

    def __init__(self, *holdings: Holding, rules: dict[str, Any] | None = None,
                 instruments: Sequence[InstrumentSpec] = (), engine: Engine | None = None,
                 started: bool = False) -> None:
        """`started`: the engine is in the day already (restored), no StartDay is sent."""
        self.host = engine if engine is not None else attach(Engine(), opened(*holdings))
        self.log: list[Command] = []
        self.printed: list[Event] = []
        self.date = DATE
        self.events = [] if started else self.start(rules if rules is not None else ON,
                                                    instruments or (stock(),))

    def start(self, rules: dict[str, Any], instruments: Sequence[InstrumentSpec] = (),
              date: dt.date | None = None) -> list[Event]:
        self.date = date or self.date
        return self.run(StartDay(
            day_start(self.date), self.date.isoformat(), 1, rules,
            tuple(instruments), (), {k: parse_time_of_day(v) for k, v in TIMES.items()}))

    @property
    def holdings(self) -> Holdings:
        assert self.host.holdings is not None
        return self.host.holdings

    def balance(self, key: Key) -> Balance:
        return self.holdings.balance(*key)

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
        return self.holdings.available(member, account, symbol, short=short)


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
    assert day.balance(("M1", "A1", "PTT")).short_sold == 1000


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
    assert day.balance(("M1", "A1", "PTT-R")).receivable == 100
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
    ledger = day.balance(("M1", "A1", "PTT"))
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
    assert day.balance(("M1", "A1", "PTT")).deliverable == 1_000_000
    assert day.available("B1") == 1_000_000  # the buyer may sell what it bought


def test_a_two_firm_report_reserves_until_it_trades_or_expires() -> None:
    day = Day(Holding("M1", "A1", "PTT", settled=1_500_000))
    day.report("10:30", "tr1", 1_000_000, buy_member="M2")
    assert day.available("A1") == 500_000
    assert refusals(day.sell("10:31", "s1", 600_000))[0][1] == "NO_SECURITIES"
    day.run(ConfirmTradeReport(day.ts("10:32"), "tr1", "M2"))
    ledger = day.balance(("M1", "A1", "PTT"))
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
    engine = attach(plain.host, opened(Holding("M1", "A1", "PTT", settled=1000)))
    assert engine.holdings is not None
    assert engine.holdings.available("M1", "A1", "PTT") == 400


def test_holdings_given_while_a_two_firm_report_waits_reserve_its_shares() -> None:
    plain = Day(engine=Engine(), rules={})
    plain.report("10:30", "tr1", 1_000_000, buy_member="M2")
    engine = attach(plain.host, opened(Holding("M1", "A1", "PTT", settled=1_500_000)))
    assert engine.holdings is not None
    assert engine.holdings.available("M1", "A1", "PTT") == 500_000
    plain.run(ConfirmTradeReport(plain.ts("10:31"), "tr1", "M2"))
    balance = engine.holdings.balance("M1", "A1", "PTT")
    assert (balance.resting, balance.deliverable, balance.sellable()) == (0, 1_000_000, 500_000)


def test_with_screening_on_an_engine_without_a_screening_refuses_what_it_would_screen() -> None:
    day = Day(engine=Engine(), rules={"order_screening": True},
              instruments=(stock(short_eligible=True),))
    assert refusals(day.sell("10:30", "ss1", 100, "33.75", short=True)) == [
        ("ss1", "SCREENED", "order_screening is on, but the exchange runs no order screening")]
    assert accepted(day.sell("10:31", "s1", 100, "33.75")) == ["s1"]  # not a short sale


def test_with_the_check_on_an_engine_without_holdings_refuses_every_sell() -> None:
    day = Day(engine=Engine())
    assert refusals(day.sell("10:30", "s1", 100)) == [
        ("s1", "NO_SECURITIES",
         "check_before_sell is on, but the exchange has no depository holdings open")]
    assert accepted(day.buy("10:31", "b1", 100)) == ["b1"]
    assert [r[1] for r in refusals(day.report("10:32", "tr1", 1_000_000))] == ["NO_SECURITIES"]


class Recorder:
    """A screening that refuses orders for account X and remembers what it was asked."""

    def __init__(self) -> None:
        self.checked: list[str] = []
        self.cancels: list[str] = []
        self.days = 0

    def check(self, command: NewOrder, inst: Any, rules: Any,
              holdings: Any) -> tuple[Reject, str] | None:
        self.checked.append(command.id)
        return (Reject.SCREENED, "screened") if command.account == "X" else None

    def cancelled(self, order: Order, ts: int) -> None:
        self.cancels.append(order.id)

    def start_day(self, rules: Any) -> None:
        self.days += 1


def test_the_screening_is_asked_after_check_before_sell_about_the_orders_it_names() -> None:
    recorder = Recorder()
    holdings = opened(Holding("M1", "A1", "PTT", settled=100),
                      Holding("M1", "X", "PTT", borrowed=1000))
    rules = {**ON, "order_screening": True}
    day = Day(engine=attach(Engine(), holdings, recorder), rules=rules,
              instruments=(stock(short_eligible=True),))
    assert recorder.days == 1
    day.sell("10:30", "s1", 200, "33.75", short=True)  # no borrowing: refused before it
    day.buy("10:31", "b1", 100, "33.00", account="X", member="M1")  # no short sale
    day.sell("10:32", "s2", 100, "33.25", account="X", short=True)  # the engine's own refusal
    assert recorder.checked == []
    assert refusals(day.sell("10:33", "s3", 100, "33.75", account="X", short=True)) == [
        ("s3", "SCREENED", "screened")]
    assert recorder.checked == ["s3"]
    day.cancel("10:34", "b1")
    assert recorder.cancels == ["b1"]


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
    measured = Day(Holding("M1", "A1", "PTT", settled=1), rules={})
    assert measured.events == alone.events
    assert flow(measured) == flow(alone)
    assert measured.available("A1") == 0  # the holdings still follow the day


def _scenario(rules: dict[str, Any], date: str = "2026-12-03") -> Scenario:
    start = StartDay(day_start(dt.date.fromisoformat(date)), date, rules=rules)
    return Scenario((DayPlan(start, (), 0),))


def test_check_before_sell_without_holdings_refuses_the_run() -> None:
    with pytest.raises(SiamexError, match="check_before_sell is on for 2026-12-03: it needs"):
        measured_engine(_scenario(ON), None)
    assert measured_engine(_scenario({}), None).holdings is None


def test_the_depository_must_be_of_the_scenarios_first_day() -> None:
    depository = Depository(dt.date(2026, 12, 2), (Holding("M1", "A1", "PTT", settled=5),))
    with pytest.raises(SiamexError) as caught:
        measured_engine(_scenario(ON), depository)
    assert caught.value.code is ErrorCode.DEPOSITORY_FILE
    host = measured_engine(_scenario(ON, "2026-12-02"), depository)
    assert host.holdings is not None
    assert host.holdings.available("M1", "A1", "PTT") == 5
