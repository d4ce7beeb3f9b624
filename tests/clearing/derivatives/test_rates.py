"""Margin rates by EWMA and the historical loss floor (4.5, E13, decisions 120-122): E13's
figures, the floor binding on a fat-tailed history and its nearest-rank quantile, rows
calibrated together as each alone, the daily check's flags at their boundaries, the review
against the last monthly review's rates, and `siamex derivatives rates` and `siamex bench rates`
end to end."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
from fractions import Fraction
from pathlib import Path
from statistics import NormalDist, stdev
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner, Result
from hypothesis import given, settings
from hypothesis import strategies as st

from siamex.clearing.derivatives.price_history import price_history_from_csv
from siamex.clearing.derivatives.rates import (
    DEFAULT_RATE_MODEL,
    RATE_COLUMNS,
    RateBound,
    RateFlag,
    RateModel,
    calibrate,
    check_rate,
    ewma_rate_pct,
    ewma_variance,
    margin_per_contract,
    rate_model,
    rates_in_force_from_csv,
    review_csv,
    review_rates,
    seed_variance,
    simple_returns,
)
from siamex.cli import main
from siamex.errors import ErrorCode, SiamexError
from siamex.rulebook.products import DEFAULT_PRODUCTS

ROOT = Path(__file__).resolve().parents[3]
HISTORY = str(ROOT / "examples" / "derivatives" / "price-history.csv")

E13_RETURNS = np.array([[-0.015, 0.008, -0.022, 0.010, -0.030]])
E13_SIGMA0 = 0.012
E13_Z = 2.3263
S50_AT_900 = (90_000, 200)  # F = 900.00 in hundredths, M = 200 THB a point
UNIT = 10_000  # 100 THB


def _sigma(returns: np.ndarray[Any, Any], decay: float = 0.94) -> float:
    return math.sqrt(float(ewma_variance(returns, decay, np.array([E13_SIGMA0**2]))[0]))


def _prices(*rows: list[int]) -> np.ndarray[Any, Any]:
    return np.array(rows, dtype=np.int64)


def _multipliers(*values: int) -> np.ndarray[Any, Any]:
    return np.array(values, dtype=np.int64)


# E13 (figures to 1e-6 as fractions of value; the margin exactly)

def test_e13_volatility_follows_the_ewma_recursion_from_sigma0() -> None:
    expected = (0.012201, 0.011990, 0.012813, 0.012662, 0.014308)
    for days, sigma in enumerate(expected, 1):
        assert _sigma(E13_RETURNS[:, :days]) == pytest.approx(sigma, abs=1e-6)


def test_e13_one_day_rate_is_3_32841_pct_and_the_margin_rounds_up_to_6000() -> None:
    rate = ewma_rate_pct(_sigma(E13_RETURNS), E13_Z, 1)
    assert float(rate) / 100 == pytest.approx(0.0332841, abs=1e-6)
    assert margin_per_contract(rate, *S50_AT_900, UNIT) == (599_114, 600_000)


def test_e13_two_day_rate_is_4_70708_pct_and_the_margin_8500() -> None:
    rate = ewma_rate_pct(_sigma(E13_RETURNS), E13_Z, 2)
    assert float(rate) / 100 == pytest.approx(0.0470708, abs=1e-6)
    assert margin_per_contract(rate, *S50_AT_900, UNIT) == (847_275, 850_000)


def test_e13_lambda_097_gives_sigma_1_32272_pct_and_5538_66() -> None:
    sigma = _sigma(E13_RETURNS, 0.97)
    assert sigma == pytest.approx(0.0132272, abs=1e-6)
    amount, _ = margin_per_contract(ewma_rate_pct(sigma, E13_Z, 1), *S50_AT_900, UNIT)
    assert amount == 553_866


def test_a_rate_leaves_the_model_on_the_grid_of_eight_decimals_of_a_percent() -> None:
    rate = ewma_rate_pct(_sigma(E13_RETURNS), E13_Z, 1)
    assert rate == Fraction("3.32840999")


def test_the_margin_rounds_up_to_the_unit_only_above_it() -> None:
    assert margin_per_contract(Fraction(5), 120_000, 100, UNIT) == (600_000, 600_000)
    assert margin_per_contract(Fraction("5.00001"), 120_000, 100, UNIT) == (600_001, 610_000)


def test_the_default_z_is_the_normal_quantile_of_the_confidence() -> None:
    assert DEFAULT_RATE_MODEL.z_score == NormalDist().inv_cdf(0.99)
    assert RateModel(z=E13_Z).z_score == E13_Z


# calibration from prices

def test_returns_are_simple_returns_of_the_prices() -> None:
    assert simple_returns(_prices([100_000, 98_500, 99_288])).tolist() == [[-0.015, 0.008]]


def test_the_seed_is_the_sample_deviation_of_the_first_twenty_returns() -> None:
    prices = _prices([100_000 + 37 * (i % 7) - 11 * (i % 3) for i in range(40)])
    returns = simple_returns(prices)
    seed = math.sqrt(float(seed_variance(returns, 20)[0]))
    assert seed == pytest.approx(stdev(returns[0, :20].tolist()), rel=1e-12)
    given_seed = RateModel(sigma0=seed)
    assert calibrate(prices, _multipliers(200), given_seed) == calibrate(prices, _multipliers(200))


def _quiet(start: int, days: int) -> list[int]:
    """Prices moving 0.1% up and back down, day after day (back at `start` when `days` is
    odd)."""
    return [start + (start // 1_000 if i % 2 else 0) for i in range(days)]


def test_the_historical_floor_binds_on_a_fat_tailed_history() -> None:
    # three 8% falls, each recovered the next day, then a long quiet spell: the EWMA has
    # forgotten them, history has not
    path: list[int] = []
    for _ in range(3):
        path += [*_quiet(100_000, 31), 92_000]
    path += _quiet(100_000, 211)
    [rate] = calibrate(_prices(path), _multipliers(200))
    assert rate.observations == 307
    # 306 losses, nearest rank ceil(0.99 * 306) = 303: the 4th largest, one of the 8% falls
    # (the three recoveries of 8.70% are larger)
    assert rate.historical_loss_pct == 8
    assert rate.ewma_rate_pct < 1
    assert (rate.rate_pct, rate.bound) == (Fraction(8), RateBound.HISTORICAL)
    assert (rate.amount, rate.margin) == (1_600_000, 1_600_000)  # 8% of 1,000.00 x 200


def test_the_loss_quantile_is_the_nearest_rank_so_one_loss_in_a_hundred_is_not_covered() -> None:
    one = [*_quiet(100_000, 51), *_quiet(95_000, 50)]  # 100 returns, one fall of 5%
    two = [*_quiet(100_000, 31), *_quiet(95_000, 31), *_quiet(90_250, 39)]  # two falls of 5%
    [with_one, with_two] = calibrate(_prices(one, two), _multipliers(200, 200))
    assert with_one.historical_loss_pct == Fraction("0.1")  # the 99th of 100 losses
    assert with_two.historical_loss_pct == 5


def test_a_loss_is_rounded_up_to_the_grid_so_the_rate_covers_it() -> None:
    path = [*_quiet(92_000, 31), 100_000, *_quiet(92_000, 31), 100_000, *_quiet(92_000, 31)]
    [rate] = calibrate(_prices(path), _multipliers(200))
    assert rate.historical_loss_pct == Fraction("8.69565218")  # 8,000 / 92,000 = 8.695652173..%


_path = st.lists(st.integers(9_000, 11_000), min_size=21, max_size=90)


def _nearest_rank(prices: list[int], horizon: int) -> Fraction:
    losses = sorted(Fraction(abs(b - a), a) for a, b in zip(prices, prices[horizon:],
                                                            strict=False))
    return losses[math.ceil(Fraction(99, 100) * len(losses)) - 1] * 100


@settings(max_examples=150, deadline=None, derandomize=True)
@given(_path, st.integers(1, 3), st.sampled_from((1, 100, 10_000)))
def test_the_rate_is_never_below_the_losses_at_its_quantile(prices: list[int], horizon: int,
                                                            unit: int) -> None:
    model = RateModel(horizon=horizon, rounding_unit=unit)
    [rate] = calibrate(_prices(prices), _multipliers(50), model)
    exact = _nearest_rank(prices, horizon)
    assert rate.historical_loss_pct == Fraction(math.ceil(exact * 10**8), 10**8)
    assert rate.rate_pct == max(rate.ewma_rate_pct, rate.historical_loss_pct) >= exact
    assert rate.margin % unit == 0 and rate.amount <= rate.margin < rate.amount + unit


@settings(max_examples=60, deadline=None, derandomize=True)
@given(st.integers(21, 60).flatmap(lambda days: st.lists(
    st.lists(st.integers(9_990, 10_010), min_size=days, max_size=days), min_size=1,
    max_size=6)))
def test_rows_calibrated_together_are_each_calibrated_alone(rows: list[list[int]]) -> None:
    multipliers = np.arange(1, len(rows) + 1, dtype=np.int64)
    together = calibrate(_prices(*rows), multipliers)
    alone = [calibrate(_prices(row), multipliers[i:i + 1])[0] for i, row in enumerate(rows)]
    assert together == alone


def test_a_history_shorter_than_the_seed_cannot_be_calibrated() -> None:
    with pytest.raises(ValueError, match="21 prices"):
        calibrate(_prices(_quiet(100_000, 20)), _multipliers(200))


# the daily check (decision 121)

STEP = Fraction(1, 10**8)
FACTOR = Fraction(2)


def test_a_rate_in_force_equal_to_the_models_is_ok_and_one_step_below_it_insufficient() -> None:
    assert check_rate(Fraction(3), Fraction(3), None, FACTOR) is RateFlag.OK
    assert check_rate(Fraction(3), 3 - STEP, None, FACTOR) is RateFlag.INSUFFICIENT


def test_a_loss_equal_to_the_rate_in_force_is_ok_and_one_beyond_it_a_breach() -> None:
    assert check_rate(Fraction(2), Fraction(3), Fraction(3), FACTOR) is RateFlag.OK
    assert check_rate(Fraction(2), Fraction(3), 3 + STEP, FACTOR) is RateFlag.INSUFFICIENT


def test_a_rate_in_force_at_twice_the_models_is_ok_and_above_it_too_high() -> None:
    assert check_rate(Fraction(2), Fraction(4), None, FACTOR) is RateFlag.OK
    assert check_rate(Fraction(2), 4 + STEP, None, FACTOR) is RateFlag.TOO_HIGH
    assert check_rate(Fraction(2), 4 + STEP, Fraction(1), Fraction(3)) is RateFlag.OK


def test_a_breach_is_insufficient_even_when_the_rate_in_force_is_too_high() -> None:
    assert check_rate(Fraction(1), Fraction(5), Fraction(6), FACTOR) is RateFlag.INSUFFICIENT


# the review of a day

def _weekdays(first: dt.date, last: dt.date) -> list[dt.date]:
    days = (first + dt.timedelta(n) for n in range((last - first).days + 1))
    return [d for d in days if d.weekday() < 5]


def _history_text(days: list[dt.date], prices: list[int], product: str = "S50") -> str:
    lines = [f"{d},{product},{p // 100}.{p % 100:02d}" for d, p in zip(days, prices, strict=True)]
    return "date,product,price\n" + "\n".join(lines) + "\n"


DAYS = _weekdays(dt.date(2024, 1, 2), dt.date(2024, 3, 29))
QUIET = price_history_from_csv(_history_text(DAYS, _quiet(100_000, len(DAYS))))


def test_the_rates_in_force_are_the_last_monthly_reviews_before_the_day() -> None:
    mid_month = review_rates(QUIET, DEFAULT_PRODUCTS, dt.date(2024, 3, 5))
    assert (mid_month.review_day, mid_month.is_review_day) == (dt.date(2024, 3, 1), False)
    assert mid_month.in_force_from == "review of 2024-03-01"
    review_day = review_rates(QUIET, DEFAULT_PRODUCTS, dt.date(2024, 3, 1))
    assert review_day.is_review_day and review_day.in_force_from == "review of 2024-02-01"
    [row] = review_day.rows
    february = review_rates(QUIET, DEFAULT_PRODUCTS, dt.date(2024, 2, 1))
    assert row.in_force_pct == february.rows[0].rate.rate_pct
    assert row.flag is RateFlag.OK


def test_no_rate_is_in_force_before_a_review_had_history_enough() -> None:
    review = review_rates(QUIET, DEFAULT_PRODUCTS, dt.date(2024, 2, 1))
    assert review.in_force_from is None
    assert [(row.in_force_pct, row.flag) for row in review.rows] == [(None, None)]


def test_the_review_defaults_to_the_last_date_and_reports_the_days_loss() -> None:
    review = review_rates(QUIET, DEFAULT_PRODUCTS)
    assert review.day == dt.date(2024, 3, 29)
    [row] = review.rows
    *_, before, last = _quiet(100_000, len(DAYS))
    assert row.rate.last_price == last == 100_100
    assert row.loss_today_pct == Fraction(abs(last - before) * 100, before) == Fraction("0.1")


def test_a_fall_beyond_the_rate_in_force_is_insufficient_on_its_day() -> None:
    prices = [*_quiet(100_000, len(DAYS) - 1), 94_000]
    history = price_history_from_csv(_history_text(DAYS, prices))
    review = review_rates(history, DEFAULT_PRODUCTS, None, DEFAULT_RATE_MODEL,
                          ("given", {"S50": Fraction(5)}))
    [row] = review.rows
    assert review.in_force_from == "given"
    assert row.loss_today_pct is not None and row.loss_today_pct > 5
    assert row.flag is RateFlag.INSUFFICIENT


def test_a_product_without_a_price_on_the_day_has_no_loss_that_day() -> None:
    text = _history_text(DAYS, _quiet(100_000, len(DAYS)))
    text += _history_text(DAYS[:-1], _quiet(3_400, len(DAYS) - 1), "USD").split("\n", 1)[1]
    review = review_rates(price_history_from_csv(text), DEFAULT_PRODUCTS)
    usd = next(row for row in review.rows if row.product == "USD")
    assert usd.last_date == DAYS[-2] and usd.loss_today_pct is None


def test_a_product_with_too_short_a_history_gets_no_rate() -> None:
    text = _history_text(DAYS, _quiet(100_000, len(DAYS)))
    text += _history_text(DAYS[-5:], _quiet(3_400, 5), "USD").split("\n", 1)[1]
    review = review_rates(price_history_from_csv(text), DEFAULT_PRODUCTS)
    assert [row.product for row in review.rows] == ["S50"]
    assert review.too_short == (("USD", 5),)


def test_a_day_not_in_the_history_is_refused() -> None:
    with pytest.raises(SiamexError) as caught:
        review_rates(QUIET, DEFAULT_PRODUCTS, dt.date(2024, 3, 30))
    assert caught.value.code is ErrorCode.INVALID_PARAMETER


def test_a_history_with_no_product_long_enough_is_refused() -> None:
    with pytest.raises(SiamexError) as caught:
        review_rates(QUIET, DEFAULT_PRODUCTS, dt.date(2024, 1, 5))
    assert caught.value.code is ErrorCode.PRICE_HISTORY_FILE


def test_a_review_as_csv_reads_back_as_the_rates_in_force() -> None:
    review = review_rates(QUIET, DEFAULT_PRODUCTS)
    text = review_csv(review)
    assert next(csv.reader(io.StringIO(text))) == list(RATE_COLUMNS)
    assert rates_in_force_from_csv(text) == {"S50": review.rows[0].rate.rate_pct}


@pytest.mark.parametrize(("text", "says"), [
    ("product,rate\nS50,3\n", "line 1:"),
    ("product,rate_pct\nS50,0\n", "line 2: rate_pct"),
    ("product,rate_pct\nS50,3.123456789\n", "line 2: rate_pct"),
    ("product,rate_pct\nS50,abc\n", "line 2: rate_pct"),
    ("product,rate_pct\nS50,3\nS50,4\n", "line 3: product"),
    ("product,rate_pct\nS50\n", "line 2: 2 columns"),
])
def test_a_bad_rates_in_force_file_is_margin_file(text: str, says: str) -> None:
    with pytest.raises(SiamexError) as caught:
        rates_in_force_from_csv(text)
    assert caught.value.code is ErrorCode.MARGIN_FILE
    assert caught.value.message.startswith(says), caught.value.message


@pytest.mark.parametrize(("kwargs", "says"), [
    ({"decay": "1"}, "lambda"), ({"decay": "x"}, "--lambda"), ({"confidence": "0.5"}, "confidence"),
    ({"horizon": 0}, "horizon"), ({"z": "0"}, "z"), ({"rounding_unit": "0"}, "rounding unit"),
    ({"rounding_unit": "1.001"}, "--rounding-unit"), ({"too_high_factor": "1"}, "too-high"),
])
def test_a_bad_model_parameter_is_invalid_parameter(kwargs: dict[str, Any], says: str) -> None:
    with pytest.raises(SiamexError) as caught:
        rate_model(**kwargs)
    assert caught.value.code is ErrorCode.INVALID_PARAMETER
    assert says in caught.value.message


# the command line

def _invoke(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def _review(*args: str) -> dict[str, Any]:
    result = _invoke("derivatives", "rates", "--history", HISTORY, *args, "--json")
    assert (result.exit_code, result.stderr) == (0, ""), result.output
    report: dict[str, Any] = json.loads(result.stdout)
    return report


def _refused(result: Result, code: str) -> str:
    assert result.exit_code == 2, (result.output, result.exception)
    assert result.stderr.startswith(f"error[{code}]: ") and result.stderr.count("\n") == 1
    return result.stderr


def test_the_example_history_is_reviewed_on_its_last_day_as_json() -> None:
    report = _review()
    assert (report["date"], report["review_day"], report["is_review_day"]) == (
        "2024-12-30", "2024-12-02", False)
    assert report["rates_in_force"] == "review of 2024-12-02"
    assert report["model"]["lambda"] == "0.94" and report["model"]["horizon"] == 1
    assert [r["product"] for r in report["rates"]] == ["GF", "S50", "SSF-PTT", "USD"]
    for row in report["rates"]:
        assert list(row) == list(RATE_COLUMNS)
        rate = Fraction(row["rate_pct"])
        assert rate == max(Fraction(row["ewma_rate_pct"]), Fraction(row["historical_loss_pct"]))
        assert row["bound"] in ("ewma", "historical")
        margin = Fraction(row["margin"])
        assert margin % 100 == 0 and Fraction(row["amount"]) <= margin
        assert row["flag"] in ("ok", "insufficient", "too_high")
    s50 = report["rates"][1]
    assert (s50["last_price"], s50["multiplier"]) == ("750.00", 200)


def test_a_review_day_sets_the_months_rates_and_checks_the_last_months() -> None:
    report = _review("--on", "2024-03-01")
    assert report["is_review_day"] and report["rates_in_force"] == "review of 2024-02-01"
    s50 = next(r for r in report["rates"] if r["product"] == "S50")
    # the history's worst losses grew past February's rate: the check says so
    assert Fraction(s50["rate_pct"]) > Fraction(s50["rate_in_force_pct"])
    assert s50["flag"] == "insufficient"


def test_the_model_options_reach_the_review() -> None:
    report = _review("--lambda", "0.97", "--horizon", "2", "--z", "2.3263",
                     "--rounding-unit", "50", "--confidence", "0.995")
    model = report["model"]
    assert (model["lambda"], model["horizon"], model["z"], model["rounding_unit"],
            model["confidence"]) == ("0.97", 2, "2.3263", "50.00", "0.995")
    assert all(Fraction(r["margin"]) % 50 == 0 for r in report["rates"])


def test_the_csv_output_is_the_next_days_rates_in_force(tmp_path: Path) -> None:
    result = _invoke("derivatives", "rates", "--history", HISTORY, "--on", "2024-06-04", "--csv")
    assert result.exit_code == 0, result.output
    rates = tmp_path / "rates.csv"
    rates.write_text(result.stdout)
    report = _review("--on", "2024-06-05", "--rates-in-force", str(rates))
    assert report["rates_in_force"] == str(rates)
    set_on_review = {r["product"]: r["rate_pct"]
                     for r in csv.DictReader(io.StringIO(result.stdout))}
    assert {r["product"]: r["rate_in_force_pct"] for r in report["rates"]} == set_on_review


def test_without_json_or_csv_the_rates_are_printed_as_a_table() -> None:
    result = _invoke("derivatives", "rates", "--history", HISTORY)
    assert result.exit_code == 0, result.output
    assert "Margin rates 2024-12-30" in result.stdout and "SSF-PTT" in result.stdout
    assert "historical" in result.stdout


def test_bad_input_is_refused_with_its_code(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("date,product,price\n2024-01-02,S50,-5\n")
    assert "line 2" in _refused(_invoke("derivatives", "rates", "--history", str(bad)),
                                "PRICE_HISTORY_FILE")
    _refused(_invoke("derivatives", "rates", "--history", str(tmp_path / "none.csv")),
             "FILE_NOT_FOUND")
    for args in (("--json", "--csv"), ("--on", "2030-01-01"), ("--on", "1-2-3"),
                 ("--lambda", "1.5"), ("--horizon", "11")):
        _refused(_invoke("derivatives", "rates", "--history", HISTORY, *args),
                 "INVALID_PARAMETER")
    bad.write_text("product,rate_pct\nS50,-1\n")
    _refused(_invoke("derivatives", "rates", "--history", HISTORY, "--rates-in-force",
                     str(bad)), "MARGIN_FILE")


def test_the_rates_benchmark_runs_small() -> None:
    result = _invoke("bench", "rates", "--series", "20", "--days", "300", "--runs", "2")
    assert result.exit_code == 0, result.output
    assert "20 series x 300 daily prices" in result.stdout
    _refused(_invoke("bench", "rates", "--days", "5"), "INVALID_PARAMETER")
