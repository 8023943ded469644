"""Timing rounds: further windows of a problem's cells, taken in turn after all have run once.

On a shared machine the steady-state time of a cell moves with the machine's load over
seconds: measured here, the medians of one cell's windows taken a few seconds apart in
one process differ by a log standard deviation of 0.1 to 0.25, well above the spread of
the samples inside one window. A cell timed in one window carries that window's luck
whole. With ``rounds > 1`` (as asv's ``rounds``), each ``ok`` cell keeps a callable that
takes one more window of its fitted solver; once every cell of the problem has run, the
process that ran them takes ``rounds - 1`` further windows of each, cell after cell, and
``fit_s`` becomes the median of every window's samples.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Iterable

from ..results import parse_samples
from ._cellparts import CellResult
from ._timing import Timing, timing_columns, timing_of

__all__ = ["take_windows", "with_windows"]


Window = tuple[tuple[float, ...], tuple[float, ...]]
"""One further window: its wall-time samples and their process CPU times."""


def take_windows(
    windows: dict[object, Callable[[], Timing]], rounds: int
) -> dict[object, list[Window]]:
    """Take ``rounds - 1`` further windows of every cell, in turn; their samples per key.

    A window that saw a compilation, or raised, is left out (the cell keeps the rest).

    Examples
    --------
    >>> ticks = iter(range(100))
    >>> windows = {"a": lambda: Timing(1, 1, 1, 1, 0, None, (next(ticks),))}
    >>> windows["b"] = windows["a"]
    >>> take_windows(windows, 3)
    {'a': [((0,), ()), ((2,), ())], 'b': [((1,), ()), ((3,), ())]}
    """
    kept: dict[object, list[Window]] = {key: [] for key in windows}
    for _ in range(rounds - 1):
        for key, window in windows.items():
            try:
                timing = window()
            except Exception:  # noqa: BLE001 - the cell keeps the windows it has
                continue
            if timing.compiles == 0:
                kept[key].append((tuple(timing.samples), tuple(timing.cpu_samples)))
    return kept


def with_windows(result: CellResult, windows: Iterable[Window]) -> CellResult:
    """``result`` with the samples of further ``windows`` added to its timing columns.

    ``fit_s`` and its interval, minimum and maximum become those of every sample,
    ``compile_s`` the first call's overhead over the new median (it stays NaN where it
    was: not applicable, as for outside baselines), and ``timing_windows``
    counts the windows; the process CPU times of the samples are pooled alike when every
    window has them; the cell is otherwise unchanged (and loses its window callable).

    Examples
    --------
    >>> row = {"fit_s_samples": "1.0 1.0 1.0", "end_to_end_s": 5.0, "fit_s": 1.0}
    >>> row |= {"timing_windows": 1, "trace_overhead": 2.0, "fit_cpu_s_samples": "1.0 1.0 1.0"}
    >>> more = [((3.0, 3.0, 3.0), (3.0, 3.0, 3.0)), ((2.0, 2.0, 2.0), (2.0, 2.0, 2.1))]
    >>> merged = with_windows(CellResult(row), more).summary
    >>> merged["fit_s"], merged["n_repeats"], merged["timing_windows"], merged["compile_s"]
    (2.0, 9, 3, 3.0)
    >>> merged["trace_overhead"], merged["fit_cpu_s"]
    (1.0, 2.0)
    >>> with_windows(CellResult(row | {"compile_s": float("nan")}), more).summary["compile_s"]
    nan
    """
    windows = [w for w in windows if w and w[0]]
    row = dict(result.summary)
    if not windows or not row.get("fit_s_samples"):
        return dataclasses.replace(result, window=None)
    samples = [*parse_samples(row["fit_s_samples"]), *(s for w, _ in windows for s in w)]
    cpu = list(parse_samples(row.get("fit_cpu_s_samples")))
    cpu = [*cpu, *(s for _, c in windows for s in c)] if len(cpu) else []
    if len(cpu) != len(samples):
        cpu = []
    timing = timing_of(samples, int(row.get("compiles_in_timed") or 0), cpu_samples=cpu)
    if row.get("trace_overhead") is not None and timing.median_s > 0:
        row["trace_overhead"] = row["trace_overhead"] * row["fit_s"] / timing.median_s
    compiled = row.get("compile_s")
    row.update(
        timing_columns(timing, row["end_to_end_s"]),
        timing_windows=row.get("timing_windows", 1) + len(windows),
    )
    if isinstance(compiled, float) and math.isnan(compiled):
        row["compile_s"] = math.nan  # not applicable (an outside baseline) stays so
    return dataclasses.replace(result, summary=row, window=None)
