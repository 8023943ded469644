"""The worker process of an isolated sweep (the child side of :class:`IsolatedExecutor`).

Started as ``python -c "from nemos_bench.sweep._worker import main; main()" FD PPID``, a
fresh interpreter (never a re-import of the caller's ``__main__``), in its own session (so
Ctrl-C reaches only the parent, which stops the worker). It talks to the parent over the
socket ``FD`` with :class:`multiprocessing.connection.Connection` messages.

Parent → worker: ``(sys_path, solver_classes, x64)`` once, then ``(cell, settings)`` to run a
cell, ``None`` to stop. Worker → parent: ``("ready", names)`` or ``("error", reason)``
once; then, for each cell, ``("loaded", error_or_None)`` when its problem is in memory
(the time limit starts there) and ``("result", CellResult)``.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
import time
from multiprocessing.connection import Connection

__all__ = ["main", "serve"]

_PR_SET_PDEATHSIG = 1


def _die_with_parent(parent: int) -> None:
    """Exit as soon as the parent process dies, even if it was killed with ``kill -9``.

    Linux delivers SIGKILL to the worker when its parent dies (``prctl``); elsewhere, and
    as a fallback, a daemon thread polls the parent's pid.
    """
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        except (OSError, AttributeError):  # pragma: no cover
            pass

    def watch() -> None:
        while True:
            if os.getppid() != parent:
                os._exit(70)
            time.sleep(0.5)

    threading.Thread(target=watch, name="nemos-bench-parent-watch", daemon=True).start()


def _start(solver_classes: tuple[str, ...], x64: bool) -> list[str]:
    import jax

    from ..solvers import register_validated_solvers

    jax.config.update("jax_enable_x64", True)  # NeMoS's solver validator runs in float64
    names = register_validated_solvers(solver_classes)  # the parent has validated them
    jax.config.update("jax_enable_x64", x64)  # the cells' dtype (float32: x64 off)
    return names


def _registry_name(label: str) -> str:
    """The registry name of a cell's solver label (the label itself if malformed)."""
    from ..solvers import SolverLabelError, registry_name

    try:
        return registry_name(label)
    except SolverLabelError:
        return label


def _unknown(solver: str) -> str:
    from ..solvers import KEEP_ENV, kept_records

    kept = kept_records().get(solver)
    if kept is not None:  # another package's class, kept by the parent, not importable here
        return (
            f"{solver} is not registered in the worker process: the parent keeps {kept} "
            f"under that name ({KEEP_ENV}), which cannot be imported here; define that class "
            "in an importable module, or run in-process."
        )
    return (
        f"{solver} is not registered in the worker process: a solver registered at run time "
        "runs isolated only if it is loaded as a solver class (--solver-class, "
        "SweepConfig.solver_classes); otherwise run in-process."
    )


def serve(conn: Connection, solver_classes: tuple[str, ...], x64: bool = True) -> None:
    """Worker main loop: set up JAX and the solvers once, then run cells until told to stop.

    Parameters
    ----------
    conn : multiprocessing.connection.Connection
        The worker's end of the connection.
    solver_classes : tuple of str
        ``package.module:ClassName`` user solvers to load and register, as in the parent.
    x64 : bool
        JAX float64 (cells of dtype float64) or not (float32).
    """
    try:
        names = _start(tuple(solver_classes), x64)
        from ..solvers import available_solvers, baseline_names
        from ._execute import ProblemCache, failed_cell
    except Exception as err:  # noqa: BLE001 - reported to the parent as the reason
        conn.send(("error", f"{type(err).__name__}: {' '.join(str(err).split())[:300]}"))
        return
    conn.send(("ready", names))
    known, cache = set(available_solvers()) | set(baseline_names()), ProblemCache()
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        if message[0] == "windows":  # the current problem's further windows (rounds)
            conn.send(("windows", cache.more_windows(message[1])))
            continue
        cell, settings = message
        conn.send(("loaded", cache.load(cell.spec)))
        if _registry_name(cell.solver) in known:  # rows carry the cell's label
            result = cache.run(cell, settings)
        else:
            result = failed_cell(cell, settings, "failed", _unknown(_registry_name(cell.solver)))
        conn.send(("result", result))


def main() -> None:
    """Entry point of the worker process: ``argv`` holds the socket's fd and the parent pid."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    fd, parent = int(sys.argv[1]), int(sys.argv[2])
    _die_with_parent(parent)
    conn = Connection(fd)
    try:
        sys_path, solver_classes, x64 = conn.recv()
    except (EOFError, OSError):
        return
    sys.path[:] = list(dict.fromkeys([*sys_path, *sys.path]))  # import user classes as the parent
    serve(conn, solver_classes, x64)
