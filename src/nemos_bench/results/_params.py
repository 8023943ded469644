"""Fitted parameters of a run's cells: one small ``.npz`` file per ``ok`` cell.

``params/<name>.npz`` holds ``coef``, ``intercept`` (float64, exactly as the solver
returned them) and ``key`` (problem id, solver, ``repr`` of tol); ``<name>`` is a hash of
the cell key, so a cell's file is found without reading the others. Files are written
atomically (temporary file, ``fsync``, rename) *before* the cell's summary row, which stays
the commit record: a file whose cell has no summary row is an orphan of a crash and is
removed when the run directory is opened again.

Size: 8 bytes per coefficient plus about 0.5 kB per file (the standard suite, ~2,900 cells
of at most 200 x 50 coefficients, stays well under 100 MB).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from ._journal import ResultsCorruptedError, atomic_write, fsync_dir

__all__ = ["PARAMS_DIR", "params_path", "read_params", "remove_orphan_params", "write_params"]

#: Directory of a run that holds the parameter files.
PARAMS_DIR = "params"


def _name(key: tuple) -> str:
    problem_id, solver, tol = key
    text = json.dumps([str(problem_id), str(solver), repr(float(tol))])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32] + ".npz"


def params_path(run_dir: str | Path, key: tuple) -> Path:
    """Path of the parameter file of cell ``key = (problem_id, solver, tol)``.

    Examples
    --------
    >>> params_path("run", ("p", "LBFGS[scipy]", 1e-8)).parent.name
    'params'
    """
    return Path(run_dir) / PARAMS_DIR / _name(key)


def write_params(run_dir: str | Path, key: tuple, coef, intercept) -> Path:
    """Write the parameters of cell ``key`` durably and atomically; return the file's path."""
    path = params_path(run_dir, key)
    path.parent.mkdir(exist_ok=True)
    problem_id, solver, tol = key
    arrays = {
        "coef": np.asarray(coef, dtype=np.float64),
        "intercept": np.asarray(intercept, dtype=np.float64),
        "key": np.array([str(problem_id), str(solver), repr(float(tol))]),
    }
    atomic_write(path, lambda handle: np.savez(handle, **arrays))
    return path


def read_params(run_dir: str | Path, key: tuple) -> tuple[np.ndarray, np.ndarray] | None:
    """``(coef, intercept)`` stored for cell ``key``, or ``None`` when it has no file.

    Raises
    ------
    ResultsCorruptedError
        The file is not a parameter file of this cell.
    """
    path = params_path(run_dir, key)
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as data:
            coef, intercept, stored = data["coef"], data["intercept"], data["key"].tolist()
    except (OSError, ValueError, KeyError) as err:
        raise ResultsCorruptedError(
            f"{path}: not a readable parameter file ({type(err).__name__}: {err})."
        ) from None
    problem_id, solver, tol = key
    if stored != [str(problem_id), str(solver), repr(float(tol))]:
        raise ResultsCorruptedError(
            f"{path}: holds the parameters of cell {stored}, not of {list(key)}; the file was "
            "moved or edited outside nemos-bench."
        )
    return coef, intercept


def remove_orphan_params(run_dir: str | Path, done: Iterable[tuple]) -> int:
    """Delete parameter files of cells without a summary row, and temporary files.

    Returns
    -------
    int
        Number of files removed.
    """
    directory = Path(run_dir) / PARAMS_DIR
    if not directory.is_dir():
        return 0
    keep = {_name(key) for key in done}
    removed = 0
    for path in directory.iterdir():
        if path.is_file() and path.name not in keep:
            path.unlink(missing_ok=True)
            removed += 1
    if removed:
        fsync_dir(directory)
    return removed
