"""Recovery: a snapshot, then the journal records after it, to the same state (pillar 2)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import msgspec

from siamex.journal.log import Record, read_journal
from siamex.journal.sequencer import Handler
from siamex.trading.engine import Engine
from siamex.trading.snapshot import restore, snapshot

__all__ = ["apply_records", "load_snapshot", "replay", "save_snapshot"]


def save_snapshot(engine: Engine, seq: int, path: Path) -> None:
    """Write the engine's state as of journal sequence number `seq`."""
    path.write_bytes(msgspec.json.encode({"seq": seq, "state": snapshot(engine)}))


def load_snapshot(path: Path) -> tuple[Engine, int]:
    """Read a snapshot file: the engine and the journal sequence number it covers."""
    data: dict[str, Any] = msgspec.json.decode(path.read_bytes())
    return restore(data["state"]), int(data["seq"])


def replay(journal: Path, snapshot_path: Path | None = None) -> tuple[Engine, int]:
    """Rebuild the engine from an optional snapshot and the journal; return it and the last seq."""
    engine, last = load_snapshot(snapshot_path) if snapshot_path else (Engine(), 0)
    return engine, apply_records(engine, read_journal(journal), last)


def apply_records(engine: Handler, records: Iterable[Record], after: int) -> int:
    """Run every record after sequence number `after` (a snapshot's); return the last one run."""
    last = after
    for record in records:
        seq = record.seq
        if seq > last:
            engine.handle(record.command)
            last = seq
    return last
