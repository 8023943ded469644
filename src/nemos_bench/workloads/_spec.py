"""What a workload is: its kind, its regularizer strengths, its folds, and their checks."""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from ..problems import DEFAULT_STRENGTHS, ProblemSpec

__all__ = [
    "DEFAULT_FOLDS",
    "DEFAULT_N_STRENGTHS",
    "DEFAULT_WORKLOAD_REPEATS",
    "WORKLOADS",
    "WORKLOAD_EPSILON",
    "Workload",
    "WorkloadError",
    "make_workload",
]

#: Kinds of workload: ``path`` fits the strengths in sequence on all the data; ``cv`` is
#: scikit-learn's GridSearchCV over the strengths and the folds.
WORKLOADS = ("path", "cv")
#: Number of strengths when none is given: log-spaced around the problem's strength.
DEFAULT_N_STRENGTHS = 3
#: Folds of a ``cv`` workload when none is given.
DEFAULT_FOLDS = 3
#: Times each workload is run (each in a fresh compilation state) when none is given.
DEFAULT_WORKLOAD_REPEATS = 3
#: Accuracy target of every fit: ``f - f* <= eps * max(1, |f*|)`` (the report's default).
WORKLOAD_EPSILON = 1e-6
#: Decades spanned by default strengths, centred (in log) on the problem's strength.
_DECADES = 2.0


class WorkloadError(ValueError):
    """A workload that cannot be built from the values given (one sentence, what is accepted)."""


@dataclasses.dataclass(frozen=True)
class Workload:
    """One workload of one problem: what a NeMoS user runs end to end.

    Attributes
    ----------
    kind :
        ``"path"`` or ``"cv"`` (:data:`WORKLOADS`).
    regularizer :
        NeMoS regularizer of every fit (an UnRegularized problem's workload uses Ridge).
    strengths :
        Regularizer strengths, in the order they are fitted.
    folds :
        Folds of ``cv`` (scikit-learn's ``KFold(folds)``, what ``cv=folds`` means for a
        regressor); ``0`` for ``path``.
    """

    kind: str
    regularizer: str
    strengths: tuple[float, ...]
    folds: int = 0

    @property
    def n_fits(self) -> int:
        """Fits per run: G for ``path``; G x K plus GridSearchCV's refit on all data for ``cv``."""
        g = len(self.strengths)
        return g if self.kind == "path" else g * self.folds + 1


def _strengths(spec: ProblemSpec, regularizer: str, strengths) -> tuple[float, ...]:
    if strengths is None:
        strengths = DEFAULT_N_STRENGTHS
    if isinstance(strengths, (int, np.integer)) and not isinstance(strengths, bool):
        count = int(strengths)
        if count < 2:
            raise WorkloadError(
                f"--strengths {count} is too few: a workload needs at least 2 regularizer "
                "strengths (a count >= 2 or a comma-separated list of positive numbers)."
            )
        centre = (
            spec.regularizer_strength
            if spec.regularizer == regularizer
            else DEFAULT_STRENGTHS[regularizer]
        )
        exponents = np.linspace(-_DECADES / 2, _DECADES / 2, count)
        return tuple(float(centre * 10.0**e) for e in exponents)
    values = tuple(float(v) for v in strengths)
    if len(values) < 2 or len(set(values)) != len(values):
        raise WorkloadError(
            f"--strengths {','.join(f'{v:g}' for v in values)} must hold at least 2 distinct "
            "positive numbers (or be a count >= 2)."
        )
    for value in values:
        if not (math.isfinite(value) and value > 0):
            raise WorkloadError(
                f"Regularizer strength {value!r} is not a positive finite number; give "
                "strengths such as 1e-4,1e-3,1e-2."
            )
    return values


def make_workload(
    kind: str, spec: ProblemSpec, strengths=None, folds: int | None = None
) -> Workload:
    """The workload ``kind`` of a problem, with checked strengths and folds.

    Parameters
    ----------
    kind :
        ``"path"`` or ``"cv"``.
    spec :
        The problem. Its regularizer is the workload's, except that an UnRegularized problem's
        workload uses Ridge (a path needs a penalty to vary).
    strengths :
        A count G >= 2: G strengths log-spaced over two decades centred on the problem's
        strength (Ridge's default strength for an UnRegularized problem); or a sequence of at
        least 2 distinct positive strengths. ``None``: :data:`DEFAULT_N_STRENGTHS`.
    folds :
        Folds K >= 2 of ``cv`` (``None``: :data:`DEFAULT_FOLDS`); ignored by ``path``.

    Returns
    -------
    Workload

    Raises
    ------
    WorkloadError
        For an unknown kind, fewer than 2 strengths, a non-positive strength, fewer than 2
        folds, or more folds than samples.

    Examples
    --------
    >>> spec = ProblemSpec(300, 5, regularizer="Ridge", regularizer_strength=1e-2)
    >>> w = make_workload("cv", spec)
    >>> [f"{s:g}" for s in w.strengths], w.folds, w.n_fits
    (['0.001', '0.01', '0.1'], 3, 10)
    >>> make_workload("path", ProblemSpec(300, 5), strengths=[0.1, 1.0]).regularizer
    'Ridge'
    """
    if kind not in WORKLOADS:
        raise WorkloadError(f"Unknown workload {kind!r}; choose one of {', '.join(WORKLOADS)}.")
    regularizer = "Ridge" if spec.regularizer == "UnRegularized" else spec.regularizer
    values = _strengths(spec, regularizer, strengths)
    if kind == "path":
        return Workload(kind, regularizer, values, 0)
    k = DEFAULT_FOLDS if folds is None else folds
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 2:
        raise WorkloadError(
            f"--folds {k!r} is not a whole number >= 2; cross-validation needs at least 2 folds."
        )
    if k > spec.n_samples:
        raise WorkloadError(
            f"--folds {k} exceeds the {spec.n_samples} samples of {spec.problem_id}; give at "
            "most one fold per sample."
        )
    return Workload(kind, regularizer, values, int(k))
