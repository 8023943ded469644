"""The table both sides of a comparison become: :class:`Cells`, columns :data:`CELL_COLUMNS`."""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

__all__ = [
    "CELL_COLUMNS",
    "MACHINE_CELL_COLUMNS",
    "MACHINE_SEPARATOR",
    "Cells",
    "isnan",
    "typed",
]

#: Columns of a cells table.
CELL_COLUMNS = (
    "env",
    "problem_id",
    "solver",
    "tol",
    "status",
    "fit_s",
    "compile_s",
    "objective",
    "suboptimality",
    "reference_objective",
    "n_steps",
    "converged",
    "reached_max_steps",
    "outcome",
    "fit_s_min",
    "fit_s_max",
    "fit_s_ci_low",
    "fit_s_ci_high",
    "fit_s_samples",
    "runs",
    "fit_s_run_fastest",
    "fit_s_run_medians",
    "n_steps_runs",
    "compiles_in_timed",
    "compiles_per_call",
    "nfev",
    "njev",
    "nhev",
    "fit_cpu_s",
    "fit_cpu_s_samples",
    "fit_cpu_s_run_fastest",
    "fit_cpu_s_run_medians",
    "recompile_runs",
    "recompile_fit_s",
    "load_start",
    "load_end",
    "usable_cores",
    "host",
    "cpu_model",
    "threads",
    "device",
    "device_kind",
)

#: Cell columns that say where a side ran (see ``results.MACHINE_COLUMNS``); a pooled
#: side whose runs differ holds every distinct value, joined by :data:`MACHINE_SEPARATOR`.
MACHINE_CELL_COLUMNS = ("host", "cpu_model", "threads", "device", "device_kind")
MACHINE_SEPARATOR = " | "


@dataclass(frozen=True)
class Cells:
    """The cells of one side of a comparison.

    Attributes
    ----------
    label : str
        What the cells came from (a run directory, or ``asv <hash> on <machine>``).
    frame : pandas.DataFrame
        One row per cell, columns :data:`CELL_COLUMNS`.
    """

    label: str
    frame: pd.DataFrame


def isnan(value) -> bool:
    """Whether ``value`` is a float NaN (asv's mark of a skipped benchmark)."""
    return isinstance(value, float) and math.isnan(value)


def typed(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with each cell column in its dtype (floats, nullable ints and booleans, text)."""
    frame = frame.copy()
    floats = ("tol", "fit_s", "compile_s", "objective", "suboptimality", "fit_cpu_s")
    counts = ("compiles_in_timed", "compiles_per_call", "nfev", "njev", "nhev", "usable_cores")
    counts += ("load_start", "load_end")
    spreads = ("fit_s_min", "fit_s_max", "fit_s_ci_low", "fit_s_ci_high", "recompile_fit_s")
    for column in floats + counts + spreads + ("recompile_runs",):
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype(float)
    frame["reference_objective"] = pd.to_numeric(
        frame["reference_objective"], errors="coerce"
    ).astype(float)
    frame["n_steps"] = pd.to_numeric(frame["n_steps"], errors="coerce").astype("Int64")
    frame["converged"] = frame["converged"].map(
        lambda v: pd.NA if v is None or isnan(v) or v is pd.NA else bool(v)
    )
    frame["converged"] = frame["converged"].astype("boolean")
    frame["reached_max_steps"] = frame["reached_max_steps"].map(
        lambda v: pd.NA if v is None or isnan(v) or v is pd.NA else bool(v)
    )
    frame["reached_max_steps"] = frame["reached_max_steps"].astype("boolean")
    runs = pd.to_numeric(frame["runs"], errors="coerce").fillna(1)
    frame["runs"] = runs.astype(int)
    text = (
        "env",
        "problem_id",
        "solver",
        "status",
        "outcome",
        "fit_s_samples",
        "fit_s_run_fastest",
        "fit_s_run_medians",
        "n_steps_runs",
        "fit_cpu_s_samples",
        "fit_cpu_s_run_fastest",
        "fit_cpu_s_run_medians",
        *MACHINE_CELL_COLUMNS,
    )
    for column in text:
        frame[column] = frame[column].astype(object).fillna("").astype(str)
    return frame.reset_index(drop=True)
