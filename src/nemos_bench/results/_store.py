"""Crash-safe results store: one directory per run.

Layout of a run directory::

    meta.json     provenance and the run's configuration (written atomically)
    summary.csv   one row per finished cell (append-only journal)
    trace.csv     one row per recorded iteration (append-only journal)

A cell is written by appending its trace rows, then its summary row, each followed by a
flush and ``fsync``. The summary row is the commit record: a cell counts as finished only
when its summary row is complete. Opening a run directory again repairs what a crash
(even ``kill -9``) can leave: a torn last line is dropped and trace rows of cells without
a summary row are removed (by an atomic rewrite), so a resumed run ends with exactly the
cells of an uninterrupted one, without duplicates.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from ._schema import CELL_KEY, SUMMARY_COLUMNS, TRACE_COLUMNS, Column, column_names

__all__ = [
    "ResultsCorruptedError",
    "RunDirectoryError",
    "RunStore",
    "atomic_write_text",
    "read_meta",
    "read_summary",
    "read_trace",
]

SUMMARY_FILE, TRACE_FILE, META_FILE = "summary.csv", "trace.csv", "meta.json"


class ResultsCorruptedError(ValueError):
    """A results file does not follow the schema; the message names the file and line."""


class RunDirectoryError(ValueError):
    """The output directory cannot hold this run (not writable, or another run's results)."""


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so that readers see the old file or the new one, never half.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "note.txt"
    >>> atomic_write_text(target, "hello")
    >>> target.read_text()
    'hello'
    """
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _format(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and math.isnan(value):
        return "nan"
    if isinstance(value, str):
        return " ".join(value.split())  # one line, always
    return str(value)


def _csv_lines(rows: Iterable[Mapping[str, Any]], columns: tuple[Column, ...]) -> str:
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


def _read_rows(path: Path, columns: tuple[Column, ...], *, repair: bool) -> list[dict]:
    """Parse ``path`` against ``columns``; with ``repair`` a torn last line is dropped."""
    names = column_names(columns)
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    if not text:
        return []
    lines = text.split("\n")
    torn = lines.pop()  # "" when the file ends with a newline
    if torn and not repair:
        raise ResultsCorruptedError(
            f"{path} line {len(lines) + 1}: the last line is incomplete (no newline); "
            "rerun the same command to repair it, or delete that line."
        )
    header = next(csv.reader([lines[0]])) if lines else []
    if header != names:
        raise ResultsCorruptedError(
            f"{path} line 1: header {header} does not match the schema {names}; "
            "the file was edited or written by another version of nemos-bench."
        )
    rows = []
    for lineno, line in enumerate(lines[1:], start=2):
        fields = next(csv.reader([line])) if line else []
        if len(fields) != len(columns):
            raise ResultsCorruptedError(
                f"{path} line {lineno}: expected {len(columns)} fields, found {len(fields)}."
            )
        row = {}
        for value, column in zip(fields, columns, strict=True):
            try:
                row[column.name] = _parse(value, column)
            except ValueError:
                raise ResultsCorruptedError(
                    f"{path} line {lineno}: column {column.name!r} holds {value!r}, "
                    f"which is not a valid {column.dtype}."
                ) from None
        rows.append(row)
    return rows


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
    return _frame(
        _read_rows(Path(run_dir) / SUMMARY_FILE, SUMMARY_COLUMNS, repair=False), SUMMARY_COLUMNS
    )


def read_trace(run_dir: str | Path) -> pd.DataFrame:
    """Load ``trace.csv`` of a run, checked against the schema."""
    return _frame(
        _read_rows(Path(run_dir) / TRACE_FILE, TRACE_COLUMNS, repair=False), TRACE_COLUMNS
    )


def read_meta(run_dir: str | Path) -> dict:
    """Load ``meta.json`` of a run."""
    path = Path(run_dir) / META_FILE
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise ResultsCorruptedError(
            f"{path} line {err.lineno}: invalid JSON ({err.msg})."
        ) from None


def _key(row: Mapping[str, Any]) -> tuple:
    return tuple(row[name] for name in CELL_KEY)


class RunStore:
    """Append-only, crash-safe writer for one run directory.

    Parameters
    ----------
    path : path-like
        The run directory; created if missing.
    config : dict
        What defines the run (suite, problems, solvers, tolerances, ...). Resuming into a
        directory whose ``meta.json`` holds a different configuration is refused.
    meta : dict
        Provenance written to ``meta.json`` beside ``config`` when the run is new.
    """

    def __init__(self, path: str | Path, config: dict, meta: dict):
        self.path = Path(path)
        self.config = json.loads(json.dumps(config))
        try:
            self.path.mkdir(parents=True, exist_ok=True)
            probe = self.path / ".write-test"
            probe.write_text("")
            probe.unlink()
        except OSError as err:
            raise RunDirectoryError(
                f"Output directory {str(self.path)!r} is not writable ({err.strerror}); "
                "pass --out with a directory you can write to."
            ) from None
        meta_path = self.path / META_FILE
        if meta_path.exists():
            existing = read_meta(self.path)
            if existing.get("config") != self.config:
                raise RunDirectoryError(
                    f"Output directory {str(self.path)!r} holds another run's results "
                    f"(suite {existing.get('config', {}).get('suite')!r}, different settings); "
                    "choose a new --out directory, or rerun with the same settings to resume."
                )
            self.meta = existing
        else:
            self.meta = {**meta, "config": self.config}
            atomic_write_text(meta_path, json.dumps(self.meta, indent=2, sort_keys=True))
        self._repair()

    @property
    def summary_path(self) -> Path:
        """Path of ``summary.csv``."""
        return self.path / SUMMARY_FILE

    @property
    def trace_path(self) -> Path:
        """Path of ``trace.csv``."""
        return self.path / TRACE_FILE

    def _repair(self) -> None:
        summary = _read_rows(self.summary_path, SUMMARY_COLUMNS, repair=True)
        trace = _read_rows(self.trace_path, TRACE_COLUMNS, repair=True)
        seen, unique = set(), []
        for row in summary:
            if _key(row) not in seen:
                seen.add(_key(row))
                unique.append(row)
        kept_trace = [row for row in trace if _key(row) in seen]
        self._done = seen
        for path, rows, columns in (
            (self.summary_path, unique, SUMMARY_COLUMNS),
            (self.trace_path, kept_trace, TRACE_COLUMNS),
        ):
            text = ",".join(column_names(columns)) + "\n" + _csv_lines(rows, columns)
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                atomic_write_text(path, text)

    def done(self) -> set[tuple]:
        """Keys ``(problem_id, solver, tol)`` of the finished cells."""
        return set(self._done)

    def is_done(self, problem_id: str, solver: str, tol: float) -> bool:
        """Whether this cell already has a summary row."""
        return (problem_id, solver, float(tol)) in self._done

    def append_cell(self, summary_row: Mapping[str, Any], trace_rows: Iterable[Mapping]) -> None:
        """Record one finished cell: its trace rows first, then its summary row."""
        key = _key(summary_row)
        if key in self._done:
            return
        for path, text in (
            (self.trace_path, _csv_lines(trace_rows, TRACE_COLUMNS)),
            (self.summary_path, _csv_lines([summary_row], SUMMARY_COLUMNS)),
        ):
            if not text:
                continue
            with open(path, "a", encoding="utf-8", newline="") as handle:
                handle.write(text)
                handle.flush()
                os.fsync(handle.fileno())
        self._done.add(key)

    def update_meta(self, **fields: Any) -> None:
        """Add or replace top-level fields of ``meta.json`` (atomically)."""
        self.meta.update(fields)
        atomic_write_text(self.path / META_FILE, json.dumps(self.meta, indent=2, sort_keys=True))
