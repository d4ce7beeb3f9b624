"""The trading day: its securities, the scheduled phases, and what holds a security apart.

The day lists the securities, runs their schedule and holds, keeps the indices and closes each
security's day; it holds no orders. When its schedule comes to a call auction, or the market
closes, it asks the order flow (`OrderFlow`: the engine, which owns the day) to uncross the book
or to expire what does not outlive the day. The flow is an argument of `advance` rather than a
field, so the two never refer to each other in a cycle that only the garbage collector could
free (hosts run the engine with it off, siamex.runtime).

Every security follows the day's schedule (`Instrument.session`, set-trading-rules.md 1.1); on a
TFEX day (`StartDay.market`) each series follows its product's sessions, its own timetable
(siamex.trading.series_listing), and no step is market-wide.
Over it a security may be held in a phase of its own (`Instrument.phase`). Two kinds of hold
stack, the stop on top:

    stop (`Instrument.stop`)  phase     lifted by                              rule
    SP, H                     HALTED    an operator's `resume`                 7.1, T8, T9
    P                         PAUSED    the end of the day (or a lower level)  7.2, T22

    hold (`Instrument.halt`)  phase, then                          ends with      rule
    CB                        HALTED, then PRE_OPEN (last 10 min)  its auction    6.1, T10
    AUTO_PAUSE                PAUSED 40 min, then PRE_OPEN 20 min  its auction    6.3, T12
    DPB                       PRE_OPEN 2 min                       its auction    6.2, T11
    RESUME                    PRE_OPEN 10 min after a stop         its auction    T9

A hold also ends with its continuous session: one that would outlast it ends at its end, and
the security follows the schedule into the next pre-open (T10). A hold's steps run on under a
stop, so lifting the stop returns to what is left of the hold. While held, a security has no
scheduled auction; an auction-only security's hold ends without one of its own (T22). The SET
Index is kept here too, since its fall triggers the circuit breaker.
"""

from __future__ import annotations

import datetime as dt
import heapq
from typing import Final, Protocol

import msgspec

from siamex.rulebook.parameters import DEFAULT_RULEBOOK, Rulebook
from siamex.rulebook.products import default_products
from siamex.trading.circuit_breaker import breaker_floors, level_reached
from siamex.trading.commands import StartDay
from siamex.trading.enums import Phase
from siamex.trading.events import (
    DayClose,
    DayStarted,
    Event,
    IndexValue,
    PhaseChanged,
    PriceLimitsSet,
    StatusChanged,
)
from siamex.trading.index import Index
from siamex.trading.instrument import Instrument
from siamex.trading.listing import carried_close, list_instrument
from siamex.trading.phases import CONTINUOUS_PHASES, TRANSITIONS
from siamex.trading.series_listing import list_series
from siamex.units import day_start, format_price

__all__ = ["NEVER", "US_PER_MINUTE", "OrderFlow", "Scheduled", "TradingDay", "stop_of"]

US_PER_MINUTE: Final = 60_000_000
NEVER: Final = 4_611_686_018_427_387_903  # 2**62 - 1: a literal, and a machine word

_HALTED: Final = Phase.HALTED
_PAUSED: Final = Phase.PAUSED
_PRE_OPEN: Final = Phase.PRE_OPEN
_CLOSED: Final = Phase.CLOSED
_STEPS: Final = frozenset({Phase.HALTED, Phase.PAUSED, Phase.PRE_OPEN})
_BREAKER_SESSIONS: Final = frozenset({Phase.PRE_OPEN_1, Phase.OPEN_1, Phase.PRE_OPEN_2,
                                      Phase.OPEN_2})
_MARKETS: Final = ("set", "tfex")


def stop_of(inst: Instrument) -> str:
    """Return what stops a security until lifted: SP, H, or P (the sign, or level 3's pause
    day), the strictest first; "" for nothing (7.1, 7.2)."""
    signs = inst.signs
    if "SP" in signs:
        return "SP"
    if "H" in signs:
        return "H"
    if "P" in signs or inst.pause_day:
        return "P"
    return ""


Scheduled = tuple[int, int, str, Phase]
"""A due time, a tie-break sequence, the symbol ("*": every security) and the phase it leaves."""


class OrderFlow(Protocol):
    """What the day asks of the order flow at the instants its schedule sets."""

    def uncross(self, inst: Instrument, ts: int, session: str, out: list[Event]) -> None:
        """Run a security's call auction ("open1", "open2", "close" or "resume")."""

    def close_session(self, inst: Instrument, ts: int, last_day: int, out: list[Event]) -> None:
        """Cancel a TFEX series' Day orders as its trading day ends, and its GTC/GTD orders
        whose last day (a date ordinal) is `last_day` or before."""

    def close_market(self, ts: int, out: list[Event]) -> None:
        """Cancel what does not outlive the day, as the market closes."""


class TradingDay:
    """The day's securities and schedule, each security's phase under its overlays, the
    indices, and the closes carried from one day to the next."""

    def __init__(self) -> None:
        self.rules: Rulebook = DEFAULT_RULEBOOK
        self.market = "set"
        self.derivatives = False
        self.date: dt.date | None = None
        self.base = 0
        self.seed = 0
        self.now = 0
        self.instruments: dict[str, Instrument] = {}
        self.closes: dict[str, int] = {}
        self.prior_closes: dict[str, int] = {}
        self.schedule: list[Scheduled] = []
        self.schedule_seq = 0
        self.next_due = NEVER
        self.indices: dict[str, Index] = {}
        self.breaker_level = 0
        self.breaker_index: Index | None = None
        self.breaker_floors: list[int] = []

    # -- the day's start and the close ---------------------------------------------------------

    def list_securities(self, cmd: StartDay, out: list[Event]) -> None:
        """Take a day's date, securities and indices: each security's limits from its previous
        close, given or carried (3.3, T18), and its base price in its indices (12)."""
        rules = self.rules
        if cmd.market not in _MARKETS:
            raise ValueError(f"market {cmd.market!r} is not one of {', '.join(_MARKETS)}")
        self.market = cmd.market
        self.derivatives = cmd.market == "tfex"
        self.date = day = dt.date.fromisoformat(cmd.date)
        self.base = day_start(day)
        self.seed = cmd.seed
        self.instruments = {}
        self.indices = {spec.name: Index(spec.name, spec.prev_close) for spec in cmd.indices}
        self.arm_breaker()
        out.append(DayStarted(cmd.ts, cmd.date, cmd.market))
        for spec in cmd.instruments:
            prior = spec.prior_close
            if spec.prev_close is None and prior is None:
                prior = self.prior_closes.get(spec.symbol)
            if prior is not None:
                spec = msgspec.structs.replace(spec, prior_close=prior)
            carried = carried_close(spec, cmd.instruments, self.closes)
            if self.derivatives:
                inst = list_series(rules, day, spec, carried, cmd.underlyings,
                                   default_products())
            else:
                inst = list_instrument(rules, day, spec, carried, cmd.seed, cmd.auction_times)
            self.instruments[spec.symbol] = inst
            self._join_indices(inst, spec.index_member)
            out.append(PriceLimitsSet(cmd.ts, inst.symbol, inst.ceiling, inst.floor,
                                      inst.prev_close))
        for index in self.indices.values():
            out.append(IndexValue(cmd.ts, index.name, index.value))

    def start_schedule(self, cmd: StartDay, out: list[Event]) -> None:
        """Plan the day's phase changes and auctions, and report each security's signs and
        level; stop it if they halt or pause it (7.1, 7.2)."""
        self._build_schedule()
        for spec in cmd.instruments:
            self._open_measures(self.instruments[spec.symbol], spec.signs, cmd.ts, out)

    def _open_measures(self, inst: Instrument, signs: tuple[str, ...], ts: int,
                       out: list[Event]) -> None:
        for sign in signs:
            out.append(StatusChanged(ts, inst.symbol, "sign", sign))
        if inst.surveillance_level:
            out.append(StatusChanged(ts, inst.symbol, "surveillance_level",
                                     str(inst.surveillance_level)))
        if inst.pause_day:
            out.append(StatusChanged(ts, inst.symbol, "surveillance_pause", "P"))
        self.refresh(inst, ts, out)

    def _close_security(self, inst: Instrument, ts: int, out: list[Event],
                        session: str = "") -> None:
        """Report a security's day after its closing auction, and keep its close for the next
        day's limits (3.3, T18) and short-sale test (T13: it looks back two closes)."""
        traded = inst.volume > 0
        close = inst.last_price if traded else None
        if inst.prev_close is not None:
            self.prior_closes[inst.symbol] = inst.prev_close
        self.closes[inst.symbol] = inst.last_price or (inst.prev_close or inst.ipo_price or 0)
        out.append(DayClose(ts, inst.symbol, inst.open or None, inst.high or None,
                            inst.low or None, close, inst.volume, inst.value, inst.trades,
                            session))

    # -- the schedule ----------------------------------------------------------------------

    def advance(self, ts: int, flow: OrderFlow, out: list[Event]) -> None:
        """Run every phase change, hold step and auction due by `ts`, each at its own time."""
        schedule = self.schedule
        while schedule and schedule[0][0] <= ts:
            due, _, symbol, leaving = heapq.heappop(schedule)
            self.now = due
            if symbol == "*":
                self._market_transition(due, leaving, flow, out)
            elif leaving in _STEPS:
                self._overlay_step(self.instruments[symbol], due, leaving, flow, out)
            else:
                self._security_transition(self.instruments[symbol], due, leaving, flow, out)
        self.next_due = schedule[0][0] if schedule else NEVER

    def _plan(self, due: int, symbol: str, leaving: Phase) -> None:
        self.schedule_seq += 1
        heapq.heappush(self.schedule, (due, self.schedule_seq, symbol, leaving))
        if due < self.next_due:
            self.next_due = due

    def _build_schedule(self) -> None:
        base = self.base
        self.schedule = []
        self.next_due = NEVER
        if self.derivatives:
            for inst in self.instruments.values():
                for due, leaving in inst.timetable:
                    self._plan(due, inst.symbol, leaving)
            return
        rules = self.rules
        for leaving, (trigger, _) in TRANSITIONS.items():
            if trigger.auction is None:
                self._plan(base + getattr(rules, trigger.at), "*", leaving)
        for inst in self.instruments.values():
            for leaving, (trigger, _) in TRANSITIONS.items():
                if trigger.auction is not None:
                    self._plan(base + getattr(inst.instants, trigger.auction), inst.symbol,
                               leaving)

    def _market_transition(self, ts: int, leaving: Phase, flow: OrderFlow,
                           out: list[Event]) -> None:
        """Move every security to the next phase; one held apart says where it stands."""
        entering = TRANSITIONS[leaving][1]
        out.append(PhaseChanged(ts, "*", entering))
        for inst in self.instruments.values():
            if inst.session is leaving:
                self._enter_session(inst, entering)
                inst.enter(self._phase_of(inst))
                if inst.phase is not entering:
                    out.append(PhaseChanged(ts, inst.symbol, inst.phase))
        if entering is _CLOSED:
            flow.close_market(ts, out)

    def _security_transition(self, inst: Instrument, ts: int, leaving: Phase, flow: OrderFlow,
                             out: list[Event]) -> None:
        """Run a security's scheduled auction and move it on, unless an overlay holds it."""
        if inst.timetable:
            self._timetable_step(inst, ts, leaving, flow, out)
            return
        trigger, entering = TRANSITIONS[leaving]
        if inst.session is not leaving:
            return
        assert trigger.auction is not None
        if not inst.halt and not inst.stop:  # decision 21: no auction while held
            flow.uncross(inst, ts, trigger.auction, out)
        self._enter_session(inst, entering)
        self.refresh(inst, ts, out)
        if trigger.auction == "close":
            self._close_security(inst, ts, out)

    def _timetable_step(self, inst: Instrument, ts: int, leaving: Phase, flow: OrderFlow,
                        out: list[Event]) -> None:
        """Take a step of a series' own timetable: its opening auction unless held, the next
        phase, and at the end of its trading day the close and the Day orders' expiry."""
        step = inst.timetable.get((ts, leaving))
        if step is None or inst.session is not leaving:
            return
        entering, auction, ends = step
        if auction and not inst.halt and not inst.stop:  # decision 21: no auction while held
            flow.uncross(inst, ts, auction, out)
        self._enter_session(inst, entering)
        self.refresh(inst, ts, out)
        if ends:
            # decision 111: a GTD's last day ends with the day session, not the night's
            assert self.date is not None
            flow.close_session(inst, ts, self.date.toordinal() if ends == "day" else 0, out)
            self._close_security(inst, ts, out, ends)
            inst.reset_statistics()

    def _enter_session(self, inst: Instrument, session: Phase) -> None:
        """Move the schedule on; a temporary hold ends when its continuous session does."""
        inst.session = session
        if inst.halt and session not in CONTINUOUS_PHASES:
            self._lift(inst)

    def _session_end(self, inst: Instrument) -> int:
        """Return when the security's current session ends (its continuous part included)."""
        session = inst.session
        if inst.timetable:
            return self._timetable_end(inst)
        rules = self.rules
        if session is Phase.PRE_OPEN_1 or session is Phase.OPEN_1:
            return self.base + rules.intermission_start
        if session is Phase.PRE_OPEN_2 or session is Phase.OPEN_2:
            return self.base + rules.pre_close_start
        if session is Phase.PRE_CLOSE:
            return self.base + inst.instants.close
        return self.now

    def _timetable_end(self, inst: Instrument) -> int:
        """Return when a series' current session ends, from its timetable."""
        if inst.session not in _BREAKER_SESSIONS:
            return self.now
        ends = [due for due, leaving in inst.timetable
                if leaving in CONTINUOUS_PHASES and due > self.now]
        return min(ends) if ends else self.now

    def hold_end(self, inst: Instrument, ts: int, length: int) -> int:
        """Return when a temporary hold starting now ends: its length, or the session's end
        if that comes first (T10)."""
        return min(ts + length, self._session_end(inst))

    # -- overlays ----------------------------------------------------------------------------

    def _phase_of(self, inst: Instrument) -> Phase:
        """Return the phase that applies: a stop, else a temporary hold, else the schedule."""
        stop = inst.stop
        if stop:
            return _PAUSED if stop == "P" else _HALTED
        if inst.halt:
            return inst.step_phase
        return inst.scheduled_phase()

    def refresh(self, inst: Instrument, ts: int, out: list[Event]) -> None:
        """Enter the phase that applies now, and say so if it changed."""
        inst.stop = stop_of(inst)
        phase = self._phase_of(inst)
        if phase is not inst.phase:
            inst.enter(phase)
            out.append(PhaseChanged(ts, inst.symbol, phase))

    def hold(self, inst: Instrument, cause: str, phase: Phase, ts: int, held: int,
             pre_open: int, out: list[Event]) -> None:
        """Hold a security: `held` us in `phase`, then `pre_open` us of pre-open, then an
        auction. A stop posted over it leaves its steps running underneath."""
        inst.halt = cause
        inst.step_phase = phase
        inst.step_due = 0
        session_end = self._session_end(inst)
        if cause == "CB" and ts + held + pre_open > session_end:
            pass  # T10: a breaker halt outlasting the session holds to its end
        elif ts + held >= session_end:
            pass  # the session ends first, and the schedule takes over (decision 21)
        elif held:
            inst.step_due = ts + held
        else:
            inst.step_phase = _PRE_OPEN
            inst.step_due = ts + pre_open
        if inst.step_due:
            self._plan(inst.step_due, inst.symbol, inst.step_phase)
        self.refresh(inst, ts, out)

    def _held_until(self, inst: Instrument) -> int:
        """Return when a security's temporary hold ends: its last step, or the session's end
        when the session ends it."""
        if not inst.step_due:
            return self._session_end(inst)
        if inst.step_phase is _PRE_OPEN:
            return inst.step_due
        return inst.step_due + self._pre_open_minutes(inst.halt) * US_PER_MINUTE

    def _lift(self, inst: Instrument) -> None:
        inst.halt = ""
        inst.step_due = 0

    def _overlay_step(self, inst: Instrument, due: int, leaving: Phase, flow: OrderFlow,
                      out: list[Event]) -> None:
        """Take a hold's next step: from its halt to its pre-open, or to its auction."""
        if not inst.halt or inst.step_phase is not leaving or inst.step_due != due:
            return  # the hold this step belonged to has ended or been replaced
        if leaving is _PRE_OPEN:
            self._lift(inst)  # first: the auction may trigger a new hold (the breaker)
            if not inst.stop:
                flow.uncross(inst, due, "resume", out)
            self.refresh(inst, due, out)
            return
        if inst.auction_only:
            self._lift(inst)  # T22: its own auctions are the scheduled ones
            self.refresh(inst, due, out)
            return
        inst.step_phase = _PRE_OPEN
        inst.step_due = due + self._pre_open_minutes(inst.halt) * US_PER_MINUTE
        self._plan(inst.step_due, inst.symbol, _PRE_OPEN)
        self.refresh(inst, due, out)

    def _pre_open_minutes(self, cause: str) -> int:
        rules = self.rules
        if cause == "CB":
            return rules.circuit_breaker_pre_open_minutes
        if cause == "AUTO_PAUSE":
            return rules.auto_pause_pre_open_minutes
        if cause == "DPB":
            return rules.dynamic_price_band_pre_open_minutes
        return rules.halt_resume_pre_open_minutes

    def resume(self, inst: Instrument, ts: int, out: list[Event]) -> None:
        """Apply a lifted stop or measure: a security coming back to a continuous session
        from outside one resumes through a pre-open and its auction (T9); otherwise it takes
        the phase that applies (a hold still running underneath, or the schedule)."""
        before = inst.phase
        inst.stop = stop_of(inst)
        phase = self._phase_of(inst)
        if phase in CONTINUOUS_PHASES and before not in CONTINUOUS_PHASES:
            minutes = self.rules.halt_resume_pre_open_minutes
            self.hold(inst, "RESUME", _PRE_OPEN, ts, 0, minutes * US_PER_MINUTE, out)
            return
        self.refresh(inst, ts, out)

    # -- the holds the order flow triggers -------------------------------------------------------

    def band_breached(self, inst: Instrument, following: int, ts: int,
                      out: list[Event]) -> None:
        """Hold a security whose next execution, at `following`, would leave the Dynamic Price
        Band: a pre-open and its auction (T11)."""
        length = self.rules.dynamic_price_band_pre_open_minutes * US_PER_MINUTE
        out.append(StatusChanged(ts, inst.symbol, "dynamic_price_band", format_price(following),
                                 True, self.hold_end(inst, ts, length)))
        self.hold(inst, "DPB", _PRE_OPEN, ts, 0, length, out)

    def test_pause(self, inst: Instrument, buying: bool, ts: int, out: list[Event]) -> None:
        """Pause a security whose bids (`buying`) or offers, after an order rested, exceed its
        share of listed shares (T12)."""
        book = inst.book
        total = book.bid_qty + book.ato_buy_qty if buying else book.ask_qty + book.ato_sell_qty
        if total <= inst.pause_threshold or inst.paused_today or inst.phase is _PAUSED or (
                inst.phase is _HALTED):
            return  # a pre-open that ends another hold gives way to the pause
        inst.paused_today = True  # once per security per day
        rules = self.rules
        held = rules.auto_pause_minutes * US_PER_MINUTE
        pre_open = rules.auto_pause_pre_open_minutes * US_PER_MINUTE
        out.append(StatusChanged(ts, inst.symbol, "auto_pause", "bid" if buying else "offer",
                                 True, self.hold_end(inst, ts, held + pre_open)))
        self.hold(inst, "AUTO_PAUSE", _PAUSED, ts, held, pre_open, out)

    # -- indices and the circuit breaker -----------------------------------------------------

    def _join_indices(self, inst: Instrument, names: tuple[str, ...]) -> None:
        """Count a security in its indices at its base price (12)."""
        price = inst.reference()
        inst.index_price = price
        for name in names:
            index = self.indices.get(name)
            if index is not None:
                index.add_member(inst.listed_shares, price)
                inst.indices.append(index)

    def index_moved(self, inst: Instrument, ts: int, out: list[Event]) -> None:
        """Recompute the indices a security belongs to after its trades; publish the values
        that changed and test the circuit breaker on its index (12, T10)."""
        price = inst.last_price
        delta = inst.listed_shares * (price - inst.index_price)
        inst.index_price = price
        if not delta:
            return
        breaker = self.breaker_index
        for index in inst.indices:
            if index.move(delta):
                out.append(IndexValue(ts, index.name, index.value))
                if index is breaker:
                    self._test_breaker(index, ts, out)

    def arm_breaker(self) -> None:
        """Work out the day's trigger values on the breaker's index (T10)."""
        rules = self.rules
        self.breaker_level = 0
        self.breaker_index = self.indices.get(rules.circuit_breaker_index)
        self.breaker_floors = (
            breaker_floors(rules.circuit_breaker_levels, self.breaker_index.prev_close)
            if self.breaker_index is not None else [])

    def breaker_until(self) -> int | None:
        """Return when the circuit breaker's halt is due to end (the last of its securities'
        auctions, or the session's end), None while it holds none: for a host showing the
        market's state; the engine keeps no such time apart from its holds (T10)."""
        ends = [self._held_until(inst) for inst in self.instruments.values()
                if inst.halt == "CB"]
        return max(ends) if ends else None

    def _test_breaker(self, index: Index, ts: int, out: list[Event]) -> None:
        level = level_reached(self.breaker_floors, index.value)
        if level <= self.breaker_level:
            return  # T10: each level once a day, none after the last
        rules = self.rules
        if not self.base + rules.pre_open_1_start <= ts < self.base + rules.pre_close_start:
            return  # the closing auctions end the day: nothing is left to halt
        self.breaker_level = level
        minutes = rules.circuit_breaker_levels[level - 1][1]
        pre_open = min(rules.circuit_breaker_pre_open_minutes, minutes) * US_PER_MINUTE
        held = minutes * US_PER_MINUTE - pre_open
        session_end = self.base + (rules.intermission_start
                                   if ts < self.base + rules.intermission_start
                                   else rules.pre_close_start)
        out.append(StatusChanged(ts, "*", "circuit_breaker", str(level), True,
                                 min(ts + minutes * US_PER_MINUTE, session_end)))
        end = ts + held + pre_open
        for inst in self.instruments.values():
            # T10: securities whose underlying is Thai; a hold that outlasts the breaker's
            # stays as it is; under a stop (H, SP, P) the breaker's halt runs underneath
            if (inst.foreign_underlying or inst.session not in _BREAKER_SESSIONS
                    or (inst.halt and self._held_until(inst) >= end)):
                continue
            self.hold(inst, "CB", _HALTED, ts, held, pre_open, out)
