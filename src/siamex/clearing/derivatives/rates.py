"""Margin rates set from daily price histories, and their daily check (clearing-spec.md 4.5,
"Rate review"; E13).

    sigma2_t = lambda * sigma2_{t-1} + (1 - lambda) * r_{t-1}^2      EWMA volatility
    rate     = max(z * sigma_t * sqrt(h), q(|h-day loss|))           99%, h = 1 day
    MM       = ceil_to(rate * F * M, rounding unit)                   per contract

TCH reviews its rates at least monthly with EWMA volatility at 99% confidence, makes them
cover the losses history has shown, and monitors them daily [S004 Q3]. The volatility model is
the one place floats are used, vectorised over series with NumPy so that a thousand series of
ten years calibrate at once; every figure leaves it as an exact percentage on the grid of
RATE_DECIMALS decimal places, and every amount as int satang (decision 120). A review of a day
sets each product's rate from its history up to that day; the day's check compares that rate,
and the day's realised loss, with the rate in force (decision 121).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from pathlib import Path
from statistics import NormalDist
from typing import Any

import numpy as np
import numpy.typing as npt
from rich.console import Console
from rich.table import Table

from siamex.clearing.derivatives.price_history import PriceHistory, ProductHistory
from siamex.clearing.foundations.money import InvalidAmount, format_baht, parse_baht, percent_of
from siamex.errors import ErrorCode, SiamexError, read_input
from siamex.rulebook.products import Product
from siamex.rulebook.values import decimal
from siamex.units import format_price, is_text

__all__ = [
    "DEFAULT_RATE_MODEL",
    "RATE_COLUMNS",
    "RATE_DECIMALS",
    "MarginRate",
    "RateBound",
    "RateFlag",
    "RateModel",
    "RateReview",
    "ReviewRow",
    "calibrate",
    "check_rate",
    "ewma_rate_pct",
    "ewma_variance",
    "format_percent",
    "margin_per_contract",
    "print_review",
    "rate_model",
    "rates_in_force_from_csv",
    "read_rates_in_force",
    "review_csv",
    "review_json",
    "review_rates",
    "seed_variance",
    "simple_returns",
]

Floats = npt.NDArray[np.float64]
Int64s = npt.NDArray[np.int64]

RATE_DECIMALS = 8
"""Decimal places of a percentage leaving the model (decision 120): within half a satang of
the unrounded figure on a contract worth up to 100,000,000 THB."""
_QUANTUM = 10**RATE_DECIMALS
_MAX_HORIZON = 10
_MAX_Z = 10


class RateBound(StrEnum):
    """Which bound of the rate won: the EWMA volatility's or the historical loss's."""

    EWMA = "ewma"
    HISTORICAL = "historical"


class RateFlag(StrEnum):
    """The daily check's verdict on a rate in force (decision 121)."""

    OK = "ok"
    INSUFFICIENT = "insufficient"
    TOO_HIGH = "too_high"


@dataclass(frozen=True, slots=True)
class RateModel:
    """The review's parameters: the EWMA decay `decay` (lambda), the one-tailed `confidence`,
    the liquidation period `horizon` in days, `z` (default: the normal quantile of the
    confidence), the returns the first variance is seeded from (`seed_returns`) or a given
    first volatility `sigma0`, the margin's `rounding_unit` in satang, and the factor above
    the model's rate at which a rate in force is `too_high`."""

    decay: float = 0.94
    confidence: Fraction = Fraction(99, 100)
    horizon: int = 1
    z: float | None = None
    seed_returns: int = 20
    sigma0: float | None = None
    rounding_unit: int = 10_000
    too_high_factor: Fraction = Fraction(2)

    def __post_init__(self) -> None:
        if not 0 < self.decay < 1:
            raise ValueError("lambda must be above 0 and below 1")
        if not Fraction(1, 2) < self.confidence < 1:
            raise ValueError("confidence must be above 0.5 and below 1")
        if not 1 <= self.horizon <= _MAX_HORIZON:
            raise ValueError(f"horizon must be 1 to {_MAX_HORIZON} days")
        if self.z is not None and not 0 < self.z <= _MAX_Z:
            raise ValueError(f"z must be above 0 and at most {_MAX_Z}")
        if self.seed_returns < max(2, self.horizon):
            raise ValueError("seed_returns must be at least 2 and at least the horizon")
        if self.sigma0 is not None and not 0 <= self.sigma0 < 1:
            raise ValueError("sigma0 must be at least 0 and below 1")
        if self.rounding_unit < 1:
            raise ValueError("the rounding unit must be at least 0.01 THB")
        if self.too_high_factor <= 1:
            raise ValueError("the too-high factor must be above 1")

    @property
    def z_score(self) -> float:
        """z: given, else the standard normal quantile of the confidence."""
        return self.z if self.z is not None else NormalDist().inv_cdf(float(self.confidence))

    @property
    def fewest_prices(self) -> int:
        """The prices a rate needs: the seed's returns and one before them (decision 120)."""
        return self.seed_returns + 1


DEFAULT_RATE_MODEL = RateModel()


@dataclass(frozen=True, slots=True)
class MarginRate:
    """One series' rate and the figures behind it: its last price (hundredths) and
    multiplier, the prices calibrated on, the daily EWMA volatility, both bounds and the rate
    (percentages of contract value, exact, on the grid of RATE_DECIMALS places), `amount`, the
    rate times the contract value half up to the satang, and `margin`, that rounded up to
    the unit: the maintenance margin per contract."""

    last_price: int
    multiplier: int
    observations: int
    sigma_pct: Fraction
    z: float
    horizon: int
    ewma_rate_pct: Fraction
    historical_loss_pct: Fraction
    rate_pct: Fraction
    bound: RateBound
    amount: int
    margin: int


def simple_returns(prices: Int64s) -> Floats:
    """Each row's day-on-day simple returns: the fraction of a contract's value a day moves,
    which is what a rate times the contract value must cover (decision 120)."""
    return np.diff(prices, axis=1) / prices[:, :-1]


def seed_variance(returns: Floats, count: int) -> Floats:
    """Each row's sample variance (n - 1) of its first `count` returns: the variance before
    the first return (decision 120)."""
    variance: Floats = np.var(returns[:, :count], axis=1, ddof=1)
    return variance


def ewma_variance(returns: Floats, decay: float, variance0: Floats) -> Floats:
    """Each row's EWMA variance after all its returns, from `variance0` before the first,
    vectorised over rows (4.5): one step per day, every row at once."""
    weighted = np.ascontiguousarray(((1 - decay) * (returns * returns)).T)
    variance = np.array(variance0, dtype=np.float64)
    for day in weighted:
        variance *= decay
        variance += day
    return variance


def _on_grid(value: Fraction, up: bool) -> Fraction:
    """A percentage on the RATE_DECIMALS grid: half up, or up (decision 120)."""
    scaled = value * _QUANTUM
    if up:
        return Fraction(math.ceil(scaled), _QUANTUM)
    return Fraction(math.floor(scaled + Fraction(1, 2)), _QUANTUM)


def _percent(fraction: float) -> Fraction:
    return _on_grid(Fraction(fraction) * 100, up=False)


def ewma_rate_pct(sigma: float, z: float, horizon: int) -> Fraction:
    """The volatility bound z * sigma * sqrt(h) as a percentage, half up to the grid."""
    return _percent(z * sigma * math.sqrt(horizon))


def margin_per_contract(rate_pct: Fraction, price: int, multiplier: int,
                        rounding_unit: int) -> tuple[int, int]:
    """The rate's amount on one contract (satang, half up) and the margin: that amount
    rounded up to the unit (4.5)."""
    amount = percent_of(price * multiplier, rate_pct)
    return amount, -(-amount // rounding_unit) * rounding_unit


def _quantile_losses(prices: Int64s, horizon: int, confidence: Fraction) -> list[Fraction]:
    """Each row's `confidence` quantile of its h-day losses |P(t+h) - P(t)| / P(t), all
    overlapping windows, by nearest rank: the smallest observed loss that at least that share
    of the losses does not exceed (decision 120), exactly.

    The rank is found on floats, then made exact: correctly rounded division keeps the order
    of unequal floats, so only losses whose floats tie with the one found can be it."""
    moved = np.abs(prices[:, horizon:] - prices[:, :-horizon])
    before = prices[:, :-horizon]
    losses = moved / before
    count = losses.shape[1]
    rank = math.ceil(confidence * count) - 1
    found = np.partition(losses, rank, axis=1)[:, rank]
    below = np.count_nonzero(losses < found[:, None], axis=1)
    quantiles = []
    for row, value in enumerate(found):
        tied = np.flatnonzero(losses[row] == value)
        exact = sorted(Fraction(int(moved[row, i]), int(before[row, i])) for i in tied)
        quantiles.append(exact[rank - int(below[row])])
    return quantiles


def calibrate(prices: Int64s, multipliers: Int64s,
              model: RateModel = DEFAULT_RATE_MODEL) -> list[MarginRate]:
    """Calibrate a rate per row of `prices` (hundredths, oldest first, rows of one length,
    each at least `model.fewest_prices` long), its margin on the row's last price."""
    if prices.ndim != 2 or prices.shape[1] < model.fewest_prices:
        raise ValueError(f"a rate needs {model.fewest_prices} prices at least")
    returns = simple_returns(prices)
    if model.sigma0 is None:
        variance0 = seed_variance(returns, model.seed_returns)
    else:
        variance0 = np.full(len(prices), model.sigma0 * model.sigma0)
    sigmas = np.sqrt(ewma_variance(returns, model.decay, variance0))
    z = model.z_score
    losses = _quantile_losses(prices, model.horizon, model.confidence)
    rates = []
    for row, sigma in enumerate(sigmas.tolist()):
        ewma_pct = ewma_rate_pct(sigma, z, model.horizon)
        loss_pct = _on_grid(losses[row] * 100, up=True)  # an observed loss is covered whole
        bound = RateBound.EWMA if ewma_pct >= loss_pct else RateBound.HISTORICAL
        rate_pct = max(ewma_pct, loss_pct)
        last, multiplier = int(prices[row, -1]), int(multipliers[row])
        amount, margin = margin_per_contract(rate_pct, last, multiplier, model.rounding_unit)
        rates.append(MarginRate(last, multiplier, prices.shape[1], _percent(sigma), z,
                                model.horizon, ewma_pct, loss_pct, rate_pct, bound, amount,
                                margin))
    return rates


def check_rate(model_pct: Fraction, in_force_pct: Fraction, loss_pct: Fraction | None,
               too_high_factor: Fraction) -> RateFlag:
    """The daily check (4.5, decision 121): `insufficient` when the model's rate is above the
    rate in force or the day's realised loss went beyond it (a backtest breach), `too_high`
    when the rate in force is above `too_high_factor` times the model's, else `ok`."""
    if model_pct > in_force_pct or (loss_pct is not None and loss_pct > in_force_pct):
        return RateFlag.INSUFFICIENT
    if in_force_pct > too_high_factor * model_pct:
        return RateFlag.TOO_HIGH
    return RateFlag.OK


@dataclass(frozen=True, slots=True)
class ReviewRow:
    """A product's rate on the day, the day's realised h-day loss (None without a price that
    day), and the rate in force with the check's flag (None when no rate is in force)."""

    product: str
    last_date: dt.date
    rate: MarginRate
    loss_today_pct: Fraction | None
    in_force_pct: Fraction | None
    flag: RateFlag | None


@dataclass(frozen=True, slots=True)
class RateReview:
    """A day's review and check: the month's review day, where the rates in force came from
    (`in_force_from`: a file, or "review of DATE"; None for none), each product's row, and
    the products whose history is too short for a rate, with their prices."""

    day: dt.date
    review_day: dt.date
    in_force_from: str | None
    model: RateModel
    rows: tuple[ReviewRow, ...]
    too_short: tuple[tuple[str, int], ...]

    @property
    def is_review_day(self) -> bool:
        """Whether the day is its month's review day, whose rates are set for the month."""
        return self.day == self.review_day


def _rated(history: PriceHistory, products: Mapping[str, Product], day: dt.date,
           model: RateModel) -> tuple[dict[str, tuple[ProductHistory, MarginRate]],
                                      list[tuple[str, int]]]:
    rated: dict[str, tuple[ProductHistory, MarginRate]] = {}
    too_short: list[tuple[str, int]] = []
    for whole in history.products:
        if whole.product not in products:
            raise SiamexError(ErrorCode.PRICE_HISTORY_FILE,
                              f"product {whole.product} is not in the product table")
        kept = whole.up_to(day)
        if len(kept.prices) < model.fewest_prices:
            if kept.prices:
                too_short.append((kept.product, len(kept.prices)))
            continue
        multiplier = products[kept.product].multiplier
        [rate] = calibrate(np.array([kept.prices], dtype=np.int64),
                           np.array([multiplier], dtype=np.int64), model)
        rated[kept.product] = (kept, rate)
    return rated, too_short


def _loss_today(kept: ProductHistory, day: dt.date, horizon: int) -> Fraction | None:
    """The h-day loss that ended on `day`, as a percentage rounded up to the grid (which
    keeps its comparison with a rate on the grid exact)."""
    if kept.dates[-1] != day or len(kept.prices) <= horizon:
        return None
    start, end = kept.prices[-1 - horizon], kept.prices[-1]
    return _on_grid(Fraction(abs(end - start) * 100, start), up=True)


def review_rates(history: PriceHistory, products: Mapping[str, Product],
                 on: dt.date | None = None, model: RateModel = DEFAULT_RATE_MODEL,
                 in_force: tuple[str, Mapping[str, Fraction]] | None = None) -> RateReview:
    """Review every product's rate on the day `on` (default: the history's last date) and
    check the rates in force: `in_force` as (its source, rates by product), else those of the
    last monthly review before the day, from the same history (decision 121)."""
    day = history.dates[-1] if on is None else on
    if day not in history.dates:
        raise SiamexError(ErrorCode.INVALID_PARAMETER,
                          f"the history has no prices on {day} (its dates run "
                          f"{history.dates[0]} to {history.dates[-1]})")
    rated, too_short = _rated(history, products, day, model)
    if not rated:
        raise SiamexError(ErrorCode.PRICE_HISTORY_FILE,
                          f"no product has the {model.fewest_prices} prices up to {day} a "
                          "rate needs")
    source: str | None
    if in_force is not None:
        source, rates = in_force
    else:
        previous = history.review_before(day)
        earlier = {} if previous is None else _rated(history, products, previous, model)[0]
        source = None if previous is None or not earlier else f"review of {previous}"
        rates = {code: rate.rate_pct for code, (_, rate) in earlier.items()}
    rows = []
    for code, (kept, rate) in rated.items():
        loss = _loss_today(kept, day, model.horizon)
        force = rates.get(code)
        flag = (None if force is None
                else check_rate(rate.rate_pct, force, loss, model.too_high_factor))
        rows.append(ReviewRow(code, kept.dates[-1], rate, loss, force, flag))
    return RateReview(day, history.month_start(day), source, model, tuple(rows),
                      tuple(too_short))


def _number(name: str, text: str) -> Fraction:
    value = decimal(text)
    if value is None:
        raise SiamexError(ErrorCode.INVALID_PARAMETER,
                          f"{name} must be a decimal number, got {text!r}")
    return value


def rate_model(decay: str = "0.94", confidence: str = "0.99", horizon: int = 1,
               z: str | None = None, rounding_unit: str = "100",
               too_high_factor: str = "2") -> RateModel:
    """A model from the decimal text a user writes (the CLI's options); INVALID_PARAMETER
    names the one that is wrong."""
    try:
        unit = parse_baht(rounding_unit)
    except InvalidAmount as exc:
        raise SiamexError(ErrorCode.INVALID_PARAMETER, f"--rounding-unit: {exc}") from None
    try:
        return RateModel(decay=float(_number("--lambda", decay)),
                         confidence=_number("--confidence", confidence), horizon=horizon,
                         z=None if z is None else float(_number("--z", z)),
                         rounding_unit=unit,
                         too_high_factor=_number("--too-high-factor", too_high_factor))
    except ValueError as exc:
        raise SiamexError(ErrorCode.INVALID_PARAMETER, str(exc)) from None


def rates_in_force_from_csv(text: str) -> dict[str, Fraction]:
    """Read a table of rates in force: CSV with a header naming at least `product` and
    `rate_pct` (a percentage of contract value, at most RATE_DECIMALS decimals), other columns
    ignored, so that a review's `--csv` output is the next days' rates in force. A fault is
    MARGIN_FILE naming the line."""
    reader = csv.reader(text.splitlines())
    try:
        header = next(reader, None)
        if header is None or "product" not in header or "rate_pct" not in header:
            raise SiamexError(ErrorCode.MARGIN_FILE,
                              "line 1: the header must name the columns product and rate_pct")
        at_product, at_rate = header.index("product"), header.index("rate_pct")
        rates: dict[str, Fraction] = {}
        for line, row in enumerate(reader, 2):
            if len(row) != len(header):
                raise SiamexError(ErrorCode.MARGIN_FILE, f"line {line}: {len(header)} columns "
                                  f"expected, got {len(row)}")
            code, text_rate = row[at_product], row[at_rate]
            rate = decimal(text_rate)
            if rate is None or not 0 < rate <= 100 or (rate * _QUANTUM).denominator != 1:
                raise SiamexError(ErrorCode.MARGIN_FILE,
                                  f"line {line}: rate_pct must be a percentage above 0 and at "
                                  f"most 100 with at most {RATE_DECIMALS} decimals, got "
                                  f"{text_rate!r}")
            if not code or not is_text(code) or code in rates:
                raise SiamexError(ErrorCode.MARGIN_FILE,
                                  f"line {line}: product {code!r} is empty or listed twice")
            rates[code] = rate
    except csv.Error as exc:
        raise SiamexError(ErrorCode.MARGIN_FILE, f"not CSV: {exc}") from None
    return rates


def read_rates_in_force(path: Path) -> dict[str, Fraction]:
    """Read a file of rates in force (`rates_in_force_from_csv`), its faults naming it."""
    raw = read_input(path)
    try:
        return rates_in_force_from_csv(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise SiamexError(ErrorCode.MARGIN_FILE, f"{path}: not UTF-8 text") from None
    except SiamexError as exc:
        raise SiamexError(exc.code, f"{path}: {exc.message}") from None


RATE_COLUMNS = ("product", "last_date", "last_price", "multiplier", "observations",
                "sigma_pct", "z", "horizon", "ewma_rate_pct", "historical_loss_pct",
                "rate_pct", "bound", "amount", "margin", "loss_today_pct",
                "rate_in_force_pct", "flag")
"""The rate table's columns: the figures behind each rate, then the day's check."""

Row = dict[str, str | int | None]


def format_percent(pct: Fraction, places: int = RATE_DECIMALS) -> str:
    """A percentage as decimal text with `places` decimals, half up."""
    scaled = math.floor(pct * 10**places + Fraction(1, 2))
    whole, part = divmod(abs(scaled), 10**places)
    return f"{'-' if scaled < 0 else ''}{whole}.{part:0{places}d}"


def _rows(review: RateReview) -> list[Row]:
    def pct(value: Fraction | None) -> str | None:
        return None if value is None else format_percent(value)

    return [{"product": row.product, "last_date": str(row.last_date),
             "last_price": format_price(r.last_price), "multiplier": r.multiplier,
             "observations": r.observations, "sigma_pct": format_percent(r.sigma_pct),
             "z": repr(r.z), "horizon": r.horizon, "ewma_rate_pct": format_percent(r.ewma_rate_pct),
             "historical_loss_pct": format_percent(r.historical_loss_pct),
             "rate_pct": format_percent(r.rate_pct), "bound": r.bound.value,
             "amount": format_baht(r.amount), "margin": format_baht(r.margin),
             "loss_today_pct": pct(row.loss_today_pct),
             "rate_in_force_pct": pct(row.in_force_pct),
             "flag": None if row.flag is None else row.flag.value}
            for row in review.rows for r in (row.rate,)]


def _decimal_text(value: Fraction) -> str:
    """A parameter read from decimal text, written back so ("0.99", "2")."""
    return str(Decimal(value.numerator) / Decimal(value.denominator))


def review_json(review: RateReview) -> dict[str, Any]:
    """The review as one JSON-ready object: the day, the model, then the rate table."""
    model = review.model
    return {
        "date": str(review.day), "review_day": str(review.review_day),
        "is_review_day": review.is_review_day, "rates_in_force": review.in_force_from,
        "model": {"lambda": repr(model.decay), "confidence": _decimal_text(model.confidence),
                  "horizon": model.horizon, "z": repr(model.z_score),
                  "seed_returns": model.seed_returns,
                  "rounding_unit": format_baht(model.rounding_unit),
                  "too_high_factor": _decimal_text(model.too_high_factor)},
        "rates": _rows(review),
        "too_short": [{"product": code, "observations": count}
                      for code, count in review.too_short],
    }


def review_csv(review: RateReview) -> str:
    """The rate table as CSV text (RATE_COLUMNS); it reads back as rates in force."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=RATE_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows({k: "" if v is None else v for k, v in row.items()}
                     for row in _rows(review))
    return out.getvalue()


_SHOWN_PLACES = 5  # a percentage on screen; the JSON and CSV carry every decimal


def _shown(pct: Fraction | None) -> str:
    return "" if pct is None else format_percent(pct, _SHOWN_PLACES)


def print_review(review: RateReview, console: Console) -> None:
    """Print the review readably: the day, then one row of figures per product."""
    kind = "monthly review day" if review.is_review_day else f"review day {review.review_day}"
    console.print(f"[bold]Margin rates {review.day}[/bold] ({kind}); rates in force: "
                  f"{review.in_force_from or 'none'}")
    table = Table("product", "last price", "obs", "sigma %", "z", "h", "EWMA %", "hist. %",
                  "rate %", "bound", "MM THB", "loss today %", "in force %", "flag",
                  title="rates: max(z*sigma*sqrt(h), historical loss quantile); MM per "
                        "contract rounded up")
    for row in review.rows:
        r = row.rate
        table.add_row(row.product, format_price(r.last_price), str(r.observations),
                      _shown(r.sigma_pct), f"{r.z:.4f}", str(r.horizon),
                      _shown(r.ewma_rate_pct), _shown(r.historical_loss_pct),
                      _shown(r.rate_pct), r.bound.value, format_baht(r.margin),
                      _shown(row.loss_today_pct), _shown(row.in_force_pct),
                      "" if row.flag is None else row.flag.value)
    console.print(table)
    for code, count in review.too_short:
        console.print(f"{code}: {count} price(s) up to {review.day}, fewer than the "
                      f"{review.model.fewest_prices} a rate needs: no rate")
