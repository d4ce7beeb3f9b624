"""The trading day's clock: the scheduled phases, and what holds a security apart from them.

Every security follows the day's schedule (`Instrument.session`, set-trading-rules.md 1.1).
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
from typing import Final

from siamex.rulebook.parameters import DEFAULT_RULEBOOK, Rulebook
from siamex.trading.circuit_breaker import breaker_floors, level_reached
from siamex.trading.enums import Phase
from siamex.trading.events import Event, IndexValue, PhaseChanged, StatusChanged
from siamex.trading.index import Index
from siamex.trading.instrument import Instrument
from siamex.trading.phases import CONTINUOUS_PHASES, TRANSITIONS

__all__ = ["NEVER", "US_PER_MINUTE", "Scheduled", "TradingDay", "stop_of"]

US_PER_MINUTE: Final = 60_000_000
NEVER: Final = 4_611_686_018_427_387_903  # 2**62 - 1: a literal, and a machine word

_HALTED: Final = Phase.HALTED
_PAUSED: Final = Phase.PAUSED
_PRE_OPEN: Final = Phase.PRE_OPEN
_CLOSED: Final = Phase.CLOSED
_STEPS: Final = frozenset({Phase.HALTED, Phase.PAUSED, Phase.PRE_OPEN})
_BREAKER_SESSIONS: Final = frozenset({Phase.PRE_OPEN_1, Phase.OPEN_1, Phase.PRE_OPEN_2,
                                      Phase.OPEN_2})



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


class TradingDay:
    """The day's schedule, each security's phase under its overlays, and the indices."""

    def __init__(self) -> None:
        self.rules: Rulebook = DEFAULT_RULEBOOK
        self.date: dt.date | None = None
        self.base = 0
        self.now = 0
        self.instruments: dict[str, Instrument] = {}
        self.schedule: list[Scheduled] = []
        self.schedule_seq = 0
        self.next_due = NEVER
        self.indices: dict[str, Index] = {}
        self.breaker_level = 0
        self.breaker_index: Index | None = None
        self.breaker_floors: list[int] = []

    def _uncross(self, inst: Instrument, ts: int, session: str, out: list[Event]) -> None:
        """Run a call auction (the engine's)."""
        raise NotImplementedError

    def _day_close(self, inst: Instrument, ts: int, out: list[Event]) -> None:
        """Report a security's day after its closing auction (the engine's)."""
        raise NotImplementedError

    def _expire_day_orders(self, ts: int, out: list[Event]) -> None:
        """Cancel what does not outlive the day (the engine's)."""
        raise NotImplementedError

    # -- the schedule ----------------------------------------------------------------------

    def _advance(self, ts: int, out: list[Event]) -> None:
        schedule = self.schedule
        while schedule and schedule[0][0] <= ts:
            due, _, symbol, leaving = heapq.heappop(schedule)
            self.now = due
            if symbol == "*":
                self._market_transition(due, leaving, out)
            elif leaving in _STEPS:
                self._overlay_step(self.instruments[symbol], due, leaving, out)
            else:
                self._security_transition(self.instruments[symbol], due, leaving, out)
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
        rules = self.rules
        for leaving, (trigger, _) in TRANSITIONS.items():
            if trigger.auction is None:
                self._plan(base + getattr(rules, trigger.at), "*", leaving)
        for inst in self.instruments.values():
            for leaving, (trigger, _) in TRANSITIONS.items():
                if trigger.auction is not None:
                    self._plan(base + getattr(inst.instants, trigger.auction), inst.symbol,
                               leaving)

    def _market_transition(self, ts: int, leaving: Phase, out: list[Event]) -> None:
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
            self._expire_day_orders(ts, out)

    def _security_transition(self, inst: Instrument, ts: int, leaving: Phase,
                             out: list[Event]) -> None:
        """Run a security's scheduled auction and move it on, unless an overlay holds it."""
        trigger, entering = TRANSITIONS[leaving]
        if inst.session is not leaving:
            return
        assert trigger.auction is not None
        if not inst.halt and not inst.stop:  # decision 21: no auction while held
            self._uncross(inst, ts, trigger.auction, out)
        self._enter_session(inst, entering)
        self._refresh(inst, ts, out)
        if trigger.auction == "close":
            self._day_close(inst, ts, out)

    def _enter_session(self, inst: Instrument, session: Phase) -> None:
        """Move the schedule on; a temporary hold ends when its continuous session does."""
        inst.session = session
        if inst.halt and session not in CONTINUOUS_PHASES:
            self._lift(inst)

    def _session_end(self, inst: Instrument) -> int:
        """Return when the security's current session ends (its continuous part included)."""
        session = inst.session
        rules = self.rules
        if session is Phase.PRE_OPEN_1 or session is Phase.OPEN_1:
            return self.base + rules.intermission_start
        if session is Phase.PRE_OPEN_2 or session is Phase.OPEN_2:
            return self.base + rules.pre_close_start
        if session is Phase.PRE_CLOSE:
            return self.base + inst.instants.close
        return self.now

    def _hold_end(self, inst: Instrument, ts: int, length: int) -> int:
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

    def _refresh(self, inst: Instrument, ts: int, out: list[Event]) -> None:
        """Enter the phase that applies now, and say so if it changed."""
        inst.stop = stop_of(inst)
        phase = self._phase_of(inst)
        if phase is not inst.phase:
            inst.enter(phase)
            out.append(PhaseChanged(ts, inst.symbol, phase))

    def _hold(self, inst: Instrument, cause: str, phase: Phase, ts: int, held: int,
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
        self._refresh(inst, ts, out)

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

    def _overlay_step(self, inst: Instrument, due: int, leaving: Phase,
                      out: list[Event]) -> None:
        """Take a hold's next step: from its halt to its pre-open, or to its auction."""
        if not inst.halt or inst.step_phase is not leaving or inst.step_due != due:
            return  # the hold this step belonged to has ended or been replaced
        if leaving is _PRE_OPEN:
            self._lift(inst)  # first: the auction may trigger a new hold (the breaker)
            if not inst.stop:
                self._uncross(inst, due, "resume", out)
            self._refresh(inst, due, out)
            return
        if inst.auction_only:
            self._lift(inst)  # T22: its own auctions are the scheduled ones
            self._refresh(inst, due, out)
            return
        inst.step_phase = _PRE_OPEN
        inst.step_due = due + self._pre_open_minutes(inst.halt) * US_PER_MINUTE
        self._plan(inst.step_due, inst.symbol, _PRE_OPEN)
        self._refresh(inst, due, out)

    def _pre_open_minutes(self, cause: str) -> int:
        rules = self.rules
        if cause == "CB":
            return rules.circuit_breaker_pre_open_minutes
        if cause == "AUTO_PAUSE":
            return rules.auto_pause_pre_open_minutes
        if cause == "DPB":
            return rules.dynamic_price_band_pre_open_minutes
        return rules.halt_resume_pre_open_minutes

    def _resume(self, inst: Instrument, ts: int, out: list[Event]) -> None:
        """Apply a lifted stop or measure: a security coming back to a continuous session
        from outside one resumes through a pre-open and its auction (T9); otherwise it takes
        the phase that applies (a hold still running underneath, or the schedule)."""
        before = inst.phase
        inst.stop = stop_of(inst)
        phase = self._phase_of(inst)
        if phase in CONTINUOUS_PHASES and before not in CONTINUOUS_PHASES:
            minutes = self.rules.halt_resume_pre_open_minutes
            self._hold(inst, "RESUME", _PRE_OPEN, ts, 0, minutes * US_PER_MINUTE, out)
            return
        self._refresh(inst, ts, out)

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

    def _index_moved(self, inst: Instrument, ts: int, out: list[Event]) -> None:
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

    def _arm_breaker(self) -> None:
        """Work out the day's trigger values on the breaker's index (T10)."""
        rules = self.rules
        self.breaker_level = 0
        self.breaker_index = self.indices.get(rules.circuit_breaker_index)
        self.breaker_floors = (
            breaker_floors(rules.circuit_breaker_levels, self.breaker_index.prev_close)
            if self.breaker_index is not None else [])

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
            self._hold(inst, "CB", _HALTED, ts, held, pre_open, out)
