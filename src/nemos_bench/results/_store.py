"""Crash-safe results store: one directory per run.

Layout of a run directory::

    meta.json     provenance and the run's configuration (written atomically)
    summary.csv   one row per finished cell (append-only journal)
    trace.csv     one row per recorded iteration (append-only journal)
    params/       fitted parameters of every ok cell, one file each (see ``_params``)

A cell is written by writing its parameter file (atomically), appending its trace rows,
then its summary row, each followed by a flush and ``fsync``. The summary row is the
commit record: a cell counts as finished only when its summary row is complete. Opening a
run directory again repairs what a crash (even ``kill -9``) can leave: a torn last line is
dropped, trace rows of cells without a summary row are removed (by an atomic rewrite), so
are parameter files of such cells, and temporary files of an interrupted atomic write are
deleted, so a resumed run ends with exactly the cells of an uninterrupted one, without
duplicates. What a crash cannot leave (a malformed line in the middle, an unknown status,
a repeated cell, a changed header) is never "repaired": it is
reported as :class:`ResultsCorruptedError` naming the file and line.

While a :class:`RunStore` is open it holds an advisory lock (``flock``) on the run
directory, so two runs cannot write into the same directory at once.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from ._column import column_names
from ._journal import (
    SUMMARY_FILE,
    TRACE_FILE,
    atomic_write_text,
    csv_lines,
    fsync_dir,
    read_rows,
)
from ._params import remove_orphan_params, write_params
from ._rundir import META_FILE, RunDirectoryError, check_run_dir, is_temp
from ._schema import CELL_KEY, SUMMARY_COLUMNS, TRACE_COLUMNS

try:  # POSIX; elsewhere runs are not locked
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None

__all__ = ["RunStore"]


def _key(row: Mapping[str, Any]) -> tuple:
    return tuple(row[name] for name in CELL_KEY)


def _lock(path: Path) -> int | None:
    """Open ``path`` and take an exclusive, non-blocking ``flock`` on it (POSIX)."""
    if fcntl is None:  # pragma: no cover
        return None
    fd = os.open(path, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        raise RunDirectoryError(
            f"Output directory {str(path)!r} is in use by another nemos-bench run (it is "
            "locked); wait for that run to finish or pass another --out directory."
        ) from None
    return fd


class RunStore:
    """Append-only, crash-safe writer for one run directory.

    Everything is checked (:func:`check_run_dir`, the files against the schema) before
    anything is created or written. Use it as a context manager, or call :meth:`close`,
    to release the directory's lock.

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
        self._fd = None
        existing = check_run_dir(self.path, self.config)
        if existing is None:
            try:
                self.path.mkdir(parents=True, exist_ok=True)
            except OSError as err:
                raise RunDirectoryError(
                    f"Output directory {str(self.path)!r} cannot be created ({err.strerror}); "
                    "pass --out with a directory you can write to."
                ) from None
            fsync_dir(self.path.absolute().parent)
        self._fd = _lock(self.path)
        try:
            summary = read_rows(self.summary_path, SUMMARY_COLUMNS, repair=True)
            trace = read_rows(self.trace_path, TRACE_COLUMNS, repair=True)
            if existing is None:
                self.meta = {**meta, "config": self.config}
                atomic_write_text(self.path / META_FILE, _json(self.meta))
            else:
                self.meta = existing
            self._repair(summary, trace)
        except BaseException:
            self.close()
            raise

    @property
    def summary_path(self) -> Path:
        """Path of ``summary.csv``."""
        return self.path / SUMMARY_FILE

    @property
    def trace_path(self) -> Path:
        """Path of ``trace.csv``."""
        return self.path / TRACE_FILE

    def _repair(self, summary: tuple[list[dict], str], trace: tuple[list[dict], str]) -> None:
        for leftover in self.path.iterdir():
            if is_temp(leftover.name):
                leftover.unlink(missing_ok=True)
        self._done = {_key(row) for row in summary[0]}
        remove_orphan_params(self.path, self._done)
        kept_trace = [row for row in trace[0] if _key(row) in self._done]
        for path, (rows, old), columns in (
            (self.summary_path, summary, SUMMARY_COLUMNS),
            (self.trace_path, (kept_trace, trace[1]), TRACE_COLUMNS),
        ):
            text = ",".join(column_names(columns)) + "\n" + csv_lines(rows, columns)
            if not path.exists() or old != text:
                atomic_write_text(path, text)

    def close(self) -> None:
        """Release the run directory's lock (appending still works afterwards)."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> RunStore:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __del__(self) -> None:
        self.close()

    def done(self) -> set[tuple]:
        """Keys ``(problem_id, solver, tol)`` of the finished cells."""
        return set(self._done)

    def is_done(self, problem_id: str, solver: str, tol: float) -> bool:
        """Whether this cell already has a summary row."""
        return (problem_id, solver, float(tol)) in self._done

    def append_cell(
        self,
        summary_row: Mapping[str, Any],
        trace_rows: Iterable[Mapping],
        params: tuple | None = None,
    ) -> None:
        """Record one cell: parameters ``(coef, intercept)``, trace rows, then the summary row.

        The summary row is written last: it is the commit record of the cell.
        """
        key = _key(summary_row)
        if key in self._done:
            return
        if params is not None:
            write_params(self.path, key, *params)
        for path, text in (
            (self.trace_path, csv_lines(trace_rows, TRACE_COLUMNS)),
            (self.summary_path, csv_lines([summary_row], SUMMARY_COLUMNS)),
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
        atomic_write_text(self.path / META_FILE, _json(self.meta))


def _json(meta: dict) -> str:
    return json.dumps(meta, indent=2, sort_keys=True)
