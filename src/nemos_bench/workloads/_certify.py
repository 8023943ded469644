"""Each fit of a workload against its own certified optimum (its rows, its strength)."""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from ..problems import Problem, ReferenceSolutionError, objective, reference_solution
from ._fits import ALL_ROWS, FitRecord, fold_tests
from ._spec import Workload

__all__ = ["FitsVerdict", "certify_fits", "fit_problem"]


def _readonly(array: np.ndarray) -> np.ndarray:
    array = np.ascontiguousarray(array, dtype=np.float64)
    array.flags.writeable = False
    return array


def fit_problem(problem: Problem, workload: Workload, fold: int, strength: int) -> Problem:
    """The problem one fit of the workload solves: its training rows and its strength.

    A fold fit's rows are all but the held-out fold's (:func:`fold_tests`); ``fold``
    :data:`ALL_ROWS` is every row. The objective is the package's (``problems.objective``):
    NeMoS's MEAN loss over the fit's own rows plus the penalty at the fit's strength, so a
    fold's optimum differs from the whole problem's in both terms.

    Examples
    --------
    >>> from nemos_bench.problems import ProblemSpec, make_problem
    >>> from nemos_bench.workloads import make_workload
    >>> problem = make_problem(ProblemSpec(300, 5, regularizer="Ridge"))
    >>> w = make_workload("cv", problem.spec)
    >>> sub = fit_problem(problem, w, fold=0, strength=2)
    >>> sub.X.shape, sub.spec.regularizer_strength == w.strengths[2]
    ((200, 5), True)
    """
    rows = np.arange(problem.n_samples)
    if fold != ALL_ROWS:
        rows = np.delete(rows, fold_tests(problem.n_samples, workload.folds)[fold])
    spec = dataclasses.replace(
        problem.spec,
        n_samples=len(rows),
        regularizer=workload.regularizer,
        regularizer_strength=workload.strengths[strength],
    )
    nan = np.full_like(np.asarray(problem.true_intercept), np.nan)
    return Problem(
        spec=spec,
        X=_readonly(problem.X[rows]),
        y=_readonly(problem.y[rows]),
        true_coef=_readonly(np.full_like(np.asarray(problem.true_coef), np.nan)),
        true_intercept=_readonly(nan),
    )


@dataclasses.dataclass(frozen=True)
class FitsVerdict:
    """How close one run's fits came to their certified optima.

    Attributes
    ----------
    n_fits :
        Fits done.
    certified :
        Fits whose optimum was certified (the others cannot be judged).
    reached :
        Certified fits with ``f - f* <= epsilon * max(1, |f*|)``.
    max_rel_subopt :
        Largest ``(f - f*) / max(1, |f*|)`` over the certified fits (NaN if none).
    uncertified :
        ``"fold F, strength S: reason"`` of each fit that could not be certified.
    """

    n_fits: int
    certified: int
    reached: int
    max_rel_subopt: float
    uncertified: tuple[str, ...] = ()


def certify_fits(
    problem: Problem,
    workload: Workload,
    records: list[FitRecord],
    epsilon: float,
    references: dict | None = None,
) -> FitsVerdict:
    """Judge every fit against the certified optimum of its own rows and strength.

    Each (fold, strength) optimum is computed once by ``problems.reference_solution``
    (damped Newton in NumPy, certified to a scaled gradient of 1e-10) and kept in
    ``references`` (pass the same dict for every repeat). A fit's objective is recomputed
    with ``problems.objective`` on its own problem (:func:`fit_problem`).
    """
    references = {} if references is None else references
    subopts, uncertified = [], []
    for record in records:
        key = (record.fold, record.strength)
        if key not in references:
            sub = fit_problem(problem, workload, *key)
            try:
                references[key] = (sub, reference_solution(sub).objective)
            except ReferenceSolutionError as err:
                references[key] = (sub, str(err))
        sub, fstar = references[key]
        if isinstance(fstar, str):
            uncertified.append(f"fold {record.fold}, strength {record.strength}: {fstar}")
            continue
        value = objective(sub, (record.coef, record.intercept))
        subopt = (value - fstar) / max(1.0, abs(fstar)) if math.isfinite(value) else math.inf
        subopts.append(subopt)
    return FitsVerdict(
        n_fits=len(records),
        certified=len(subopts),
        reached=sum(s <= epsilon for s in subopts),
        max_rel_subopt=max(subopts) if subopts else math.nan,
        uncertified=tuple(uncertified),
    )
