"""The NVDR disclosure (S-14MEASURES): per security the 10 largest NVDR holders and every
holder of 0.5% or more of its listed shares, exactly 0.5% included."""

from __future__ import annotations

import csv
import datetime as dt
import io
from fractions import Fraction

import pytest

from siamex.measures.depository import Depository, Holding
from siamex.measures.investors import Investors
from siamex.measures.nvdr import (
    NVDR_COLUMNS,
    NvdrHolder,
    nvdr_csv,
    nvdr_disclosure,
    nvdr_holdings,
)

HALF = Fraction(1, 2)


def _disclosed(holdings: list[tuple[str, str, int]], listed: int = 100_000, top: int = 10,
               ) -> list[tuple[str, int, bool, bool]]:
    [item] = nvdr_disclosure(holdings, {"PTT": listed}, top=top, threshold_pct=HALF)
    return [(h.investor, h.qty, h.top, h.over_threshold) for h in item.holders]


@pytest.mark.parametrize(("qty", "disclosed"), [(499, False), (500, True), (501, True)])
def test_a_holder_of_exactly_half_a_percent_is_disclosed_one_share_less_is_not(
        qty: int, disclosed: bool) -> None:
    holdings = [("big", "PTT-R", 10_000), ("holder", "PTT-R", qty)]
    assert (("holder", qty, False, True) in _disclosed(holdings, top=1)) is disclosed


def test_the_top_holders_are_disclosed_whatever_they_hold_ties_by_investor_id() -> None:
    holdings = [(f"i{n:02d}", "PTT-R", 100) for n in range(12)]
    shown = _disclosed(holdings)
    assert [h[0] for h in shown] == [f"i{n:02d}" for n in range(10)]
    assert all(top and not over for _, _, top, over in shown)


def test_a_holder_is_one_investor_across_its_accounts_and_members() -> None:
    holdings = [("A", "PTT-R", 300), ("A", "PTT-R", 200), ("B", "PTT-R", 400)]
    assert _disclosed(holdings, top=1) == [("A", 500, True, True)]


def test_holders_over_the_threshold_beyond_the_top_are_disclosed_with_their_rank() -> None:
    holdings = [("A", "PTT-R", 900), ("B", "PTT-R", 800), ("C", "PTT-R", 10)]
    [item] = nvdr_disclosure(holdings, {"PTT": 100_000}, top=1, threshold_pct=HALF)
    assert item.holders == (NvdrHolder(1, "A", 900, Fraction(9, 10), True, True),
                            NvdrHolder(2, "B", 800, Fraction(8, 10), False, True))
    assert (item.symbol, item.listed_shares, item.nvdr_shares) == ("PTT", 100_000, 1_710)
    assert item.as_json()["holders"] == [
        {"rank": 1, "investor": "A", "qty": 900, "pct": "0.90", "top": True,
         "over_threshold": True},
        {"rank": 2, "investor": "B", "qty": 800, "pct": "0.80", "top": False,
         "over_threshold": True}]


def test_only_nvdrs_are_disclosed_per_underlying_and_none_held_is_no_holder() -> None:
    holdings = [("A", "PTT", 10_000), ("A", "AOT-R", 100), ("B", "PTT-R", 0),
                ("C", "PTT-R", 5)]
    disclosed = nvdr_disclosure(holdings, {"PTT": 100_000, "AOT": 1_000}, top=10,
                                threshold_pct=HALF)
    assert [(d.symbol, [h.investor for h in d.holders]) for d in disclosed] == [
        ("AOT", ["A"]), ("PTT", ["C"])]


def test_without_listed_shares_the_top_holders_are_disclosed_with_no_percentage() -> None:
    [item] = nvdr_disclosure([("A", "PTT-R", 10)], {}, top=10, threshold_pct=HALF)
    assert item.holders == (NvdrHolder(1, "A", 10, None, True, False),)


def test_a_negative_holding_is_refused() -> None:
    with pytest.raises(ValueError, match="0 or more"):
        nvdr_disclosure([("A", "PTT-R", -1)], {}, top=10, threshold_pct=HALF)


def test_a_depository_s_nvdrs_are_each_account_s_own_counted_per_investor() -> None:
    investors = Investors([("INV-A", "M1", "A1"), ("INV-A", "M2", "B1")])
    depository = Depository(dt.date(2026, 12, 3), (
        Holding("M1", "A1", "PTT-R", settled=1_000, receivable=200, deliverable=300, lent=100,
                pledged=100, borrowed=5_000),
        Holding("M2", "B1", "PTT-R", settled=50),
        Holding("M3", "C1", "PTT-R", settled=10, deliverable=20),
        Holding("M1", "A1", "PTT", settled=9_999)), investors)
    assert nvdr_holdings(depository) == [("INV-A", "PTT-R", 900), ("INV-A", "PTT-R", 50),
                                         ("M3/C1", "PTT-R", 0)]


def test_the_csv_has_one_row_per_disclosed_holder() -> None:
    disclosed = nvdr_disclosure([("A", "PTT-R", 500)], {"PTT": 100_000}, top=10,
                                threshold_pct=HALF)
    assert list(csv.reader(io.StringIO(nvdr_csv(disclosed)))) == [
        list(NVDR_COLUMNS), ["PTT", "100000", "500", "1", "A", "500", "0.50", "true", "true"]]
