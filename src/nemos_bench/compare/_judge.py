"""Judging one matched cell: each reason it fails the gate, as a sentence."""

from __future__ import annotations

import math

import pandas as pd

from ._slowdown import judge_slowdown

__all__ = ["flag", "judge", "number", "outcome_of", "scale_of", "value"]


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


def _time_reasons(base: dict, head: dict, settings) -> tuple[list[str], str, bool]:
    """Time failure sentences, the evidence, and whether time was judged."""
    b_fit, h_fit = value(base, "fit_s"), value(head, "fit_s")
    if not settings.check_time or b_fit is None or h_fit is None or not b_fit > 0:
        return [], "", True
    slow = judge_slowdown(base, head, settings.time_factor, settings.alpha)
    if not slow.judged:
        return [], slow.evidence, False
    if h_fit < settings.time_floor or not slow.ratio > settings.time_factor:
        return [], slow.evidence, True
    if not slow.significant:
        return [], slow.evidence, True
    floor = f" above {settings.time_floor:g} s" if settings.time_floor > 0 else ""
    return (
        [
            f"{slow.ratio:.2f}x slower ({b_fit:.3g} s -> {h_fit:.3g} s; limit "
            f"{settings.time_factor:g}x{floor}{_steps_note(base, head)}; {slow.evidence})."
        ],
        slow.evidence,
        True,
    )


def judge(base: dict, head: dict, settings, scale: float) -> tuple[list[str], str, bool]:
    """Every reason the cell fails (one sentence each), the time evidence, and if time was judged.

    ``settings`` is the gate's ``GateSettings``; the evidence says what the slowdown test
    found (``""`` when time was not checked), or why time was not judged.
    """
    if base["status"] != "ok":
        return [], "", True  # nothing to regress from
    if head["status"] != "ok":
        return [f"status went from ok to {head['status']}."], "", True
    reasons, evidence, judged = _time_reasons(base, head, settings)
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
    if b_out == "converged" and h_out is not None and h_out != "converged":
        reasons.append(f"no longer converges (outcome converged -> {h_out}).")
    return reasons, evidence, judged


def number(row, column) -> float:
    """``row[column]`` as a float, NaN when missing."""
    found = value(row, column)
    return math.nan if found is None else float(found)


def flag(row) -> bool | None:
    """The ``converged`` flag of ``row``, ``None`` when missing."""
    found = value(row, "converged")
    return None if found is None else bool(found)
