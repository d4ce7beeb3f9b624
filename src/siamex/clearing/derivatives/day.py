"""One derivatives clearing day (clearing-spec.md 4.2-4.4, 4.10): the day's trades booked,
the post-trade changes answered, settlement prices set, positions netted, variation margin,
option premium and final settlement worked out per account, and each member's cash posted.

Why it is shaped this way: the whole day is worked out first, purely, from the files and the
store (`_work`), so that anything that refuses the run refuses it before the first posting.
Then it is committed in two steps, each one transaction of its postings and records (decision
69): the intraday round (settled 12:00 on the day) and the end-of-day run (settled 09:00 on
the next business day). A crash leaves each step done or not begun; a rerun works the day out
again from the same inputs, skips the step already in the store and commits the other, so it
ends as an uninterrupted run. A day already cleared is reported as it first ran.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import msgspec
import numpy as np

from siamex.clearing.default.declaration import declare_default
from siamex.clearing.default.waterfall import pro_rata
from siamex.clearing.derivatives.accounts import AccountBook, Approval
from siamex.clearing.derivatives.changes import BookedFill, Holding
from siamex.clearing.derivatives.collateral import CollateralBook, derivatives_collateral_account
from siamex.clearing.derivatives.collateral_answers import answer_requests
from siamex.clearing.derivatives.collateral_value import NO_QUOTES
from siamex.clearing.derivatives.fills import BUY, SELL, Fill, Flag, PositionMode
from siamex.clearing.derivatives.final import final_prices
from siamex.clearing.derivatives.instructions import (
    NO_INSTRUCTIONS,
    DerivativesInstructions,
    MatchOutEntry,
    OpeningPosition,
)
from siamex.clearing.derivatives.margin_day import (
    MarginTerms,
    Requirement,
    margin_calls,
    requirement,
)
from siamex.clearing.derivatives.marking import (
    AccountCash,
    FinalSettlement,
    Premium,
    VariationMargin,
    final_settlement,
    premium,
    variation_margin,
)
from siamex.clearing.derivatives.positions import (
    FillColumns,
    Int64s,
    Positions,
    TooLarge,
    apply_fills,
    end_of_day,
    join_keys,
    limit_breaches,
    match_out,
    split_keys,
    sum_by_key,
)
from siamex.clearing.derivatives.requests import Bookings, rebook_trades, transfer_positions
from siamex.clearing.derivatives.runs import Run
from siamex.clearing.derivatives.settlement_prices import (
    DayTrade,
    SettlementPrice,
    daily_settlement_prices,
)
from siamex.clearing.derivatives.trades import DerivativesTrade
from siamex.clearing.derivatives.universe import Universe, check_listed, series_named
from siamex.clearing.foundations.accounts import DERIVATIVES_SETTLEMENT, member_bank
from siamex.clearing.foundations.keys import key
from siamex.clearing.foundations.ledger import THB, Transaction, transfer
from siamex.clearing.foundations.parameters import DEFAULT_CLEARING_RULES, ClearingRules
from siamex.clearing.foundations.state import (
    DERIVATIVES_APPROVALS,
    DERIVATIVES_DAY,
    DERIVATIVES_DAYS,
    DERIVATIVES_FILLS,
    DERIVATIVES_INTRADAY,
    DERIVATIVES_MARGIN,
    DERIVATIVES_POSITIONS,
    DERIVATIVES_PRICES,
    AccountSeriesRow,
    BookedFillRow,
    BreachRow,
    ChangeRow,
    CollateralAnswerRow,
    DerivativesDay,
    IntradayRound,
    MarginRun,
    MemberCashRow,
    PendingRow,
    PositionHeld,
    PriceRow,
    SettlementPriceRow,
    TradeSideRow,
)
from siamex.clearing.foundations.store import LedgerStore
from siamex.errors import ErrorCode, SiamexError
from siamex.rulebook.calendar import (
    OutsideCalendar,
    is_trading_day,
    next_trading_day,
    trading_day_offset,
)
from siamex.rulebook.derivative_limits import price_limits
from siamex.rulebook.products import ProductTable, default_products
from siamex.rulebook.series import SeriesList
from siamex.units import US_PER_DAY, US_PER_SECOND, format_price, micros_of_day, wall_clock

__all__ = ["DerivativesInputs", "clear_derivatives"]

_CHANGE_DAYS = 3  # clearing-spec.md 4.3: a trade may be amended or given up until T+3
_DAY_SESSION = 2 * US_PER_DAY  # trades.py orders the day session after the night's


@dataclass(frozen=True)
class DerivativesInputs:
    """What a derivatives clearing day reads besides the store."""

    accounts: AccountBook
    trades: tuple[DerivativesTrade, ...]
    instructions: DerivativesInstructions = NO_INSTRUCTIONS
    products: ProductTable = field(default_factory=default_products)
    rules: ClearingRules = DEFAULT_CLEARING_RULES
    series: SeriesList | None = None  # a series file's listing, else the products' rules
    margin: MarginTerms = field(default_factory=MarginTerms)


@dataclass(frozen=True)
class _Carried:
    """Where the day starts: the last cleared date, its positions and prices, approvals."""

    previous: dt.date | None
    days: list[dt.date]
    held: dict[tuple[str, str], tuple[int, int]]
    prices: dict[str, int]
    approvals: dict[str, frozenset[Approval]]


@dataclass(frozen=True)
class _Worked:
    """The day worked out, ready to commit."""

    report: DerivativesDay
    intraday: IntradayRound | None
    bookings: Bookings
    today: list[BookedFill]
    positions: list[PositionHeld]
    prices: dict[str, SettlementPriceRow]
    approvals: dict[str, list[str]]
    intraday_margin: Requirement | None
    eod_margin: Requirement


def _check_date(inputs: DerivativesInputs, on: dt.date) -> dt.date:
    """Refuse a run on a day TFEX does not clear, or on inputs of another day; the day the
    run's end-of-day cash settles (4.4: the next business day)."""
    try:
        if not is_trading_day(on):
            raise SiamexError(ErrorCode.NOT_TRADING_DAY, f"{on} is not a TFEX business day")
        settles = next_trading_day(on)
    except OutsideCalendar as exc:
        raise SiamexError(ErrorCode.NOT_TRADING_DAY, str(exc)) from None
    dated = inputs.instructions.date
    if dated is not None and dated != on:
        raise SiamexError(ErrorCode.INSTRUCTIONS_FILE,
                          f"the instructions are for {dated}, the run is for {on}")
    if inputs.trades and inputs.trades[0].date != on:
        raise SiamexError(ErrorCode.TRADE_FILE,
                          f"the trades clear on {inputs.trades[0].date}, the run is for {on}")
    return settles


def _check_names(inputs: DerivativesInputs) -> None:
    """Refuse a margin or collateral instruction naming a member or account the account
    file lacks, before anything is stored."""
    book, instructions = inputs.accounts, inputs.instructions
    for r in instructions.collateral.requests:
        if r.member not in book.members:
            raise SiamexError(ErrorCode.COLLATERAL_FILE,
                              f"collateral request {r.ref}: member {r.member} is not registered")
    for member, run in sorted(instructions.unmet_calls):
        if member not in book.members:
            raise SiamexError(ErrorCode.INSTRUCTIONS_FILE,
                              f"unmet_calls: member {member} ({run}) is not registered")
    for account in sorted(instructions.uncovered_risk):
        if book.account(account) is None:
            raise SiamexError(ErrorCode.INSTRUCTIONS_FILE,
                              f"uncovered_risk: account {account} is not registered")


def _carried(inputs: DerivativesInputs, store: LedgerStore, on: dt.date) -> _Carried:
    days = DERIVATIVES_DAYS.get(store) or []
    if days and on < days[-1]:
        raise SiamexError(ErrorCode.CLEARING_STATE,
                          f"the store is cleared to {days[-1]}: {on} comes before it")
    previous = days[-1] if days else None
    # decision 108: every business day is marked and settled, none skipped
    if previous is not None and on != previous and on != next_trading_day(previous):
        raise SiamexError(ErrorCode.CLEARING_STATE,
                          f"the store is cleared to {previous}: clear "
                          f"{next_trading_day(previous)} before {on}")
    opening = inputs.instructions.opening_positions
    if previous is not None and opening:
        raise SiamexError(ErrorCode.INSTRUCTIONS_FILE,
                          f"opening_positions are for a store's first day; this store is "
                          f"cleared to {previous}")
    if previous is None:
        held = _opening(opening)
    else:
        held = {(p.account, p.series): (p.long, p.short)
                for p in DERIVATIVES_POSITIONS.get(store, previous) or []}
    stored = {} if previous is None else DERIVATIVES_PRICES.get(store, previous) or {}
    given = inputs.instructions.previous_settlement_prices
    priced = sorted(set(given) & set(stored))
    if priced:
        raise SiamexError(ErrorCode.INSTRUCTIONS_FILE,
                          f"previous_settlement_prices: the store has {priced[0]}'s price of "
                          f"{previous}; give previous prices for series new to the store only")
    prices = {**given, **{series: row.price for series, row in stored.items()}}
    approved = {account: frozenset(Approval(a) for a in kinds)
                for account, kinds in (DERIVATIVES_APPROVALS.get(store) or {}).items()}
    for account, approval in inputs.instructions.approvals:
        if inputs.accounts.account(account) is None:
            raise SiamexError(ErrorCode.INSTRUCTIONS_FILE,
                              f"approvals: account {account} is not registered")
        approved[account] = approved.get(account, frozenset()) | {approval}
    for account, _ in held:
        if inputs.accounts.account(account) is None:
            raise SiamexError(ErrorCode.ACCOUNT_FILE,
                              f"account {account} holds positions but is not in the account "
                              "file")
    return _Carried(previous, days, held, prices, approved)


def _opening(opening: Iterable[OpeningPosition]) -> dict[tuple[str, str], tuple[int, int]]:
    """A store's first positions: every contract has a long and a short side (4.2), so each
    series' longs must equal its shorts."""
    held: dict[tuple[str, str], tuple[int, int]] = {}
    sides: dict[str, int] = {}
    for p in opening:
        if (p.account, p.series) in held:
            raise SiamexError(ErrorCode.INSTRUCTIONS_FILE,
                              f"opening_positions: {p.account} {p.series} given twice")
        held[p.account, p.series] = (p.long, p.short)
        sides[p.series] = sides.get(p.series, 0) + p.long - p.short
    for series, open_interest in sorted(sides.items()):
        if open_interest:
            raise SiamexError(ErrorCode.INSTRUCTIONS_FILE,
                              f"opening_positions: {series}'s longs and shorts differ by "
                              f"{open_interest:+} contracts")
    return held


def _limits(universe: Universe, previous: Mapping[str, int]) -> dict[str, tuple[int, int]]:
    """4.1: each futures series' daily (ceiling, floor), from its previous settlement price
    (an option's limits need its underlying's, which a day's files lack)."""
    return {symbol: price_limits(product, previous[symbol])
            for symbol, product, future in zip(universe.symbols, universe.products,
                                               universe.futures.tolist(), strict=True)
            if future and symbol in previous}


def _check_limits(trades: Iterable[DerivativesTrade],
                  limits: Mapping[str, tuple[int, int]]) -> None:
    """4.1: a futures trade lies within its series' daily limits."""
    for trade in trades:
        if trade.series not in limits:
            continue
        ceiling, floor = limits[trade.series]
        if not floor <= trade.price <= ceiling:
            raise SiamexError(ErrorCode.TRADE_FILE,
                              f"trade {trade.trade_id} at {format_price(trade.price)} is outside "
                              f"{trade.series}'s limits {format_price(floor)}-"
                              f"{format_price(ceiling)}")


def _symbols(inputs: DerivativesInputs, carried: _Carried, bookings: Bookings,
             on: dt.date) -> set[str]:
    """Every series the day touches, each checked listed on the day (2.3), and those of the
    trades still open to change whose series has not expired (4.3)."""
    instructions = inputs.instructions
    symbols = {series for _, series in carried.held}
    symbols |= {t.series for t in inputs.trades}
    symbols |= set(instructions.settlement_prices) | set(instructions.intraday_prices)
    for symbol in sorted(symbols):
        check_listed(symbol, on, inputs.products, inputs.series)
    booked = {f.series for fills in bookings.days.values() for f in fills} - symbols
    return symbols | {symbol for symbol in booked
                      if series_named(symbol, inputs.products, inputs.series).last_trading_day
                      >= on}


def _booked(inputs: DerivativesInputs) -> list[BookedFill]:
    accounts = inputs.accounts.accounts.values()
    member = {a.account: a.member for a in accounts}
    investor = {a.account: a.investor_type.value for a in accounts}
    booked = []
    for t in inputs.trades:
        booked.append(BookedFill(t.trade_id, t.date, member[t.buy_account], t.buy_account,
                                 investor[t.buy_account], t.series, BUY, t.qty, t.price,
                                 t.buy_flag))
        booked.append(BookedFill(t.trade_id, t.date, member[t.sell_account], t.sell_account,
                                 investor[t.sell_account], t.series, SELL, t.qty, t.price,
                                 t.sell_flag))
    return booked


def _settlement_prices(inputs: DerivativesInputs, universe: Universe,
                       previous: Mapping[str, int], limits: Mapping[str, tuple[int, int]]
                       ) -> dict[str, SettlementPrice]:
    """4.4: the day's price of every series not expiring, grouped by the close of its
    product's day session (the end of its settlement window)."""
    terms = universe.terms()
    by_close: dict[int, list[str]] = {}
    for symbol, product, expiring in zip(universe.symbols, universe.products,
                                         universe.expiring.tolist(), strict=True):
        if not expiring:
            close = max(s.close for s in product.sessions if not s.is_night)
            by_close.setdefault(close, []).append(symbol)
    trades: dict[str, list[DayTrade]] = {}
    for t in inputs.trades:
        trades.setdefault(t.series, []).append(DayTrade(t.at, t.qty, t.price))
    prices: dict[str, SettlementPrice] = {}
    window = inputs.rules.derivatives_settlement_window * 60 * US_PER_SECOND
    for close, symbols in sorted(by_close.items()):
        prices.update(daily_settlement_prices(
            {s: terms[s] for s in symbols}, {s: trades[s] for s in symbols if s in trades},
            {s: previous[s] for s in symbols if s in previous}, close_us=_DAY_SESSION + close,
            given={s: p for s, p in inputs.instructions.settlement_prices.items()
                   if s in symbols},
            limits={s: limits[s] for s in symbols if s in limits}, window_us=window))
    return prices


def _by_series(universe: Universe, values: Mapping[str, int], default: Int64s) -> Int64s:
    return np.array([values.get(s, int(default[i])) for i, s in enumerate(universe.symbols)],
                    np.int64)


def _match_outs(positions: Positions, entries: Sequence[MatchOutEntry], names: Sequence[str],
                modes: Sequence[PositionMode], universe: Universe,
                answers: list[ChangeRow]) -> Positions:
    """4.2: a gross account's manual match-out, each answered alone after the netting."""
    index = {name: i for i, name in enumerate(names)}
    for entry in entries:
        ref = f"{entry.account}/{entry.series}"
        account, series = index.get(entry.account), universe.index.get(entry.series)
        try:
            if account is None:
                raise SiamexError(ErrorCode.CORRECTION_REFUSED,
                                  f"account {entry.account} is not registered")
            if modes[account] is PositionMode.NET:
                raise SiamexError(ErrorCode.CORRECTION_REFUSED,
                                  f"account {entry.account} is a net account, matched out "
                                  "at every day's end")
            if series is None:
                raise SiamexError(ErrorCode.INSUFFICIENT_POSITION,
                                  f"account {entry.account} holds no {entry.series}")
            try:
                positions = match_out(positions, account, series, entry.qty)
            except SiamexError as exc:  # match_out names indices; the report names names
                long, short = positions.to_dict(names, universe.symbols).get(
                    (entry.account, entry.series), (0, 0))
                raise SiamexError(exc.code,
                                  f"account {entry.account} holds long {long} short {short} "
                                  f"of {entry.series}; a match-out of {entry.qty} is "
                                  "refused") from None
        except SiamexError as exc:
            answers.append(ChangeRow("match_out", ref, False, exc.code.value, exc.message))
            continue
        answers.append(ChangeRow("match_out", ref, True))
    return positions


def _column_sums(keys: Int64s, *values: Int64s) -> dict[tuple[int, int], list[int]]:
    distinct, sums = sum_by_key(keys, *values)
    account, series = split_keys(distinct)
    columns = [s.tolist() for s in sums]
    return {(a, s): [c[row] for c in columns]
            for row, (a, s) in enumerate(zip(account.tolist(), series.tolist(), strict=True))}


def _cash_of(cash: AccountCash) -> dict[int, int]:
    return dict(zip(cash.account.tolist(), cash.amount.tolist(), strict=True))


@dataclass(frozen=True)
class _Marked:
    """The day's money per (account, series) and per account."""

    vm: VariationMargin
    final: FinalSettlement
    premium: Premium


def _rows(names: Sequence[str], universe: Universe, book: AccountBook, fills: FillColumns,
          marked: _Marked, positions: Positions) -> list[AccountSeriesRow]:
    """One row per account and series with a position after the day or money today."""
    traded = fills.side.astype(np.int64) * fills.qty
    activity = _column_sums(join_keys(fills.account, fills.series), np.maximum(traded, 0),
                            np.maximum(-traded, 0))
    vm = _column_sums(join_keys(marked.vm.account, marked.vm.series), marked.vm.carry,
                      marked.vm.new)
    paid = _column_sums(join_keys(marked.premium.account, marked.premium.series),
                        marked.premium.amount)
    final = _column_sums(join_keys(marked.final.account, marked.final.series),
                         marked.final.cash)
    held = _column_sums(join_keys(positions.account, positions.series), positions.long,
                        positions.short)
    rows = []
    for a, s in sorted(set(activity) | set(vm) | set(paid) | set(final) | set(held)):
        long, short = held.get((a, s), (0, 0))
        bought, sold = activity.get((a, s), (0, 0))
        carry, new = vm.get((a, s), (0, 0))
        rows.append(AccountSeriesRow(names[a], book.member_of(names[a]), universe.symbols[s],
                                     long, short, bought, sold, carry, new,
                                     paid.get((a, s), [0])[0], final.get((a, s), [0])[0]))
    return rows


def _member_cash(names: Sequence[str], book: AccountBook, marked: _Marked,
                 intraday: IntradayRound | None) -> list[MemberCashRow]:
    """4.4: each member's intraday round and the rest of its day, settled at the end-of-day
    run: the day's total less what the round settled."""
    early = {} if intraday is None else intraday.accounts
    day_total: dict[str, int] = {}
    for cash in (marked.vm.accounts, marked.final.accounts, marked.premium.accounts):
        for index, amount in _cash_of(cash).items():
            day_total[names[index]] = day_total.get(names[index], 0) + amount
    members: dict[str, list[int]] = {}
    for name in sorted(set(day_total) | set(early)):
        sums = members.setdefault(book.member_of(name), [0, 0])
        sums[0] += early.get(name, 0)
        sums[1] += day_total.get(name, 0) - early.get(name, 0)
    return [MemberCashRow(member, i, e) for member, (i, e) in sorted(members.items())
            if i or e]


def _intraday(inputs: DerivativesInputs, universe: Universe, names: Sequence[str],
              traded: _Traded, start: Positions, before: Int64s) -> IntradayRound | None:
    """4.4: the 12:00 round, when the day gives intraday prices: the positions carried in
    and the trades up to the intraday calculation (C8), marked to them, futures only."""
    marks = inputs.instructions.intraday_prices
    if not marks:
        return None
    early = traded.until(_DAY_SESSION + inputs.rules.derivatives_intraday_calculation)
    marked = universe.futures & np.array([s in marks for s in universe.symbols], np.bool_)
    vm = variation_margin(start, early,
                          _by_series(universe, marks, before), before, universe.multiplier,
                          marked)
    accounts = {names[a]: v for a, v in sorted(_cash_of(vm.accounts).items())}
    members: dict[str, int] = {}
    for account, amount in accounts.items():
        member = inputs.accounts.member_of(account)
        members[member] = members.get(member, 0) + amount
    return IntradayRound(dict(sorted(marks.items())), accounts,
                         {m: v for m, v in sorted(members.items()) if v})


def _breaches(positions: Positions, names: Sequence[str], universe: Universe,
              book: AccountBook, approvals: Mapping[str, frozenset[Approval]]
              ) -> list[BreachRow]:
    """Position limits per account where the product sets one (derived); an approved market
    maker is exempt in the products it makes a market in."""
    unlimited = np.iinfo(np.int64).max
    limits = np.array([p.position_limit if p.position_limit is not None else unlimited
                       for p in universe.products], np.int64)
    over = limit_breaches(positions, limits)
    rows = []
    for a, s, net in zip(over.account.tolist(), over.series.tolist(), over.net.tolist(),
                         strict=True):
        account = book.accounts[names[a]]
        product = universe.products[s].code
        exempt = (Approval.MARKET_MAKER in book.in_force(account.account, approvals)
                  and (not account.mm_products or product in account.mm_products))
        if not exempt:
            rows.append(BreachRow(account.member, account.account, universe.symbols[s], net,
                                  int(limits[s])))
    return rows


@dataclass(frozen=True)
class _Traded:
    """The day's trades as fill columns, a buyer's row then a seller's for each, and when
    each row's trade was made (trades.py's ordering)."""

    fills: FillColumns
    at: Int64s

    @classmethod
    def of(cls, trades: Sequence[DerivativesTrade], names: Sequence[str],
           universe: Universe) -> _Traded:
        account = {name: i for i, name in enumerate(names)}
        rows = len(trades) * 2
        columns = [np.empty(rows, np.int64) for _ in range(5)]
        accounts, series, qty, price, at = columns
        side, flag = np.tile(np.array([BUY, SELL], np.int8), len(trades)), np.empty(rows, np.int8)
        for row, t in enumerate(trades):
            i = 2 * row
            accounts[i], accounts[i + 1] = account[t.buy_account], account[t.sell_account]
            series[i] = series[i + 1] = universe.index[t.series]
            qty[i] = qty[i + 1] = t.qty
            price[i] = price[i + 1] = t.price
            at[i] = at[i + 1] = t.at
            flag[i], flag[i + 1] = t.buy_flag is Flag.CLOSE, t.sell_flag is Flag.CLOSE
        return cls(FillColumns(accounts.astype(np.int32), series.astype(np.int32), side, qty,
                               price, flag), at)

    def until(self, cut: int) -> FillColumns:
        """The rows of the trades made by `cut`."""
        return self.fills.rows(self.at <= cut)


def _columns(fills: Iterable[Fill], names: Sequence[str], universe: Universe) -> FillColumns:
    listed = list(fills)
    for fill in listed:
        if fill.series not in universe.index:
            raise SiamexError(ErrorCode.UNKNOWN_SERIES, f"series {fill.series} is not listed")
    return FillColumns.of(listed, names, universe.symbols) if listed else FillColumns.empty()


def _transferable(carried: Mapping[tuple[str, str], tuple[int, int]], after: Positions,
                  names: Sequence[str], universe: Universe) -> dict[tuple[str, str], Holding]:
    """4.3, decision 104: what an account may transfer is what it carried into the day and
    still holds after the day's trades and rebookings: neither a position opened today nor one
    closed today moves."""
    now = after.to_dict(names, universe.symbols)
    return {key: Holding(min(long, now.get(key, (0, 0))[0]), min(short, now.get(key, (0, 0))[1]))
            for key, (long, short) in sorted(carried.items())}


def _stored_bookings(store: LedgerStore, carried: _Carried, on: dt.date) -> dict[
        dt.date, list[BookedFill]]:
    first = trading_day_offset(on, -_CHANGE_DAYS)
    return {day: [BookedFill(r.trade_id, day, r.member, r.account, r.investor_type, r.series,
                             r.side, r.qty, r.price, Flag(r.flag))
                  for r in DERIVATIVES_FILLS.get(store, day) or []]
            for day in carried.days if day >= first}


@dataclass(frozen=True)
class _Margined:
    """What both of a day's margin runs share."""

    inputs: DerivativesInputs
    on: dt.date
    universe: Universe
    approvals: Mapping[str, frozenset[Approval]]

    def run(self, run: Run, held: Mapping[tuple[str, str], tuple[int, int]],
            prices: Mapping[str, int]) -> Requirement:
        i = self.inputs
        return requirement(run, self.on, held, prices, i.instructions.underlying_prices,
                           self.universe, i.accounts, self.approvals, i.products, i.margin,
                           i.instructions.uncovered_risk)


def _work(inputs: DerivativesInputs, store: LedgerStore, on: dt.date,
          settles: dt.date) -> _Worked:
    _check_names(inputs)
    carried = _carried(inputs, store, on)
    bookings = Bookings({**_stored_bookings(store, carried, on), on: _booked(inputs)})
    universe = Universe(_symbols(inputs, carried, bookings, on), on, inputs.products,
                        inputs.series)
    instructions = inputs.instructions
    for (account, series), _ in carried.held.items():
        if series not in carried.prices:
            raise SiamexError(ErrorCode.INSTRUCTIONS_FILE,
                              f"{account} holds {series}, which has no previous settlement "
                              "price: give it in previous_settlement_prices")
    limits = _limits(universe, carried.prices)
    _check_limits(inputs.trades, limits)
    daily = _settlement_prices(inputs, universe, carried.prices, limits)
    finals = final_prices(universe, instructions.final_settlement, inputs.products)
    today = {s: p.price for s, p in daily.items()} | finals.settlement
    basis = {s: p.basis.value for s, p in daily.items()} | {s: "final" for s in finals.settlement}
    names = sorted(inputs.accounts.accounts)
    modes = [inputs.accounts.accounts[n].position_mode for n in names]
    traded = _Traded.of(inputs.trades, names, universe)
    start = Positions.of(carried.held, names, universe.symbols)
    changes = rebook_trades(inputs.accounts, on, bookings, today, instructions.amendments,
                            instructions.give_ups)
    rebooked = traded.fills.joined(_columns(changes.fills, names, universe))
    moves = transfer_positions(
        inputs.accounts, on, _transferable(carried.held, apply_fills(start, rebooked), names,
                                           universe),
        today, {s.symbol: s.last_trading_day for s in universe.series}, instructions.transfers,
        instructions.bulk_transfers)
    changes.answers.extend(moves.answers)
    fills = rebooked.joined(_columns(moves.fills, names, universe))
    positions = _match_outs(end_of_day(apply_fills(start, fills), modes),
                            instructions.match_outs, names, modes, universe, changes.answers)
    settle = _by_series(universe, today, np.zeros(len(universe), np.int64))
    before = _by_series(universe, carried.prices, settle)
    vm = variation_margin(start, fills, settle, before, universe.multiplier, universe.futures)
    final = final_settlement(positions, _by_series(universe, finals.underlying, settle),
                             universe.expiring, universe.kind, universe.strike,
                             universe.multiplier)
    intraday = DERIVATIVES_INTRADAY.get(store, on) or _intraday(inputs, universe, names,
                                                                  traded, start, before)
    money = _Marked(vm, final, premium(fills, universe.multiplier, ~universe.futures))
    cash = _member_cash(names, inputs.accounts, money, intraday)
    approvals = {a: sorted(k.value for k in kinds)
                 for a, kinds in sorted(carried.approvals.items()) if kinds}
    report = DerivativesDay(
        on, settles, inputs.rules.derivatives_intraday_settlement,
        inputs.rules.derivatives_eod_settlement, len(inputs.trades),
        [PriceRow(s, today[s], basis[s], carried.prices.get(s)) for s in universe.symbols],
        _rows(names, universe, inputs.accounts, fills, money, final.positions), cash,
        changes.answers, universe.expired(),
        _breaches(final.positions, names, universe, inputs.accounts, carried.approvals),
        [PendingRow(a.member, a.account, asked.value)
         for a in sorted(inputs.accounts.accounts.values(), key=lambda a: a.account)
         for asked in sorted(a.asks - carried.approvals.get(a.account, frozenset()))],
        [TradeSideRow(f.trade_id, f.member, f.account, f.series, "buy" if f.side == BUY
                      else "sell", f.qty, f.price, f.flag.value) for f in bookings.days[on]])
    after = final.positions.to_dict(names, universe.symbols)
    held = [PositionHeld(a, s, long, short) for (a, s), (long, short) in sorted(after.items())]
    margined = _Margined(inputs, on, universe, carried.approvals)
    early = None
    if instructions.intraday_prices:
        cut = _DAY_SESSION + inputs.rules.derivatives_intraday_calculation
        marks = {s: instructions.intraday_prices.get(s, carried.prices.get(s, today[s]))
                 for s in universe.symbols}
        early = margined.run(Run.INTRADAY, apply_fills(start, traded.until(cut)).to_dict(
            names, universe.symbols), marks)
    return _Worked(
        report, intraday, bookings, bookings.days[on], held,
        {s: SettlementPriceRow(today[s], basis[s]) for s in universe.symbols}, approvals,
        early, margined.run(Run.EOD, after, today))


def _postings(kind: str, on: dt.date, settles: dt.date, amounts: Mapping[str, int]
              ) -> list[Transaction]:
    """4.4: each member's amount debited from or credited to its settlement bank, through
    TCH's derivatives settlement account, payers first."""
    payers = [(m, a) for m, a in sorted(amounts.items()) if a < 0]
    receivers = [(m, a) for m, a in sorted(amounts.items()) if a > 0]
    return ([Transaction(key("derivatives", kind, on, m), settles, f"derivatives {kind} payment",
                         transfer(member_bank(m), DERIVATIVES_SETTLEMENT, -a))
             for m, a in payers]
            + [Transaction(key("derivatives", kind, on, m), settles,
                           f"derivatives {kind} credit",
                           transfer(DERIVATIVES_SETTLEMENT, member_bank(m), a))
               for m, a in receivers])


def _fill_rows(fills: Iterable[BookedFill]) -> list[BookedFillRow]:
    return [BookedFillRow(f.trade_id, f.side, f.member, f.account, f.investor_type, f.series,
                          f.qty, f.price, f.flag.value) for f in fills]


class _Settlement:
    """The day's steps after the work, in the day's time order (4.4, 4.8, 4.10), each its
    own transaction and each found again by a rerun: the collateral requests up to the
    intraday calculation, the calculation and its calls, the requests up to 12:00, the
    intraday round's settlement, the afternoon's requests, the withdrawals paid, and the
    end-of-day run, whose calls settle at 09:00 on the next business day."""

    def __init__(self, inputs: DerivativesInputs, store: LedgerStore, worked: _Worked,
                 on: dt.date, settles: dt.date, previous: dt.date | None) -> None:
        self.inputs, self.store, self.worked = inputs, store, worked
        self.on, self.settles = on, settles
        rules, collateral = inputs.rules, inputs.instructions.collateral
        self.calculation = rules.derivatives_intraday_calculation
        self.noon = rules.derivatives_intraday_settlement
        self.book = CollateralBook(store, on, collateral.quotes, inputs.margin.collateral,
                                   inputs.products, rules)
        before = None if previous is None else DERIVATIVES_MARGIN.get(store, previous,
                                                                       Run.EOD.value)
        self.in_force = {} if before is None else _required(before)
        self.intraday: MarginRun | None = DERIVATIVES_MARGIN.get(store, on, Run.INTRADAY.value)
        self.answers: list[CollateralAnswerRow] = []

    def _required(self, member: str, at: dt.datetime) -> int:
        """The requirement in force at a request: the intraday run's after its calculation,
        else the last end-of-day run's (4.8); a request at the calculation's instant is
        answered before it, on a rerun as on the first run."""
        if self.intraday is not None and micros_of_day(at) > self.calculation:
            return _required(self.intraday).get(member, 0)
        return self.in_force.get(member, 0)

    def _outstanding(self, member: str, at: dt.datetime) -> bool:
        """4.8: an intraday call is outstanding from its calculation to its 12:00 settlement."""
        if self.intraday is None or not self.calculation < micros_of_day(at) <= self.noon:
            return False
        return any(c.member == member and c.call for c in self.intraday.calls)

    def answer(self, first: int, last: int) -> None:
        """Answer the requests made after `first` and by `last` (microseconds of the day)."""
        requests = [r for r in self.inputs.instructions.collateral.requests
                    if first < r.time <= last]
        times = {(r.member, r.ref): r.time for r in requests}
        for a in answer_requests(self.book, requests, self._required, self._outstanding):
            credited = None if a.credit_at is None else micros_of_day(a.credit_at)
            self.answers.append(CollateralAnswerRow(a.ref, a.member, a.op.value,
                                                    times[a.member, a.ref], a.accepted,
                                                    credited, a.code, a.message))

    def _held(self) -> dict[str, int]:
        return {m: self.book.held(m) for m in sorted(self.inputs.accounts.members)}

    def calculate_intraday(self) -> None:
        """4.10, decision C8: the intraday calculation calls on the collateral held then."""
        early = self.worked.intraday_margin
        if early is None or self.intraday is not None:
            return
        owed = {m: -v for m, v in (self.worked.intraday.members.items()
                                   if self.worked.intraday else ())}
        self.intraday = margin_calls(early, self.calculation, self._held(), owed, self.on,
                                     self.noon, self.inputs.instructions.unmet_calls)
        DERIVATIVES_MARGIN.put(self.store, self.intraday, self.on, Run.INTRADAY.value)

    def _default(self, run: MarginRun, day: dt.date, owed: Mapping[str, int]
                 ) -> tuple[set[str], int]:
        """4.4: a call not met is the member's default: TCH declares it, drops its
        withdrawals not yet paid, and pays the variation margin it owed to the members it is
        due to through the waterfall (decision 136). Return the defaulters and what no layer
        of the waterfall covered."""
        failed, uncovered = set(), 0
        for call in run.calls:
            if call.met:
                continue
            failed.add(call.member)
            self.book.cancel_withdrawals(call.member)
            report = declare_default(
                self.store, call.member, max(0, owed.get(call.member, 0)), day,
                DERIVATIVES_SETTLEMENT, self.inputs.rules, f"derivatives-{run.run}",
                derivatives_collateral_account(call.member, THB))
            uncovered += report.waterfall.uncovered
        return failed, uncovered

    @staticmethod
    def _calls(book: CollateralBook, run: MarginRun | None, kind: Run, *, recheck: bool
               ) -> tuple[list[Transaction], dict[str, str]]:
        """A run's calls taken from the members' settlement banks, to commit with the rest
        of the run's settlement (4.4). With `recheck` (the intraday call, settled after the
        morning's requests) each is no more than the member's shortfall at the settlement,
        so a deposit made since the calculation counts (decision 137)."""
        postings: list[Transaction] = []
        documents: dict[str, str] = {}
        for call in [] if run is None else run.calls:
            short = call.call if not recheck else min(
                call.call, max(0, -book.excess(call.member, call.requirement)))
            if short:
                _, posted, recorded = book.call_entries(call.member, kind, short,
                                                        paid=call.met)
                postings += posted
                documents |= recorded
        return postings, documents

    def settle_intraday(self) -> None:
        """The 12:00 round: withdrawals credited by then, the calls, the variation margin."""
        self.book.pay_withdrawals(wall_clock(self.on, self.noon))
        round_ = self.worked.intraday
        if round_ is None or DERIVATIVES_INTRADAY.exists(self.store, self.on):
            return
        failed, uncovered = (set(), 0) if self.intraday is None else self._default(
            self.intraday, self.on, {m: -v for m, v in round_.members.items()})
        postings, documents = self._calls(self.book, self.intraday, Run.INTRADAY,
                                          recheck=True)
        self.store.commit(
            postings + _postings("intraday", self.on, self.on,
                                 _paid(round_.members, failed, uncovered)),
            documents | dict([DERIVATIVES_INTRADAY.entry(round_, self.on)]))

    def end_of_day(self, days: list[dt.date]) -> DerivativesDay:
        """The end-of-day run: its calls and variation margin settle at 09:00 on the next
        business day, then the day's records, all in one commit."""
        self.book.pay_withdrawals(wall_clock(self.on, US_PER_DAY - 1))
        report = self.worked.report
        owed = {r.member: -r.eod for r in report.cash}
        run = DERIVATIVES_MARGIN.get(self.store, self.on, Run.EOD.value)
        if run is None:
            run = margin_calls(self.worked.eod_margin,
                               self.inputs.rules.derivatives_eod_calculation, self._held(),
                               owed, self.settles, self.inputs.rules.derivatives_eod_settlement,
                               self.inputs.instructions.unmet_calls)
            # kept before a default takes collateral, so a rerun calls what was called
            DERIVATIVES_MARGIN.put(self.store, run, self.on, Run.EOD.value)
        failed, uncovered = self._default(run, self.settles, owed)
        settling = CollateralBook(self.store, self.settles, NO_QUOTES,
                                  self.inputs.margin.collateral, self.inputs.products,
                                  self.inputs.rules)
        calls, called = self._calls(settling, run, Run.EOD, recheck=False)
        runs = [r for r in (self.intraday, run) if r is not None]
        report = msgspec.structs.replace(report, margin=runs, collateral=self.answers)
        worked = self.worked
        documents = dict([
            DERIVATIVES_FILLS.entry(_fill_rows(worked.today), self.on),
            *(DERIVATIVES_FILLS.entry(_fill_rows(worked.bookings.days[day]), day)
              for day in sorted(worked.bookings.changed) if day != self.on),
            DERIVATIVES_POSITIONS.entry(worked.positions, self.on),
            DERIVATIVES_PRICES.entry(worked.prices, self.on),
            DERIVATIVES_APPROVALS.entry(worked.approvals),
            DERIVATIVES_DAY.entry(report, self.on),
            DERIVATIVES_DAYS.entry([*days, self.on]),
        ]) | called
        self.store.commit(calls + _postings("eod", self.on, self.settles, _paid(
            {r.member: r.eod for r in report.cash}, failed, uncovered)), documents)
        return report


def _paid(amounts: Mapping[str, int], failed: set[str], uncovered: int) -> dict[str, int]:
    """What each member pays or is paid at a settlement (decision 136): a defaulter pays
    nothing (the waterfall pays for it) but is still paid what it is due; what the waterfall
    could not cover is taken from the members due money, pro rata to what they are due
    (variation margin gains haircutting)."""
    paid = {m: a for m, a in amounts.items() if a > 0 or m not in failed}
    gains = {m: a for m, a in paid.items() if a > 0}
    for member, cut in pro_rata(min(uncovered, sum(gains.values())), gains).items():
        paid[member] -= cut
    return paid


def _required(run: MarginRun) -> dict[str, int]:
    return {c.member: c.requirement for c in run.calls}


def clear_derivatives(inputs: DerivativesInputs, store: LedgerStore, on: dt.date
                      ) -> DerivativesDay:
    """Clear the derivatives day `on` against `store`, or report it as it first ran.

    Whatever refuses the run (a date, an unknown or expired series, a missing price or
    final settlement input, a series that cannot be margined) refuses it before anything is
    stored; a change, match-out or collateral request the rules refuse is answered alone in
    the report (decisions 79, 132).
    """
    settles = _check_date(inputs, on)
    done = DERIVATIVES_DAY.get(store, on)
    if done is not None:
        return done
    try:
        worked = _work(inputs, store, on, settles)
    except TooLarge as exc:  # decision 101: beyond what the day's int64 sums hold
        raise SiamexError(ErrorCode.TRADE_FILE, f"the day cannot be marked exactly: {exc}"
                          ) from None
    days = DERIVATIVES_DAYS.get(store) or []
    steps = _Settlement(inputs, store, worked, on, settles, days[-1] if days else None)
    steps.book.check_quotes()
    steps.answer(-1, steps.calculation)
    steps.calculate_intraday()
    steps.answer(steps.calculation, steps.noon)
    steps.settle_intraday()
    steps.answer(steps.noon, US_PER_DAY)
    return steps.end_of_day(days)
