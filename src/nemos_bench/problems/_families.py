"""Observation models: NeMoS's per-sample losses with its default links, in float64 NumPy.

Each family gives, as a function of the linear predictor ``eta = X @ coef + intercept``, the
per-sample loss that NeMoS averages over samples (constants dropped, as NeMoS drops them) and
its first and second derivatives in ``eta``; the clipping NeMoS applies to the predicted mean
is reproduced, so the values equal NeMoS's wherever the clip is active too. Each family also
draws the observations of a problem from its mean. Checked against NeMoS 0.2.8 and 0.2.9 in
the tests.

=================  =================  ==========================================================
observation        mean (NeMoS link)  per-sample loss (NeMoS's, log-terms of y dropped)
=================  =================  ==========================================================
Poisson            ``exp(eta)``       ``mu - y log(mu)``, ``mu`` clipped below at eps
NegativeBinomial   ``exp(eta)``       ``-y log(phi mu / (1 + phi mu)) + log(1 + phi mu) / phi``
                                      (``phi = NB_SCALE``, NeMoS's ``scale``), ``mu >= eps``
Bernoulli          ``logistic(eta)``  ``-y log(p) - (1 - y) log(1 - p)``, ``p`` in [eps, 1-eps]
Gamma              ``1 / eta``        ``y / mu + log(mu)``, ``mu`` clipped below at eps
Gaussian           ``eta``            ``(y - mu)**2`` (no 1/2 factor: NeMoS's exact loss)
=================  =================  ==========================================================
"""

from __future__ import annotations

import dataclasses

import numpy as np
from scipy.special import expit

__all__ = [
    "BERNOULLI_BASE_PROB",
    "GAMMA_BASE_MEAN",
    "GAMMA_SHAPE",
    "GAMMA_SLOPE",
    "GAUSSIAN_NOISE",
    "NB_SCALE",
    "OBSERVATIONS",
    "Family",
    "InterceptError",
    "get_family",
]

#: Observation models a problem may use (NeMoS names), in NeMoS's documentation order.
OBSERVATIONS = ("Poisson", "Bernoulli", "Gamma", "Gaussian", "NegativeBinomial")
#: NegativeBinomial dispersion ``phi`` (NeMoS's ``scale``, its default): variance
#: ``mu + phi mu**2``. It enters the objective, so the model is built with it.
NB_SCALE = 1.0
#: Bernoulli: success probability at the mean of the linear predictor.
BERNOULLI_BASE_PROB = 0.3
#: Gamma: mean of the observations at the mean of the linear predictor.
GAMMA_BASE_MEAN = 1.0
#: Gamma: shape of the simulated draws (coefficient of variation ``1/sqrt(2)``); NeMoS's Gamma
#: loss does not involve it.
GAMMA_SHAPE = 2.0
#: Gamma: ``eta = (1 + GAMMA_SLOPE z) / mean`` stays positive for ``|z| <= Z_CLIP``.
GAMMA_SLOPE = 0.15
#: Gaussian: standard deviation of the observation noise.
GAUSSIAN_NOISE = 1.0

_EPS = float(np.finfo(np.float64).eps)
_LOG_EPS = float(np.log(_EPS))
_LOG1M_EPS = float(np.log1p(-_EPS))


class InterceptError(ValueError):
    """The observations admit no finite intercept-only optimum (e.g. no spikes at all)."""


@dataclasses.dataclass(frozen=True)
class Family:
    """One observation model with NeMoS's default link (see the module's table).

    Attributes
    ----------
    name :
        NeMoS's name, e.g. ``"Gamma"``.
    """

    name: str

    @property
    def prefix(self) -> str:
        """Lower-case name that starts the problem ids of this family, e.g. ``gamma``."""
        return self.name.lower()

    def loss(self, eta: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Per-sample losses at the linear predictor ``eta`` (``inf`` where it overflows)."""
        return self.derivatives(eta, y, order=0)[0]

    def derivatives(self, eta: np.ndarray, y: np.ndarray, order: int = 2) -> tuple:
        """``(loss, d loss / d eta, d2 loss / d eta2)`` per sample, up to ``order``.

        Where NeMoS's clip of the mean is active the loss is flat: the first derivative is 0.
        The second derivative is the curvature used by the reference's Newton steps.
        """
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            return getattr(self, f"_{self.name.lower()}")(eta, y, order)

    @staticmethod
    def _poisson(eta, y, order):
        rate = np.exp(eta)
        active = rate >= _EPS
        rate = np.where(active, rate, _EPS)
        log_rate = np.where(active, eta, _LOG_EPS)  # == log(rate), without log(exp) rounding
        loss = rate - y * log_rate
        if order == 0:
            return (loss,)
        return loss, np.where(active, rate - y, 0.0), rate

    @staticmethod
    def _negativebinomial(eta, y, order):
        phi = NB_SCALE
        mu = np.exp(eta)
        active = mu >= _EPS
        mu = np.where(active, mu, _EPS)
        log_mu = np.where(active, eta, _LOG_EPS)
        log1p_phi_mu = np.log1p(phi * mu)
        loss = -y * (np.log(phi) + log_mu - log1p_phi_mu) + log1p_phi_mu / phi
        if order == 0:
            return (loss,)
        share = phi * mu / (1.0 + phi * mu)  # = 1 - 1 / (1 + phi mu)
        weight = y + 1.0 / phi
        return loss, np.where(active, weight * share - y, 0.0), weight * share * (1.0 - share)

    @staticmethod
    def _bernoulli(eta, y, order):
        prob = expit(eta)
        low, high = prob < _EPS, prob > 1.0 - _EPS
        log_p = np.where(low, _LOG_EPS, np.where(high, _LOG1M_EPS, -np.logaddexp(0.0, -eta)))
        log_q = np.where(low, _LOG1M_EPS, np.where(high, _LOG_EPS, -np.logaddexp(0.0, eta)))
        loss = -(y * log_p + (1.0 - y) * log_q)
        if order == 0:
            return (loss,)
        prob = np.clip(prob, _EPS, 1.0 - _EPS)
        return loss, np.where(low | high, 0.0, prob - y), prob * (1.0 - prob)

    @staticmethod
    def _gamma(eta, y, order):
        mean = 1.0 / eta
        active = mean >= _EPS  # eta <= 0 gives a mean below eps (or -inf): clipped by NeMoS
        loss = np.where(active, y * eta - np.log(eta), y / _EPS + _LOG_EPS)
        loss = np.where(eta == 0.0, np.inf, loss)
        if order == 0:
            return (loss,)
        return loss, np.where(active, y - mean, 0.0), np.where(active, mean * mean, 0.0)

    @staticmethod
    def _gaussian(eta, y, order):
        resid = y - eta
        if order == 0:
            return (resid * resid,)
        return resid * resid, -2.0 * resid, np.full_like(resid, 2.0)

    def intercept_only(self, y: np.ndarray, label: str) -> float:
        """The intercept that minimizes the loss with zero coefficients (mean matched).

        Raises
        ------
        InterceptError
            If that optimum is not finite (no spikes, all-equal binary outputs, ...).
        """
        mean = float(np.mean(y))
        if self.name in ("Poisson", "NegativeBinomial"):
            if mean <= 0:
                raise InterceptError(
                    f"{label} has no spikes, so its intercept has no finite optimum "
                    "(it tends to -inf)."
                )
            return float(np.log(mean))
        if self.name == "Bernoulli":
            if not 0 < mean < 1:
                raise InterceptError(
                    f"{label} is {int(mean)} in every sample, so its intercept has no finite "
                    "optimum."
                )
            return float(np.log(mean) - np.log1p(-mean))
        if self.name == "Gamma":
            if mean <= 0:
                raise InterceptError(f"{label} has no positive observation; Gamma needs y > 0.")
            return 1.0 / mean
        return mean

    def simulate(self, z: np.ndarray, offset, scale: float, rng) -> tuple[np.ndarray, tuple]:
        """Observations drawn from the standardized predictor ``z`` (one column per output).

        Returns ``(y, (gain, offset))``: the linear predictor of the simulating model is
        ``eta = offset + gain * z``. ``offset`` and ``scale`` are the Poisson/NegativeBinomial
        log-rate offset and slope; the other families use their own constants.
        """
        if self.name == "Poisson":
            return rng.poisson(np.exp(offset + scale * z)).astype(np.float64), (scale, offset)
        if self.name == "NegativeBinomial":  # Gamma-Poisson mixture with variance mu + phi mu^2
            mu = np.exp(offset + scale * z)
            shape = 1.0 / NB_SCALE
            return rng.negative_binomial(shape, shape / (shape + mu)).astype(np.float64), (
                scale,
                offset,
            )
        if self.name == "Bernoulli":
            base = float(np.log(BERNOULLI_BASE_PROB) - np.log1p(-BERNOULLI_BASE_PROB))
            prob = expit(base + z)
            return (rng.random(z.shape) < prob).astype(np.float64), (1.0, base)
        if self.name == "Gamma":
            base = 1.0 / GAMMA_BASE_MEAN
            mean = 1.0 / (base * (1.0 + GAMMA_SLOPE * z))
            return rng.gamma(GAMMA_SHAPE, mean / GAMMA_SHAPE), (base * GAMMA_SLOPE, base)
        return z + GAUSSIAN_NOISE * rng.standard_normal(z.shape), (1.0, 0.0)


_FAMILIES = {name: Family(name) for name in OBSERVATIONS}


def get_family(name: str) -> Family:
    """The :class:`Family` of an observation model name.

    Examples
    --------
    >>> fam = get_family("Gaussian")
    >>> fam.loss(np.array([1.0]), np.array([3.0]))
    array([4.])
    """
    try:
        return _FAMILIES[name]
    except KeyError:
        raise ValueError(
            f"`observation` must be one of {list(OBSERVATIONS)}, got {name!r}."
        ) from None
