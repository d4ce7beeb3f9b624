"""The engine's state files and journals a command names, read with every fault a `SiamexError`.

A state file (`--save-state`) and a journal's snapshot are the engine's state as siamex wrote
it. Restoring reads them as written, so a file siamex did not write fails wherever it first
differs; whatever the failure, the file is refused whole with `STATE_FILE` (docs/cli.md).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path

import msgspec

from siamex.errors import ErrorCode, SiamexError, read_input
from siamex.journal.log import CorruptJournal
from siamex.journal.replay import replay
from siamex.trading.engine import Engine
from siamex.trading.snapshot import dump, load

__all__ = ["load_state", "rebuild", "write_state"]


@contextmanager
def _state_file(path: Path) -> Iterator[None]:
    """Refuse a state or snapshot file that is not one written by siamex."""
    try:
        yield
    except RecursionError:
        raise SiamexError(ErrorCode.STATE_FILE, f"{path} is not a siamex state file: nested "
                          "too deeply") from None
    except (msgspec.DecodeError, ValueError, LookupError, TypeError, AttributeError,
            OverflowError) as exc:
        raise SiamexError(ErrorCode.STATE_FILE,
                          f"{path} is not a siamex state file: {str(exc)[:200]}") from None


def load_state(path: Path) -> Engine:
    """Restore the engine from a state file an earlier day's `--save-state` wrote."""
    data = read_input(path)
    with _state_file(path):
        return load(data)


def write_state(engine: Engine, path: Path) -> None:
    """Write the engine's state for the next day's `--state`."""
    path.write_bytes(dump(engine))


def rebuild(journal: Path, snapshot: Path | None) -> tuple[Engine, int]:
    """Rebuild the engine from a journal, after `snapshot` when given (a torn last block is
    dropped); return it and the last sequence number run."""
    if not journal.exists():
        raise SiamexError(ErrorCode.FILE_NOT_FOUND, f"no journal at {journal}")
    if snapshot is not None and not snapshot.exists():
        raise SiamexError(ErrorCode.FILE_NOT_FOUND, f"no snapshot at {snapshot}")
    try:
        with _state_file(snapshot) if snapshot else nullcontext():
            return replay(journal, snapshot)
    except CorruptJournal as exc:
        raise SiamexError(exc.code, f"{journal}: {exc}") from None
    except OSError as exc:
        raise SiamexError(ErrorCode.FILE_NOT_FOUND, f"cannot read {exc.filename}: {exc.strerror}"
                          ) from None
