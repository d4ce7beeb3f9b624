"""An independent reading of the journal's format 2 (siamex.journal.log's docstring), so that
the tests know where each block, record, length and payload lies without asking the reader
under test."""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass

MAGIC = b"SIAMEXJ2"


@dataclass(frozen=True)
class RecordSpan:
    """A record: its checksum at `start`, its length at `start + 4`, then its payload."""

    start: int
    end: int

    @property
    def payload(self) -> int:
        return self.start + 8


@dataclass(frozen=True)
class BlockSpan:
    """A block: its 16-byte header at `start`, then its records."""

    start: int
    records: tuple[RecordSpan, ...]
    end: int


def layout(data: bytes) -> list[BlockSpan]:
    """Split a whole, undamaged journal into its blocks and records, checking every checksum."""
    assert data[:8] == MAGIC
    blocks = []
    pos = 8
    while pos < len(data):
        magic, count, length, check = struct.unpack_from("<4sIII", data, pos)
        assert magic == b"SXJB" and zlib.crc32(data[pos:pos + 12]) == check
        records = []
        rec = pos + 16
        for _ in range(count):
            crc, size = struct.unpack_from("<II", data, rec)
            assert zlib.crc32(data[rec + 8:rec + 8 + size], size) == crc  # seeded by the length
            records.append(RecordSpan(rec, rec + 8 + size))
            rec += 8 + size
        assert rec == pos + 16 + length
        blocks.append(BlockSpan(pos, tuple(records), rec))
        pos = rec
    return blocks
