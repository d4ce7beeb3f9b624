"""The price history file of the margin rate review (4.5, decision 122): rows in any order,
gaps allowed, and every fault, generated garbage included, refusing the whole file with
PRICE_HISTORY_FILE naming the line."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from siamex.clearing.derivatives.price_history import (
    PriceHistory,
    price_history_from_csv,
    read_price_history,
)
from siamex.errors import ErrorCode, SiamexError
from siamex.rulebook.products import DEFAULT_PRODUCTS

HEADER = "date,product,price\n"
GOOD = HEADER + "2024-01-03,S50,901.5\n2024-01-02,S50,900.00\n2024-01-02,USD,34.25\n"


def _refused(text: str, products: bool = True) -> str:
    with pytest.raises(SiamexError) as caught:
        price_history_from_csv(text, DEFAULT_PRODUCTS if products else None)
    assert caught.value.code is ErrorCode.PRICE_HISTORY_FILE
    return caught.value.message


def test_rows_in_any_order_are_sorted_by_product_then_date() -> None:
    history = price_history_from_csv(GOOD, DEFAULT_PRODUCTS)
    assert [h.product for h in history.products] == ["S50", "USD"]
    s50 = history.product("S50")
    assert s50 is not None
    assert s50.dates == (dt.date(2024, 1, 2), dt.date(2024, 1, 3))
    assert s50.prices == (90000, 90150)
    assert history.dates == (dt.date(2024, 1, 2), dt.date(2024, 1, 3))
    assert history.product("GF") is None


def test_a_product_may_miss_days() -> None:
    history = price_history_from_csv(HEADER + "2024-01-02,S50,900\n2024-01-09,S50,910\n"
                                     "2024-01-03,GF,30000\n", DEFAULT_PRODUCTS)
    s50 = history.product("S50")
    assert s50 is not None and len(s50.prices) == 2
    assert len(history.dates) == 3


def test_up_to_keeps_the_day_and_the_days_before() -> None:
    history = price_history_from_csv(GOOD, DEFAULT_PRODUCTS)
    s50 = history.product("S50")
    assert s50 is not None
    assert s50.up_to(dt.date(2024, 1, 2)).prices == (90000,)
    assert s50.up_to(dt.date(2024, 1, 1)).prices == ()


def test_the_review_day_is_the_first_date_of_a_month_in_the_history() -> None:
    days = [dt.date(2024, 1, 30), dt.date(2024, 1, 31), dt.date(2024, 2, 2), dt.date(2024, 2, 5),
            dt.date(2024, 3, 4)]
    history = PriceHistory((), tuple(days))
    assert history.month_start(dt.date(2024, 2, 5)) == dt.date(2024, 2, 2)
    assert history.review_before(dt.date(2024, 2, 5)) == dt.date(2024, 2, 2)
    # on a review day the rates in force are the previous month's review's
    assert history.review_before(dt.date(2024, 2, 2)) == dt.date(2024, 1, 30)
    assert history.review_before(dt.date(2024, 3, 4)) == dt.date(2024, 2, 2)
    assert history.review_before(dt.date(2024, 1, 30)) is None


def test_a_wrong_header_is_refused_on_line_1() -> None:
    assert _refused("date,series,price\n2024-01-02,S50,900\n").startswith("line 1:")
    assert _refused("").startswith("line 1:")


def test_a_header_alone_is_refused() -> None:
    assert "no prices" in _refused(HEADER)


def test_a_product_twice_on_a_date_is_refused_naming_both_lines() -> None:
    message = _refused(GOOD + "2024-01-02,S50,900.10\n")
    assert message == "line 5: S50 on 2024-01-02 is also on line 3"


@pytest.mark.parametrize(("row", "says"), [
    ("2024-01-04,S50,0", "above zero"),
    ("2024-01-04,S50,-1", "not a decimal"),
    ("2024-01-04,S50,900.001", "finer than 0.01"),
    ("2024-01-04,S50,1000001", "at most"),
    ("2024-01-04,S50,", "not a decimal"),
    ("2024-01-04,S50, 900", "not a decimal"),
    ("2024-02-30,S50,900", "not a calendar date"),
    ("04/01/2024,S50,900", "not 'YYYY-MM-DD'"),
    ("2024-01-04,S50", "3 columns expected, got 2"),
    ("2024-01-04,S50,900,1", "3 columns expected, got 4"),
    ("", "3 columns expected, got 0"),
    ("2024-01-04,SET50,900", "not in the product table"),
    ("2024-01-04,s50,900", "capital letters"),
    ("2024-01-04,S50OPT,900", "option product"),
])
def test_a_bad_row_refuses_the_file_naming_its_line(row: str, says: str) -> None:
    message = _refused(GOOD + row + "\n2024-01-05,S50,900\n")
    assert message.startswith("line 5: ") and says in message, message


def test_without_a_product_table_any_product_code_is_read() -> None:
    history = price_history_from_csv(HEADER + "2024-01-02,SET50,900\n")
    assert [h.product for h in history.products] == ["SET50"]
    assert "capital letters" in _refused(HEADER + "2024-01-02,set 50,900\n", products=False)


def test_a_file_is_read_with_a_byte_order_mark_and_refused_if_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "history.csv"
    path.write_bytes(b"\xef\xbb\xbf" + GOOD.encode())
    assert len(read_price_history(path, DEFAULT_PRODUCTS).dates) == 2
    path.write_bytes(GOOD.encode() + b"2024-01-04,S50,9\xe9\n")
    with pytest.raises(SiamexError) as caught:
        read_price_history(path, DEFAULT_PRODUCTS)
    assert caught.value.code is ErrorCode.PRICE_HISTORY_FILE
    assert str(caught.value) == f"error[PRICE_HISTORY_FILE]: {path}: not UTF-8 text"


def test_a_missing_file_is_file_not_found(tmp_path: Path) -> None:
    with pytest.raises(SiamexError) as caught:
        read_price_history(tmp_path / "none.csv")
    assert caught.value.code is ErrorCode.FILE_NOT_FOUND


_garbage = st.one_of(
    st.text(max_size=40),
    st.lists(st.text(alphabet="0123456789-.,S50USD\"", max_size=12), min_size=1,
             max_size=5).map(",".join),
    st.tuples(st.dates(), st.sampled_from(("S50", "GF", "USD", "S50OPT", "X")),
              st.text(alphabet="0123456789.-", max_size=12)).map(
        lambda t: f"{t[0]},{t[1]},{t[2]}"),
)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(_garbage)
def test_a_generated_line_is_read_or_refused_with_price_history_file(line: str) -> None:
    text = GOOD + line + "\n2024-01-05,GF,30000\n"
    try:
        history = price_history_from_csv(text, DEFAULT_PRODUCTS)
    except SiamexError as exc:
        event("refused")
        assert exc.code is ErrorCode.PRICE_HISTORY_FILE
        assert exc.message.startswith(("line ", "not CSV")), exc.message
        return
    event("read")
    assert all(p > 0 for h in history.products for p in h.prices)
