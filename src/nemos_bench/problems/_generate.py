"""Synthetic Poisson GLM data: ``make_regression`` predictor turned into spike counts."""

from __future__ import annotations

import dataclasses

import numpy as np
from sklearn.datasets import make_regression
from threadpoolctl import threadpool_limits

from ._spec import ProblemSpec

__all__ = ["BASE_RATE", "RATE_SCALE", "Z_CLIP", "Problem", "make_problem"]

#: Rate (spikes per bin) at the mean of the linear predictor.
BASE_RATE = 0.5
#: Log-rate change per standard deviation of the linear predictor.
RATE_SCALE = 0.75
#: Standardized predictor is clipped to ``[-Z_CLIP, Z_CLIP]``; rates never exceed
#: ``BASE_RATE * exp(RATE_SCALE * Z_CLIP)`` (about 45 spikes per bin).
Z_CLIP = 6.0


def _readonly(array: np.ndarray) -> np.ndarray:
    array = np.ascontiguousarray(array, dtype=np.float64)
    array.flags.writeable = False
    return array


@dataclasses.dataclass(frozen=True, eq=False)
class Problem:
    """Data of one benchmark problem (all arrays float64, C-contiguous and read-only).

    Attributes
    ----------
    spec :
        The :class:`ProblemSpec` it was generated from.
    X :
        Design matrix, shape ``(n_samples, n_features)``.
    y :
        Spike counts (integer-valued floats), shape ``(n_samples,)`` for one output and
        ``(n_samples, n_outputs)`` otherwise.
    true_coef :
        Coefficients of the noiseless part of the simulated log-rate, shape ``(n_features,)``
        or ``(n_features, n_outputs)``.
    true_intercept :
        Intercepts of the simulated log-rate, shape ``(1,)`` or ``(n_outputs,)``.
    """

    spec: ProblemSpec
    X: np.ndarray
    y: np.ndarray
    true_coef: np.ndarray
    true_intercept: np.ndarray

    @property
    def n_samples(self) -> int:
        """Number of samples."""
        return self.spec.n_samples

    @property
    def n_features(self) -> int:
        """Number of features."""
        return self.spec.n_features

    @property
    def n_outputs(self) -> int:
        """Number of outputs."""
        return self.spec.n_outputs


def make_problem(spec: ProblemSpec) -> Problem:
    """Simulate the data of a problem, deterministically from its spec.

    ``sklearn.datasets.make_regression(n_samples, n_features, n_targets=n_outputs,
    noise=noise, random_state=seed, coef=True)`` gives a Gaussian design ``X`` and linear
    predictors ``u`` (default ``n_informative=10``: at most 10 features carry signal). Per
    output, ``u`` is standardized, ``z = (u - mean(u)) / std(u)``, clipped to
    ``[-Z_CLIP, Z_CLIP]``, and mapped to the log-rate
    ``eta = log(BASE_RATE) + RATE_SCALE * z``; counts are
    ``np.random.default_rng(seed).poisson(exp(eta))``.

    With ``BASE_RATE = 0.5`` and ``RATE_SCALE = 0.75``, 95% of the rates lie in about
    0.11–2.2 spikes per bin and 99.9% in about 0.04–6, a realistic spiking range. Overflow is
    impossible at any size: the clip bounds every rate by ``0.5 * exp(4.5) ~ 45`` (a Gaussian
    ``z`` exceeds 6 with probability 2e-9, so the clip almost never acts and the data follow
    the GLM exactly). A constant predictor (``n_samples == 1``) gives ``z = 0``.

    Parameters
    ----------
    spec :
        The problem to generate.

    Returns
    -------
    Problem
        ``X`` and ``y`` (float64), and the simulating ``true_coef`` and ``true_intercept``
        (those of the noiseless predictor; with ``noise > 0`` the log-rate also has the noise).

    Examples
    --------
    >>> problem = make_problem(ProblemSpec(n_samples=100, n_features=3, n_outputs=2))
    >>> problem.X.shape, problem.y.shape, problem.true_coef.shape
    ((100, 3), (100, 2), (3, 2))
    >>> bool(np.all(problem.y == np.round(problem.y)))
    True
    """
    if not isinstance(spec, ProblemSpec):
        raise TypeError(f"`spec` must be a ProblemSpec, got {type(spec).__name__}.")
    n, p, k = spec.n_samples, spec.n_features, spec.n_outputs
    with threadpool_limits(limits=1, user_api="blas"):  # same bits whatever the thread count
        X, u, coef = make_regression(
            n_samples=n,
            n_features=p,
            n_targets=k,
            noise=spec.noise,
            random_state=spec.seed,
            coef=True,
        )
    u = np.asarray(u, dtype=np.float64).reshape(n, k)
    coef = np.asarray(coef, dtype=np.float64).reshape(p, k)
    mean = u.mean(axis=0)
    std = u.std(axis=0)
    safe_std = np.where(std > 0, std, 1.0)
    z = np.clip((u - mean) / safe_std, -Z_CLIP, Z_CLIP)
    z[:, std == 0] = 0.0
    eta = np.log(BASE_RATE) + RATE_SCALE * z
    rate = np.exp(eta)
    y = np.random.default_rng(spec.seed).poisson(rate).astype(np.float64)

    gain = np.where(std > 0, RATE_SCALE / safe_std, 0.0)
    true_coef = coef * gain
    true_intercept = np.log(BASE_RATE) - mean * gain  # make_regression's bias is 0
    if k == 1:
        y, true_coef = y[:, 0], true_coef[:, 0]
    return Problem(
        spec=spec,
        X=_readonly(X),
        y=_readonly(y),
        true_coef=_readonly(true_coef),
        true_intercept=_readonly(true_intercept),
    )
