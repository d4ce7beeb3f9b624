"""The clearing-level margin requirement of many portfolios at once (clearing-spec.md 4.5):

    MR_u     = max(ScanRisk_u + InterMonth_u + DeliveryMonth_u - NOV_u, SOMC_u)
    MR_mkt   = max(floor_mkt, sum_u MR_u - ICSC_mkt)
    MR_total = sum_mkt MR_mkt + UnsettledFuturesMTM + Concentration + Super + UncoveredRisk

Everything here is exact int64 over the risk arrays (risk_arrays.py): positions are sorted by
(portfolio, series rank), so a risk class, an underlying and a market are each a run of
adjacent rows, summed by `np.add.reduceat` (or `np.add.at` for a column mostly 0; np.bincount
would add in float64). Positions of one portfolio and series are netted first (decision 119),
so the result never depends on the order or the splitting of the positions given. Work is
kept to what a portfolio holds: a (portfolio, underlying) group of one risk class takes its
worst scenario straight from the class's worst loss per contract, and only groups mixing
classes sum all 16 scenarios. The inter-commodity credit (decision 117) works in Python
integers on the portfolios that can have one, since its products of two amounts can pass
int64.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from siamex.clearing.derivatives.margin.breakdown import (
    MarginBreakdown,
    MarketMargin,
    UnderlyingMargin,
)
from siamex.clearing.derivatives.margin.risk_arrays import RiskArrays
from siamex.clearing.derivatives.margin.scenarios import SCENARIO_COUNT
from siamex.clearing.derivatives.positions import (
    MAX_QTY,
    MAX_ROWS,
    Bools,
    Int64s,
    TooLarge,
    require_column,
)
from siamex.clearing.foundations.limits import MAX_AMOUNT
from siamex.rulebook.margin import MAX_FLOOR
from siamex.rulebook.products import MarketGroup

__all__ = [
    "MarginColumns",
    "MarginPositions",
    "MarketColumns",
    "UnderlyingColumns",
    "margin_requirements",
]

_MARKETS = tuple(MarketGroup)
_INT64_LIMIT = 2**63
# a requirement sums at most this many amounts each bounded by total contracts x the largest
# per-contract figure: a scan, spread, delivery and option value, and super up to 500% of them
_TERMS = 32
_SPARSE = 8  # a column with fewer than 1 in 8 values not 0 is summed by its nonzero values


@dataclass(frozen=True, eq=False)
class MarginPositions:
    """Net positions as columns: a long is +, a short -. A (portfolio, series) given twice is
    netted first."""

    portfolio: Int64s
    series: Int64s
    qty: Int64s


@dataclass(frozen=True, eq=False)
class UnderlyingColumns:
    """One row per (portfolio, underlying) held, sorted; `underlying` indexes
    `RiskArrays.underlyings`."""

    portfolio: Int64s
    underlying: Int64s
    scan: Int64s
    intermonth: Int64s
    delivery: Int64s
    nov: Int64s
    somc: Int64s
    requirement: Int64s
    concentration: Int64s
    super_margin: Int64s


@dataclass(frozen=True, eq=False)
class MarketColumns:
    """One row per (portfolio, market) held, sorted; `market` indexes `MarketGroup`."""

    portfolio: Int64s
    market: Int64s
    underlyings: Int64s
    icsc_credit: Int64s
    floor: Int64s
    requirement: Int64s


@dataclass(frozen=True, eq=False)
class MarginColumns:
    """Every component per portfolio (index = portfolio), in satang, and the detail behind
    them. `market_margin` is the sum of the market requirements; `total` is MR_total."""

    scan: Int64s
    intermonth: Int64s
    delivery: Int64s
    nov: Int64s
    somc: Int64s
    icsc_credit: Int64s
    market_margin: Int64s
    concentration: Int64s
    super_margin: Int64s
    uncovered: Int64s
    unsettled_mtm: Int64s
    total: Int64s
    by_underlying: UnderlyingColumns
    by_market: MarketColumns
    underlyings: tuple[str, ...]
    underlying_markets: tuple[MarketGroup, ...]

    def __len__(self) -> int:
        return len(self.total)

    def breakdown(self, portfolio: int) -> MarginBreakdown:
        """One portfolio's requirement underlying by underlying and market by market."""
        if not 0 <= portfolio < len(self.total):
            raise IndexError(f"no portfolio {portfolio}: there are {len(self.total)}")
        g, m = self.by_underlying, self.by_market
        low, high = np.searchsorted(g.portfolio, (portfolio, portfolio + 1))
        underlyings = tuple(
            UnderlyingMargin(self.underlyings[u], self.underlying_markets[u], *figures)
            for u, *figures in zip(
                g.underlying[low:high].tolist(), g.scan[low:high].tolist(),
                g.intermonth[low:high].tolist(), g.delivery[low:high].tolist(),
                g.nov[low:high].tolist(), g.somc[low:high].tolist(),
                g.requirement[low:high].tolist(), g.concentration[low:high].tolist(),
                g.super_margin[low:high].tolist(), strict=True))
        low, high = np.searchsorted(m.portfolio, (portfolio, portfolio + 1))
        markets = tuple(
            MarketMargin(_MARKETS[k], *figures) for k, *figures in zip(
                m.market[low:high].tolist(), m.underlyings[low:high].tolist(),
                m.icsc_credit[low:high].tolist(), m.floor[low:high].tolist(),
                m.requirement[low:high].tolist(), strict=True))
        p = portfolio
        return MarginBreakdown(
            portfolio=p, underlyings=underlyings, markets=markets, scan=int(self.scan[p]),
            intermonth=int(self.intermonth[p]), delivery=int(self.delivery[p]),
            nov=int(self.nov[p]), somc=int(self.somc[p]), icsc_credit=int(self.icsc_credit[p]),
            market_margin=int(self.market_margin[p]),
            concentration=int(self.concentration[p]), super_margin=int(self.super_margin[p]),
            uncovered=int(self.uncovered[p]), unsettled_mtm=int(self.unsettled_mtm[p]),
            total=int(self.total[p]))


def _changes(keys: Int64s) -> Bools:
    """Whether each key starts a run of equal adjacent keys."""
    change = np.empty(len(keys), np.bool_)
    if len(keys):
        change[0] = True
        np.not_equal(keys[1:], keys[:-1], out=change[1:])
    return change


def _starts(keys: Int64s) -> Int64s:
    """Where each run of equal adjacent keys starts."""
    return np.flatnonzero(_changes(keys))


def _sums(values: Int64s, starts: Int64s) -> Int64s:
    """Each run's sum, exactly in int64."""
    if len(starts) == 0:
        return np.zeros(0, np.int64)
    if len(starts) == len(values):
        return values
    return np.add.reduceat(values, starts)


@dataclass(frozen=True, eq=False)
class _Owners:
    """Rows sorted by owner (a group, a portfolio): each row's owner and where each owner's
    run starts, to sum a column into one figure per owner, exactly in int64. A column few
    rows carry (a delivery charge, a credit) moves only its values not 0."""

    owner: Int64s
    starts: Int64s
    count: int

    def sums(self, values: Int64s) -> Int64s:
        result = np.zeros(self.count, np.int64)
        if np.count_nonzero(values) * _SPARSE < len(values):
            moved = np.flatnonzero(values)
            np.add.at(result, self.owner[moved], values[moved])
        else:
            result[self.owner[self.starts]] = _sums(values, self.starts)
        return result


def _share(amounts: Int64s, pct: Fraction) -> Int64s:
    """`pct` percent of amounts >= 0, rounded half up to the satang, without leaving int64."""
    part = pct / 100
    num, den = part.numerator, part.denominator
    return amounts // den * num + (amounts % den * (2 * num) + den) // (2 * den)


def _ranges(low: Int64s, high: Int64s) -> Int64s:
    """The indices low[i] <= j < high[i] of every range, in order."""
    lengths = high - low
    ends = np.cumsum(lengths)
    indices: Int64s = np.arange(int(ends[-1]) if len(ends) else 0, dtype=np.int64)
    indices += np.repeat(low - (ends - lengths), lengths)
    return indices


@dataclass(frozen=True, eq=False)
class _Rows:
    """Positions netted per (portfolio, series), zeros dropped, sorted by (portfolio, rank)."""

    portfolio: Int64s
    rank: Int64s
    qty: Int64s


@dataclass(frozen=True, eq=False)
class _Classes:
    """Rows merged per (portfolio, risk class): futures of one product in every month have
    one array, so their scan is that of their net; `absolute` keeps the sum of each month's
    |net| for the spread and concentration, `delivery` the delivery-month charge, `first_row`
    the row each class starts at (one past the end last)."""

    portfolio: Int64s
    rank: Int64s
    underlying: Int64s
    qty: Int64s
    absolute: Int64s
    delivery: Int64s
    first_row: Int64s


@dataclass(frozen=True, eq=False)
class _Groups:
    """The (portfolio, underlying) groups of class rows: their first class row, class count,
    portfolio and underlying, and `classes`, which sums class rows per group."""

    start: Int64s
    size: Int64s
    portfolio: Int64s
    underlying: Int64s
    classes: _Owners

    def __len__(self) -> int:
        return len(self.start)


def _check_positions(positions: MarginPositions, arrays: RiskArrays,
                     portfolios: int | None) -> int:
    rows = len(positions.qty)
    for name in ("portfolio", "series", "qty"):
        require_column(name, getattr(positions, name), np.int64, rows)
    if rows and (int(positions.series.min()) < 0 or int(positions.series.max()) >= len(arrays)):
        raise ValueError(f"a series index is beyond the {len(arrays)} series given")
    if rows and (int(positions.portfolio.min()) < 0
                 or int(positions.portfolio.max()) >= MAX_ROWS):
        raise ValueError(f"a portfolio index must lie within [0, {MAX_ROWS})")
    if rows and int(np.abs(positions.qty).max()) > MAX_QTY:
        raise TooLarge(f"a position passes {MAX_QTY:,} contracts")
    held = int(positions.portfolio.max()) + 1 if rows else 0
    if portfolios is None:
        return held
    if not held <= portfolios <= MAX_ROWS:
        raise ValueError(f"{portfolios} portfolios cannot hold portfolio {held - 1}, or pass "
                         f"{MAX_ROWS}")
    return portfolios


def _fits(positions: MarginPositions, arrays: RiskArrays) -> None:
    """Refuse a run whose sums could leave int64: every figure is a sum of at most _TERMS
    amounts each at most the total contracts times the largest per-contract figure, plus a
    floor per market and the amounts given (checked in Python integers)."""
    contracts = int(np.abs(positions.qty).sum())
    bound = contracts * arrays.largest * _TERMS + MAX_FLOOR * len(_MARKETS) + 2 * MAX_AMOUNT
    if bound >= _INT64_LIMIT:
        raise TooLarge("the run's amounts could pass int64: too many contracts at these "
                       "prices and multipliers")


def _amounts(name: str, values: Int64s | None, count: int) -> Int64s:
    if values is None:
        return np.zeros(count, np.int64)
    require_column(name, values, np.int64, count)
    if count and (int(values.min()) < 0 or int(values.max()) > MAX_AMOUNT):
        raise ValueError(f"{name} must lie within [0, {MAX_AMOUNT}] satang")
    return values


def _rows(positions: MarginPositions, arrays: RiskArrays) -> _Rows:
    portfolio, qty = positions.portfolio, positions.qty
    rank = arrays.rank[positions.series]
    key = portfolio * max(len(arrays), 1) + rank
    if len(key) > 1 and not bool(np.all(key[1:] > key[:-1])):
        order = np.argsort(key, kind="stable")
        starts = _starts(key[order])
        portfolio, rank = portfolio[order][starts], rank[order][starts]
        qty = _sums(qty[order], starts)
    if not bool(np.all(qty)):
        kept = np.flatnonzero(qty)
        portfolio, rank, qty = portfolio[kept], rank[kept], qty[kept]
    return _Rows(portfolio, rank, qty)


def _classes(rows: _Rows, arrays: RiskArrays) -> _Classes:
    """Merge rows per (portfolio, risk class). Only futures of one product in several months
    merge, so the few rows continuing a class are added onto its first."""
    classes = int(arrays.risk_class.max()) + 1 if len(arrays) else 1
    change = _changes(rows.portfolio * classes + arrays.risk_class[rows.rank])
    starts = np.flatnonzero(change)
    absolute = np.abs(rows.qty)
    qty, held = rows.qty[starts], absolute[starts]
    delivery = np.zeros(len(starts), np.int64)
    if len(starts) < len(rows.qty):
        more = np.flatnonzero(~change)
        run = np.searchsorted(starts, more, side="right") - 1
        np.add.at(qty, run, rows.qty[more])
        np.add.at(held, run, absolute[more])
    if bool(arrays.delivery.any()):
        charged = np.flatnonzero(arrays.delivery[rows.rank])
        np.add.at(delivery, np.searchsorted(starts, charged, side="right") - 1,
                  absolute[charged] * arrays.delivery[rows.rank[charged]])
    rank = rows.rank[starts]
    return _Classes(rows.portfolio[starts], rank, arrays.underlying[rank], qty, held, delivery,
                    np.append(starts, len(rows.qty)))


def _groups(classes: _Classes, arrays: RiskArrays) -> _Groups:
    key = classes.portfolio * max(len(arrays.underlyings), 1) + classes.underlying
    start = _starts(key)
    size = np.diff(np.append(start, len(key)))
    owner = np.repeat(np.arange(len(start), dtype=np.int64), size)
    return _Groups(start, size, classes.portfolio[start],
                   classes.underlying[start], _Owners(owner, start, len(start)))


def _scan(classes: _Classes, groups: _Groups, arrays: RiskArrays) -> Int64s:
    """ScanRisk per group: max(0, the worst scenario loss), a loss being -sum(qty x change)."""
    scan = np.zeros(len(groups), np.int64)
    single = groups.size == 1
    first = groups.start[single]
    qty, rank = classes.qty[first], classes.rank[first]
    scan[single] = np.where(qty > 0, qty * arrays.worst_long[rank],
                            -qty * arrays.worst_short[rank])
    if not bool(single.all()):
        mixed = np.flatnonzero(~single)
        scan[mixed] = _mixed_scan(classes, groups.start[mixed], groups.size[mixed], arrays)
    return np.maximum(scan, 0)


def _mixed_scan(classes: _Classes, start: Int64s, size: Int64s, arrays: RiskArrays) -> Int64s:
    """The worst loss of groups of 2 or more class rows, summed slot by slot: slot j holds
    each group's j-th class row, for the groups that have one (adding slots costs a third
    of a segmented sum over the same rows)."""
    slots: list[tuple[Int64s | None, Int64s, Int64s]] = []
    for j in range(int(size.max())):
        deeper = None if j < 2 else np.flatnonzero(size > j)
        row = start + j if deeper is None else start[deeper] + j
        slots.append((deeper, classes.rank[row], classes.qty[row]))
    best = np.zeros(len(start), np.int64)  # the lowest value change: minus the worst loss
    for k in range(SCENARIO_COUNT):
        changes = arrays.scenario[k]
        total = np.zeros(len(start), np.int64)
        for deeper, rank, qty in slots:
            change = changes.take(rank)
            change *= qty
            if deeper is None:
                total += change
            else:
                total[deeper] += change
        np.minimum(best, total, out=best)
    return -best


def _netted_pairs(rows: _Rows, classes: _Classes, groups: _Groups, arrays: RiskArrays,
                  netted: Int64s) -> Int64s:
    """Spread pairs of groups holding futures of several products of one underlying (GF and
    GF10): each month's net across products in base contracts, from the groups' rows."""
    low = classes.first_row[groups.start[netted]]
    high = classes.first_row[groups.start[netted] + groups.size[netted]]
    rows_of = _ranges(low, high)
    group = np.repeat(netted, high - low)
    rank = rows.rank[rows_of]
    futures = np.flatnonzero(arrays.weight[rank] > 0)
    rank, group = rank[futures], group[futures]
    months = int(arrays.month.max()) + 1
    key = group * months + arrays.month[rank]
    order = np.argsort(key, kind="stable")
    key = key[order]
    exposure = (rows.qty[rows_of[futures]] * arrays.weight[rank])[order]
    starts = _starts(key)
    per_month, owner = _sums(exposure, starts), key[starts] // months
    group_starts = _starts(owner)
    return (_sums(np.abs(per_month), group_starts)
            - np.abs(_sums(per_month, group_starts))) // 2


def _spread_pairs(rows: _Rows, classes: _Classes, groups: _Groups,
                  arrays: RiskArrays) -> Int64s:
    """Inter-month spread pairs per group, in base contracts: min(sum of the long months' net,
    sum of the short months') = (sum |net per month| - |net|) / 2 (4.5, E11; decision 116).

    A group holding one futures product: each month is one series, so the pairs come from
    its class's merged figures, and only a class that merged a long and a short month has
    any. A group holding several of one underlying (GF and GF10) nets months across them
    first (`_netted_pairs`)."""
    weight = arrays.weight[classes.rank]
    shared = np.zeros(len(groups), np.bool_)
    if bool(arrays.netted_months.any()):
        held = np.flatnonzero(arrays.netted_months[classes.underlying] & (weight > 0))
        group = groups.classes.owner[held]
        shared[group[1:][group[1:] == group[:-1]]] = True
    opposed = np.flatnonzero((classes.absolute != np.abs(classes.qty)) & (weight > 0))
    opposed = opposed[~shared[groups.classes.owner[opposed]]]
    pairs = np.zeros(len(groups), np.int64)
    np.add.at(pairs, groups.classes.owner[opposed],
              (classes.absolute[opposed] - np.abs(classes.qty[opposed])) // 2
              * weight[opposed])
    netted = np.flatnonzero(shared)
    if len(netted):
        pairs[netted] = _netted_pairs(rows, classes, groups, arrays, netted)
    return pairs


def _option_sums(classes: _Classes, groups: _Groups,
                 arrays: RiskArrays) -> tuple[Int64s, Int64s]:
    """NOV (net contracts x settlement value, a long +) and SOMC (short contracts x the
    minimum charge) per group, over the option class rows alone (decision 116)."""
    nov, somc = np.zeros(len(groups), np.int64), np.zeros(len(groups), np.int64)
    options = np.flatnonzero(arrays.weight[classes.rank] == 0)
    rank, qty = classes.rank[options], classes.qty[options]
    owner = groups.classes.owner[options]
    np.add.at(nov, owner, qty * arrays.option_value[rank])
    short = np.flatnonzero(qty < 0)
    np.add.at(somc, owner[short], -qty[short] * arrays.somc[rank[short]])
    return nov, somc


def _concentration(classes: _Classes, groups: _Groups, arrays: RiskArrays) -> Int64s:
    """Per group, each product's contracts held (sum of |net| per series) beyond its
    threshold, at its charge per contract (decision 118). Only a group holding more
    contracts than the lowest threshold can pass one, so only those are looked at."""
    result = np.zeros(len(groups), np.int64)
    thresholds = arrays.concentration_contracts[arrays.concentration_contracts > 0]
    if len(thresholds) == 0:
        return result
    held = _sums(classes.absolute, groups.start)
    product = arrays.product[classes.rank]
    owner = groups.classes.owner
    limited = np.flatnonzero((held[owner] > int(thresholds.min()))
                             & (arrays.concentration_contracts[product] > 0))
    if len(limited) == 0:
        return result
    group, product = owner[limited], product[limited]
    starts = _starts(group * len(arrays.products) + product)
    total = _sums(classes.absolute[limited], starts)
    product, group = product[starts], group[starts]
    excess = np.maximum(total - arrays.concentration_contracts[product], 0) \
        * arrays.concentration_charge[product]
    np.add.at(result, group, excess)
    return result


def _super(requirement: Int64s, groups: _Groups, arrays: RiskArrays,
           flagged: Collection[str]) -> Int64s:
    """Super margin: `super_pct` of the underlying's requirement (when above 0) for the
    underlyings of products in their super window, the highest rate of those products
    (4.7; decision 118)."""
    result = np.zeros(len(requirement), np.int64)
    rates: dict[int, Fraction] = {}
    for one in arrays.series:
        row = arrays.table.product(one.product)
        if one.product in flagged and row is not None and row.super_pct > 0:
            u = arrays.underlyings.index(one.underlying)
            rates[u] = max(rates.get(u, Fraction(0)), row.super_pct)
    for u, pct in rates.items():
        mask = groups.underlying == u
        result[mask] = _share(np.maximum(requirement[mask], 0), pct)
    return result


def _exposures(classes: _Classes, arrays: RiskArrays, u: int, count: int) -> Int64s:
    """Each portfolio's price risk in underlying u, in satang: sum of qty x the class's."""
    rows = np.flatnonzero(classes.underlying == u)
    exposure = np.zeros(count, np.int64)
    np.add.at(exposure, classes.portfolio[rows],
              classes.qty[rows] * arrays.price_risk[classes.rank[rows]])
    return exposure


def _credits(classes: _Classes, groups: _Groups, scan: Int64s, arrays: RiskArrays,
             count: int) -> dict[int, Int64s]:
    """Inter-commodity spread credits per market and portfolio (decision 117).

    A credit row pairs underlyings a and b held in opposite directions. Exposures are price
    risk in satang (a future's is its outright; an option's its change for one scan range);
    one spread is ratio_a reference contracts of a against ratio_b of b, so the legs form
    n = min(|X_a| / (ratio_a R_a), |X_b| / (ratio_b R_b)) spreads. Each leg is credited
    credit_pct of the share of its scan risk the spreads use (n x ratio x R / |X|), never
    more than that scan risk. Rows apply in the table's order, each on what the earlier rows
    left of the exposures and scan risks; credits round down to the satang."""
    index = {name: u for u, name in enumerate(arrays.underlyings)}
    rows = [(credit, index[credit.a], index[credit.b]) for credit in arrays.table.icsc
            if credit.a in index and credit.b in index]
    credits: dict[int, Int64s] = {}
    if not rows:
        return credits
    left: dict[int, tuple[Int64s, Int64s]] = {}
    for u in sorted({u for _, a, b in rows for u in (a, b)}):
        scans = np.zeros(count, np.int64)
        held = np.flatnonzero(groups.underlying == u)
        scans[groups.portfolio[held]] = scan[held]
        left[u] = (_exposures(classes, arrays, u, count), scans)
    for credit, a, b in rows:
        (xa, sa), (xb, sb) = left[a], left[b]
        held = np.flatnonzero(((xa > 0) & (xb < 0)) | ((xa < 0) & (xb > 0)))
        if len(held) == 0:
            continue
        # Python integers: |X| x ratio x R passes int64 for large books
        size_a = np.abs(xa[held]).astype(object)
        size_b = np.abs(xb[held]).astype(object)
        units_a = size_a * (credit.ratio_b * int(arrays.reference[b]))
        units_b = size_b * (credit.ratio_a * int(arrays.reference[a]))
        used = np.minimum(units_a, units_b)
        scan_a = sa[held].astype(object) * used // units_a
        scan_b = sb[held].astype(object) * used // units_b
        part = credit.credit_pct / 100
        amount = (scan_a + scan_b) * part.numerator // part.denominator
        market = _MARKETS.index(credit.market)
        credits.setdefault(market, np.zeros(count, np.int64))[held] += amount.astype(np.int64)
        xa[held] -= np.sign(xa[held]) * (size_a * used // units_a).astype(np.int64)
        xb[held] -= np.sign(xb[held]) * (size_b * used // units_b).astype(np.int64)
        sa[held] -= scan_a.astype(np.int64)
        sb[held] -= scan_b.astype(np.int64)
    return credits


def margin_requirements(positions: MarginPositions, arrays: RiskArrays, *,
                        portfolios: int | None = None,
                        super_products: Collection[str] = frozenset(),
                        uncovered: Int64s | None = None,
                        unsettled_mtm: Int64s | None = None) -> MarginColumns:
    """The margin requirement of every portfolio, portfolio i at index i of each column.

    `positions.series` indexes `arrays.series`. `super_products` are the product codes in
    their super-margin window this run (4.7); `uncovered` and `unsettled_mtm` are amounts
    per portfolio the caller works out (>= 0, satang; an unsettled MTM is the loss still
    owed). `portfolios` is the column length, by default one past the last portfolio held.
    """
    count = _check_positions(positions, arrays, portfolios)
    _fits(positions, arrays)
    uncovered = _amounts("uncovered", uncovered, count)
    unsettled_mtm = _amounts("unsettled_mtm", unsettled_mtm, count)
    rows = _rows(positions, arrays)
    classes = _classes(rows, arrays)
    groups = _groups(classes, arrays)
    scan = _scan(classes, groups, arrays)
    intermonth = _spread_pairs(rows, classes, groups, arrays) * arrays.spread[groups.underlying]
    delivery = groups.classes.sums(classes.delivery)
    nov, somc = _option_sums(classes, groups, arrays)
    requirement = np.maximum(scan + intermonth + delivery - nov, somc)
    concentration = _concentration(classes, groups, arrays)
    super_margin = _super(requirement, groups, arrays, frozenset(super_products))

    market_of = np.array([_MARKETS.index(m) for m in arrays.markets], np.int64)
    group_market = market_of[groups.underlying]
    starts = _starts(groups.portfolio * len(_MARKETS) + group_market)
    run_portfolio, run_market = groups.portfolio[starts], group_market[starts]
    run_sum = _sums(requirement, starts)
    floors = np.array([arrays.table.floor(m) for m in _MARKETS], np.int64)[run_market]
    run_credit = np.zeros(len(starts), np.int64)
    for market, credit in _credits(classes, groups, scan, arrays, count).items():
        mask = run_market == market
        run_credit[mask] = credit[run_portfolio[mask]]
    run_requirement = np.maximum(floors, run_sum - run_credit)

    by_group = _Owners(groups.portfolio, _starts(groups.portfolio), count)
    per_group = {name: by_group.sums(values) for name, values in (
        ("scan", scan), ("intermonth", intermonth), ("delivery", delivery), ("nov", nov),
        ("somc", somc), ("concentration", concentration), ("super_margin", super_margin))}
    by_run = _Owners(run_portfolio, _starts(run_portfolio), count)
    market_margin = by_run.sums(run_requirement)
    total = (market_margin + unsettled_mtm + per_group["concentration"]
             + per_group["super_margin"] + uncovered)
    return MarginColumns(
        **per_group, icsc_credit=by_run.sums(run_credit),
        market_margin=market_margin, uncovered=uncovered, unsettled_mtm=unsettled_mtm,
        total=total,
        by_underlying=UnderlyingColumns(groups.portfolio, groups.underlying, scan, intermonth,
                                        delivery, nov, somc, requirement, concentration,
                                        super_margin),
        by_market=MarketColumns(run_portfolio, run_market, run_sum, run_credit, floors,
                                run_requirement),
        underlyings=arrays.underlyings, underlying_markets=arrays.markets)
