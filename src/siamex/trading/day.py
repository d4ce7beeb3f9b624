"""The trading day's clock: the scheduled phases, and the overlays that hold a security apart.

Every security follows the day's schedule (`Instrument.session`, set-trading-rules.md 1.1).
Over it an overlay may hold the security in a phase of its own (`Instrument.phase`), named by
its cause (`Instrument.halt`):

    cause        phase, then                          ends                       rule
    H, SP        HALTED                               operator `resume`          7.1, T8, T9
    P            PAUSED                               the end of the day         7.2, T22
    CB           HALTED, then PRE_OPEN (last 10 min)  its auction                6.1, T10
    AUTO_PAUSE   PAUSED 40 min, then PRE_OPEN 20 min  its auction                6.3, T12
    DPB          PRE_OPEN 2 min                       its auction                6.2, T11
    RESUME       PRE_OPEN 10 min after H/SP/level 2   its auction                T9

The last four end with the session too: one that would outlast the continuous session ends at
its end, and the security follows the schedule into the next session's pre-open (T10). While
an overlay holds a security, its scheduled auctions do not run (its resumption auction does).
The SET Index is kept here too, since its fall triggers the circuit breaker.
"""

from __future__ import annotations

import datetime as dt
import heapq
from typing import Final

from siamex.rulebook.parameters import DEFAULT_RULEBOOK, Rulebook
from siamex.trading.circuit_breaker import breaker_level
from siamex.trading.enums import Phase
from siamex.trading.events import Event, IndexValue, PhaseChanged, StatusChanged
from siamex.trading.index import Index
from siamex.trading.instrument import Instrument
from siamex.trading.phases import CONTINUOUS_PHASES, TRANSITIONS

__all__ = ["PERSISTENT", "US_PER_MINUTE", "Scheduled", "TradingDay"]

US_PER_MINUTE: Final = 60_000_000
NEVER: Final = 1 << 62
PERSISTENT: Final = frozenset({"H", "SP", "P"})
"""Overlays that only an operator (or the day's end) lifts."""

_HALTED: Final = Phase.HALTED
_PAUSED: Final = Phase.PAUSED
_PRE_OPEN: Final = Phase.PRE_OPEN
_CLOSED: Final = Phase.CLOSED
_STEPS: Final = frozenset({Phase.HALTED, Phase.PAUSED, Phase.PRE_OPEN})
_BREAKER_SESSIONS: Final = frozenset({Phase.PRE_OPEN_1, Phase.OPEN_1, Phase.PRE_OPEN_2,
                                      Phase.OPEN_2})

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
        if inst.halt and inst.halt not in PERSISTENT and entering not in CONTINUOUS_PHASES:
            self._lift(inst)  # T10: the session's end ends a temporary halt
        held = inst.phase
        if not inst.halt:
            self._uncross(inst, ts, trigger.auction, out)
        self._enter_session(inst, entering)
        if inst.phase is not held:  # a security still held apart has nothing new to say
            out.append(PhaseChanged(ts, inst.symbol, inst.phase))
        if trigger.auction == "close":
            self._day_close(inst, ts, out)

    def _enter_session(self, inst: Instrument, session: Phase) -> None:
        inst.session = session
        if inst.halt:
            if inst.halt in PERSISTENT or session in CONTINUOUS_PHASES:
                return
            self._lift(inst)
        inst.enter(inst.scheduled_phase())

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

    def _hold(self, inst: Instrument, cause: str, phase: Phase, ts: int, held: int,
              pre_open: int, out: list[Event]) -> None:
        """Hold a security: `held` us in `phase`, then `pre_open` us of pre-open, then an
        auction; a persistent cause holds it until lifted."""
        inst.halt = cause
        inst.step_due = 0
        if cause not in PERSISTENT:
            if ts + held + pre_open > self._session_end(inst):
                pass  # T10: held to the session's end, then the schedule takes over
            elif held:
                inst.step_due = ts + held
            else:
                phase = _PRE_OPEN
                inst.step_due = ts + pre_open
            if inst.step_due:
                self._plan(inst.step_due, inst.symbol, phase)
        inst.enter(phase)
        out.append(PhaseChanged(ts, inst.symbol, phase))

    def _held_until(self, inst: Instrument) -> int:
        """Return when a security's temporary hold ends: its last step, or the session's end
        when the session ends it."""
        if not inst.step_due:
            return self._session_end(inst)
        if inst.phase is _PRE_OPEN:
            return inst.step_due
        return inst.step_due + self._pre_open_minutes(inst.halt) * US_PER_MINUTE

    def _lift(self, inst: Instrument) -> None:
        inst.halt = ""
        inst.step_due = 0

    def _overlay_step(self, inst: Instrument, due: int, leaving: Phase,
                      out: list[Event]) -> None:
        """Take an overlay's next step: from its halt to its pre-open, or to its auction."""
        if inst.phase is not leaving or inst.step_due != due:
            return  # the overlay this step belonged to has ended or been replaced
        if leaving is _PRE_OPEN:
            self._uncross(inst, due, "resume", out)
            self._lift(inst)
            inst.enter(inst.scheduled_phase())
            out.append(PhaseChanged(due, inst.symbol, inst.phase))
            return
        pre_open = self._pre_open_minutes(inst.halt) * US_PER_MINUTE
        inst.step_due = due + pre_open
        self._plan(inst.step_due, inst.symbol, _PRE_OPEN)
        inst.enter(_PRE_OPEN)
        out.append(PhaseChanged(due, inst.symbol, _PRE_OPEN))

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
        """Lift an operator's or a measure's hold: a continuous session resumes through a
        pre-open and its auction; elsewhere the security simply rejoins the schedule (T9)."""
        self._lift(inst)
        if inst.session in CONTINUOUS_PHASES and not inst.auction_only:
            minutes = self.rules.halt_resume_pre_open_minutes
            self._hold(inst, "RESUME", _PRE_OPEN, ts, 0, minutes * US_PER_MINUTE, out)
            return
        inst.enter(inst.scheduled_phase())
        out.append(PhaseChanged(ts, inst.symbol, inst.phase))

    def _persistent_hold(self, inst: Instrument, cause: str, ts: int,
                         out: list[Event]) -> None:
        self._hold(inst, cause, _PAUSED if cause == "P" else _HALTED, ts, 0, 0, out)

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
        breaker = self.rules.circuit_breaker_index
        for index in inst.indices:
            if index.move(delta):
                out.append(IndexValue(ts, index.name, index.value))
                if index.name == breaker:
                    self._test_breaker(index, ts, out)

    def _test_breaker(self, index: Index, ts: int, out: list[Event]) -> None:
        rules = self.rules
        level = breaker_level(rules.circuit_breaker_levels, index.prev_close, index.value)
        if level <= self.breaker_level:
            return  # T10: each level once a day, none after the last
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
            # T10: securities whose underlying is Thai; an operator's halt stays as it is, and
            # so does a pause or halt that outlasts the breaker's
            if (inst.foreign_underlying or inst.halt in PERSISTENT
                    or inst.session not in _BREAKER_SESSIONS
                    or (inst.halt and self._held_until(inst) >= end)):
                continue
            self._hold(inst, "CB", _HALTED, ts, held, pre_open, out)
