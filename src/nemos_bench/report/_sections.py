"""The report's tables as HTML: fastest solver per problem, failures, provenance.

``warnings_section`` lives in ``_warnings`` (re-exported here).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from nemos_bench.results import OUTCOMES

from ._html import esc, flatten_meta, fmt, problem_cell, table
from ._metrics import failures_table
from ._uncertainty import fastest_table, outcomes
from ._warnings import _ok_word, planned_cells

__all__ = ["failures_section", "fastest_section", "provenance_section"]


def _interval(low: float, high: float) -> str:
    if low == low and high == high and high > low:  # not NaN, and a spread is known
        return f"{fmt(low)}–{fmt(high)} s"
    return "—"


def fastest_section(
    summary: pd.DataFrame, epsilon: float, baseline: str | None, anchors: dict[str, str]
) -> str:
    """Per problem: fastest solver to ε (or the tied ones), its time, interval, speed-up.

    Also the runner-up and the baseline's time. ``anchors`` maps problem ids to the ids of
    their sections, which the table links.
    """
    fastest = fastest_table(summary, epsilon, baseline)
    base = baseline or "baseline"
    rows = []
    for rec in fastest.itertuples(index=False):
        anchor = anchors.get(rec.problem_id)
        if not isinstance(rec.fastest, str):
            winner = "none reached ε"
        elif len(rec.tied) > 1:
            winner = f"tie: {', '.join(rec.tied)} (intervals overlap)"
        else:
            winner = rec.fastest
        reached_base = rec.baseline_s == rec.baseline_s  # not NaN
        speedup = fmt(rec.speedup, "×") if reached_base else "—"
        speedup = esc(speedup)
        if reached_base and rec.baseline_tied and rec.fastest != baseline:
            speedup += "<br>(not significant: tied)"  # on its own line: the column stays narrow
        cells = [
            problem_cell(rec.problem_id, f"#{anchor}" if anchor else None),
            winner,
            fmt(rec.time_s, " s"),
            _interval(rec.time_low, rec.time_high),
            rec.runner_up if isinstance(rec.runner_up, str) else "—",
            fmt(rec.baseline_s, " s") if reached_base else "did not reach ε",
        ]
        rows.append([cells[0], *(esc(c) for c in cells[1:]), speedup])
    header = [
        "problem",
        "fastest solver to ε",
        "time to ε",
        "95% interval",
        "runner-up",
        f"{base} time to ε",
        "speed-up",
    ]
    note = (
        "<p>Time to ε is the smallest steady-state fit_s (median of the samples) among a "
        "solver's fitted tolerance rows (status ok or recompiles: compilation included) with "
        f"f − f* ≤ {epsilon:g}·max(1, |f*|); the interval is "
        "that row's 95% distribution-free interval of the median (the range of samples where "
        "none was recorded). A solver is named fastest only when its interval lies below "
        "every other solver's; otherwise the solvers whose intervals overlap it are listed "
        f"as a tie. Speed-up = {esc(base)} time / fastest time.</p>"
    )
    if baseline is None:
        note = '<p class="bad">No native LBFGS solver in this run: no speed-ups.</p>' + note
    found = table(header, rows, numeric=(2, 3, 5, 6), raw=range(7), ids=(0,), empty="No problems.")
    return found + note  # the answer first, how to read it after


def failures_section(summary: pd.DataFrame, meta: dict | None = None) -> str:
    """Status and outcome counts per solver, then every cell without a fit (not ok, recompiles)."""
    frame = summary.assign(outcome=outcomes(summary))
    counts = pd.crosstab(frame["solver"], frame["status"])
    has_outcome = frame["outcome"].notna().any()
    ends = pd.crosstab(frame["solver"], frame["outcome"]) if has_outcome else None
    statuses = list(counts.columns)
    ended = [o for o in OUTCOMES if ends is not None and o in ends.columns]
    count_rows = []
    for solver in counts.index:
        row = [solver, *(str(counts.loc[solver, s]) for s in statuses)]
        row += [str(ends.loc[solver, o]) if solver in ends.index else "0" for o in ended]
        count_rows.append(row)
    fits = "ok" if "recompiles" not in statuses else "fitted"
    header = ["solver", *statuses, *(f"{fits}: {o}" for o in ended)]
    html = table(header, count_rows, numeric=tuple(range(1, len(header))))
    bad = failures_table(summary)
    rows = [
        [r.problem_id, r.solver, fmt(r.tol), r.status, r.reason or "(no reason recorded)"]
        for r in bad.itertuples(index=False)
    ]
    not_conv = int((frame["outcome"].notna() & (frame["outcome"] != "converged")).sum())
    planned = planned_cells(meta or {})
    partial = planned is not None and len(summary) < planned
    if not_conv or partial:
        caveats = []
        if not_conv:
            ended_badly = frame[frame["outcome"].notna() & (frame["outcome"] != "converged")]
            caveats.append(f"{not_conv} {_ok_word(ended_badly)}fit(s) did not converge")
        if partial:
            caveats.append(f"the run holds {len(summary)} of {planned} planned cells")
        empty = (
            "No failures, divergences, timeouts or skips among the cells present, but "
            + " and ".join(caveats)
            + ": see Warnings."
        )
    else:
        ended = "ok" if "recompiles" not in statuses else "ok or recompiles"
        empty = (
            f"Every fit ended {ended} and converged: no failures, divergences, timeouts or skips."
        )
    header = ["problem", "solver", "tol", "status", "reason"]
    html += table(header, rows, numeric=(2,), ids=(0,), wide=(4,), empty=empty)
    return html


def provenance_section(meta: dict, run_dir: Path) -> str:
    """``meta.json`` as a key/value table (versions, device, config, command line...)."""
    if not meta:
        return f'<p class="bad">{esc(run_dir)} has no meta.json: provenance unknown.</p>'
    rows = [[f"<code>{esc(k)}</code>", esc(v)] for k, v in flatten_meta(meta)]
    return table(["field", "value"], rows, raw=(0, 1), wide=(1,))
