"""Several runs of one side pooled into one cells table.

Two single runs of the same code differ by more than their own samples say: a run's samples
are taken within a second or so, and a shared machine's speed drifts over seconds to
minutes, so each run carries its own offset. Pooling several runs of each side, taken at
different times (best interleaved with the other side's: BASE, HEAD, BASE, HEAD, ...),
puts that drift into the samples, where the gate's test can see it.

Per cell (matched on ``(env, problem_id, solver, tol)``), the pooled row holds:

- ``status``: the worst of the runs: the first status that is not a measured fit
  (failed, diverged, timeout, skipped) if any run has one, else ``recompiles`` if any run
  recompiled on every call (a cell ok in one run and recompiles in another recompiles:
  that is what a user may pay), else ``ok``; ``recompile_runs`` counts the runs that
  recompiled, and where only some did, ``recompile_fit_s`` is their median ``fit_s``;
  ``compiles_per_call``, ``compiles_in_timed``, ``load_start`` and ``load_end`` the
  largest of the runs';
  ``outcome``/``converged``/``reached_max_steps``: the worst of the runs
  (``not_converged`` > ``max_steps`` > ``converged``; a run without ``outcome`` has it
  from its flags), so a run that did not converge is
  never hidden by others that did;
- ``fit_s_samples``: every run's samples, concatenated in run order; ``fit_s`` their
  median and ``fit_s_ci_low``/``fit_s_ci_high`` its interval, ``fit_s_run_fastest`` each
  run's fastest sample and ``fit_s_run_medians`` each run's median (without samples, the
  median of the runs' ``fit_s`` and no interval); ``fit_s_min``/``fit_s_max`` over all
  runs;
- ``fit_cpu_s_samples`` (process CPU time), ``fit_cpu_s``, ``fit_cpu_s_run_fastest`` and
  ``fit_cpu_s_run_medians``: as for ``fit_s``, where every run recorded CPU samples (else
  the median of the runs' ``fit_cpu_s``);
- ``compile_s`` (of a ``recompiles`` cell: over the runs that recompiled), ``objective``,
  ``suboptimality``, ``n_steps``, ``nfev``, ``njev``, ``nhev``: the median over the runs;
  ``reference_objective`` the first run's;
- ``host``, ``cpu_model``, ``threads``, ``device``, ``device_kind``: every distinct value of
  the runs, joined by ``" | "``;
- ``n_steps_runs``: each run's step count (empty when a run has none);
- ``runs``: how many runs had the cell.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..results import FITTED_STATUSES, format_samples, median_ci, parse_samples
from ._cells import CELL_COLUMNS, MACHINE_CELL_COLUMNS, MACHINE_SEPARATOR
from ._judge import outcome_of

__all__ = ["pool_frames"]

_KEY = ["env", "problem_id", "solver", "tol"]
_WORST = {"converged": 0, "max_steps": 1, "not_converged": 2}
_MEDIANS = ("objective", "suboptimality", "nfev", "njev", "nhev")
_LARGEST = ("compiles_per_call", "compiles_in_timed", "load_start", "load_end")


def _median(values: pd.Series) -> float:
    finite = pd.to_numeric(values, errors="coerce").dropna()
    return float(finite.median()) if len(finite) else np.nan


def _status(group: pd.DataFrame, row: dict) -> None:
    """The worst status of the runs, and what the recompile sentence needs (in ``row``)."""
    statuses = list(group["status"])
    not_fitted = [s for s in statuses if s not in FITTED_STATUSES]
    recompiling = group[group["status"] == "recompiles"]
    row["status"] = not_fitted[0] if not_fitted else ("recompiles" if len(recompiling) else "ok")
    row["compile_s"] = _median(recompiling["compile_s"] if len(recompiling) else group["compile_s"])
    row["recompile_runs"] = len(recompiling) if len(recompiling) else np.nan
    row["recompile_fit_s"] = (
        _median(recompiling["fit_s"]) if 0 < len(recompiling) < len(group) else np.nan
    )
    for column in _LARGEST:
        values = pd.to_numeric(group[column], errors="coerce").dropna()
        row[column] = float(values.max()) if len(values) else np.nan


def _samples(group: pd.DataFrame, row: dict, column: str) -> None:
    """Pool the samples of ``column`` (``fit_s`` or ``fit_cpu_s``) of the runs into ``row``."""
    samples = [parse_samples(text) for text in group[f"{column}_samples"]]
    if len(group) > 1 and all(s.size for s in samples):
        pooled = np.concatenate(samples)
        row[f"{column}_samples"] = format_samples(pooled)
        row[column] = float(np.median(pooled))
        if column == "fit_s":
            row["fit_s_ci_low"], row["fit_s_ci_high"] = median_ci(pooled)
        row[f"{column}_run_fastest"] = format_samples([s.min() for s in samples])
        row[f"{column}_run_medians"] = format_samples([np.median(s) for s in samples])
    elif len(group) > 1:
        row[f"{column}_samples"] = ""
        row[column] = _median(group[column])
        if column == "fit_s":
            row["fit_s_ci_low"] = row["fit_s_ci_high"] = np.nan


def _pooled_row(group: pd.DataFrame) -> dict:
    row = group.iloc[0].to_dict()
    _status(group, row)
    outcomes = [o for o in map(outcome_of, group.to_dict("records")) if o]
    row["outcome"] = max(outcomes, key=lambda o: _WORST.get(o, 3)) if outcomes else ""
    for flag, worst in (("converged", min), ("reached_max_steps", max)):
        known = [bool(v) for v in group[flag] if v is not pd.NA and not pd.isna(v)]
        row[flag] = worst(known) if known else pd.NA
    for column in _MEDIANS:
        row[column] = _median(group[column])
    steps = pd.to_numeric(group["n_steps"], errors="coerce").dropna()
    row["n_steps"] = int(round(float(steps.median()))) if len(steps) else pd.NA
    if len(group) > 1 and len(steps) == len(group):
        row["n_steps_runs"] = " ".join(str(int(n)) for n in steps)
    _samples(group, row, "fit_s")
    _samples(group, row, "fit_cpu_s")
    for column in MACHINE_CELL_COLUMNS:
        found = [v for v in group[column] if isinstance(v, str) and v]
        distinct = list(dict.fromkeys(p for v in found for p in v.split(MACHINE_SEPARATOR)))
        row[column] = MACHINE_SEPARATOR.join(distinct)
    row["fit_s_min"] = float(pd.to_numeric(group["fit_s_min"], errors="coerce").min())
    row["fit_s_max"] = float(pd.to_numeric(group["fit_s_max"], errors="coerce").max())
    row["runs"] = len(group)
    return row


def pool_frames(frames: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """One cells frame from the cells frames of several runs of one side.

    See the module docstring for how each column is pooled.

    Examples
    --------
    >>> a = pd.DataFrame([dict(env="", problem_id="p", solver="S", tol=1e-4, status="ok",
    ...     outcome="converged", converged=True, reached_max_steps=False, fit_s=1.0,
    ...     fit_s_samples="1.0 1.1 0.9", fit_s_min=0.9, fit_s_max=1.1, compile_s=2.0,
    ...     objective=5.0, suboptimality=0.0, n_steps=10, reference_objective=5.0)])
    >>> b = a.assign(fit_s=2.0, fit_s_samples="2.0 2.1", fit_s_min=2.0, fit_s_max=2.1,
    ...     outcome="max_steps", converged=False, reached_max_steps=True)
    >>> row = pool_frames([a, b]).iloc[0]
    >>> row["fit_s_samples"], float(row["fit_s"]), int(row["runs"]), row["outcome"]
    ('1.0 1.1 0.9 2.0 2.1', 1.1, 2, 'max_steps')
    >>> bool(row["converged"]), bool(row["reached_max_steps"])
    (False, True)
    """
    frames = [frame.assign(_order=i) for i, frame in enumerate(frames)]
    table = pd.concat(frames, ignore_index=True).sort_values("_order", kind="stable")
    table = table.reindex(columns=list(dict.fromkeys([*table.columns, *CELL_COLUMNS])))
    rows = [_pooled_row(group) for _, group in table.groupby(_KEY, sort=False, dropna=False)]
    return pd.DataFrame(rows).drop(columns="_order")
