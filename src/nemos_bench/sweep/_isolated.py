"""Fault isolation: cells run in a worker process, with an optional per-cell time limit.

One worker (a fresh ``python`` process, see ``_worker``) imports JAX and NeMoS once and
runs cells one after the other. If a cell exceeds the time limit, or the worker dies (a
segfault, ``os.abort``, the out-of-memory killer), the worker is killed, the cell gets a
``timeout`` or ``failed`` row saying what happened, and the next cell starts a fresh
worker (which loads the user solver classes again). Exceptions and NaN results never
reach this level: :func:`run_one` turns them into ``failed``/``diverged`` rows in the worker.

The worker is a new interpreter rather than a ``multiprocessing`` child, so a script that
calls :func:`run_sweep` needs no ``if __name__ == "__main__"`` guard, and notebooks work.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from multiprocessing.connection import wait

from ..measure import CellResult, CellSettings
from ._execute import failed_cell, released
from ._sweepconfig import Cell, SweepConfig
from ._workerenv import worker_env

__all__ = ["IsolatedExecutor", "death_reason"]

_SIGNAL_HINTS = {
    "SIGSEGV": "a segmentation fault in native code",
    "SIGBUS": "a bus error in native code",
    "SIGABRT": "aborted, e.g. by a failed assertion in native code",
    "SIGKILL": "killed from outside, e.g. by the out-of-memory killer",
    "SIGTERM": "terminated from outside",
}
_ENTRY = "from nemos_bench.sweep._worker import main; main()"


def death_reason(exitcode: int | None) -> str:
    """Describe how a worker process ended, from its exit code (``-N``: killed by signal N).

    Examples
    --------
    >>> death_reason(-11)
    'The worker process died with signal SIGSEGV (a segmentation fault in native code)'
    >>> death_reason(3)
    'The worker process exited with code 3'
    """
    if exitcode is not None and exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = f"signal {-exitcode}"
        hint = _SIGNAL_HINTS.get(name)
        return f"The worker process died with signal {name}" + (f" ({hint})" if hint else "")
    return f"The worker process exited with code {exitcode}"


class _Worker:
    """The parent's handle on one worker process."""

    def __init__(self, process: subprocess.Popen, conn):
        self.process, self.conn, self.busy = process, conn, False

    @classmethod
    def start(
        cls,
        solver_classes: tuple[str, ...],
        timeout: float,
        *,
        threads: int | None = None,
        dtype: str = "float64",
    ) -> tuple[_Worker | None, str]:
        """A ready worker (JAX in ``dtype``, ``threads`` as in :func:`worker_env`), or why not."""
        conn, child = multiprocessing.Pipe(duplex=True)
        env = worker_env(threads)
        try:
            process = subprocess.Popen(
                [sys.executable, "-c", _ENTRY, str(child.fileno()), str(os.getpid())],
                pass_fds=(child.fileno(),),
                stdin=subprocess.DEVNULL,
                env=env,
                start_new_session=True,  # Ctrl-C goes to the parent only
            )
        except OSError as err:  # e.g. no more processes or memory for one
            conn.close()
            return None, f"{type(err).__name__}: {err}"
        finally:
            child.close()
        worker = cls(process, conn)
        try:
            conn.send((list(sys.path), tuple(solver_classes), dtype == "float64"))
        except OSError:
            pass  # it died at once: receive() says how
        kind, payload = worker.receive(timeout)
        if kind == "ready":
            return worker, ""
        worker.kill()
        if kind == "timeout":
            return None, f"it did not start within {timeout:g} s"
        return None, str(payload)

    def receive(self, timeout: float | None) -> tuple[str, object]:
        """Next message, or ``("timeout", None)``, or ``("died", reason)``."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            left = 1.0 if deadline is None else min(1.0, max(0.0, deadline - time.monotonic()))
            if wait([self.conn], left):
                try:
                    return self.conn.recv()
                except (EOFError, OSError):
                    break
            if self.process.poll() is not None:  # dead, the socket held open elsewhere
                break
            if deadline is not None and time.monotonic() >= deadline:
                return "timeout", None
        try:
            self.process.wait(5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        return "died", death_reason(self.process.returncode)

    def run(self, cell: Cell, settings: CellSettings, timeout: float | None):
        """``(result, healthy)`` of one cell; an unhealthy worker must be killed."""
        self.busy = True
        try:
            self.conn.send((cell, settings))
        except OSError:
            kind, payload = self.receive(5)
            return failed_cell(cell, settings, "failed", f"{payload} before this cell."), False
        kind, payload = self.receive(None)  # building or loading the problem: no limit
        if kind == "died":
            reason = f"{payload} while loading the problem."
            return failed_cell(cell, settings, "failed", reason), False
        kind, payload = self.receive(timeout)
        self.busy = False
        if kind == "result":
            return payload, True
        if kind == "timeout":
            reason = (
                f"The cell did not finish within the {timeout:g} s time limit (--timeout); "
                "its worker process was stopped."
            )
            return failed_cell(cell, settings, "timeout", reason), False
        return failed_cell(cell, settings, "failed", f"{payload} during this cell."), False

    def windows(self, rounds: int, timeout: float | None) -> tuple[dict, bool]:
        """``(samples by cell, healthy)``: the worker's further windows of its problem."""
        self.busy = True
        try:
            self.conn.send(("windows", rounds))
        except OSError:
            return {}, False
        kind, payload = self.receive(timeout)
        self.busy = False
        return (payload, True) if kind == "windows" else ({}, False)

    def kill(self) -> None:
        """Stop the worker now (SIGKILL) and reap it."""
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        self.conn.close()

    def stop(self) -> None:
        """Ask an idle worker to exit; kill it if it is busy or does not exit promptly."""
        if not self.busy:
            try:
                self.conn.send(None)
                self.process.wait(10)
            except (OSError, subprocess.TimeoutExpired):
                pass
        self.kill()


@dataclass(frozen=True)
class IsolatedExecutor:
    """Executor running each cell in a worker process, with an optional time limit.

    A worker is started once (importing JAX and NeMoS, enabling float64, registering the
    scipy solvers and loading ``config.solver_classes``) and reused for the following
    cells; after a timeout or a crash it is killed and the next cell gets a fresh one.

    Parameters
    ----------
    timeout : float or None
        Seconds a cell may take once its problem is loaded: the first ``model.fit``
        (compile included), the steady-state repeats and the trace. ``None``: no limit.
    start_timeout : float
        Seconds a new worker may take to start (import, solver validation).
    threads : int or None
        BLAS/XLA thread limit of the worker (see :func:`worker_env`); ``None``: inherited.

    Examples
    --------
    >>> from nemos_bench.sweep import IsolatedExecutor, run_sweep
    >>> run_sweep(config, "results/runs/demo", executor=IsolatedExecutor(600))  # doctest: +SKIP
    """

    timeout: float | None = None
    start_timeout: float = 600.0
    threads: int | None = None

    def __call__(self, cells: list[Cell], config: SweepConfig) -> Iterator[CellResult]:
        """Yield one :class:`CellResult` per cell, in order.

        JAX's float64 switch is process-wide: a cell of another ``dtype`` than the last
        one's gets a fresh worker. With ``rounds > 1`` a problem's results are held until
        the worker has taken their further windows (see ``_windows``); if the worker dies
        first, they keep the one window they have.
        """
        worker, dtype, held = None, None, []
        rounds = config.settings.rounds

        def release(worker):
            """The held results with their further windows; the worker, or None if it died."""
            taken = {}
            if held and worker is not None:
                # each further window is a part of one cell's work, within its time limit
                limit = None if self.timeout is None else self.timeout * len(held) * rounds
                taken, healthy = worker.windows(rounds, limit)
                if not healthy:
                    worker.kill()
                    worker = None
            out = released(held, taken)
            held.clear()
            return out, worker

        try:
            for cell in cells:
                if held and cell.spec != held[0][0].spec:
                    out, worker = release(worker)
                    yield from out
                if worker is not None and cell.dtype != dtype:
                    out, worker = release(worker)
                    yield from out
                    if worker is not None:
                        worker.stop()
                    worker = None
                if worker is None:
                    dtype = cell.dtype
                    worker, error = _Worker.start(
                        config.solver_classes,
                        self.start_timeout,
                        threads=self.threads,
                        dtype=dtype,
                    )
                    if worker is None:
                        reason = f"The worker process could not start: {error}."
                        yield failed_cell(cell, config.settings, "failed", reason)
                        continue
                result, healthy = worker.run(cell, config.settings, self.timeout)
                if not healthy:
                    worker.kill()
                    worker = None  # the held cells' solvers died with it: no more windows
                    yield from released(held, {})
                    held.clear()
                if rounds > 1 and healthy:
                    held.append((cell, result))  # until the problem's further windows
                else:
                    yield result
            out, worker = release(worker)
            yield from out
        finally:
            if worker is not None:
                worker.stop()
