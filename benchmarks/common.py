"""Shared grids, guarded imports and set-up helpers of the asv suite.

The grids are data and **append-only**: asv keys history by parameter values, so editing or
removing an entry throws that entry's history away. Add new entries at the end.

Nothing here imports JAX or the package at module level: asv runs every benchmark (and every
parameter combination) in a fresh process, and ``track_*`` benchmarks only read
``setup_cache``'s result, so their processes stay cheap (under asv's forkserver,
``_preimport.py`` has imported everything once before the fork). The package is imported on
demand by :func:`harness`, which turns a missing module (a commit that predates it) into
``NotImplementedError``, asv's convention for "skip this benchmark". Never create JAX arrays
or compile at import time: the forkserver must not fork a running XLA runtime.
"""

from __future__ import annotations

import functools
import math
import os
import types

__all__ = [
    "FULL_ENV_VAR",
    "MAXITER",
    "PEAKMEM_TOL",
    "PROBLEMS_ENV_VAR",
    "QUICK_PROBLEMS",
    "REPEATS",
    "SOLVERS",
    "SOLVERS_ENV_VAR",
    "TOLS",
    "TOLS_ENV_VAR",
    "as_float",
    "cell_key",
    "cell_row",
    "full_grid",
    "grid_solvers",
    "grid_tols",
    "harness",
    "prepare_fit",
    "problem_ids",
    "run_grid",
]

#: Set to ``1`` to run the suite on the ``standard`` problem suite instead of the quick subset.
FULL_ENV_VAR = "NEMOS_BENCH_FULL"

#: Narrow the grid for one run (unset: the default grid below). Comma-separated solver
#: names, problem ids and tolerances; a problem id's own commas (inside ``[...]``) are kept.
#: Values outside the default grid are allowed: they get history lines of their own.
SOLVERS_ENV_VAR = "NEMOS_BENCH_SOLVERS"
PROBLEMS_ENV_VAR = "NEMOS_BENCH_PROBLEMS"
TOLS_ENV_VAR = "NEMOS_BENCH_TOLS"

#: Solvers benchmarked: the scipy adapter and NeMoS's native defaults (append-only).
SOLVERS = (
    "LBFGS[scipy]",
    "BFGS[scipy]",
    "NewtonCG[scipy]",
    "LBFGS",
    "BFGS",
    "NonlinearCG",
    "GradientDescent",
)

#: Tolerances passed to every solver (append-only).
TOLS = (1e-4, 1e-8)

#: Tolerance of the memory benchmark (memory hardly depends on it).
PEAKMEM_TOL = 1e-8

#: Default problems: the harness's ``quick`` suite (append-only; ids parse with
#: ``ProblemSpec.from_id``, so this module needs no import of the package).
QUICK_PROBLEMS = (
    "poisson[n=2000,p=10,k=1,noise=0.0,reg=UnRegularized,lam=0.0,seed=0]",
    "poisson[n=1000,p=5,k=3,noise=0.0,reg=Ridge,lam=0.001,seed=0]",
)

#: Iteration cap and steady-state repeats of the cells computed in ``setup_cache``.
MAXITER = 5000
REPEATS = 3


def _selected(name: str) -> tuple[str, ...] | None:
    """Items of the comma-separated list in environment variable ``name`` (``None``: unset).

    Commas inside brackets belong to the item (problem ids hold some).
    """
    text = os.environ.get(name, "").strip()
    if not text:
        return None
    items, depth, start = [], 0, 0
    for index, char in enumerate(text + ","):
        depth += {"[": 1, "]": -1}.get(char, 0)
        if char == "," and depth == 0:
            items.append(text[start:index].strip())
            start = index + 1
    if depth != 0 or not all(items):
        raise ValueError(
            f"{name}={text!r} is not a comma-separated list of non-empty names; "
            f"for example {name}=LBFGS,BFGS, or unset it for the default grid."
        )
    return tuple(items)


def full_grid() -> bool:
    """Whether ``NEMOS_BENCH_FULL`` asks for the full (``standard`` suite) grid."""
    return os.environ.get(FULL_ENV_VAR, "") not in ("", "0")


def grid_solvers() -> tuple[str, ...]:
    """Solvers of the grid: ``SOLVERS``, or those named in ``NEMOS_BENCH_SOLVERS``."""
    return _selected(SOLVERS_ENV_VAR) or SOLVERS


def grid_tols() -> tuple[float, ...]:
    """Tolerances of the grid: ``TOLS``, or those given in ``NEMOS_BENCH_TOLS``.

    Raises
    ------
    ValueError
        When ``NEMOS_BENCH_TOLS`` holds something other than positive numbers.
    """
    items = _selected(TOLS_ENV_VAR)
    if items is None:
        return TOLS
    try:
        tols = tuple(float(item) for item in items)
    except ValueError:
        tols = ()
    if not tols or not all(math.isfinite(tol) and tol > 0 for tol in tols):
        raise ValueError(
            f"{TOLS_ENV_VAR}={os.environ[TOLS_ENV_VAR]!r} must hold positive numbers, "
            f"for example {TOLS_ENV_VAR}=1e-4,1e-8."
        )
    return tols


def problem_ids() -> tuple[str, ...]:
    """Problem ids of the grid: those named in ``NEMOS_BENCH_PROBLEMS``, else the quick
    subset, or the ``standard`` suite when ``NEMOS_BENCH_FULL=1``.

    Returns
    -------
    tuple of str
        ``ProblemSpec.problem_id`` values.
    """
    selected = _selected(PROBLEMS_ENV_VAR)
    if selected is not None:
        return selected
    if full_grid():
        try:
            from nemos_bench.problems import get_suite
        except ImportError:  # a commit without the suites: keep the quick ids
            return QUICK_PROBLEMS
        return tuple(spec.problem_id for spec in get_suite("standard"))
    return QUICK_PROBLEMS


@functools.cache
def _import_harness() -> types.SimpleNamespace | str:
    """The package's names the suite uses, or the reason they cannot be imported.

    The reason covers both directions of history: a harness commit that predates a module,
    and (``nemos-bench asv init``) a NeMoS commit that cannot be imported, lacks what the
    harness uses, or is older than the harness supports.
    """
    try:
        import jax

        jax.config.update("jax_enable_x64", True)  # the harness measures in float64
        import nemos
    except Exception as err:  # a NeMoS commit that does not import (any error it raises)
        return f"nemos cannot be imported at this commit: {type(err).__name__}: {err}"
    version = getattr(nemos, "__version__", "of unknown version")
    try:
        from nemos_bench.measure import CellSettings, block, make_model, run_one, time_repeats
        from nemos_bench.problems import ProblemSpec, load_problem, load_reference
        from nemos_bench.solvers import (
            check_nemos_version,
            initial_params,
            register_scipy_solvers,
            setup_model_solver,
            solver_allows,
        )
    except (ImportError, AttributeError) as err:
        return (
            f"nemos_bench cannot run with nemos {version} at this commit (one of the two "
            f"lacks what the suite needs): {type(err).__name__}: {err}"
        )
    try:
        check_nemos_version(version, newer_ok=True)
    except RuntimeError as err:
        return f"nemos {version} at this commit is older than nemos_bench supports: {err}"
    return types.SimpleNamespace(
        ProblemSpec=ProblemSpec,
        load_problem=load_problem,
        load_reference=load_reference,
        CellSettings=CellSettings,
        block=block,
        make_model=make_model,
        run_one=run_one,
        time_repeats=time_repeats,
        solver_allows=solver_allows,
        register_scipy_solvers=register_scipy_solvers,
        initial_params=initial_params,
        setup_model_solver=setup_model_solver,
    )


def harness(scipy: bool = True) -> types.SimpleNamespace:
    """The package's names used by the suite.

    Parameters
    ----------
    scipy : bool
        Register the scipy solvers in NeMoS's registry (their validation compiles for a few
        seconds, which a process fitting a native solver need not pay).

    Raises
    ------
    NotImplementedError
        When the installed ``nemos_bench`` lacks one of them, the installed NeMoS cannot run
        it, or (with ``scipy``) the scipy solvers cannot register: asv then skips the
        benchmark, with this reason.
    """
    found = _import_harness()
    if isinstance(found, str):
        raise NotImplementedError(found)
    if scipy:
        try:
            found.register_scipy_solvers()  # idempotent
        except Exception as err:  # the adapter does not fit this NeMoS's solver interface
            raise NotImplementedError(
                f"the scipy solvers cannot be registered here: {type(err).__name__}: {err}"
            ) from None
    return found


def cell_key(solver: str, problem: str, tol: float) -> str:
    """Key of one cell in ``setup_cache``'s result (a plain string: it is pickled)."""
    return f"{solver}|{problem}|{float(tol)!r}"


def run_grid(solvers, problems, tols) -> dict:
    """Run every cell once with ``nemos_bench.measure.run_one`` and keep its summary row.

    Returns
    -------
    dict
        ``{"cells": {cell_key: summary row}}``, or ``{"missing": reason}`` when the package
        at this commit cannot run the grid.
    """
    try:
        h = harness(scipy=False)
    except NotImplementedError as err:
        return {"missing": str(err)}
    scipy_missing = None
    if any(solver.endswith("[scipy]") for solver in solvers):
        try:
            harness(scipy=True)
        except NotImplementedError as err:  # native solvers still run
            scipy_missing = {"status": "skipped", "reason": str(err)}
    settings = h.CellSettings(maxiter=MAXITER, repeats=REPEATS)
    cells = {}
    for problem_id in problems:
        spec = h.ProblemSpec.from_id(problem_id)
        problem, reference = h.load_problem(spec), h.load_reference(spec)
        for solver in solvers:
            for tol in tols:
                if scipy_missing and solver.endswith("[scipy]"):
                    cells[cell_key(solver, problem_id, tol)] = dict(scipy_missing)
                    continue
                result = h.run_one(problem, reference, solver, tol, settings)
                cells[cell_key(solver, problem_id, tol)] = dict(result.summary)
    return {"cells": cells}


def cell_row(cache: dict, solver: str, problem: str, tol: float) -> dict:
    """The summary row of one cell from ``setup_cache``'s result.

    Raises
    ------
    NotImplementedError
        When the package lacks a module, or the cell was skipped (solver not allowed for the
        problem's regularizer): asv records the benchmark as skipped.
    RuntimeError
        When the fit failed or diverged: asv records a failure, with the reason.
    """
    if "missing" in cache:
        raise NotImplementedError(cache["missing"])
    row = cache["cells"].get(cell_key(solver, problem, tol))
    if row is None:
        raise NotImplementedError(f"No cell for {solver} on {problem} at tol={tol:g}.")
    if row["status"] == "skipped":
        raise NotImplementedError(row["reason"])
    if row["status"] not in ("ok", "recompiles"):  # recompiles: a fit, compiling every call
        status, reason = row["status"], row["reason"]
        raise RuntimeError(f"{solver} on {problem} at tol={tol:g}: {status}: {reason}")
    return row


def as_float(value) -> float:
    """``value`` as a float (``None`` becomes NaN)."""
    return math.nan if value is None else float(value)


def prepare_fit(solver: str, problem: str, tol: float):
    """Build the solver of one cell, warm it up and return the compile-free fit.

    This is what ``run_one`` times as ``fit_s``: NeMoS's default initial parameters, the
    model a user would build (``make_model``), its solver instance set up for the data, and
    ``solver.run`` called once to compile. A second call is checked with the harness's
    ``time_repeats`` to compile nothing.

    Returns
    -------
    callable
        Zero-argument function running ``solver.run`` and blocking until the result is ready.

    Raises
    ------
    NotImplementedError
        When the package lacks a module, the solver is not registered here, or NeMoS does not
        allow it for the problem's regularizer.
    RuntimeError
        When the warmed-up fit still compiles (the timing would not be steady state).
    """
    import warnings

    import jax.numpy as jnp

    h = harness(scipy=solver.endswith("[scipy]"))
    spec = h.ProblemSpec.from_id(problem)
    try:
        allowed = h.solver_allows(solver, spec.regularizer)
    except ValueError as err:  # not in this NeMoS's registry
        raise NotImplementedError(str(err)) from None
    if not allowed:
        raise NotImplementedError(f"NeMoS does not allow {solver} with {spec.regularizer}.")
    data = h.load_problem(spec)
    X, y = jnp.asarray(data.X), jnp.asarray(data.y)
    model = h.make_model(spec, solver, tol, MAXITER)
    params0 = h.initial_params(model, X, y)
    fitted = h.setup_model_solver(model, params0, X, y)
    if type(fitted).__name__.startswith("Scipy") and hasattr(fitted, "trace"):
        fitted.trace = "none"  # scipy adapter: no per-iteration callback, as in run_one

    def fit():
        return h.block(fitted.run(params0, X, y))

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence warnings are tracked, not printed
        fit()  # compile
        check = h.time_repeats(fit, 1)
    if check.compiles:
        again = h.time_repeats(fit, 2)
        if again.compiles >= again.repeats:
            # compiles on every call (e.g. a run that is not jitted): what a user pays per call
            return fit
        raise RuntimeError(
            f"{solver} still compiled {check.compiles} time(s) after warm-up; "
            "its time would include compilation."
        )
    return fit
