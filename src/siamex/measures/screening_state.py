"""The central order screening's snapshot as plain structs (siamex.measures.screening).

Kept apart from the screening itself because that module is compiled by mypyc, which would
make these msgspec structs native classes that msgspec can no longer build.
"""

from __future__ import annotations

from typing import Annotated

import msgspec

from siamex.units import US_PER_SECOND

__all__ = ["ScreeningState", "UnfilledCancels"]

_Time = Annotated[int, msgspec.Meta(ge=0, lt=2**62)]


class UnfilledCancels(msgspec.Struct, array_like=True, forbid_unknown_fields=True):
    """An account's recent cancels of orders without a fill (microseconds)."""

    member: str
    account: str
    times: list[_Time]


class ScreeningState(msgspec.Struct, forbid_unknown_fields=True):
    """The screening's snapshot: each account's recent cancels of orders without a fill
    (microseconds), and the window they are kept for."""

    cancels: list[UnfilledCancels]
    window: Annotated[int, msgspec.Meta(gt=0, le=86_400 * US_PER_SECOND)]
