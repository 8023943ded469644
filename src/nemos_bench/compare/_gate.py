"""The regression gate: match the cells of BASE and HEAD and judge every matched pair."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from pathlib import Path

import pandas as pd

from ._judge import flag, judge, number, outcome_of, scale_of
from ._sources import Cells, CompareError, load_cells

__all__ = ["CellDiff", "Comparison", "GateSettings", "compare"]

_KEY = ("env", "problem_id", "solver", "tol")


@dataclass(frozen=True)
class GateSettings:
    """Thresholds of the gate.

    Attributes
    ----------
    time_factor : float
        A cell fails when HEAD's ``fit_s`` exceeds ``time_factor`` times BASE's and the
        slowdown beyond that factor is significant (see ``_slowdown``: Mann–Whitney U on
        the raw samples at ``alpha``, or non-overlapping intervals where no samples exist).
    time_floor : float
        Slowdowns of cells whose HEAD ``fit_s`` is below this many seconds are not judged
        (default 0: no floor; the significance test handles small cells).
    objective_rtol : float
        A cell fails when HEAD's objective or suboptimality exceeds BASE's by more than
        ``objective_rtol * max(1, |f*|)``.
    check_time : bool
        Judge times at all (turn off where the two sides ran on different machines).
    subopt_factor : float
        A cell also fails when HEAD's suboptimality exceeds ``subopt_factor`` times BASE's
        (or times the floor below, whichever is larger): an accuracy loss of orders of
        magnitude at a tight tolerance, even while still under ``objective_rtol``.
    subopt_floor : float
        Suboptimalities below ``subopt_floor * max(1, |f*|)`` count as rounding.
    alpha : float
        Significance level of the one-sided Mann–Whitney U test on raw samples.
    allow_missing : bool
        Cells of BASE missing from HEAD are reported, not failed.
    """

    time_factor: float = 1.5
    time_floor: float = 0.0
    objective_rtol: float = 1e-6
    check_time: bool = True
    subopt_factor: float = 100.0
    subopt_floor: float = 1e-12
    alpha: float = 0.01
    allow_missing: bool = False

    def __post_init__(self):
        if not (math.isfinite(self.time_factor) and self.time_factor >= 1.0):
            raise CompareError(f"time_factor must be a number >= 1, got {self.time_factor!r}.")
        if not (math.isfinite(self.time_floor) and self.time_floor >= 0.0):
            raise CompareError(f"time_floor must be a number >= 0, got {self.time_floor!r}.")
        if not (math.isfinite(self.objective_rtol) and self.objective_rtol >= 0.0):
            raise CompareError(
                f"objective_rtol must be a number >= 0, got {self.objective_rtol!r}."
            )
        if not (math.isfinite(self.alpha) and 0.0 < self.alpha < 1.0):
            raise CompareError(f"alpha must be a number in (0, 1), got {self.alpha!r}.")


@dataclass(frozen=True)
class CellDiff:
    """One matched cell: BASE and HEAD side by side, and why it fails (if it does).

    ``reasons`` is empty for a cell that passes; each entry is one sentence.
    """

    env: str
    problem_id: str
    solver: str
    tol: float
    base_status: str
    head_status: str
    base_fit_s: float
    head_fit_s: float
    base_objective: float
    head_objective: float
    base_suboptimality: float
    head_suboptimality: float
    base_converged: bool | None
    head_converged: bool | None
    scale: float
    reasons: tuple[str, ...] = ()
    base_outcome: str = ""
    head_outcome: str = ""
    time_evidence: str = ""
    time_judged: bool = True
    """False when the data cannot support a time verdict (``time_evidence`` says why)."""

    @property
    def regressed(self) -> bool:
        """Whether the cell fails the gate."""
        return bool(self.reasons)

    @property
    def time_ratio(self) -> float:
        """HEAD ``fit_s`` / BASE ``fit_s`` (NaN where either is missing)."""
        if _finite(self.base_fit_s) and _finite(self.head_fit_s) and self.base_fit_s > 0:
            return self.head_fit_s / self.base_fit_s
        return math.nan


@dataclass(frozen=True)
class Comparison:
    """Result of :func:`compare`.

    Attributes
    ----------
    base, head : str
        Labels of the two sides.
    settings : GateSettings
        Thresholds used.
    cells : tuple of CellDiff
        Matched cells, in BASE order.
    only_base, only_head : tuple of tuple
        Keys ``(env, problem_id, solver, tol)`` of cells found on one side only. Cells of
        BASE missing from HEAD fail the gate unless ``settings.allow_missing``; cells only
        in HEAD are reported, never failed.
    """

    base: str
    head: str
    settings: GateSettings
    cells: tuple[CellDiff, ...]
    only_base: tuple[tuple, ...] = ()
    only_head: tuple[tuple, ...] = ()

    @property
    def regressions(self) -> tuple[CellDiff, ...]:
        """The matched cells that fail the gate."""
        return tuple(cell for cell in self.cells if cell.regressed)

    @property
    def not_judged_on_time(self) -> tuple[CellDiff, ...]:
        """Matched cells whose times could not be judged (e.g. their work varies by run)."""
        return tuple(cell for cell in self.cells if not cell.time_judged)

    @property
    def missing(self) -> tuple[tuple, ...]:
        """Cells of BASE missing from HEAD that fail the gate (none with ``allow_missing``)."""
        return () if self.settings.allow_missing else self.only_base

    @property
    def passed(self) -> bool:
        """No matched cell regressed and no cell of BASE is missing from HEAD."""
        return not self.regressions and not self.missing

    def to_frame(self) -> pd.DataFrame:
        """One row per matched cell with every field, ``time_ratio`` and ``regressed``."""
        rows = []
        for cell in self.cells:
            row = asdict(cell)
            row["reasons"] = "; ".join(cell.reasons)
            row.update(time_ratio=cell.time_ratio, regressed=cell.regressed)
            rows.append(row)
        return pd.DataFrame(rows)


def _finite(value) -> bool:
    return value is not None and value is not pd.NA and math.isfinite(float(value))


def _rows(cells: Cells, ignore_env: bool) -> dict[tuple, dict]:
    rows = {}
    for record in cells.frame.to_dict("records"):
        if ignore_env:
            record["env"] = ""
        key = tuple(record[name] for name in _KEY)
        rows.setdefault(key, record)
    return rows


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
    results_dir: str | Path | None = None,
    machine: str | None = None,
    env: str | None = None,
    config: str | Path | None = None,
) -> Comparison:
    """Compare the cells of HEAD against BASE.

    Cells are matched on ``(problem_id, solver, tol)`` (and the asv environment when a side
    holds several). A matched cell fails when, with BASE ok:

    - HEAD is no longer ``ok`` (failed, diverged, timed out, skipped);
    - HEAD's ``fit_s`` is more than ``time_factor`` times BASE's and the slowdown beyond
      that factor is significant (Mann–Whitney U on the raw samples at ``alpha``: against
      ``time_factor`` x BASE's for single runs, against BASE's for pooled runs; without
      samples, non-overlapping intervals or ranges; see ``_slowdown``; a pooled cell whose
      step count differs between the runs of one side is not judged on time and is listed
      in :attr:`Comparison.not_judged_on_time`);
    - HEAD's objective or suboptimality is worse than BASE's by more than
      ``objective_rtol * max(1, |f*|)``;
    - HEAD's suboptimality exceeds ``subopt_factor`` times BASE's (suboptimalities below
      ``1e-12 * max(1, |f*|)`` count as rounding);
    - BASE's outcome was ``converged`` and HEAD's is not (``max_steps``, ``not_converged``).

    Cells on one side only are listed in ``only_base``/``only_head``; those of BASE fail
    the gate (:attr:`Comparison.passed`) unless ``allow_missing``.

    Parameters
    ----------
    base, head : path-like, str, list or Cells
        A run directory (``summary.csv``), or a commit hash / git ref with asv results; or
        several runs of one side, pooled (a list of sources, or a directory of run
        directories; see ``_pool``).
    time_factor, time_floor, objective_rtol, check_time, subopt_factor, alpha, allow_missing :
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
    )
    sources = {"results_dir": results_dir, "machine": machine, "env": env, "config": config}
    base_cells, head_cells = load_cells(base, **sources), load_cells(head, **sources)
    envs = [set(c.frame["env"]) for c in (base_cells, head_cells)]
    ignore_env = all(len(e) <= 1 for e in envs)
    base_rows, head_rows = _rows(base_cells, ignore_env), _rows(head_cells, ignore_env)
    diffs = []
    for key, b in base_rows.items():
        h = head_rows.get(key)
        if h is None:
            continue
        scale = scale_of(b, h)
        reasons, evidence, judged = judge(b, h, settings, scale)
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
                reasons=tuple(reasons),
                base_outcome=outcome_of(b) or "",
                head_outcome=outcome_of(h) or "",
                time_evidence=evidence,
                time_judged=judged,
            )
        )
    return Comparison(
        base=base_cells.label,
        head=head_cells.label,
        settings=settings,
        cells=tuple(diffs),
        only_base=tuple(k for k in base_rows if k not in head_rows),
        only_head=tuple(k for k in head_rows if k not in base_rows),
    )
