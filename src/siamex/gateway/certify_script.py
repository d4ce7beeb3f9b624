"""The exchange's certification script as siamex ships it (docs/certify.md): `siamex certify`
runs it, and the registry takes a report as an ORS's "tested" step only if it is of this
script, so that a run of an easier script signed with the exchange's key is never taken
(decision 201). It lives with the gateway's data because the registry is the gateway's."""

from __future__ import annotations

import functools
import hashlib
from importlib import resources
from typing import Final

__all__ = ["SCRIPT_FILE", "script_bytes", "script_sha256"]

SCRIPT_FILE: Final = "certify-set-ors-1.toml"


def script_bytes() -> bytes:
    """The bundled script's file, as read by `siamex certify run`."""
    return resources.files("siamex.gateway.data").joinpath(SCRIPT_FILE).read_bytes()


@functools.cache
def script_sha256() -> str:
    """The SHA-256 a report's `script.sha256` must carry for the registry to take it."""
    return hashlib.sha256(script_bytes()).hexdigest()
