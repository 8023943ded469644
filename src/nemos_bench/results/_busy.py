"""Was the machine busy while a run took its times? One sentence for the CLI and the report.

A run records how much of the machine's CPU time other processes took while it ran
(``meta.json``'s ``machine_load.other_cpu_share``, Linux) and, per cell, the 1-minute load
average at its start and end beside the cores it could use (summary columns ``load_start``,
``load_end``, ``usable_cores``). The thresholds below, and the measurements behind them,
are explained in ``docs/methodology.md`` ("Busy machines").
"""

from __future__ import annotations

import math

import pandas as pd

__all__ = ["BUSY_CPU_SHARE", "BUSY_LOAD_PER_CORE", "busy_machine_sentence", "cell_was_busy"]

#: A run was taken on a busy machine when other processes used more than this share of
#: the machine's CPU time while it ran (e.g. half a core of 2).
BUSY_CPU_SHARE = 0.25
#: Where that share is unknown (not Linux, a ``--scheduler`` cluster, an interrupted run):
#: busy when, in at least a quarter of the cells, the load average (this run's own processes
#: included) exceeded this many runnable processes per usable core. A quarter, not most:
#: the 1-minute average lags, so load that starts with the run shows in its later cells.
BUSY_LOAD_PER_CORE = 1.25

_CONSEQUENCE = "its times may be inflated and noisier than on a quiet machine."


def _number(value) -> float:
    try:
        value = float(value)
    except (TypeError, ValueError):
        return math.nan
    return value


def cell_was_busy(row) -> bool:
    """Whether a cell's load average, at its start or end, exceeded the busy threshold.

    Parameters
    ----------
    row : mapping
        A summary row, with ``load_start``, ``load_end`` and ``usable_cores``.

    Returns
    -------
    bool
        True when the larger recorded load average is above :data:`BUSY_LOAD_PER_CORE`
        per usable core; False when the cell recorded no load (older runs).

    Examples
    --------
    >>> cell_was_busy({"load_start": 1.0, "load_end": 2.6, "usable_cores": 2})
    True
    >>> cell_was_busy({"load_start": 2.4, "load_end": None, "usable_cores": 2})
    False
    >>> cell_was_busy({"fit_s": 0.01})
    False
    """
    cores = _number(row.get("usable_cores"))
    loads = [_number(row.get(key)) for key in ("load_start", "load_end")]
    loads = [v for v in loads if math.isfinite(v)]
    return bool(loads) and cores > 0 and max(loads) > BUSY_LOAD_PER_CORE * cores


def _cell_loads(summary: pd.DataFrame) -> pd.DataFrame:
    """Cells that recorded their load: columns ``load_start``, ``load_end``, ``usable_cores``."""
    columns = ["load_start", "load_end", "usable_cores"]
    if not set(columns) <= set(summary.columns):
        return pd.DataFrame(columns=columns, dtype=float)
    frame = summary[columns].apply(pd.to_numeric, errors="coerce")
    return frame[
        frame["load_start"].notna() & frame["load_end"].notna() & (frame["usable_cores"] > 0)
    ]


def _load_range(cells: pd.DataFrame, record: dict) -> str:
    """``"load 3.1-4.0"``: the lowest and highest load average read (cells, else the run)."""
    values = list(cells["load_start"]) + list(cells["load_end"])
    if not values:
        values = [_number(record.get(key)) for key in ("load_avg_start", "load_avg_end")]
    values = [v for v in values if math.isfinite(v)]
    if not values:
        return ""
    low, high = f"{min(values):.1f}", f"{max(values):.1f}"
    return f"load {low}" if low == high else f"load {low}-{high}"


def busy_machine_sentence(summary: pd.DataFrame, meta: dict | None) -> str | None:
    """The warning that a run's times were taken on a busy machine, or ``None``.

    Busy when other processes used more than :data:`BUSY_CPU_SHARE` of the machine's CPU
    time during the run; where the run recorded no such share, when at least a quarter of
    the cells saw a load average above :data:`BUSY_LOAD_PER_CORE` per usable core. Runs that recorded
    neither (older runs) get no sentence.

    Parameters
    ----------
    summary : pandas.DataFrame
        The run's summary table.
    meta : dict or None
        The run's ``meta.json``.

    Returns
    -------
    str or None

    Examples
    --------
    >>> rows = pd.DataFrame({"load_start": [3.1, 3.5], "load_end": [3.4, 4.0],
    ...                      "usable_cores": [2, 2]})
    >>> busy_machine_sentence(rows, {"machine_load": {"other_cpu_share": 0.48, "cpus": 2}})
    'This run was taken on a busy machine: other processes used 48% of the 2 CPUs (load 3.1-4.0); its times may be inflated and noisier than on a quiet machine.'
    >>> busy_machine_sentence(rows, {"machine_load": {"other_cpu_share": 0.02, "cpus": 2}})
    >>> busy_machine_sentence(rows, {})  # no share recorded: judged on the load averages
    'This run was taken on a busy machine: the load average exceeded 1.25 per usable core in 2 of 2 cells (load 3.1-4.0 on 2 cores); its times may be inflated and noisier than on a quiet machine.'
    """  # noqa: E501
    record = (meta or {}).get("machine_load") if isinstance(meta, dict) else None
    record = record if isinstance(record, dict) else {}
    cells = _cell_loads(summary)
    share = _number(record.get("other_cpu_share"))
    if math.isfinite(share):
        if share <= BUSY_CPU_SHARE:
            return None
        cpus = record.get("cpus") or record.get("usable_cores")
        of = f" of the {cpus:g} CPUs" if isinstance(cpus, (int, float)) else " of the CPUs"
        loads = _load_range(cells, record)
        return (
            f"This run was taken on a busy machine: other processes used {share:.0%}{of}"
            f"{f' ({loads})' if loads else ''}; {_CONSEQUENCE}"
        )
    if cells.empty:
        return None
    over = sum(cell_was_busy(row) for row in cells.to_dict("records"))
    if over == 0 or over * 4 < len(cells):
        return None
    cores = "/".join(str(int(c)) for c in sorted(set(cells["usable_cores"])))
    return (
        f"This run was taken on a busy machine: the load average exceeded "
        f"{BUSY_LOAD_PER_CORE:g} per usable core in {over} of {len(cells)} cells "
        f"({_load_range(cells, record)} on {cores} cores); {_CONSEQUENCE}"
    )
