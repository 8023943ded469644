"""The report's sentences: the run's introduction, section headings, trace captions."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from ._config import ReportConfig
from ._html import esc
from ._load import run_started
from ._uncertainty import outcomes
from ._warnings import planned_cells

__all__ = ["heading", "intro", "not_converged_count", "overhead_note"]


def intro(
    run_dir: Path,
    summary: pd.DataFrame,
    meta: dict,
    cfg: ReportConfig,
    base,
    headlines: Sequence[str] = (),
) -> str:
    """The paragraph that opens a report: what ran, how it ended, how to read the times.

    ``headlines`` (:func:`warning_headlines`) become one line pointing at the Warnings.
    """
    counts = summary["status"].value_counts()
    status = ", ".join(f"{counts[s]} {s}" for s in sorted(counts.index))
    not_conv = not_converged_count(summary)
    if not_conv:
        fits = "fits" if "recompiles" in counts.index else "ok fits"
        status += f"; {not_conv} of the {fits} did not converge"
    planned = planned_cells(meta)
    held = (
        f"; a partial run: {len(summary)} of {planned} planned cells"
        if planned is not None and len(summary) < planned
        else ""
    )
    suite = (
        meta.get("config", {}).get("suite", "—") if isinstance(meta.get("config"), dict) else "—"
    )
    started = run_started(meta)
    base_text = esc(base) if base else "none (no native LBFGS in this run)"
    return (
        '<p class="meta">'
        f"Run <code>{esc(run_dir.resolve().name)}</code> (suite {esc(suite)}; started "
        f"{esc(started.isoformat(timespec='seconds') if started else 'unknown')}): "
        f"{summary['problem_id'].nunique()} problems × {summary['solver'].nunique()} solvers, "
        f"{len(summary)} fits ({esc(status)}{esc(held)}). Accuracy target ε = "
        f"{cfg.epsilon:g}: a fit reaches it when f − f* ≤ ε·max(1, |f*|). Speed-ups are "
        f"against <code>{base_text}</code>. Times are steady-state (median of adaptively "
        "repeated, compiled calls, with a 95% distribution-free interval) unless marked "
        "compile.</p>" + _warning_line(headlines)
    )


def _warning_line(headlines: Sequence[str]) -> str:
    """One line naming every kind of warning, linked to the Warnings section.

    Examples
    --------
    >>> print(_warning_line(["1 cell without a fit (1 timed out)", "a busy machine"]))
    <p class="bad">Warnings: 1 cell without a fit (1 timed out); a busy machine; see <a \
href="#warnings">Warnings</a>.</p>
    >>> _warning_line([])
    ''
    """
    if not headlines:
        return ""
    listed = esc("; ".join(headlines))
    return f'<p class="bad">Warnings: {listed}; see <a href="#warnings">Warnings</a>.</p>'


def not_converged_count(summary: pd.DataFrame) -> int:
    """Fits (status ``ok`` or ``recompiles``) whose outcome is not ``converged``."""
    ends = outcomes(summary)
    return int((ends.notna() & (ends != "converged")).sum())


def overhead_note(summary: pd.DataFrame, problem: str) -> str:
    """Caption text: how much slower each traced run was than the untraced fit_s."""
    if "trace_overhead" not in summary:
        return ""
    rows = summary[(summary["problem_id"] == problem) & summary["trace_overhead"].notna()]
    if rows.empty:
        return ""
    parts = ", ".join(f"{r.solver} {r.trace_overhead:.2g}x" for r in rows.itertuples())
    return (
        "The per-second panel shows the traced run, whose time relative to the untraced "
        f"steady-state fit_s was: {parts}. Solvers other than scipy's are traced one jitted "
        "update at a time, which adds per-step dispatch: compare solvers' speed with "
        "fit_s (work-precision, profile), not with this panel."
    )


def heading(problem: str, condition_number) -> str:
    """A problem section's heading: its id and, where recorded, its condition number.

    Examples
    --------
    >>> heading("poisson[n=10]", 41234.5), heading("poisson[n=10]", float("nan"))
    ('poisson[n=10] — condition number 4.12e+04', 'poisson[n=10]')
    """
    if condition_number is None or not condition_number == condition_number:
        return problem
    return f"{problem} — condition number {condition_number:.3g}"
