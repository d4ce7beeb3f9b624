"""The trading vocabulary: sides, order types, validities, boards and phases.

Values are the words of the scenario format (docs/scenario-format.md), so messages encode to the
edge's text without a translation table. Members are singletons compared by identity, and hash
by identity too: Enum's own __hash__ is Python code, and the hot path looks members up in sets
and dicts. Identity hashes differ between runs, so no output may depend on the iteration order
of a set of members.
"""

from __future__ import annotations

from enum import Enum

__all__ = ["Board", "OrderType", "Phase", "Side", "Validity"]


class Side(Enum):
    __hash__ = object.__hash__

    BUY = "buy"
    SELL = "sell"


class OrderType(Enum):
    __hash__ = object.__hash__

    LIMIT = "limit"
    ATO = "ato"
    ATC = "atc"
    MP_MKT = "mp_mkt"
    MP_MTL = "mp_mtl"


class Validity(Enum):
    __hash__ = object.__hash__

    DAY = "day"
    FAK = "fak"
    FOK = "fok"
    GTC = "gtc"
    GTD = "gtd"


class Board(Enum):
    __hash__ = object.__hash__

    MAIN = "main"
    ODD_LOT = "odd_lot"
    OFF_HOUR = "off_hour"
    BIG_LOT = "big_lot"
    FOREIGN = "foreign"


class Phase(Enum):
    __hash__ = object.__hash__

    CLOSED = "CLOSED"
    PRE_OPEN_1 = "PRE_OPEN_1"
    OPEN_1 = "OPEN_1"
    INTERMISSION = "INTERMISSION"
    PRE_OPEN_2 = "PRE_OPEN_2"
    OPEN_2 = "OPEN_2"
    PRE_CLOSE = "PRE_CLOSE"
    OFF_HOUR = "OFF_HOUR"
    HALTED = "HALTED"
    PAUSED = "PAUSED"
    NO_MATCHING = "NO_MATCHING"
    PRE_OPEN = "PRE_OPEN"
