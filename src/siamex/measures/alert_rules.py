"""The surveillance alert rules: one function per pattern over a day's record (S-14MEASURES;
issue 15; docs/surveillance.md). Each reads its thresholds from `SurveillanceRules`, and a
threshold reached is an alert ("at least", decision 168):

    push      an investor's aggressive trades, by push_min_orders orders or more within
              push_window_seconds, moved the price push_move_pct or more in the direction it
              traded, and were push_share_pct or more of the security's main-board volume from
              the first to the last of them
    layering  layering_min_orders or more orders of an investor on one side of a security,
              each cancelled unfilled within layering_seconds of its entry, were all alive
              while the investor traded on the other side
    wash      trades of one investor with itself (across members) at one instant in one
              security, wash_min_qty shares or more together
    close     the closing auction's price lies close_move_pct or more from its reference, and
              an investor's orders entered or changed in the pre-close filled close_share_pct
              or more of the auction's volume on the side the price moved to
    split     split_min_orders or more orders of an investor, one side and security, within
              split_seconds, each of at most split_max_order_qty shares as entered, together
              split_min_total_qty or more

A window is taken greedily in time order, so one episode makes one alert and an order or trade
is evidence in at most one alert of a rule (decision 169).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from typing import Final

from siamex.measures.alerts import Alert, order_evidence, trade_evidence
from siamex.measures.day_record import DayRecord, OrderRecord
from siamex.measures.percent import change_pct, format_pct, share_pct
from siamex.rulebook.surveillance import SurveillanceRules
from siamex.trading.enums import Board, Side
from siamex.trading.events import Trade
from siamex.units import US_PER_SECOND, format_price, format_time_of_day

__all__ = ["RULES", "close_alerts", "layering_alerts", "push_alerts", "split_alerts",
           "wash_alerts"]

_BUY: Final = Side.BUY
_SELL: Final = Side.SELL
_MAIN: Final = Board.MAIN
_DEALT: Final = {_BUY: "bought", _SELL: "sold"}

Rule = Callable[[DayRecord, SurveillanceRules], list[Alert]]


def _alert(rule: str, day: DayRecord, symbol: str, investor: str, start: int, end: int,
           text: str, orders: Iterable[OrderRecord], trades: Iterable[Trade]) -> Alert:
    """An alert with its evidence in time order, each order and trade once."""
    unique = {order.id: order for order in orders}
    shown = sorted(unique.values(), key=lambda o: (o.entered, o.id))
    dealt = sorted({t.trade_no: t for t in trades}.values(), key=lambda t: t.trade_no)
    return Alert(rule, day.date, symbol, investor, start, end, text,
                 tuple(order_evidence(o) for o in shown),
                 tuple(trade_evidence(t) for t in dealt))


def _clock(ts: int) -> str:
    """A time of day to the second, as an alert's sentence says it."""
    return format_time_of_day(ts)[:8]


def _other(side: Side) -> Side:
    return _SELL if side is _BUY else _BUY


def _shares(qty: int) -> str:
    return f"{qty:,}"


# -- push --------------------------------------------------------------------------------

def push_alerts(day: DayRecord, rules: SurveillanceRules) -> list[Alert]:
    """Aggressive trades of one investor that moved the price (decision 170)."""
    tape: dict[str, list[Trade]] = defaultdict(list)
    for trade in day.trades:
        if trade.board is _MAIN and trade.aggressor != "trade_report":
            tape[trade.symbol].append(trade)
    alerts: list[Alert] = []
    for symbol, trades in tape.items():
        volume = [0]
        runs: dict[tuple[str, Side], list[int]] = defaultdict(list)
        for position, trade in enumerate(trades):
            volume.append(volume[-1] + trade.qty)
            if trade.aggressor == "buy":
                runs[(day.investor(trade.buy_member, trade.buy_account), _BUY)].append(position)
            elif trade.aggressor == "sell":
                runs[(day.investor(trade.sell_member, trade.sell_account), _SELL)].append(
                    position)
        for (investor, side), positions in runs.items():
            alerts += _pushes(day, rules, symbol, investor, side, trades, volume, positions)
    return alerts


def _pushes(day: DayRecord, rules: SurveillanceRules, symbol: str, investor: str, side: Side,
            trades: list[Trade], volume: list[int], positions: list[int]) -> list[Alert]:
    """The windows of one investor's aggressive trades on one side that pushed the price: from
    each first trade, the longest window within push_window_seconds that passes both tests."""
    window = rules.push_window_seconds * US_PER_SECOND
    sign = 1 if side is _BUY else -1
    # the two tests in whole numbers: move * 100 * q >= p * before, for push_move_pct = p/q
    move_p, move_q = rules.push_move_pct.numerator, rules.push_move_pct.denominator
    share_p, share_q = rules.push_share_pct.numerator, rules.push_share_pct.denominator
    alerts: list[Alert] = []
    i = 0
    while i < len(positions):
        first = positions[i]
        before = trades[first - 1].price if first else day.prev_close.get(symbol)
        found: tuple[int, int, int] | None = None
        own = 0
        orders: set[str] = set()
        k = i
        while before and k < len(positions) and trades[positions[k]].ts - trades[
                first].ts <= window:
            last = positions[k]
            own += trades[last].qty
            orders.add(_aggressor_id(trades[last]))
            total = volume[last + 1] - volume[first]
            if (len(orders) >= rules.push_min_orders
                    and sign * (trades[last].price - before) * 100 * move_q >= move_p * before
                    and own * 100 * share_q >= share_p * total):
                found = (k, own, total)
            k += 1
        if found is None or before is None:
            i += 1
            continue
        end, own, total = found
        mine = [trades[p] for p in positions[i:end + 1]]
        start_ts, end_ts = mine[0].ts, mine[-1].ts
        move = change_pct(before, mine[-1].price)
        count = len({_aggressor_id(t) for t in mine})
        text = (f"{investor}'s {count} aggressive {side.value}s moved {symbol} from "
                f"{format_price(before)} to {format_price(mine[-1].price)} "
                f"({'+' if move > 0 else ''}{format_pct(move)}) between {_clock(start_ts)} and "
                f"{_clock(end_ts)}: {_shares(own)} of the {_shares(total)} shares traded then "
                f"({format_pct(share_pct(own, total))})")
        alerts.append(_alert("push", day, symbol, investor, start_ts, end_ts, text,
                             _known(day, (_aggressor_id(t) for t in mine)), mine))
        i = end + 1
    return alerts


def _aggressor_id(trade: Trade) -> str:
    return trade.buy_id if trade.aggressor == "buy" else trade.sell_id


def _known(day: DayRecord, ids: Iterable[str]) -> list[OrderRecord]:
    found = (day.order(order_id) for order_id in ids)
    return [order for order in found if order is not None]


# -- layering ----------------------------------------------------------------------------

def layering_alerts(day: DayRecord, rules: SurveillanceRules) -> list[Alert]:
    """Orders entered and withdrawn unfilled around trades on the other side (decision
    171)."""
    most = rules.layering_seconds * US_PER_SECOND
    layers: dict[tuple[str, str, Side], list[OrderRecord]] = defaultdict(list)
    for order in day.cancelled:
        if (order.withdrawn and not order.filled and order.cancelled is not None
                and order.cancelled - order.entered <= most):
            layers[(order.investor, order.symbol, order.side)].append(order)
    if not layers:
        return []
    dealt: dict[tuple[str, str, Side], list[Trade]] = defaultdict(list)
    for trade in day.trades:
        dealt[(day.investor(trade.buy_member, trade.buy_account), trade.symbol, _BUY)].append(
            trade)
        dealt[(day.investor(trade.sell_member, trade.sell_account), trade.symbol, _SELL)].append(
            trade)
    alerts: list[Alert] = []
    for (investor, symbol, side), orders in layers.items():
        opposite = dealt.get((investor, symbol, _other(side)))
        if opposite:
            alerts += _layered(day, rules, investor, symbol, side,
                               sorted(orders, key=lambda o: (o.entered, o.id)), opposite)
    return alerts


def _layered(day: DayRecord, rules: SurveillanceRules, investor: str, symbol: str, side: Side,
             orders: list[OrderRecord], opposite: list[Trade]) -> list[Alert]:
    alerts: list[Alert] = []
    used: set[str] = set()
    for trade in opposite:
        alive = [o for o in orders if o.id not in used and o.cancelled is not None
                 and o.entered <= trade.ts <= o.cancelled]
        if len(alive) < rules.layering_min_orders:
            continue
        used.update(o.id for o in alive)
        start = min(o.entered for o in alive)
        end = max(o.cancelled or o.entered for o in alive)
        against = [t for t in opposite if start <= t.ts <= end]
        longest = max((o.cancelled or o.entered) - o.entered for o in alive)
        text = (f"{investor} entered {len(alive)} {side.value} orders of {symbol} "
                f"({_shares(sum(o.qty for o in alive))} shares) and cancelled them unfilled "
                f"within {_seconds(longest)}, while it {_DEALT[_other(side)]} "
                f"{_shares(sum(t.qty for t in against))} shares on the other side between "
                f"{_clock(start)} and {_clock(end)}")
        alerts.append(_alert("layering", day, symbol, investor, start, end, text, alive,
                             against))
    return alerts


def _seconds(us: int) -> str:
    seconds, rest = divmod(us, US_PER_SECOND)
    return f"{seconds}.{rest // 1000:03d} s" if rest else f"{seconds} s"


# -- wash --------------------------------------------------------------------------------

def wash_alerts(day: DayRecord, rules: SurveillanceRules) -> list[Alert]:
    """Trades of one investor with itself, across members (decision 172)."""
    groups: dict[tuple[str, str, int], list[Trade]] = defaultdict(list)
    for trade in day.trades:
        buyer = day.investor(trade.buy_member, trade.buy_account)
        if buyer == day.investor(trade.sell_member, trade.sell_account):
            groups[(buyer, trade.symbol, trade.ts)].append(trade)
    alerts: list[Alert] = []
    for (investor, symbol, ts), trades in groups.items():
        qty = sum(t.qty for t in trades)
        if qty < rules.wash_min_qty:
            continue
        prices = sorted({t.price for t in trades})
        at = format_price(prices[0]) + (f" to {format_price(prices[-1])}"
                                        if len(prices) > 1 else "")
        pairs = sorted({(t.buy_member, t.buy_account, t.sell_member, t.sell_account)
                        for t in trades})
        accounts = "; ".join(f"buy {bm}/{ba}, sell {sm}/{sa}" for bm, ba, sm, sa in pairs)
        count = f"{len(trades)} trades" if len(trades) > 1 else "1 trade"
        text = (f"{investor} traded {_shares(qty)} {symbol} with itself at {at} in {count} "
                f"at {_clock(ts)} ({accounts})")
        ids = [order_id for t in trades for order_id in (t.buy_id, t.sell_id)]
        alerts.append(_alert("wash", day, symbol, investor, ts, ts, text, _known(day, ids),
                             trades))
    return alerts


# -- marking the close -------------------------------------------------------------------

def close_alerts(day: DayRecord, rules: SurveillanceRules) -> list[Alert]:
    """Pre-close orders that moved the closing price (decision 173)."""
    pre_close = day.base + day.rules.pre_close_start
    alerts: list[Alert] = []
    for auction in day.auctions:
        if auction.session != "close" or auction.price is None or not auction.qty:
            continue
        move = change_pct(auction.reference, auction.price)
        if abs(move) < rules.close_move_pct or not move:
            continue
        side = _BUY if move > 0 else _SELL
        fills: dict[str, int] = defaultdict(int)
        orders: dict[str, list[OrderRecord]] = defaultdict(list)
        trades: dict[str, list[Trade]] = defaultdict(list)
        for trade in day.trades:
            if (trade.symbol != auction.symbol or trade.ts != auction.ts
                    or trade.aggressor != "auction"):
                continue
            order = day.order(trade.buy_id if side is _BUY else trade.sell_id)
            if order is None or order.changed < pre_close:
                continue
            fills[order.investor] += trade.qty
            orders[order.investor].append(order)
            trades[order.investor].append(trade)
        for investor, filled in fills.items():
            share = share_pct(filled, auction.qty)
            if share < rules.close_share_pct:
                continue
            start = min(o.changed for o in orders[investor])
            text = (f"{investor}'s pre-close {side.value}s filled {_shares(filled)} of the "
                    f"closing auction's {_shares(auction.qty)} shares ({format_pct(share)}), "
                    f"which closed {auction.symbol} at {format_price(auction.price)}, "
                    f"{format_pct(abs(move))} {'above' if move > 0 else 'below'} its "
                    f"reference {format_price(auction.reference)}")
            alerts.append(_alert("close", day, auction.symbol, investor, start, auction.ts, text,
                                 orders[investor], trades[investor]))
    return alerts


# -- split orders ------------------------------------------------------------------------

def split_alerts(day: DayRecord, rules: SurveillanceRules) -> list[Alert]:
    """Many small orders of one investor, side and security (decision 174)."""
    runs: dict[tuple[str, str, Side], list[OrderRecord]] = defaultdict(list)
    for order in day.entered:
        if order.entered_qty <= rules.split_max_order_qty:
            runs[(order.investor, order.symbol, order.side)].append(order)
    window = rules.split_seconds * US_PER_SECOND
    alerts: list[Alert] = []
    for (investor, symbol, side), orders in runs.items():
        if len(orders) >= rules.split_min_orders:
            alerts += _splits(day, rules, investor, symbol, side, orders, window)
    return alerts


def _splits(day: DayRecord, rules: SurveillanceRules, investor: str, symbol: str, side: Side,
            orders: Sequence[OrderRecord], window: int) -> list[Alert]:
    alerts: list[Alert] = []
    i = 0
    while i < len(orders):
        j = i
        total = 0
        while j < len(orders) and orders[j].entered - orders[i].entered <= window:
            total += orders[j].entered_qty
            j += 1
        if j - i < rules.split_min_orders or total < rules.split_min_total_qty:
            i += 1
            continue
        run = orders[i:j]
        start, end = run[0].entered, run[-1].entered
        text = (f"{investor} entered {len(run)} {side.value} orders of {symbol} between "
                f"{_clock(start)} and {_clock(end)}, each of at most "
                f"{_shares(max(o.entered_qty for o in run))} shares, together {_shares(total)}")
        alerts.append(_alert("split", day, symbol, investor, start, end, text, run, ()))
        i = j
    return alerts


RULES: dict[str, Rule] = {
    "push": push_alerts,
    "layering": layering_alerts,
    "wash": wash_alerts,
    "close": close_alerts,
    "split": split_alerts,
}
"""Every alert rule by its name (SurveillanceRules.alert_rules turns them on and off)."""
