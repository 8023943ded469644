"""GLM benchmark problems, synthetic or the user's own data, with certified reference optima.

Pure NumPy/SciPy/scikit-learn (no NeMoS, no JAX), so it is an independent yardstick for the
solvers under test; the one exception is the design of an ``.nwb`` recording, which is built
with pynapple and NeMoS's basis exactly as a NeMoS user builds it (its optimum is still
certified in NumPy).
"""

from ._axes import AXES, DEFAULT_SPIKE_RATE, DEFAULT_TAIL_STRENGTH, DEFAULT_WINDOW
from ._cache import (
    CACHE_ENV_VAR,
    default_cache_dir,
    is_reference_cached,
    load_problem,
    load_reference,
)
from ._certify import MAX_CONDITION_NUMBER, REFERENCE_GTOL, ReferenceSolutionError
from ._data import DATA_KEYS, data_problem, data_spec, data_table_spec
from ._data_axes import DEFAULT_BIN_SIZE, DEFAULT_N_BASIS, DataError
from ._data_records import data_records, unique_problems
from ._families import NB_SCALE
from ._generate import BASE_RATE, RATE_SCALE, Z_CLIP, make_problem
from ._hessian import condition_number, reference_cost
from ._objective import grad_norm, gradient, objective, prox_residual
from ._penalties import DEFAULT_L1_RATIO, DEFAULT_STRENGTHS, REGULARIZERS, feature_groups
from ._problem import Problem
from ._reference import Reference, reference_solution
from ._spec import DEFAULT_RIDGE_STRENGTH, GENERATOR_VERSION, ProblemSpec
from ._spike_history import history_design, raised_cosine_log_basis, simulate_population
from ._suites import SUITES, get_suite, list_suites
from ._text import parse_problem, split_problems

__all__ = [
    "AXES",
    "BASE_RATE",
    "CACHE_ENV_VAR",
    "DATA_KEYS",
    "DEFAULT_BIN_SIZE",
    "DEFAULT_L1_RATIO",
    "DEFAULT_N_BASIS",
    "DEFAULT_RIDGE_STRENGTH",
    "DEFAULT_SPIKE_RATE",
    "DEFAULT_STRENGTHS",
    "DEFAULT_TAIL_STRENGTH",
    "DEFAULT_WINDOW",
    "GENERATOR_VERSION",
    "MAX_CONDITION_NUMBER",
    "NB_SCALE",
    "RATE_SCALE",
    "REFERENCE_GTOL",
    "REGULARIZERS",
    "SUITES",
    "Z_CLIP",
    "DataError",
    "Problem",
    "ProblemSpec",
    "Reference",
    "ReferenceSolutionError",
    "condition_number",
    "data_problem",
    "data_records",
    "data_spec",
    "data_table_spec",
    "default_cache_dir",
    "feature_groups",
    "get_suite",
    "grad_norm",
    "gradient",
    "history_design",
    "is_reference_cached",
    "list_suites",
    "load_problem",
    "load_reference",
    "make_problem",
    "objective",
    "parse_problem",
    "prox_residual",
    "raised_cosine_log_basis",
    "reference_cost",
    "reference_solution",
    "simulate_population",
    "split_problems",
    "unique_problems",
]
