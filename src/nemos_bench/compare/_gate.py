"""The regression gate: match the cells of BASE and HEAD and judge every matched pair."""

from __future__ import annotations

from pathlib import Path

from ..results import recompile_warnings
from ._asv_config import CompareError
from ._cells import Cells
from ._judge import flag, judge, number, outcome_of, scale_of
from ._machines import machine_difference
from ._records import CellDiff, Comparison, GateSettings
from ._sources import load_cells

__all__ = ["compare"]

_KEY = ("env", "problem_id", "solver", "tol")


def _rows(cells: Cells, ignore_env: bool) -> dict[tuple, dict]:
    rows = {}
    for record in cells.frame.to_dict("records"):
        if ignore_env:
            record["env"] = ""
        key = tuple(record[name] for name in _KEY)
        rows.setdefault(key, record)
    return rows


def _disjoint(base: str, n_base: int, head: str, head_rows: dict) -> str:
    """The sentence for two sides without a common ``(problem_id, solver, tol)`` cell."""
    envs = "" if all(key[0] == "" for key in head_rows) else ", asv environment"
    return (
        f"BASE {base} ({n_base} cell(s)) and HEAD {head} ({len(head_rows)} cell(s)) share no "
        f"cell (cells are matched on problem_id, solver, tol{envs}), so there is nothing to "
        "compare; pass two runs of the same problems, solvers and tolerances."
    )


def compare(
    base,
    head,
    *,
    time_factor: float = 1.5,
    time_floor: float = 0.0,
    objective_rtol: float = 1e-6,
    check_time: bool = True,
    subopt_factor: float = 100.0,
    alpha: float = 0.01,
    allow_missing: bool = False,
    judge_time_anyway: bool = False,
    results_dir: str | Path | None = None,
    machine: str | None = None,
    env: str | None = None,
    config: str | Path | None = None,
) -> Comparison:
    """Compare the cells of HEAD against BASE.

    Cells are matched on ``(problem_id, solver, tol)`` (and the asv environment when a side
    holds several). Rows holding a measured fit have status ``ok`` or ``recompiles`` (a
    solver that compiles on every call). A matched cell fails when, with BASE fitted:

    - HEAD holds no fit any more (failed, diverged, timed out, skipped);
    - BASE compiled 0 times per call (status ok, ``compiles_per_call`` 0, or without it
      ``compiles_in_timed`` 0) and HEAD compiles on every call (status ``recompiles``),
      whatever the times: the reason quotes
      :func:`~nemos_bench.results.recompile_sentence`. The reverse passes, with a note;
    - HEAD's ``fit_s`` is more than ``time_factor`` times BASE's and the slowdown beyond
      that factor is significant (Mann–Whitney U on the raw samples at ``alpha``: against
      ``time_factor`` x BASE's for single runs, against BASE's for pooled runs; without
      samples, non-overlapping intervals or ranges; see ``_slowdown``), unless its CPU
      time and work did not grow beyond the factor (``_contention``: not judged on time,
      machine busy; :attr:`Comparison.machine_busy`). A pooled cell whose step count
      differs between the runs of one side is not judged on time either. No cell is
      judged on time when BASE and HEAD ran on different machines or settings
      (:attr:`Comparison.machines`, ``_machines``) unless ``judge_time_anyway``;
    - HEAD's objective or suboptimality is worse than BASE's by more than
      ``objective_rtol * max(1, |f*|)``;
    - HEAD's suboptimality exceeds ``subopt_factor`` times BASE's (suboptimalities below
      ``1e-12 * max(1, |f*|)`` count as rounding);
    - BASE's outcome was ``converged`` and HEAD's is not (``max_steps``, ``not_converged``).

    Cells on one side only are listed in ``only_base``/``only_head``; those of BASE fail
    the gate (:attr:`Comparison.passed`) unless ``allow_missing``. Two sides that share no
    cell at all are not a regression but a :class:`CompareError` (bad input), with or
    without ``allow_missing``: there is nothing to compare.

    Parameters
    ----------
    base, head : path-like, str, list or Cells
        A run directory (``summary.csv``), or a commit hash / git ref with asv results; or
        several runs of one side, pooled (a list of sources, or a directory of run
        directories; see ``_pool``).
    time_factor, time_floor, objective_rtol, check_time, subopt_factor, alpha, allow_missing, \
    judge_time_anyway :
        See :class:`GateSettings`.
    results_dir, machine, env, config :
        Where asv results are read, and in which repository git refs resolve (see
        :func:`load_asv_commit`).

    Returns
    -------
    Comparison

    Examples
    --------
    >>> import pandas as pd
    >>> from nemos_bench.compare import Cells
    >>> row = dict(env="", problem_id="p", solver="LBFGS", tol=1e-8, status="ok", fit_s=0.1,
    ...            objective=1.0, suboptimality=0.0, reference_objective=1.0, converged=True)
    >>> slow = Cells("head", pd.DataFrame([dict(row, fit_s=0.3)]))  # no samples: ratio alone
    >>> result = compare(Cells("base", pd.DataFrame([row])), slow)
    >>> result.passed, result.regressions[0].reasons[0][:11]
    (False, '3.00x slowe')
    """
    settings = GateSettings(
        time_factor,
        time_floor,
        objective_rtol,
        check_time,
        subopt_factor=subopt_factor,
        alpha=alpha,
        allow_missing=allow_missing,
        judge_time_anyway=judge_time_anyway,
    )
    sources = {"results_dir": results_dir, "machine": machine, "env": env, "config": config}
    base_cells, head_cells = load_cells(base, **sources), load_cells(head, **sources)
    envs = [set(c.frame["env"]) for c in (base_cells, head_cells)]
    ignore_env = all(len(e) <= 1 for e in envs)
    base_rows, head_rows = _rows(base_cells, ignore_env), _rows(head_cells, ignore_env)
    if not base_rows.keys() & head_rows.keys():
        raise CompareError(_disjoint(base_cells.label, len(base_rows), head_cells.label, head_rows))
    machines = machine_difference(base_cells.frame, head_cells.frame)
    diffs = []
    for key, b in base_rows.items():
        h = head_rows.get(key)
        if h is None:
            continue
        scale = scale_of(b, h)
        verdict = judge(b, h, settings, scale, machines)
        diffs.append(
            CellDiff(
                *key,
                base_status=b["status"],
                head_status=h["status"],
                base_fit_s=number(b, "fit_s"),
                head_fit_s=number(h, "fit_s"),
                base_objective=number(b, "objective"),
                head_objective=number(h, "objective"),
                base_suboptimality=number(b, "suboptimality"),
                head_suboptimality=number(h, "suboptimality"),
                base_converged=flag(b),
                head_converged=flag(h),
                scale=scale,
                reasons=verdict.reasons,
                base_outcome=outcome_of(b) or "",
                head_outcome=outcome_of(h) or "",
                time_evidence=verdict.evidence,
                time_judged=verdict.judged,
                time_not_judged=verdict.not_judged,
                notes=verdict.notes,
                base_compiles_per_call=number(b, "compiles_per_call"),
                head_compiles_per_call=number(h, "compiles_per_call"),
                base_fit_cpu_s=number(b, "fit_cpu_s"),
                head_fit_cpu_s=number(h, "fit_cpu_s"),
            )
        )
    return Comparison(
        base=base_cells.label,
        head=head_cells.label,
        settings=settings,
        cells=tuple(diffs),
        only_base=tuple(k for k in base_rows if k not in head_rows),
        only_head=tuple(k for k in head_rows if k not in base_rows),
        machines=machines,
        recompiles=tuple(recompile_warnings(head_cells.frame)),
    )
