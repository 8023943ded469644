"""The report's model × regularizer × solver matrix: which solver ran on which model, and how."""

from __future__ import annotations

import pandas as pd

from nemos_bench.results import FITTED_STATUSES

from ._html import esc, table
from ._rounding import ROUNDING_RTOL, at_rounding_level

__all__ = ["matrix_section", "model_matrix"]

_OBSERVATION_DEFAULT = "Poisson"  # runs recorded before observation models were an axis


def _cell_text(rows: pd.DataFrame, reasons: dict[str, int]) -> str:
    """One solver's fits on one (model, regularizer): status counts, reasons as footnotes."""
    counts = rows["status"].value_counts()
    parts = []
    for status in sorted(counts.index, key=lambda s: (s not in FITTED_STATUSES, s != "ok", s)):
        word = status if len(counts) == 1 else f"{counts[status]} {status}"
        if status == "skipped":
            notes = rows.loc[rows["status"] == "skipped", "reason"].fillna("").astype(str)
            solver = str(rows["solver"].iloc[0])  # one footnote for every solver's same reason
            notes = notes.str.replace(solver, "this solver", regex=False)
            marks = sorted({reasons.setdefault(r, len(reasons) + 1) for r in notes})
            word += " " + "".join(f"[{m}]" for m in marks)
        if status in FITTED_STATUSES:
            best = pd.to_numeric(rows.loc[rows["status"] == status, "rel_suboptimality"]).min()
            if at_rounding_level(best):  # rel_suboptimality: scale 1
                word += " (at f*)"
            elif best == best:  # not NaN
                word += f" (best {best:.1e}" + (": below f*)" if best < 0 else ")")
        parts.append(word)
    return ", ".join(parts)


def model_matrix(summary: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Per (observation model, regularizer) and solver: how its fits ended.

    A cell reads ``ok (best r)`` when every fit of that solver on those problems (every
    problem and tolerance) ended with status ok, ``r`` the smallest relative suboptimality
    ``(f - f*) / max(1, |f*|)`` among them (``ok (at f*)`` when ``|r| <= 1e-12``, rounding;
    ``: below f*`` after a negative ``r`` beyond it); ``skipped [n]`` when every fit was skipped,
    ``n`` numbering the reason in the returned list; otherwise the count of each status
    (``3 ok, 1 failed``). A solver that never ran there reads ``—``. Runs recorded before
    observation models were an axis count as Poisson.

    Returns
    -------
    tuple
        ``(matrix, reasons)``: the DataFrame indexed by ``(observation, regularizer)`` with
        one column per solver, and the skip reasons in footnote order.

    Examples
    --------
    >>> rows = pd.DataFrame({
    ...     "observation": ["Gamma", "Gamma", "Gamma"],
    ...     "regularizer": ["Lasso"] * 3,
    ...     "solver": ["ProximalGradient[optimistix]", "LBFGS[scipy]", "IRLS[glum]"],
    ...     "status": ["ok", "skipped", "failed"],
    ...     "reason": ["", "needs a smooth penalty", "boom"],
    ...     "rel_suboptimality": [2e-12, None, None],
    ... })
    >>> matrix, reasons = model_matrix(rows)
    >>> matrix.loc[("Gamma", "Lasso")].tolist(), reasons
    (['failed', 'skipped [1]', 'ok (best 2.0e-12)'], ['needs a smooth penalty'])
    >>> model_matrix(rows.assign(rel_suboptimality=[-1.2e-16, None, None]))[0].iloc[0, 2]
    'ok (at f*)'

    """
    frame = summary.copy()
    observation = frame.get("observation", pd.Series(index=frame.index, dtype=object))
    frame["observation"] = observation.fillna(_OBSERVATION_DEFAULT).replace(
        "", _OBSERVATION_DEFAULT
    )
    reasons: dict[str, int] = {}
    cells: dict[tuple, dict[str, str]] = {}
    for (obs, reg, solver), rows in frame.groupby(
        ["observation", "regularizer", "solver"], sort=True
    ):
        cells.setdefault((obs, reg), {})[solver] = _cell_text(rows, reasons)
    solvers = sorted(frame["solver"].unique())
    index = pd.MultiIndex.from_tuples(list(cells), names=["observation", "regularizer"])
    matrix = pd.DataFrame(
        [[cells[key].get(s, "—") for s in solvers] for key in cells], index=index, columns=solvers
    )
    return matrix, list(reasons)


def matrix_section(summary: pd.DataFrame) -> str:
    """The matrix as an HTML table with its footnotes of skip reasons."""
    matrix, reasons = model_matrix(summary)
    rows = [[obs, reg, *matrix.loc[(obs, reg)].tolist()] for obs, reg in matrix.index]
    note = (
        "<p>One row per observation model and regularizer, one column per solver, over every "
        "problem and tolerance of the run: <em>ok</em> when every fit ended ok (the solver "
        "stopped by its own rule; the best relative suboptimality (f − f*)/max(1, |f*|) it "
        f"reached is in brackets, <em>at f*</em> when within rounding (|f − f*| ≤ "
        f"{ROUNDING_RTOL:g}·max(1, |f*|)); <em>recompiles</em> likewise for a solver that "
        "compiles on every call), <em>skipped</em> when the solver cannot run that problem "
        "(reasons below), otherwise the count of each status (failures are listed in "
        "“Failures and skips”).</p>"
    )
    html = note + table(
        ["observation", "regularizer", *matrix.columns], rows, empty="No fits in this run."
    )
    if reasons:
        items = "".join(f"<li>{esc(r) or '(no reason recorded)'}</li>" for r in reasons)
        html += f"<ol>{items}</ol>"
    return html
