"""A secret key of 32 random bytes in a file of the data folder: the investors' key
(siamex.gateway.investor_key) and the certification key (siamex.gateway.report_signature).

Both keep the same rules (decision 180): the file is written whole to a temporary file and
renamed, so a crash never leaves half a key; it is mode 0600, and one others may read is
refused rather than used, as is one of the wrong size. What a refusal is called and what the
owner should do about a lost key differ, so the caller names them.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from pathlib import Path
from typing import Final

from siamex.errors import ErrorCode, SiamexError

__all__ = ["KEY_BYTES", "create_key", "read_key"]

KEY_BYTES: Final = 32


def create_key(path: Path) -> bytes:
    """Make a new key at `path` (which must not exist), durable before it is returned."""
    key = secrets.token_bytes(KEY_BYTES)
    partial = path.with_name(f"{path.name}.new")
    with contextlib.suppress(FileNotFoundError):
        partial.unlink()  # left by a crash before the rename: never used
    handle = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(handle, key)
        os.fsync(handle)
    finally:
        os.close(handle)
    partial.rename(path)
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)
    return key


def read_key(path: Path, code: ErrorCode, name: str, remedy: str) -> bytes | None:
    """The key at `path`, or None when there is no file; a file that is no key, or that others
    may read, is refused with `code`. `name` names the key in the refusal ("the investors'
    key") and `remedy` says what to do about a key of the wrong size."""
    try:
        handle = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise SiamexError(code, f"cannot read {path}: {exc.strerror}") from None
    try:
        mode = os.fstat(handle).st_mode
        if not stat.S_ISREG(mode):
            raise SiamexError(code, f"{path} is not a file")
        if mode & 0o077:
            raise SiamexError(code, (
                f"{path} is open to others (mode {stat.S_IMODE(mode):o}): {name} must be its "
                f"owner's alone, chmod 600 {path}"))
        key = os.read(handle, KEY_BYTES + 1)
    finally:
        os.close(handle)
    if len(key) != KEY_BYTES:
        raise SiamexError(code, (
            f"{path} holds {len(key)} bytes, not the {KEY_BYTES} of {name}: {remedy}"))
    return key
