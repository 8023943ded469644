"""Cells as Dask tasks: a sweep on a ``distributed`` cluster, local or remote.

Each cell is one task. On its Dask worker the task runs the cell in a worker *subprocess*
of the kind :class:`IsolatedExecutor` uses (see ``_dask_task``), kept from task to task, so
JAX and NeMoS are imported once per Dask worker and a crash or timeout inside a cell is a
row, not a lost Dask worker. Results stream back to this process (``as_completed``),
which stays the only writer of the run directory.

Why cells rather than per-(problem, solver) groups: a lost worker then costs one cell,
retried alone; a result is committed as soon as its fit ends (a group would hold four
tolerances' results until its last fit, losing them all to a crash or Ctrl-C); and the
scheduler balances single fits, whose times differ by orders of magnitude. Tasks are
submitted in plan order with decreasing priority and the scheduler hands each worker one
task at a time (``worker-saturation`` 1), so every worker walks through the problems in
order and loads (and warms up) each problem at most once.

A Dask worker that dies (killed, out of memory) takes its running cell with it: the
scheduler reports ``KilledWorker`` for it (``allowed-failures`` 0 on the harness's own
cluster), this process resubmits that cell once, and if it is lost again records it as
``failed`` with a sentence saying so. Results are matched to cells by task key and
written once, so nothing is lost and nothing is duplicated.
"""

from __future__ import annotations

import logging
import os
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from ..solvers import registry_environ
from ._dask_task import run_task, stop_task_workers
from ._execute import failed_cell
from ._scheduler import SchedulerUnreachableError, probe_scheduler
from ._sweepconfig import Cell, SweepConfig
from ._workerenv import SHARED_MACHINE_WARNING

__all__ = [
    "CONNECT_TIMEOUT_S",
    "DASK_CONFIG",
    "SHARED_MACHINE_THREADS",
    "DaskExecutor",
    "lost_twice_reason",
]

#: BLAS/XLA threads of each cell subprocess when several Dask workers share a host and
#: ``threads`` is not given (see :data:`SHARED_MACHINE_WARNING`).
SHARED_MACHINE_THREADS = 1

#: Seconds ``Client`` may take to connect to a scheduler that answered :meth:`DaskExecutor.check`
#: (distributed's default): a busy cluster's handshake may be slow, a dead one is caught before.
CONNECT_TIMEOUT_S = 30.0

#: Settings of the harness's own cluster: no silent retries (this process retries a lost
#: cell once itself), one task at a time per worker thread, and no thread variables forced
#: on the workers by their nannies (the cell subprocesses get theirs from ``threads``).
DASK_CONFIG = {
    "distributed.scheduler.allowed-failures": 0,
    "distributed.scheduler.worker-saturation": 1.0,
    "distributed.nanny.pre-spawn-environ": {},
}


def lost_twice_reason(cell_label: str) -> str:
    """Reason recorded for a cell whose Dask worker died on both attempts.

    Examples
    --------
    >>> lost_twice_reason("LBFGS[scipy]").split(":")[0]
    'The Dask worker running this cell died twice (the cell was retried once on another worker)'
    """
    return (
        "The Dask worker running this cell died twice (the cell was retried once on another "
        f"worker): {cell_label} likely kills or exhausts its host (memory?); run it alone "
        "with nemos-bench run --solvers to see what happens."
    )


def _workers_per_host(client) -> dict[str, int]:
    hosts: dict[str, int] = {}
    for info in client.scheduler_info().get("workers", {}).values():
        host = info.get("host", "?")
        hosts[host] = hosts.get(host, 0) + 1
    return hosts


@dataclass(frozen=True)
class DaskExecutor:
    """Executor running each cell as a Dask task; yields ``(cell, result)`` as they finish.

    Parameters
    ----------
    workers : int or None
        Start a ``distributed.LocalCluster`` of this many worker processes (one thread
        each) for the sweep, and close it at the end.
    scheduler : str or None
        Address of an existing Dask scheduler (e.g. one started by dask-jobqueue); its
        workers are used as they are and their cell subprocesses stopped at the end.
    timeout : float or None
        Per-cell time limit (as :class:`IsolatedExecutor`).
    threads : int or None
        BLAS/XLA threads of each cell subprocess; ``None``: :data:`SHARED_MACHINE_THREADS`
        (1) when a host runs several workers (then :data:`SHARED_MACHINE_WARNING` is
        issued), else inherited.
    start_timeout : float
        Seconds a cell subprocess may take to start.
    say : callable, optional
        Receives notes for the user (default: ``warnings.warn``).

    Examples
    --------
    >>> from nemos_bench.sweep import DaskExecutor, run_sweep
    >>> run_sweep(config, "results/runs/demo", executor=DaskExecutor(workers=2))  # doctest: +SKIP
    """

    workers: int | None = None
    scheduler: str | None = None
    timeout: float | None = None
    threads: int | None = None
    start_timeout: float = 600.0
    say: Callable[[str], None] | None = None
    unordered = True  # yields (cell, result) pairs in completion order

    def _note(self, text: str) -> None:
        if self.say is not None:
            self.say(text)
        else:
            warnings.warn(text, stacklevel=3)

    def check(self) -> None:
        """Raise :class:`SchedulerUnreachableError` unless the ``scheduler`` answers.

        ``run_sweep`` calls it before it creates the run directory, so a dead scheduler
        is reported within seconds (:data:`PROBE_TIMEOUT_S`) and leaves nothing behind.
        """
        if self.scheduler is not None:
            probe_scheduler(self.scheduler)

    def _connect(self):
        """``(client, cluster_or_None)`` for this executor's cluster."""
        import dask
        from distributed import Client, LocalCluster

        if self.scheduler is not None:
            try:
                return Client(self.scheduler, timeout=CONNECT_TIMEOUT_S), None
            except (OSError, TimeoutError) as err:  # run_sweep's check() passed moments ago
                message = " ".join(str(err).split())[:200]
                raise SchedulerUnreachableError(
                    f"The Dask scheduler at {self.scheduler} did not accept a client "
                    f"({type(err).__name__}: {message}); check that it is running and "
                    "reachable from here, then run the same command again to resume."
                ) from None
        with dask.config.set(DASK_CONFIG):
            cluster = LocalCluster(
                n_workers=self.workers or 1,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                silence_logs=logging.ERROR,
            )
            return Client(cluster), cluster

    def __call__(self, cells: list[Cell], config: SweepConfig) -> Iterator[tuple[Cell, object]]:
        """Yield ``(cell, CellResult)`` for every cell, in the order they finish."""
        if not cells:
            return
        from distributed import as_completed

        environ = dict(os.environ)  # a local cluster's nannies write into it: restored below
        client, cluster = self._connect()
        threads = self.threads
        try:
            shared = (
                any(n > 1 for n in _workers_per_host(client).values()) or (self.workers or 0) > 1
            )
            if shared:
                self._note(SHARED_MACHINE_WARNING)
                threads = SHARED_MACHINE_THREADS if threads is None else threads
            options = (config.solver_classes, self.timeout, self.start_timeout, threads)
            registry = registry_environ()  # kept solver classes: the same on every worker
            tasks: dict[str, tuple[Cell, int]] = {}

            def submit(index: int, attempt: int):
                cell = cells[index]
                key = f"nemos-bench-cell-{index}-try{attempt}"
                tasks[key] = (index, attempt)
                return client.submit(
                    run_task,
                    cell,
                    config.settings,
                    *options,
                    registry,
                    key=key,
                    priority=len(cells) - index,
                    pure=False,
                )

            pending = as_completed([submit(i, 0) for i in range(len(cells))])
            written: set[int] = set()
            for future in pending:
                index, attempt = tasks.pop(future.key)
                cell = cells[index]
                try:
                    result = future.result()
                except Exception as err:  # noqa: BLE001 - KilledWorker, lost connection, ...
                    if _lost_worker(err) and attempt == 0:
                        pending.add(submit(index, 1))
                        continue
                    if _lost_worker(err):
                        reason = lost_twice_reason(cell.label)
                    else:
                        message = " ".join(str(err).split())[:300]
                        reason = f"The Dask task failed: {type(err).__name__}: {message}"
                    result = failed_cell(cell, config.settings, "failed", reason)
                finally:
                    future.release()
                if index in written:  # pragma: no cover - a key is submitted once per try
                    continue
                written.add(index)
                yield cell, result
        finally:
            _shutdown(client, cluster)
            if cluster is not None:
                os.environ.clear()
                os.environ.update(environ)


def _lost_worker(err: BaseException) -> bool:
    from distributed.scheduler import KilledWorker

    return isinstance(err, KilledWorker)


def _shutdown(client, cluster) -> None:
    """Cancel what is left, stop the cell subprocesses, close the client (and cluster)."""
    try:
        if cluster is None:
            client.run(stop_task_workers)  # the scheduler's workers outlive the sweep
    except Exception:  # noqa: BLE001, S110 - best effort on the way out
        pass
    client.close()
    if cluster is not None:
        cluster.close()
