"""Named problem suites, as data. Append-only: never edit or remove a spec, add new ones.

(``quick``, the smoke test of the whole harness, is the exception: it is recomposed when the
harness needs it to show something new, within its time budget.)
"""

from __future__ import annotations

import itertools
from types import MappingProxyType

from ._spec import ProblemSpec

__all__ = ["RIDGE_STRENGTH", "SUITES", "get_suite", "list_suites"]

#: Ridge strength used throughout the suites.
RIDGE_STRENGTH = 1e-3


def _standard() -> tuple[ProblemSpec, ...]:
    specs = []
    for n, p, k in itertools.product((1_000, 10_000, 100_000), (10, 50, 200), (1, 10, 50)):
        # Unregularized needs n well above p for a well-posed, well-conditioned optimum.
        if n >= 10 * (p + 1):
            specs.append(ProblemSpec(n, p, k))
        specs.append(ProblemSpec(n, p, k, regularizer="Ridge", regularizer_strength=RIDGE_STRENGTH))
    return tuple(specs)


def _ridge(*args, **kwargs) -> ProblemSpec:
    return ProblemSpec(*args, regularizer="Ridge", regularizer_strength=RIDGE_STRENGTH, **kwargs)


def _spiking(n: int, neurons: int, n_basis: int = 5, **kwargs) -> ProblemSpec:
    return ProblemSpec(n, neurons * n_basis, neurons, design="spike_history", **kwargs)


# Appended to `standard`: conditioning from about 20 to 2e8 (make_regression's low-rank
# designs), mean rates down to 0.01 spikes per bin, and spike-history populations.
_STANDARD_HARD = (
    ProblemSpec(10_000, 50, effective_rank=10, tail_strength=0.5),
    ProblemSpec(10_000, 50, effective_rank=5, tail_strength=0.1),
    ProblemSpec(10_000, 50, effective_rank=5, tail_strength=0.01),
    ProblemSpec(10_000, 50, effective_rank=2, tail_strength=0.001),
    ProblemSpec(10_000, 50, 10, effective_rank=5, tail_strength=0.01),
    _ridge(10_000, 50, 10, effective_rank=2, tail_strength=0.001),
    ProblemSpec(100_000, 50, effective_rank=2, tail_strength=0.001),
    ProblemSpec(10_000, 10, rate=0.01),
    ProblemSpec(10_000, 10, rate=0.1),
    ProblemSpec(10_000, 10, rate=1.0),
    ProblemSpec(100_000, 50, 10, rate=0.01),
    _ridge(10_000, 50, 10, rate=0.01),
    _spiking(20_000, 10),
    _ridge(20_000, 50, 10, design="spike_history"),
    _spiking(100_000, 20, rate=0.02),
)

# Strengths of the `models` suite's sparse penalties, per observation model: about 0.3 (Lasso,
# GroupLasso) and 0.5 (ElasticNet, ratio 0.5) of the strength that zeroes every coefficient,
# so that 17-33% of the coefficients and half of the groups are non-zero at the optimum.
_SPARSE_STRENGTHS = {
    "Poisson": (0.06, 0.04, 0.1),
    "Bernoulli": (0.02, 0.02, 0.05),
    "Gamma": (0.02, 0.03, 0.05),
    "Gaussian": (0.3, 0.2, 0.4),
    "NegativeBinomial": (0.05, 0.03, 0.08),
}


def _models() -> tuple[ProblemSpec, ...]:
    specs = []
    for obs, (lasso, group, net) in _SPARSE_STRENGTHS.items():
        specs += [
            _ridge(2_000, 40, observation=obs),
            ProblemSpec(
                2_000, 40, observation=obs, regularizer="Lasso", regularizer_strength=lasso
            ),
            ProblemSpec(
                2_000, 40, 2, observation=obs, regularizer="GroupLasso", regularizer_strength=group
            ),
            ProblemSpec(
                2_000, 40, 2, observation=obs, regularizer="ElasticNet", regularizer_strength=net
            ),
        ]
    return tuple(specs)


_SUITES = {
    # The whole harness (every solver but SVRG's family x 2 tolerances, each fit paying its
    # JIT compile) runs on this: one ill-conditioned problem (condition number ~4e4) and one
    # spike-history population at a low rate (97% of bins empty), both small.
    "quick": (
        ProblemSpec(500, 5, effective_rank=1, tail_strength=0.01),
        _ridge(3_000, 8, 2, design="spike_history", rate=0.1),
    ),
    # n_samples x n_features x n_outputs grid, UnRegularized (where n >= 10 (p + 1)) and Ridge,
    # then the harder problems (append-only: new problems go at the end).
    "standard": _standard() + _STANDARD_HARD,
    # A handful of big problems (up to 1e6 samples or 200 outputs); needs GBs of memory.
    "large": (
        ProblemSpec(1_000_000, 10, 1),
        ProblemSpec(1_000_000, 50, 1, regularizer="Ridge", regularizer_strength=RIDGE_STRENGTH),
        ProblemSpec(1_000_000, 50, 10, regularizer="Ridge", regularizer_strength=RIDGE_STRENGTH),
        ProblemSpec(100_000, 50, 200),
        ProblemSpec(10_000, 200, 200, regularizer="Ridge", regularizer_strength=RIDGE_STRENGTH),
    ),
    # Spike-history populations of growing size (5 bumps per neuron, 100-bin window, baseline
    # 0.05 spikes per bin). The last ones are for GPUs and clusters: 1e6 bins x 100 neurons is
    # a 4 GB design, and its reference optimum takes hours on one core.
    "neuro": (
        _spiking(10_000, 5),
        _spiking(30_000, 10),
        _spiking(100_000, 20),
        _spiking(300_000, 50),
        _spiking(1_000_000, 100),
    ),
    # Every observation model x {Ridge, Lasso, GroupLasso, ElasticNet} at small sizes
    # (2000 samples, 40 features: a GLM for Ridge and Lasso, a 2-output population for the
    # others, GroupLasso with groups of 5 features). Its default run covers every NeMoS and
    # scipy solver and the outside baselines on every problem.
    "models": _models(),
}

#: Read-only mapping of suite name to its tuple of :class:`ProblemSpec`.
SUITES = MappingProxyType(_SUITES)


def list_suites() -> list[str]:
    """Names of the available suites.

    Returns
    -------
    list of str
        Suite names, in definition order.

    Examples
    --------
    >>> list_suites()
    ['quick', 'standard', 'large', 'neuro', 'models']
    """
    return list(SUITES)


def get_suite(name: str) -> tuple[ProblemSpec, ...]:
    """Specs of a named suite.

    Parameters
    ----------
    name :
        One of :func:`list_suites`.

    Returns
    -------
    tuple of ProblemSpec
        The suite's problems.

    Raises
    ------
    ValueError
        If ``name`` is not a suite.

    Examples
    --------
    >>> [(spec.glm_class, spec.design) for spec in get_suite("quick")]
    [('GLM', 'gaussian'), ('PopulationGLM', 'spike_history')]
    """
    try:
        return SUITES[name]
    except (KeyError, TypeError):
        raise ValueError(f"Unknown suite {name!r}; accepted suites are {list_suites()}.") from None
