"""The central order screening's snapshot as plain structs (siamex.measures.screening).

Kept apart from the screening itself because that module is compiled by mypyc, which would
make these msgspec structs native classes that msgspec can no longer build.
"""

from __future__ import annotations

from typing import Annotated

import msgspec

from siamex.units import US_PER_SECOND

__all__ = ["ScreeningState", "Unfilled", "UnfilledCancels"]

_Time = Annotated[int, msgspec.Meta(ge=0, lt=2**62)]


class Unfilled(msgspec.Struct, array_like=True, forbid_unknown_fields=True):
    """A live order that has not traded, and whose it is."""

    id: str
    member: str
    account: str


class UnfilledCancels(msgspec.Struct, array_like=True, forbid_unknown_fields=True):
    """An account's recent cancels of orders without a fill (microseconds)."""

    member: str
    account: str
    times: list[_Time]


class ScreeningState(msgspec.Struct, forbid_unknown_fields=True):
    """The screening's snapshot: the live orders that have not traded (with their member and
    account), each account's recent cancels of such orders (microseconds), and the window
    they are kept for."""

    unfilled: list[Unfilled]
    cancels: list[UnfilledCancels]
    window: Annotated[int, msgspec.Meta(gt=0, le=86_400 * US_PER_SECOND)]
