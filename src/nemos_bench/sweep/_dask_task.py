"""The Dask task of a cell: run it in this Dask worker's cell subprocess.

Each Dask worker process keeps one cell subprocess (the worker of
:class:`IsolatedExecutor`) per settings (user solver classes, dtype, threads), started on
first use by a long-lived launcher thread (the subprocess is bound to the thread that
starts it by ``PR_SET_PDEATHSIG``, and Dask's task threads may come and go). A cell that
crashes or outlives its time limit kills only the subprocess: the task returns the cell's
``failed``/``timeout`` row and the next cell gets a fresh subprocess. One cell runs at a
time per Dask worker (a lock), as one thread per worker also ensures.
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor

from ..measure import CellResult, CellSettings
from ._execute import failed_cell
from ._isolated import _Worker
from ._sweepconfig import Cell

__all__ = ["run_task", "stop_task_workers"]

_LOCK = threading.Lock()
_WORKERS: dict[tuple, _Worker] = {}
_LAUNCHER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="nemos-bench-launcher")


def run_task(
    cell: Cell,
    settings: CellSettings,
    solver_classes: tuple[str, ...],
    timeout: float | None,
    start_timeout: float,
    threads: int | None,
    environ: dict[str, str] | None = None,
) -> CellResult:
    """Run ``cell`` in this process's cell subprocess (started if needed); its result.

    A subprocess of other settings (another dtype) is stopped first: one at a time.
    ``environ``: variables set here before a subprocess starts (the sweep's solver-registry
    choices, ``nemos_bench.solvers._clash.registry_environ``), so that a Dask worker that did
    not inherit the sweep's environment registers the same classes.
    """
    environ = dict(environ or {})
    os.environ.update(environ)
    key = (tuple(solver_classes), cell.dtype, threads, tuple(sorted(environ.items())))
    with _LOCK:
        for other in [k for k in _WORKERS if k != key]:
            _WORKERS.pop(other).stop()
        worker = _WORKERS.get(key)
        if worker is None:
            start = _LAUNCHER.submit(
                _Worker.start, key[0], start_timeout, threads=threads, dtype=cell.dtype
            )
            worker, error = start.result()
            if worker is None:
                reason = f"The worker process could not start: {error}."
                return failed_cell(cell, settings, "failed", reason)
            _WORKERS[key] = worker
        result, healthy = worker.run(cell, settings, timeout)
        if not healthy:
            _WORKERS.pop(key).kill()
        return result


def stop_task_workers() -> int:
    """Stop this process's cell subprocesses (at the end of a sweep); how many there were."""
    with _LOCK:
        stopped = len(_WORKERS)
        while _WORKERS:
            _WORKERS.popitem()[1].stop()
    return stopped
