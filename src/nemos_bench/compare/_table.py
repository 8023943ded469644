"""What ``compare`` prints: the conditions and verdict lines, the table, the warnings."""

from __future__ import annotations

import math

from rich.markup import escape
from rich.table import Table

from ..results import FITTED_STATUSES
from ._contention import FLOOR_SHARE
from ._records import Comparison

__all__ = ["comparison_table", "not_judged_note", "warning_lines"]


def _num(value: float, fmt: str = "{:.3g}") -> str:
    return "-" if value is None or not math.isfinite(value) else fmt.format(value)


def _flag(value: bool | None) -> str:
    return "-" if value is None else ("yes" if value else "no")


def _caption(comparison: Comparison) -> str:
    s = comparison.settings
    floor = f" and >= {s.time_floor:g} s" if s.time_floor > 0 else ""
    caption = (
        f"limits: fit_s > {s.time_factor:g}x BASE{floor}, significant (Mann-Whitney "
        f"p < {s.alpha:g} on raw samples: HEAD vs {s.time_factor:g}x BASE for single runs, "
        f"HEAD vs BASE for pooled runs, whose run medians must also differ by > "
        f"{s.time_factor:g}x; else non-overlapping intervals), unless CPU time is not "
        f"also significantly beyond {s.time_factor:g}x BASE's (or, under load, HEAD's "
        f"fastest sample not beyond {1 + FLOOR_SHARE * (s.time_factor - 1):g}x BASE's) and "
        f"steps grew by at most "
        f"{s.time_factor:g}x (machine busy: not judged)"
        f"{'' if s.check_time else ' (times not judged)'}; objective or suboptimality worse "
        f"by > {s.objective_rtol:g} x max(1, |f*|); outcome converged -> anything else; "
        "a fit (ok, recompiles) -> none; 0 compilations per call -> recompiles; "
        "a cell of BASE missing from HEAD"
    )
    if s.allow_missing:
        caption += " (allowed: --allow-missing)"
    if comparison.only_base or comparison.only_head:
        caption += (
            f". Only on one side: {len(comparison.only_base)} cell(s) only in BASE, "
            f"{len(comparison.only_head)} only in HEAD."
        )
    return caption


def _why(cell) -> str:
    if cell.reasons:
        return " ".join(cell.reasons)
    shown = [cell.time_evidence] if cell.time_not_judged in ("steps", "busy") else []
    return " ".join([*shown, *cell.notes])


def comparison_table(comparison: Comparison, *, show_all: bool = True) -> Table:
    """A rich table of ``comparison``: failing cells first, then (with ``show_all``) the rest.

    The verdict is not in the table (``gate`` prints :meth:`Comparison.verdict` above it).

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
    table = Table(caption=escape(_caption(comparison)), show_lines=False)
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
    cells = list(comparison.regressions) + (
        [c for c in comparison.cells if not c.regressed] if show_all else []
    )
    for cell in cells:
        problem = cell.problem_id if not cell.env else f"{cell.env}: {cell.problem_id}"
        if cell.base_status not in FITTED_STATUSES or cell.head_status not in FITTED_STATUSES:
            subopt = f"{cell.base_status} -> {cell.head_status}"
        else:
            subopt = f"{_num(cell.base_suboptimality)} -> {_num(cell.head_suboptimality)}"
        if cell.regressed:
            verdict = "[bold red]FAIL[/]"
        elif cell.machine_busy:
            verdict = "[yellow]busy[/]"
        else:
            verdict = "[green]ok[/]"
        table.add_row(
            verdict,
            escape(cell.solver),
            escape(problem),
            f"{cell.tol:g}",
            f"{_num(cell.base_fit_s)} -> {_num(cell.head_fit_s)}",
            _num(cell.time_ratio, "{:.2f}x"),
            subopt,
            f"{cell.base_outcome or _flag(cell.base_converged)} -> "
            f"{cell.head_outcome or _flag(cell.head_converged)}",
            escape(_why(cell)),
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


def not_judged_note(comparison: Comparison) -> str | None:
    """A warning naming the cells not judged on time because their step counts vary by run.

    Examples
    --------
    >>> from nemos_bench.compare import Comparison, GateSettings
    >>> not_judged_note(Comparison("b", "h", GateSettings(), ())) is None
    True
    """
    cells = comparison.varying_steps
    if not cells:
        return None
    names = ", ".join(f"{c.solver} tol={c.tol:g} on {c.problem_id}" for c in cells)
    return (
        f"{len(cells)} cell(s) not judged on time, because their step counts differ between "
        f"runs of the same side (their times measure different work): {names}."
    )


def warning_lines(comparison: Comparison) -> list[str]:
    """Lines printed after the table: cells not judged on time, recompiles, improvements.

    Each is prefixed ``warning:`` (or ``note:`` for a remark on a cell that passes).
    """
    lines = [f"warning: {note}" for note in filter(None, [not_judged_note(comparison)])]
    lines += [
        f"warning: {c.solver} tol={c.tol:g} on {c.problem_id}: {c.time_evidence}."
        for c in comparison.machine_busy
    ]
    lines += [f"warning: HEAD: {line}" for line in comparison.recompiles]
    lines += [
        f"note: {c.solver} tol={c.tol:g} on {c.problem_id}: {note}"
        for c in comparison.cells
        if not c.regressed
        for note in c.notes
    ]
    return lines
