"""``nemos-bench run``: a sweep from the command line, with progress, summary and report."""

from __future__ import annotations

import dataclasses
import datetime as _dt
import os
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

from ._defaults import DEFAULT_ISOLATE, RUNS_DIR
from ._errors import EXIT_NOT_OK, EXIT_OK, UsageError
from ._hints import check_repeats, resume_command, tol_warnings
from ._table import summary_table, unfitted_lines

__all__ = ["cmd_run"]


def _default_out(suite: str) -> Path:
    stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    return RUNS_DIR / f"{stamp}-{suite}"


def _user_modules_importable() -> None:
    """Let ``--solver-class pkg.module:Class`` import from the current directory.

    As ``python -m`` would; a console script's ``sys.path`` does not hold it.
    """
    cwd = os.getcwd()
    if "" not in sys.path and cwd not in sys.path:
        sys.path.insert(0, cwd)


def cmd_run(args, console: Console) -> int:
    """``nemos-bench run``: plan, run with a progress bar, print the summary, build the report."""
    from ..problems import is_reference_cached
    from ..results import read_summary
    from ..solvers import available_solvers, split_solver_list
    from ..sweep import (
        build_config,
        excluded_by_suite,
        load_sweep_file,
        parse_tols,
        plan_cells,
        run_sweep,
    )
    from ._listing import statuses_with_progress

    file = load_sweep_file(args.config) if args.config else None
    if args.isolate is False and args.timeout is not None:
        raise UsageError(
            f"--timeout {args.timeout:g} needs isolation (a cell running in this process "
            "cannot be stopped); drop --in-process or drop --timeout."
        )
    isolate = args.isolate
    if isolate is None and (file or {}).get("isolate") is None:
        isolate = DEFAULT_ISOLATE or None
    from ._data import DATA_SUITE, data_problems

    data = data_problems(args, file)  # --data: the user's files are the problems
    config = build_config(
        file,
        suite=args.suite,
        problems=data or _problems(args.problems),
        solvers=split_solver_list(args.solvers) if args.solvers else None,
        tols=parse_tols(args.tol),
        repeats=args.repeats,
        max_repeats=args.max_repeats,
        time_budget=args.time_budget,
        ci_target=args.ci_target,
        rounds=args.rounds,
        maxiter=args.maxiter,
        timeout=args.timeout,
        solver_classes=args.solver_class,
        isolate=isolate,
        workers=args.workers,
        scheduler=args.scheduler,
        threads=args.threads,
        dtypes=_dtypes(args.dtype),
    )
    if data:  # named "data" (not "custom"): its run directory and report say so
        config = dataclasses.replace(config, suite=DATA_SUITE)
    check_repeats(config.settings.repeats, from_command_line=args.repeats is not None)
    if config.scheduler is not None:  # first: the checks below take seconds (solver validation)
        from ..sweep import probe_scheduler

        probe_scheduler(config.scheduler)
    if config.isolated:  # the cells run in workers: this process starts no GPU backend
        import jax

        jax.config.update("jax_platforms", "cpu")
    if config.solver_classes:
        _user_modules_importable()
    cells = plan_cells(config)  # validates solver names and user classes; writes nothing
    from ._workload import plan_workloads, run_workloads

    workloads = plan_workloads(args, config.problems)  # --workload: checked, nothing written
    left_out = [name for name in available_solvers() if excluded_by_suite(config, name)]
    uncached = [spec for spec in config.problems if not is_reference_cached(spec)]
    out = Path(args.out) if args.out else _default_out(config.suite)
    mode = "in a worker process" if config.isolated else "in this process"
    if config.distributed:
        mode = (
            f"on a local Dask cluster of {config.workers} worker(s)"
            if config.workers
            else f"on the Dask cluster of {config.scheduler}"
        )
    if config.timeout is not None:
        mode += f", at most {config.timeout:g} s per cell"
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
    )
    progress = Progress(*columns, console=console, transient=False)
    task = progress.add_task("starting", total=len(cells))

    def on_start(store, todo):  # everything is checked: nothing was printed or written before
        done = len(cells) - len(todo)
        resumed = f" ({done} done before)" if done else ""
        console.print(
            f"Running {len(todo)} cells{resumed} {mode} into {store.path}",
            markup=False,
            highlight=False,
        )
        for line in tol_warnings(config.tols):
            console.print(f"warning: {line}", markup=False, highlight=False)
        if uncached and config.scheduler:  # the cluster's workers may not share this cache
            console.print(
                f"{len(uncached)} problem(s) have no cached reference optimum yet: the worker "
                "that runs a problem's first cell computes it (single-threaded NumPy, minutes "
                "to hours for big problems).",
                markup=False,
                highlight=False,
            )
        elif uncached:  # computed here, before the cells, with a progress bar; then cached
            statuses_with_progress(uncached, True, console)
        if left_out:
            console.print(
                f"Suite {config.suite} leaves out {', '.join(left_out)} (each of their "
                "iterations is an epoch over the data; name them with --solvers to run them).",
                markup=False,
                highlight=False,
            )
        progress.start()

    def on_cell(cell, result):
        state = "done before" if result is None else result.summary["status"]
        description = escape(f"{cell.solver} tol={cell.tol:g}: {state}")
        progress.update(task, advance=1, description=description)

    executor = None
    if config.distributed:
        from ..sweep import DaskExecutor

        executor = DaskExecutor(
            workers=config.workers,
            scheduler=config.scheduler,
            timeout=config.timeout,
            threads=config.threads,
            say=lambda text: console.print(f"warning: {text}", markup=False, highlight=False),
        )
    try:
        store = run_sweep(
            config, out, on_cell=on_cell, executor=executor, cells=cells, on_start=on_start
        )
    except KeyboardInterrupt:
        if out.exists():
            typed = getattr(args, "argv", None) or sys.argv[1:]
            again = resume_command(typed, out, out_given=args.out is not None)
            raise KeyboardInterrupt(
                f"the finished cells are saved in {out}; to resume, run `{again}`"
            ) from None
        raise
    finally:
        if progress.live.is_started:
            progress.stop()
    workloads_ok = workloads is None or run_workloads(
        workloads,
        cells,
        tol=min(config.tols),
        maxiter=config.settings.maxiter,
        repeats=args.workload_repeats,
        out=store.path,
        console=console,
    )
    table, not_ok, warnings = summary_table(store)
    console.print(table)
    for line in unfitted_lines(read_summary(store.path)):
        console.print(line, markup=False, highlight=False)
    for line in warnings:
        console.print(f"warning: {line}", markup=False, highlight=False)
    console.print(f"Results: {store.path}")
    if not args.no_report:
        from ..report import build_report
        from ..results import read_summary
        from ._advise import run_defaults

        defaults = run_defaults(read_summary(store.path))[0]
        console.print(f"Report: {build_report(store.path, defaults=defaults)}")
    return EXIT_NOT_OK if not_ok or not workloads_ok else EXIT_OK


def _problems(values: list[str] | None):
    """``--problems`` values (each may be a comma-separated list of ids) as specs, or ``None``."""
    if not values:
        return None
    from ..problems import parse_problem, split_problems

    texts = [text for value in values for text in split_problems(value)]
    if not texts:
        raise UsageError(
            "--problems is empty; give at least one problem, e.g. poisson[n=2000,p=20]."
        )
    try:
        return tuple(dict.fromkeys(parse_problem(text) for text in texts))
    except ValueError as err:
        raise UsageError(f"--problems: {err}") from None


def _dtypes(values: list[str] | None) -> tuple[str, ...] | None:
    """``--dtype`` values (each may be comma-separated) as a tuple, or ``None``."""
    if not values:
        return None
    return tuple(p.strip() for v in values for p in v.split(",") if p.strip())
