"""Solvers: the scipy adapter, its registration, outside baselines, NeMoS version compatibility.

This subpackage is the only place in nemos-bench that touches ``nemos.solvers``.
"""

from ._baselines import Baseline, BaselineFit, GLMTask, baseline_names, get_baseline, is_baseline
from ._catalog import (
    SolverClassError,
    UnknownSolverError,
    available_solvers,
    disallowed_reason,
    load_solver_class,
    register_validated_solvers,
    resolve_solvers,
    solver_allows,
    solver_class,
)
from ._clash import (
    KEEP_ENV,
    KeepRegisteredError,
    RegistryClashWarning,
    kept_names,
    kept_records,
    registry_environ,
    registry_warnings_to,
)
from ._compat import (
    NEMOS_VERSION,
    check_nemos_version,
    coef_intercept,
    initial_params,
    optim_info,
    setup_model_solver,
)
from ._defaults import nemos_default_solver
from ._labels import (
    SolverLabelError,
    parse_solver_label,
    registry_name,
    settings_text,
    solver_label,
    split_solver_list,
)
from ._register import (
    SCIPY_SOLVER_CLASSES,
    ScipyBFGS,
    ScipyLBFGS,
    ScipyNewtonCG,
    ScipyNonlinearCG,
    ScipyTrustKrylov,
    ScipyTrustNCG,
    register_scipy_solvers,
    scipy_solver_names,
)
from ._scipy import ScipyMinimize
from ._scipy_options import IgnoredSolverArgumentWarning
from ._scipy_spec import SCIPY_METHODS
from ._tol_meaning import TOL_STOPS_ON, known_tol_meaning, tol_stops_on
from ._x64 import require_x64

#: pytest plugin (``-p``) that runs NeMoS's own test suite with the scipy classes
#: substitutable (``-o override_solver=LBFGS:ScipyLBFGS``); see ``benchmarks/nemos_conformance.py``.
NEMOS_TESTS_PLUGIN = "nemos_bench.solvers._pytest_plugin"

__all__ = [
    "Baseline",
    "BaselineFit",
    "GLMTask",
    "baseline_names",
    "get_baseline",
    "is_baseline",
    "IgnoredSolverArgumentWarning",
    "KEEP_ENV",
    "KeepRegisteredError",
    "RegistryClashWarning",
    "TOL_STOPS_ON",
    "kept_names",
    "kept_records",
    "known_tol_meaning",
    "nemos_default_solver",
    "registry_environ",
    "registry_warnings_to",
    "tol_stops_on",
    "SolverLabelError",
    "parse_solver_label",
    "registry_name",
    "settings_text",
    "solver_label",
    "split_solver_list",
    "SolverClassError",
    "UnknownSolverError",
    "available_solvers",
    "disallowed_reason",
    "load_solver_class",
    "resolve_solvers",
    "solver_allows",
    "NEMOS_TESTS_PLUGIN",
    "solver_class",
    "NEMOS_VERSION",
    "SCIPY_METHODS",
    "SCIPY_SOLVER_CLASSES",
    "ScipyBFGS",
    "ScipyLBFGS",
    "ScipyMinimize",
    "ScipyNewtonCG",
    "ScipyNonlinearCG",
    "ScipyTrustKrylov",
    "ScipyTrustNCG",
    "check_nemos_version",
    "coef_intercept",
    "initial_params",
    "optim_info",
    "register_scipy_solvers",
    "register_validated_solvers",
    "scipy_solver_names",
    "setup_model_solver",
    "require_x64",
]
