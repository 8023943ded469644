"""The files of a run directory: CSV journals parsed line by line, and durable writes."""

from __future__ import annotations

import csv
import io
import math
import os
import tempfile
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, BinaryIO

import pandas as pd

from ._column import Column, column_names
from ._schema import CELL_KEY, OUTCOMES, STATUSES, SUMMARY_COLUMNS, TRACE_COLUMNS

__all__ = [
    "SUMMARY_FILE",
    "TRACE_FILE",
    "ResultsCorruptedError",
    "atomic_write",
    "atomic_write_text",
    "csv_lines",
    "fsync_dir",
    "read_rows",
    "read_summary",
    "read_trace",
]

SUMMARY_FILE, TRACE_FILE = "summary.csv", "trace.csv"


class ResultsCorruptedError(ValueError):
    """A results file does not follow the schema; the message names the file and line."""


def fsync_dir(path: Path) -> None:
    """Make a directory's entries (a rename, a new file) durable; a no-op where unsupported."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # pragma: no cover - e.g. Windows
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so that readers see the old file or the new one, never half.

    The data is fsynced before the rename and the directory after it, so the new file
    survives a power cut as well as a ``kill -9``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "note.txt"
    >>> atomic_write_text(target, "hello")
    >>> target.read_text()
    'hello'
    """
    atomic_write(path, lambda handle: handle.write(text.encode("utf-8")))


def atomic_write(path: Path, write: Callable[[BinaryIO], Any]) -> None:
    """Create ``path`` atomically and durably from ``write(handle)`` on a binary file.

    The content goes to a temporary file beside ``path`` (``.<name>.*.tmp``), is fsynced,
    renamed over ``path``, and the directory is fsynced; on any error the temporary file is
    removed and ``path`` is left as it was.
    """
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)


def _format(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and math.isnan(value):
        return "nan"
    if isinstance(value, str):
        return " ".join(value.split())  # one line, always
    return str(value)


def csv_lines(rows: Iterable[Mapping[str, Any]], columns: tuple[Column, ...]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for row in rows:
        writer.writerow([_format(row.get(c.name)) for c in columns])
    return buffer.getvalue()


def _parse(value: str, column: Column) -> Any:
    if value == "":
        return None
    if column.dtype == "int":
        return int(value)
    if column.dtype == "float":
        return float(value)
    if column.dtype == "bool":
        if value not in ("True", "False"):
            raise ValueError(value)
        return value == "True"
    return value


def _line_fields(path: Path, lineno: int, line: str) -> list[str]:
    try:
        return next(csv.reader([line], strict=True)) if line else []
    except csv.Error as err:
        raise ResultsCorruptedError(
            f"{path} line {lineno}: not a valid CSV line ({err})."
        ) from None


def _check_row(path: Path, lineno: int, row: dict, seen: dict[tuple, int]) -> None:
    """Reject what only a hand edit (never a crash) leaves: empty keys, bad status, repeats."""
    unique = CELL_KEY + (("iteration",) if "iteration" in row else ())
    for name in unique:
        if row[name] is None:
            raise ResultsCorruptedError(f"{path} line {lineno}: column {name!r} is empty.")
    if "status" in row and row["status"] not in STATUSES:
        raise ResultsCorruptedError(
            f"{path} line {lineno}: status {row['status']!r} is not one of {list(STATUSES)}."
        )
    if row.get("outcome") not in (None, *OUTCOMES):
        raise ResultsCorruptedError(
            f"{path} line {lineno}: outcome {row['outcome']!r} is not one of {list(OUTCOMES)}."
        )
    key = tuple(row[name] for name in unique)
    if key in seen:
        raise ResultsCorruptedError(
            f"{path} line {lineno}: repeats the row of line {seen[key]} ({', '.join(unique)} "
            f"= {key}); the file was edited or written by two runs at once."
        )
    seen[key] = lineno


def read_rows(path: Path, columns: tuple[Column, ...], *, repair: bool) -> tuple[list[dict], str]:
    """Parse ``path`` against ``columns``: ``(rows, text read)``.

    With ``repair`` a torn last line (what ``kill -9`` during an append leaves) is dropped;
    without it, it is an error. A header that is a prefix of ``columns`` (a file written
    before newer columns were appended to the schema) is accepted: the missing columns
    read as empty. Anything else off-schema is an error naming file and line.
    """
    names = column_names(columns)
    try:
        text = path.read_text(encoding="utf-8") if path.exists() else ""
    except UnicodeDecodeError as err:
        line = path.read_bytes()[: err.start].count(b"\n") + 1
        raise ResultsCorruptedError(
            f"{path} line {line}: the file is not UTF-8 text; it was edited or damaged "
            "outside nemos-bench."
        ) from None
    if not text:
        return [], text
    lines = text.split("\n")
    torn = lines.pop()  # "" when the file ends with a newline
    if torn and not repair:
        raise ResultsCorruptedError(
            f"{path} line {len(lines) + 1}: the last line is incomplete (no newline); "
            "rerun the same command to repair it, or delete that line."
        )
    header = _line_fields(path, 1, lines[0]) if lines else []
    # Columns are append-only, so a file written by an older nemos-bench has a header that
    # is a prefix of today's: its rows load with the newer columns empty.
    if not header or header != names[: len(header)]:
        raise ResultsCorruptedError(
            f"{path} line 1: header {header} does not match the schema {names}; "
            "the file was edited or written by another version of nemos-bench."
        )
    present = columns[: len(header)]
    rows: list[dict] = []
    seen: dict[tuple, int] = {}
    for lineno, line in enumerate(lines[1:], start=2):
        fields = _line_fields(path, lineno, line)
        if len(fields) != len(present):
            raise ResultsCorruptedError(
                f"{path} line {lineno}: expected {len(present)} fields, found {len(fields)}."
            )
        row = dict.fromkeys(names)
        for value, column in zip(fields, present, strict=True):
            try:
                row[column.name] = _parse(value, column)
            except ValueError:
                raise ResultsCorruptedError(
                    f"{path} line {lineno}: column {column.name!r} holds {value!r}, "
                    f"which is not a valid {column.dtype}."
                ) from None
        _check_row(path, lineno, row, seen)
        rows.append(row)
    return rows, text


def _frame(rows: list[dict], columns: tuple[Column, ...]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=column_names(columns))
    for column in columns:
        if column.dtype == "float":
            frame[column.name] = pd.to_numeric(frame[column.name], errors="coerce").astype(float)
        elif column.dtype == "int":
            frame[column.name] = frame[column.name].astype("Int64")
        elif column.dtype == "bool":
            frame[column.name] = frame[column.name].astype("boolean")
    return frame


def read_summary(run_dir: str | Path) -> pd.DataFrame:
    """Load ``summary.csv`` of a run, checked against the schema.

    Raises
    ------
    ResultsCorruptedError
        Naming the file and line of the first problem found.
    """
    rows, _ = read_rows(Path(run_dir) / SUMMARY_FILE, SUMMARY_COLUMNS, repair=False)
    return _frame(rows, SUMMARY_COLUMNS)


def read_trace(run_dir: str | Path) -> pd.DataFrame:
    """Load ``trace.csv`` of a run, checked against the schema."""
    rows, _ = read_rows(Path(run_dir) / TRACE_FILE, TRACE_COLUMNS, repair=False)
    return _frame(rows, TRACE_COLUMNS)
