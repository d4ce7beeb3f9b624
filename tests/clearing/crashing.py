"""A store that dies part-way through a step, for the tests that resume after a crash."""

from __future__ import annotations

from collections.abc import Sequence

from siamex.clearing.ledger import Outcome, Transaction
from siamex.clearing.store import MemoryStore


class Crash(Exception):
    """The process dies."""


class CrashingStore(MemoryStore):
    """Dies at the n-th write (a batch of postings or a document), 0 the first."""

    def __init__(self, writes: int) -> None:
        super().__init__()
        self.writes = writes

    def _write(self) -> None:
        if self.writes == 0:
            raise Crash
        self.writes -= 1

    def append_all(self, transactions: Sequence[Transaction]) -> list[Outcome]:
        self._write()
        return super().append_all(transactions)

    def put_document(self, name: str, text: str) -> None:
        self._write()
        super().put_document(name, text)
