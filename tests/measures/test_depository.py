"""The depository file: start-of-day holdings per account, the investors, every fault refused
naming its entry; and the start of a day derived from a clearing store."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from siamex.clearing.day.run import clear_day
from siamex.clearing.equities import read_trades
from siamex.clearing.equities.holdings import load_holdings
from siamex.clearing.equities.trades import trades_from_csv
from siamex.clearing.foundations.limits import MAX_SHARES
from siamex.clearing.foundations.members import load_registry
from siamex.clearing.foundations.store import MemoryStore
from siamex.errors import ErrorCode, SiamexError
from siamex.measures.depository import (
    Depository,
    Holding,
    depository_from_json,
    depository_from_store,
    load_depository,
)
from siamex.measures.investors import pseudonym
from tests.measures.test_investors import VALID

ROOT = Path(__file__).resolve().parents[2]
CLEARING = ROOT / "examples" / "clearing"
KEY = b"the exchange's secret"
INVESTOR = "INV-0123456789abcdef0123"
GOOD: dict[str, Any] = {
    "date": "2026-12-03",
    "investors": [{"investor": INVESTOR, "accounts": [{"member": "M1", "account": "A1"},
                                                      {"member": "M2", "account": "B7"}]}],
    "holdings": [{"member": "M1", "account": "A1", "symbol": "PTT", "settled": 1000,
                  "receivable": 100, "deliverable": 50, "pledged": 200, "borrowed": 300,
                  "lent": 100, "short_sold": 300},
                 {"member": "M1", "account": "A1", "symbol": "PTT-R", "settled": 500}],
}


def _with(**changes: Any) -> dict[str, Any]:
    return {**GOOD, **changes}


def _holding(**fields: Any) -> dict[str, Any]:
    return _with(holdings=[{"member": "M1", "account": "A1", "symbol": "PTT", **fields}])


def _refused(data: Any, key: bytes | None = None) -> str:
    with pytest.raises(SiamexError) as caught:
        depository_from_json(data, key)
    assert caught.value.code is ErrorCode.DEPOSITORY_FILE
    return caught.value.message


def test_a_good_file_gives_its_holdings_and_investors() -> None:
    depository = depository_from_json(GOOD)
    assert depository.date == dt.date(2026, 12, 3)
    assert depository.holdings == (
        Holding("M1", "A1", "PTT", 1000, 100, 50, 200, 300, 100, 300),
        Holding("M1", "A1", "PTT-R", settled=500))
    assert depository.investors.accounts_of(INVESTOR) == (("M1", "A1"), ("M2", "B7"))
    assert depository.investors.investor_of("M3", "C1") == "M3/C1"


def test_a_national_id_becomes_its_pseudonym_and_is_not_kept() -> None:
    data = _with(investors=[{"national_id": VALID, "accounts": [{"member": "M1",
                                                                "account": "A1"}]}])
    depository = depository_from_json(data, KEY)
    assert depository.investors.investor_of("M1", "A1") == pseudonym(KEY, VALID)
    assert VALID not in repr(depository)
    assert VALID not in repr(depository.investors.links())


def test_a_national_id_without_a_key_is_refused() -> None:
    data = _with(investors=[{"national_id": VALID, "accounts": [{"member": "M1",
                                                                "account": "A1"}]}])
    assert "investors[1]: a national id needs the exchange's investor key" in _refused(data)


def test_a_bad_national_id_is_refused_without_repeating_it() -> None:
    data = _with(investors=[{"national_id": "1101700203451",
                             "accounts": [{"member": "M1", "account": "A1"}]}])
    message = _refused(data, KEY)
    assert message.startswith("investors[1]: ")
    assert "1101700203451" not in message


@pytest.mark.parametrize(("entry", "expected"), [
    ({"accounts": [{"member": "M1", "account": "A1"}]}, "give either `investor`"),
    ({"investor": INVESTOR, "national_id": VALID, "accounts": []}, "give either `investor`"),
    ({"investor": VALID, "accounts": [{"member": "M1", "account": "A1"}]},
     "must be a pseudonymous id"),
    ({"investor": "INV-0123456789ABCDEF0123", "accounts": [{"member": "M1", "account": "A1"}]},
     "must be a pseudonymous id"),
    ({"investor": INVESTOR, "accounts": []}, "at least one account"),
    ({"investor": INVESTOR, "accounts": [{"member": "M1"}]},
     "investors[1].accounts[1]: `account` must be text"),
    ({"investor": INVESTOR, "accounts": "M1/A1"}, "`accounts` must be a list"),
    ({"investor": INVESTOR, "accounts": [], "name": "x"}, "unknown field 'name'"),
])
def test_a_bad_investor_entry_is_refused_naming_it(entry: dict[str, Any], expected: str) -> None:
    message = _refused(_with(investors=[entry]))
    assert message.startswith("investors[1]")
    assert expected in message


def test_an_account_linked_to_two_investors_is_refused() -> None:
    other = "INV-" + "f" * 20
    data = _with(investors=[
        {"investor": INVESTOR, "accounts": [{"member": "M1", "account": "A1"}]},
        {"investor": other, "accounts": [{"member": "M1", "account": "A1"}]}])
    assert _refused(data) == ("investors[2].accounts[1]: M1/A1 is already linked to another "
                              "investor")


def test_the_same_investor_twice_is_refused() -> None:
    data = _with(investors=[
        {"national_id": VALID, "accounts": [{"member": "M1", "account": "A1"}]},
        {"national_id": VALID, "accounts": [{"member": "M2", "account": "B7"}]}])
    assert _refused(data, KEY) == "investors[2]: the same investor as investors[1]"


def test_quantities_are_whole_shares_from_zero_to_the_bound() -> None:
    top = depository_from_json(_holding(settled=MAX_SHARES))
    assert top.holdings[0].settled == MAX_SHARES
    assert "from 0 to 1,000,000,000,000 shares" in _refused(_holding(settled=MAX_SHARES + 1))
    assert "from 0 to" in _refused(_holding(settled=-1))
    assert "whole number of shares" in _refused(_holding(settled=10.0))
    assert "whole number of shares" in _refused(_holding(settled="1000"))
    assert "whole number of shares" in _refused(_holding(settled=True))


def test_pledged_and_lent_are_part_of_settled() -> None:
    exactly = depository_from_json(_holding(settled=300, pledged=200, lent=100))
    assert exactly.holdings[0].pledged == 200
    assert _refused(_holding(settled=300, pledged=200, lent=101)) == (
        "holdings[1]: pledged 200 and lent 101 shares are part of the 300 settled")


def test_short_sold_is_part_of_borrowed() -> None:
    assert depository_from_json(_holding(borrowed=500, short_sold=500)).holdings[0].borrowed == 500
    assert _refused(_holding(borrowed=500, short_sold=501)) == (
        "holdings[1]: the 501 shares short sold are part of the 500 borrowed")


@pytest.mark.parametrize(("data", "expected"), [
    ([], "a depository file is a JSON object"),
    ({"holdings": []}, "date: date '' is not 'YYYY-MM-DD'"),
    (_with(date="2026-13-01"), "is not a calendar date"),
    (_with(extra=1), "unknown field 'extra'"),
    (_with(holdings={}), "`holdings` must be a list"),
    (_with(holdings=[1]), "holdings[1]: must be an object"),
    (_holding(symbol=""), "holdings[1]: `symbol` must be text of 1 to 64"),
    (_holding(member="M" * 65), "holdings[1]: `member` must be text of 1 to 64"),
    (_holding(price=1), "holdings[1]: unknown field 'price'"),
])
def test_a_malformed_file_is_refused_naming_the_fault(data: Any, expected: str) -> None:
    assert expected in _refused(data)


def test_a_holding_given_twice_is_refused() -> None:
    data = _with(holdings=[{"member": "M1", "account": "A1", "symbol": "PTT"},
                           {"member": "M1", "account": "A2", "symbol": "PTT"},
                           {"member": "M1", "account": "A1", "symbol": "PTT"}])
    assert _refused(data) == "holdings[3]: M1/A1 PTT is given again (first in holdings[1])"


def test_a_file_is_read_and_its_faults_name_it(tmp_path: Path) -> None:
    path = tmp_path / "depository.json"
    path.write_text(json.dumps(GOOD))
    assert load_depository(path) == depository_from_json(GOOD)
    path.write_text(json.dumps(_holding(settled=-5)))
    with pytest.raises(SiamexError, match=r"depository.json: holdings\[1\]: `settled`"):
        load_depository(path)
    path.write_bytes(b"\xff{")
    with pytest.raises(SiamexError, match="not JSON") as caught:
        load_depository(path)
    assert caught.value.code is ErrorCode.DEPOSITORY_FILE
    with pytest.raises(SiamexError) as missing:
        load_depository(tmp_path / "none.json")
    assert missing.value.code is ErrorCode.FILE_NOT_FOUND


JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-2, MAX_SHARES + 2) | st.floats(allow_nan=False)
    | st.text(max_size=15) | st.sampled_from(["PTT", "M1", "A1", INVESTOR, VALID, "2026-12-03"]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from(["date", "investors", "holdings", "investor", "national_id",
                         "accounts", "member", "account", "symbol", "settled", "pledged",
                         "lent", "borrowed", "short_sold", "x"]), inner, max_size=6),
    max_leaves=25)


@given(JSON, st.sampled_from([None, KEY]))
@settings(max_examples=300, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
def test_any_garbage_is_read_or_refused_with_the_files_code(data: Any,
                                                            key: bytes | None) -> None:
    try:
        depository = depository_from_json(data, key)
    except SiamexError as exc:
        assert exc.code is ErrorCode.DEPOSITORY_FILE
        assert VALID not in exc.message
        return
    assert all(0 <= h.pledged + h.lent <= h.settled <= MAX_SHARES for h in depository.holdings)


@given(st.binary(max_size=200))
@settings(max_examples=100, deadline=None, derandomize=True)
def test_any_bytes_in_the_file_are_read_or_refused(tmp_path_factory: Any, raw: bytes) -> None:
    path = tmp_path_factory.mktemp("bytes") / "depository.json"
    path.write_bytes(raw)
    try:
        load_depository(path)
    except SiamexError as exc:
        assert exc.code is ErrorCode.DEPOSITORY_FILE


def test_the_file_opens_its_own_day_only() -> None:
    depository = Depository(dt.date(2026, 12, 3))
    depository.check_opens("2026-12-03")
    with pytest.raises(SiamexError, match="holdings of 2026-12-03, not of 2026-12-04"):
        depository.check_opens("2026-12-04")


def _own(depository: Depository) -> dict[tuple[str, str, str], int]:
    return {(h.member, h.account, h.symbol): h.settled + h.receivable - h.deliverable
            for h in depository.holdings}


def test_the_store_gives_each_member_and_account_types_start_of_day() -> None:
    registry = load_registry(CLEARING / "members.json")
    store = MemoryStore()
    opening = load_holdings(CLEARING / "holdings.json", registry)
    clear_day(registry, read_trades(CLEARING / "trades.csv", registry), opening, store,
              on=dt.date(2021, 4, 8))
    before = depository_from_store(store, dt.date(2021, 4, 9))
    assert before.date == dt.date(2021, 4, 9)
    by_key = {(h.member, h.account, h.symbol): h for h in before.holdings}
    # B's client account holds its 10,000 X and owes them on 04-12 (E1: B sells A 10,000 X)
    assert by_key[("B", "client", "X")] == Holding("B", "client", "X", settled=10_000,
                                                   deliverable=10_000)
    assert by_key[("A", "client", "X")].receivable == 2_000  # bought 10,000, sold 8,000 X
    assert all(h.symbol != "THB" for h in before.holdings)
    clear_day(registry, trades_from_csv([(CLEARING / "trades.csv").read_text().splitlines()[0]],
                                        registry), opening, store, on=dt.date(2021, 4, 12))
    after = depository_from_store(store, dt.date(2021, 4, 13))
    assert all(h.receivable == h.deliverable == 0 for h in after.holdings)
    # decision 151: settlement moves shares, never what an account may sell
    assert {k: v for k, v in _own(after).items() if v} == {
        k: v for k, v in _own(before).items() if v}


def test_the_store_before_its_opening_day_counts_the_opening_holdings() -> None:
    registry = load_registry(CLEARING / "members.json")
    store = MemoryStore()
    opening = load_holdings(CLEARING / "holdings.json", registry)
    clear_day(registry, read_trades(CLEARING / "trades.csv", registry), opening, store,
              on=dt.date(2021, 4, 8))
    start = depository_from_store(store, dt.date(2021, 4, 8))
    assert {(h.member, h.account, h.symbol): h.settled for h in start.holdings} == {
        ("A", "portfolio", "Y"): 1000, ("B", "client", "X"): 10_000, ("C", "client", "Y"): 1000}
