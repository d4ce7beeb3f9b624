"""TFEX collateral as rulebook data: the bundled table, a user's table, the eligible shares."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from siamex.errors import ErrorCode, SiamexError
from siamex.rulebook.derivatives_collateral import (
    DEFAULT_COLLATERAL_TERMS,
    AssetKind,
    load_collateral_terms,
    read_collateral_terms,
    ssf_underlyings,
)
from siamex.rulebook.products import DEFAULT_PRODUCTS

MINUTE = 60_000_000
HOUR = 60 * MINUTE

TABLE = """
currencies = ["USD"]
[haircut_pct]
cash_thb = 0
cash_fcy = "2.5"
ssf_share = 40
thai_govt_bond = 3
bot_bond = 4
[asset_haircut_pct]
DELTA = 60
[[cash_window]]
request_by = "10:00"
credit_at = "10:30"
[[non_cash_window]]
request_by = "11:00"
credit_at = "14:00"
"""


def refused(text: str) -> str:
    with pytest.raises(SiamexError) as caught:
        read_collateral_terms(text.encode(), "test.toml")
    assert caught.value.code is ErrorCode.COLLATERAL_FILE
    return caught.value.message


def test_bundled_table_has_the_s004_cash_windows_and_e14_haircuts() -> None:
    terms = DEFAULT_COLLATERAL_TERMS
    assert "USD" in terms.currencies
    assert terms.haircuts[AssetKind.CASH_THB] == 0
    assert terms.haircuts[AssetKind.CASH_FCY] == 5
    assert terms.haircuts[AssetKind.SSF_SHARE] == 30
    assert [(w.request_by, w.credit_at) for w in terms.cash_windows] == [
        (10 * HOUR, 10 * HOUR + 30 * MINUTE), (12 * HOUR, 13 * HOUR + 15 * MINUTE)]
    assert terms.non_cash_windows == terms.cash_windows


@pytest.mark.parametrize(("time", "credit"), [
    (9 * HOUR + 40 * MINUTE, 10 * HOUR + 30 * MINUTE),
    (10 * HOUR, 10 * HOUR + 30 * MINUTE),
    (10 * HOUR + 1, 13 * HOUR + 15 * MINUTE),
    (12 * HOUR, 13 * HOUR + 15 * MINUTE),
])
def test_a_withdrawal_falls_in_the_first_window_it_is_requested_by(time: int, credit: int) -> None:
    window = DEFAULT_COLLATERAL_TERMS.window(True, time)
    assert window is not None
    assert window.credit_at == credit


def test_after_the_last_window_there_is_none() -> None:
    assert DEFAULT_COLLATERAL_TERMS.window(True, 12 * HOUR + 1) is None
    assert DEFAULT_COLLATERAL_TERMS.window(False, 12 * HOUR + 5 * MINUTE) is None


def test_an_asset_haircut_overrides_its_kinds() -> None:
    terms = read_collateral_terms(TABLE.encode(), "test.toml")
    assert terms.haircut(AssetKind.SSF_SHARE, "DELTA") == 60
    assert terms.haircut(AssetKind.SSF_SHARE, "PTT") == 40
    assert terms.haircut(AssetKind.CASH_FCY, "USD") == Fraction(5, 2)
    assert terms.window(False, 10 * HOUR + 30 * MINUTE) is not None
    assert terms.window(True, 10 * HOUR + 30 * MINUTE) is None


def test_eligible_shares_are_the_single_stock_futures_underlyings() -> None:
    shares = ssf_underlyings(DEFAULT_PRODUCTS)
    assert {"PTT", "ADVANC", "KBANK", "DELTA"} <= shares
    assert not shares & {"SET50", "GOLD965", "USDTHB"}


def test_a_users_table_is_read_from_its_path(tmp_path: Path) -> None:
    path = tmp_path / "collateral.toml"
    path.write_text(TABLE)
    assert load_collateral_terms(path).currencies == frozenset({"USD"})
    with pytest.raises(SiamexError) as caught:
        load_collateral_terms(tmp_path / "missing.toml")
    assert caught.value.code is ErrorCode.FILE_NOT_FOUND


@pytest.mark.parametrize(("change", "said"), [
    (("cash_fcy = \"2.5\"", ""), "missing: cash_fcy"),
    (("bot_bond = 4", "bot_bond = 4\ncorporate_bond = 10"), "unknown: corporate_bond"),
    (("bot_bond = 4", "bot_bond = 101"), "haircut_pct.bot_bond"),
    (("bot_bond = 4", "bot_bond = 4.5"), "never floats"),
    (("[\"USD\"]", "[\"THB\"]"), "currencies"),
    (("[\"USD\"]", "[\"USD\", \"USD\"]"), "listed twice"),
    (("[\"USD\"]", "[\"usd\"]"), "currencies"),
    (("DELTA = 60", "delta = 60"), "asset_haircut_pct"),
    (("credit_at = \"10:30\"", "credit_at = \"09:30\""), "cash_window[1]: credit_at"),
    (("request_by = \"11:00\"", "request_by = \"11h\""), "non_cash_window[1].request_by"),
    (("currencies = [\"USD\"]", "currencies = [\"USD\"]\ncolour = 1"), "not a collateral table"),
])
def test_a_faulty_table_is_refused_naming_the_field(change: tuple[str, str], said: str) -> None:
    old, new = change
    assert old in TABLE
    assert said in refused(TABLE.replace(old, new, 1))


def test_windows_must_follow_one_another() -> None:
    later = TABLE + '[[cash_window]]\nrequest_by = "09:00"\ncredit_at = "11:00"\n'
    assert "follow one another" in refused(later)
    none = "non_cash_window = []\n" + TABLE.replace(
        '[[non_cash_window]]\nrequest_by = "11:00"\ncredit_at = "14:00"\n', "")
    assert "at least one window" in refused(none)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(st.binary(max_size=200))
def test_garbage_is_refused_with_collateral_file(raw: bytes) -> None:
    with pytest.raises(SiamexError) as caught:
        read_collateral_terms(raw, "garbage.toml")
    assert caught.value.code is ErrorCode.COLLATERAL_FILE
