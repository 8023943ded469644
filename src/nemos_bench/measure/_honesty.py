"""Checks that a cell's timed repeats do the work of a fit, and how the fit ended.

A solver whose ``run`` returns a cached answer, or warm-starts from its previous answer,
would be timed doing less work than a user's fit. Two checks catch it:

- the timed repeats must redo the first fit: the same parameters (to a tight tolerance)
  and the same number of steps. A repeat may differ in the last bits on an ill-conditioned
  fit (some solvers are not deterministic there), so a cell fails only when *every* repeat
  differs and fresh instances of the solver redo the first fit exactly: the mark of state
  kept between calls (see :func:`judge_repeats`); otherwise the ok row says it is not
  deterministic (``repeats_differ``, ``reason``);
- one untimed control call on other data of the same shape (counts drawn with another seed
  from the rates of the problem's reference optimum) must not return the first fit's
  parameters.

A cell failing either gets a ``failed`` row whose reason says so, and no time.
"""

from __future__ import annotations

import numpy as np

from ..problems import Problem, Reference
from ..solvers import coef_intercept, optim_info

__all__ = [
    "FRESH_TRIES",
    "NotRepeatable",
    "SAME_DATA_REPEATS",
    "RepeatRecord",
    "check_control",
    "control_counts",
    "fit_outcome",
    "flat_params",
    "judge_repeats",
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


class RepeatRecord:
    """``check(index, output)`` for :func:`time_adaptive`: notes which repeats redo the fit.

    A repeat reproduces the first fit when it returns the same parameters (to ``RTOL`` /
    ``ATOL``) in the same number of steps. Nothing is raised while timing:
    :func:`judge_repeats` weighs the record once the samples are taken.

    Parameters
    ----------
    solver :
        The fitted solver instance (for its optimisation summary).
    first_params : numpy.ndarray
        :func:`flat_params` of the first fit.
    first_state :
        The solver state of the first fit (``model.solver_state_``); ``None`` skips the
        step-count comparison.
    """

    def __init__(self, solver, first_params: np.ndarray, first_state):
        self.solver = solver
        self.first_params = first_params
        self.first_steps = None if first_state is None else _steps(solver, first_state)
        self.found: dict[int, str | None] = {}

    def difference(self, params, steps: int | None) -> str | None:
        """How a fit of ``params`` in ``steps`` differs from the first fit, or ``None``."""
        if self.first_steps is not None and steps is not None and steps != self.first_steps:
            return f"took {steps} steps where the first fit took {self.first_steps}"
        differ = _differs(flat_params(params), self.first_params)
        if differ is not None:
            return (
                "returned parameters that differ from the first fit's (largest relative "
                f"difference {differ:.2g})"
            )
        return None

    def __call__(self, index: int, output) -> None:
        params, state = output[0], output[1]
        self.found[index] = self.difference(params, _steps(self.solver, state))

    def differing(self, n_repeats: int) -> list[tuple[int, str]]:
        """``(index, difference)`` of the first ``n_repeats`` repeats that differ."""
        return [(i, d) for i, d in sorted(self.found.items()) if i < n_repeats and d]


#: Fresh solver instances fitted before a solver is said to keep state between calls.
FRESH_TRIES = 3


def judge_repeats(record: RepeatRecord, n_repeats: int, fresh_fit, rerun=None) -> str:
    """Whether differing repeats mean a solver that keeps state; a note when they do not.

    A solver that keeps state between ``run`` calls (a warm start from its last answer)
    makes *every* repeat differ from the first fit, while a fresh instance of it redoes the
    first fit exactly. A solver that is merely not deterministic (the last bits of a BLAS
    reduction steering an ill-conditioned fit) differs on some calls only, or differs on
    fresh instances too. So: no differing repeat gives ``""``; some, or a fresh instance
    that also differs, gives a note for the ok row; every repeat differing while
    ``FRESH_TRIES`` fresh instances reproduce the first fit raises :class:`NotRepeatable`.

    Parameters
    ----------
    record : RepeatRecord
        What the timed repeats returned.
    n_repeats : int
        Number of timed repeats kept.
    fresh_fit : callable
        ``fresh_fit()`` fits a fresh instance of the solver from the same start and
        returns ``(params, steps)`` (``params`` as :func:`flat_params` takes them).
    rerun : callable, optional
        When the timed repeats ran on other arrays than the first fit (fresh, sign-flipped
        copies, see ``_fresh``), a warm start from the previous answer does not show as
        plainly there: ``rerun()`` then makes ``SAME_DATA_REPEATS`` untimed calls on the
        first fit's own data and returns their :class:`RepeatRecord`, which is judged as
        above in place of the timed repeats.

    Examples
    --------
    >>> record = RepeatRecord(None, np.ones(2), None)
    >>> record.found = {0: None, 1: "took 5 steps where the first fit took 25"}
    >>> judge_repeats(record, 2, fresh_fit=None)[:40]
    'Not deterministic here: 1 of 2 timed rep'
    """
    differing = record.differing(n_repeats)
    if not differing:
        return ""
    index, how = differing[0]
    seen = f"repeat {index + 1} {how}"
    first_words, every = "Timed repeat", "every other repeat"
    if len(differing) == n_repeats:
        which = f"every timed repeat differed from the first fit ({seen})"
    else:
        which = (
            f"{len(differing)} of {n_repeats} timed repeats did not redo the first fit "
            f"exactly ({seen})"
        )
    if rerun is not None:
        again = rerun()
        n_same = len(again.found)
        same = again.differing(n_same)
        if len(same) < n_same:
            return _not_deterministic(f"{which}, while {n_same - len(same)} of {n_same} "
                                      "repeats on the same data did")  # fmt: skip
        (index, how), first_words = same[0], "Repeat"
        every = f"every other of {n_same} repeats on the same data"
        which += f", and so did every one of {n_same} repeats on the same data"
    elif len(differing) < n_repeats:
        return _not_deterministic(f"{which} while the others did")
    for _ in range(FRESH_TRIES):
        params, steps = fresh_fit()
        fresh = record.difference(params, steps)
        if fresh is not None:
            return _not_deterministic(
                f"{which}, and so did a fresh instance of the solver (it {fresh})"
            )
    raise NotRepeatable(
        f"{first_words} {index + 1} {how} from the same starting point and data, as did {every}, "
        f"while {FRESH_TRIES} fresh instances of the solver redid the first fit "
        "exactly: the solver keeps state between run calls (e.g. it warm-starts from its "
        "previous answer), so its time is not the time of a fit; no time is reported."
    )


#: Untimed calls on the first fit's own data that judge a solver whose timed repeats differ.
SAME_DATA_REPEATS = 3


def _not_deterministic(what: str) -> str:
    return (
        f"Not deterministic here: {what}; a solver keeping state between calls would differ "
        "on every repeat and not on a fresh instance, so fit_s stands, as the median over "
        "fits that may differ in length."
    )


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
