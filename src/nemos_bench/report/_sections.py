"""The report's tables as HTML: fastest solver per problem, failures, provenance."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ._html import esc, flatten_meta, fmt, table
from ._metrics import failures_table, fastest_table

__all__ = ["failures_section", "fastest_section", "provenance_section"]


def fastest_section(
    summary: pd.DataFrame, epsilon: float, baseline: str | None, anchors: dict[str, str]
) -> str:
    """Per problem: fastest solver to ε, its time, the baseline's time and the speed-up.

    ``anchors`` maps problem ids to the ids of their sections, which the table links.
    """
    fastest = fastest_table(summary, epsilon, baseline)
    base = baseline or "baseline"
    rows = []
    for rec in fastest.itertuples(index=False):
        reached_base = rec.baseline_s == rec.baseline_s  # not NaN
        anchor = anchors.get(rec.problem_id)
        name = esc(rec.problem_id)
        cells = [
            f'<a href="#{esc(anchor)}">{name}</a>' if anchor else name,
            rec.fastest if isinstance(rec.fastest, str) else "none reached ε",
            fmt(rec.time_s, " s"),
            fmt(rec.baseline_s, " s") if reached_base else "did not reach ε",
            fmt(rec.speedup, "×") if reached_base else "—",
        ]
        rows.append([cells[0], *(esc(c) for c in cells[1:])])
    header = ["problem", "fastest solver to ε", "time to ε", f"{base} time to ε", "speed-up"]
    note = (
        f"<p>Time to ε is the smallest steady-state fit_s among a solver's ok tolerance rows "
        f"with f − f* ≤ {epsilon:g}·max(1, |f*|); speed-up = {esc(base)} time / fastest time.</p>"
    )
    if baseline is None:
        note += '<p class="bad">No native LBFGS solver in this run: no speed-ups.</p>'
    return note + table(header, rows, numeric=(2, 3, 4), raw=range(5), empty="No problems.")


def failures_section(summary: pd.DataFrame) -> str:
    """Status counts per solver, then every fit whose status is not ok with its reason."""
    counts = pd.crosstab(summary["solver"], summary["status"])
    statuses = list(counts.columns)
    count_rows = [
        [solver, *(str(counts.loc[solver, s]) for s in statuses)] for solver in counts.index
    ]
    numeric = tuple(range(1, len(statuses) + 1))
    html = table(["solver", *statuses], count_rows, numeric=numeric)
    bad = failures_table(summary)
    rows = [
        [r.problem_id, r.solver, fmt(r.tol), r.status, r.reason or "(no reason recorded)"]
        for r in bad.itertuples(index=False)
    ]
    html += table(
        ["problem", "solver", "tol", "status", "reason"],
        rows,
        numeric=(2,),
        empty="Every fit ended ok: no failures, divergences, timeouts or skips.",
    )
    return html


def provenance_section(meta: dict, run_dir: Path) -> str:
    """``meta.json`` as a key/value table (versions, device, config, command line...)."""
    if not meta:
        return f'<p class="bad">{esc(run_dir)} has no meta.json: provenance unknown.</p>'
    rows = [[f"<code>{esc(k)}</code>", esc(v)] for k, v in flatten_meta(meta)]
    return table(["field", "value"], rows, raw=(0, 1))
