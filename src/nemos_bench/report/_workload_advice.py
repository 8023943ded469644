"""The recommendation for each workload of a run (``workloads.csv``), in sentences.

Per (problem, workload), a row may be advised only when its status is ``ok`` and every fit
of every run reached ε of its own certified optimum (``fits_reached == n_fits`` and
``certified_fits == n_fits``). A solver's candidate is its fastest such row (median wall
time of the whole workload, compilation included). With a few runs a side (3 by default),
the honest test is the range of the runs (``wall_s_samples``): the advised solver is called
*faster in every run* than the runner-up only when its slowest run is faster than every
other candidate's fastest run; otherwise the candidates whose ranges overlap its range are
called *tied*. NeMoS's default solver comes in as an argument, as for the cells.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd

from nemos_bench.results import WORKLOAD_COLUMNS, column_names, parse_samples

__all__ = ["same_model_defaults", "workload_advice"]


def _s(seconds: float) -> str:
    return f"{seconds * 1e3:.3g} ms" if seconds < 1 else f"{seconds:.3g} s"


def _range(row) -> tuple[float, float]:
    samples = parse_samples(row["wall_s_samples"])
    if not samples.size:
        return float(row["wall_s"]), float(row["wall_s"])
    return float(samples.min()), float(samples.max())


def _run(row) -> str:
    low, high = row["_low"], row["_high"]
    runs = len(parse_samples(row["wall_s_samples"])) or 1
    spread = f", range {_s(low)} to {_s(high)}" if high > low else ""
    return (
        f"{row['solver']} at tol={float(row['tol']):g} (median {_s(float(row['wall_s']))} over "
        f"{runs} run{'s' if runs != 1 else ''}{spread})"
    )


def _eligible(rows: pd.DataFrame) -> pd.Series:
    n_fits = pd.to_numeric(rows["n_fits"], errors="coerce")
    return (
        (rows["status"] == "ok")
        & (pd.to_numeric(rows["fits_reached"], errors="coerce") == n_fits)
        & (pd.to_numeric(rows["certified_fits"], errors="coerce") == n_fits)
        & np.isfinite(pd.to_numeric(rows["wall_s"], errors="coerce"))
    ).astype(bool)


def _epsilon(group: pd.DataFrame) -> str:
    """The ε the rows' fits were judged at, named (a report's --epsilon does not change it)."""
    values = pd.to_numeric(group["epsilon"], errors="coerce").dropna().unique()
    if len(values) == 1:
        return f", ε = {values[0]:g}"
    return f", ε = {' or '.join(f'{v:g}' for v in sorted(values))}" if len(values) else ""


def _why(row) -> str:
    """Why a row is not advised, a clause."""
    if row["status"] != "ok":
        reason = f": {row['reason']}" if isinstance(row["reason"], str) and row["reason"] else ""
        return f"its status is {row['status']}{reason}"
    n = int(row["n_fits"]) if pd.notna(row["n_fits"]) else 0
    reached = row["fits_reached"]
    certified = row["certified_fits"]
    reached = f"{int(reached)}" if pd.notna(reached) else "an unknown number"
    certified = f"{int(certified)}" if pd.notna(certified) else "an unknown number"
    return f"only {reached} of its {n} fits reached ε ({certified} certified)"


def _recommend(rows: pd.DataFrame, target: str) -> tuple[str, tuple[str, ...]]:
    first = rows.iloc[0]
    tied = rows[rows["_low"] <= first["_high"]]
    if len(rows) == 1:
        return (
            f"{target}: use {_run(first)}, the only solver in this run whose every fit reached ε.",
            (first["solver"],),
        )
    if len(tied) == 1:
        return (
            f"{target}: use {_run(first)}; its slowest run was faster end to end than every "
            f"run of the runner-up {_run(rows.iloc[1])}: the ranges of their runs do not overlap.",
            (first["solver"],),
        )
    names = [_run(row) for _, row in tied.head(4).iterrows()]
    more = f" and {len(tied) - 4} more" if len(tied) > 4 else ""
    return (
        f"{target}: {', '.join(names[:-1])} and {names[-1]}{more} are tied: the ranges of "
        f"their runs overlap, so none is significantly faster; {first['solver']} had the "
        "smallest median.",
        tuple(tied["solver"]),
    )


def _compilation(row) -> str:
    wall, compile_s = float(row["wall_s"]), pd.to_numeric(row["compile_s"], errors="coerce")
    if not (np.isfinite(compile_s) and wall > 0):
        return ""
    compiles = pd.to_numeric(row["compiles"], errors="coerce")
    count = f" ({compiles:g} compilations per run)" if np.isfinite(compiles) else ""
    return (
        f"Of {row['solver']}'s median {_s(wall)}, {_s(float(compile_s))} "
        f"({100 * compile_s / wall:.0f}%) was compilation{count}."
    )


def _left_out(group: pd.DataFrame, ok: pd.Series, chosen: float) -> str:
    walls = pd.to_numeric(group["wall_s"], errors="coerce")
    keep = ~ok & (walls < chosen)
    faster = group[keep].assign(_w=walls[keep]).sort_values("_w", kind="stable")
    if faster.empty:
        return ""
    parts = [
        f"{r['solver']} at tol={float(r['tol']):g} ({_s(float(r['_w']))}: {_why(r)})"
        for _, r in faster.head(3).iterrows()
    ]
    more = f" and {len(faster) - 3} more" if len(faster) > 3 else ""
    lead = "Faster than the advised solver but not advised" if math.isfinite(chosen) else "Left out"
    return f"{lead}: {'; '.join(parts)}{more}."


def _default(group, rows, default, tied) -> str:
    if not default:
        return ""
    ran = group[group["solver"] == default]
    name = f"NeMoS's default for this model, {default},"
    if ran.empty:
        return f"{name} was not run on this workload."
    mine = rows[rows["solver"] == default]
    if mine.empty:
        first = ran.sort_values("wall_s", kind="stable").iloc[0]
        return f"{name} is not advised on this workload: {_why(first)}."
    first = rows.iloc[0]
    if default == first["solver"]:
        return f"{name} is the fastest on this workload: keep it."
    speedup = float(mine["wall_s"].iloc[0]) / float(first["wall_s"])
    if default in tied:
        return (
            f"NeMoS's default for this model, {_run(mine.iloc[0])}, is tied with "
            f"{first['solver']} on this workload: the {speedup:.3g}x difference of medians is "
            "within the ranges of their runs."
        )
    return (
        f"NeMoS's default for this model, {_run(mine.iloc[0])}, is {speedup:.3g}x slower end "
        f"to end than {first['solver']}."
    )


def workload_advice(
    rows: pd.DataFrame | None, defaults: Mapping[str, str] | None = None
) -> list[tuple[str, str, tuple[str, ...]]]:
    """Per (problem, workload): ``(problem_id, workload, sentences)`` (module docstring).

    Parameters
    ----------
    rows : DataFrame or None
        The run's ``workloads.csv`` (``read_workloads``); ``None``: no workloads, no advice.
    defaults : mapping, optional
        Problem id -> NeMoS's default solver label for that workload's model.

    Examples
    --------
    >>> rows = pd.DataFrame({"problem_id": "p", "workload": "cv", "solver": ["A", "B"],
    ...     "tol": 1e-6, "status": "ok", "n_fits": 10, "fits_reached": 10,
    ...     "certified_fits": 10, "wall_s": [2.0, 6.0], "wall_s_samples": ["1.9 2.0 2.1",
    ...     "5.9 6.0 6.1"], "compile_s": [1.5, 5.0], "compiles": [30, 30]})
    >>> ((_, _, sentences),) = workload_advice(rows, {"p": "B"})
    >>> sentences[0].split(": use ")[1].split(";")[0]
    'A at tol=1e-06 (median 2 s over 3 runs, range 1.9 s to 2.1 s)'
    >>> sentences[-1].split(", ")[-1]
    'is 3x slower end to end than A.'
    """
    if rows is None or rows.empty:
        return []
    rows = rows.reindex(columns=column_names(WORKLOAD_COLUMNS))
    defaults = defaults or {}
    found = []
    for (problem, kind), group in rows.groupby(["problem_id", "workload"], sort=False):
        ok = _eligible(group)
        best = group[ok].sort_values("wall_s", kind="stable").drop_duplicates("solver")
        ranges = [_range(r) for _, r in best.iterrows()]
        best = best.assign(_low=[r[0] for r in ranges], _high=[r[1] for r in ranges])
        n_fits = group["n_fits"].dropna()
        fits = f", {int(n_fits.iloc[0])} fits" if len(n_fits) else ""
        target = f"For the {kind} workload on {problem}{fits}{_epsilon(group)}"
        target += ", compilation included"
        if best.empty:
            sentences = [
                f"{target}, no solver's run had every fit reach ε: nothing is advised.",
                _left_out(group, ok, math.inf),
            ]
        else:
            first, tied = _recommend(best, target)
            sentences = [
                first,
                _compilation(best.iloc[0]),
                _left_out(group, ok, float(best["wall_s"].iloc[0])),
                _default(group, best, defaults.get(problem), tied),
            ]
        found.append((problem, kind, tuple(s for s in sentences if s)))
    return found


def same_model_defaults(
    summary: pd.DataFrame, workloads: pd.DataFrame | None, defaults: Mapping[str, str] | None
) -> dict[str, str]:
    """The problems' defaults that hold for their workloads: same regularizer as the problem.

    A workload of an UnRegularized problem fits Ridge: the problem's default is not its own.

    Examples
    --------
    >>> s = pd.DataFrame({"problem_id": ["p", "q"], "regularizer": ["Ridge", "UnRegularized"]})
    >>> w = pd.DataFrame({"problem_id": ["p", "q"], "regularizer": "Ridge"})
    >>> same_model_defaults(s, w, {"p": "A", "q": "B"})
    {'p': 'A'}
    """
    if workloads is None or not defaults:
        return {}
    own = dict(zip(summary["problem_id"], summary["regularizer"], strict=True))
    used = workloads.groupby("problem_id")["regularizer"].agg(set)
    return {p: d for p, d in defaults.items() if p in used.index and used[p] == {own.get(p)}}
