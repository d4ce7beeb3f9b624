"""Message stores: what a FIX session must keep to resume after a reconnect or a restart
(FIX 4.4 Volume 2, message recovery): the next sequence number each way and every message sent,
by sequence number, to answer a ResendRequest.

A store belongs to one session, named by the CompIDs as the member's messages carry them
(SenderCompID the member's, TargetCompID the exchange's). Each stored message may carry a `ref`:
the server puts there the journal sequence number of the command that produced it, so after a
restart `last_ref()` says which commands' messages were sent already.

`FileStore` follows QuickFIX's file store: every change is appended to one file per session and
written out of the process (write + flush) before the call returns, or, while the server holds
the store for a batch, before any message of the batch is sent, so a killed process loses
nothing that was sent (what it held unsent, the server's restart stores again from the
journal); fsync, which makes it survive a power cut too, is a flag and off by default. Records
carry a CRC-32, so a record torn by the kill is found and dropped when the file is reopened.
"""

from __future__ import annotations

import os
import struct
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO, Final, Protocol

__all__ = [
    "CorruptStore",
    "FileStore",
    "MemoryStore",
    "MessageStore",
    "memory_stores",
    "store_name",
]


class MessageStore(Protocol):
    """The state of one FIX session that outlives its connection."""

    def next_in(self) -> int:
        """The MsgSeqNum expected on the next incoming message."""
        ...

    def next_out(self) -> int:
        """The MsgSeqNum of the next outgoing message."""
        ...

    def set_next_in(self, seq: int) -> None:
        """Record the MsgSeqNum expected next from the other side."""
        ...

    def set_next_out(self, seq: int) -> None:
        """Record the MsgSeqNum of the next outgoing message (one not stored: a session
        message, which a resend replaces with a gap fill)."""
        ...

    def save(self, seq: int, raw: bytes, ref: int | None = None) -> None:
        """Store an outgoing message sent as `seq`; the next outgoing number becomes seq + 1."""
        ...

    def get(self, begin: int, end: int) -> list[tuple[int, bytes]]:
        """Return the stored messages numbered `begin` to `end`, both included, in order."""
        ...

    def last_ref(self) -> int | None:
        """The `ref` of the last stored message that carried one; a reset keeps it."""
        ...

    def reset(self) -> None:
        """Start both sequences again at 1 and forget the messages (ResetSeqNumFlag)."""
        ...


class MemoryStore:
    """A store in memory: it survives a reconnect, not a restart."""

    def __init__(self) -> None:
        self._next_in = 1
        self._next_out = 1
        self._messages: dict[int, bytes] = {}
        self._last_ref: int | None = None

    def next_in(self) -> int:
        return self._next_in

    def next_out(self) -> int:
        return self._next_out

    def set_next_in(self, seq: int) -> None:
        self._next_in = seq

    def set_next_out(self, seq: int) -> None:
        self._next_out = seq

    def save(self, seq: int, raw: bytes, ref: int | None = None) -> None:
        self._messages[seq] = raw
        self._next_out = seq + 1
        if ref is not None:
            self._last_ref = ref

    def get(self, begin: int, end: int) -> list[tuple[int, bytes]]:
        messages = self._messages
        last = min(end, self._next_out - 1)
        return [(seq, messages[seq]) for seq in range(max(begin, 1), last + 1) if seq in messages]

    def last_ref(self) -> int | None:
        return self._last_ref

    def reset(self) -> None:
        self._next_in = self._next_out = 1
        self._messages.clear()


def memory_stores() -> Callable[[str, str], MemoryStore]:
    """Return a store factory that gives each CompID pair one MemoryStore, kept for reconnects."""
    stores: dict[tuple[str, str], MemoryStore] = {}

    def store(sender_comp_id: str, target_comp_id: str) -> MemoryStore:
        return stores.setdefault((sender_comp_id, target_comp_id), MemoryStore())

    return store


class CorruptStore(ValueError):
    """A store file damaged elsewhere than in its last record: not what a crash leaves."""


_SAFE: Final = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")


def store_name(sender_comp_id: str, target_comp_id: str) -> str:
    """Name a session's store file: each character outside [A-Za-z0-9_-] becomes %XX per UTF-8
    byte, so no CompID can reach outside the folder or collide with another pair's file."""
    def escape(comp_id: str) -> str:
        return "".join(c if c in _SAFE else "".join(f"%{b:02X}" for b in c.encode())
                       for c in comp_id)

    return f"{escape(sender_comp_id)}.{escape(target_comp_id)}.fixstore"


# A file is a sequence of records: CRC-32 | length | payload, the CRC over the payload continued
# from the length (as the journal's records). The first byte of a payload names its kind:
_RECORD: Final = struct.Struct("<II")
_RESET: Final = struct.Struct("<c?q")  # b"R", has ref, ref: the first record of every file
_SEQ: Final = struct.Struct("<cQ")  # b"I" next incoming, b"O" next outgoing
_MESSAGE: Final = struct.Struct("<cQ?q")  # b"M", seq, has ref, ref; the raw message follows


class FileStore:
    """A store in one append-only file per session, in `folder` (created if missing).

    The file is read whole when opened, and the stored messages' places kept in memory; their
    bytes are read back from the file for a resend.
    """

    def __init__(self, folder: Path, sender_comp_id: str, target_comp_id: str, *,
                 fsync: bool = False) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / store_name(sender_comp_id, target_comp_id)
        self.fsync = fsync
        self._next_in = 1
        self._next_out = 1
        self._index: dict[int, tuple[int, int]] = {}  # seq -> where its raw bytes are
        self._last_ref: int | None = None
        self.held = False
        """While True, writes wait in the process's buffer for `release` (one write per batch)."""
        if not self.path.exists():
            self._create()
        self._size = self._load()
        self._file: BinaryIO = self.path.open("r+b")
        if self._file.seek(0, os.SEEK_END) != self._size:
            self._file.truncate(self._size)
            self._file.seek(self._size)

    def next_in(self) -> int:
        return self._next_in

    def next_out(self) -> int:
        return self._next_out

    def set_next_in(self, seq: int) -> None:
        self._append(_SEQ.pack(b"I", seq))
        self._next_in = seq

    def set_next_out(self, seq: int) -> None:
        self._append(_SEQ.pack(b"O", seq))
        self._next_out = seq

    def save(self, seq: int, raw: bytes, ref: int | None = None) -> None:
        head = _MESSAGE.pack(b"M", seq, ref is not None, ref or 0)
        at = self._append(head + raw)
        self._index[seq] = (at + len(head), len(raw))
        self._next_out = seq + 1
        if ref is not None:
            self._last_ref = ref

    def hold(self) -> None:
        """Keep the following writes in the process until `release`: the server holds a batch's
        messages and writes them out once, before any of them reaches a socket."""
        self.held = True

    def release(self) -> None:
        """Write out what `hold` kept, and go back to writing each record at once."""
        self._file.flush()
        if self.fsync:
            os.fsync(self._file.fileno())
        self.held = False

    def get(self, begin: int, end: int) -> list[tuple[int, bytes]]:
        self._file.flush()
        index = self._index
        handle = self._file.fileno()
        last = min(end, self._next_out - 1)
        found = [(seq, index[seq]) for seq in range(max(begin, 1), last + 1) if seq in index]
        return [(seq, os.pread(handle, length, at)) for seq, (at, length) in found]

    def last_ref(self) -> int | None:
        return self._last_ref

    def reset(self) -> None:
        """Replace the file with a fresh one, atomically (a crash leaves the old or the new)."""
        self._file.close()
        self._create()
        self._file = self.path.open("r+b")
        self._size = self._file.seek(0, os.SEEK_END)
        self._next_in = self._next_out = 1
        self._index.clear()

    def close(self) -> None:
        """Close the file, writing out what a hold kept."""
        self._file.close()

    def __enter__(self) -> FileStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _create(self) -> None:
        """Write a file holding only a reset record (carrying `last_ref`) in place of the path."""
        fresh = self.path.with_name(self.path.name + ".new")
        with fresh.open("wb") as file:
            file.write(_record(_RESET.pack(b"R", self._last_ref is not None,
                                           self._last_ref or 0)))
            file.flush()
            if self.fsync:
                os.fsync(file.fileno())
        os.replace(fresh, self.path)
        if self.fsync:  # make the rename itself durable
            handle = os.open(self.path.parent, os.O_RDONLY)
            try:
                os.fsync(handle)
            finally:
                os.close(handle)

    def _append(self, payload: bytes) -> int:
        """Write one record and flush it out of the process, unless held; return where its
        payload starts."""
        at = self._size + _RECORD.size
        record = _record(payload)
        self._file.write(record)
        if not self.held:
            self._file.flush()
            if self.fsync:
                os.fsync(self._file.fileno())
        self._size += len(record)
        return at

    def _load(self) -> int:
        """Replay the file into memory; return the end of its last whole record."""
        data = self.path.read_bytes()
        size = len(data)
        pos = 0
        while pos < size:
            if size - pos < _RECORD.size:
                return pos  # a torn last record: dropped
            check, length = _RECORD.unpack_from(data, pos)
            end = pos + _RECORD.size + length
            if end > size:
                return pos  # a torn last record (or a damaged length: taken for one)
            payload = data[pos + _RECORD.size:end]
            if not length or zlib.crc32(payload, length) != check:
                if end < size and data[pos:].strip(b"\0"):
                    raise CorruptStore(f"{self.path}: the record at byte {pos} is damaged and "
                                       f"{size - end} bytes follow it")
                return pos  # a torn last record, or the zeros a crash can leave: dropped
            self._apply(payload, pos + _RECORD.size)
            pos = end
        return pos

    def _apply(self, payload: bytes, at: int) -> None:
        kind = payload[:1]
        if kind == b"M":
            _, seq, has_ref, ref = _MESSAGE.unpack_from(payload)
            self._index[seq] = (at + _MESSAGE.size, len(payload) - _MESSAGE.size)
            self._next_out = seq + 1
            if has_ref:
                self._last_ref = ref
        elif kind == b"I":
            self._next_in = _SEQ.unpack(payload)[1]
        elif kind == b"O":
            self._next_out = _SEQ.unpack(payload)[1]
        elif kind == b"R":
            _, has_ref, ref = _RESET.unpack(payload)
            self._last_ref = ref if has_ref else None
        else:
            raise CorruptStore(f"{self.path}: a record of unknown kind {kind!r} at byte {at}")


def _record(payload: bytes) -> bytes:
    return _RECORD.pack(zlib.crc32(payload, len(payload)), len(payload)) + payload
