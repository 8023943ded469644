"""Regression gate: compare two runs (run directories or asv commits) cell by cell.

``nemos-bench compare BASE HEAD`` fails (exit 1) when a cell matched on
``(problem_id, solver, tol)`` got slower beyond a factor (significantly, on the raw
samples, and in CPU time too where recorded: a slowdown in wall time alone is "not judged
on time: machine busy"), less accurate beyond a tolerance relative to ``max(1, |f*|)``,
stopped converging, stopped running, or started compiling on every call, and when a cell
of BASE is missing from HEAD (unless ``--allow-missing``); cells found only in HEAD are
reported, not failed. Times are not judged across different machines or thread settings
unless ``--judge-time-anyway``. Either side may be several runs (a directory of run
directories), pooled cell by cell. docs/methodology.md explains the rules.
"""

from ._asv_config import CompareError, CompareSourceError
from ._asv_source import load_asv_commit
from ._cells import CELL_COLUMNS, Cells
from ._gate import compare
from ._records import CellDiff, Comparison, GateSettings
from ._report import EXIT_PASS, EXIT_REGRESSED, add_compare_arguments, gate, run_compare

__all__ = [
    "CELL_COLUMNS",
    "EXIT_PASS",
    "EXIT_REGRESSED",
    "CellDiff",
    "Cells",
    "CompareError",
    "CompareSourceError",
    "Comparison",
    "GateSettings",
    "add_compare_arguments",
    "compare",
    "gate",
    "load_asv_commit",
    "run_compare",
]
