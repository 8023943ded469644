"""``nemos-bench run --workload cv|path``: timed user workflows after the cells of a run."""

from __future__ import annotations

import argparse

from ._errors import UsageError

__all__ = ["add_workload_arguments", "plan_workloads", "run_workloads"]


def add_workload_arguments(run: argparse.ArgumentParser) -> None:
    """Add ``--workload``, ``--strengths``, ``--folds`` and ``--workload-repeats`` to ``run``.

    Examples
    --------
    >>> from nemos_bench.cli._parser import build_parser
    >>> args = build_parser().parse_args(["run", "--workload", "cv", "--folds", "4"])
    >>> args.workload, args.folds, args.strengths
    ('cv', 4, None)
    """
    from ..workloads import DEFAULT_FOLDS, DEFAULT_N_STRENGTHS, DEFAULT_WORKLOAD_REPEATS

    run.add_argument(
        "--workload",
        help="after the cells, time a whole NeMoS workflow per solver and problem, "
        "compilation included, into workloads.csv: 'path' fits the regularizer strengths in "
        "sequence, 'cv' is scikit-learn's GridSearchCV over strengths x folds (plus its refit); "
        "at the run's tightest tol; every fit is judged against its own certified optimum "
        "(an UnRegularized problem's workload uses Ridge)",
    )
    run.add_argument(
        "--strengths",
        help=f"workload strengths: a count G >= 2, log-spaced over two decades around the "
        f"problem's strength, or a comma-separated list (default {DEFAULT_N_STRENGTHS})",
    )
    run.add_argument("--folds", type=int, help=f"cv folds K >= 2 (default {DEFAULT_FOLDS})")
    run.add_argument(
        "--workload-repeats",
        type=int,
        help="runs of each workload, each after jax.clear_caches() so that each pays "
        f"compilation as a fresh process (default {DEFAULT_WORKLOAD_REPEATS})",
    )


def _strengths(text: str | None):
    if text is None:
        return None
    pieces = [p.strip() for p in text.split(",") if p.strip()]
    if len(pieces) == 1 and pieces[0].isdigit():
        return int(pieces[0])
    try:
        return [float(p) for p in pieces]
    except ValueError:
        raise UsageError(
            f"--strengths {text!r} is neither a count nor a comma-separated list of numbers; "
            "give e.g. 3 or 1e-4,1e-3,1e-2."
        ) from None


def plan_workloads(args, problems) -> list | None:
    """Check the workload options for every problem; ``[(problem spec, Workload)]`` or None.

    Raises :class:`UsageError` (one sentence) on a bad value, before anything is written.
    """
    from ..workloads import WorkloadError, make_workload

    if args.workload is None:
        given = [
            f
            for f, v in (
                ("--strengths", args.strengths),
                ("--folds", args.folds),
                ("--workload-repeats", args.workload_repeats),
            )
            if v is not None
        ]
        if given:
            raise UsageError(f"{given[0]} applies to a workload only; add --workload cv or path.")
        return None
    if args.workload_repeats is not None and args.workload_repeats < 1:
        raise UsageError(f"--workload-repeats {args.workload_repeats} is not a whole number >= 1.")
    strengths = _strengths(args.strengths)
    try:
        return [
            (spec, make_workload(args.workload, spec, strengths, args.folds)) for spec in problems
        ]
    except WorkloadError as err:
        raise UsageError(str(err)) from None


def run_workloads(planned, cells, *, tol, maxiter, repeats, out, console) -> bool:
    """Run every planned workload with every float64 solver of the run's cells; append rows.

    Returns whether every workload ran (none ``failed``).
    """
    import jax

    from ..problems import load_problem
    from ..results import append_workload_rows
    from ..workloads import DEFAULT_WORKLOAD_REPEATS, run_workload

    jax.config.update("jax_enable_x64", True)
    repeats = repeats or DEFAULT_WORKLOAD_REPEATS
    ok = True
    for spec, workload in planned:
        problem = load_problem(spec)
        solvers = dict.fromkeys(c.solver for c in cells if c.spec == spec and c.dtype == "float64")
        for solver in solvers:
            console.print(
                f"Workload {workload.kind} ({workload.n_fits} fits x {repeats} runs) of "
                f"{spec.problem_id} with {solver}",
                markup=False,
                highlight=False,
            )
            row = run_workload(problem, workload, solver, tol=tol, maxiter=maxiter, repeats=repeats)
            append_workload_rows(out, [row])
            ok = ok and row["status"] != "failed"
            if row["status"] == "ok":
                reached = f"{row['fits_reached']} of {row['n_fits']} fits reached epsilon"
                console.print(
                    f"  {row['wall_s']:.3g} s, {row['compiles']:g} compilations taking "
                    f"{row['compile_s']:.3g} s; {reached}",
                    markup=False,
                    highlight=False,
                )
            else:
                console.print(f"  {row['status']}: {row['reason']}", markup=False, highlight=False)
    return ok
