"""Market operations: an operator's halts, suspensions, signs and surveillance levels
(set-trading-rules.md 7.1, 7.2; decisions T8, T9, T21, T22).

    operation               posts or lifts                  trading
    halt, suspend           H, SP                           stops until `resume`; orders stay
    resume                  lifts H and SP                  back through a pre-open (T9)
    set_sign                any other sign                  goes on (cash-balance signs: T21)
    set_surveillance_level  level 0-3 (3 with `pause`: P)   in force at once (T21, T22)

An operation changes a security's signs or level; the day (siamex.trading.day) works out the
phase that follows. No order is touched, so the operations need the day alone.
"""

from __future__ import annotations

from typing import Final

from siamex.trading.commands import Command, Halt, Resume, SetSign, SetSurveillanceLevel
from siamex.trading.day import TradingDay
from siamex.trading.events import Event, Rejected, StatusChanged
from siamex.trading.instrument import Instrument
from siamex.trading.listing import SIGNS, update_measures
from siamex.trading.rejects import Reject

__all__ = ["listed", "operate"]

_HALTING_SIGNS: Final = frozenset({"H", "SP"})
_STOPPING_SIGNS: Final = frozenset({"H", "SP", "P"})


def listed(day: TradingDay, symbol: str, label: str, ts: int,
           out: list[Event]) -> Instrument | None:
    """Return the security a command names, or refuse the command (labelled `label`)."""
    inst = day.instruments.get(symbol)
    if inst is None:
        out.append(Rejected(ts, label, Reject.UNKNOWN_SYMBOL, f"{symbol!r} is not listed today"))
    return inst


def operate(day: TradingDay, cmd: Command, out: list[Event]) -> None:
    """Run a market operation: a halt or suspension, a resume, a sign or a surveillance level."""
    if isinstance(cmd, Halt):
        _halt(day, cmd, out)
    elif isinstance(cmd, Resume):
        _resume(day, cmd, out)
    elif isinstance(cmd, SetSign):
        _set_sign(day, cmd, out)
    else:
        assert isinstance(cmd, SetSurveillanceLevel)
        _set_level(day, cmd, out)


def _halt(day: TradingDay, cmd: Halt, out: list[Event]) -> None:
    """Post H or SP: the security stops until `resume`; resting orders stay (T8)."""
    inst = listed(day, cmd.symbol, cmd.id, cmd.ts, out)
    if inst is None:
        return
    if cmd.sign not in _HALTING_SIGNS:
        out.append(Rejected(cmd.ts, cmd.id, Reject.INVALID,
                            f"a halt posts H or SP, not {cmd.sign!r}"))
        return
    inst.signs = (inst.signs - _HALTING_SIGNS) | {cmd.sign}
    out.append(StatusChanged(cmd.ts, inst.symbol, "halt" if cmd.sign == "H" else "suspend",
                             cmd.sign))
    day.refresh(inst, cmd.ts, out)


def _resume(day: TradingDay, cmd: Resume, out: list[Event]) -> None:
    inst = listed(day, cmd.symbol, cmd.id, cmd.ts, out)
    if inst is None:
        return
    lifted = inst.signs & _HALTING_SIGNS
    if not lifted:
        out.append(Rejected(cmd.ts, cmd.id, Reject.INVALID,
                            f"{inst.symbol} is not halted or suspended"))
        return
    inst.signs = inst.signs - _HALTING_SIGNS
    out.append(StatusChanged(cmd.ts, inst.symbol, "resume", min(lifted)))
    day.resume(inst, cmd.ts, out)


def _set_sign(day: TradingDay, cmd: SetSign, out: list[Event]) -> None:
    """Post or remove an information or cash-balance sign; trading goes on (7.1, T21)."""
    inst = listed(day, cmd.symbol, cmd.id, cmd.ts, out)
    if inst is None:
        return
    if cmd.sign in _STOPPING_SIGNS:
        out.append(Rejected(cmd.ts, cmd.id, Reject.INVALID, (
            f"sign {cmd.sign} stops trading: use halt, suspend or set_surveillance_level")))
        return
    if cmd.sign not in SIGNS:
        out.append(Rejected(cmd.ts, cmd.id, Reject.INVALID, f"unknown sign {cmd.sign!r}"))
        return
    inst.signs = inst.signs | {cmd.sign} if cmd.on else inst.signs - {cmd.sign}
    update_measures(day.rules, inst)
    out.append(StatusChanged(cmd.ts, inst.symbol, "sign", cmd.sign, cmd.on))


def _set_level(day: TradingDay, cmd: SetSurveillanceLevel, out: list[Event]) -> None:
    """Change a security's surveillance level, in force at once (7.2, T21, T22)."""
    inst = listed(day, cmd.symbol, cmd.id, cmd.ts, out)
    if inst is None:
        return
    if not 0 <= cmd.level <= 3 or (cmd.pause and cmd.level != 3):
        out.append(Rejected(cmd.ts, cmd.id, Reject.INVALID, (
            "a surveillance level is 0 to 3, and only level 3 pauses")))
        return
    inst.surveillance_level = cmd.level
    update_measures(day.rules, inst)
    out.append(StatusChanged(cmd.ts, inst.symbol, "surveillance_level", str(cmd.level)))
    if cmd.pause:
        out.append(StatusChanged(cmd.ts, inst.symbol, "surveillance_pause", "P"))
        inst.pause_day = True
    elif cmd.level < 3:
        inst.pause_day = False
    day.resume(inst, cmd.ts, out)
