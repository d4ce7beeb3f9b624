"""Reading the clearing house's JSON input files, every fault a SiamexError.

One reader so that every file edge refuses the same bad input the same way: a file that cannot
be read is `FILE_NOT_FOUND`; one that is not UTF-8, not JSON, too deeply nested or holding a
number too long to convert is the file's own code with "not JSON".
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from siamex.errors import ErrorCode, SiamexError

__all__ = ["read_json"]


def read_json(path: Path, code: ErrorCode,
              parse_float: Callable[[str], Any] | None = None) -> Any:
    """Parse a JSON file; `parse_float` as json.loads (None keeps binary floats, which the
    readers then refuse where money is expected)."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise SiamexError(ErrorCode.FILE_NOT_FOUND, f"cannot read {path}: {exc.strerror}"
                          ) from None
    try:
        return json.loads(raw.decode("utf-8"), parse_float=parse_float)
    except (ValueError, RecursionError) as exc:  # not UTF-8, not JSON, too long or too deep
        raise SiamexError(code, f"{path}: not JSON: {exc}") from None
