"""One recommendation per problem, in sentences: which solver and tolerance, and how sure.

For an accuracy target ε, a fit *reaches* it when ``f - f* <= ε max(1, |f*|)`` (as in the
report's other tables). Only fits that reached ε **and** converged by their own test
(outcome ``converged``) are advised: a fit that stopped at its step cap is never advised,
however close it came. A solver's candidate is its fastest such fit (``fit_s``, the
steady-state time, compilation included for solvers that compile on every call); its
uncertainty is that fit's 95% interval of the median (or the range of its repeats).

The advised solver is the fastest candidate. It is called *significantly faster* than the
runner-up only when its interval lies entirely below every other candidate's; otherwise the
solvers whose intervals overlap its interval are called *tied*, and the sentence says so.
NeMoS's default solver for the problem's model is named, with its own time and the
speed-up over it, when it was run. Nothing here reads NeMoS: the default solver of each
problem comes in as an argument.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ._metrics import best_rows, problem_order
from ._uncertainty import fit_intervals, outcomes

__all__ = [
    "ADVISED_OUTCOMES",
    "Advice",
    "advice_section",
    "advise",
    "scope_sentence",
]

#: Outcomes of a fit that may be advised (a fit stopped at float64 precision converged as far
#: as float64 can tell).
ADVISED_OUTCOMES = ("converged", "float64_precision")


@dataclass(frozen=True)
class Advice:
    """The recommendation for one problem.

    Attributes
    ----------
    problem_id : str
    solver : str or None
        The advised solver (``None`` when no converged fit reached ε).
    tol : float
        The tolerance of the advised fit (NaN without one).
    tied : tuple of str
        The solvers whose intervals overlap the advised one's, itself first.
    sentences : tuple of str
        The advice, in order: recommendation, what was left out, NeMoS's default.
    """

    problem_id: str
    solver: str | None
    tol: float
    tied: tuple[str, ...]
    sentences: tuple[str, ...]


def _ms(seconds: float) -> str:
    return f"{seconds * 1e3:.3g} ms" if seconds < 1 else f"{seconds:.3g} s"


def _fit(row) -> str:
    low, high = float(row["_low"]), float(row["_high"])
    spread = f", interval {_ms(low)} to {_ms(high)}" if high > low else ""
    return f"{row['solver']} at tol={float(row['tol']):g} ({_ms(float(row['fit_s']))}{spread})"


def _candidates(summary: pd.DataFrame, epsilon: float) -> pd.DataFrame:
    """Per (problem, solver): the fastest fit that reached ε and converged, with its interval."""
    advised = summary[outcomes(summary).isin(ADVISED_OUTCOMES)]
    best = best_rows(advised, epsilon)
    low, high = fit_intervals(best) if len(best) else (np.array([]), np.array([]))
    return best.assign(_low=low, _high=high).sort_values("fit_s", kind="stable")


def _recommend(rows: pd.DataFrame, target: str) -> tuple[str, tuple[str, ...]]:
    first = rows.iloc[0]
    tied = rows[rows["_low"] <= first["_high"]]
    if len(rows) == 1:
        return (
            f"{target}: use {_fit(first)}, the only solver in this run whose fit reached ε "
            "and converged.",
            (first["solver"],),
        )
    if len(tied) == 1:
        second = rows.iloc[1]
        return (
            f"{target}: use {_fit(first)}; it is significantly faster than the runner-up "
            f"{_fit(second)}: their intervals do not overlap.",
            (first["solver"],),
        )
    names = [_fit(row) for _, row in tied.head(4).iterrows()]
    more = f" and {len(tied) - 4} more" if len(tied) > 4 else ""
    return (
        f"{target}: {', '.join(names[:-1])} and {names[-1]}{more} are tied: their intervals "
        f"overlap, so none is significantly faster; {first['solver']} had the smallest time.",
        tuple(tied["solver"]),
    )


def _default(rows: pd.DataFrame, default: str | None, tied: tuple[str, ...], summary) -> str:
    if not default:
        return ""
    ran = summary[summary["solver"] == default]
    if ran.empty:
        return f"NeMoS's default for this model, {default}, was not part of this run."
    mine = rows[rows["solver"] == default]
    if mine.empty:
        return (
            f"NeMoS's default for this model, {default}, did not reach ε with a converged fit "
            "in this run."
        )
    if default == rows.iloc[0]["solver"]:
        return f"NeMoS's default for this model, {default}, is the advised solver: keep it."
    speedup = float(mine["fit_s"].iloc[0]) / float(rows.iloc[0]["fit_s"])
    if default in tied:
        return (
            f"NeMoS's default for this model, {_fit(mine.iloc[0])}, is tied with it: the "
            f"{speedup:.2g}x difference is within the intervals, so keeping the default costs "
            "nothing measurable."
        )
    return (
        f"NeMoS's default for this model, {_fit(mine.iloc[0])}, is {speedup:.3g}x slower than "
        f"{rows.iloc[0]['solver']}."
    )


def _left_out(summary, problem, epsilon, chosen) -> str:
    """A sentence on faster fits that reached ε without converging, or ``""``."""
    rows = best_rows(summary[summary["problem_id"] == problem], epsilon)
    done = outcomes(rows)
    faster = rows[(~done.isin(ADVISED_OUTCOMES)) & (rows["fit_s"] < chosen)]
    if faster.empty:
        return ""
    first = faster.sort_values("fit_s").iloc[0]
    return (
        f"{first['solver']} at tol={float(first['tol']):g} reached ε faster "
        f"({_ms(float(first['fit_s']))}) but did not converge (outcome {done[first.name]}), "
        "so it is not advised."
    )


def advise(
    summary: pd.DataFrame, epsilon: float, defaults: Mapping[str, str] | None = None
) -> list[Advice]:
    """The recommendation for every problem of a run (see the module docstring).

    Parameters
    ----------
    summary : DataFrame
        The run's ``summary.csv``.
    epsilon : float
        Relative accuracy target.
    defaults : mapping, optional
        Problem id -> NeMoS's default solver label for that problem's model.

    Returns
    -------
    list of Advice
        In the report's problem order.

    Examples
    --------
    >>> s = pd.DataFrame({"problem_id": "p", "solver": ["A", "B"], "status": "ok",
    ...     "tol": 1e-6, "fit_s": [0.010, 0.030], "fit_s_ci_low": [0.009, 0.028],
    ...     "fit_s_ci_high": [0.011, 0.032], "suboptimality": 0.0,
    ...     "reference_objective": 1.0, "outcome": "converged"})
    >>> (found,) = advise(s, 1e-6, {"p": "B"})
    >>> found.solver, found.sentences[1].split(", ")[-1]
    ('A', 'is 3x slower than A.')
    """
    defaults = defaults or {}
    candidates = _candidates(summary, epsilon)
    found = []
    for problem in problem_order(summary):
        rows = candidates[candidates["problem_id"] == problem]
        target = f"To reach ε = {epsilon:g} on {problem}"
        if rows.empty:
            sentence = (
                f"{target}, no solver's fit both reached ε and converged: nothing is advised."
            )
            found.append(Advice(problem, None, math.nan, (), (sentence,)))
            continue
        first, tied = _recommend(rows, target)
        extra = [
            _left_out(summary, problem, epsilon, float(rows.iloc[0]["fit_s"])),
            _default(rows, defaults.get(problem), tied, summary[summary["problem_id"] == problem]),
        ]
        found.append(
            Advice(
                problem,
                rows.iloc[0]["solver"],
                float(rows.iloc[0]["tol"]),
                tied,
                (first, *filter(None, extra)),
            )
        )
    return found


def scope_sentence(summary: pd.DataFrame, meta: Mapping | None) -> str:
    """What the advice covers: the sizes, models and machine it was measured on.

    Examples
    --------
    >>> s = pd.DataFrame({"n_samples": [2000, 50000], "n_features": [20, 100],
    ...     "n_outputs": [1, 20], "observation": "Poisson", "regularizer": "Ridge",
    ...     "cpu_model": "Xeon", "device": "cpu"})
    >>> text = scope_sentence(s, {"cpu_count": 2, "versions": {"nemos": "0.2.8"}})
    >>> text.split(": ")[1].split(", on ")[0]
    '2 problem sizes (n 2000-50000, p 20-100, k 1-20), Poisson with Ridge'
    >>> text.split(", on ")[1].split(";")[0]
    'Xeon (cpu, 2 CPUs), nemos 0.2.8'
    """

    def span(column: str) -> str:
        values = pd.to_numeric(summary.get(column), errors="coerce").dropna()
        low, high = int(values.min()), int(values.max())
        return f"{low}" if low == high else f"{low}-{high}"

    sizes = summary[["n_samples", "n_features", "n_outputs"]].drop_duplicates()
    models = sorted(
        {
            f"{o} with {r}"
            for o, r in zip(summary["observation"], summary["regularizer"], strict=True)
        }
    )
    machine = sorted(set(summary.get("cpu_model", pd.Series(dtype=object)).dropna()))
    device = sorted(set(summary.get("device", pd.Series(dtype=object)).dropna()))
    meta = meta or {}
    cpus = f", {meta['cpu_count']} CPUs" if meta.get("cpu_count") else ""
    where = (
        f" on {', '.join(machine) or 'an unrecorded machine'} ({', '.join(device) or '?'}{cpus})"
    )
    nemos = (meta.get("versions") or {}).get("nemos")
    return (
        f"This advice holds for what was measured: {len(sizes)} problem "
        f"size{'s' if len(sizes) != 1 else ''} (n {span('n_samples')}, p {span('n_features')}, "
        f"k {span('n_outputs')}), {', '.join(models)},{where}"
        f"{f', nemos {nemos}' if nemos else ''}; other sizes, models or machines may rank "
        "solvers differently."
    )


def advice_section(
    summary: pd.DataFrame,
    epsilon: float,
    defaults: Mapping[str, str] | None,
    meta,
    workloads: pd.DataFrame | None = None,
) -> str:
    """The report's first section: each problem's advice, one short paragraph each.

    The recommendation sentence is shown; the others (fits left out, NeMoS's default) are
    folded beneath it. Then each workload's advice (``workloads``, the run's
    ``workloads.csv``, when it has one), the same way; then what the advice covers.
    """
    from ._html import esc
    from ._workload_advice import same_model_defaults, workload_advice

    items = []
    found_all = [f.sentences for f in advise(summary, epsilon, defaults)]
    found_all += [
        sentences
        for _, _, sentences in workload_advice(
            workloads, same_model_defaults(summary, workloads, defaults)
        )
    ]
    for sentences in found_all:
        first, *more = sentences
        detail = ""
        if more:
            detail = (
                f"<details><summary>more</summary><p>{' '.join(esc(s) for s in more)}</p></details>"
            )
        items.append(f"<li>{esc(first)}{detail}</li>")
    scope = esc(scope_sentence(summary, meta if isinstance(meta, Mapping) else None))
    return f'<ul class="advice">{"".join(items)}</ul><p class="note">{scope}</p>'
