"""``scipy.optimize.minimize`` behind NeMoS's ``AbstractSolver`` interface.

The adapter minimises the penalised loss that NeMoS hands every solver, with exact
gradients from ``jax.value_and_grad`` (passed to scipy with ``jac=True``) and, for the
second-order methods, exact Hessian-vector products (``hessp``) from a JAX
forward-over-reverse product. The jitted functions are built once per solver instance and
parameter layout, so a second ``run`` on the same instance compiles nothing.

``update`` cannot be a step of the same method: scipy keeps no optimiser memory between
calls, so each ``update`` is a one-iteration ``minimize`` started afresh from ``params``
(L-BFGS and BFGS restart from the identity, CG from steepest descent). A curve built from
repeated ``update`` calls is therefore *not* the trajectory of ``run``; the real trajectory
of ``run`` is recorded by scipy's ``callback`` in :class:`ScipySolverState`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import jax
import jax.numpy as jnp
import numpy as np
from jax.flatten_util import ravel_pytree
from nemos.solvers import AbstractSolver

from ._compat import make_optim_info
from ._scipy_options import (
    ADAPTER_ARGUMENTS,
    DEFAULT_MAXITER,
    DEFAULT_TOL,
    NEMOS_ARGUMENTS,
    StopRule,
    native_stop_options,
    nonlinear_cg_rule,
    translate_nemos_kwargs,
)
from ._scipy_run import minimize_once
from ._scipy_spec import (
    SCIPY_METHODS,
    SMOOTH_REGULARIZERS,
    ScipySolverState,
    check_arguments,
    check_method,
)
from ._scipy_state import continue_state, state_from_result
from ._x64 import require_x64

__all__ = ["ScipyMinimize"]


@dataclass
class _Compiled:
    """Jitted functions for one parameter layout."""

    unravel: Any
    value_and_grad: Any
    hvp: Any
    aux: Any


class ScipyMinimize(AbstractSolver):
    """NeMoS solver that runs ``scipy.optimize.minimize`` with JAX derivatives.

    Parameters
    ----------
    unregularized_loss : callable
        ``loss(params, *args)``, returning a scalar, or ``(scalar, aux)`` when ``has_aux``.
    regularizer : nemos.regularizer.Regularizer
        ``UnRegularized`` or ``Ridge``: scipy's methods need a smooth objective.
    regularizer_strength : float or None
        Passed to ``regularizer.penalized_loss``.
    has_aux : bool
        Whether the loss returns auxiliary output.
    init_params : pytree, optional
        Initial parameters, used by the regularizer to lay out its strength.
    method : str, default "L-BFGS-B"
        One of :data:`SCIPY_METHODS` (fixed in the registered subclasses).
    tol : float, default 1e-8
        Converged when the gradient norm of the penalised loss is at most
        ``tol + rtol * |f|``, for every method (see :mod:`._scipy_options`); ``None`` means
        the default.
    rtol : float, default 0
        Relative part of that bound.
    norm : callable, optional
        Norm of that test: ``optimistix.two_norm`` (the default), ``max_norm``,
        ``rms_norm``, or any callable on the flat gradient.
    maxiter : int, default 10000
        Maximum number of iterations.
    throw : bool, default False
        Raise a ``RuntimeError`` when ``run`` ends without converging (as optimistix does).
    options : dict, optional
        Extra ``options`` for ``minimize``; they win over the adapter's (``maxiter`` excepted).
        scipy's own stopping tests are off unless given here.
    trace : {"objective", "iterates", "none"}, default "objective"
        What the callback records: the objective and time of each iteration, those plus
        a copy of each iterate, or nothing (the callback then only checks convergence).
    blas_threads : int or None, default 1
        BLAS threads (OpenBLAS/MKL of NumPy and SciPy, process-wide) while ``minimize``
        runs; ``None`` leaves them alone. scipy's small BLAS calls between evaluations
        otherwise wake idle BLAS threads that compete with XLA's gradient for the cores
        (measured: 2-2.5x faster evaluations at n=1e5, p=100 on 2 cores). JAX's own
        computation does not use these threads.
    **nemos_kwargs
        Arguments of NeMoS's ``LBFGS``/``BFGS``/``NonlinearCG`` (``stepsize``,
        ``memory_size``, ``history_size``, ``maxls``, ``linesearch_kwargs``, ...): mapped to
        the nearest scipy option or ignored with a warning (see :mod:`._scipy_options`).

    Examples
    --------
    >>> import jax, jax.numpy as jnp
    >>> jax.config.update("jax_enable_x64", True)
    >>> from nemos.regularizer import UnRegularized
    >>> loss = lambda w, a: jnp.sum((w - a) ** 2)
    >>> solver = ScipyMinimize(loss, UnRegularized(), None, False, tol=1e-12)
    >>> params, state, aux = solver.run(jnp.zeros(2), jnp.array([1.0, 2.0]))
    >>> [round(float(v), 6) for v in params], state.converged, aux is None
    ([1.0, 2.0], True, True)
    """

    fixed_method: ClassVar[str | None] = None

    def __init__(
        self,
        unregularized_loss,
        regularizer,
        regularizer_strength,
        has_aux,
        init_params=None,
        method: str | None = None,
        tol: float | None = DEFAULT_TOL,
        rtol: float = 0.0,
        norm=None,
        maxiter: int = DEFAULT_MAXITER,
        throw: bool = False,
        options: dict | None = None,
        trace: str = "objective",
        blas_threads: int | None = 1,
        **nemos_kwargs,
    ):
        self.algo_name = self.__class__.algo_label()
        if self.fixed_method == "CG" and method is not None and not isinstance(method, str):
            nonlinear_cg_rule(self.algo_name, method)  # NeMoS's NonlinearCG `method`
            method = None
        self.method = check_method(method, self.fixed_method)
        require_x64(self.algo_name)
        reg_name = type(regularizer).__name__
        if reg_name not in SMOOTH_REGULARIZERS:
            raise ValueError(
                f"{self.algo_name} cannot use regularizer {reg_name!r}: scipy's methods need "
                f"a smooth objective, so only {' and '.join(SMOOTH_REGULARIZERS)} are "
                "accepted (use ProximalGradient for Lasso, GroupLasso or ElasticNet)."
            )
        self.stop_rule = StopRule(DEFAULT_TOL if tol is None else tol, rtol, norm)
        check_arguments(maxiter=maxiter, blas_threads=blas_threads, trace=trace)
        self.blas_threads = blas_threads
        self.throw = bool(throw)
        options = {
            **translate_nemos_kwargs(self.algo_name, self.method, nemos_kwargs),
            **(options or {}),
        }
        check_arguments(options=options)
        self.tol = self.stop_rule.tol
        self.maxiter = int(maxiter)
        self.options = options
        self.trace = trace
        self.has_aux = bool(has_aux)
        self.regularizer = regularizer
        self.regularizer_strength = regularizer_strength
        self.fun = regularizer.penalized_loss(unregularized_loss, init_params, regularizer_strength)
        self._compiled: dict[Any, _Compiled] = {}

    @classmethod
    def algo_label(cls) -> str:
        """Name used in messages, e.g. ``"LBFGS[scipy]"``."""
        return getattr(cls, "registry_name", None) or f"{cls.__name__}({cls.fixed_method})"

    @classmethod
    def get_accepted_arguments(cls) -> set[str]:
        """Keyword arguments accepted in ``solver_kwargs``."""
        accepted = set(ADAPTER_ARGUMENTS | NEMOS_ARGUMENTS) | {"has_aux", "init_params"}
        if cls.fixed_method in (None, "CG"):
            accepted.add("method")  # scipy's method, or NeMoS's NonlinearCG update rule
        return accepted

    # -- compiled functions -------------------------------------------------------------
    def _functions(self, params) -> _Compiled:
        leaves, treedef = jax.tree_util.tree_flatten(params)
        key = (treedef, tuple((np.shape(leaf), jnp.result_type(leaf)) for leaf in leaves))
        compiled = self._compiled.get(key)
        if compiled is not None:
            return compiled
        _, unravel = ravel_pytree(params)
        loss, has_aux = self.fun, self.has_aux

        def scalar(x, *args):
            out = loss(unravel(x), *args)
            return out[0] if has_aux else out

        grad = jax.grad(scalar)
        compiled = _Compiled(
            unravel=unravel,
            value_and_grad=jax.jit(jax.value_and_grad(scalar)),
            hvp=jax.jit(lambda x, v, *args: jax.jvp(lambda z: grad(z, *args), (x,), (v,))[1]),
            aux=jax.jit(lambda x, *args: loss(unravel(x), *args)[1]) if has_aux else None,
        )
        self._compiled[key] = compiled
        return compiled

    def unravel(self, params_like, x: np.ndarray):
        """Turn a flat vector from ``state.trace_x`` into a pytree shaped like ``params_like``."""
        return self._functions(params_like).unravel(np.asarray(x))

    # -- AbstractSolver interface ----------------------------------------------------------
    def init_state(self, init_params, *args) -> ScipySolverState:
        """Evaluate the objective at ``init_params``; no iteration is taken."""
        compiled = self._functions(init_params)
        x0, _ = ravel_pytree(init_params)
        value, _ = compiled.value_and_grad(x0, *jax.device_put(args))
        x_trace = (np.asarray(x0, dtype=float),) if self.trace == "iterates" else None
        return ScipySolverState(
            fun=float(value),
            nfev=1,
            njev=1,
            trace_fun=(float(value),),
            trace_time=(0.0,),
            trace_x=x_trace,
        )

    def run(self, init_params, *args):
        """Minimise from ``init_params``; return ``(params, state, aux)``."""
        params, result, trace = self._minimize(init_params, self.maxiter, args)
        state = self._state(result, trace, previous=None)
        if self.throw and not state.converged:
            raise RuntimeError(f"{self.algo_name} did not converge (throw=True): {state.message}")
        return params, state, self._aux(params, args)

    def update(self, params, state, *args):
        """Take one iteration of ``method`` started afresh from ``params``.

        scipy cannot carry the optimiser's memory across calls, so this restarts the method
        (see the module docstring); counters and the trace continue from ``state``.
        """
        new_params, result, trace = self._minimize(params, 1, args)
        new_state = self._state(result, trace, previous=state)
        return new_params, new_state, self._aux(new_params, args)

    def get_optim_info(self, state: ScipySolverState):
        """Summary read by ``GLM.fit`` on nemos 0.2.8."""
        return make_optim_info(state.fun, state.nit, state.converged, state.reached_max_steps)

    def _get_optim_info(self, state: ScipySolverState, **kwargs):
        """Summary read by nemos 0.2.9."""
        return self.get_optim_info(state)

    # -- internals --------------------------------------------------------------------------
    def _aux(self, params, args):
        if not self.has_aux:
            return None
        x, _ = ravel_pytree(params)
        return self._functions(params).aux(x, *args)

    def _minimize(self, init_params, maxiter: int, args):
        compiled = self._functions(init_params)
        x0, _ = ravel_pytree(init_params)
        result, trace = minimize_once(
            compiled.value_and_grad,
            compiled.hvp if SCIPY_METHODS[self.method] else None,
            np.asarray(x0, dtype=np.float64),
            jax.device_put(args),
            method=self.method,
            rule=self.stop_rule,
            options={
                **native_stop_options(self.method, maxiter),
                **self.options,
                "maxiter": maxiter,
            },
            trace=self.trace,
            blas_threads=self.blas_threads,
        )
        params = compiled.unravel(np.asarray(result.x, dtype=np.float64))
        return params, result, trace

    def _state(self, result, trace, previous: ScipySolverState | None) -> ScipySolverState:
        state = state_from_result(result, trace, self.stop_rule, self.maxiter)
        return state if previous is None else continue_state(previous, state)
