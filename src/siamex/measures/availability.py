"""The investors' holdings the engine keeps for check-before-sell (siamex.trading.holdings):
opened from a depository, joined to an engine with the order screening, and saved.

The holdings themselves move inside the engine, on its own orders (decision 186), so that the
measures cost the engine a look-up per order rather than a pass over every event. What lives
here is what the engine does not need on its hot path: the depository's figures loaded into the
balances, the joining of holdings and screening to an engine (a scenario's, a journal's
rebuild, the server's), and the holdings' saved state.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Final

from siamex.errors import ErrorCode, SiamexError
from siamex.measures.depository import QUANTITIES, Depository, Holding
from siamex.rulebook.parameters import Rulebook
from siamex.scenario.loader import Scenario
from siamex.trading.balance import Key
from siamex.trading.engine import Engine
from siamex.trading.holdings import Holdings
from siamex.trading.order import Order
from siamex.trading.screen import Screen

__all__ = ["attach", "holdings_from_state", "holdings_state", "load", "measured_engine",
           "opening_holdings"]

_STATE_VERSION: Final = 2
_MAX_KEY_TEXT: Final = 64
_MAX_QTY: Final = 10**15  # any figure of a saved state: start-of-day bound times a day's flow


def load(holdings: Holdings, rows: Iterable[Holding]) -> None:
    """Take a day's start-of-day holdings: every holding's figures are replaced (an account
    the new ones omit holds nothing), and the live orders keep their reservations."""
    for balance in holdings.every():
        balance.settled = balance.receivable = balance.deliverable = balance.pledged = 0
        balance.borrowed = balance.lent = balance.short_sold = 0
    for row in rows:
        balance = holdings.balance(row.member, row.account, row.symbol)
        (balance.settled, balance.receivable, balance.deliverable, balance.pledged,
         balance.borrowed, balance.lent, balance.short_sold) = (
            getattr(row, name) for name in QUANTITIES)


def attach(engine: Engine, holdings: Holdings | None, screen: Screen | None = None) -> Engine:
    """Give an engine the holdings it checks sells against and the screening it consults
    (which reads the holdings' counts of live orders: empty holdings when none are given);
    the live orders it has already are linked, each sell reserving its remainder, and the
    two-firm trade reports waiting for their buyers reserve their sellers' shares."""
    if holdings is None and screen is not None:
        holdings = Holdings()
    if holdings is not None:
        holdings.adopt(engine.orders.values())
        for report in engine.reports.values():
            if report.id not in holdings.reports:
                holdings.report_waits(report)
    engine.holdings = holdings
    engine.screen = screen
    return engine


def measured_engine(scenario: Scenario, depository: Depository | None,
                    engine: Engine | None = None, screen: Screen | None = None) -> Engine:
    """The engine a scenario runs on, with the screening when given: without a depository
    file it keeps no holdings of its own, which a day with `check_before_sell` on cannot do
    (decision 155); with one it opens with the depository's holdings, which must be of the
    scenario's first day."""
    engine = engine if engine is not None else Engine()
    if depository is None:
        for day in scenario.days:
            if Rulebook(day.start.rules).check_before_sell:
                raise SiamexError(ErrorCode.DEPOSITORY_FILE, (
                    f"check_before_sell is on for {day.start.date}: it needs the day's "
                    "holdings, given with --depository"))
        return attach(engine, None, screen)
    if scenario.days:
        depository.check_opens(scenario.days[0].start.date)
    return attach(engine, opening_holdings(depository), screen)


def opening_holdings(depository: Depository | None) -> Holdings | None:
    """The holdings a depository file opens, None without one."""
    if depository is None:
        return None
    holdings = Holdings()
    load(holdings, depository.holdings)
    return holdings


# -- saved state -------------------------------------------------------------------------------

def holdings_state(holdings: Holdings, orders: Iterable[Order]) -> dict[str, Any]:
    """The holdings as plain data, sorted, for the server's snapshots: the balances, the
    waiting trade reports' reservations, and the live orders linked to an NVDR holding (the
    engine's own state does not know the flag)."""
    return {
        "version": _STATE_VERSION,
        "balances": [[*balance.key, *balance.figures()] for balance in holdings.every()
                     if any(balance.figures())],
        "reports": [[report_id, *balance.key, qty]
                    for report_id, (balance, qty) in sorted(holdings.reports.items())],
        "nvdr": sorted(order.id for order in orders
                       if order.holding is not None and order.holding.key[2] != order.symbol),
    }


def holdings_from_state(data: Any) -> tuple[Holdings, set[str]]:
    """Rebuild holdings from `holdings_state()`'s data, with the ids of the orders linked to
    NVDR holdings (for `Holdings.relink`); anything else is refused MEASURES_STATE."""
    if not isinstance(data, dict) or data.get("version") != _STATE_VERSION or set(data) != {
            "version", "balances", "reports", "nvdr"}:
        raise _bad(f"the holdings' state is an object of version {_STATE_VERSION}, "
                   "`balances`, `reports` and `nvdr`")
    balances, reports, nvdr = data["balances"], data["reports"], data["nvdr"]
    if not all(isinstance(part, list) for part in (balances, reports, nvdr)):
        raise _bad("`balances`, `reports` and `nvdr` must be lists")
    holdings = Holdings()
    for number, row in enumerate(balances, 1):
        where = f"balances[{number}]"
        if not isinstance(row, list) or len(row) != 12:
            raise _bad(f"{where} must be a key of 3 and 9 figures")
        key = _key(row[:3], where)
        if holdings.find(*key) is not None:
            raise _bad(f"{where} repeats {'/'.join(key)}")
        balance = holdings.balance(*key)
        (balance.settled, balance.receivable, balance.deliverable, balance.pledged,
         balance.borrowed, balance.lent, balance.short_sold, balance.resting,
         balance.short_resting) = _figures(row[3:], where, True)
    for number, row in enumerate(reports, 1):
        where = f"reports[{number}]"
        if not isinstance(row, list) or len(row) != 5:
            raise _bad(f"{where} must be an id, a key of 3 and a quantity")
        report_id = row[0]
        if not isinstance(report_id, str) or report_id in holdings.reports:
            raise _bad(f"{where} has no id or repeats one")
        (qty,) = _figures(row[4:], where, False)
        holdings.reports[report_id] = (holdings.balance(*_key(row[1:4], where)), qty)
    if not all(isinstance(order_id, str) for order_id in nvdr):
        raise _bad("`nvdr` lists order ids")
    return holdings, set(nvdr)


def _bad(why: str) -> SiamexError:
    return SiamexError(ErrorCode.MEASURES_STATE, why)


def _key(parts: list[Any], where: str) -> Key:
    if not all(isinstance(p, str) and 0 < len(p) <= _MAX_KEY_TEXT for p in parts):
        raise _bad(f"{where}: member, account and symbol are short texts")
    return parts[0], parts[1], parts[2]


def _figures(values: list[Any], where: str, signed: bool) -> list[int]:
    """Figures of a saved state; a balance's may run below 0 only where a day without the
    check let sells through (resting and deliverable never do)."""
    low = -_MAX_QTY if signed else 0
    if not all(isinstance(v, int) and not isinstance(v, bool) and low <= v <= _MAX_QTY
               for v in values):
        raise _bad(f"{where}: figures are whole numbers within {_MAX_QTY:,}")
    return [int(v) for v in values]
