"""The gate as a command: conditions and verdict first, then the table, warnings, exit code."""

from __future__ import annotations

import argparse

from rich.console import Console

from ._gate import compare
from ._records import GateSettings
from ._table import comparison_table, warning_lines

__all__ = ["EXIT_PASS", "EXIT_REGRESSED", "add_compare_arguments", "gate", "run_compare"]

#: Exit codes: no regression / at least one regression (usage errors are the CLI's 2).
EXIT_PASS, EXIT_REGRESSED = 0, 1


def gate(base, head, *, console: Console | None = None, show_all: bool = True, **kwargs) -> int:
    """Compare HEAD with BASE, print the verdict and the table, return the exit code.

    The first line states what limits the verdict, if anything does (times not judged
    because the machines differ, cells not judged on time because the machine was busy;
    :meth:`Comparison.conditions`); the next is the verdict; then the table and the
    warnings (each cell not judged on time with its evidence, HEAD's solvers that compile
    on every call, cells that stopped recompiling).

    Parameters
    ----------
    base, head :
        As for :func:`compare`.
    console : rich.console.Console, optional
        Where the table goes (default: standard output).
    show_all : bool
        List passing cells too.
    **kwargs :
        Thresholds and asv options of :func:`compare`.

    Returns
    -------
    int
        :data:`EXIT_PASS` (0) when no matched cell regressed and no cell of BASE is missing
        from HEAD (or ``allow_missing``), else :data:`EXIT_REGRESSED` (1).
    """
    comparison = compare(base, head, **kwargs)
    console = console or Console()

    def say(text: str) -> None:
        console.print(text, markup=False, highlight=False, soft_wrap=True)

    conditions = comparison.conditions()
    if conditions:
        say(conditions)
    say(comparison.verdict())
    console.print(comparison_table(comparison, show_all=show_all))
    for line in warning_lines(comparison):
        say(line)
    from ._workloads import judge_workloads

    lines, workloads_failed = judge_workloads(base, head, comparison.settings, comparison.machines)
    for line in lines:
        say(line)
    return EXIT_PASS if comparison.passed and not workloads_failed else EXIT_REGRESSED


def add_compare_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Add the ``compare`` command's arguments to ``parser`` (used by the CLI)."""
    defaults = GateSettings()
    parser.add_argument(
        "base",
        metavar="BASE",
        help="run directory, a directory of run directories (pooled), or commit with asv results",
    )
    parser.add_argument(
        "head",
        metavar="HEAD",
        help="run directory, a directory of run directories (pooled), or commit with asv results",
    )
    parser.add_argument(
        "--time-factor",
        type=float,
        default=defaults.time_factor,
        help=f"fail when fit_s grows beyond this factor (default {defaults.time_factor:g})",
    )
    parser.add_argument(
        "--time-floor",
        type=float,
        default=defaults.time_floor,
        help="ignore slowdowns of fits faster than this, in s "
        f"(default {defaults.time_floor:g}: none)",
    )
    parser.add_argument(
        "--alpha",
        type=float,
        default=defaults.alpha,
        help="significance level of the Mann-Whitney test on raw samples "
        f"(default {defaults.alpha:g})",
    )
    parser.add_argument(
        "--allow-missing",
        action="store_true",
        help="do not fail cells of BASE that HEAD lacks (they are still listed)",
    )
    parser.add_argument(
        "--objective-rtol",
        type=float,
        default=defaults.objective_rtol,
        help="fail when objective/suboptimality grows by more than this x max(1, |f*|) "
        f"(default {defaults.objective_rtol:g})",
    )
    parser.add_argument(
        "--subopt-factor",
        type=float,
        default=defaults.subopt_factor,
        help="fail when suboptimality grows more than this many times "
        f"(default {defaults.subopt_factor:g}; below 1e-12 x max(1, |f*|) counts as rounding)",
    )
    parser.add_argument("--no-time", action="store_true", help="do not judge times at all")
    parser.add_argument(
        "--judge-time-anyway",
        action="store_true",
        help="judge times even when BASE and HEAD ran on different hosts, CPUs, devices, "
        "threads or XLA/BLAS settings (by default they are not judged, and the first line "
        "says why)",
    )
    parser.add_argument(
        "--config",
        help="asv configuration: its results_dir is read and git refs resolve in its repo "
        "(default ./asv.conf.json; give DIR/asv.conf.json of `nemos-bench asv init` to "
        "compare NeMoS commits)",
    )
    parser.add_argument("--asv-results", help="asv results_dir (default: from --config)")
    parser.add_argument("--machine", help="asv machine name (when several have results)")
    parser.add_argument("--env", help="only asv environments whose name contains this")
    parser.add_argument(
        "--failures-only", action="store_true", help="list only the cells that fail"
    )
    return parser


def run_compare(args: argparse.Namespace, console: Console | None = None) -> int:
    """Run the gate from parsed :func:`add_compare_arguments` arguments; return the exit code."""
    return gate(
        args.base,
        args.head,
        console=console,
        show_all=not args.failures_only,
        time_factor=args.time_factor,
        time_floor=args.time_floor,
        objective_rtol=args.objective_rtol,
        check_time=not args.no_time,
        subopt_factor=args.subopt_factor,
        alpha=args.alpha,
        allow_missing=args.allow_missing,
        judge_time_anyway=args.judge_time_anyway,
        results_dir=args.asv_results,
        machine=args.machine,
        env=args.env,
        config=args.config,
    )
