"""The table ``nemos-bench run`` prints at the end, and its warning lines."""

from __future__ import annotations

from rich.markup import escape
from rich.table import Table

__all__ = ["summary_table"]


def _outcomes(ok) -> str:
    """``"converged 3, max_steps 1"``: how a solver's ok fits ended."""
    from .results import OUTCOMES

    counts = ok["outcome"].fillna("unknown").value_counts()
    names = [o for o in OUTCOMES if o in counts] + [o for o in counts.index if o not in OUTCOMES]
    return ", ".join(f"{name} {counts[name]}" for name in names) or "-"


def summary_table(store) -> tuple[Table, int, list[str]]:
    """The per-solver table, the number of cells not ok, and warnings (one line each).

    ``store`` is the run's :class:`~nemos_bench.results.RunStore` (anything with a ``path``).
    """
    from .results import read_summary

    frame = read_summary(store.path)
    table = Table(title=f"Results in {store.path}")
    columns = ("solver", "cells ok", "outcomes", "median fit_s", "median compile_s", "best subopt.")
    for column in columns:
        if column in ("solver", "outcomes"):
            table.add_column(column, no_wrap=True)
        else:
            table.add_column(column, justify="right", no_wrap=True)
    for solver, rows in frame.groupby("solver", sort=False):
        ok = rows[rows["status"] == "ok"]
        fmt = "{:.3g}".format
        table.add_row(
            escape(solver),
            f"{len(ok)}/{len(rows)}",
            _outcomes(ok),
            fmt(ok["fit_s"].median()) if len(ok) else "-",
            fmt(ok["compile_s"].median()) if len(ok) else "-",
            fmt(ok["suboptimality"].min()) if len(ok) else "-",
        )
    ok = frame[frame["status"] == "ok"]
    warnings = [
        f"{r.solver} tol={r.tol:g} on {r.problem_id}: ended ok but {r.outcome}"
        for r in ok[ok["outcome"].fillna("converged") != "converged"].itertuples()
    ]
    warnings += [
        f"{r.solver} tol={r.tol:g} on {r.problem_id}: {r.compiles_in_timed} compilation(s) "
        "inside the timed repeats"
        for r in ok[ok["compiles_in_timed"].fillna(0) > 0].itertuples()
    ]
    if "repeats_differ" in ok:
        warnings += [
            f"{r.solver} tol={r.tol:g} on {r.problem_id}: {r.repeats_differ:.0f} of "
            f"{r.n_repeats:.0f} timed repeats did not redo the first fit exactly (not "
            "deterministic there; see the report)"
            for r in ok[ok["repeats_differ"].fillna(0) > 0].itertuples()
        ]
    return table, int((~frame["status"].isin(["ok", "skipped"])).sum()), warnings
