"""Rule overrides as a user gives them, and a rulebook built from them, for the trading and the
clearing rulebooks alike.

Overrides come from TOML files (`--rules`) and `name=value` pairs (`--set`), later ones winning;
a scenario's `rules` object is merged the same way by the loader. However they arrive, a name no
parameter has is refused with `UNKNOWN_PARAMETER` and a value outside its documented range with
`INVALID_PARAMETER` (decision 70), by `read_rules`, the one place that maps the two.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

from siamex.errors import ErrorCode, SiamexError
from siamex.rulebook.parameters import UnknownParameter
from siamex.units import InvalidValue, shown

__all__ = ["read_rules", "rule_overrides"]

R = TypeVar("R")
_INTEGER = re.compile(r"^-?[0-9]{1,30}\Z")  # longer digit strings stay text, refused by range


def _set_value(text: str) -> Any:
    """Read the value of a `name=value` pair: an integer, a JSON list, or else text, which each
    parameter's reader takes as a user writes it ("0.01", "09:30", "cancel_both")."""
    if _INTEGER.match(text):
        return int(text)
    if text.startswith("["):
        try:
            return json.loads(text, parse_float=str)
        except (ValueError, RecursionError):  # not JSON, a number too long, nested too deeply
            raise SiamexError(ErrorCode.INVALID_PARAMETER, f"{shown(text)} is not a JSON list"
                              ) from None
    return text


def _rule_file(path: Path) -> dict[str, Any]:
    """Read a TOML file of overrides; its decimals stay text, so no value passes a float."""
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle, parse_float=str)
    except OSError as exc:
        raise SiamexError(ErrorCode.FILE_NOT_FOUND, f"cannot read {path}: {exc.strerror}"
                          ) from None
    except ValueError as exc:  # not TOML, not UTF-8, or a number too long to read
        raise SiamexError(ErrorCode.INVALID_PARAMETER, f"{path}: not TOML: {exc}") from None
    except RecursionError:
        raise SiamexError(ErrorCode.INVALID_PARAMETER, f"{path}: not TOML: nested too deeply"
                          ) from None


def rule_overrides(files: tuple[Path, ...], pairs: tuple[str, ...]) -> dict[str, Any]:
    """Merge rulebook overrides from TOML files, then `name=value` pairs (later wins)."""
    overrides: dict[str, Any] = {}
    for path in files:
        overrides.update(_rule_file(path))
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise SiamexError(ErrorCode.INVALID_PARAMETER, f"--set wants name=value, got {pair!r}")
        overrides[name.strip()] = _set_value(value.strip())
    return overrides


def read_rules(rulebook: Callable[[Mapping[str, Any]], R], overrides: Mapping[str, Any]) -> R:
    """Build a rulebook (`Rulebook`, `ClearingRules`) from overrides, refusing a bad one with
    its stable code: every edge that reads overrides refuses them alike."""
    try:
        return rulebook(overrides)
    except UnknownParameter as exc:
        raise SiamexError(ErrorCode.UNKNOWN_PARAMETER, str(exc.args[0])) from None
    except InvalidValue as exc:
        raise SiamexError(ErrorCode.INVALID_PARAMETER, str(exc)) from None
