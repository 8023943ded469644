"""The gate on workloads (``workloads.csv``): judged like cells, on wall time and accuracy.

A workload row of BASE is matched with HEAD's on ``(problem_id, workload, solver, tol)``
and fails when, with BASE ``ok``:

- HEAD's is not ``ok`` any more (failed or skipped);
- HEAD's median wall time exceeds ``time_factor`` times BASE's and the slowdown beyond
  the factor is real by the cells' rule (``_slowdown.judge_slowdown`` on the runs' wall
  times: Mann-Whitney U on the samples where they can reach ``alpha``, else HEAD's fastest
  run slower than the factor times BASE's slowest): a NeMoS change that makes every
  GridSearchCV clone compile again (NeMoS #547) shows here;
- fewer of HEAD's fits reach epsilon of their own certified optimum than BASE's.

The wall time is judged under the cells' conditions: not when BASE and HEAD ran on
different machines or settings (``machines``, the sentence of ``_machines``) unless
``judge_time_anyway``; and a wall-time slowdown that the runs' process CPU time
(``cpu_s``, ``cpu_s_samples``) does not confirm is *not judged on time: machine busy*
(``_contention.judge_contention``, the cells' rule), a warning with its evidence, not a
failure. Rows written before ``cpu_s`` are judged on wall time alone, as before.

Compilations per run are reported beside, not judged on their own: their cost is in the
wall time. Only run directories (not asv results, not pooled sides) hold workloads.
"""

from __future__ import annotations

import math
from pathlib import Path

from ..results import WORKLOAD_KEY, parse_samples, read_workloads
from ._contention import judge_contention
from ._slowdown import judge_slowdown

__all__ = ["judge_workloads"]


def _timing(row: dict) -> dict:
    """The row's times under the cell column names the slowdown and contention rules read."""
    samples = parse_samples(row.get("wall_s_samples"))
    timing = {
        "fit_s": row.get("wall_s"),
        "fit_s_samples": row.get("wall_s_samples"),
        "fit_cpu_s": row.get("cpu_s"),
        "fit_cpu_s_samples": row.get("cpu_s_samples"),
    }
    if samples.size:
        timing |= {"fit_s_min": float(samples.min()), "fit_s_max": float(samples.max())}
    return timing


def _number(row: dict, name: str) -> float:
    value = row.get(name)
    return math.nan if value is None else float(value)


def _judge(base: dict, head: dict, settings, machines: str = "") -> tuple[list[str], str]:
    """The failure sentences, and why time was not judged (``""`` when it was, or passed)."""
    if base["status"] != "ok":
        return [], ""
    if head["status"] != "ok":
        return [f"status went from ok to {head['status']}."], ""
    reasons, not_judged = [], ""
    b_wall, h_wall = _number(base, "wall_s"), _number(head, "wall_s")
    if settings.check_time and machines and not settings.judge_time_anyway:
        not_judged = f"time not judged: {machines}"
    elif settings.check_time and b_wall > 0 and h_wall > settings.time_factor * b_wall:
        b_time, h_time = _timing(base), _timing(head)
        slow = judge_slowdown(b_time, h_time, settings.time_factor, settings.alpha)
        busy = None
        if slow.significant:
            busy = judge_contention(
                b_time, h_time, slow.ratio, settings.time_factor, settings.alpha
            )
        if busy is not None and busy.busy:
            not_judged = f"not judged on time: machine busy ({busy.evidence})"
        elif slow.significant:
            cpu = f"; CPU time {busy.cpu_ratio:.2f}x" if busy is not None else ""
            compiles = (
                f"; compilations per run {_number(base, 'compiles'):g} -> "
                f"{_number(head, 'compiles'):g}"
            )
            reasons.append(
                f"{slow.ratio:.2f}x slower end to end ({b_wall:.3g} s -> {h_wall:.3g} s; limit "
                f"{settings.time_factor:g}x; {slow.evidence}{cpu}{compiles})."
            )
    b_reached, h_reached = _number(base, "fits_reached"), _number(head, "fits_reached")
    if h_reached < b_reached or (math.isnan(h_reached) and not math.isnan(b_reached)):
        reasons.append(
            f"fewer fits reach epsilon {_number(head, 'epsilon'):g} of their certified optima "
            f"({b_reached:g} -> {h_reached:g} of {int(_number(head, 'n_fits'))}; worst "
            f"(f - f*)/max(1,|f*|) {_number(head, 'max_rel_subopt'):.3g})."
        )
    return reasons, not_judged


def judge_workloads(base, head, settings, machines: str = "") -> tuple[list[str], bool]:
    """Lines describing each matched workload and whether any failed the gate.

    ``base`` and ``head`` are run directories (anything else holds no workloads: no lines).
    A workload of BASE missing from HEAD fails unless ``settings.allow_missing``.
    ``machines`` is the comparison's sentence on how BASE's and HEAD's machines differ
    (``Comparison.machines``; ``""``: the same or unknown). A workload whose time was not
    judged (machines differ, or machine busy) says so on its line, with ``warning:``
    when the machine was busy; it does not fail on time.

    Examples
    --------
    >>> import tempfile
    >>> from nemos_bench.compare import GateSettings
    >>> from nemos_bench.results import append_workload_rows
    >>> row = dict(problem_id="p", workload="cv", solver="A", tol=1e-6, status="ok",
    ...            wall_s=1.0, wall_s_samples="1.0 1.1 0.9", fits_reached=10, n_fits=10)
    >>> base, head = tempfile.mkdtemp(), tempfile.mkdtemp()
    >>> _ = append_workload_rows(base, [row])
    >>> _ = append_workload_rows(head, [dict(row, wall_s=3.0, wall_s_samples="3.0 3.1 2.9")])
    >>> lines, failed = judge_workloads(base, head, GateSettings())
    >>> failed, lines[-1].split(": ")[1][:25]
    (True, 'FAIL 3.00x slower end to ')
    """
    try:
        sides = [read_workloads(p) if Path(p).is_dir() else None for p in (base, head)]
    except (TypeError, OSError):
        return [], False
    if sides[0] is None and sides[1] is None:
        return [], False
    if sides[0] is None or sides[1] is None:
        which = "BASE" if sides[0] is None else "HEAD"
        return [f"Workloads not compared: {which} has no workloads.csv."], False
    rows = [
        {tuple(r[k] for k in WORKLOAD_KEY): r for r in frame.to_dict("records")} for frame in sides
    ]
    lines, failed = [f"Workloads ({len(rows[0])} in BASE, {len(rows[1])} in HEAD):"], False
    for key, b in rows[0].items():
        name = f"{key[1]} {key[2]} tol={key[3]:g} on {key[0]}"
        h = rows[1].get(key)
        if h is None:
            failed = failed or not settings.allow_missing
            lines.append(
                f"  {name}: {'missing' if settings.allow_missing else 'FAIL missing'} from HEAD."
            )
            continue
        reasons, not_judged = _judge(b, h, settings, machines)
        failed = failed or bool(reasons)
        verdict = "FAIL " + " ".join(reasons) if reasons else "ok"
        if not_judged.startswith("not judged on time"):
            verdict = f"warning: {not_judged}" + (f"; {verdict}" if reasons else "")
        elif not_judged:
            verdict += f"; {not_judged}"
        lines.append(f"  {name}: {verdict}")
    return lines, failed
