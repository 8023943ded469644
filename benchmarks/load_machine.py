"""Load the machine reproducibly while a command runs: N busy processes, then none.

Run from the repository root::

    python benchmarks/load_machine.py -- nemos-bench run --suite quick      # N = usable cores
    python benchmarks/load_machine.py --procs 2 -- python -m pytest -q tests/test_honesty.py
    python benchmarks/load_machine.py --procs 4 --kind numpy -- nemos-bench run ...

It starts ``--procs`` busy processes (default: the cores this process may run on,
``os.sched_getaffinity``), runs the command, stops them when the command ends (also on
Ctrl-C, SIGTERM or an error), prints one line saying how many busy processes ran and for
how long, and exits with the command's exit code (128 + N when a signal N ended it).

Each busy process repeats one fixed unit of work until it is stopped: a pure-Python
integer loop (``--kind python``, the default) or an element-wise NumPy loop over a fixed
array (``--kind numpy``; element-wise ufuncs, no BLAS, so one thread each). Nothing touches
the network or the disk. Each runs in a session of its own, so Ctrl-C at the terminal
reaches the command only (this script then stops them); if this script dies without
stopping them (``kill -9``), they leave on their own: on Linux the kernel kills them
(``PR_SET_PDEATHSIG``), elsewhere each notices between two units of work that its parent is
gone. The command sees their process ids in ``LOAD_MACHINE_PIDS`` (space-separated).

Not an asv benchmark (nothing here is collected by asv); :func:`loaded` is the same load as
a context manager for other scripts.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import functools
import os
import shlex
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence

__all__ = ["KINDS", "Load", "busy_loop", "loaded", "main", "usable_cores"]

#: The kinds of fixed work a busy process can repeat.
KINDS = ("python", "numpy")
#: Environment variable through which the command sees the busy processes' ids.
PIDS_ENV = "LOAD_MACHINE_PIDS"
_BUSY = "--busy-process"  # internal: argv of a busy process (see loaded())
_PR_SET_PDEATHSIG = 1


def usable_cores() -> int:
    """The cores this process may run on (its CPU affinity; the CPU count elsewhere)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def _python_unit() -> None:
    total = 0
    for i in range(200_000):  # ~10 ms of one core
        total += i * i % 7


def _numpy_unit(state: dict) -> None:
    import numpy as np

    if "a" not in state:
        state["a"] = np.linspace(0.0, 1.0, 100_000)
    a = state["a"]
    for _ in range(10):
        np.sin(a, out=a)
        np.add(a, 0.5, out=a)


def busy_loop(kind: str, parent: int) -> int:
    """Body of a busy process: repeat ``kind``'s fixed unit of work until stopped.

    Stops on SIGTERM, or when ``parent`` is gone; returns the units of work done.
    """
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)

    def stop(signum, frame):
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    state: dict = {}
    units = 0
    try:
        while os.getppid() == parent:
            if kind == "numpy":
                _numpy_unit(state)
            else:
                _python_unit()
            units += 1
    except SystemExit:
        pass
    return units


class Load:
    """The busy processes of a :func:`loaded` block: their ids, and the work they did."""

    def __init__(self, processes: list[subprocess.Popen]):
        self.processes = processes
        self.units = 0  # set when the block ends

    @property
    def pids(self) -> list[int]:
        """Process ids of the busy processes."""
        return [process.pid for process in self.processes]


@contextlib.contextmanager
def loaded(procs: int | None = None, kind: str = "python") -> Iterator[Load]:
    """Keep ``procs`` busy processes running inside the ``with`` block.

    Each runs in a session of its own (Ctrl-C at a terminal does not reach it). They are
    stopped (SIGTERM, then SIGKILL if need be) and reaped when the block ends, however it
    ends; ``Load.units`` then holds the units of work they did. ``procs=None`` means one
    per usable core, ``0`` none.

    Examples
    --------
    >>> with loaded(1) as load:
    ...     len(load.pids)
    1
    >>> load.units >= 0 and all(p.poll() is not None for p in load.processes)
    True
    """
    procs = usable_cores() if procs is None else procs
    if kind not in KINDS:
        raise ValueError(f"kind {kind!r} is not a kind of busy work; give one of {KINDS}.")
    if procs < 0:
        raise ValueError(f"procs {procs!r} is negative; give 0 or more busy processes.")
    load = Load([])
    command = [sys.executable, os.path.abspath(__file__), _BUSY, kind, str(os.getpid())]
    try:
        for _ in range(procs):
            load.processes.append(
                subprocess.Popen(
                    command,
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.PIPE,
                    text=True,
                    start_new_session=True,
                )
            )
        yield load
    finally:
        for process in load.processes:
            if process.poll() is None:
                process.terminate()
        for process in load.processes:
            try:
                out, _ = process.communicate(timeout=10)
            except subprocess.TimeoutExpired:  # pragma: no cover - SIGTERM is handled
                process.kill()
                out, _ = process.communicate()
            load.units += int(out) if out.strip().isdigit() else 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="load_machine.py",
        description="Run COMMAND with N busy processes beside it; exit with its exit code.",
    )
    parser.add_argument(
        "--procs",
        type=int,
        default=None,
        help=f"busy processes (default: the usable cores, here {usable_cores()})",
    )
    parser.add_argument(
        "--kind", choices=KINDS, default="python", help="busy work (default: python)"
    )
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- COMMAND [ARG ...]")
    return parser


def _exit_code(returncode: int) -> int:
    """The shell's exit code for a child's return code (``-N``: killed by signal N)."""
    return 128 - returncode if returncode < 0 else returncode


def _before_exec(previous_int) -> None:  # in the command's process, between fork and exec
    # this script's Ctrl-C handling (Python's handler becomes the default; an ignored Ctrl-C,
    # as in a shell's background job, stays ignored), and SIGTERM no longer blocked
    signal.signal(
        signal.SIGINT, signal.SIG_IGN if previous_int == signal.SIG_IGN else signal.SIG_DFL
    )
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})


def _sigterm_blocked(block: bool) -> None:
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_BLOCK if block else signal.SIG_UNBLOCK, {signal.SIGTERM})


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line's COMMAND under load; return its exit code."""
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == [_BUSY]:  # a busy process of loaded()
        print(busy_loop(argv[1], int(argv[2])), flush=True)
        return 0
    parser = _parser()
    args = parser.parse_args(argv)
    command = list(args.command)
    if command[:1] == ["--"]:
        command = command[1:]
    if not command:
        parser.error("no COMMAND given; put it after --, e.g. -- python -c 'print(1)'")
    if args.procs is not None and args.procs < 0:
        parser.error(f"--procs {args.procs} is negative; give 0 or more busy processes")
    procs = usable_cores() if args.procs is None else args.procs

    def stop(signum, frame):  # SIGTERM: the finally blocks below stop everything
        raise SystemExit(128 + signum)

    previous = signal.signal(signal.SIGTERM, stop)
    previous_int = signal.getsignal(signal.SIGINT)
    start = time.monotonic()
    child, load = None, None
    try:
        with loaded(procs, args.kind) as load:
            env = {**os.environ, PIDS_ENV: " ".join(map(str, load.pids))}
            # Ctrl-C reaches the command itself (the terminal's whole process group); here it
            # is ignored from before the command starts until this script has stopped
            # everything and said so. A KeyboardInterrupt raised between waitpid and Popen
            # recording the status lost the status (Popen then reads 0); one raised inside
            # Popen, after the fork, lost the child; so would a SIGTERM there, which waits
            # (blocked) until Popen has returned. The command gets back this script's Ctrl-C
            # handling, and SIGTERM unblocked, before it starts.
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            _sigterm_blocked(True)
            try:
                before_exec = functools.partial(_before_exec, previous_int)
                child = subprocess.Popen(command, env=env, preexec_fn=before_exec)
            except OSError as err:
                print(f"load_machine: cannot run {command[0]!r}: {err}", file=sys.stderr)
                return 127
            finally:
                _sigterm_blocked(False)
            returncode = child.wait()
    finally:
        if child is not None and child.poll() is None:  # SIGTERM or an error here
            child.terminate()
            try:
                child.wait(10)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
        signal.signal(signal.SIGTERM, previous)
        seconds = time.monotonic() - start
        print(
            f"load_machine: {procs} busy process(es) ({args.kind} loops) ran for "
            f"{seconds:.1f} s beside `{shlex.join(command)}` and are stopped "
            f"({load.units if load else 0} units of fixed work done).",
            file=sys.stderr,
            flush=True,
        )
        signal.signal(signal.SIGINT, previous_int)
    return _exit_code(returncode)


if __name__ == "__main__":
    sys.exit(main())
