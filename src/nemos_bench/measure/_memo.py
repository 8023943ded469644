"""The checks that a cell's time is the time of a fit: no memo, no warm start, a floor.

See ``_fresh`` (fresh, sign-flipped data for every timed repeat, and the probe that
repeats the last timed call's arrays), ``_floor`` (what a fit's steps must cost at least)
and ``_honesty`` (repeats that must redo the first fit).
"""

from __future__ import annotations

from ._floor import below_floor_reason, evaluation_cost
from ._fresh import FreshData, probe_repeated
from ._honesty import SAME_DATA_REPEATS, NotRepeatable, RepeatRecord
from ._timing import block

__all__ = ["check_memo", "same_data"]


def check_memo(problem, model, fitted, solver, timing, fresh: FreshData, steps: int):
    """Fail a fit answered faster on repeated arrays, or timed below what its steps cost.

    See ``_fresh`` (the probe that repeats the last timed call's arrays) and ``_floor``.
    """
    probe_s, reason = probe_repeated(fitted.run, fresh, timing.min_s, solver, steps)
    if reason is not None:
        raise NotRepeatable(reason)
    seconds = min(timing.median_s, probe_s)
    floor = evaluation_cost(problem.spec, model, fresh.params0, fresh.X, fresh.y)
    if below_floor_reason(solver, seconds, steps, floor) is not None:
        floor = evaluation_cost(problem.spec, model, None, None, None, again=True)
        reason = below_floor_reason(solver, seconds, steps, floor)
        if reason is not None:
            raise NotRepeatable(reason)


def same_data(fitted, record: RepeatRecord, params0, X, y) -> RepeatRecord:
    """``SAME_DATA_REPEATS`` untimed calls on the first fit's data, recorded as repeats.

    One call on that data comes first, unrecorded: a warm start would begin it from the
    last timed repeat's answer, on sign-flipped data, and the repeats after it from an
    answer to this very data, as after the first fit.
    """
    block(fitted.run(params0, X, y))
    again = RepeatRecord(fitted, record.first_params, None)
    again.first_steps = record.first_steps
    for index in range(SAME_DATA_REPEATS):
        again(index, block(fitted.run(params0, X, y)))
    return again
