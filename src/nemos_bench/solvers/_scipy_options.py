"""What ``tol`` means for the scipy adapter, and NeMoS's solver_kwargs translated for scipy.

**One stopping test for every method.** A scipy solver has converged when the norm of the
gradient of the penalised loss (the function NeMoS hands the solver) is at most
``tol + rtol * |f|`` (default: the Euclidean norm, ``rtol = 0``), which is the test NeMoS's
jaxopt ``LBFGS`` applies to its ``tol`` and the first-order condition behind the step and
loss-change test of NeMoS's optimistix ``LBFGS``. The adapter checks it after every
iteration and stops the method there (scipy's ``callback`` raising ``StopIteration``);
scipy's own stopping tests, which measure other things (L-BFGS-B's ``ftol`` on the relative
decrease of f and ``gtol`` on the largest gradient entry, Newton-CG's ``xtol`` on the step,
BFGS's/CG's/trust methods' ``gtol``) are set to zero, so they only end a run that can no
longer make progress. Such a run has converged only if the test above holds, or if it
stopped before ``maxiter`` at the float64 floor of a gradient test: line searches compare
values of f, which cannot resolve decreases below its rounding error, so a ``tol`` under
about ``sqrt(eps) * max(1, |f|)`` (e.g. NeMoS's tests' 1e-12) is out of reach; the run
counts as converged when its gradient norm is at most :data:`FLOOR_FACTOR` ``* sqrt(eps) *
max(1, |f|)``, and its message says so.

**NeMoS's solver_kwargs.** Every argument NeMoS's ``LBFGS``, ``BFGS`` and ``NonlinearCG``
accept (optimistix, optax and jaxopt backends of nemos 0.2.8 and 0.2.9) is accepted. Each
either maps to the nearest scipy option (:data:`SCIPY_OPTION_FOR`) or, when scipy has no such
knob, is accepted and a warning says once per process that it is ignored, unless its value
asks for what scipy does anyway (:data:`NO_SCIPY_KNOB`).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = [
    "ADAPTER_ARGUMENTS",
    "DEFAULT_MAXITER",
    "DEFAULT_TOL",
    "FLOOR_FACTOR",
    "NEMOS_ARGUMENTS",
    "NO_SCIPY_KNOB",
    "SCIPY_OPTION_FOR",
    "IgnoredSolverArgumentWarning",
    "StopRule",
    "native_stop_options",
    "nonlinear_cg_rule",
    "translate_nemos_kwargs",
]

#: Default ``tol``: the gradient-norm bound at which NeMoS's own tests find the adapter as
#: accurate as NeMoS's LBFGS at its default ``tol`` of 1e-4.
DEFAULT_TOL = 1e-8
#: Default ``maxiter`` (NeMoS's LBFGS: 500): population fits at tight ``tol`` need more.
DEFAULT_MAXITER = 10_000

#: A run that scipy can no longer improve converged at the float64 floor when its gradient
#: norm is at most ``FLOOR_FACTOR * sqrt(eps) * max(1, |f|)`` (about 1.5e-7 for |f| <= 1).
FLOOR_FACTOR = 10.0

#: Arguments of the adapter itself.
ADAPTER_ARGUMENTS = frozenset(
    {"tol", "rtol", "norm", "maxiter", "throw", "options", "trace", "blas_threads"}
)
#: NeMoS argument -> (scipy option, scipy methods that have it).
SCIPY_OPTION_FOR: dict[str, tuple[str, tuple[str, ...]]] = {
    "memory_size": ("maxcor", ("L-BFGS-B",)),  # optax LBFGS
    "history_size": ("maxcor", ("L-BFGS-B",)),  # jaxopt LBFGS
    "maxls": ("maxls", ("L-BFGS-B",)),  # jaxopt line-search steps
}


def _is_none(value) -> bool:
    return value is None


def _is_false(value) -> bool:
    return value is None or value is False or value == 0


def _is_true(value) -> bool:
    return value is None or value is True


def _is_empty(value) -> bool:
    return value is None or (hasattr(value, "__len__") and len(value) == 0)


def _no_fixed_step(value) -> bool:
    return value is None or (isinstance(value, (int, float)) and value <= 0)


#: NeMoS argument without a scipy counterpart -> (values that ask for what scipy does
#: anyway, so no warning, and what scipy does instead).
NO_SCIPY_KNOB: dict[str, tuple[Callable[[Any], bool], str]] = {
    "stepsize": (_no_fixed_step, "scipy's methods always choose the step by a line search"),
    "scale_init_precond": (_is_true, "scipy's L-BFGS-B always scales its initial Hessian"),
    "use_gamma": (_is_true, "scipy's L-BFGS-B always scales its initial Hessian"),
    "use_inverse": (_is_true, "scipy's BFGS always updates the inverse Hessian"),
    "linesearch_kwargs": (_is_empty, "scipy's line searches are not configurable here"),
    "linesearch": (_is_none, "scipy uses its own Wolfe line search"),
    "linesearch_init": (_is_none, "scipy uses its own Wolfe line search"),
    "condition": (_is_none, "scipy uses its own Wolfe line search"),
    "decrease_factor": (_is_none, "scipy uses its own Wolfe line search"),
    "increase_factor": (_is_none, "scipy uses its own Wolfe line search"),
    "max_stepsize": (_is_none, "scipy uses its own Wolfe line search"),
    "min_stepsize": (_is_none, "scipy uses its own Wolfe line search"),
    "stop_if_linesearch_fails": (_is_none, "scipy always stops when its line search fails"),
    "verbose": (_is_false, "scipy's progress output is not forwarded"),
    "adjoint": (_is_none, "a scipy solve is not differentiated through"),
    "implicit_diff": (_is_none, "a scipy solve is not differentiated through"),
    "implicit_diff_solve": (_is_none, "a scipy solve is not differentiated through"),
    "tags": (_is_empty, "scipy takes no structure tags"),
    "optim": (_is_none, "the scipy method is fixed by the solver's name"),
    "jit": (_is_none, "the adapter always jits the loss and its gradient"),
    "unroll": (_is_none, "scipy's loop runs in Python"),
}
#: Every NeMoS argument accepted beside the adapter's own ones.
NEMOS_ARGUMENTS = frozenset(SCIPY_OPTION_FOR) | frozenset(NO_SCIPY_KNOB)

_WARNED: set[tuple[str, str]] = set()


class IgnoredSolverArgumentWarning(UserWarning):
    """A NeMoS solver argument that scipy has no counterpart for was ignored."""


def _warn_once(solver: str, key: str, message: str) -> None:
    if (solver, key) in _WARNED:
        return
    _WARNED.add((solver, key))
    warnings.warn(message, IgnoredSolverArgumentWarning, stacklevel=4)


def translate_nemos_kwargs(solver: str, method: str, kwargs: dict) -> dict:
    """Turn NeMoS solver arguments into scipy ``options`` for ``method``.

    Parameters
    ----------
    solver : str
        Name used in messages, e.g. ``"LBFGS[scipy]"``.
    method : str
        The scipy method.
    kwargs : dict
        NeMoS arguments, keys from :data:`NEMOS_ARGUMENTS`.

    Returns
    -------
    dict
        scipy options. Arguments without a scipy counterpart warn once per process
        (:class:`IgnoredSolverArgumentWarning`) unless their value asks for scipy's behaviour.

    Raises
    ------
    TypeError
        For an argument the adapter does not know.

    Examples
    --------
    >>> translate_nemos_kwargs("LBFGS[scipy]", "L-BFGS-B", {"memory_size": 5, "stepsize": None})
    {'maxcor': 5}
    """
    options = {}
    for key, value in kwargs.items():
        if key in SCIPY_OPTION_FOR:
            option, methods = SCIPY_OPTION_FOR[key]
            if method in methods:
                if value is not None:
                    options[option] = value
                continue
            if value is not None:
                _warn_once(
                    solver,
                    key,
                    f"{solver} ignores {key}={value!r}: scipy's {method} has no {option!r} "
                    f"option (only {', '.join(methods)} does).",
                )
        elif key in NO_SCIPY_KNOB:
            neutral, instead = NO_SCIPY_KNOB[key]
            if not neutral(value):
                _warn_once(
                    solver,
                    key,
                    f"{solver} ignores {key}={value!r}: scipy has no such setting ({instead}).",
                )
        else:
            accepted = ", ".join(sorted(ADAPTER_ARGUMENTS | NEMOS_ARGUMENTS))
            raise TypeError(f"{solver} got an unknown argument {key!r}; accepted: {accepted}.")
    return options


def nonlinear_cg_rule(solver: str, rule) -> None:
    """Check NeMoS's NonlinearCG ``method`` (its update rule) against scipy's CG.

    scipy's CG uses the Polak-Ribiere rule only; another rule warns once that it is ignored.
    """
    name = getattr(rule, "__name__", repr(rule))
    if name != "polak_ribiere":
        _warn_once(
            solver,
            "method",
            f"{solver} ignores method={name!r}: scipy's CG always uses the Polak-Ribiere "
            "update rule.",
        )


def native_stop_options(method: str, maxiter: int) -> dict:
    """Options for scipy that switch off the method's own convergence tests (see module doc)."""
    if method == "L-BFGS-B":
        return {"ftol": 0.0, "gtol": 0.0, "maxfun": max(15000, 20 * maxiter)}
    if method == "Newton-CG":
        return {"xtol": 0.0}
    return {"gtol": 0.0}


def _numpy_norm(norm) -> Callable[[np.ndarray], float]:
    if norm is None:
        return lambda g: float(np.linalg.norm(g))
    name = getattr(norm, "__name__", "")
    module = getattr(norm, "__module__", "") or ""
    if module.startswith("optimistix"):
        known = {
            "two_norm": lambda g: float(np.linalg.norm(g)),
            "max_norm": lambda g: float(np.max(np.abs(g), initial=0.0)),
            "rms_norm": lambda g: float(np.sqrt(np.mean(g**2))) if g.size else 0.0,
        }
        if name in known:
            return known[name]
    return lambda g: float(norm(g))


@dataclass(frozen=True)
class StopRule:
    """The adapter's convergence test: ``norm(grad f) <= tol + rtol * |f|``.

    Attributes
    ----------
    tol : float
        Absolute bound on the gradient norm.
    rtol : float
        Relative part, times ``|f|``.
    norm : callable or None
        NeMoS/optimistix norm (``optimistix.two_norm``, ``max_norm``, ``rms_norm``) or any
        callable on the flat gradient; ``None`` is the Euclidean norm.

    Examples
    --------
    >>> import numpy as np
    >>> rule = StopRule(tol=1e-3, rtol=0.0, norm=None)
    >>> rule.holds(10.0, np.array([3e-4, 4e-4])), rule.holds(10.0, np.array([3e-3, 0.0]))
    (True, False)
    """

    tol: float
    rtol: float = 0.0
    norm: Any = None

    def __post_init__(self):
        for name in ("tol", "rtol"):
            value = getattr(self, name)
            minimum_ok = value > 0 if name == "tol" else value >= 0
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not minimum_ok:
                kind = "a positive" if name == "tol" else "a non-negative"
                raise ValueError(f"{name} must be {kind} number, got {value!r}.")
        if self.norm is not None and not callable(self.norm):
            raise ValueError(
                f"norm must be a callable such as optimistix.two_norm, got {self.norm!r}."
            )
        object.__setattr__(self, "_measure", _numpy_norm(self.norm))

    def grad_norm(self, grad: np.ndarray) -> float:
        """Norm of a flat gradient under this rule's norm."""
        return self._measure(np.asarray(grad, dtype=float))

    def at_floor(self, fun: float, grad: np.ndarray) -> bool:
        """Whether the gradient is within the float64 floor of a gradient test (module doc)."""
        floor = FLOOR_FACTOR * math.sqrt(np.finfo(float).eps) * max(1.0, abs(fun))
        value = self.grad_norm(grad)
        return math.isfinite(value) and value <= floor

    def holds(self, fun: float, grad: np.ndarray) -> bool:
        """Whether the test holds at a point with loss ``fun`` and gradient ``grad``."""
        value = self.grad_norm(grad)
        return math.isfinite(value) and value <= self.tol + self.rtol * abs(fun)
