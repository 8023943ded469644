"""How busy the machine was: per cell (load average, usable cores), per run (CPU share).

A cell's row gets the 1-minute load average and the number of cores its process may run on,
read in that process at the start and the end of the cell (:func:`cell_conditions`); the
sweep records in ``meta.json`` how much of the machine's CPU time other processes took while
it ran (:func:`machine_load`), from ``/proc/stat`` (Linux) less this process's own CPU time
and that of its finished children (``os.times``): the isolated workers and the Dask
processes are children that the sweep has waited for by then.
"""

from __future__ import annotations

import math
import os
import time
from dataclasses import dataclass

__all__ = [
    "LoadSnapshot",
    "cell_conditions",
    "load_average",
    "machine_load",
    "usable_cores",
]


def load_average() -> float:
    """The 1-minute load average, or NaN where the system has none.

    Examples
    --------
    >>> load_average() >= 0
    True
    """
    try:
        return float(os.getloadavg()[0])
    except (AttributeError, OSError):  # pragma: no cover - not Unix
        return math.nan


def usable_cores() -> int:
    """The cores this process may run on (its CPU affinity; the CPU count elsewhere).

    Examples
    --------
    >>> 1 <= usable_cores() <= (os.cpu_count() or 1)
    True
    """
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def cell_conditions(start: tuple[float, int], end: tuple[float, int]) -> tuple[dict, str]:
    """Summary columns ``load_start``, ``load_end``, ``usable_cores``, and a note if cores changed.

    ``start`` and ``end`` are ``(load_average(), usable_cores())`` read at the start and
    the end of a cell; ``usable_cores`` is the value at the start.

    Examples
    --------
    >>> cell_conditions((1.5, 2), (2.0, 2))
    ({'load_start': 1.5, 'load_end': 2.0, 'usable_cores': 2}, '')
    >>> cell_conditions((1.5, 2), (2.0, 1))[1]
    'The usable cores changed from 2 to 1 during this cell.'
    """
    columns = {"load_start": start[0], "load_end": end[0], "usable_cores": start[1]}
    note = ""
    if start[1] != end[1]:
        note = f"The usable cores changed from {start[1]} to {end[1]} during this cell."
    return columns, note


def _proc_stat(path: str = "/proc/stat") -> tuple[float, int] | None:
    """``(busy CPU seconds of all CPUs since boot, number of CPUs)``, or ``None``."""
    try:
        with open(path, encoding="ascii") as handle:
            lines = handle.read().splitlines()
        ticks = os.sysconf("SC_CLK_TCK")
        fields = [int(v) for v in lines[0].split()[1:9]]  # user .. steal
        cpus = sum(1 for line in lines[1:] if line.startswith("cpu") and line[3:4].isdigit())
    except (OSError, ValueError, IndexError, AttributeError):
        return None
    if len(fields) < 5 or cpus < 1 or ticks <= 0:
        return None
    idle = fields[3] + fields[4]  # idle + iowait
    return (sum(fields) - idle) / ticks, cpus


def _own_cpu() -> float:
    """CPU seconds of this process and of its children that have been waited for."""
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


@dataclass(frozen=True)
class LoadSnapshot:
    """What :func:`machine_load` compares: taken at the start and at the end of a run."""

    wall: float
    stat: tuple[float, int] | None
    own_cpu: float
    load: float
    cores: int

    @classmethod
    def take(cls, stat_path: str = "/proc/stat") -> LoadSnapshot:
        """The machine's counters now.

        Examples
        --------
        >>> LoadSnapshot.take().cores >= 1
        True
        """
        return cls(
            time.monotonic(), _proc_stat(stat_path), _own_cpu(), load_average(), usable_cores()
        )

    def start_record(self) -> dict:
        """The ``machine_load`` entry of ``meta.json`` written when a run starts."""
        return _finite({"load_avg_start": self.load, "usable_cores": self.cores})


def _finite(record: dict) -> dict:
    return {k: round(v, 3) if isinstance(v, float) else v for k, v in record.items()
            if not (isinstance(v, float) and not math.isfinite(v))}  # fmt: skip


def machine_load(start: LoadSnapshot, end: LoadSnapshot) -> dict:
    """The ``machine_load`` entry of ``meta.json``: how busy the machine was during a run.

    ``other_cpu_share`` is the CPU time of every other process (busy time in ``/proc/stat``
    less this process tree's own) over ``wall time x CPUs``: 0 on an otherwise idle
    machine, 0.5 when others kept half of the CPUs busy. It is absent where ``/proc/stat``
    could not be read (not Linux) or the run was too short to tell (under a second).

    Examples
    --------
    >>> a = LoadSnapshot(0.0, (100.0, 2), 10.0, 0.5, 2)
    >>> b = LoadSnapshot(10.0, (120.0, 2), 15.0, 2.5, 2)
    >>> record = machine_load(a, b)  # 20 busy CPU-s, 5 of them ours, over 10 s x 2 CPUs
    >>> record["other_cpu_share"], record["load_avg_start"], record["load_avg_end"]
    (0.75, 0.5, 2.5)
    """
    record = start.start_record() | _finite({"load_avg_end": end.load})
    if end.cores != start.cores:
        record["usable_cores_end"] = end.cores
    wall = end.wall - start.wall
    if start.stat is None or end.stat is None or wall < 1.0 or start.stat[1] != end.stat[1]:
        return record
    busy = end.stat[0] - start.stat[0]
    other = max(0.0, busy - (end.own_cpu - start.own_cpu))
    share = min(1.0, other / (wall * end.stat[1]))
    return record | {"other_cpu_share": round(share, 3), "cpus": end.stat[1]}
