"""The exchange's secret key for investors' pseudonyms and collateral references.

An investor is named in the exchange by a keyed hash of its national id, and a collateral
asset by a keyed hash of its reference (siamex.measures.investors.pseudonym,
siamex.measures.credit.asset_ref), so that the same person or asset matches across members
while nobody without the key can turn an id back into a person. The key is a file in the
serve data folder, made of 32 random bytes on the first start, and read once at startup by the
HTTP layer; the pure measures never see it (decision 180).

Decisions (180):

- The file is `investor.key`, mode 0600, written whole to a temporary file and renamed, so a
  crash never leaves half a key (siamex.gateway.key_file); the folder's lock keeps a second
  server from racing.
- A key file others may read is refused rather than used: a pseudonym is only as private as
  its key. So is one that is not 32 bytes.
- The journal holds pseudonyms and hashes only, so a replay needs no key; but the key cannot
  be changed or lost without the same people and assets getting new names from then on:
  back it up with the data folder.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

from siamex.errors import ErrorCode
from siamex.gateway.key_file import KEY_BYTES, create_key, read_key

__all__ = ["KEY_BYTES", "KEY_FILE", "investor_key"]

KEY_FILE: Final = "investor.key"


def investor_key(folder: Path) -> bytes:
    """The data folder's key, made on the first start; a key file that is not 32 bytes or
    that others may read is refused (DATA_FOLDER)."""
    path = folder / KEY_FILE
    key = read_key(path, ErrorCode.DATA_FOLDER, "the investors' key",
                   "restore it from a backup (a new key renames every investor and asset)")
    return key if key is not None else create_key(path)
