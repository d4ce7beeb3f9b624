"""The exchange's secret key for investors' pseudonyms and collateral references.

An investor is named in the exchange by a keyed hash of its national id, and a collateral
asset by a keyed hash of its reference (siamex.measures.investors.pseudonym,
siamex.measures.credit.asset_ref), so that the same person or asset matches across members
while nobody without the key can turn an id back into a person. The key is a file in the
serve data folder, made of 32 random bytes on the first start, and read once at startup by the
HTTP layer; the pure measures never see it (decision 180).

Decisions (180):

- The file is `investor.key`, mode 0600, written whole to a temporary file and renamed, so a
  crash never leaves half a key; the folder's lock keeps a second server from racing.
- A key file others may read is refused rather than used: a pseudonym is only as private as
  its key. So is one that is not 32 bytes.
- The journal holds pseudonyms and hashes only, so a replay needs no key; but the key cannot
  be changed or lost without the same people and assets getting new names from then on:
  back it up with the data folder.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from pathlib import Path
from typing import Final

from siamex.errors import ErrorCode, SiamexError

__all__ = ["KEY_BYTES", "KEY_FILE", "investor_key"]

KEY_FILE: Final = "investor.key"
KEY_BYTES: Final = 32


def _create(path: Path) -> bytes:
    key = secrets.token_bytes(KEY_BYTES)
    partial = path.with_name(f"{KEY_FILE}.new")
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


def investor_key(folder: Path) -> bytes:
    """The data folder's key, made on the first start; a key file that is not 32 bytes or
    that others may read is refused (DATA_FOLDER)."""
    path = folder / KEY_FILE
    try:
        handle = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return _create(path)
    except OSError as exc:
        raise SiamexError(ErrorCode.DATA_FOLDER, f"cannot read {path}: {exc.strerror}") from None
    try:
        mode = os.fstat(handle).st_mode
        if not stat.S_ISREG(mode):
            raise SiamexError(ErrorCode.DATA_FOLDER, f"{path} is not a file")
        if mode & 0o077:
            raise SiamexError(ErrorCode.DATA_FOLDER, (
                f"{path} is open to others (mode {stat.S_IMODE(mode):o}): the investors' "
                f"key must be its owner's alone, chmod 600 {path}"))
        key = os.read(handle, KEY_BYTES + 1)
    finally:
        os.close(handle)
    if len(key) != KEY_BYTES:
        raise SiamexError(ErrorCode.DATA_FOLDER, (
            f"{path} holds {len(key)} bytes, not the {KEY_BYTES} of an investors' key: restore "
            "it from a backup (a new key renames every investor and asset)"))
    return key
