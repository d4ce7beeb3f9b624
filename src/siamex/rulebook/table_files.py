"""Decoding the rulebook's TOML tables (products, margin, collateral, client levels, foreign
calendars, the measures' fines) the same way: one fault anywhere refuses the file whole, with
the table's own error code and a sentence saying what the file should hold."""

from __future__ import annotations

from typing import TypeVar

import msgspec

from siamex.errors import ErrorCode, SiamexError

__all__ = ["decode_table"]

T = TypeVar("T")


def decode_table(raw: bytes, kind: type[T], code: ErrorCode, where: str, what: str,
                 hint: str = "") -> T:
    """Decode a table's TOML text into `kind`; anything msgspec refuses (not TOML, not UTF-8,
    a wrong type, a float where exact text is wanted, nesting too deep) is `code`, naming
    `where` and `what` the file should be, with `hint` on how to write it."""
    try:
        return msgspec.toml.decode(raw, type=kind)
    except (msgspec.DecodeError, UnicodeDecodeError, RecursionError) as exc:
        reason = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)
        advice = f" ({hint})" if hint else ""
        raise SiamexError(code, f"{where}: not a {what}: {reason}{advice}") from None
