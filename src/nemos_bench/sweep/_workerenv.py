"""The environment of a worker process: thread limits and GPU memory, set before JAX starts.

BLAS pools and XLA read their thread settings once, when they load, so they must be in the
worker's environment before it imports NumPy or JAX; :func:`worker_env` builds it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

__all__ = ["BLAS_THREAD_VARS", "SHARED_MACHINE_WARNING", "XLA_ONE_THREAD", "worker_env"]

#: Variables through which BLAS and OpenMP libraries read their thread count.
BLAS_THREAD_VARS = (
    "OPENBLAS_NUM_THREADS",
    "OMP_NUM_THREADS",
    "MKL_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
)
#: XLA flag that runs XLA's CPU computations on the calling thread (no Eigen pool).
XLA_ONE_THREAD = "--xla_cpu_multi_thread_eigen=false"
#: Printed whenever several workers share one machine.
SHARED_MACHINE_WARNING = (
    "Several workers share one machine: their cells run side by side and compete for cores, "
    "memory bandwidth and caches, so their timings are not comparable to those of a "
    "dedicated machine (compare times only between runs made the same way)."
)
#: The directory holding the ``nemos_bench`` package, so the worker imports this very copy.
PACKAGE_ROOT = str(Path(__file__).resolve().parents[2])
_GPU_MEMORY_VARS = ("XLA_PYTHON_CLIENT_PREALLOCATE", "XLA_PYTHON_CLIENT_MEM_FRACTION")


def worker_env(threads: int | None = None, base: Mapping[str, str] | None = None) -> dict:
    """Environment for a worker process.

    Parameters
    ----------
    threads : int or None
        Thread limit for BLAS/OpenMP (every variable of :data:`BLAS_THREAD_VARS`) and, when
        1, for XLA's CPU backend (:data:`XLA_ONE_THREAD` added to ``XLA_FLAGS``). ``None``
        leaves the inherited settings alone.
    base : mapping, optional
        Environment to start from (default: this process's).

    Returns
    -------
    dict
        ``base`` with the package on ``PYTHONPATH``, GPU memory pre-allocation off unless
        the user set ``XLA_PYTHON_CLIENT_PREALLOCATE`` or ``XLA_PYTHON_CLIENT_MEM_FRACTION``
        (each JAX process would otherwise claim 75% of the GPU's memory), and the limits.

    Examples
    --------
    >>> env = worker_env(1, base={})
    >>> env["OPENBLAS_NUM_THREADS"], env["XLA_FLAGS"], env["XLA_PYTHON_CLIENT_PREALLOCATE"]
    ('1', '--xla_cpu_multi_thread_eigen=false', 'false')
    >>> worker_env(None, base={"XLA_PYTHON_CLIENT_MEM_FRACTION": ".2"}).get("XLA_FLAGS")
    """
    env = dict(os.environ if base is None else base)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [PACKAGE_ROOT, env.get("PYTHONPATH")]))
    if not any(name in env for name in _GPU_MEMORY_VARS):
        env["XLA_PYTHON_CLIENT_PREALLOCATE"] = "false"
    if threads is None:
        return env
    if isinstance(threads, bool) or not isinstance(threads, int) or threads < 1:
        raise ValueError(f"threads must be an integer >= 1 or None, got {threads!r}.")
    for name in BLAS_THREAD_VARS:
        env[name] = str(threads)
    flags = env.get("XLA_FLAGS", "").split()
    flags = [f for f in flags if not f.startswith("--xla_cpu_multi_thread_eigen")]
    if threads == 1:
        flags.append(XLA_ONE_THREAD)
    if flags:
        env["XLA_FLAGS"] = " ".join(flags)
    else:
        env.pop("XLA_FLAGS", None)
    return env
