"""One journal entry, as the journal encodes it.

Kept apart from siamex.journal.log, which mypyc compiles: msgspec reads a Struct's annotations
at run time, and that needs a module Python itself has executed.
"""

from __future__ import annotations

import msgspec

from siamex.trading.commands import Command

__all__ = ["Record"]


class Record(msgspec.Struct, array_like=True, frozen=True):
    """The sequence number the sequencer stamped on a command, and the command."""

    seq: int
    command: Command
