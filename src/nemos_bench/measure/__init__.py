"""Measure: one (problem, solver, tolerance) cell, honestly, knowing nothing of sweeps.

Timing statistics (compilation apart from steady state, adaptive repeats, timing windows),
warm-up, the honesty checks (same data, repeatability, the timer's floor), the recorded
trajectory, the NeMoS model adapter and the outside baselines' cells, the conditions a cell
ran under, and the float64 floor of a tolerance. :mod:`nemos_bench.sweep` plans and runs
many cells with these.
"""

from ._cell import run_one
from ._cellparts import CellResult, CellSettings, skipped_cell
from ._compiles import count_compiles
from ._conditions import LoadSnapshot, cell_conditions, load_average, machine_load, usable_cores
from ._floor import evaluation_cost
from ._machine import machine_columns
from ._nemos_model import make_model, model_kwargs
from ._precision import FLOOR_OUTCOME, mark_float64_floor, tol_floor_warning
from ._sampling import time_repeats
from ._timing import Timing, block
from ._warmup import warm_up
from ._windows import take_windows, with_windows

__all__ = [
    "FLOOR_OUTCOME",
    "CellResult",
    "CellSettings",
    "LoadSnapshot",
    "Timing",
    "block",
    "cell_conditions",
    "count_compiles",
    "evaluation_cost",
    "load_average",
    "machine_columns",
    "machine_load",
    "make_model",
    "model_kwargs",
    "mark_float64_floor",
    "run_one",
    "skipped_cell",
    "take_windows",
    "time_repeats",
    "tol_floor_warning",
    "usable_cores",
    "warm_up",
    "with_windows",
]
