"""Audit a run directory: recompute every fitted row's numbers from its stored parameters.

``nemos-bench verify RUN_DIR`` rebuilds each problem from its id
(:meth:`ProblemSpec.from_id`, the on-disk cache or the generator; a user's data file from
the spec its run recorded in ``meta.json`` and the file itself, whose SHA-256 must not have
changed), reads the parameters the
harness stored for every cell that holds a measured fit (status ``ok`` or ``recompiles``,
:data:`~nemos_bench.results.FITTED_STATUSES`; ``params/``), and recomputes ``objective``,
``reference_objective``, ``suboptimality``, ``rel_suboptimality`` and ``grad_norm`` in
float64 NumPy, independently of the solvers. Exit code 0 when every row agrees, 1 when some
do not (each named), 2 for input that is not a run directory with stored parameters.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .problems import ProblemSpec, grad_norm, load_problem, load_reference, objective
from .results import FITTED_STATUSES, PARAMS_DIR, read_meta, read_params, read_summary

__all__ = ["Mismatch", "Verification", "VerifyError", "verify_run"]

#: Agreement: ``|stored - recomputed| <= RTOL * |recomputed| + ATOL * max(1, |f*|)``.
RTOL, ATOL = 1e-9, 1e-12


class VerifyError(ValueError):
    """The input cannot be verified at all (not a run directory, no stored parameters)."""


@dataclass(frozen=True)
class Mismatch:
    """One row whose stored numbers disagree with the recomputed ones (or cannot be checked)."""

    problem_id: str
    solver: str
    tol: float
    column: str
    stored: float
    recomputed: float
    note: str = ""

    def sentence(self) -> str:
        """The mismatch in one line."""
        where = f"{self.solver} tol={self.tol:g} on {self.problem_id}"
        if self.note:
            return f"{where}: {self.note}"
        return f"{where}: {self.column} is {self.stored!r}, recomputed {self.recomputed!r}"


@dataclass(frozen=True)
class Verification:
    """Result of :func:`verify_run`.

    Attributes
    ----------
    run_dir : str
        The run directory.
    n_rows, n_checked : int
        Summary rows, and fitted rows (``ok``, ``recompiles``) recomputed.
    mismatches : tuple of Mismatch
        Every disagreement, in row order.
    n_recompiles : int
        How many of the rows checked have status ``recompiles``.
    """

    run_dir: str
    n_rows: int
    n_checked: int
    mismatches: tuple[Mismatch, ...]
    n_recompiles: int = 0

    def checked_text(self) -> str:
        """``"4 ok rows"``, or ``"5 fitted rows (4 ok, 1 recompiles)"``.

        Examples
        --------
        >>> Verification("r", 8, 5, (), n_recompiles=1).checked_text()
        '5 fitted rows (4 ok, 1 recompiles)'
        """
        if not self.n_recompiles:
            return f"{self.n_checked} ok rows"
        n_ok = self.n_checked - self.n_recompiles
        return f"{self.n_checked} fitted rows ({n_ok} ok, {self.n_recompiles} recompiles)"

    @property
    def passed(self) -> bool:
        """Every checked row agrees."""
        return not self.mismatches


def _close(stored, recomputed: float, scale: float) -> bool:
    if stored is None or (isinstance(stored, float) and math.isnan(stored)):
        return False
    return abs(float(stored) - recomputed) <= RTOL * abs(recomputed) + ATOL * scale


def _check_row(row, problem, f_star: float, params) -> list[Mismatch]:
    key = (row["problem_id"], row["solver"], float(row["tol"]))
    coef, intercept = params
    f = objective(problem, (coef, intercept))
    scale = max(1.0, abs(f_star))
    expected = {
        "reference_objective": f_star,
        "objective": f,
        "suboptimality": f - f_star,
        "rel_suboptimality": (f - f_star) / scale,
        "grad_norm": grad_norm(problem, (coef, intercept)),
    }
    return [
        Mismatch(*key, column, row[column], value)
        for column, value in expected.items()
        if not _close(row[column], value, scale)
    ]


def _data_problems(run_dir: Path) -> dict:
    """The specs of a run's data-file problems by id (``meta.json``), ``{}`` if none."""
    try:
        records = read_meta(run_dir).get("config", {}).get("data_problems", {})
    except (OSError, ValueError):  # no usable meta.json: the ids are all there is
        return {}
    return records if isinstance(records, dict) else {}


def verify_run(run_dir: str | Path) -> Verification:
    """Recompute the numbers of every fitted row of a run from its stored parameters.

    Fitted rows have status ``ok`` or ``recompiles`` (a solver that compiles on every
    call still returns a fit whose numbers must recompute).

    Parameters
    ----------
    run_dir : path-like
        A run directory written by ``nemos-bench run``.

    Returns
    -------
    Verification

    Raises
    ------
    VerifyError
        ``run_dir`` is not a run directory, or holds fitted rows but no stored parameters
        (a run written before parameters were stored).
    """
    run_dir = Path(run_dir)
    if not (run_dir / "summary.csv").is_file():
        raise VerifyError(
            f"{str(run_dir)!r} is not a run directory (no summary.csv); pass a directory "
            "written by `nemos-bench run`."
        )
    summary = read_summary(run_dir)
    ok = summary[summary["status"].isin(FITTED_STATUSES)]
    if len(ok) and not (run_dir / PARAMS_DIR).is_dir():
        raise VerifyError(
            f"Run directory {str(run_dir)!r} holds no stored parameters ({PARAMS_DIR}/ is "
            "missing): it was written by a nemos-bench that did not store them, so its "
            "numbers cannot be recomputed; rerun it to verify."
        )
    mismatches: list[Mismatch] = []
    data = _data_problems(run_dir) if len(ok) else {}
    for problem_id, rows in ok.groupby("problem_id", sort=False):
        try:
            record = data.get(problem_id)
            spec = ProblemSpec(**record) if record else ProblemSpec.from_id(problem_id)
            problem, f_star = load_problem(spec), load_reference(spec).objective
        except Exception as err:  # noqa: BLE001 - the rows of this problem cannot be checked
            note = f"the problem cannot be rebuilt ({type(err).__name__}: {err})"
            mismatches += [
                Mismatch(problem_id, r["solver"], r["tol"], "problem_id", np.nan, np.nan, note)
                for r in rows.to_dict("records")
            ]
            continue
        for row in rows.to_dict("records"):
            key = (problem_id, row["solver"], float(row["tol"]))
            try:
                params = read_params(run_dir, key)
                if params is None:
                    raise LookupError(f"no stored parameters for this {row['status']} row")
                mismatches += _check_row(row, problem, f_star, params)
            except (LookupError, ValueError) as err:  # missing, unreadable or misshapen
                mismatches.append(Mismatch(*key, "params", np.nan, np.nan, str(err)))
    n_recompiles = int((ok["status"] == "recompiles").sum())
    return Verification(str(run_dir), len(summary), len(ok), tuple(mismatches), n_recompiles)
