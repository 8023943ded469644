"""The fits of a workload, done as a NeMoS user does them, each fit's parameters recorded."""

from __future__ import annotations

import dataclasses
from typing import Any

import nemos as nmo
import numpy as np
from sklearn.model_selection import GridSearchCV, KFold

from ..measure import model_kwargs
from ..problems import Problem
from ..solvers import coef_intercept, parse_solver_label
from ._spec import Workload

__all__ = ["ALL_ROWS", "FitRecord", "fold_tests", "make_glm", "run_fits"]

#: ``FitRecord.fold`` of a fit on all the data (a path's fits, GridSearchCV's refit).
ALL_ROWS = -1


@dataclasses.dataclass(frozen=True, eq=False)
class FitRecord:
    """One fit of a workload: on which rows, at which strength, and what it returned.

    Attributes
    ----------
    fold :
        Index of the held-out fold (the fit used every other row), or :data:`ALL_ROWS`.
    strength :
        Index into :attr:`Workload.strengths`.
    coef, intercept :
        The fitted parameters, as NumPy arrays.
    solver_class :
        Name of the solver class that did the fit (``""`` if the model does not say):
        scikit-learn's ``clone`` rebuilds each GridSearchCV model from ``get_params()``, so
        a NeMoS whose ``solver_name`` drops the backend fits another class than asked.
    """

    fold: int
    strength: int
    coef: np.ndarray
    intercept: np.ndarray
    solver_class: str = ""


def grid_value(spec, strength: float) -> Any:
    """NeMoS's ``regularizer_strength`` for ``strength`` (ElasticNet: ``(strength, ratio)``)."""
    return (strength, spec.l1_ratio) if spec.regularizer == "ElasticNet" else strength


def make_glm(spec, workload: Workload, solver: str, strength: float, tol: float, maxiter: int):
    """The NeMoS model a user builds for this problem, solver label and strength.

    ``GLM`` for one output, ``PopulationGLM`` for more; the observation model with NeMoS's
    default link, the workload's regularizer, the label's settings plus ``tol`` and
    ``maxiter`` in ``solver_kwargs``.

    Examples
    --------
    >>> from nemos_bench.problems import ProblemSpec
    >>> from nemos_bench.workloads import make_workload
    >>> spec = ProblemSpec(100, 3)
    >>> glm = make_glm(spec, make_workload("path", spec), "LBFGS", 0.5, 1e-6, 50)
    >>> type(glm).__name__, glm.regularizer_strength, glm.solver_kwargs["tol"]
    ('GLM', 0.5, 1e-06)
    """
    spec = dataclasses.replace(
        spec, regularizer=workload.regularizer, regularizer_strength=strength
    )
    name, settings = parse_solver_label(solver)
    kwargs = model_kwargs(spec)  # as a cell builds it: observation model, regularizer
    kwargs.pop("regularizer_strength", None)
    cls = nmo.glm.GLM if spec.n_outputs == 1 else nmo.glm.PopulationGLM
    return cls(
        **kwargs,
        regularizer_strength=grid_value(spec, strength),
        solver_name=name,
        solver_kwargs={**settings, "tol": tol, "maxiter": maxiter},
    )


def fold_tests(n_samples: int, folds: int) -> list[np.ndarray]:
    """Held-out rows of each fold: scikit-learn's ``KFold(folds)``.

    That is what ``cv=folds`` means for a regressor such as NeMoS's GLM (contiguous
    blocks, no shuffling).

    Examples
    --------
    >>> [t.tolist() for t in fold_tests(5, 2)]
    [[0, 1, 2], [3, 4]]
    """
    return [test for _, test in KFold(n_splits=folds).split(np.empty((n_samples, 1)))]


def _fitted(model) -> tuple[np.ndarray, np.ndarray, str]:
    """A fitted model's parameters as NumPy arrays and the name of its solver's class."""
    coef, intercept = coef_intercept((model.coef_, model.intercept_))
    used = type(getattr(model, "_solver", None))
    return (
        np.array(coef, dtype=np.float64),
        np.array(intercept, dtype=np.float64).reshape(-1),
        "" if used is type(None) else used.__name__,
    )


def _strength_index(workload: Workload, value) -> int:
    value = float(value[0] if isinstance(value, (tuple, list)) else value)
    return int(np.argmin([abs(s - value) for s in workload.strengths]))


def run_fits(problem: Problem, workload: Workload, solver: str, tol: float, maxiter: int):
    """Run the workload once; return its fits as :class:`FitRecord` (in the order done).

    - ``path``: one new GLM per strength, in order, each fitted on all the data from NeMoS's
      default initialization (no warm start), as in a loop ``for lam in strengths:
      GLM(..., regularizer_strength=lam).fit(X, y)``.
    - ``cv``: ``GridSearchCV(glm, {"regularizer_strength": strengths}, cv=K).fit(X, y)``
      with scikit-learn's defaults (``refit=True``: the best strength is fitted once more
      on all the data, and that fit is recorded too) and ``error_score="raise"``. Each fold
      fit's parameters are read by the scorer, which returns the estimator's own ``score``
      (the default scoring) after noting them.
    """
    spec, X, y = problem.spec, np.asarray(problem.X), np.asarray(problem.y)
    records: list[FitRecord] = []

    def glm(strength: float):
        return make_glm(spec, workload, solver, strength, tol, maxiter)

    if workload.kind == "path":
        for index, strength in enumerate(workload.strengths):
            model = glm(strength).fit(X, y)
            records.append(FitRecord(ALL_ROWS, index, *_fitted(model)))
        return records
    tests = [X[test] for test in fold_tests(len(X), workload.folds)]

    def scorer(estimator, X_test, y_test):
        fold = next(
            i for i, t in enumerate(tests) if t.shape == X_test.shape and np.array_equal(t, X_test)
        )
        strength = _strength_index(workload, estimator.regularizer_strength)
        records.append(FitRecord(fold, strength, *_fitted(estimator)))
        return estimator.score(X_test, y_test)

    grid = {"regularizer_strength": [grid_value(spec, s) for s in workload.strengths]}
    search = GridSearchCV(
        glm(workload.strengths[0]), grid, cv=workload.folds, scoring=scorer, error_score="raise"
    )
    search.fit(X, y)
    best = search.best_estimator_
    strength = _strength_index(workload, best.regularizer_strength)
    records.append(FitRecord(ALL_ROWS, strength, *_fitted(best)))
    return records
