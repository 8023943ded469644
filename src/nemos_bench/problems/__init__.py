"""Synthetic Poisson GLM benchmark problems with certified reference optima.

Pure NumPy/SciPy/scikit-learn (no NeMoS, no JAX), so it is an independent yardstick for the
solvers under test.
"""

from ._cache import CACHE_ENV_VAR, default_cache_dir, load_problem, load_reference
from ._generate import BASE_RATE, RATE_SCALE, Z_CLIP, Problem, make_problem
from ._objective import grad_norm, gradient, objective
from ._reference import REFERENCE_GTOL, Reference, ReferenceSolutionError, reference_solution
from ._spec import DEFAULT_RIDGE_STRENGTH, GENERATOR_VERSION, REGULARIZERS, ProblemSpec
from ._suites import RIDGE_STRENGTH, SUITES, get_suite, list_suites

__all__ = [
    "BASE_RATE",
    "CACHE_ENV_VAR",
    "DEFAULT_RIDGE_STRENGTH",
    "GENERATOR_VERSION",
    "RATE_SCALE",
    "REFERENCE_GTOL",
    "REGULARIZERS",
    "RIDGE_STRENGTH",
    "SUITES",
    "Z_CLIP",
    "Problem",
    "ProblemSpec",
    "Reference",
    "ReferenceSolutionError",
    "default_cache_dir",
    "get_suite",
    "grad_norm",
    "gradient",
    "list_suites",
    "load_problem",
    "load_reference",
    "make_problem",
    "objective",
    "reference_solution",
]
