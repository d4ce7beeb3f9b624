"""Daily mark-to-market, option premium and final settlement, in satang per account and series
(clearing-spec.md 4.4, example E10).

Futures are marked to the day's settlement price: positions carried in from yesterday move by
the change in settlement price, today's trades by the distance from their trade price. Options
are not marked; their buyers pay the premium and sellers receive it, settled T+1 (derived),
which the caller posts beside the variation margin: the account's day is
`variation_margin(...).accounts` plus `premium(...).accounts`. At expiry a future needs no separate
cash: the caller passes its final settlement price as that day's `settle_today`, so the day's
variation margin settles it to the final price, and `final_settlement` then only removes the
position. An expiring option pays its holders its intrinsic value against the underlying's
final settlement price and is removed too.

Every function is pure and returns account indices, so the caller can sum per member with its
own account-to-member map. Amounts are + receive / - pay. Arrays "by series" are indexed by
the series index of the positions and fills; amounts are quantity x price x multiplier in
int64, and each function refuses (ValueError) a day whose amounts could leave int64 (see
`_fits`): the bound is checked on the day's own figures, since fixed bounds on each factor
(MAX_QTY, MAX_PRICE, MAX_MULTIPLIER) cannot bound a sum over millions of fills.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

import numpy as np

from siamex.clearing.derivatives.positions import (
    MAX_PRICE,
    Bools,
    Columns,
    FillColumns,
    Int8s,
    Int32s,
    Int64s,
    Positions,
    TooLarge,
    expire,
    join_keys,
    require_column,
    split_keys,
    sum_by_key,
)

__all__ = [
    "MAX_MULTIPLIER",
    "AccountCash",
    "FinalSettlement",
    "Kind",
    "Premium",
    "VariationMargin",
    "final_settlement",
    "premium",
    "variation_margin",
]

MAX_MULTIPLIER = 10**5
"""The most THB per price unit of a contract (S50 is 200, USD futures 1,000)."""

_INT64_LIMIT = 2**63


class Kind(IntEnum):
    """A series' kind (clearing-spec.md 2.3), as the int stored in a by-series array."""

    FUT = 0
    CALL = 1
    PUT = 2


@dataclass(frozen=True, eq=False)
class AccountCash(Columns):
    """Satang per account, + receive / - pay, sorted by account; accounts at zero left out."""

    account: Int32s
    amount: Int64s

    def __len__(self) -> int:
        return len(self.account)


@dataclass(frozen=True, eq=False)
class VariationMargin(Columns):
    """Variation margin per (account, series): on carried positions, on today's trades, and
    their total; rows with neither left out. `accounts` sums the totals per account."""

    account: Int32s
    series: Int32s
    carry: Int64s
    new: Int64s
    total: Int64s
    accounts: AccountCash

    def __len__(self) -> int:
        return len(self.account)


@dataclass(frozen=True, eq=False)
class Premium(Columns):
    """Option premium per (account, series), rows at zero left out, and its sum per account."""

    account: Int32s
    series: Int32s
    amount: Int64s
    accounts: AccountCash

    def __len__(self) -> int:
        return len(self.account)


@dataclass(frozen=True, eq=False)
class FinalSettlement(Columns):
    """The cash of expiring options per (account, series), rows at zero left out, its sum per
    account, and the positions left once every expiring series is removed."""

    account: Int32s
    series: Int32s
    cash: Int64s
    accounts: AccountCash
    positions: Positions

    def __len__(self) -> int:
        return len(self.account)


def _prices(name: str, values: Int64s, series: int) -> None:
    require_column(name, values, np.int64, series)
    if len(values) and int(np.abs(values).max()) > MAX_PRICE:
        raise ValueError(f"{name} must lie within [-{MAX_PRICE}, {MAX_PRICE}]")


def _multipliers(multiplier: Int64s, series: int) -> None:
    require_column("multiplier", multiplier, np.int64, series)
    if len(multiplier) and (int(multiplier.min()) < 1
                            or int(multiplier.max()) > MAX_MULTIPLIER):
        raise ValueError(f"multiplier must lie within [1, {MAX_MULTIPLIER}]")


def _covered(series: int, *indices: Int32s) -> None:
    if any(len(i) and int(i.max()) >= series for i in indices):
        raise ValueError(f"a series index is beyond the {series} series given")


def _fits(quantity: int, prices: tuple[Int64s, ...], multiplier: Int64s) -> None:
    """Refuse a day whose amounts could leave int64.

    Every amount here is a sum of terms q * d * M: q a quantity (a fill's or a position's, at
    most the day's total quantity), d a price or a difference of two (at most twice the largest
    |price|), M a multiplier. If total quantity x 2 x largest |price| x largest M stays below
    2**63, no term, partial sum or total can pass it, whatever order NumPy adds in. Checked in
    Python integers, so the check itself cannot overflow.
    """
    largest = max((int(np.abs(p).max()) for p in prices if len(p)), default=0)
    most = int(multiplier.max()) if len(multiplier) else 0
    if quantity * 2 * largest * most >= _INT64_LIMIT:
        raise TooLarge("the day's amounts could pass int64: too many contracts at these "
                       "prices and multipliers")


def _held(positions: Positions) -> int:
    return int(positions.long.sum()) + int(positions.short.sum())


def _per_account(account: Int32s, amount: Int64s) -> AccountCash:
    keys, (sums,) = sum_by_key(account.astype(np.int64), amount)
    paid = np.flatnonzero(sums)
    return AccountCash(keys[paid].astype(np.int32), sums[paid])


def _signed(side: Int8s, qty: Int64s) -> Int64s:
    return side.astype(np.int64) * qty


def variation_margin(carried: Positions, fills: FillColumns, settle_today: Int64s,
                     settle_prev: Int64s, multiplier: Int64s, futures: Bools) -> VariationMargin:
    """Mark yesterday's positions and today's futures fills to today's settlement prices.

    `carried` is yesterday's end-of-day positions; settlement prices are in hundredths by
    series; options (`futures` False) have no variation margin.
    """
    series = len(settle_today)
    _prices("settle_today", settle_today, series)
    _prices("settle_prev", settle_prev, series)
    _multipliers(multiplier, series)
    require_column("futures", futures, np.bool_, series)
    _covered(series, carried.series, fills.series)
    _fits(_held(carried) + int(fills.qty.sum()), (settle_today, settle_prev, fills.price),
          multiplier)
    held = np.flatnonzero(futures[carried.series])
    s = carried.series[held]
    # clearing-spec.md 4.4: VM_carry = (long - short)[t-1] * (F[t] - F[t-1]) * M
    carry = carried.net[held] * (settle_today[s] - settle_prev[s]) * multiplier[s]
    traded = np.flatnonzero(futures[fills.series])
    s = fills.series[traded]
    # clearing-spec.md 4.4: VM_new = sum of side * qty * (F[t] - Px_trade) * M
    new = (_signed(fills.side[traded], fills.qty[traded])
           * (settle_today[s] - fills.price[traded]) * multiplier[s])
    keys, (carry, new) = sum_by_key(
        np.concatenate((join_keys(carried.account[held], carried.series[held]),
                        join_keys(fills.account[traded], fills.series[traded]))),
        np.concatenate((carry, np.zeros(len(new), np.int64))),
        np.concatenate((np.zeros(len(carry), np.int64), new)))
    kept = np.flatnonzero((carry != 0) | (new != 0))
    account, series_of = split_keys(keys[kept])
    total = carry[kept] + new[kept]
    return VariationMargin(account, series_of, carry[kept], new[kept], total,
                           _per_account(account, total))


def premium(fills: FillColumns, multiplier: Int64s, options: Bools) -> Premium:
    """The option premium per account and series: buyers pay qty * price * M, sellers
    receive it.

    Settled T+1 (clearing-spec.md 4.4, derived); the caller posts it.
    """
    series = len(multiplier)
    _multipliers(multiplier, series)
    require_column("options", options, np.bool_, series)
    _covered(series, fills.series)
    _fits(int(fills.qty.sum()), (fills.price,), multiplier)
    traded = np.flatnonzero(options[fills.series])
    # clearing-spec.md 4.4: - premium paid + premium received
    paid = (-_signed(fills.side[traded], fills.qty[traded]) * fills.price[traded]
            * multiplier[fills.series[traded]])
    keys, (sums,) = sum_by_key(join_keys(fills.account[traded], fills.series[traded]), paid)
    kept = np.flatnonzero(sums)
    account, series_of = split_keys(keys[kept])
    return Premium(account, series_of, sums[kept], _per_account(account, sums[kept]))


def final_settlement(carried: Positions, final_price: Int64s, expiring: Bools, kind: Int8s,
                     strike: Int64s, multiplier: Int64s) -> FinalSettlement:
    """Settle and remove every position in an expiring series.

    `carried` is the positions after the expiry day; `final_price` holds, for an expiring
    option, its underlying's final settlement price S. Options pay (long - short) *
    max(0, S - K) * M for a call and max(0, K - S) for a put, so a net holder receives and a
    net writer pays; futures pay nothing here, having been marked to their final price in the
    day's variation margin (module docstring).
    """
    series = len(final_price)
    _prices("final_price", final_price, series)
    _prices("strike", strike, series)
    _multipliers(multiplier, series)
    require_column("expiring", expiring, np.bool_, series)
    require_column("kind", kind, np.int8, series)
    if not np.isin(kind, tuple(Kind)).all():
        raise ValueError("kind is FUT (0), CALL (1) or PUT (2)")
    _covered(series, carried.series)
    _fits(_held(carried), (final_price, strike), multiplier)
    rows = np.flatnonzero(expiring[carried.series] & (kind[carried.series] != Kind.FUT))
    s = carried.series[rows]
    above = final_price[s] - strike[s]
    # clearing-spec.md 4.1: S50 options are European and cash settled at their intrinsic value
    intrinsic = np.maximum(np.where(kind[s] == Kind.CALL, above, -above), 0)
    cash = carried.net[rows] * intrinsic * multiplier[s]
    paid = np.flatnonzero(cash)
    account = carried.account[rows][paid]
    return FinalSettlement(account, s[paid], cash[paid], _per_account(account, cash[paid]),
                           expire(carried, expiring))
