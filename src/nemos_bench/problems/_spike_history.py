"""Spike-history designs: a recurrent Poisson GLM population and its raised-cosine design.

Everything here is NumPy (no NeMoS, no JAX), so the data of a ``design="spike_history"``
problem do not depend on the installed NeMoS release.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "COUPLING_PROBABILITY",
    "MAX_BRANCHING",
    "RATE_CAP_FACTOR",
    "history_design",
    "raised_cosine_log_basis",
    "simulate_population",
]

#: Probability that neuron ``k`` drives neuron ``i != k`` (at least one partner when k > 1).
COUPLING_PROBABILITY = 0.3
#: Largest spectral radius of the excitatory branching matrix (see ``_filters``).
MAX_BRANCHING = 0.5
#: The simulated rate never exceeds ``RATE_CAP_FACTOR`` times the neuron's baseline rate.
RATE_CAP_FACTOR = 20.0
_OFFSET = 1.0  # log-warp offset: time axis log(lag + 1), nearly linear at the shortest lags


def raised_cosine_log_basis(n_basis: int, window: int) -> np.ndarray:
    """Log-stretched raised-cosine bumps over the lags ``1, ..., window`` (Pillow et al. 2008).

    Lags are warped to ``x = log(lag + 1)``; bump ``j`` is
    ``0.5 * (1 + cos(clip((x - c_j) * pi / (2 * d), -pi, pi)))`` with centres ``c_j`` evenly
    spaced from ``x(1)`` to ``x(window)`` and spacing ``d`` (for one bump, ``d`` is the whole
    warped range). Each bump reaches two spacings either side of its centre, so neighbours
    overlap heavily: short lags get narrow bumps, long lags wide ones.

    Parameters
    ----------
    n_basis :
        Number of bumps, a positive integer no larger than ``window``.
    window :
        History length in bins (lag 1 is the previous bin; the current bin is never used).

    Returns
    -------
    numpy.ndarray
        Shape ``(window, n_basis)``, row ``t`` for lag ``t + 1``; values in ``[0, 1]``.

    Examples
    --------
    >>> basis = raised_cosine_log_basis(4, 50)
    >>> basis.shape, float(basis[0, 0]), float(basis[-1, -1])
    ((50, 4), 1.0, 1.0)
    """
    lags = np.arange(1, window + 1, dtype=np.float64)
    x = np.log(lags + _OFFSET)
    centres = np.linspace(x[0], x[-1], n_basis)
    spacing = centres[1] - centres[0] if n_basis > 1 else x[-1] - x[0]
    spacing = spacing if spacing > 0 else 1.0  # window == 1: a single lag, a single bump
    arg = np.clip((x[:, None] - centres[None, :]) * (np.pi / (2.0 * spacing)), -np.pi, np.pi)
    return 0.5 * (1.0 + np.cos(arg))


def _filters(
    rng: np.random.Generator, basis: np.ndarray, n_neurons: int, baseline: np.ndarray
) -> np.ndarray:
    """Basis weights ``w[k, j, i]``: how neuron ``k``'s history (bump ``j``) drives neuron ``i``.

    Self-filters are refractory (strong inhibition at the shortest lags that fades with the
    lag); couplings are sparse, of random sign, peaking a few bins after the presynaptic spike.
    Couplings are then scaled down, if needed, until the spectral radius of the excitatory
    branching matrix (extra spikes of ``i`` caused by one spike of ``k``, at baseline rates)
    is at most ``MAX_BRANCHING``, so activity cannot run away.
    """
    n_basis = basis.shape[1]
    peak_lag = np.argmax(basis, axis=0) + 1.0  # the lag where each bump peaks
    jitter = np.exp(0.2 * rng.standard_normal((n_neurons, n_basis)))  # never self-excitatory
    self_weights = -2.0 * np.exp(-(peak_lag - 1.0) / 4.0) * jitter
    profile = np.exp(-((np.log(peak_lag) - np.log(5.0)) ** 2))  # coupling shape, peak ~5 bins
    profile = profile / np.max(basis @ profile)  # a unit-strength coupling peaks at 1
    partners = max(1.0, COUPLING_PROBABILITY * (n_neurons - 1))
    strength = rng.normal(0.0, 0.5 / np.sqrt(partners), size=(n_neurons, n_neurons))
    strength *= rng.random((n_neurons, n_neurons)) < COUPLING_PROBABILITY
    np.fill_diagonal(strength, 0.0)
    # branching[k, i] ~ rate_i * sum_lag (exp(h_ki(lag)) - 1)^+, linear in the strength.
    excess = np.maximum(strength, 0.0) * np.sum(basis @ profile)
    radius = np.max(np.abs(np.linalg.eigvals(excess * np.exp(baseline)[None, :])))
    if radius > MAX_BRANCHING:
        strength *= MAX_BRANCHING / radius
    weights = strength[:, None, :] * profile[None, :, None]
    idx = np.arange(n_neurons)
    weights[idx, :, idx] = self_weights
    return weights


def simulate_population(
    n_samples: int, n_neurons: int, basis: np.ndarray, rate: float, seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Spike counts of a recurrent Poisson GLM population, bin by bin.

    Neuron ``i`` fires ``Poisson(lambda_i(t))`` spikes in bin ``t`` with
    ``log lambda_i(t) = b_i + sum_k sum_lag h_ki(lag) * y_k(t - lag)`` (no spikes before the
    first bin), where ``h_ki = basis @ w[k, :, i]`` (see ``_filters``) and the baselines
    ``b_i = log(rate) + 0.2 * N(0, 1)``. The rate is capped at ``RATE_CAP_FACTOR * exp(b_i)``
    so that excitatory loops cannot run away. One ``numpy.random.default_rng(seed)`` draws the
    baselines, then the weights, then the counts, always in that order.

    Parameters
    ----------
    n_samples :
        Number of time bins.
    n_neurons :
        Number of neurons.
    basis :
        ``(window, n_basis)`` array from :func:`raised_cosine_log_basis`.
    rate :
        Baseline rate per bin (spikes per bin of a neuron with no recent input).
    seed :
        Seed of the generator.

    Returns
    -------
    counts : numpy.ndarray
        ``(n_samples, n_neurons)`` spike counts (float64).
    coef : numpy.ndarray
        ``(n_neurons * n_basis, n_neurons)``: row ``k * n_basis + j``, column ``i`` is
        ``w[k, j, i]``, matching the columns of :func:`history_design`.
    intercept : numpy.ndarray
        ``(n_neurons,)`` baselines ``b_i``.

    Examples
    --------
    >>> basis = raised_cosine_log_basis(3, 20)
    >>> counts, coef, intercept = simulate_population(500, 2, basis, 0.05, seed=0)
    >>> counts.shape, coef.shape, intercept.shape
    ((500, 2), (6, 2), (2,))
    """
    rng = np.random.default_rng(seed)
    window, n_basis = basis.shape
    intercept = np.log(rate) + 0.2 * rng.standard_normal(n_neurons)
    weights = _filters(rng, basis, n_neurons, intercept)
    # kernels[k] is the (window * n_neurons) drive that one spike of neuron k adds to the
    # next `window` bins of every neuron.
    kernels = np.einsum("lj,kji->kli", basis, weights).reshape(n_neurons, window * n_neurons)
    log_cap = intercept + np.log(RATE_CAP_FACTOR)
    drive = np.zeros((n_samples + window + 1, n_neurons))
    counts = np.zeros((n_samples, n_neurons))
    for t in range(n_samples):
        eta = np.minimum(intercept + drive[t], log_cap)
        spikes = rng.poisson(np.exp(eta))
        firing = np.flatnonzero(spikes)
        if firing.size:
            counts[t] = spikes
            kick = spikes[firing].astype(np.float64) @ kernels[firing]
            drive[t + 1 : t + 1 + window] += kick.reshape(window, n_neurons)
    coef = weights.reshape(n_neurons * n_basis, n_neurons)
    return counts, coef, intercept


def history_design(counts: np.ndarray, basis: np.ndarray) -> np.ndarray:
    """Each neuron's past counts convolved with each bump: the shared spike-history design.

    ``X[t, k * n_basis + j] = sum_lag basis[lag - 1, j] * counts[t - lag, k]`` over
    ``lag = 1, ..., window`` with ``t - lag >= 0`` (no spikes before the first bin), so row
    ``t`` uses only bins before ``t``. Built spike by spike (most bins hold no spike), with
    exact zeros where no spike lies in the window.

    Parameters
    ----------
    counts :
        ``(n_samples, n_neurons)`` spike counts.
    basis :
        ``(window, n_basis)`` bumps.

    Returns
    -------
    numpy.ndarray
        ``(n_samples, n_neurons * n_basis)`` float64.

    Examples
    --------
    >>> counts = np.zeros((6, 1)); counts[1, 0] = 2.0
    >>> history_design(counts, np.array([[1.0], [0.5]]))[:, 0].tolist()
    [0.0, 0.0, 2.0, 1.0, 0.0, 0.0]
    """
    n_samples, n_neurons = counts.shape
    window, n_basis = basis.shape
    X = np.zeros((n_samples, n_neurons * n_basis))
    for k in range(n_neurons):
        times = np.flatnonzero(counts[:, k])
        block = X[:, k * n_basis : (k + 1) * n_basis]
        for lag in range(1, window + 1):
            times = times[times + lag < n_samples]
            if times.size == 0:
                break
            block[times + lag] += counts[times, k, None] * basis[lag - 1]
    return X
