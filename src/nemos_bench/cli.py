"""The ``nemos-bench`` command line: ``list``, ``run``, ``report``, ``compare``.

Exit codes: 0 every cell ok, 1 some cells not ok (all rows still written), 2 usage error
(one sentence on stderr, nothing written).
"""

from __future__ import annotations

import argparse
import datetime as _dt
import sys
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

__all__ = ["main"]

EXIT_OK, EXIT_NOT_OK, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """Bad input from the user: reported in one sentence with exit code 2."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="nemos-bench", description="Benchmark NeMoS solvers, scipy adapter included."
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    lst = sub.add_parser("list", help="list suites, problems and the solvers available here")
    lst.add_argument("--suite", help="list the problems of this suite only")

    run = sub.add_parser("run", help="run a sweep and write results (and a report)")
    run.add_argument("--suite", help="problem suite (default: quick)")
    run.add_argument("--solvers", help="comma-separated registry names (default: all)")
    run.add_argument("--tol", action="append", help="tolerance(s); repeat or comma-separate")
    run.add_argument("--repeats", type=int, help="steady-state repeats per cell (default 3)")
    run.add_argument("--maxiter", type=int, help="iteration cap for every solver (default 5000)")
    run.add_argument("--out", help="run directory (default results/runs/<run-id>)")
    run.add_argument("--config", help="sweep file (TOML); command-line options win")
    run.add_argument("--timeout", type=float, help="per-cell time limit in seconds")
    run.add_argument("--solver-class", action="append", help="user solver package.module:ClassName")
    run.add_argument("--no-report", action="store_true", help="do not build the HTML report")

    rep = sub.add_parser("report", help="build the HTML report of a run directory")
    rep.add_argument("run_dir", help="a run directory written by `nemos-bench run`")
    rep.add_argument("--out", help="report directory (default reports/<run-id>)")
    rep.add_argument("--epsilon", type=float, help="accuracy target of the profiles")
    return parser


def _cmd_list(args, console: Console) -> int:
    from .problems import get_suite, list_suites
    from .solvers import available_solvers, solver_allows

    suites = [args.suite] if args.suite else list_suites()
    table = Table(title="Suites and problems")
    table.add_column("suite")
    table.add_column("problem_id")
    for name in suites:
        specs = get_suite(name)
        for index, spec in enumerate(specs):
            table.add_row(name if index == 0 else "", escape(spec.problem_id))
    console.print(table)
    solvers = Table(title="Solvers available here")
    for column in ("solver", "UnRegularized", "Ridge"):
        solvers.add_column(column)
    for name in available_solvers():
        marks = ["yes" if solver_allows(name, reg) else "-" for reg in ("UnRegularized", "Ridge")]
        solvers.add_row(escape(name), *marks)
    console.print(solvers)
    return EXIT_OK


def _default_out(suite: str) -> Path:
    stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    return Path("results") / "runs" / f"{stamp}-{suite}"


def _summary_table(store) -> tuple[Table, int]:
    from .results import read_summary

    frame = read_summary(store.path)
    table = Table(title=f"Results in {store.path}")
    for column in ("solver", "cells ok", "median fit_s", "median compile_s", "best subopt."):
        table.add_column(column, justify="right" if column != "solver" else "left")
    for solver, rows in frame.groupby("solver", sort=False):
        ok = rows[rows["status"] == "ok"]
        fmt = "{:.3g}".format
        table.add_row(
            escape(solver),
            f"{len(ok)}/{len(rows)}",
            fmt(ok["fit_s"].median()) if len(ok) else "-",
            fmt(ok["compile_s"].median()) if len(ok) else "-",
            fmt(ok["suboptimality"].min()) if len(ok) else "-",
        )
    return table, int((frame["status"] != "ok").sum())


def _cmd_run(args, console: Console) -> int:
    from .runner import build_config, load_sweep_file, parse_tols, run_sweep
    from .runner._sweep import plan_cells

    file = load_sweep_file(args.config) if args.config else None
    config = build_config(
        file,
        suite=args.suite,
        solvers=[s.strip() for s in args.solvers.split(",") if s.strip()] if args.solvers else None,
        tols=parse_tols(args.tol),
        repeats=args.repeats,
        maxiter=args.maxiter,
        timeout=args.timeout,
        solver_classes=args.solver_class,
    )
    out = Path(args.out) if args.out else _default_out(config.suite)
    total = len(plan_cells(config))
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console, transient=False) as progress:
        task = progress.add_task("starting", total=total)

        def on_cell(cell, result):
            state = "done before" if result is None else result.summary["status"]
            progress.update(
                task, advance=1, description=escape(f"{cell.solver} tol={cell.tol:g}: {state}")
            )

        store = run_sweep(config, out, on_cell=on_cell)
    table, not_ok = _summary_table(store)
    console.print(table)
    console.print(f"Results: {store.path}")
    if not args.no_report:
        from .report import build_report

        console.print(f"Report: {build_report(store.path)}")
    return EXIT_NOT_OK if not_ok else EXIT_OK


def _cmd_report(args, console: Console) -> int:
    from .report import build_report

    kwargs = {} if args.epsilon is None else {"epsilon": args.epsilon}
    console.print(f"Report: {build_report(args.run_dir, args.out, **kwargs)}")
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``nemos-bench`` command; returns the exit code."""
    args = _parser().parse_args(argv)
    console = Console(stderr=False)
    errors = Console(stderr=True)
    handlers = {"list": _cmd_list, "run": _cmd_run, "report": _cmd_report}
    try:
        import jax

        jax.config.update("jax_enable_x64", True)  # the harness always measures in float64
        from .solvers import check_nemos_version

        check_nemos_version()
        return handlers[args.command](args, console)
    except (ValueError, RuntimeError, UsageError) as err:
        errors.print(f"nemos-bench {args.command}: error: {err}", markup=False, highlight=False)
        return EXIT_USAGE


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
