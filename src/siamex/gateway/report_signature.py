"""The certification key and the signature of a certification report (docs/certify.md,
"The report").

A report is signed so that one edited after the run is detected: an HMAC-SHA256, under the
exchange's certification key, of the report's canonical JSON without its `signature`. The
signature is over the document as data, not over its file's bytes, so a report may be indented
for reading and still verify. This module is in the gateway, below siamex.certify, because the
registry of `siamex serve` verifies a report before it takes it as an ORS's "tested" step
(siamex.gateway.operations) and must not depend on the session that wrote it.

Decisions (docs/certify.md, "The report"):

- The key is the data folder's `certify.key`, 32 random bytes kept as the investors' key is
  (siamex.gateway.key_file); a refused key is CERTIFY_KEY.
- The canonical form is JSON with sorted keys, no spaces, UTF-8 unescaped, as msgspec writes
  it: a report holds no floats, so no number has two spellings.
- `key_id` (the first 16 hex digits of the key's SHA-256) names the key without revealing it,
  so that a report signed by another exchange's key is told apart from an altered one.
"""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path
from typing import Any, Final

import msgspec

from siamex.errors import ErrorCode, SiamexError
from siamex.gateway.key_file import create_key, read_key
from siamex.units import shown

__all__ = ["ALGORITHM", "KEY_FILE", "canonical", "certify_key", "check_signature", "digest",
           "key_id", "sign"]

KEY_FILE: Final = "certify.key"
"""The certification key's file in a data folder."""
ALGORITHM: Final = "HMAC-SHA256"
_ENCODER = msgspec.json.Encoder(order="sorted")


def certify_key(path: Path, *, create: bool) -> bytes:
    """The certification key at `path`, made there if missing and `create`; a missing key
    otherwise, or a file that is no key or that others may read, is refused (CERTIFY_KEY)."""
    key = read_key(path, ErrorCode.CERTIFY_KEY, "a certification key",
                   "restore it from a backup, or remove it to make a new one (the reports "
                   "signed with the old key then no longer verify)")
    if key is not None:
        return key
    if not create:
        raise SiamexError(ErrorCode.CERTIFY_KEY, f"no certification key at {path}")
    return create_key(path)


def key_id(key: bytes) -> str:
    """The key's public name: the first 16 hex digits of its SHA-256."""
    return hashlib.sha256(key).hexdigest()[:16]


def canonical(document: dict[str, Any]) -> bytes:
    """The document as JSON with sorted keys and no spaces, in UTF-8: the bytes signed."""
    return _ENCODER.encode(document)


def digest(document: dict[str, Any]) -> str:
    """The SHA-256 of the whole document's canonical form, its signature included: the
    report's name in the registry's journal, whatever the spacing of the file it came in."""
    return hashlib.sha256(canonical(document)).hexdigest()


def _mac(document: dict[str, Any], key: bytes) -> str:
    unsigned = {name: value for name, value in document.items() if name != "signature"}
    return hmac.new(key, canonical(unsigned), hashlib.sha256).hexdigest()


def sign(document: dict[str, Any], key: bytes) -> dict[str, str]:
    """The `signature` object of a document: HMAC-SHA256 over its canonical form without
    its own `signature`."""
    return {"algorithm": ALGORITHM, "key_id": key_id(key), "value": _mac(document, key)}


def check_signature(document: dict[str, Any], key: bytes) -> str | None:
    """None when the document carries a signature made by `key` over exactly its content,
    else why not."""
    signature = document.get("signature")
    if signature is None:
        return "the report is not signed"
    if not isinstance(signature, dict) or not all(
            isinstance(signature.get(name), str) for name in ("algorithm", "key_id", "value")):
        return "the signature is not an object of algorithm, key_id and value"
    if signature["algorithm"] != ALGORITHM:
        return f"the signature's algorithm is {shown(signature['algorithm'])}, not {ALGORITHM}"
    if not hmac.compare_digest(signature["key_id"].encode(), key_id(key).encode()):
        return (f"the report was signed with another key (key_id {shown(signature['key_id'])}, "
                f"this key's is {key_id(key)})")
    if not hmac.compare_digest(signature["value"].encode(), _mac(document, key).encode()):
        return "the report was altered after it was signed: its signature does not match"
    return None
