"""Checks that a cell's timed repeats do the work of a fit, and how the fit ended.

A solver whose ``run`` returns a cached answer, or warm-starts from its previous answer,
would be timed doing less work than a user's fit. Two checks catch it:

- every timed repeat must reproduce the first fit: the same parameters (to a tight
  tolerance) and the same number of steps;
- one untimed control call on other data of the same shape (counts drawn with another seed
  from the rates of the problem's reference optimum) must not return the first fit's
  parameters.

A cell failing either gets a ``failed`` row whose reason says so, and no time.
"""

from __future__ import annotations

import numpy as np

from ..problems import Problem, Reference
from ..solvers._compat import coef_intercept, optim_info

__all__ = [
    "NotRepeatable",
    "check_control",
    "control_counts",
    "fit_outcome",
    "flat_params",
    "repeat_checker",
]

#: Parameters "agree" when ``|a - b| <= RTOL * |b| + ATOL`` element-wise.
RTOL, ATOL = 1e-8, 1e-10
#: Seed salt of the control data (mixed with the problem's seed).
_CONTROL_SALT = 0xC0_17_01

_control_cache: dict = {}


class NotRepeatable(Exception):
    """The solver's timed calls do not redo the first fit; the message is the cell's reason."""


def flat_params(params) -> np.ndarray:
    """All coefficients then all intercepts of ``params``, as one float64 vector."""
    coef, intercept = coef_intercept(params)
    parts = (np.ravel(np.asarray(coef, float)), np.ravel(np.asarray(intercept, float)))
    return np.concatenate(parts)


def _differs(a: np.ndarray, b: np.ndarray) -> float | None:
    """Largest relative difference of ``a`` from ``b`` when they disagree, else ``None``."""
    if a.shape != b.shape:
        return float("inf")
    if np.allclose(a, b, rtol=RTOL, atol=ATOL, equal_nan=True):
        return None
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(np.nanmax(np.abs(a - b) / np.maximum(np.abs(b), ATOL)))


def _steps(solver, state) -> int | None:
    try:
        return int(optim_info(solver, state).num_steps)
    except Exception:  # noqa: BLE001 - a state without a summary: the step check is skipped
        return None


def repeat_checker(solver, first_params: np.ndarray, first_state):
    """``check(index, output)`` for :func:`time_adaptive`: raise unless a repeat redoes the fit.

    Parameters
    ----------
    solver :
        The fitted solver instance (for its optimisation summary).
    first_params : numpy.ndarray
        :func:`flat_params` of the first fit.
    first_state :
        The solver state of the first fit (``model.solver_state_``); ``None`` skips the
        step-count check.
    """
    first_steps = None if first_state is None else _steps(solver, first_state)

    def check(index: int, output) -> None:
        params, state = output[0], output[1]
        steps = _steps(solver, state)
        # Fewer steps is the mark of a warm start; more can come from rounding: near the
        # float64 floor the last bits of a multi-threaded gradient steer a few extra steps.
        if first_steps is not None and steps is not None and steps < first_steps:
            raise NotRepeatable(
                f"Timed repeat {index + 1} took {steps} steps where the first fit took "
                f"{first_steps} from the same starting point: the solver keeps state between "
                "run calls (e.g. it warm-starts from its previous answer), so its time is "
                "not the time of a fit; no time is reported."
            )
        differ = _differs(flat_params(params), first_params)
        if differ is not None:
            raise NotRepeatable(
                f"Timed repeat {index + 1} returned parameters that differ from the first "
                f"fit's (largest relative difference {differ:.2g}) from the same starting "
                "point and data: the solver keeps state between run calls (e.g. it "
                "warm-starts from its previous answer), so its time is not the time of a "
                "fit; no time is reported."
            )

    return check


def control_counts(problem: Problem, reference: Reference) -> np.ndarray:
    """Observations of the same shape as ``problem.y`` that are not ``problem.y``.

    Poisson: counts drawn with another seed from the rates at the problem's reference
    optimum; other observation models: the rows of ``y`` shuffled with that seed (the same
    support, e.g. 0/1 or positive values). Cached for the last problem.

    Examples
    --------
    >>> from nemos_bench.problems import ProblemSpec, load_problem, load_reference
    >>> spec = ProblemSpec(200, 3)
    >>> y2 = control_counts(load_problem(spec), load_reference(spec))
    >>> y2.shape == load_problem(spec).y.shape, bool((y2 != load_problem(spec).y).any())
    (True, True)
    """
    key = problem.spec
    if key not in _control_cache:
        _control_cache.clear()
        rng = np.random.default_rng([_CONTROL_SALT, problem.spec.seed])
        if getattr(problem.spec, "observation", "Poisson") == "Poisson":
            coef = np.asarray(reference.coef, dtype=float)
            eta = np.asarray(problem.X, dtype=float) @ coef + np.asarray(reference.intercept)
            rate = np.exp(np.clip(eta.reshape(problem.y.shape), -30.0, 20.0))
            counts = rng.poisson(rate).astype(np.float64)
        else:  # other models: the observations in another order keep their support
            y = np.asarray(problem.y, dtype=np.float64)
            counts = y[rng.permutation(y.shape[0])].copy()
        counts.flags.writeable = False
        _control_cache[key] = counts
    return _control_cache[key]


def check_control(control_params, first_params: np.ndarray) -> None:
    """Raise :class:`NotRepeatable` when the control call returned the first fit's answer."""
    if _differs(flat_params(control_params), first_params) is None:
        raise NotRepeatable(
            "A control run on other data of the same shape returned the first fit's "
            "parameters: the solver returns a cached answer instead of solving the data it "
            "is given, so its time is not the time of a fit; no time is reported."
        )


def fit_outcome(converged: bool, reached_max_steps: bool) -> str:
    """How a fit ended: ``converged``, ``max_steps`` or ``not_converged``.

    Examples
    --------
    >>> fit_outcome(True, False), fit_outcome(False, True), fit_outcome(False, False)
    ('converged', 'max_steps', 'not_converged')
    """
    if converged:
        return "converged"
    return "max_steps" if reached_max_steps else "not_converged"
