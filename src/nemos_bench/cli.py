"""The ``nemos-bench`` command line: list, run, report, compare, verify and asv.

Exit codes: 0 every cell ok (or skipped: a solver that cannot run a problem, with the
reason), 1 some cells failed, diverged or timed out (all rows still written), 2 usage error
(one sentence on stderr, no traceback, nothing written), 130 interrupted (Ctrl-C; the
finished cells are kept, rerun the same command with the same ``--out`` to resume).
``compare`` exits 1 on a regression, ``verify`` on a row whose numbers do not recompute.
"""

from __future__ import annotations

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
from rich.table import Table

from ._cli_parser import build_parser
from ._cli_table import summary_table

__all__ = ["main"]

EXIT_OK, EXIT_NOT_OK, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
#: ``nemos-bench run`` isolates cells in a worker process unless told ``--in-process``.
#: Measured on the quick suite (56 cells, 2 cores, 3 alternating runs each): 66.3 s isolated
#: vs 63.4 s in-process (median wall), i.e. one worker start-up, ~3 s or ~5 %, per sweep;
#: per-cell times are unchanged (median fit_s ratio 1.03, within run-to-run noise).
DEFAULT_ISOLATE = True
_TRUE, _FALSE = ("1", "true", "t", "yes", "y", "on"), ("0", "false", "f", "no", "n", "off")


class UsageError(Exception):
    """Bad input from the user: reported in one sentence with exit code 2."""


def _cmd_list(args, console: Console) -> int:
    from ._listing import print_problems
    from .problems import REGULARIZERS, get_suite, list_suites
    from .solvers import available_solvers, baseline_names, get_baseline, is_baseline, solver_allows

    suites = [args.suite] if args.suite else list_suites()
    try:
        specs = {name: get_suite(name) for name in suites}
    except ValueError as err:
        raise UsageError(str(err)) from None
    print_problems(
        console, specs, compute=bool(args.suite) if args.compute is None else args.compute
    )
    solvers = Table(title="Solvers available here (and outside baselines)")
    names = available_solvers() + baseline_names()
    solvers.add_column("solver", no_wrap=True, min_width=max(map(len, names)))
    for column in REGULARIZERS:
        solvers.add_column(column)
    for name in names:
        marks = ["yes" if solver_allows(name, reg) else "-" for reg in REGULARIZERS]
        missing = is_baseline(name) and not get_baseline(name).available()
        solvers.add_row(escape(name + (" (not installed)" if missing else "")), *marks)
    console.print(solvers)
    return EXIT_OK


def _default_out(suite: str) -> Path:
    stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    return Path("results") / "runs" / f"{stamp}-{suite}"


def _user_modules_importable() -> None:
    """Let ``--solver-class pkg.module:Class`` import from the current directory.

    As ``python -m`` would; a console script's ``sys.path`` does not hold it.
    """
    cwd = os.getcwd()
    if "" not in sys.path and cwd not in sys.path:
        sys.path.insert(0, cwd)


def _cmd_run(args, console: Console) -> int:
    from .problems import is_reference_cached
    from .runner import (
        build_config,
        excluded_by_suite,
        load_sweep_file,
        parse_tols,
        plan_cells,
        run_sweep,
    )
    from .solvers import available_solvers

    file = load_sweep_file(args.config) if args.config else None
    if args.isolate is False and args.timeout is not None:
        raise UsageError(
            f"--timeout {args.timeout:g} needs isolation (a cell running in this process "
            "cannot be stopped); drop --in-process or drop --timeout."
        )
    isolate = args.isolate
    if isolate is None and (file or {}).get("isolate") is None:
        isolate = DEFAULT_ISOLATE or None
    config = build_config(
        file,
        suite=args.suite,
        solvers=[s.strip() for s in args.solvers.split(",") if s.strip()] if args.solvers else None,
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
    if config.isolated:  # the cells run in workers: this process starts no GPU backend
        import jax

        jax.config.update("jax_platforms", "cpu")
    if config.solver_classes:
        _user_modules_importable()
    cells = plan_cells(config)  # validates solver names and user classes; writes nothing
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
        if uncached:
            console.print(
                f"{len(uncached)} problem(s) have no cached reference optimum yet: each is "
                "computed before its first cell (single-threaded NumPy, minutes to hours for "
                f"big problems); `nemos-bench list --suite {config.suite}` computes them ahead "
                "with a progress bar.",
                markup=False,
                highlight=False,
            )
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
        from .runner import DaskExecutor

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
            raise KeyboardInterrupt(
                f"the finished cells are saved in {out}; rerun with --out {out} to resume"
            ) from None
        raise
    finally:
        if progress.live.is_started:
            progress.stop()
    table, not_ok, warnings = summary_table(store)
    console.print(table)
    for line in warnings:
        console.print(f"warning: {line}", markup=False, highlight=False)
    console.print(f"Results: {store.path}")
    if not args.no_report:
        from .report import build_report

        console.print(f"Report: {build_report(store.path)}")
    return EXIT_NOT_OK if not_ok else EXIT_OK


def _dtypes(values: list[str] | None) -> tuple[str, ...] | None:
    """``--dtype`` values (each may be comma-separated) as a tuple, or ``None``."""
    if not values:
        return None
    return tuple(p.strip() for v in values for p in v.split(",") if p.strip())


def _cmd_report(args, console: Console) -> int:
    from .report import build_report

    kwargs = {"baseline": args.baseline}
    if args.epsilon is not None:
        kwargs["epsilon"] = args.epsilon
    console.print(f"Report: {build_report(args.run_dir, args.out, **kwargs)}")
    return EXIT_OK


def _check_x64_env(command: str) -> None:
    """Refuse a ``JAX_ENABLE_X64`` that is not a boolean, or that turns float64 off for ``run``."""
    value = os.environ.get("JAX_ENABLE_X64")
    if value is None or value.strip().lower() in _TRUE:
        return
    if value.strip().lower() not in _FALSE:
        raise UsageError(
            f"JAX_ENABLE_X64={value!r} is not a boolean; unset it or set it to 1 "
            "(nemos-bench always measures in float64)."
        )
    if command == "run":
        raise UsageError(
            f"JAX_ENABLE_X64={value!r} turns JAX float64 off, but nemos-bench measures every "
            "solver in float64 (in float32 scipy's line searches fail); unset it or set it to 1."
        )


def _setup_jax() -> None:
    """Float64 on (the harness always measures in it) and a supported NeMoS installed."""
    import jax
    import nemos

    jax.config.update("jax_enable_x64", True)
    from .solvers import check_nemos_version

    try:
        check_nemos_version(nemos.__version__)
    except RuntimeError as err:
        raise UsageError(str(err)) from None


def _is_usage_error(err: BaseException) -> bool:
    """Whether ``err`` is bad input: a :class:`UsageError` or a nemos-bench ``ValueError``.

    nemos-bench's ``ValueError`` subclasses are its input errors (bad config, unknown
    solver, unusable directory, corrupted results, report input); a plain ``ValueError``
    is a bug and keeps its traceback.
    """
    if isinstance(err, UsageError):
        return True
    cls = type(err)
    return isinstance(err, ValueError) and cls.__module__.split(".")[0] == "nemos_bench"


def _cmd_compare(args, console: Console) -> int:
    from .compare import run_compare

    return run_compare(args, console)


def _cmd_asv(args, console: Console) -> int:
    from .asv_tools import run_asv

    return run_asv(args, console)


def _cmd_verify(args, console: Console) -> int:
    from .verify import verify_run

    result = verify_run(args.run_dir)
    for mismatch in result.mismatches:
        console.print(f"MISMATCH {mismatch.sentence()}", markup=False, highlight=False)
    verdict = "all agree" if result.passed else f"{len(result.mismatches)} mismatch(es)"
    console.print(
        f"Verified {result.n_checked} ok rows of {result.n_rows} in {result.run_dir} from "
        f"their stored parameters: {verdict}.",
        markup=False,
        highlight=False,
    )
    return EXIT_OK if result.passed else EXIT_NOT_OK


def _console() -> Console:
    """Standard output, at full width when it is not a terminal.

    Printed to a pipe, a file or CI, rich would cut tables to 80 columns; there they keep
    their natural width instead (``COLUMNS`` still wins).
    """
    console = Console(stderr=False)
    if not console.is_terminal and not os.environ.get("COLUMNS"):
        console = Console(stderr=False, width=1000)
    return console


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``nemos-bench`` command; returns the exit code."""
    args = build_parser().parse_args(argv)
    console = _console()
    handlers = {
        "list": _cmd_list,
        "run": _cmd_run,
        "report": _cmd_report,
        "compare": _cmd_compare,
        "verify": _cmd_verify,
        "asv": _cmd_asv,
    }
    try:
        _check_x64_env(args.command)  # before JAX is imported: it rejects a non-boolean
        if args.command in ("list", "run"):
            _setup_jax()
        return handlers[args.command](args, console)
    except KeyboardInterrupt as err:
        detail = f"; {err}" if str(err) else ""
        print(f"nemos-bench {args.command}: interrupted{detail}.", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as err:
        if not _is_usage_error(err):
            raise
        message = " ".join(str(err).split())  # one line, whatever the terminal width
        print(f"nemos-bench {args.command}: error: {message}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
