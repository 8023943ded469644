"""The report's tables as HTML: fastest solver per problem, warnings, failures, provenance."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from nemos_bench.results import (
    OUTCOMES,
    busy_machine_sentence,
    mixed_machines_sentence,
    recompile_warnings,
)

from ._html import esc, flatten_meta, fmt, table
from ._metrics import failures_table
from ._uncertainty import fastest_table, outcomes, warnings_tables

__all__ = [
    "failures_section",
    "fastest_section",
    "planned_cells",
    "provenance_section",
    "warnings_section",
]


def planned_cells(meta: dict) -> int | None:
    """Number of cells the run planned (``meta.json``'s ``config.n_cells``), if recorded."""
    config = meta.get("config") if isinstance(meta, dict) else None
    value = config.get("n_cells") if isinstance(config, dict) else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


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
        name = esc(rec.problem_id)
        if not isinstance(rec.fastest, str):
            winner = "none reached ε"
        elif len(rec.tied) > 1:
            winner = f"tie: {', '.join(rec.tied)} (intervals overlap)"
        else:
            winner = rec.fastest
        reached_base = rec.baseline_s == rec.baseline_s  # not NaN
        speedup = fmt(rec.speedup, "×") if reached_base else "—"
        if reached_base and rec.baseline_tied and rec.fastest != baseline:
            speedup += " (not significant: tied)"
        cells = [
            f'<a href="#{esc(anchor)}">{name}</a>' if anchor else name,
            winner,
            fmt(rec.time_s, " s"),
            _interval(rec.time_low, rec.time_high),
            rec.runner_up if isinstance(rec.runner_up, str) else "—",
            fmt(rec.baseline_s, " s") if reached_base else "did not reach ε",
            speedup,
        ]
        rows.append([cells[0], *(esc(c) for c in cells[1:])])
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
        note += '<p class="bad">No native LBFGS solver in this run: no speed-ups.</p>'
    return note + table(header, rows, numeric=(2, 3, 5, 6), raw=range(7), empty="No problems.")


def warnings_section(summary: pd.DataFrame, meta: dict) -> str:
    """What a reader must not overlook, as HTML.

    A busy machine, a partial run, fits that did not converge, timed repeats that compiled,
    solvers that compile on every call (status ``recompiles``: their sentence, not a broken
    measurement), traces that could not be recorded (with the full reason).
    """
    parts = []
    busy = busy_machine_sentence(summary, meta)  # first: it bears on every time reported
    if busy:
        parts.append(f'<p class="bad">{esc(busy)}</p>')
    planned = planned_cells(meta)
    if planned is not None and len(summary) < planned:
        parts.append(
            f'<p class="bad">Partial run: it holds {len(summary)} of {planned} planned cells '
            "(interrupted, or still running); rerun the same command with the same --out to "
            "finish it. Every table and figure covers the cells present only.</p>"
        )
    mixed = mixed_machines_sentence(summary)
    if mixed:
        parts.append(f'<p class="bad">{esc(mixed)}</p>')
    kinds = warnings_tables(summary)
    key = ["problem", "solver", "tol"]
    not_conv = kinds["not_converged"]
    if len(not_conv):
        parts.append(
            f"<h3>{len(not_conv)} {_ok_word(not_conv)}fit(s) did not converge</h3><p>Status ok "
            "(or recompiles) means the fit "
            "returned finite parameters; these stopped at maxiter (max_steps) or without "
            "claiming convergence (not_converged). Their points are drawn with distinct "
            "markers in the figures.</p>"
        )
        rows = [
            [r.problem_id, r.solver, fmt(r.tol), r.outcome, fmt(r.n_steps), fmt(r.maxiter),
             fmt(r.suboptimality)]
            for r in not_conv.itertuples(index=False)
        ]  # fmt: skip
        header = [*key, "outcome", "n_steps", "maxiter", "suboptimality"]
        parts.append(table(header, rows, numeric=(2, 4, 5, 6)))
    compiles = kinds["compiles"]
    if len(compiles):
        parts.append(
            f"<h3>{len(compiles)} fit(s) compiled inside the timed repeats</h3><p>Their fit_s "
            "may include XLA compilation (compiles_in_timed &gt; 0).</p>"
        )
        rows = [
            [r.problem_id, r.solver, fmt(r.tol), fmt(r.compiles_in_timed), fmt(r.fit_s, " s")]
            for r in compiles.itertuples(index=False)
        ]
        parts.append(table([*key, "compiles_in_timed", "fit_s"], rows, numeric=(2, 3, 4)))
    recompiling = kinds["recompiles"]
    if len(recompiling):
        sentences = "".join(f"<p>{esc(line)}</p>" for line in recompile_warnings(summary))
        parts.append(
            f"<h3>{len(recompiling)} fit(s) of solvers that compile on every run</h3>"
            f"{sentences}<p>Every steady-state call of these solvers compiled again (status "
            "recompiles): their fit_s is what each call costs a user, compilation included, "
            "and compile_s the compilation inside each call. They are ranked and drawn like "
            "the other fits.</p>"
        )
        rows = [
            [r.problem_id, r.solver, fmt(r.tol), fmt(r.compiles_per_call),
             fmt(r.compile_s, " s"), fmt(r.fit_s, " s")]
            for r in recompiling.itertuples(index=False)
        ]  # fmt: skip
        header = [*key, "compiles_per_call", "compile_s", "fit_s"]
        parts.append(table(header, rows, numeric=(2, 3, 4, 5)))
    differ = kinds["not_deterministic"]
    if len(differ):
        parts.append(
            f"<h3>{len(differ)} fit(s) whose repeats were not all identical</h3><p>Their "
            "timed repeats did not all redo the first fit exactly (steps or parameters), "
            "yet the solver does not keep state between calls (some repeats, or fresh "
            "instances, differ too): it is not deterministic there, and fit_s is the median "
            "over fits that may differ in length.</p>"
        )
        rows = [
            [r.problem_id, r.solver, fmt(r.tol), f"{fmt(r.repeats_differ)} of "
             f"{fmt(r.n_repeats)}", r.reason]
            for r in differ.itertuples(index=False)
        ]  # fmt: skip
        parts.append(table([*key, "repeats differing", "note"], rows, numeric=(2,)))
    for name, title in (
        ("no_trace", "traced fit(s) without a trajectory"),
        ("trace_mismatch", "trace(s) that do not end where the timed run ends"),
    ):
        frame = kinds[name]
        if len(frame):
            parts.append(f"<h3>{len(frame)} {title}</h3>")
            columns = [*key, "reason"] if name == "no_trace" else key
            rows = [
                [r.problem_id, r.solver, fmt(r.tol), *([r.reason] if name == "no_trace" else [])]
                for r in frame.itertuples(index=False)
            ]
            parts.append(table(columns, rows, numeric=(2,)))
    if not parts:
        return (
            '<p class="empty">No warnings: every ok fit converged, every timed repeat '
            "redid its first fit exactly and none compiled, "
            "and every trace asked for was recorded.</p>"
        )
    return "".join(parts)


def _ok_word(rows: pd.DataFrame) -> str:
    """``"ok "`` when every row has status ok, else ``""`` (some are ``recompiles``)."""
    return "ok " if (rows["status"] == "ok").all() else ""


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
    html += table(["problem", "solver", "tol", "status", "reason"], rows, numeric=(2,), empty=empty)
    return html


def provenance_section(meta: dict, run_dir: Path) -> str:
    """``meta.json`` as a key/value table (versions, device, config, command line...)."""
    if not meta:
        return f'<p class="bad">{esc(run_dir)} has no meta.json: provenance unknown.</p>'
    rows = [[f"<code>{esc(k)}</code>", esc(v)] for k, v in flatten_meta(meta)]
    return table(["field", "value"], rows, raw=(0, 1))
