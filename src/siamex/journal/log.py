"""The append-only command journal (pillar 2).

A journal file is an 8-byte magic followed by records, each framed as

    length (4 bytes, little endian) | CRC-32 of the payload (4 bytes) | payload

where the payload is the MessagePack of `[seq, command]`. Appends are buffered and made durable
together by `commit()` (group commit: one fsync for many records, since one fsync costs
milliseconds); a command is acknowledged only after the commit that holds it.

On recovery a record cut short at the end of the file (a crash in the middle of a write) is
dropped and the file truncated to the last whole record; a bad checksum anywhere before the end
is corruption and stops recovery with an error, since replaying past it would be a lie.
"""

from __future__ import annotations

import os
import struct
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import msgspec

from siamex.journal.record import Record
from siamex.trading.commands import Command

__all__ = ["MAGIC", "CorruptJournal", "JournalWriter", "Record", "read_journal", "recover"]

MAGIC = b"SIAMEXJ1"
_HEADER = struct.Struct("<II")


class CorruptJournal(ValueError):
    """A journal whose damage is not a torn last record."""


_encoder = msgspec.msgpack.Encoder()
_decoder = msgspec.msgpack.Decoder(Record)


class _Scan:
    """Walks a journal's bytes record by record, remembering where the last whole one ends."""

    __slots__ = ("data", "good")

    def __init__(self, data: bytes) -> None:
        if data[: len(MAGIC)] != MAGIC:
            raise CorruptJournal("not a siamex journal (bad magic)")
        self.data = data
        self.good = len(MAGIC)

    def records(self) -> Iterator[Record]:
        """Yield each whole record; stop quietly at a torn tail, loudly at corruption."""
        data = self.data
        view = memoryview(data)
        unpack, crc32, decode = _HEADER.unpack_from, zlib.crc32, _decoder.decode
        header = _HEADER.size
        pos, size = self.good, len(data)
        while size - pos >= header:
            length, crc = unpack(data, pos)
            end = pos + header + length
            if end > size:
                return
            payload = view[pos + header:end]
            if crc32(payload) != crc:
                if end == size:
                    return
                raise CorruptJournal(f"checksum mismatch in the record at byte {pos}")
            yield decode(payload)
            pos = self.good = end


def read_journal(path: Path) -> Iterator[Record]:
    """Yield every whole record of a journal, ignoring a torn last record."""
    return _Scan(path.read_bytes()).records()


def recover(path: Path) -> tuple[list[Record], int]:
    """Read a journal after a crash: its whole records and the byte length they end at."""
    scan = _Scan(path.read_bytes())
    records = list(scan.records())
    return records, scan.good


class JournalWriter:
    """Appends records to a journal file; `commit()` makes everything appended durable."""

    def __init__(self, path: Path, *, sync: bool = True) -> None:
        self.path = path
        self.sync = sync
        self._pending: list[bytes] = []
        self.last_seq = 0
        if path.exists() and path.stat().st_size > 0:
            records, good = recover(path)
            with path.open("r+b") as handle:
                handle.truncate(good)
            self.last_seq = records[-1].seq if records else 0
            self._file: BinaryIO = path.open("ab")
        else:
            self._file = path.open("wb")
            self._file.write(MAGIC)
            self._flush()

    def append(self, seq: int, command: Command) -> None:
        """Buffer one record; it is durable only after the next commit()."""
        payload = _encoder.encode(Record(seq, command))
        self._pending.append(_HEADER.pack(len(payload), zlib.crc32(payload)) + payload)
        self.last_seq = seq

    def commit(self) -> None:
        """Write every buffered record and fsync them together (group commit)."""
        if self._pending:
            self._file.write(b"".join(self._pending))
            self._pending.clear()
            self._flush()

    def _flush(self) -> None:
        self._file.flush()
        if self.sync:
            os.fsync(self._file.fileno())

    def close(self) -> None:
        """Commit what is pending and close the file."""
        self.commit()
        self._file.close()

    def __enter__(self) -> JournalWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
