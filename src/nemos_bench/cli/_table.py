"""The table ``nemos-bench run`` prints at the end, and its warning lines."""

from __future__ import annotations

from rich.markup import escape
from rich.table import Table

__all__ = [
    "MAX_CELLS_SHOWN",
    "MAX_GROUPS_SHOWN",
    "MAX_REASON_CHARS",
    "summary_table",
    "unfitted_lines",
]

#: Entries named per (status, reason) group, groups listed, and characters of a reason shown
#: (the rest is cut, "…"; summary.csv has it all) after ``nemos-bench run``'s table.
MAX_CELLS_SHOWN, MAX_GROUPS_SHOWN, MAX_REASON_CHARS = 3, 8, 240
#: Order of the statuses of cells without a fit in that list.
_UNFITTED = ("failed", "diverged", "timeout", "skipped")


def _outcomes(ok) -> str:
    """``"converged 3, max_steps 1"``: how a solver's ok fits ended."""
    from ..results import OUTCOMES

    counts = ok["outcome"].fillna("unknown").value_counts()
    names = [o for o in OUTCOMES if o in counts] + [o for o in counts.index if o not in OUTCOMES]
    return ", ".join(f"{name} {counts[name]}" for name in names) or "-"


def _ended(row) -> str:
    """How a fitted row that did not plainly converge ended, for its warning line."""
    from ..measure import FLOOR_OUTCOME  # not at import: the CLI imports JAX late

    if row.outcome == FLOOR_OUTCOME:
        return (
            f"{'ended ok' if row.status == 'ok' else row.status}, stopped at float64 precision "
            f"(outcome {FLOOR_OUTCOME}: its tol is below the float64 floor eps x max(1, |f*|), "
            "where the solver's convergence claim only says rounding left nothing to resolve)"
        )
    if row.status == "ok":
        return f"ended ok but {row.outcome}"
    return f"{row.status}, ended {row.outcome}"


def summary_table(store) -> tuple[Table, int, list[str]]:
    """The per-solver table, the number of cells without a fit, and warnings (one line each).

    ``store`` is the run's :class:`~nemos_bench.results.RunStore` (anything with a ``path``).
    Rows with status ``ok`` or ``recompiles`` hold a fit (``FITTED_STATUSES``); cells
    without one (failed, diverged, timed out; skips are not counted) make the run exit 1.
    A solver that compiles on every call gets its
    :func:`~nemos_bench.results.recompile_sentence` among the warnings, not a warning about
    compilations inside the timed repeats (that one is for ``ok`` rows, whose timed calls
    must compile nothing).
    """
    from ..results import FITTED_STATUSES, read_summary, recompile_warnings

    frame = read_summary(store.path)
    table = Table(title=f"Results in {store.path}")
    columns = ("solver", "cells fitted", "outcomes", "median fit_s", "median compile_s")
    columns += ("best subopt.",)
    for column in columns:
        if column in ("solver", "outcomes"):
            table.add_column(column, no_wrap=True)
        else:
            table.add_column(column, justify="right", no_wrap=True)
    for solver, rows in frame.groupby("solver", sort=False):
        ok = rows[rows["status"].isin(FITTED_STATUSES)]
        recompiling = int((ok["status"] == "recompiles").sum())

        def fmt(value) -> str:
            return "-" if value != value else f"{value:.3g}"  # NaN: none (baselines' compile_s)

        table.add_row(
            escape(solver),
            f"{len(ok)}/{len(rows)}" + (f" ({recompiling} recompiles)" if recompiling else ""),
            _outcomes(ok),
            fmt(ok["fit_s"].median()) if len(ok) else "-",
            fmt(ok["compile_s"].median()) if len(ok) else "-",
            _best_subopt(ok),
        )
    ok = frame[frame["status"].isin(FITTED_STATUSES)]
    warnings = [
        f"{r.solver} tol={r.tol:g} on {r.problem_id}: " + _ended(r)
        for r in ok[ok["outcome"].fillna("converged") != "converged"].itertuples()
    ]
    only_ok = ok[ok["status"] == "ok"]
    warnings += [
        f"{r.solver} tol={r.tol:g} on {r.problem_id}: {r.compiles_in_timed} compilation(s) "
        "inside the timed repeats"
        for r in only_ok[only_ok["compiles_in_timed"].fillna(0) > 0].itertuples()
    ]
    warnings += recompile_warnings(frame)
    if "repeats_differ" in ok:
        warnings += [
            f"{r.solver} tol={r.tol:g} on {r.problem_id}: {r.repeats_differ:.0f} of "
            f"{r.n_repeats:.0f} timed repeats did not redo the first fit exactly (not "
            "deterministic there; see the report)"
            for r in ok[ok["repeats_differ"].fillna(0) > 0].itertuples()
        ]
    busy = _busy_sentence(store, frame)
    if busy:  # first: it bears on every time above
        warnings.insert(0, busy)
    return table, int((~frame["status"].isin([*FITTED_STATUSES, "skipped"])).sum()), warnings


def _busy_sentence(store, frame) -> str | None:
    """:func:`~nemos_bench.results.busy_machine_sentence` of the run (its ``meta.json``)."""
    from ..results import ResultsCorruptedError, busy_machine_sentence, read_meta

    meta = getattr(store, "meta", None)
    if meta is None:
        try:
            meta = read_meta(store.path)
        except (OSError, ResultsCorruptedError):
            meta = {}
    return busy_machine_sentence(frame, meta)


def unfitted_lines(frame) -> list[str]:
    """Cells without a fit (failed, diverged, timed out, skipped), grouped by status and reason.

    Two lines per ``(status, reason)`` group, most cells first within a status: the
    reason, then its cells, a solver's tolerances on one problem together, at most
    :data:`MAX_CELLS_SHOWN` such entries ("and N more cells"), a reason cut at
    :data:`MAX_REASON_CHARS` characters; at most
    :data:`MAX_GROUPS_SHOWN` groups, then one line counting the rest. Empty when every
    cell holds a fit.

    Examples
    --------
    >>> import pandas as pd
    >>> rows = [dict(solver=f"S{i}", tol=1e-4, problem_id="p", status="timeout",
    ...              reason="Too slow.") for i in range(5)]
    >>> lines = unfitted_lines(pd.DataFrame(rows))
    >>> lines[0]
    '5 cells without a fit (summary.csv has every reason):'
    >>> lines[1:]  # doctest: +NORMALIZE_WHITESPACE
    ['  timeout, 5 cells: Too slow.',
     '    S0 tol=0.0001 on p; S1 tol=0.0001 on p; S2 tol=0.0001 on p; and 2 more cells']
    """
    from ..results import FITTED_STATUSES

    rows = frame[~frame["status"].isin(FITTED_STATUSES)]
    if rows.empty:
        return []
    order = {status: i for i, status in enumerate(_UNFITTED)}
    reasons = rows["reason"].where(rows["reason"].notna(), "").astype(str).str.strip()
    groups = [
        (status, reason or "(no reason recorded)", group)
        for (status, reason), group in rows.assign(reason=reasons).groupby(
            ["status", "reason"], sort=False
        )
    ]
    groups.sort(key=lambda g: (order.get(g[0], len(order)), -len(g[2])))
    n = len(rows)
    lines = [f"{n} cell{'s' if n != 1 else ''} without a fit (summary.csv has every reason):"]
    for status, reason, group in groups[:MAX_GROUPS_SHOWN]:
        tols: dict[tuple[str, str], list[str]] = {}  # a solver's tolerances on one problem
        for r in group.itertuples():
            tols.setdefault((r.solver, r.problem_id), []).append(f"{r.tol:g}")
        items = list(tols.items())[:MAX_CELLS_SHOWN]
        shown = "; ".join(f"{s} tol={','.join(t)} on {p}" for (s, p), t in items)
        more = len(group) - sum(len(t) for _, t in items)
        count = f"{len(group)} cell{'s' if len(group) != 1 else ''}"
        if more > 0:
            shown += f"; and {more} more cell{'s' if more != 1 else ''}"
        if len(reason) > MAX_REASON_CHARS:
            reason = reason[: MAX_REASON_CHARS - 1].rstrip() + "…"
        lines += [f"  {status}, {count}: {reason}", f"    {shown}"]
    rest = groups[MAX_GROUPS_SHOWN:]
    if rest:
        cells = sum(len(g[2]) for g in rest)
        lines.append(
            f"  and {len(rest)} more group(s) of {cells} cell(s) with other reasons "
            "(column reason of summary.csv)"
        )
    return lines


def _best_subopt(ok) -> str:
    """The smallest suboptimality of a solver's fits: ``0 (at f*)`` at rounding level."""
    from ..report import suboptimality_text

    subs = ok["suboptimality"].astype(float)
    if not subs.notna().any():
        return "-"
    best = ok.loc[subs.idxmin()]
    return suboptimality_text(best["suboptimality"], best.get("reference_objective", 0.0))
