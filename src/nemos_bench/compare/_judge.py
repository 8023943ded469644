"""Judging one matched cell: each reason it fails the gate, as a sentence."""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from ..results import FITTED_STATUSES, recompile_sentence
from ._contention import judge_contention
from ._slowdown import judge_slowdown

__all__ = [
    "Verdict",
    "compile_free",
    "flag",
    "judge",
    "number",
    "outcome_of",
    "recompile_sentence_of",
    "scale_of",
    "value",
]


@dataclass(frozen=True)
class Verdict:
    """What :func:`judge` found about one matched cell.

    Attributes
    ----------
    reasons : tuple of str
        Why the cell fails, one sentence each (empty: it passes).
    evidence : str
        What the time test found, or why time was not judged (``""``: time not checked).
    judged : bool
        False when time was not judged (``not_judged`` says why).
    not_judged : str
        ``""``, ``"steps"`` (step counts differ between runs of one side), ``"busy"``
        (machine busy: wall time slower, but not the CPU time or, under load, the fastest
        samples, nor the work) or ``"machines"`` (BASE and HEAD ran on different machines
        or settings).
    notes : tuple of str
        Remarks on a cell that do not fail it (e.g. it no longer compiles on every call).
    """

    reasons: tuple[str, ...] = ()
    evidence: str = ""
    judged: bool = True
    not_judged: str = ""
    notes: tuple[str, ...] = ()


def value(row, column):
    """``row[column]``, ``None`` when missing, NA or NaN."""
    found = row.get(column)
    if found is None or found is pd.NA or (isinstance(found, float) and math.isnan(found)):
        return None
    return found


def scale_of(base: dict, head: dict) -> float:
    """``max(1, |f*|)`` of a cell (from BASE's or HEAD's f*, else BASE's objective)."""
    for row in (base, head):
        f_star = value(row, "reference_objective")
        if f_star is not None:
            return max(1.0, abs(float(f_star)))
    objective = value(base, "objective")
    return max(1.0, abs(float(objective))) if objective is not None else 1.0


def outcome_of(row) -> str | None:
    """``converged``, ``max_steps`` or ``not_converged`` of an ok row; ``None`` when unknown.

    Sources without an ``outcome`` column (older run directories, asv results) get it from
    the ``converged`` and ``reached_max_steps`` flags.
    """
    outcome = value(row, "outcome")
    if outcome:
        return str(outcome)
    converged = flag(row)
    if converged is None:
        return None
    if converged:
        return "converged"
    return "max_steps" if value(row, "reached_max_steps") else "not_converged"


def _steps_note(base: dict, head: dict) -> str:
    """``"; HEAD took 28 steps, BASE 5"`` when the two sides' step counts differ, else ``""``."""
    b_steps, h_steps = value(base, "n_steps"), value(head, "n_steps")
    if b_steps is None or h_steps is None or int(b_steps) == int(h_steps):
        return ""
    return f"; HEAD took {int(h_steps)} steps, BASE {int(b_steps)}"


def _load(base: dict, head: dict) -> str:
    """``"; load average BASE 0.4, HEAD 3.9 (2 cores)"`` from what the rows record, else ``""``."""
    parts = []
    for name, row in (("BASE", base), ("HEAD", head)):
        found = [number(row, c) for c in ("load_start", "load_end")]
        found = [v for v in found if math.isfinite(v)]
        if found:
            parts.append(f"{name} {max(found):.1f}")
    if not parts:
        return ""
    cores = number(head, "usable_cores")
    on = f" ({cores:.0f} cores)" if math.isfinite(cores) else ""
    return f"; load average {', '.join(parts)}{on}"


def _time(base: dict, head: dict, settings) -> Verdict:
    """The time failure sentence (if any), the evidence, and whether time was judged."""
    b_fit, h_fit = value(base, "fit_s"), value(head, "fit_s")
    if not settings.check_time or b_fit is None or h_fit is None or not b_fit > 0:
        return Verdict()
    slow = judge_slowdown(base, head, settings.time_factor, settings.alpha)
    if not slow.judged:
        return Verdict(evidence=slow.evidence, judged=False, not_judged="steps")
    if h_fit < settings.time_floor or not slow.ratio > settings.time_factor:
        return Verdict(evidence=slow.evidence)
    if not slow.significant:
        return Verdict(evidence=slow.evidence)
    busy = judge_contention(base, head, slow.ratio, settings.time_factor, settings.alpha)
    if busy is not None and busy.busy:
        evidence = f"not judged on time: machine busy ({busy.evidence}{_load(base, head)})"
        return Verdict(evidence=evidence, judged=False, not_judged="busy")
    cpu = f"; CPU time {busy.cpu_ratio:.2f}x" if busy is not None else ""
    if busy is not None and math.isfinite(busy.fastest_ratio):
        cpu += f"; fastest of all samples {busy.fastest_ratio:.2f}x{_load(base, head)}"
    floor = f" above {settings.time_floor:g} s" if settings.time_floor > 0 else ""
    reason = (
        f"{slow.ratio:.2f}x slower ({b_fit:.3g} s -> {h_fit:.3g} s; limit "
        f"{settings.time_factor:g}x{floor}{_steps_note(base, head)}; {slow.evidence}{cpu})."
    )
    return Verdict((reason,), slow.evidence + cpu)


def compile_free(row) -> bool:
    """Whether a row is known to compile 0 times per steady-state call.

    Status ``ok`` with ``compiles_per_call`` 0, or without it and ``compiles_in_timed``
    0 (runs written before ``compiles_per_call``); ``False`` when neither is recorded
    (asv results).
    """
    if row.get("status") != "ok":
        return False
    per_call, in_timed = value(row, "compiles_per_call"), value(row, "compiles_in_timed")
    if per_call is not None:
        return float(per_call) == 0
    return in_timed is not None and float(in_timed) == 0


def recompile_sentence_of(row) -> str:
    """:func:`~nemos_bench.results.recompile_sentence` of a ``recompiles`` row or cell."""
    fit = value(row, "recompile_fit_s")
    fit = fit if fit is not None else value(row, "fit_s")
    compile_s = value(row, "compile_s")
    return recompile_sentence(
        str(row["solver"]),
        math.nan if compile_s is None else float(compile_s),
        math.nan if fit is None else float(fit),
    )


def _recompiles(base: dict, head: dict) -> tuple[list[str], list[str]]:
    """The failure when HEAD compiles on every call and BASE did not; the note in reverse."""
    if compile_free(base) and head["status"] == "recompiles":
        per_call = value(head, "compiles_per_call")
        count = f"{float(per_call):g}" if per_call is not None else "at least 1"
        return [
            f"compiles on every call now (BASE 0 compilations per call, HEAD {count}): "
            f"{recompile_sentence_of(head)}"
        ], []
    if base["status"] == "recompiles" and compile_free(head):
        return [], [
            "no longer compiles on every call (HEAD 0 compilations per call; an improvement); "
            f"at BASE: {recompile_sentence_of(base)}"
        ]
    return [], []


def judge(base: dict, head: dict, settings, scale: float, machines: str = "") -> Verdict:
    """Judge one matched cell: every reason it fails (one sentence each), and its time.

    ``settings`` is the gate's ``GateSettings``; ``machines`` names how BASE's and HEAD's
    machines differ (``""``: the same, or unknown): their times are then not judged unless
    ``settings.judge_time_anyway``. Rows that hold a measured fit have status ``ok`` or
    ``recompiles``; a cell that compiled 0 times per call at BASE and recompiles at HEAD
    fails whatever its time.
    """
    if base["status"] not in FITTED_STATUSES:
        return Verdict()  # nothing to regress from
    if head["status"] not in FITTED_STATUSES:
        return Verdict((f"status went from {base['status']} to {head['status']}.",))
    reasons, notes = _recompiles(base, head)
    if machines and settings.check_time and not settings.judge_time_anyway:
        time = Verdict(evidence=f"time not judged: {machines}", judged=False, not_judged="machines")
    else:
        time = _time(base, head, settings)
    reasons += time.reasons
    allowed = settings.objective_rtol * scale
    for column, what in (("objective", "objective"), ("suboptimality", "suboptimality")):
        b_val, h_val = value(base, column), value(head, column)
        if b_val is None:
            continue
        if h_val is None or not math.isfinite(float(h_val)):
            reasons.append(f"{what} is missing or not finite (BASE {b_val:.6g}).")
            break
        if float(h_val) - float(b_val) > allowed:
            reasons.append(
                f"{what} worse by {float(h_val) - float(b_val):.3g} ({b_val:.10g} -> "
                f"{h_val:.10g}; allowed {allowed:.3g} = {settings.objective_rtol:g} x "
                f"max(1, |f*|))."
            )
            break  # objective and suboptimality differ by f* only: one sentence is enough
    else:
        b_sub, h_sub = value(base, "suboptimality"), value(head, "suboptimality")
        if b_sub is not None and h_sub is not None:
            limit = settings.subopt_factor * max(float(b_sub), settings.subopt_floor * scale)
            if float(h_sub) > limit:
                reasons.append(
                    f"suboptimality grew from {float(b_sub):.3g} to {float(h_sub):.3g} "
                    f"(more than {settings.subopt_factor:g}x, floor "
                    f"{settings.subopt_floor:g} x max(1, |f*|))."
                )
    b_out, h_out = outcome_of(base), outcome_of(head)
    # a converged fit at a tol below float64's floor is the same fit, named more honestly
    if b_out == "converged" and h_out not in (None, "converged", "float64_precision"):
        reasons.append(f"no longer converges (outcome converged -> {h_out}).")
    return Verdict(tuple(reasons), time.evidence, time.judged, time.not_judged, tuple(notes))


def number(row, column) -> float:
    """``row[column]`` as a float, NaN when missing."""
    found = value(row, column)
    return math.nan if found is None else float(found)


def flag(row) -> bool | None:
    """The ``converged`` flag of ``row``, ``None`` when missing."""
    found = value(row, "converged")
    return None if found is None else bool(found)
