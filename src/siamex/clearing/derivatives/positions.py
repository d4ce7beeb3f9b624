"""Derivatives positions per account and series: the day's fills, end-of-day netting, manual
match-out and position-limit checks (clearing-spec.md 4.2, example E18).

Positions move by the open/close flag of each fill: a buy OPEN adds to the long side, a sell
CLOSE takes from it; a sell OPEN adds to the short side, a buy CLOSE takes from it. The clearing
house applies the day's totals per account and series, not the fills one by one (derived: the
day's result must not depend on the order in which fills reach the clearing house, and a
position transfer or amendment rebooked as fills lands on the same totals). A CLOSE beyond what
its side holds after the day's opens cannot be refused, since the trade is already matched and
novated, so the excess opens on the other side. Every move keeps long - short equal to the
opening net plus the signed fills, the invariant the tests hold.

Everything is columnar: accounts and series are int32 indices into name lists the caller
keeps, and rows are sorted by (account, series) with zero rows dropped. Bounds (decision: the
pure layer refuses beyond them with ValueError, the file edges check them first): a fill's
quantity and each side of a position are at most MAX_QTY contracts and a table has fewer than
MAX_ROWS rows, so a sum of quantities over positions and fills together (at most
2 * 2**31 * 10**9 < 2**63) fits in int64.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import Field, dataclass, fields
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt

from siamex.clearing.derivatives.fills import BUY, SELL, Fill, Flag, PositionMode
from siamex.errors import ErrorCode, SiamexError

__all__ = [
    "CLOSE",
    "MAX_PRICE",
    "MAX_QTY",
    "MAX_ROWS",
    "OPEN",
    "Bools",
    "Breaches",
    "Columns",
    "FillColumns",
    "Int8s",
    "Int32s",
    "Int64s",
    "Positions",
    "TooLarge",
    "apply_fills",
    "end_of_day",
    "expire",
    "join_keys",
    "limit_breaches",
    "match_out",
    "require_column",
    "split_keys",
    "sum_by_key",
]

Bools = npt.NDArray[np.bool_]
Int8s = npt.NDArray[np.int8]
Int32s = npt.NDArray[np.int32]
Int64s = npt.NDArray[np.int64]

OPEN = 0
CLOSE = 1
_FLAGS = {Flag.OPEN: OPEN, Flag.CLOSE: CLOSE}

MAX_QTY = 10**9
"""The most contracts in one fill or on one side of a position: far beyond any real account."""

MAX_PRICE = 10**9
"""The largest |price| in hundredths (10,000,000.00 price units), settlement prices included."""

MAX_ROWS = 2**31
"""More rows than this and a sum of quantities could leave int64."""

_SERIES_SPAN = 2**31  # a key is account * span + series: (account, series) order, below 2**62


class TooLarge(ValueError):
    """A day whose quantities or amounts would leave the int64 the arrays hold: the input's
    fault, not a bug, so the caller answers it with a code."""


class Columns:
    """Equality by value for frozen tables of arrays, which a dataclass cannot give (the
    generated __eq__ would ask NumPy for the truth of an array)."""

    __dataclass_fields__: ClassVar[dict[str, Field[Any]]]

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return all(_same(getattr(self, f.name), getattr(other, f.name)) for f in fields(self))


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, np.ndarray):
        return isinstance(b, np.ndarray) and a.dtype == b.dtype and np.array_equal(a, b)
    return bool(a == b)


def require_column(name: str, values: npt.NDArray[Any], dtype: type[np.generic],
                   rows: int) -> None:
    """Refuse a column of another type or length: a float or a silent cast is a bug upstream."""
    if not isinstance(values, np.ndarray) or values.dtype != dtype or values.ndim != 1:
        raise ValueError(f"{name} must be a 1-D {np.dtype(dtype).name} array")
    if len(values) != rows:
        raise ValueError(f"{name} has {len(values)} rows, expected {rows}")


def _within(name: str, values: Int64s, low: int, high: int) -> None:
    if len(values) and (int(values.min()) < low or int(values.max()) > high):
        raise ValueError(f"{name} must lie within [{low}, {high}]")


def _indices(rows: int, account: Int32s, series: Int32s) -> None:
    require_column("account", account, np.int32, rows)
    require_column("series", series, np.int32, rows)
    if rows >= MAX_ROWS:
        raise ValueError(f"a table holds fewer than {MAX_ROWS} rows")
    if rows and (int(account.min()) < 0 or int(series.min()) < 0):
        raise ValueError("account and series indices are never negative")


def _index(names: Sequence[str], what: str) -> dict[str, int]:
    index = {name: n for n, name in enumerate(names)}
    if len(index) != len(names):
        raise ValueError(f"the {what} names repeat")
    return index


def _lookup(index: Mapping[str, int], name: str, what: str) -> int:
    if name not in index:
        raise ValueError(f"{what} {name!r} is not in the {what} list")
    return index[name]


@dataclass(frozen=True, eq=False)
class FillColumns(Columns):
    """A day's fills as arrays: side +1 buy / -1 sell, flag OPEN (0) / CLOSE (1), price in
    hundredths; account and series index the caller's name lists."""

    account: Int32s
    series: Int32s
    side: Int8s
    qty: Int64s
    price: Int64s
    flag: Int8s

    def __post_init__(self) -> None:
        rows = len(self.account)
        _indices(rows, self.account, self.series)
        require_column("side", self.side, np.int8, rows)
        require_column("qty", self.qty, np.int64, rows)
        require_column("price", self.price, np.int64, rows)
        require_column("flag", self.flag, np.int8, rows)
        if not np.isin(self.side, (BUY, SELL)).all():
            raise ValueError("side is BUY (+1) or SELL (-1)")
        if not np.isin(self.flag, (OPEN, CLOSE)).all():
            raise ValueError("flag is OPEN (0) or CLOSE (1)")
        _within("qty", self.qty, 1, MAX_QTY)
        _within("price", self.price, -MAX_PRICE, MAX_PRICE)

    def __len__(self) -> int:
        return len(self.account)

    @classmethod
    def of(cls, fills: Sequence[Fill], accounts: Sequence[str],
           series: Sequence[str]) -> FillColumns:
        """Index fill records by the caller's account and series lists."""
        account_index, series_index = _index(accounts, "account"), _index(series, "series")
        return cls(
            np.array([_lookup(account_index, f.account, "account") for f in fills], np.int32),
            np.array([_lookup(series_index, f.series, "series") for f in fills], np.int32),
            np.array([f.side for f in fills], np.int8),
            np.array([f.qty for f in fills], np.int64),
            np.array([f.price for f in fills], np.int64),
            np.array([_FLAGS[f.flag] for f in fills], np.int8))

    @classmethod
    def empty(cls) -> FillColumns:
        """A day without fills."""
        return cls(np.empty(0, np.int32), np.empty(0, np.int32), np.empty(0, np.int8),
                   np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, np.int8))

    def rows(self, kept: Bools) -> FillColumns:
        """The fills where `kept` is true, in order."""
        return FillColumns(*(getattr(self, f.name)[kept] for f in fields(self)))

    def joined(self, other: FillColumns) -> FillColumns:
        """These fills, then `other`'s."""
        return FillColumns(*(np.concatenate((getattr(self, f.name), getattr(other, f.name)))
                             for f in fields(self)))


@dataclass(frozen=True, eq=False)
class Positions(Columns):
    """Long and short contracts per (account, series), sorted by that key, no zero rows."""

    account: Int32s
    series: Int32s
    long: Int64s
    short: Int64s

    def __post_init__(self) -> None:
        rows = len(self.account)
        _indices(rows, self.account, self.series)
        require_column("long", self.long, np.int64, rows)
        require_column("short", self.short, np.int64, rows)
        _within("long", self.long, 0, MAX_QTY)
        _within("short", self.short, 0, MAX_QTY)
        if ((self.long == 0) & (self.short == 0)).any():
            raise ValueError("positions keep no zero rows")
        keys = join_keys(self.account, self.series)
        if (keys[1:] <= keys[:-1]).any():
            raise ValueError("positions are sorted by (account, series), one row each")

    def __len__(self) -> int:
        return len(self.account)

    @property
    def net(self) -> Int64s:
        """Long minus short per row."""
        return self.long - self.short

    @classmethod
    def of(cls, held: Mapping[tuple[str, str], tuple[int, int]], accounts: Sequence[str],
           series: Sequence[str]) -> Positions:
        """Read {(account, series): (long, short)} as the store and reports keep it."""
        account_index, series_index = _index(accounts, "account"), _index(series, "series")
        rows = sorted((_lookup(account_index, a, "account"), _lookup(series_index, s, "series"),
                       long, short) for (a, s), (long, short) in held.items() if long or short)
        return cls(np.array([r[0] for r in rows], np.int32),
                   np.array([r[1] for r in rows], np.int32),
                   np.array([r[2] for r in rows], np.int64),
                   np.array([r[3] for r in rows], np.int64))

    @classmethod
    def empty(cls) -> Positions:
        """No positions: the first day."""
        return cls(np.empty(0, np.int32), np.empty(0, np.int32), np.empty(0, np.int64),
                   np.empty(0, np.int64))

    def to_dict(self, accounts: Sequence[str],
                series: Sequence[str]) -> dict[tuple[str, str], tuple[int, int]]:
        """Name the rows {(account, series): (long, short)} for the store and reports."""
        return {(accounts[a], series[s]): (long, short) for a, s, long, short in zip(
            self.account.tolist(), self.series.tolist(), self.long.tolist(),
            self.short.tolist(), strict=True)}


def join_keys(account: Int32s, series: Int32s) -> Int64s:
    """One int64 key per row that sorts as (account, series)."""
    return account.astype(np.int64) * _SERIES_SPAN + series


def split_keys(keys: Int64s) -> tuple[Int32s, Int32s]:
    """The (account, series) indices of keys made by `join_keys`."""
    account, series = np.divmod(keys, _SERIES_SPAN)
    return account.astype(np.int32), series.astype(np.int32)


def sum_by_key(keys: Int64s, *values: Int64s) -> tuple[Int64s, list[Int64s]]:
    """Return the distinct keys in order and each value column summed per key.

    Sorts and adds runs with np.add.reduceat, which stays in int64 (np.bincount with weights
    would add in float64 and lose satang beyond 2**53).
    """
    if len(keys) == 0:
        return keys, [v[:0] for v in values]
    order = np.argsort(keys)
    ordered = keys[order]
    starts = np.flatnonzero(np.concatenate(([True], ordered[1:] != ordered[:-1])))
    return ordered[starts], [np.add.reduceat(v[order], starts) for v in values]


def _positions(keys: Int64s, long: Int64s, short: Int64s) -> Positions:
    kept = np.flatnonzero((long != 0) | (short != 0))
    if len(kept) and max(int(long[kept].max()), int(short[kept].max())) > MAX_QTY:
        raise TooLarge(f"a position side would pass {MAX_QTY:,} contracts")
    account, series = split_keys(keys[kept])
    return Positions(account, series, long[kept], short[kept])


def apply_fills(positions: Positions, fills: FillColumns) -> Positions:
    """Return the positions after a day's fills, from the day's totals per account and series.

    The fills may come in any order: the result is the same.
    """
    qty = fills.qty
    buy, close = fills.side == BUY, fills.flag == CLOSE
    # clearing-spec.md 4.2: OPEN adds to the fill's side, CLOSE takes from the opposite one
    to_long = np.where(buy, np.where(close, 0, qty), np.where(close, -qty, 0))
    to_short = np.where(buy, np.where(close, -qty, 0), np.where(close, 0, qty))
    keys, (long, short) = sum_by_key(
        np.concatenate((join_keys(positions.account, positions.series),
                        join_keys(fills.account, fills.series))),
        np.concatenate((positions.long, to_long)), np.concatenate((positions.short, to_short)))
    # clearing-spec.md 4.2 (derived, module docstring): a CLOSE beyond its side's holding
    # opens the excess on the other side
    over_sold, over_bought = np.maximum(-long, 0), np.maximum(-short, 0)
    return _positions(keys, np.maximum(long, 0) + over_bought,
                      np.maximum(short, 0) + over_sold)


def _net_mask(modes: Sequence[PositionMode]) -> Bools:
    return np.fromiter((mode is PositionMode.NET for mode in modes), np.bool_, len(modes))


def end_of_day(positions: Positions, modes: Sequence[PositionMode]) -> Positions:
    """Net every NET account's positions to one side; GROSS accounts keep both sides.

    `modes` holds each account's position mode by account index.
    """
    if len(positions) and int(positions.account.max()) >= len(modes):
        raise ValueError("every account of the positions needs a position mode")
    netting = _net_mask(modes)[positions.account]
    # clearing-spec.md 4.2: a NET account (auto match-out) nets to one side at end of day
    matched = np.where(netting, np.minimum(positions.long, positions.short), 0)
    return _positions(join_keys(positions.account, positions.series),
                      positions.long - matched, positions.short - matched)


def match_out(positions: Positions, account: int, series: int, qty: int) -> Positions:
    """Return the positions after a GROSS account's manual match-out of `qty` long against
    `qty` short in one series; the input stays as it was."""
    if qty < 1:
        raise ValueError("a match-out is of at least one contract")
    if not (0 <= account < _SERIES_SPAN and 0 <= series < _SERIES_SPAN):
        raise ValueError("account and series are indices below 2**31")
    keys = join_keys(positions.account, positions.series)
    key = account * _SERIES_SPAN + series
    row = int(np.searchsorted(keys, key))
    found = row < len(keys) and int(keys[row]) == key
    both = min(int(positions.long[row]), int(positions.short[row])) if found else 0
    # clearing-spec.md 4.2: a match-out closes long against short, never beyond either side
    if qty > both:
        raise SiamexError(ErrorCode.INSUFFICIENT_POSITION,
                          f"account {account} holds {both} contracts of series {series} on "
                          f"both sides; a match-out of {qty} is refused")
    long, short = positions.long.copy(), positions.short.copy()
    long[row] -= qty
    short[row] -= qty
    return _positions(keys, long, short)


def expire(positions: Positions, expiring: Bools) -> Positions:
    """Remove the positions in expiring series (`expiring` by series index)."""
    require_column("expiring", expiring, np.bool_, len(expiring))
    if len(positions) and int(positions.series.max()) >= len(expiring):
        raise ValueError("every series of the positions needs an expiring flag")
    kept = ~expiring[positions.series]
    return Positions(positions.account[kept], positions.series[kept], positions.long[kept],
                     positions.short[kept])


@dataclass(frozen=True, eq=False)
class Breaches(Columns):
    """The (account, series) rows whose net position passes the series' limit."""

    account: Int32s
    series: Int32s
    net: Int64s

    def __len__(self) -> int:
        return len(self.account)


def limit_breaches(positions: Positions, limits: Int64s) -> Breaches:
    """Report the rows whose |long - short| exceeds the limit in contracts of their series
    (`limits` by series index; a product's limit repeated over its series). The clearing house
    reports them and does not undo the trades."""
    require_column("limits", limits, np.int64, len(limits))
    if len(positions) and int(positions.series.max()) >= len(limits):
        raise ValueError("every series of the positions needs a limit")
    net = positions.net
    # derived: the limit is on the net contracts per account and series, reported, not undone
    over = np.flatnonzero(np.abs(net) > limits[positions.series])
    return Breaches(positions.account[over], positions.series[over], net[over])
