"""Reading the clearing house's JSON input files, every fault a SiamexError.

One reader so that every file edge refuses the same bad input the same way: a file that cannot
be read is `FILE_NOT_FOUND`; one that is not UTF-8, not JSON, too deeply nested, or holding a
string that is not Unicode text (a lone surrogate escape such as "\\ud800", which no store or
report could write) is the file's own code with "not JSON". msgspec's decoder refuses all of
these itself, where the standard library's would let a lone surrogate through.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import msgspec

from siamex.errors import ErrorCode, SiamexError

__all__ = ["decode_json", "read_json"]


def decode_json(text: bytes | str, parse_float: Callable[[str], Any] | None = None) -> Any:
    """Decode one JSON document; `parse_float` reads a number with a fraction or exponent
    (None keeps binary floats, which the readers then refuse where money is expected).
    Raises ValueError, saying why, for anything the file edges refuse."""
    try:
        return msgspec.json.Decoder(float_hook=parse_float).decode(text)
    except (msgspec.DecodeError, UnicodeDecodeError) as exc:
        raise ValueError(str(exc)) from None
    except RecursionError:
        raise ValueError("nested too deeply") from None


def read_json(path: Path, code: ErrorCode,
              parse_float: Callable[[str], Any] | None = None) -> Any:
    """Parse a JSON file (`decode_json`), its faults refused with `code`."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise SiamexError(ErrorCode.FILE_NOT_FOUND, f"cannot read {path}: {exc.strerror}"
                          ) from None
    try:
        return decode_json(raw, parse_float)
    except ValueError as exc:
        raise SiamexError(code, f"{path}: not JSON: {exc}") from None
