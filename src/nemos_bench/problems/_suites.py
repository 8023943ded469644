"""Named problem suites, as data. Append-only: never edit or remove a spec, add new ones."""

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


_SUITES = {
    # The whole harness (every solver x tolerance, each fit paying JIT compile) runs on this.
    "quick": (
        ProblemSpec(2_000, 10, 1),
        ProblemSpec(1_000, 5, 3, regularizer="Ridge", regularizer_strength=RIDGE_STRENGTH),
    ),
    # n_samples x n_features x n_outputs grid, UnRegularized (where n >= 10 (p + 1)) and Ridge.
    "standard": _standard(),
    # A handful of big problems (up to 1e6 samples or 200 outputs); needs GBs of memory.
    "large": (
        ProblemSpec(1_000_000, 10, 1),
        ProblemSpec(1_000_000, 50, 1, regularizer="Ridge", regularizer_strength=RIDGE_STRENGTH),
        ProblemSpec(1_000_000, 50, 10, regularizer="Ridge", regularizer_strength=RIDGE_STRENGTH),
        ProblemSpec(100_000, 50, 200),
        ProblemSpec(10_000, 200, 200, regularizer="Ridge", regularizer_strength=RIDGE_STRENGTH),
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
    ['quick', 'standard', 'large']
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
    >>> [spec.glm_class for spec in get_suite("quick")]
    ['GLM', 'PopulationGLM']
    """
    try:
        return SUITES[name]
    except (KeyError, TypeError):
        raise ValueError(f"Unknown suite {name!r}; accepted suites are {list_suites()}.") from None
