"""Central order screening: short sales and program-trading orders refused SCREENED, each rule
at its boundary, in the engine as a host runs it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from msgspec.structs import replace

from siamex.bench.workload import generate
from siamex.errors import ErrorCode, SiamexError
from siamex.measures.availability import attach
from siamex.measures.investors import Investors
from siamex.measures.screening import Screening
from siamex.trading.commands import (
    AccountSpec,
    CancelOrder,
    Command,
    IndexSpec,
    InstrumentSpec,
    NewOrder,
    StartDay,
)
from siamex.trading.engine import Engine
from siamex.trading.enums import OrderType, Side, Validity
from siamex.trading.events import Accepted, Event, Rejected, Trade
from siamex.trading.rejects import Reject
from siamex.units import US_PER_SECOND, day_start, parse_time_of_day

DAY = dt.date(2026, 11, 20)
BASE = day_start(DAY)
WASHER = "INV-e4a03d7b91c2f65d08b3"
LINKS = ((WASHER, "M1", "W1"), (WASHER, "M4", "W2"), (WASHER, "M3", "H1"))
BUY, SELL = Side.BUY, Side.SELL


def at(text: str, seconds: float = 0) -> int:
    return BASE + parse_time_of_day(text) + int(seconds * US_PER_SECOND)


class Market:
    """An engine with the screening, on a day of two SET100 securities: PTT
    (33.50, ticks of 0.25) and SCC (20.00, ticks of 0.10); H1 and H2 are high-frequency."""

    def __init__(self, screening: bool = True, links: Any = LINKS, **rules: Any) -> None:
        self.screening = Screening(Investors(links))
        self.host = attach(Engine(), None, self.screening)
        self.next = 0
        index = IndexSpec("SET100", 215_000)
        specs = tuple(InstrumentSpec(symbol, close, listed_shares=1_000_000_000,
                                     short_eligible=True, index_member=("SET100",))
                      for symbol, close in (("PTT", 3350), ("SCC", 2000)))
        times = {"open1": parse_time_of_day("10:00"), "open2": parse_time_of_day("14:00"),
                 "close": parse_time_of_day("16:40")}
        accounts = tuple(AccountSpec(a, hft=True, hft_registered=True) for a in ("H1", "H2"))
        self.send(StartDay(BASE, DAY.isoformat(), 1, {"order_screening": screening, **rules},
                           specs, auction_times=times, indices=(index,), accounts=accounts))

    def send(self, command: Command) -> list[Event]:
        return self.host.handle(command)

    def order(self, ts: int, member: str, account: str, symbol: str, side: Side, qty: int,
              price: int | None, kind: OrderType = OrderType.LIMIT, short: bool = False,
              order_id: str | None = None, validity: Validity = Validity.DAY) -> list[Event]:
        self.next += 1
        return self.send(NewOrder(ts, order_id or f"o{self.next}", member, account, symbol,
                                  side, qty, kind, price, validity, short=short))


def refusal(events: list[Event]) -> Rejected | None:
    found = [e for e in events if isinstance(e, Rejected)]
    return found[-1] if found else None


def screened(events: list[Event]) -> str | None:
    found = refusal(events)
    return found.text if found is not None and found.reason is Reject.SCREENED else None


def accepted(events: list[Event]) -> bool:
    return any(isinstance(e, Accepted) for e in events)


# -- which orders are screened ---------------------------------------------------------------

def test_with_screening_off_a_short_sale_against_its_own_investor_trades() -> None:
    market = Market(screening=False)
    market.order(at("10:10"), "M4", "W2", "PTT", BUY, 1000, 3375)
    events = market.order(at("10:11"), "M1", "W1", "PTT", SELL, 1000, 3375, short=True)
    assert any(isinstance(e, Trade) for e in events)


def test_only_short_sales_and_high_frequency_orders_are_screened() -> None:
    market = Market()
    market.order(at("10:10"), "M4", "W2", "PTT", BUY, 1000, 3375)
    short = market.order(at("10:11"), "M1", "W1", "PTT", SELL, 300, 3375, short=True)
    assert screened(short) is not None
    program = market.order(at("10:12"), "M3", "H1", "PTT", SELL, 300, 3375)
    assert screened(program) is not None
    ordinary = market.order(at("10:13"), "M1", "W1", "PTT", SELL, 400, 3375)
    assert any(isinstance(e, Trade) for e in ordinary)  # an ordinary sell is not screened


def test_the_engines_own_refusal_wins_over_the_screening() -> None:
    market = Market()
    market.order(at("10:10"), "M4", "W2", "PTT", BUY, 1000, 3350)
    # 8.2: a short sale at the last price fails the uptick test before any screening
    events = market.order(at("10:11"), "M1", "W1", "PTT", SELL, 1000, 3350, short=True)
    found = refusal(events)
    assert found is not None and found.reason is Reject.SHORT_SALE_PRICE


# -- wash ------------------------------------------------------------------------------------

def test_a_short_sale_that_would_trade_with_its_investors_order_at_another_member_is_refused(
        ) -> None:
    market = Market()
    market.order(at("10:10"), "M4", "W2", "PTT", BUY, 1000, 3375)
    events = market.order(at("10:11"), "M1", "W1", "PTT", SELL, 1000, 3375, short=True)
    assert screened(events) == ("screened (wash): the sell would trade with a resting buy of "
                                "the same investor (an order through another member)")
    assert not accepted(events)
    other = market.order(at("10:12"), "M2", "X1", "PTT", SELL, 1000, 3375, short=True)
    assert any(isinstance(e, Trade) for e in other)


def test_an_order_aimed_at_its_investors_order_behind_a_better_one_is_refused() -> None:
    market = Market()
    market.order(at("10:10"), "M4", "W2", "PTT", BUY, 1000, 3325)
    market.order(at("10:11"), "M2", "X1", "PTT", BUY, 1000, 3375)  # better, not the investor's
    events = market.order(at("10:12"), "M3", "H1", "PTT", SELL, 1000, 3325)  # high-frequency
    assert screened(events) == ("screened (wash): the sell would trade with a resting buy of "
                                "the same investor (an order through another member)")


def test_an_nvdr_order_of_the_investor_is_its_own_order_too() -> None:
    market = Market()
    market.send(NewOrder(at("10:10"), "nv", "M4", "W2", "PTT", BUY, 1000, OrderType.LIMIT,
                         3375, Validity.DAY, nvdr=True))
    events = market.order(at("10:11"), "M1", "W1", "PTT", SELL, 1000, 3375, short=True)
    assert screened(events) == ("screened (wash): the sell would trade with a resting buy of "
                                "the same investor (an order through another member)")


def test_an_investors_order_gone_from_the_book_no_longer_counts() -> None:
    market = Market()
    market.order(at("10:10"), "M4", "W2", "PTT", BUY, 1000, 3375, order_id="gone")
    market.order(at("10:11"), "M2", "X1", "PTT", SELL, 400, 3375)  # fills part of it
    market.send(CancelOrder(at("10:12"), "gone"))
    events = market.order(at("10:13"), "M3", "H1", "PTT", SELL, 1000, 3375)  # high-frequency
    assert screened(events) is None and accepted(events)


def test_a_resting_order_of_the_same_member_is_named_by_its_id() -> None:
    market = Market()
    market.order(at("10:10"), "M3", "H1", "SCC", BUY, 100, 2000, order_id="bid")
    events = market.order(at("10:11"), "M3", "H1", "SCC", SELL, 100, 1990)
    assert screened(events) == ("screened (wash): the sell would trade with a resting buy of "
                                "the same investor (order bid at 20.00)")


def test_a_price_that_does_not_reach_its_own_order_passes() -> None:
    market = Market()
    market.order(at("10:10"), "M4", "W2", "PTT", BUY, 1000, 3375)
    events = market.order(at("10:11"), "M1", "W1", "PTT", SELL, 1000, 3400, short=True)
    assert screened(events) is None and accepted(events)


def test_an_odd_lot_does_not_trade_with_its_investors_board_lot() -> None:
    market = Market()
    market.order(at("10:10"), "M3", "H1", "SCC", BUY, 100, 2000)
    odd = market.order(at("10:11"), "M3", "H1", "SCC", SELL, 50, 2000)
    assert screened(odd) is None and accepted(odd)


def test_an_auction_order_without_a_price_crosses_every_price() -> None:
    market = Market()
    market.order(at("09:40"), "M4", "W2", "PTT", BUY, 1000, None, OrderType.ATO)
    events = market.order(at("09:41"), "M1", "W1", "PTT", SELL, 1000, 3475, short=True)
    text = screened(events)
    assert text is not None and text.endswith("(an order through another member)")


# -- push ------------------------------------------------------------------------------------

def test_a_buy_exactly_at_the_limit_above_the_reference_passes_one_tick_more_is_refused(
        ) -> None:
    market = Market()
    exactly = market.order(at("10:10"), "M3", "H1", "SCC", BUY, 100, 2100)  # +5.00%
    assert screened(exactly) is None and accepted(exactly)
    beyond = market.order(at("10:11"), "M3", "H1", "SCC", BUY, 100, 2110)
    assert screened(beyond) == ("screened (push): buy at 21.10 is 5.50% above 20.00, more than "
                                "5.00%")
    ordinary = market.order(at("10:12"), "M5", "Y1", "SCC", BUY, 100, 2110)
    assert screened(ordinary) is None and accepted(ordinary)


def test_the_text_gives_the_move_to_the_hundredth() -> None:
    market = Market()
    events = market.order(at("10:10"), "M3", "H2", "PTT", BUY, 100, 3600)
    assert screened(events) == ("screened (push): buy at 36.00 is 7.46% above 33.50, more "
                                "than 5.00%")


def test_a_sell_that_far_below_the_reference_is_refused() -> None:
    market = Market()
    exactly = market.order(at("10:10"), "M3", "H1", "SCC", SELL, 100, 1900)  # -5.00%
    assert screened(exactly) is None and accepted(exactly)
    beyond = market.order(at("10:11"), "M3", "H2", "SCC", SELL, 100, 1890)
    assert screened(beyond) == ("screened (push): sell at 18.90 is 5.50% below 20.00, more "
                                "than 5.00%")


def test_the_limit_is_a_rulebook_parameter() -> None:
    market = Market(screen_price_pct=10)
    events = market.order(at("10:10"), "M3", "H1", "SCC", BUY, 100, 2200)  # +10.00%
    assert screened(events) is None and accepted(events)


def test_a_market_order_is_judged_at_the_last_level_its_quantity_reaches() -> None:
    market = Market()
    market.order(at("10:05"), "M5", "Y1", "SCC", SELL, 100, 2050)
    market.order(at("10:05", 1), "M5", "Y1", "SCC", SELL, 100, 2100)
    market.order(at("10:05", 2), "M5", "Y1", "SCC", SELL, 100, 2120)
    within = market.order(at("10:10"), "M3", "H1", "SCC", BUY, 200, None, OrderType.MP_MKT)
    assert screened(within) is None and accepted(within)  # reaches 21.00: +5.00%
    beyond = market.order(at("10:11"), "M3", "H1", "SCC", BUY, 200, None, OrderType.MP_MKT)
    # the reference is now 21.00; only 21.20 is left: +0.95%
    assert screened(beyond) is None


def test_a_market_order_deeper_than_the_book_is_judged_at_its_far_end() -> None:
    market = Market()
    market.order(at("10:05"), "M5", "Y1", "SCC", SELL, 100, 2050)
    market.order(at("10:05", 1), "M5", "Y1", "SCC", SELL, 100, 2120)
    events = market.order(at("10:10"), "M3", "H1", "SCC", BUY, 500, None, OrderType.MP_MKT)
    assert screened(events) == ("screened (push): buy at market (reaching 21.20) is 6.00% above "
                                "20.00, more than 5.00%")


def test_an_mp_mtl_order_is_judged_at_the_best_opposite_price() -> None:
    market = Market()
    market.order(at("10:05"), "M5", "Y1", "SCC", SELL, 100, 2110)
    market.order(at("10:05", 1), "M5", "Y1", "SCC", SELL, 100, 2000)
    events = market.order(at("10:10"), "M3", "H1", "SCC", BUY, 500, None, OrderType.MP_MTL)
    assert screened(events) is None and accepted(events)  # 20.00, whatever its quantity


def test_a_market_order_with_nothing_to_trade_with_is_left_to_the_engine() -> None:
    market = Market()
    events = market.order(at("10:10"), "M3", "H1", "SCC", BUY, 100, None, OrderType.MP_MKT)
    assert screened(events) is None and accepted(events)


# -- layering --------------------------------------------------------------------------------

def _cancel_unfilled(market: Market, count: int, start: int, account: str = "H1") -> None:
    for n in range(count):
        ts = start + n * US_PER_SECOND
        order_id = f"c-{account}-{start}-{n}"
        market.order(ts, "M3", account, "SCC", SELL, 100, 2050 + 10 * n, order_id=order_id)
        market.send(CancelOrder(ts + US_PER_SECOND // 2, order_id))


def test_one_cancel_short_of_the_limit_passes_and_the_limit_is_refused() -> None:
    market = Market(screen_cancel_limit=3)
    _cancel_unfilled(market, 2, at("10:10"))
    passes = market.order(at("10:10", 10), "M3", "H1", "SCC", SELL, 100, 2100, order_id="third")
    assert screened(passes) is None and accepted(passes)
    market.send(CancelOrder(at("10:10", 11), "third"))
    refused = market.order(at("10:10", 12), "M3", "H1", "SCC", SELL, 100, 2100)
    assert screened(refused) == ("screened (layering): M3/H1 cancelled 3 orders without a fill "
                                 "in the last 60 seconds (limit 3)")


def test_a_cancel_exactly_the_window_old_still_counts_a_microsecond_later_it_does_not() -> None:
    market = Market(screen_cancel_limit=2)
    _cancel_unfilled(market, 2, at("10:10"))  # cancels at 10:10:00.5 and 10:10:01.5
    first_cancel = at("10:10", 0.5)
    on_the_edge = market.order(first_cancel + 60 * US_PER_SECOND, "M3", "H1", "SCC", SELL, 100,
                               2100)
    assert screened(on_the_edge) is not None
    after = market.order(first_cancel + 60 * US_PER_SECOND + 1, "M3", "H1", "SCC", SELL, 100,
                         2100)
    assert screened(after) is None and accepted(after)


def test_the_count_is_per_account_and_counts_only_the_members_cancels_of_unfilled_orders(
        ) -> None:
    market = Market(screen_cancel_limit=2)
    _cancel_unfilled(market, 2, at("10:10"), account="H2")
    other = market.order(at("10:10", 5), "M3", "H1", "SCC", SELL, 100, 2100)
    assert screened(other) is None  # H1 cancelled nothing
    market = Market(screen_cancel_limit=1)
    market.order(at("10:10"), "M5", "Y1", "SCC", BUY, 100, 2000)
    market.order(at("10:10", 1), "M3", "H1", "SCC", SELL, 200, 2000, order_id="part")
    market.send(CancelOrder(at("10:10", 2), "part"))  # half of it traded
    market.order(at("10:10", 3), "M3", "H1", "SCC", SELL, 100, 2000, validity=Validity.FAK)
    market.order(at("10:10", 4), "M3", "H1", "SCC", SELL, 100, None, OrderType.MP_MKT)
    events = market.order(at("10:10", 5), "M3", "H1", "SCC", SELL, 100, 2100)
    assert screened(events) is None and accepted(events)


def test_a_new_day_starts_the_count_afresh() -> None:
    market = Market(screen_cancel_limit=2)
    _cancel_unfilled(market, 2, at("16:29"))
    day = dt.date(2026, 11, 23)
    start = day_start(day)
    market.send(StartDay(start, day.isoformat(), 1, {"order_screening": True,
                                                    "screen_cancel_limit": 2,
                                                    "screen_cancel_seconds": 86_400},
                         (InstrumentSpec("SCC", 2000, listed_shares=1_000_000_000,
                                         index_member=("SET100",)),),
                         indices=(IndexSpec("SET100", 215_000),),
                         accounts=(AccountSpec("H1", hft=True, hft_registered=True),)))
    events = market.order(start + parse_time_of_day("10:10"), "M3", "H1", "SCC", SELL, 100,
                          2100)
    assert screened(events) is None and accepted(events)


# -- the snapshot ----------------------------------------------------------------------------

def test_a_screening_rebuilt_from_its_state_refuses_what_the_original_refuses() -> None:
    market = Market(screen_cancel_limit=2)
    market.order(at("10:05"), "M3", "H1", "SCC", SELL, 100, 2150, order_id="live")
    _cancel_unfilled(market, 2, at("10:10"))
    state = market.screening.state()
    rebuilt = Screening.from_state(state, Investors(LINKS))
    assert rebuilt.state() == state
    assert rebuilt.cancels == market.screening.cancels
    command = NewOrder(at("10:10", 5), "next", "M3", "H1", "SCC", SELL, 100, OrderType.LIMIT,
                       2100)
    engine = market.host
    asked = (command, engine.instruments["SCC"], engine.rules, engine.holdings)
    assert rebuilt.check(*asked) == market.screening.check(*asked)
    assert rebuilt.check(*asked) is not None


@settings(max_examples=300, deadline=None)
@given(st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from(["cancels", "window", "x"]), inner, max_size=4),
    max_leaves=12))
def test_a_state_siamex_did_not_write_is_refused_whole(state: Any) -> None:
    try:
        Screening.from_state(state, Investors())
    except SiamexError as exc:
        assert exc.code is ErrorCode.MEASURES_STATE


def test_a_state_naming_an_account_twice_is_refused() -> None:
    state = {"cancels": [["M1", "A1", [1]], ["M1", "A1", [2]]], "window": 60_000_000}
    with pytest.raises(SiamexError) as exc:
        Screening.from_state(state, Investors())
    assert exc.value.code is ErrorCode.MEASURES_STATE


# -- the balances' counts and bounds only spare reading the book ------------------------------

@pytest.mark.parametrize("seed", [2, 3])
def test_a_generated_day_is_screened_alike_with_and_without_the_holdings_counts(
        seed: int) -> None:
    """The wash rule skips the book when the investor's balances count no live order the
    screened order's price reaches (decision 186); without holdings it always reads the book.
    Both refuse the same orders, the accounts of the same number at every member being one
    investor's."""
    day = generate(20, 10_000, seed)
    start = day.commands[0]
    assert isinstance(start, StartDay)
    commands = [replace(start, rules={**start.rules, "order_screening": True}),
                *day.commands[1:]]
    accounts = {(c.member, c.account) for c in commands if isinstance(c, NewOrder)}
    investors = Investors((f"INV-{account[-1]}", member, account)
                          for member, account in accounts)
    counted = attach(Engine(), None, Screening(investors))
    reading = Engine()
    reading.screen = Screening(investors)
    outputs = [[counted.handle(c) for c in commands], [reading.handle(c) for c in commands]]
    assert outputs[0] == outputs[1]
    assert sum(isinstance(e, Rejected) and e.reason is Reject.SCREENED
               for events in outputs[0] for e in events) > 10
