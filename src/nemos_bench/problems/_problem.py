"""A problem's data: :class:`Problem`, built read-only from simulated or read arrays.

Both sources of a problem's data build it here: the simulations of ``_generate`` and the
user's data files of ``_data``.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from ._spec import ProblemSpec

__all__ = ["Problem", "read_only_problem"]


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
        Observations: spike counts (integer-valued floats) for Poisson and NegativeBinomial,
        0/1 for Bernoulli, positive reals for Gamma, reals for Gaussian; shape
        ``(n_samples,)`` for one output and ``(n_samples, n_outputs)`` otherwise.
    true_coef :
        Coefficients of the noiseless part of the simulated linear predictor (the log-rate of
        a Poisson problem), shape ``(n_features,)`` or ``(n_features, n_outputs)``; NaN for
        a user's data file (``design`` ``"npz"`` or ``"nwb"``): its parameters are unknown.
    true_intercept :
        Intercepts of the simulated linear predictor, shape ``(1,)`` or ``(n_outputs,)``;
        NaN for a user's data file.
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


def read_only_problem(spec: ProblemSpec, X, y, coef, intercept) -> Problem:
    """The read-only :class:`Problem`, with 1-D ``y`` and ``coef`` for a single output."""
    if spec.n_outputs == 1:
        y, coef = y[:, 0], coef[:, 0]
    return Problem(
        spec=spec,
        X=_readonly(X),
        y=_readonly(y),
        true_coef=_readonly(coef),
        true_intercept=_readonly(intercept),
    )
