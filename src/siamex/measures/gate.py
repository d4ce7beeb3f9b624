"""The pre-trade gate: the exchange's measures that may refuse an order before the engine sees it.

Order of checks for a command the gate looks at (the first refusal is the answer):

    1. the engine's own checks (siamex.trading.checks, as Engine runs them): an order the engine
       would refuse is left to it, so its reject code and text win;
    2. check-before-sell, when the day's rulebook has `check_before_sell` on (decision 153):
       a new sell, an amend raising a sell, a trade report's seller;
    3. every extra `PreTrade` measure, in the order given (new orders only).

A refusal is `Rejected(ts, id, reason, text)` from the gate, and the engine never sees the
command. Then every command the engine ran, with its events, goes to `observe`, which is how
the measures follow the day. `MeasuredEngine` puts a gate in front of an engine for the
sequencer and the scenario runner: it brings the engine to the command's time first, so an
auction or phase change due by then happens before the gate decides (decision 154).
A TFEX day passes the gate unchecked: the measures are the SET's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, Final, Protocol, cast

from siamex.errors import ErrorCode, SiamexError
from siamex.measures.availability import Availability, Key
from siamex.measures.depository import Depository, holding_symbol
from siamex.rulebook.parameters import Rulebook
from siamex.scenario.loader import Scenario
from siamex.trading.checks import (
    check_amend,
    check_order,
    check_short_amend,
    expire_day,
)
from siamex.trading.commands import (
    AdvanceTime,
    AmendOrder,
    CancelOrder,
    Command,
    NewOrder,
    StartDay,
    TradeReport,
)
from siamex.trading.day import TradingDay
from siamex.trading.engine import Engine
from siamex.trading.enums import Side, Validity
from siamex.trading.events import Event, Rejected
from siamex.trading.instrument import Instrument
from siamex.trading.order import Order
from siamex.trading.rejects import Reject
from siamex.trading.trade_reports import check_report, report_board

__all__ = ["CheckBeforeSell", "Gate", "MeasuredEngine", "PreTrade", "measured_engine"]

_SELL: Final = Side.SELL
_CANCEL: Final = CancelOrder
_LONG_LIVED: Final = frozenset({Validity.GTC, Validity.GTD})
_NO_SECURITIES: Final = Reject.NO_SECURITIES
_STATE_VERSION: Final = 1
_CHECKED: Final = frozenset({NewOrder, AmendOrder, TradeReport})


class PreTrade(Protocol):
    """A measure the gate consults before a new order, and tells of every command run.

    `check` sees each new order and returns a refusal (reason, text) or None; the gate keeps
    a refusal only for an order the engine's own checks would accept, so `check` may see one
    they refuse (an unknown symbol, a day not started) and must then not fail. `observe` sees
    every command the engine ran with its events (a refused one with its `Rejected`). A
    post-trade observer returns None from `check`.
    """

    def check(self, command: NewOrder, engine: Engine) -> tuple[Reject, str] | None: ...

    def before(self, command: CancelOrder, engine: Engine) -> None:
        """Called before the engine runs a member's cancel, while the order is still in it:
        what a cancel's events do not tell (whether the order had traded, whose it was)."""

    def observe(self, command: Command, events: list[Event]) -> None: ...


def _account(member: str, account: str, symbol: str, have: int, short: bool) -> str:
    what = "borrowed and not yet sold short" if short else "available to sell"
    return f"{member}/{account} has {have:,} {symbol} {what}"


class CheckBeforeSell:
    """Central check-before-sell (issue 15; set-trading-rules.md 8.3): an ordinary sell must be
    covered by the account's available shares, a short sale by its borrowing (decision 147).

    As a `PreTrade` it checks new orders; the gate also asks it about amends and trade
    reports. Each check runs only while the day's rulebook has `check_before_sell` on.
    """

    def __init__(self, ledger: Availability) -> None:
        self.ledger = ledger

    def check(self, command: NewOrder, engine: Engine) -> tuple[Reject, str] | None:
        """Refuse a sell the account cannot cover, saying how much it could sell."""
        if command.side is not _SELL or not engine.rules.check_before_sell:
            return None
        symbol = holding_symbol(command.symbol, command.nvdr)
        short = command.short
        have = self.ledger.available(command.member, command.account, symbol, short=short)
        if command.qty <= have:
            return None
        order = "short sale" if short else "order"
        return _NO_SECURITIES, (f"{_account(command.member, command.account, symbol, have, short)}"
                                f", the {order} is for {command.qty:,}")

    def check_amend(self, command: AmendOrder, order: Order,
                    engine: Engine) -> tuple[Reject, str] | None:
        """Refuse an amend that raises a sell by more than the account can still cover: the
        order's own remainder is reserved already, so only the increase is checked."""
        if (order.side is not _SELL or command.qty is None or command.qty <= order.qty
                or not engine.rules.check_before_sell):
            return None
        key: Key = self.ledger.key_of(order.id) or (order.member, order.account, order.symbol)
        more = command.qty - order.qty
        have = self.ledger.available(*key, short=order.short)
        if more <= have:
            return None
        return _NO_SECURITIES, (f"{_account(*key, have, order.short)}, the amend adds "
                                f"{more:,}")

    def check_report(self, command: TradeReport, engine: Engine) -> tuple[Reject, str] | None:
        """Refuse a trade report its selling account cannot cover (a report is no short sale:
        it carries no flag)."""
        if not engine.rules.check_before_sell:
            return None
        member, account, symbol = command.sell_member, command.sell_account, command.symbol
        have = self.ledger.available(member, account, symbol)
        if command.qty <= have:
            return None
        return _NO_SECURITIES, (f"{_account(member, account, symbol, have, False)}, the trade "
                                f"report is for {command.qty:,}")

    def observe(self, command: Command, events: list[Event]) -> None:
        self.ledger.observe(command, events)


# -- the engine's own checks, run as Engine runs them so that its answer wins --------------------

def _equity_day(engine: Engine) -> TradingDay | None:
    day = engine.day
    return day if day.date is not None and not day.derivatives else None


def _engine_takes_order(cmd: NewOrder, engine: Engine) -> bool:
    """Whether Engine._new_order would accept the order (siamex.trading.engine)."""
    day = _equity_day(engine)
    if day is None or cmd.position_effect is not None:
        return False
    if cmd.id in engine.orders or cmd.id in engine.reports:
        return False
    inst = day.instruments.get(cmd.symbol)
    if inst is None or check_order(
            day.rules, inst, engine.hft_accounts, cmd.account, cmd.side, cmd.qty, cmd.type,
            cmd.validity, cmd.price, cmd.expire_date, cmd.published_qty, cmd.short,
            cmd.cash_balance) is not None:
        return False
    assert day.date is not None
    return cmd.validity not in _LONG_LIVED or expire_day(
        day.rules, day.date, cmd.validity, cmd.expire_date)[1] is None


def _engine_takes_amend(cmd: AmendOrder, engine: Engine) -> Order | None:
    """The order an amend changes, if Engine._amend would take the amend."""
    order = engine.orders.get(cmd.id)
    day = _equity_day(engine)
    if order is None or day is None or (cmd.member is not None and cmd.member != order.member):
        return None
    if cmd.ts - order.accepted_at < engine.resting_us:  # T15
        return None
    inst: Instrument = day.instruments[order.symbol]
    if check_amend(day.rules, inst, order, cmd.qty, cmd.price, cmd.type, cmd.side) is not None:
        return None
    if order.short and check_short_amend(inst, order, cmd.qty, cmd.price) is not None:
        return None
    return order


def _engine_takes_report(cmd: TradeReport, engine: Engine) -> bool:
    """Whether siamex.trading.trade_reports.take_report would take the report."""
    day = _equity_day(engine)
    if day is None or cmd.id in engine.orders or cmd.id in engine.reports:
        return False
    inst = day.instruments.get(cmd.symbol)
    if inst is None or (cmd.board and cmd.board != inst.board):
        return False
    board = report_board(day.rules, inst, cmd.qty, cmd.price)
    return check_report(day.rules, inst, board, cmd.qty, cmd.price, cmd.ts - day.base) is None


class Gate:
    """Check-before-sell and the extra measures in front of an engine (the module docstring).

    Call `check` with the engine already at the command's time (`MeasuredEngine` does), and
    `observe` after every command the engine runs.
    """

    def __init__(self, ledger: Availability | None = None,
                 extras: Sequence[PreTrade] = ()) -> None:
        self.ledger = ledger if ledger is not None else Availability()
        self.before_sell = CheckBeforeSell(self.ledger)
        self.extras = tuple(extras)

    def watches(self, command: Command, rules: Rulebook) -> bool:
        """Whether `check` may refuse this command under the day's rules: what tells a host
        to bring the engine to the command's time first."""
        kind = type(command)
        return kind in _CHECKED and (rules.check_before_sell
                                     or (kind is NewOrder and bool(self.extras)))

    def check(self, command: Command, engine: Engine) -> Rejected | None:
        """The gate's refusal of a command, or None to let the engine run it."""
        failure: tuple[Reject, str] | None = None
        if isinstance(command, NewOrder):
            # the engine's checks run only when a measure would refuse: most orders pass the
            # measures' look-ups and are the engine's alone
            failure = self.before_sell.check(command, engine)
            for measure in self.extras:
                if failure is not None:
                    break
                failure = measure.check(command, engine)
            if failure is not None and not _engine_takes_order(command, engine):
                return None
        elif isinstance(command, AmendOrder):
            order = engine.orders.get(command.id)
            if order is not None:
                failure = self.before_sell.check_amend(command, order, engine)
            if failure is not None and _engine_takes_amend(command, engine) is None:
                return None
        elif isinstance(command, TradeReport):
            failure = self.before_sell.check_report(command, engine)
            if failure is not None and not _engine_takes_report(command, engine):
                return None
        else:
            return None
        return None if failure is None else Rejected(command.ts, command.id, *failure)

    def before(self, command: CancelOrder, engine: Engine) -> None:
        """Let every extra measure see a member's cancel before the engine runs it."""
        for measure in self.extras:
            measure.before(command, engine)

    def observe(self, command: Command, events: list[Event]) -> None:
        """Tell the ledger and every extra measure what a command did."""
        self.ledger.observe(command, events)
        for measure in self.extras:  # most days have none or one
            measure.observe(command, events)

    def available(self, member: str, account: str, symbol: str, *, short: bool = False) -> int:
        """What an account may sell now: the members' availability query (symbol "PTT-R" for
        NVDRs)."""
        return self.ledger.available(member, account, symbol, short=short)

    def state(self) -> dict[str, Any]:
        """The gate's own state as plain data (the extras keep theirs)."""
        return {"version": _STATE_VERSION, "availability": self.ledger.state()}

    @classmethod
    def from_state(cls, data: Any, extras: Sequence[PreTrade] = ()) -> Gate:
        """Rebuild a gate from `state()`'s data (MEASURES_STATE if it is anything else)."""
        if not isinstance(data, dict) or data.get("version") != _STATE_VERSION or set(
                data) != {"version", "availability"}:
            raise SiamexError(ErrorCode.MEASURES_STATE,
                              f"the gate's state is an object of version {_STATE_VERSION} and "
                              "`availability`")
        return cls(Availability.from_state(data["availability"]), extras)


class MeasuredEngine:
    """An engine behind a gate, for the sequencer and the scenario runner: the same surface
    (`handle`, `now`, `date`, `closes`, `rules`, `instruments`), refusals included."""

    def __init__(self, engine: Engine | None = None, gate: Gate | None = None) -> None:
        self.engine = engine if engine is not None else Engine()
        self.gate = gate if gate is not None else Gate()
        self.gate.ledger.adopt(self.engine.orders.values())

    @property
    def rules(self) -> Rulebook:
        return self.engine.rules

    @property
    def date(self) -> dt.date | None:
        return self.engine.date

    @property
    def now(self) -> int:
        return self.engine.now

    @property
    def next_due(self) -> int:
        return self.engine.next_due

    @property
    def instruments(self) -> dict[str, Instrument]:
        return self.engine.instruments

    @property
    def closes(self) -> dict[str, int]:
        return self.engine.closes

    def handle(self, command: Command) -> list[Event]:
        """Run one command through the gate and the engine; return every event in order."""
        engine, gate = self.engine, self.gate
        kind = type(command)
        if kind is _CANCEL and gate.extras:
            gate.before(cast(CancelOrder, command), engine)
        elif gate.watches(command, engine.day.rules):
            return self._gated(command)
        events = engine.handle(command)
        gate.observe(command, events)
        if type(command) is StartDay:
            self.gate.ledger.adopt(engine.orders.values())
        return events

    def _gated(self, command: Command) -> list[Event]:
        engine, gate = self.engine, self.gate
        out: list[Event] = []
        if command.ts >= engine.next_due:  # decision 154: what is due happens first
            clock = AdvanceTime(command.ts)
            out = engine.handle(clock)
            gate.observe(clock, out)
        refusal = gate.check(command, engine)
        if refusal is not None:
            gate.observe(command, [refusal])
            out.append(refusal)
            return out
        events = engine.handle(command)
        gate.observe(command, events)
        out.extend(events)
        return out

    def availability(self, member: str, account: str, symbol: str, short: bool = False) -> int:
        """What an account may sell now (the members' query before they send)."""
        return self.gate.available(member, account, symbol, short=short)


def measured_engine(scenario: Scenario, depository: Depository | None,
                    engine: Engine | None = None,
                    extras: Sequence[PreTrade] = ()) -> Engine | MeasuredEngine:
    """The engine a scenario runs on: the engine alone without a depository file, which a day
    with `check_before_sell` on cannot do (decision 155); else the engine behind a gate that
    opens with the depository's holdings, which must be of the scenario's first day."""
    if depository is None:
        for day in scenario.days:
            if Rulebook(day.start.rules).check_before_sell:
                raise SiamexError(ErrorCode.DEPOSITORY_FILE, (
                    f"check_before_sell is on for {day.start.date}: it needs the day's "
                    "holdings, given with --depository"))
        engine = engine if engine is not None else Engine()
        return MeasuredEngine(engine, Gate(extras=extras)) if extras else engine
    if scenario.days:
        depository.check_opens(scenario.days[0].start.date)
    return MeasuredEngine(engine, Gate(Availability(depository.holdings), extras))
