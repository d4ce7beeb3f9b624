"""A day's TFEX collateral requests answered one by one (clearing-spec.md 4.8, E15)."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace
from typing import Any

import pytest

from siamex.clearing.derivatives.collateral import CollateralBook
from siamex.clearing.derivatives.collateral_answers import answer_requests
from siamex.clearing.derivatives.collateral_file import DayCollateral, collateral_from_text
from siamex.clearing.derivatives.collateral_state import REFUSED, CollateralAnswer
from siamex.clearing.derivatives.collateral_value import CollateralQuotes
from siamex.clearing.foundations.store import MemoryStore
from siamex.errors import ErrorCode, SiamexError
from siamex.rulebook.products import DEFAULT_PRODUCTS, ProductTable

DAY = dt.date(2026, 11, 24)
BAHT = 100
PRODUCTS = ProductTable([*DEFAULT_PRODUCTS.values(),
                         replace(DEFAULT_PRODUCTS["SSF-PTT"], code="SSF-A", root="A",
                                 underlying="A")])
QUOTES = {"fx_rates": {"USD": "36.50"}, "shares": {"A": "50", "NOSSF": "10"},
          "haircuts": {"A": "30"}}


def at(hhmm: str) -> dt.datetime:
    return dt.datetime.combine(DAY, dt.time.fromisoformat(hhmm))


def request(op: str, ref: str, time: str, asset: str = "THB", quantity: str = "1",
            member: str = "M1") -> dict[str, Any]:
    return {"op": op, "ref": ref, "member": member, "time": time, "asset": asset,
            "quantity": quantity}


def day(*requests: dict[str, Any]) -> DayCollateral:
    return collateral_from_text(json.dumps({"quotes": QUOTES, "requests": list(requests)}))


def requirement(member: str, when: dt.datetime) -> int:
    """1,000,000 THB until the intraday calculation at 09:45, 1,100,000 THB after it."""
    return (1_000_000 if when < at("09:45") else 1_100_000) * BAHT


def no_call(member: str, when: dt.datetime) -> bool:
    return False


def answer(store: MemoryStore, parsed: DayCollateral, called: bool = False
           ) -> list[CollateralAnswer]:
    book = CollateralBook(store, DAY, parsed.quotes, products=PRODUCTS)
    return answer_requests(book, parsed.requests, requirement, lambda m, t: called)


def summary(answers: list[CollateralAnswer]) -> list[tuple[str, bool, object]]:
    return [(a.ref, a.accepted, a.credit_at if a.accepted else a.code) for a in answers]


E15 = (
    request("deposit", "d1", "08:30", "THB", "900000.00"),
    request("deposit", "d2", "08:30", "A", "10000"),  # 350,000 after haircut
    request("withdraw", "w1", "09:40", "THB", "150000"),  # excess 250,000 before 09:45
    request("withdraw", "w2", "11:30", "THB", "100000.01"),  # all the excess after 09:45
    request("withdraw", "w5", "11:45", "THB", "0.01"),
    request("withdraw", "w3", "12:05", "THB", "1"),
    request("deposit", "d3", "11:00", "THB", "100000.01"),
    request("withdraw", "w4", "12:00", "A", "0.5"),
)


def test_each_request_is_answered_in_time_order_against_the_requirement_then() -> None:
    answers = answer(MemoryStore(), day(*E15))
    assert summary(answers) == [
        ("d1", True, at("08:30")),
        ("d2", True, at("08:30")),
        ("w1", True, at("10:30")),
        ("d3", True, at("11:00")),
        ("w2", True, at("13:15")),  # 1,200,000.01 held against 1,100,000 required
        ("w5", False, ErrorCode.EXCESS_EXCEEDED.value),
        ("w4", False, ErrorCode.COLLATERAL_FILE.value),  # half a share
        ("w3", False, ErrorCode.WITHDRAWAL_WINDOW.value),
    ]
    assert "whole units" in answers[6].message


def test_a_refusal_does_not_stop_the_others() -> None:
    answers = answer(MemoryStore(), day(
        request("deposit", "d1", "09:00", "NOSSF", "100", member="M2"),
        request("deposit", "d1", "09:00", "THB", "5", member="M1"),
        request("withdraw", "w1", "09:10", "USD", "1", member="M2"),
        request("withdraw", "w1", "09:10", "THB", "5", member="M1")))
    assert [(a.member, a.accepted, a.code) for a in answers] == [
        ("M2", False, "INELIGIBLE_COLLATERAL"), ("M1", True, ""),
        ("M2", False, "INSUFFICIENT_COLLATERAL"), ("M1", False, "EXCESS_EXCEEDED")]


def test_an_exchange_is_answered_with_the_members_call_outstanding() -> None:
    swap = {"op": "exchange", "ref": "x1", "member": "M1", "time": "11:00",
            "withdraw": [{"asset": "A", "quantity": "10000"}],
            "deposit": [{"asset": "USD", "quantity": "10093.73"}]}
    opening = request("deposit", "d1", "08:00", "A", "10000")
    assert summary(answer(MemoryStore(), day(opening, swap), called=True))[1] == (
        "x1", False, "CALL_OUTSTANDING")
    assert summary(answer(MemoryStore(), day(opening, swap)))[1] == ("x1", True, at("11:00"))


def test_a_rerun_answers_the_same_and_posts_nothing_twice() -> None:
    store = MemoryStore()
    first = answer(store, day(*E15))
    postings = store.transactions()
    refusals = REFUSED.get(store, DAY)
    assert refusals is not None
    assert sorted(refusals) == ["M1:w3", "M1:w4", "M1:w5"]
    assert answer(store, day(*E15)) == first
    assert store.transactions() == postings
    # a refusal stands once given, even when the member's collateral would now allow it
    later = answer(store, day(*E15, request("deposit", "d4", "09:00", "THB", "5000000")))
    assert [a for a in later if a.ref != "d4"] == first


def test_a_held_asset_without_a_quote_refuses_the_day() -> None:
    store = MemoryStore()
    answer(store, day(request("deposit", "d1", "08:30", "A", "10")))
    unpriced = DayCollateral(CollateralQuotes(), ())
    with pytest.raises(SiamexError) as caught:
        answer(store, unpriced)
    assert caught.value.code is ErrorCode.COLLATERAL_FILE
