"""Reading a CSV export safely: refuse garbage before anything is parsed, row by row after.

The rules match the ticket import's: a binary file, text that is not UTF-8, a line longer than
1 MB or a field longer than the csv module's limit refuse the whole file with a clear message;
cells that a spreadsheet would run as a formula (starting ``=``, ``+``, ``-``, ``@``, tab or
carriage return) are neutralised with a leading apostrophe when stored as text.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO
from zoneinfo import ZoneInfo

MAX_LINE_CHARS = 1_000_000
SNIFF_BYTES = 8192
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class ImportRefused(ValueError):
    """The whole file is refused; the message says why and what to do."""


@dataclass(frozen=True)
class CsvRow:
    """One data row: its line number in the file (1 is the header) and its cells by column."""

    line: int
    cells: dict[str, str]


def normalise_header(name: str) -> str:
    """ "Answered At" -> "answered_at"; used to match columns and their aliases."""
    return re.sub(r"[^a-z0-9]+", "_", name.strip().lower()).strip("_")


def neutralise(text: str) -> tuple[str, bool]:
    """Text safe to open in a spreadsheet, and whether it had to be changed."""
    if text.startswith(FORMULA_START):
        return "'" + text, True
    return text, False


def _check_bytes(path: Path) -> None:
    try:
        with path.open("rb") as raw:
            head = raw.read(SNIFF_BYTES)
    except FileNotFoundError:
        raise ImportRefused(f"{path}: no such file") from None
    except OSError as exc:
        raise ImportRefused(f"{path}: cannot be read ({exc.strerror or exc})") from None
    if not head.strip():
        raise ImportRefused(f"{path.name}: the file is empty")
    if b"\x00" in head:
        raise ImportRefused(
            f"{path.name}: this is a binary file, not a CSV export (is it an .xlsx? save it as "
            "CSV UTF-8 first)"
        )


def _lines(handle: IO[str], name: str) -> Iterator[str]:
    number = 0
    while True:
        try:
            line = handle.readline(MAX_LINE_CHARS + 1)
        except UnicodeDecodeError:
            raise ImportRefused(
                f"{name}: line {number + 1} is not UTF-8 text; save the file as CSV UTF-8"
            ) from None
        if not line:
            return
        number += 1
        if len(line) > MAX_LINE_CHARS:
            raise ImportRefused(
                f"{name}: line {number} is longer than {MAX_LINE_CHARS:,} characters; this "
                "does not look like a survey export"
            )
        yield line


def _delimiter(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in (",", ";", "\t")}
    return max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","


def read_rows(path: Path | str) -> tuple[list[str], Iterator[CsvRow]]:
    """The normalised header and an iterator over the data rows of ``path``.

    Blank lines are skipped. A row with more cells than the header is reported by the caller
    (its extra cells land under the key ``""``).

    Raises:
        ImportRefused: the file is missing, empty, binary, not UTF-8, has an overlong line or
            field, or has no header. Raised by the iterator for problems further down.
    """
    path = Path(path)
    _check_bytes(path)
    handle = path.open("r", encoding="utf-8-sig", errors="strict", newline="")
    lines = _lines(handle, path.name)
    try:
        first = next(lines)
    except StopIteration:
        handle.close()
        raise ImportRefused(f"{path.name}: the file is empty") from None
    except ImportRefused:
        handle.close()
        raise
    delimiter = _delimiter(first)

    def all_lines() -> Iterator[str]:
        yield first
        yield from lines

    reader = csv.reader(all_lines(), delimiter=delimiter)
    try:
        header = [normalise_header(h) for h in next(reader)]
    except csv.Error as exc:
        handle.close()
        raise ImportRefused(f"{path.name}: the header cannot be read ({exc})") from None
    if not any(header):
        handle.close()
        raise ImportRefused(f"{path.name}: the first line must name the columns")

    def rows() -> Iterator[CsvRow]:
        try:
            while True:
                try:
                    cells = next(reader)
                except StopIteration:
                    return
                except csv.Error as exc:
                    raise ImportRefused(
                        f"{path.name}: line {reader.line_num} cannot be read ({exc})"
                    ) from None
                if not any(c.strip() for c in cells):
                    continue
                row = {h: c.strip() for h, c in zip(header, cells, strict=False) if h}
                if len(cells) > len(header):
                    row[""] = ",".join(cells[len(header) :])
                yield CsvRow(reader.line_num, row)
        finally:
            handle.close()

    return header, rows()


def parse_when(text: str, default_tz: str) -> datetime:
    """An ISO 8601 date-time (``2026-11-02T09:30:00+01:00``, ``... 09:30Z``); without an
    offset it is read in ``default_tz`` (the team's zone). A bare date means its midnight.

    Raises:
        ValueError: anything else, with the expected form.
    """
    value = text.strip()
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(
            f"'{text}' is not a date and time like 2026-11-02 09:30 or 2026-11-02T09:30:00+01:00"
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=ZoneInfo(default_tz))
    return parsed


def parse_int(text: str, name: str, low: int, high: int) -> int:
    """An integer score in ``[low, high]`` ("4", "4.0").

    Raises:
        ValueError: not a whole number in range, naming the column.
    """
    try:
        number = float(text.replace(",", "."))
    except ValueError:
        raise ValueError(f"{name} '{text}' is not a number") from None
    if not number.is_integer() or not low <= number <= high:
        raise ValueError(f"{name} must be a whole number from {low} to {high}, not '{text}'")
    return int(number)
