"""Short sales: the eligible list, the price test (uptick, zero-plus, conditional), the
market-maker exemption, limit orders only, and the 10% cap (8, T13, T14)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.trading.harness import Session, reasons, stock, trades


def _day(last: str, *, rules: dict[str, Any] | None = None, **spec: Any) -> Session:
    """A security whose last auto-matched price is `last`, traded at the opening auction."""
    fields: dict[str, Any] = {"short_eligible": True, "listed_shares": 1_000_000}
    fields.update(spec)
    s = Session(stock("AOT", last, **fields), rules=rules)
    s.new("09:45", "b0", "buy", 100, last, member="M9", account="Z1")
    s.new("09:46", "s0", "sell", 100, last, member="M8", account="Y1")
    assert trades(s.advance("10:00")) == [(last, 100, "b0", "s0")]
    return s


def _short(s: Session, at: str, price: str | None, qty: int = 100, **kw: Any) -> list[str]:
    kw.setdefault("type", "limit" if price else "mp_mkt")
    return reasons(s.new(at, f"x{at}", "sell", qty, price, short=True, **kw))


def test_the_uptick_vectors(vectors: dict[str, Any]) -> None:
    for case in vectors["short_sale_uptick"]:
        rule = case.get("rule", "uptick")
        s = _day(case["last"], rules={"short_sale_price_test": rule})
        got = _short(s, "10:01", case["price"])
        assert (got == []) is case["accepted"], case
        if not case["accepted"]:
            assert got == ["SHORT_SALE_PRICE"]


def test_a_short_sale_at_the_last_price_fails_the_uptick_one_tick_above_passes() -> None:
    s = _day("64.00")
    assert _short(s, "10:01", "64.00") == ["SHORT_SALE_PRICE"]
    assert _short(s, "10:02", "64.25") == []


def test_before_the_first_trade_the_previous_close_is_the_reference() -> None:
    s = Session(stock("AOT", "64.00", short_eligible=True, listed_shares=1_000_000))
    s.advance("09:30")
    assert _short(s, "09:31", "64.00") == ["SHORT_SALE_PRICE"]
    assert _short(s, "09:32", "64.25") == []


def test_market_makers_are_exempt_from_the_price_test() -> None:
    s = _day("64.00", market_maker_accounts=("MM1",))
    assert _short(s, "10:01", "63.00", account="MM1") == []


def test_only_eligible_securities_may_be_sold_short() -> None:
    s = _day("64.00", short_eligible=False)
    assert _short(s, "10:01", "65.00") == ["SHORT_SALE_NOT_ELIGIBLE"]


def test_a_short_sale_must_be_a_limit_order() -> None:
    s = _day("64.00")
    assert _short(s, "10:01", None) == ["ORDER_TYPE_NOT_ALLOWED"]


def test_outstanding_short_volume_is_capped_at_ten_percent_of_listed_shares() -> None:
    s = _day("64.00", short_outstanding=99_800)
    assert _short(s, "10:01", "64.25", 200) == []
    assert _short(s, "10:02", "64.25", 100) == ["SHORT_SALE_LIMIT"]


def test_a_cancelled_short_order_frees_its_share_of_the_cap() -> None:
    s = _day("64.00", short_outstanding=99_800)
    s.new("10:01", "x1", "sell", 200, "64.25", short=True)
    s.cancel("10:02", "x1")
    assert _short(s, "10:03", "64.25", 200) == []


def test_amending_a_short_sale_to_a_lower_price_is_tested_again() -> None:
    s = _day("64.00")
    s.new("10:01", "x1", "sell", 100, "64.50", short=True)
    assert reasons(s.amend("10:02", "x1", price="64.00")) == ["SHORT_SALE_PRICE"]
    assert reasons(s.amend("10:03", "x1", price="64.25")) == []


@pytest.mark.parametrize(("prior", "uptick"), [("100.00", True), ("98.00", False)])
def test_the_conditional_test_is_an_uptick_only_after_a_ten_percent_fall(
        prior: str, uptick: bool) -> None:
    from siamex.units import parse_price

    # vector 27: closes 100.00 then 89.50 (-10.5%) make today an uptick day; from 98.00 it is
    # -8.7%, a zero-plus day
    s = _day("89.50", rules={"short_sale_price_test": "conditional"},
             prior_close=parse_price(prior))
    assert (_short(s, "10:01", "89.50") == ["SHORT_SALE_PRICE"]) is uptick


def test_a_buy_cannot_be_flagged_as_a_short_sale() -> None:
    s = _day("64.00")
    assert reasons(s.new("10:01", "b1", "buy", 100, "64.00", short=True)) == ["INVALID"]
    assert s.engine.instruments["AOT"].short_exposure == 0


def test_a_carried_short_order_still_counts_against_the_cap() -> None:
    import datetime as dt

    s = _day("64.00")
    s.new("10:01", "g1", "sell", 50_000, "70.00", short=True, validity="gtc")
    s.advance("17:00")
    nxt = Session(stock("AOT", short_eligible=True, listed_shares=1_000_000),
                  date=dt.date(2026, 11, 23), engine=s.engine)
    nxt.advance("10:00")
    nxt.cancel("10:01", "g1")
    assert _short(nxt, "10:02", "70.00", 100_000) == []
    assert _short(nxt, "10:03", "70.00", 100) == ["SHORT_SALE_LIMIT"]


def test_without_listed_shares_short_sales_are_not_capped() -> None:
    s = _day("64.00", listed_shares=0)
    assert _short(s, "10:01", "64.25", 5_000_000) == []
