"""The append-only command journal (pillar 2): checked framing, group commit, and recovery
that tells a torn tail from corruption.

A journal file is the 8-byte magic `SIAMEXJ2` (format 2) followed by one block per group
commit (integers are 4 bytes, little endian):

    block  = "SXJB" | count | body length | CRC-32 of the 12 bytes before it | body
    body   = record * count
    record = check | length | payload (length bytes)

where a payload is the MessagePack of `[seq, command]` and a record's check is the CRC-32 of its
payload continued from its length (`zlib.crc32(payload, length)`): a checksum of the length and
the payload together, for the price of one over the payload. Every byte is under a checksum,
the framing included, so a damaged length is found, never followed (decision 64).

Appends are buffered; `commit()` writes them as one block and fsyncs once (group commit: one
fsync costs milliseconds). A command is acknowledged only after the commit that holds it, so a
crash can leave unfinished only the last block, which nobody was told about.

Reading stops at the first block that fails a check: a header or a record whose checksum does
not hold, records that do not fill the block as its header says, or a block that runs past the
end of the file. The damage is a torn tail, and the block is dropped whole, only if nothing
checked survives after it: no record and no block header whose checksum holds starts anywhere
after the first bad byte, and no byte lies beyond the end of a block whose header holds (a
crash while writing a block cannot leave bytes after it). Otherwise committed records follow
the damage and the journal is corrupt: reading raises CorruptJournal, and recovery refuses it
without changing a byte, since cutting it there would delete them (decision 65). A file that
is a proper prefix of the magic (a crash while the journal was being created) is an empty
journal; a format-1 journal (`SIAMEXJ1`) is refused with JournalVersion.

The payload's type is the reader's: the engine's journal holds `Record`s of engine commands,
`siamex serve`'s holds its own records (the gateway's commands beside the engine's), each read
with the decoder of its type; the framing is the same.
"""

from __future__ import annotations

import os
import struct
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO, Final

import msgspec

from siamex.errors import ErrorCode
from siamex.journal.record import Record
from siamex.trading.commands import Command

__all__ = [
    "MAGIC",
    "CorruptJournal",
    "JournalVersion",
    "JournalWriter",
    "Record",
    "Recovered",
    "read_journal",
    "recover",
]

MAGIC: Final = b"SIAMEXJ2"
_FORMAT_1: Final = b"SIAMEXJ1"
_BLOCK_MAGIC: Final = b"SXJB"
_BLOCK_HEAD: Final = struct.Struct("<4sII")
_BLOCK_CHECKED: Final = _BLOCK_HEAD.size
_BLOCK_SIZE: Final = _BLOCK_CHECKED + 4
_RECORD: Final = struct.Struct("<II")
_RECORD_SIZE: Final = _RECORD.size
_LENGTH: Final = struct.Struct("<I")


class CorruptJournal(ValueError):
    """A journal whose damage is not a torn last block."""

    @property
    def code(self) -> ErrorCode:
        """The stable code the command line reports it with."""
        return ErrorCode.JOURNAL_CORRUPT


class JournalVersion(CorruptJournal):
    """A journal written in a format this siamex does not read."""

    @property
    def code(self) -> ErrorCode:
        """The stable code the command line reports it with."""
        return ErrorCode.JOURNAL_VERSION


_encoder = msgspec.msgpack.Encoder()
_decoder = msgspec.msgpack.Decoder(Record)


class Recovered:
    """What recovery found: a journal's committed records and the byte where they end
    (0 for a file to write anew: missing, empty, or cut short inside the magic)."""

    def __init__(self, records: list[Any], end: int) -> None:
        self.records = records
        self.end = end
        self.last_seq: int = records[-1].seq if records else 0
        """The sequence number of the last committed record (0 for none)."""


class _Scan:
    """Walks a journal's bytes block by block, remembering where the last whole one ends."""

    def __init__(self, data: bytes, decoder: msgspec.msgpack.Decoder[Any]) -> None:
        self.data = data
        self.decoder = decoder
        self.good = len(MAGIC)
        if data.startswith(MAGIC):
            return
        if len(data) < len(MAGIC) and MAGIC.startswith(data):
            self.good = 0  # torn while the journal was created: to be written anew
        elif data.startswith(_FORMAT_1):
            raise JournalVersion(
                "a format-1 journal (SIAMEXJ1), whose framing left the record lengths "
                "unchecked; this siamex reads format 2 only (decision 64): run its scenario "
                "again to journal it anew")
        else:
            raise CorruptJournal("not a siamex journal (bad magic)")

    def records(self) -> Iterator[Any]:
        """Yield each record of each whole block; stop quietly at a torn tail, loudly at
        corruption."""
        size = len(self.data)
        pos = self.good
        if pos < len(MAGIC):
            return
        block: list[Any] = []
        while pos < size:
            end = self._block(pos, block)
            if end < 0:
                return
            yield from block
            block.clear()
            pos = self.good = end

    def _block(self, pos: int, out: list[Any]) -> int:
        """Check the block at `pos`, decoding its records into `out`; return its end, or -1
        when it is a torn tail."""
        data = self.data
        view = memoryview(data)
        size = len(data)
        crc32 = zlib.crc32
        if size - pos < _BLOCK_SIZE:
            return self._torn(pos, pos, -1)
        magic: bytes
        count: int
        length: int
        magic, count, length = _BLOCK_HEAD.unpack_from(data, pos)
        check: int = _LENGTH.unpack_from(data, pos + _BLOCK_CHECKED)[0]
        if magic != _BLOCK_MAGIC or crc32(view[pos:pos + _BLOCK_CHECKED]) != check:
            return self._torn(pos, pos, -1)
        end = pos + _BLOCK_SIZE + length
        limit = min(end, size)
        rec = pos + _BLOCK_SIZE
        unpack, decode = _RECORD.unpack_from, self.decoder.decode
        for _ in range(count):
            if limit - rec < _RECORD_SIZE:
                return self._torn(pos, rec, end)
            check, length = unpack(data, rec)
            stop = rec + _RECORD_SIZE + length
            if stop > limit:
                return self._torn(pos, rec, end)
            payload = view[rec + _RECORD_SIZE:stop]
            if crc32(payload, length) != check:
                return self._torn(pos, rec, end)
            try:
                out.append(decode(payload))
            except msgspec.DecodeError as exc:
                raise CorruptJournal(
                    f"the record at byte {rec} passes its checksum but is not a command this "
                    f"siamex reads: {exc}") from None
            rec = stop
        if rec != end:
            return self._torn(pos, rec, end)
        return end

    def _torn(self, block: int, bad: int, end: int) -> int:
        """Return -1 if the damage from byte `bad` of the block at `block` (which ends at
        `end`, -1 when its header fails) is a torn tail; raise CorruptJournal if not."""
        size = len(self.data)
        if 0 <= end < size:  # a crash cannot leave bytes after the block it wrote (decision 65)
            raise CorruptJournal(
                f"the block at byte {block} is damaged at byte {bad}, and {size - end} bytes "
                "follow its end")
        later = self._next_checked(bad + 1)
        if later >= 0:
            raise CorruptJournal(
                f"the block at byte {block} is damaged at byte {bad}, and a record or block "
                f"whose checksum holds follows at byte {later}")
        return -1

    def _next_checked(self, start: int) -> int:
        """Return where the first record or block header whose checksum holds starts at or
        after `start`, or -1 (a resynchronisation: only the damaged path pays for it)."""
        data = self.data
        view = memoryview(data)
        size = len(data)
        crc32 = zlib.crc32
        check: int
        length: int
        for at in range(start, size - _RECORD_SIZE + 1):
            check, length = _RECORD.unpack_from(data, at)
            stop = at + _RECORD_SIZE + length
            if (length and stop <= size
                    and crc32(view[at + _RECORD_SIZE:stop], length) == check):
                return at
            if size - at >= _BLOCK_SIZE and data[at:at + 4] == _BLOCK_MAGIC:
                check = _LENGTH.unpack_from(data, at + _BLOCK_CHECKED)[0]
                if crc32(view[at:at + _BLOCK_CHECKED]) == check:
                    return at
        return -1


def read_journal(path: Path, decoder: msgspec.msgpack.Decoder[Any] = _decoder
                 ) -> Iterator[Any]:
    """Yield every committed record of a journal (engine `Record`s unless `decoder` reads
    another type), ignoring a torn last block."""
    return _Scan(path.read_bytes(), decoder).records()


def recover(path: Path, decoder: msgspec.msgpack.Decoder[Any] = _decoder) -> Recovered:
    """Read a journal after a crash: its committed records and the byte they end at; a
    missing file is an empty journal. Reads only: nothing is cut until a writer opens it."""
    if not path.exists():
        return Recovered([], 0)
    scan = _Scan(path.read_bytes(), decoder)
    records = list(scan.records())
    return Recovered(records, scan.good)


class JournalWriter:
    """Appends records to a journal file; `commit()` makes everything appended durable.

    Opening an existing journal recovers it (or takes `recovered`, read from it just before)
    and cuts off its torn tail; a corrupt one raises CorruptJournal before anything changes.
    """

    def __init__(self, path: Path, *, sync: bool = True,
                 recovered: Recovered | None = None) -> None:
        found = recovered if recovered is not None else recover(path)
        self.path = path
        self.sync = sync
        self.last_seq = found.last_seq
        self._records: list[bytes] = []
        created = not path.exists()
        self._file: BinaryIO = path.open("ab")
        if self._file.tell() != found.end:
            self._file.truncate(found.end)
        if found.end == 0:
            self._file.write(MAGIC)
        self._flush()
        if created and sync:
            _sync_directory(path.parent)

    def append(self, seq: int, command: Command) -> None:
        """Buffer one engine command; it is durable only after the next commit()."""
        self.append_record(seq, Record(seq, command))

    def append_record(self, seq: int, record: msgspec.Struct) -> None:
        """Buffer one record of any journal type whose first field is `seq`."""
        payload = _encoder.encode(record)
        length = len(payload)
        self._records.append(_RECORD.pack(zlib.crc32(payload, length), length) + payload)
        self.last_seq = seq

    def commit(self) -> None:
        """Write every buffered record as one block and fsync it (group commit)."""
        records = self._records
        if not records:
            return
        body = b"".join(records)
        head = _BLOCK_HEAD.pack(_BLOCK_MAGIC, len(records), len(body))
        self._file.write(head + _LENGTH.pack(zlib.crc32(head)) + body)
        records.clear()
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


def _sync_directory(folder: Path) -> None:
    """Make a new file's directory entry durable, so the journal itself survives a crash."""
    handle = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)
