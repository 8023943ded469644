"""Several runs of one side pooled into one cells table.

Two single runs of the same code differ by more than their own samples say: a run's samples
are taken within a second or so, and a shared machine's speed drifts over seconds to
minutes, so each run carries its own offset. Pooling several runs of each side, taken at
different times (best interleaved with the other side's: BASE, HEAD, BASE, HEAD, ...),
puts that drift into the samples, where the gate's test can see it.

Per cell (matched on ``(env, problem_id, solver, tol)``), the pooled row holds:

- ``status``: ``ok`` only when every run that has the cell is ok, else the first other
  status; ``outcome``/``converged``/``reached_max_steps``: the worst of the runs
  (``not_converged`` > ``max_steps`` > ``converged``; a run without ``outcome`` has it
  from its flags), so a run that did not converge is
  never hidden by others that did;
- ``fit_s_samples``: every run's samples, concatenated in run order; ``fit_s`` their
  median and ``fit_s_ci_low``/``fit_s_ci_high`` its interval, ``fit_s_run_fastest`` each
  run's fastest sample and ``fit_s_run_medians`` each run's median (without samples, the
  median of the runs' ``fit_s`` and no interval); ``fit_s_min``/``fit_s_max`` over all
  runs;
- ``compile_s``, ``objective``, ``suboptimality``, ``n_steps``: the median over the runs;
  ``reference_objective`` the first run's;
- ``n_steps_runs``: each run's step count (empty when a run has none);
- ``runs``: how many runs had the cell.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..results import format_samples, median_ci, parse_samples
from ._judge import outcome_of

__all__ = ["pool_frames"]

_KEY = ["env", "problem_id", "solver", "tol"]
_WORST = {"converged": 0, "max_steps": 1, "not_converged": 2}
_MEDIANS = ("compile_s", "objective", "suboptimality")


def _median(values: pd.Series) -> float:
    finite = pd.to_numeric(values, errors="coerce").dropna()
    return float(finite.median()) if len(finite) else np.nan


def _pooled_row(group: pd.DataFrame) -> dict:
    row = group.iloc[0].to_dict()
    not_ok = [s for s in group["status"] if s != "ok"]
    row["status"] = not_ok[0] if not_ok else "ok"
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
    samples = [parse_samples(text) for text in group["fit_s_samples"]]
    if len(group) > 1 and all(s.size for s in samples):
        pooled = np.concatenate(samples)
        row["fit_s_samples"] = format_samples(pooled)
        row["fit_s"] = float(np.median(pooled))
        row["fit_s_ci_low"], row["fit_s_ci_high"] = median_ci(pooled)
        row["fit_s_run_fastest"] = format_samples([s.min() for s in samples])
        row["fit_s_run_medians"] = format_samples([np.median(s) for s in samples])
    elif len(group) > 1:
        row["fit_s_samples"] = ""
        row["fit_s"] = _median(group["fit_s"])
        row["fit_s_ci_low"] = row["fit_s_ci_high"] = np.nan
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
    rows = [_pooled_row(group) for _, group in table.groupby(_KEY, sort=False, dropna=False)]
    return pd.DataFrame(rows).drop(columns="_order")
