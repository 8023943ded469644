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
    """The per-solver table, the number of cells without a fit, and warnings (one line each).

    ``store`` is the run's :class:`~nemos_bench.results.RunStore` (anything with a ``path``).
    Rows with status ``ok`` or ``recompiles`` hold a fit (``FITTED_STATUSES``); cells
    without one (failed, diverged, timed out; skips are not counted) make the run exit 1.
    A solver that compiles on every call gets its
    :func:`~nemos_bench.results.recompile_sentence` among the warnings, not a warning about
    compilations inside the timed repeats (that one is for ``ok`` rows, whose timed calls
    must compile nothing).
    """
    from .results import FITTED_STATUSES, read_summary, recompile_warnings

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
        fmt = "{:.3g}".format
        table.add_row(
            escape(solver),
            f"{len(ok)}/{len(rows)}" + (f" ({recompiling} recompiles)" if recompiling else ""),
            _outcomes(ok),
            fmt(ok["fit_s"].median()) if len(ok) else "-",
            fmt(ok["compile_s"].median()) if len(ok) else "-",
            fmt(ok["suboptimality"].min()) if len(ok) else "-",
        )
    ok = frame[frame["status"].isin(FITTED_STATUSES)]
    warnings = [
        f"{r.solver} tol={r.tol:g} on {r.problem_id}: "
        + (f"ended ok but {r.outcome}" if r.status == "ok" else f"{r.status}, ended {r.outcome}")
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
    from .results import ResultsCorruptedError, busy_machine_sentence, read_meta

    meta = getattr(store, "meta", None)
    if meta is None:
        try:
            meta = read_meta(store.path)
        except (OSError, ResultsCorruptedError):
            meta = {}
    return busy_machine_sentence(frame, meta)
