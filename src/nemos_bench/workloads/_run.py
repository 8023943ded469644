"""Time a workload end to end, R times from a cleared compilation state, and judge its fits."""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable

import jax
import numpy as np

from ..measure import count_compiles
from ..problems import Problem
from ..results import format_samples
from ..solvers import (
    NEMOS_VERSION,
    disallowed_reason,
    is_baseline,
    parse_solver_label,
    solver_allows,
    solver_class,
)
from ._certify import certify_fits
from ._fits import run_fits
from ._spec import DEFAULT_WORKLOAD_REPEATS, WORKLOAD_EPSILON, Workload

__all__ = ["run_workload", "skip_reason"]


def skip_reason(solver: str, workload: Workload) -> str | None:
    """Why ``solver`` cannot run ``workload`` (one sentence), or ``None`` when it can.

    Examples
    --------
    >>> from nemos_bench.workloads import Workload
    >>> skip_reason("IRLS[glum]", Workload("path", "Ridge", (0.1, 1.0))).split(":")[0]
    'IRLS[glum] is an outside baseline, not a NeMoS solver'
    >>> skip_reason("LBFGS", Workload("path", "Ridge", (0.1, 1.0))) is None
    True
    """
    name = parse_solver_label(solver)[0]
    if is_baseline(name):
        return (
            f"{name} is an outside baseline, not a NeMoS solver: workloads time NeMoS's GLM "
            "as users run it."
        )
    if not solver_allows(name, workload.regularizer):
        return disallowed_reason(name, workload.regularizer)
    return None


def _wrong_class(solver: str, records) -> str | None:
    """The sentence when some fits ran another solver class than ``solver``'s, else None."""
    expected = solver_class(parse_solver_label(solver)[0]).__name__
    other = [r.solver_class for r in records if r.solver_class and r.solver_class != expected]
    if not other:
        return None
    return (
        f"{len(other)} of {len(records)} fits ran {', '.join(sorted(set(other)))}, not "
        f"{solver}'s {expected}: scikit-learn's clone() rebuilds each model from get_params(), "
        "and this NeMoS's solver_name drops the backend, so the clones fit NeMoS's default "
        "backend instead."
    )


def _median(values) -> float:
    return float(np.median(values)) if len(values) else float("nan")


def run_workload(
    problem: Problem,
    workload: Workload,
    solver: str,
    *,
    tol: float,
    maxiter: int,
    repeats: int = DEFAULT_WORKLOAD_REPEATS,
    epsilon: float = WORKLOAD_EPSILON,
    on_repeat: Callable[[int], None] | None = None,
) -> dict:
    """Run ``workload`` with ``solver`` ``repeats`` times; return its ``workloads.csv`` row.

    Before each run ``jax.clear_caches()`` empties JAX's in-memory compilation and staging
    caches (the jit/pjit executable caches, C++ dispatch caches and the tracing caches), so
    each run compiles what a fresh user process would compile. It does not touch JAX's
    persistent on-disk cache (off unless ``jax_compilation_cache_dir`` is set), Python's
    imports, or NeMoS's registry. Inside each run, compilations are counted with
    ``count_compiles`` (one ``"Compiling ..."`` record of JAX's compile log each) and their
    time summed from JAX's monitoring events (tracing, lowering, backend compile);
    ``iterate_s`` is the run's wall time less that. ``cpu_s`` is the run's process CPU
    time (``time.process_time``, every thread), which the gate reads to tell a busy machine
    from extra work. Every fit of every run is judged
    against the certified optimum of its own rows and strength (``certify_fits``). A
    workload some of whose fits ran another solver class than ``solver``'s is ``failed``
    (its times are kept): on NeMoS 0.2.9 ``GLM.solver_name`` drops the backend
    (``"LBFGS[scipy]"`` reads ``"LBFGS"``), so GridSearchCV's clones fit the default backend.

    Parameters
    ----------
    problem :
        The problem's data.
    workload :
        What to run (``make_workload``).
    solver :
        Solver label, ``Algo[backend]`` with optional ``{settings}``.
    tol, maxiter :
        Passed to the solver for every fit.
    repeats :
        Runs of the whole workload (median and samples go in the row).
    epsilon :
        Accuracy target of each fit: ``f - f* <= epsilon * max(1, |f*|)``.
    on_repeat :
        Called with the run's index before each run (for progress displays).

    Returns
    -------
    dict
        The row, keyed by ``WORKLOAD_COLUMNS`` names.
    """
    row = {
        "problem_id": problem.spec.problem_id,
        "workload": workload.kind,
        "solver": solver,
        "tol": float(tol),
        "maxiter": int(maxiter),
        "regularizer": workload.regularizer,
        "strengths": format_samples(workload.strengths),
        "folds": workload.folds,
        "n_fits": workload.n_fits,
        "epsilon": float(epsilon),
        "nemos_version": NEMOS_VERSION,
        "jax_version": jax.__version__,
    }
    reason = skip_reason(solver, workload)
    if reason is not None:
        return {**row, "status": "skipped", "reason": reason, "repeats": 0}
    walls, cpus, counts, compile_s, verdicts, references = [], [], [], [], [], {}
    wrong = None
    for index in range(repeats):
        if on_repeat is not None:
            on_repeat(index)
        jax.clear_caches()
        with warnings.catch_warnings(), count_compiles() as seen:
            warnings.simplefilter("ignore")  # convergence warnings: the verdict says it
            start, cpu_start = time.perf_counter(), time.process_time()
            try:
                records = run_fits(problem, workload, solver, tol, maxiter)
            except Exception as err:  # noqa: BLE001 - a failed workload is a row
                text = " ".join(str(err).split())[:300]
                return {
                    **row,
                    "status": "failed",
                    "reason": f"run {index + 1}: {type(err).__name__}: {text}",
                    "repeats": index,
                }
            wall = time.perf_counter() - start
            cpu = time.process_time() - cpu_start
        walls.append(wall)
        cpus.append(cpu)
        counts.append(seen.count)
        compile_s.append(seen.seconds)
        verdicts.append(certify_fits(problem, workload, records, epsilon, references))
        wrong = wrong or _wrong_class(solver, records)
    iterate = [w - c for w, c in zip(walls, compile_s, strict=True)]
    uncertified = sorted({text for v in verdicts for text in v.uncertified})
    notes = ([wrong] if wrong else []) + [f"not certified: {text}" for text in uncertified]
    return {
        **row,
        "status": "failed" if wrong else "ok",
        "reason": "; ".join(notes) or None,
        "repeats": repeats,
        "wall_s": _median(walls),
        "wall_s_samples": format_samples(walls),
        "cpu_s": _median(cpus),
        "cpu_s_samples": format_samples(cpus),
        "compiles": _median(counts),
        "compiles_samples": " ".join(str(c) for c in counts),
        "compile_s": _median(compile_s),
        "compile_s_samples": format_samples(compile_s),
        "iterate_s": _median(iterate),
        "iterate_s_samples": format_samples(iterate),
        "certified_fits": min(v.certified for v in verdicts),
        "fits_reached": min(v.reached for v in verdicts),
        "max_rel_subopt": max(
            (v.max_rel_subopt for v in verdicts if v.certified), default=float("nan")
        ),
    }
