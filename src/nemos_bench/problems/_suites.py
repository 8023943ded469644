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
    ['quick', 'standard', 'large', 'neuro']
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
