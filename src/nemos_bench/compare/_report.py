"""The gate as a command: a rich table of the comparison and an exit code."""

from __future__ import annotations

import argparse
import math

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ._gate import Comparison, GateSettings, compare

__all__ = [
    "EXIT_PASS",
    "EXIT_REGRESSED",
    "add_compare_arguments",
    "not_judged_note",
    "comparison_table",
    "gate",
    "run_compare",
]

#: Exit codes: no regression / at least one regression (usage errors are the CLI's 2).
EXIT_PASS, EXIT_REGRESSED = 0, 1


def _num(value: float, fmt: str = "{:.3g}") -> str:
    return "-" if value is None or not math.isfinite(value) else fmt.format(value)


def _flag(value: bool | None) -> str:
    return "-" if value is None else ("yes" if value else "no")


def comparison_table(comparison: Comparison, *, show_all: bool = True) -> Table:
    """A rich table of ``comparison``: failing cells first, then (with ``show_all``) the rest.

    Parameters
    ----------
    comparison : Comparison
        What :func:`compare` returned.
    show_all : bool
        Also list the cells that pass.

    Returns
    -------
    rich.table.Table
    """
    s = comparison.settings
    regressions, missing = comparison.regressions, comparison.missing
    title = (
        f"{'PASS' if comparison.passed else 'FAIL'}: {len(regressions)} of "
        f"{len(comparison.cells)} matched cells regressed"
        + (f", {len(missing)} cell(s) of BASE missing from HEAD" if missing else "")
        + f" (BASE {comparison.base} -> HEAD {comparison.head})"
    )
    floor = f" and >= {s.time_floor:g} s" if s.time_floor > 0 else ""
    caption = (
        f"limits: fit_s > {s.time_factor:g}x BASE{floor}, significant (Mann-Whitney "
        f"p < {s.alpha:g} on raw samples: HEAD vs {s.time_factor:g}x BASE for single runs, "
        f"HEAD vs BASE for pooled runs, whose run medians must also differ by > "
        f"{s.time_factor:g}x; else non-overlapping intervals)"
        f"{'' if s.check_time else ' (times not judged)'}; objective or suboptimality worse "
        f"by > {s.objective_rtol:g} x max(1, |f*|); outcome converged -> anything else; "
        "ok -> not ok; a cell of BASE missing from HEAD"
        + (" (allowed: --allow-missing)" if s.allow_missing else "")
    )
    if comparison.only_base or comparison.only_head:
        caption += (
            f". Only on one side: {len(comparison.only_base)} cell(s) only in BASE, "
            f"{len(comparison.only_head)} only in HEAD."
        )
    table = Table(title=escape(title), caption=escape(caption), show_lines=False)
    for name, justify in (
        ("verdict", "left"),
        ("solver", "left"),
        ("problem", "left"),
        ("tol", "right"),
        ("fit_s base -> head", "right"),
        ("ratio", "right"),
        ("subopt. base -> head", "right"),
        ("outcome", "center"),
        ("why", "left"),
    ):
        table.add_column(name, justify=justify, overflow="fold")
    cells = list(regressions) + (
        [c for c in comparison.cells if not c.regressed] if show_all else []
    )
    for cell in cells:
        problem = cell.problem_id if not cell.env else f"{cell.env}: {cell.problem_id}"
        if cell.base_status != "ok" or cell.head_status != "ok":
            subopt = f"{cell.base_status} -> {cell.head_status}"
        else:
            subopt = f"{_num(cell.base_suboptimality)} -> {_num(cell.head_suboptimality)}"
        table.add_row(
            "[bold red]FAIL[/]" if cell.regressed else "[green]ok[/]",
            escape(cell.solver),
            escape(problem),
            f"{cell.tol:g}",
            f"{_num(cell.base_fit_s)} -> {_num(cell.head_fit_s)}",
            _num(cell.time_ratio, "{:.2f}x"),
            subopt,
            f"{cell.base_outcome or _flag(cell.base_converged)} -> "
            f"{cell.head_outcome or _flag(cell.head_converged)}",
            escape(" ".join(cell.reasons) or ("" if cell.time_judged else cell.time_evidence)),
        )
    for side, keys in (("BASE", comparison.only_base), ("HEAD", comparison.only_head)):
        for env, problem_id, solver, tol in keys:
            problem = problem_id if not env else f"{env}: {problem_id}"
            fails = side == "BASE" and not s.allow_missing
            table.add_row(
                "[bold red]FAIL[/]" if fails else "[yellow]only in " + side + "[/]",
                escape(solver),
                escape(problem),
                f"{tol:g}",
                "",
                "",
                "",
                "",
                "missing from HEAD (--allow-missing to accept)."
                if fails
                else f"only in {side}: reported, not judged.",
            )
    return table


def gate(base, head, *, console: Console | None = None, show_all: bool = True, **kwargs) -> int:
    """Compare HEAD with BASE, print the table and return the exit code.

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
    console.print(comparison_table(comparison, show_all=show_all))
    notes = [not_judged_note(comparison), machines_note(base, head)]
    for note in filter(None, notes):
        console.print(f"warning: {note}", markup=False, highlight=False)
    return EXIT_PASS if comparison.passed else EXIT_REGRESSED


def not_judged_note(comparison: Comparison) -> str | None:
    """A warning naming the cells whose times the gate could not judge, if any.

    Examples
    --------
    >>> from nemos_bench.compare import Comparison, GateSettings
    >>> not_judged_note(Comparison("b", "h", GateSettings(), ())) is None
    True
    """
    cells = comparison.not_judged_on_time
    if not cells:
        return None
    names = ", ".join(f"{c.solver} tol={c.tol:g} on {c.problem_id}" for c in cells)
    return (
        f"{len(cells)} cell(s) not judged on time, because their step counts differ between "
        f"runs of the same side (their times measure different work): {names}."
    )


def machines_note(base, head) -> str | None:
    """A warning when two run directories' times come from different machines or devices."""
    from pathlib import Path

    from ..results import machines, read_summary

    found = []
    for side in (base, head):
        if not isinstance(side, (str, Path)) or not (Path(side) / "summary.csv").is_file():
            return None
        found.append(machines(read_summary(side)))
    if not all(found) or found[0] == found[1]:
        return None
    return (
        f"BASE ran on {'; '.join(found[0])} and HEAD on {'; '.join(found[1])}: their times "
        "compare the machines or devices as much as the code."
    )


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
    parser.add_argument(
        "--no-time", action="store_true", help="do not judge times (different machines)"
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
        results_dir=args.asv_results,
        machine=args.machine,
        env=args.env,
        config=args.config,
    )
