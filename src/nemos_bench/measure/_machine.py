"""Where a cell ran: host, CPU model, thread settings, device and dtype (summary columns).

These facts belong to the process that fits (an in-process run, an isolated worker, a
Dask worker's subprocess), not to the parent: a distributed sweep's cells run on several
hosts and devices, and the parent of a GPU sweep never initialises a backend. They are
read once per process (:func:`machine_columns`) and added to every row it produces.
"""

from __future__ import annotations

import functools
import os
import platform
import socket

__all__ = ["cpu_model", "machine_columns", "thread_settings"]


def cpu_model() -> str:
    """The CPU's model name (``/proc/cpuinfo`` on Linux, else ``platform.processor()``).

    Examples
    --------
    >>> isinstance(cpu_model(), str) and len(cpu_model()) > 0
    True
    """
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as handle:
            for line in handle:
                if line.lower().startswith(("model name", "cpu model", "hardware")):
                    return " ".join(line.split(":", 1)[1].split())
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def thread_settings() -> str:
    """The thread settings of this process, e.g. ``"blas=1 xla=eigen_off cpus=2"``.

    ``blas`` is the largest thread count of the BLAS/OpenMP pools loaded here (as
    ``threadpoolctl`` reads them, i.e. what actually took effect); ``xla`` is ``eigen_off``
    when ``XLA_FLAGS`` turns Eigen's multi-threading off, else ``default``: a flag, not a
    thread count (on JAX 0.11 the flag left an XLA CPU matrix product using about 15 of 16
    cores, benchmarks/gpu_check.py); ``cpus`` the cores this process may run on, the bound
    that holds for XLA's own pool too.

    Examples
    --------
    >>> thread_settings().split()[0].startswith("blas=")
    True
    """
    from threadpoolctl import threadpool_info

    pools = [info.get("num_threads", 0) for info in threadpool_info()]
    blas = str(max(pools)) if pools else "none"
    flags = os.environ.get("XLA_FLAGS", "")
    xla = "eigen_off" if "--xla_cpu_multi_thread_eigen=false" in flags else "default"
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        cpus = os.cpu_count() or 0
    return f"blas={blas} xla={xla} cpus={cpus}"


@functools.lru_cache(maxsize=1)
def _static() -> dict:
    import jax

    device = jax.devices()[0]
    return {
        "host": socket.gethostname(),
        "cpu_model": cpu_model(),
        "threads": thread_settings(),
        "device": device.platform,
        "device_kind": device.device_kind,
    }


def machine_columns() -> dict:
    """Summary columns of this process: host, cpu_model, threads, device, device_kind, dtype.

    Reading the device initialises JAX's backend: call it only in a process that fits.
    ``dtype`` follows ``jax_enable_x64`` (``float64`` or ``float32``).

    Examples
    --------
    >>> row = machine_columns()
    >>> row["device"], row["dtype"]
    ('cpu', 'float64')
    """
    import jax

    return {**_static(), "dtype": "float64" if jax.config.jax_enable_x64 else "float32"}
