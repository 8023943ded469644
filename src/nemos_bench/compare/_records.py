"""The gate's records: its settings, one matched cell's verdict, and the whole comparison."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import pandas as pd

from ._asv_config import CompareError

__all__ = ["CellDiff", "Comparison", "GateSettings"]


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
        Judge times at all (``--no-time``).
    judge_time_anyway : bool
        Judge times even when BASE and HEAD ran on different machines, devices, thread or
        XLA/BLAS settings (by default their times are not judged; see ``_machines``).
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
    judge_time_anyway: bool = False

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
    time_not_judged: str = ""
    """Why time was not judged: ``"steps"``, ``"busy"``, ``"machines"`` (``""``: judged)."""
    notes: tuple[str, ...] = ()
    """Remarks that do not fail the cell (e.g. it no longer compiles on every call)."""
    base_compiles_per_call: float = math.nan
    head_compiles_per_call: float = math.nan
    base_fit_cpu_s: float = math.nan
    head_fit_cpu_s: float = math.nan

    @property
    def regressed(self) -> bool:
        """Whether the cell fails the gate."""
        return bool(self.reasons)

    @property
    def machine_busy(self) -> bool:
        """Not judged on time: slower in wall time only, not in CPU time or work."""
        return self.time_not_judged == "busy"

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
    machines : str
        How BASE's and HEAD's machines or settings differ (``"BASE ran with blas=2 and HEAD
        with blas=1"``), ``""`` when they do not (or are unknown). Times are then not
        judged unless ``settings.judge_time_anyway``.
    recompiles : tuple of str
        HEAD's solvers that compile on every call, one warning line each (see
        :func:`~nemos_bench.results.recompile_warnings`).
    """

    base: str
    head: str
    settings: GateSettings
    cells: tuple[CellDiff, ...]
    only_base: tuple[tuple, ...] = ()
    only_head: tuple[tuple, ...] = ()
    machines: str = ""
    recompiles: tuple[str, ...] = ()

    @property
    def regressions(self) -> tuple[CellDiff, ...]:
        """The matched cells that fail the gate."""
        return tuple(cell for cell in self.cells if cell.regressed)

    @property
    def not_judged_on_time(self) -> tuple[CellDiff, ...]:
        """Matched cells whose times were not judged (machines differ, busy, steps vary)."""
        return tuple(cell for cell in self.cells if not cell.time_judged)

    @property
    def machine_busy(self) -> tuple[CellDiff, ...]:
        """Cells not judged on time because only wall time grew (machine busy): a warning."""
        return tuple(cell for cell in self.cells if cell.machine_busy)

    @property
    def varying_steps(self) -> tuple[CellDiff, ...]:
        """Cells not judged on time because one side's runs took different step counts."""
        return tuple(cell for cell in self.cells if cell.time_not_judged == "steps")

    @property
    def time_judged_across_machines(self) -> bool:
        """Times were judged although the machines differ (``--judge-time-anyway``)."""
        return bool(self.machines) and self.settings.judge_time_anyway

    def conditions(self) -> str:
        """What a reader must know before the verdict, in one line (``""`` when nothing).

        Examples
        --------
        >>> differ = "BASE ran with blas=2 and HEAD with blas=1"
        >>> comparison = Comparison("b", "h", GateSettings(), (), machines=differ)
        >>> print(comparison.conditions())  # doctest: +NORMALIZE_WHITESPACE
        Time not judged: BASE ran with blas=2 and HEAD with blas=1; pass --judge-time-anyway to
        judge it.
        """
        s, parts = self.settings, []
        if not s.check_time:
            parts.append("Time not judged (--no-time).")
        elif self.machines and not s.judge_time_anyway:
            parts.append(f"Time not judged: {self.machines}; pass --judge-time-anyway to judge it.")
        elif self.machines:
            parts.append(f"Time judged although the machines differ: {self.machines}.")
        busy = self.machine_busy
        if busy:
            parts.append(
                f"{len(busy)} of {len(self.cells)} cells not judged on time: machine busy "
                f"(wall time beyond {s.time_factor:g}x, but not the CPU time or, under load, the "
                "fastest samples, nor the steps; evidence below)."
            )
        steps = self.varying_steps
        if steps:
            parts.append(
                f"{len(steps)} of {len(self.cells)} cells not judged on time: their step "
                "counts differ between runs of one side."
            )
        return " ".join(parts)

    def verdict(self) -> str:
        """``"PASS: 0 of 48 matched cells regressed (BASE ... -> HEAD ...)"`` and its counts."""
        missing, busy = self.missing, self.machine_busy
        return (
            f"{'PASS' if self.passed else 'FAIL'}: {len(self.regressions)} of "
            f"{len(self.cells)} matched cells regressed"
            + (f", {len(missing)} cell(s) of BASE missing from HEAD" if missing else "")
            + (f", {len(busy)} not judged on time (machine busy)" if busy else "")
            + f" (BASE {self.base} -> HEAD {self.head})"
        )

    @property
    def missing(self) -> tuple[tuple, ...]:
        """Cells of BASE missing from HEAD that fail the gate (none with ``allow_missing``)."""
        return () if self.settings.allow_missing else self.only_base

    @property
    def passed(self) -> bool:
        """No matched cell regressed and no cell of BASE is missing from HEAD."""
        return not self.regressions and not self.missing

    def to_frame(self) -> pd.DataFrame:
        """One row per matched cell with every field, ``time_ratio`` and ``regressed``.

        ``reasons`` and ``notes`` are joined with ``"; "``.
        """
        rows = []
        for cell in self.cells:
            row = asdict(cell)
            row["reasons"] = "; ".join(cell.reasons)
            row["notes"] = "; ".join(cell.notes)
            row.update(time_ratio=cell.time_ratio, regressed=cell.regressed)
            rows.append(row)
        return pd.DataFrame(rows)


def _finite(value) -> bool:
    return value is not None and value is not pd.NA and math.isfinite(float(value))
