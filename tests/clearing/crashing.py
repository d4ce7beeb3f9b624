"""A store that dies at a commit, for the tests that resume after a crash."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from siamex.clearing.foundations.ledger import Outcome, Transaction
from siamex.clearing.foundations.store import MemoryStore


class Crash(Exception):
    """The process dies."""


class CrashingStore(MemoryStore):
    """Dies at the n-th commit (0 the first), before any of it is stored; -1 never."""

    def __init__(self, writes: int) -> None:
        super().__init__()
        self.writes = writes

    def commit(self, transactions: Sequence[Transaction] = (),
               documents: Mapping[str, str] | None = None) -> list[Outcome]:
        if self.writes == 0:
            raise Crash
        self.writes -= 1
        return super().commit(transactions, documents)
