"""Synthetic GLM data: ``make_regression`` predictor turned into spike counts (or other data)."""

from __future__ import annotations

import numpy as np
from sklearn.datasets import make_regression
from threadpoolctl import threadpool_limits

from ._families import get_family
from ._problem import Problem, read_only_problem
from ._spec import ProblemSpec
from ._spike_history import history_design, raised_cosine_log_basis, simulate_population

__all__ = ["BASE_RATE", "RATE_SCALE", "Z_CLIP", "make_problem"]

#: Rate (spikes per bin) at the mean of the linear predictor.
BASE_RATE = 0.5
#: Log-rate change per standard deviation of the linear predictor.
RATE_SCALE = 0.75
#: Standardized predictor is clipped to ``[-Z_CLIP, Z_CLIP]``; rates never exceed
#: ``BASE_RATE * exp(RATE_SCALE * Z_CLIP)`` (about 45 spikes per bin).
Z_CLIP = 6.0


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

    Other observation models (``observation``) draw ``y`` from the same ``z`` with NeMoS's
    default link, seeded the same way:

    - ``"NegativeBinomial"``: the Poisson problem's mean ``exp(eta)`` (``rate`` applies),
      counts with variance ``mu + NB_SCALE * mu**2`` (a Gamma-Poisson mixture);
    - ``"Bernoulli"``: ``P(y = 1) = logistic(logit(BERNOULLI_BASE_PROB) + z)``;
    - ``"Gamma"``: mean ``1 / eta`` with ``eta = (1 + GAMMA_SLOPE * z) / GAMMA_BASE_MEAN > 0``,
      shape ``GAMMA_SHAPE``;
    - ``"Gaussian"``: ``y = z + GAUSSIAN_NOISE * N(0, 1)`` (identity link).

    Optional axes of the spec change this as follows.

    - ``design="npz"`` or ``"nwb"``: nothing is simulated; ``X`` and ``y`` come from the
      user's data file ``data`` (see :func:`~nemos_bench.problems.data_problem`).

    - ``rate``: the offset ``log(BASE_RATE)`` becomes, per output,
      ``log(rate) - log(mean(exp(RATE_SCALE * z)))``, so the mean rate over samples is
      exactly ``rate`` (before the Poisson draw).
    - ``effective_rank``, ``tail_strength``: passed to ``make_regression`` (a low-rank design
      with a fat tail of small singular values); ``X`` is then multiplied by
      ``sqrt(n_samples)``, so that the leading singular direction has unit variance, as a
      standardized column would (``true_coef`` is divided by the same factor, leaving the
      simulated rates unchanged).
    - ``design="spike_history"``: no ``make_regression``. :func:`simulate_population` draws
      the counts of ``n_outputs`` neurons from a recurrent Poisson GLM (refractory self-filters,
      sparse couplings, baseline rate ``rate``, history over ``window`` bins), and ``X`` is
      :func:`history_design`: each neuron's past counts convolved with ``n_features //
      n_outputs`` log-stretched raised-cosine bumps, the same ``X`` for every output.
      ``true_coef`` and ``true_intercept`` are the simulation's filter weights and baselines.

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
    if spec.data is not None:  # the user's own data file
        from ._data import data_problem

        return data_problem(spec)
    if spec.design == "spike_history":
        return _spike_history_problem(spec)
    n, p, k = spec.n_samples, spec.n_features, spec.n_outputs
    low_rank = {}
    if spec.effective_rank is not None:
        low_rank = {"effective_rank": spec.effective_rank, "tail_strength": spec.tail_strength}
    with threadpool_limits(limits=1, user_api="blas"):  # same bits whatever the thread count
        X, u, coef = make_regression(
            n_samples=n,
            n_features=p,
            n_targets=k,
            noise=spec.noise,
            random_state=spec.seed,
            coef=True,
            **low_rank,
        )
    u = np.asarray(u, dtype=np.float64).reshape(n, k)
    coef = np.asarray(coef, dtype=np.float64).reshape(p, k)
    mean = u.mean(axis=0)
    std = u.std(axis=0)
    safe_std = np.where(std > 0, std, 1.0)
    z = np.clip((u - mean) / safe_std, -Z_CLIP, Z_CLIP)
    z[:, std == 0] = 0.0
    if spec.rate is None:
        offset = np.log(BASE_RATE)
    else:
        offset = np.log(spec.rate) - np.log(np.mean(np.exp(RATE_SCALE * z), axis=0))
    rng = np.random.default_rng(spec.seed)
    y, (slope, offset) = get_family(spec.observation).simulate(z, offset, RATE_SCALE, rng)

    gain = np.where(std > 0, slope / safe_std, 0.0)
    true_coef = coef * gain
    true_intercept = offset - mean * gain  # make_regression's bias is 0
    if low_rank:
        X = X * np.sqrt(n)
        true_coef = true_coef / np.sqrt(n)
    return read_only_problem(spec, X, y, true_coef, true_intercept)


def _spike_history_problem(spec: ProblemSpec) -> Problem:
    basis = raised_cosine_log_basis(spec.n_basis, spec.window)
    with threadpool_limits(limits=1, user_api="blas"):  # same bits whatever the thread count
        counts, coef, intercept = simulate_population(
            spec.n_samples, spec.n_outputs, basis, spec.rate, spec.seed
        )
    return read_only_problem(spec, history_design(counts, basis), counts, coef, intercept)
