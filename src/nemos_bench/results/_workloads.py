"""``workloads.csv``: one row per (problem, workload, solver, tolerance), beside summary.csv.

A workload is what a NeMoS user pays end to end for a regularization path or a
GridSearchCV, compilation included (see ``nemos_bench.workloads``). The file is an
append-only journal like ``summary.csv``: its header is created atomically, each row is
appended with a flush and ``fsync``, and a torn last line (a crash during an append) is
ignored when read.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from ._column import Column, column_names
from ._journal import atomic_write_text, csv_lines

__all__ = [
    "WORKLOADS_FILE",
    "WORKLOAD_COLUMNS",
    "WORKLOAD_KEY",
    "WORKLOAD_STATUSES",
    "append_workload_rows",
    "read_workloads",
]

WORKLOADS_FILE = "workloads.csv"
#: ``ok``: every repeat ran; ``failed``: a fit raised, or some fits ran another solver class
#: than the row's (``reason``); ``skipped``: the solver cannot run this workload (``reason``).
WORKLOAD_STATUSES = ("ok", "failed", "skipped")
WORKLOAD_KEY = ("problem_id", "workload", "solver", "tol")

WORKLOAD_COLUMNS: tuple[Column, ...] = (
    Column("problem_id", "str", "", "ProblemSpec.problem_id of the problem"),
    Column("workload", "str", "", "path (strengths in sequence) or cv (GridSearchCV)"),
    Column("solver", "str", "", "solver label Algo[backend]{settings}"),
    Column("tol", "float", "", "tolerance passed to the solver for every fit"),
    Column("maxiter", "int", "iterations", "iteration cap passed to the solver"),
    Column(
        "regularizer", "str", "", "regularizer of every fit (Ridge for an UnRegularized problem)"
    ),
    Column("strengths", "str", "", "space-separated regularizer strengths, in fitting order"),
    Column("folds", "int", "", "cross-validation folds K (0 for path)"),
    Column("n_fits", "int", "fits", "fits per run: G (path) or G*K + 1 refit on all data (cv)"),
    Column("status", "str", "", "ok, failed or skipped"),
    Column("reason", "str", "", "why a workload failed or was skipped"),
    Column("repeats", "int", "", "runs of the workload, each after jax.clear_caches()"),
    Column("wall_s", "float", "s", "median wall time of one whole run, compilation included"),
    Column("wall_s_samples", "str", "s", "space-separated wall time of each run"),
    Column("compiles", "float", "", "median XLA compilations per run (JAX's compile log)"),
    Column("compiles_samples", "str", "", "space-separated compilations of each run"),
    Column("compile_s", "float", "s", "median seconds per run tracing, lowering, compiling"),
    Column("compile_s_samples", "str", "s", "space-separated compile seconds of each run"),
    Column("iterate_s", "float", "s", "median of wall - compile over the runs"),
    Column("iterate_s_samples", "str", "s", "space-separated wall - compile of each run"),
    Column("epsilon", "float", "", "accuracy target: f - f* <= epsilon * max(1, |f*|)"),
    Column("certified_fits", "int", "fits", "fits per run whose own optimum was certified"),
    Column("fits_reached", "int", "fits", "fewest certified fits reaching epsilon in one run"),
    Column("max_rel_subopt", "float", "", "largest (f - f*)/max(1,|f*|) over all fits of all runs"),
    Column("nemos_version", "str", "", "NeMoS version"),
    Column("jax_version", "str", "", "JAX version"),
    Column("cpu_s", "float", "s", "median process CPU time of one whole run (all threads)"),
    Column("cpu_s_samples", "str", "s", "space-separated CPU time of each run, as wall_s_samples"),
)


def append_workload_rows(run_dir: str | Path, rows: Iterable[Mapping[str, Any]]) -> Path:
    """Append rows to ``run_dir/workloads.csv``, creating it (header first, atomically).

    Each row is one line, flushed and fsynced, as summary.csv's rows are.

    Examples
    --------
    >>> import tempfile
    >>> run = Path(tempfile.mkdtemp())
    >>> path = append_workload_rows(run, [{"problem_id": "p", "workload": "cv",
    ...                                    "solver": "LBFGS", "tol": 1e-6, "status": "ok"}])
    >>> read_workloads(run)[["workload", "status"]].values.tolist()
    [['cv', 'ok']]
    """
    path = Path(run_dir) / WORKLOADS_FILE
    if not path.exists():
        atomic_write_text(path, ",".join(column_names(WORKLOAD_COLUMNS)) + "\n")
    text = csv_lines(rows, WORKLOAD_COLUMNS)
    if text:
        with open(path, "a", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
    return path


def _value(text: str, column: Column) -> Any:
    if text == "":
        return None
    if column.dtype == "int":
        return int(float(text))
    if column.dtype == "float":
        return float(text)
    return text


def read_workloads(run_dir: str | Path) -> pd.DataFrame | None:
    """The rows of ``run_dir/workloads.csv``, or ``None`` when the run has none.

    A header that is a prefix of :data:`WORKLOAD_COLUMNS` (an older file) reads with the
    newer columns empty; a torn last line is dropped; a later row with the key of an
    earlier one (a rerun into the same directory) replaces it.
    """
    path = Path(run_dir) / WORKLOADS_FILE
    if not path.exists():
        return None
    text = path.read_text(encoding="utf-8")
    lines = text.split("\n")
    lines.pop()  # "" after the last newline, or a torn last line
    names = column_names(WORKLOAD_COLUMNS)
    parsed = list(csv.reader(lines))
    if not parsed or parsed[0] != names[: len(parsed[0])]:
        raise ValueError(f"{path} line 1: header does not match the workloads schema {names}.")
    columns = WORKLOAD_COLUMNS[: len(parsed[0])]
    rows = {}
    for fields in parsed[1:]:
        row = {c.name: _value(v, c) for c, v in zip(columns, fields, strict=False)}
        rows[tuple(row.get(k) for k in WORKLOAD_KEY)] = row
    return pd.DataFrame(list(rows.values()), columns=names)
