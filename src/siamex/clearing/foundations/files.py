"""Reading the clearing house's JSON input files, every fault a SiamexError.

One reader so that every file edge refuses the same bad input the same way: a file that cannot
be read is `FILE_NOT_FOUND`; one that is not UTF-8, not JSON, too deeply nested, or holding a
string that is not Unicode text (a lone surrogate escape such as "\\ud800", which no store or
report could write) is the file's own code with "not JSON". msgspec's decoder refuses all of
these itself, where the standard library's would let a lone surrogate through.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import msgspec

from siamex.errors import ErrorCode, SiamexError, read_input

__all__ = ["csv_rows", "decode_json", "read_json", "write_tables"]


def csv_rows(reader: Iterator[list[str]], columns: Sequence[str], code: ErrorCode
             ) -> Iterator[tuple[int, list[str]]]:
    """A CSV file's rows after its header, numbered by line: the header must be `columns`
    exactly and every row must have as many, else `code` naming the line."""
    header = next(reader, None)
    if header is None or tuple(header) != tuple(columns):
        raise SiamexError(code, f"line 1: the header must be {','.join(columns)}")
    for line, row in enumerate(reader, 2):
        if len(row) != len(columns):
            raise SiamexError(code, f"line {line}: {len(columns)} columns expected, "
                                    f"got {len(row)}")
        yield line, row


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
    raw = read_input(path)
    try:
        return decode_json(raw, parse_float)
    except ValueError as exc:
        raise SiamexError(code, f"{path}: not JSON: {exc}") from None


def write_tables(folder: Path, tables: Mapping[str, Sequence[Mapping[str, object]]],
                 columns: Mapping[str, Sequence[str]]) -> list[Path]:
    """Write one CSV file per table into `folder` (made if missing), its columns in order:
    booleans as true/false and None as empty, as a spreadsheet reads them. Returns the paths."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, rows in tables.items():
        path = folder / f"{name}.csv"
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=columns[name], lineterminator="\n")
            writer.writeheader()
            writer.writerows({k: "" if v is None else str(v).lower() if isinstance(v, bool)
                              else v for k, v in row.items()} for row in rows)
        paths.append(path)
    return paths
