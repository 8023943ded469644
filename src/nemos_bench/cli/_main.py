"""The ``nemos-bench`` command line: list, run, report, compare, verify and asv.

Exit codes: 0 every cell ok (or skipped: a solver that cannot run a problem, with the
reason), 1 some cells failed, diverged or timed out (all rows still written), 2 usage error
(one sentence on stderr, no traceback, nothing written), 130 interrupted (Ctrl-C; the
finished cells are kept, rerun the same command with the same ``--out`` to resume).
``compare`` exits 1 on a regression, ``verify`` on a row whose numbers do not recompute.
"""

from __future__ import annotations

import os
import sys

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ._advise_data import cmd_advise
from ._errors import EXIT_OK, UsageError
from ._parser import build_parser
from ._run import cmd_run
from ._verify import cmd_verify

__all__ = ["main"]

EXIT_USAGE, EXIT_INTERRUPTED = 2, 130
_TRUE, _FALSE = ("1", "true", "t", "yes", "y", "on"), ("0", "false", "f", "no", "n", "off")


def _cmd_list(args, console: Console) -> int:
    from ..problems import REGULARIZERS, get_suite, list_suites
    from ..solvers import (
        available_solvers,
        baseline_names,
        get_baseline,
        is_baseline,
        solver_allows,
    )
    from ._listing import print_problems

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


def _cmd_report(args, console: Console) -> int:
    import functools
    import json

    from ..report import build_report

    kwargs = {"baseline": args.baseline}
    if args.epsilon is not None:
        kwargs["epsilon"] = args.epsilon
    replaced = []
    from ..report import load_run
    from ._advise import run_defaults

    kwargs["defaults"] = run_defaults(load_run(args.run_dir)[0])[0]
    index = build_report(args.run_dir, args.out, on_replace=replaced.append, **kwargs)
    say = functools.partial(console.print, markup=False, highlight=False, soft_wrap=True)
    say(f"Report: {index}")
    if replaced:  # a report of this run (or another) was in that directory
        before = replaced[0].get("epsilon")
        now = json.loads((index.parent / "report.json").read_text(encoding="utf-8"))["epsilon"]
        if before == now:
            was = f"same ε = {now:g}"
        else:
            known = isinstance(before, int | float)
            was = f"{f'ε = {before:g}' if known else 'ε unknown'}; this one: ε = {now:g}"
        say(f"It replaced the earlier report in {index.parent} ({was}).")
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
    from ..solvers import check_nemos_version

    try:
        check_nemos_version(nemos.__version__)
    except RuntimeError as err:
        raise UsageError(str(err)) from None


def _with_registry_notes(handler, args, console: Console) -> int:
    """Run ``handler``; print each registry clash as one ``warning:`` line on stdout.

    A clash: a solver name nemos-bench registers (``LBFGS[scipy]``, ...) already held by
    another package's class (see ``nemos_bench.solvers._clash``). A bad
    ``NEMOS_BENCH_KEEP_REGISTERED`` is refused here, before anything is printed.
    """
    from ..solvers import kept_names, registry_warnings_to, scipy_solver_names

    kept_names(scipy_solver_names())

    def say(text: str) -> None:
        console.print(f"warning: {text}", markup=False, highlight=False, soft_wrap=True)

    with registry_warnings_to(say):
        return handler(args, console)


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
    from ..compare import run_compare

    return run_compare(args, console)


def _cmd_asv(args, console: Console) -> int:
    from ..asv_tools import run_asv

    return run_asv(args, console)


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
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(argv)
    args.argv = argv  # what was typed: ``run`` repeats it in its resume command
    console = _console()
    handlers = {
        "list": _cmd_list,
        "run": cmd_run,
        "report": _cmd_report,
        "compare": _cmd_compare,
        "verify": cmd_verify,
        "asv": _cmd_asv,
        "advise": cmd_advise,
    }
    try:
        # advise --data runs a sweep: it is checked and set up as run is
        runs = "run" if args.command == "advise" and getattr(args, "data", None) else None
        _check_x64_env(runs or args.command)  # before JAX is imported: it rejects a non-boolean
        if (runs or args.command) in ("list", "run"):
            _setup_jax()
            return _with_registry_notes(handlers[args.command], args, console)
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
