"""Provenance recorded with every run: versions, machine, float64, git commit, command."""

from __future__ import annotations

import datetime as _dt
import os
import platform
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import jax

__all__ = ["provenance"]

_PACKAGES = ("nemos", "jax", "jaxlib", "scipy", "numpy", "scikit-learn", "pandas", "optimistix")
_THREAD_VARS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "XLA_FLAGS")


def _version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def _git_commit() -> str | None:
    here = Path(__file__).resolve().parent
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=here, capture_output=True, text=True, timeout=10
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


def provenance(argv: list[str] | None = None) -> dict:
    """Facts that make a run's numbers interpretable later.

    Returns
    -------
    dict
        ``versions`` (nemos, jax, jaxlib, scipy, numpy, scikit-learn, ...), ``device``,
        ``x64``, ``cpu_count``, thread environment variables, ``git_commit`` of the harness,
        ``command`` and ``started_at`` (UTC, ISO 8601).

    Examples
    --------
    >>> sorted(provenance())[:3]
    ['command', 'cpu_count', 'device']
    """
    device = jax.devices()[0]
    return {
        "versions": {name: _version(name) for name in _PACKAGES}
        | {"nemos-bench": _version("nemos-bench"), "python": platform.python_version()},
        "device": {"platform": device.platform, "kind": device.device_kind},
        "x64": bool(jax.config.jax_enable_x64),
        "cpu_count": os.cpu_count(),
        "machine": {"system": platform.system(), "processor": platform.machine()},
        "thread_env": {name: os.environ.get(name) for name in _THREAD_VARS},
        "git_commit": _git_commit(),
        "command": list(sys.argv if argv is None else argv),
        "started_at": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
    }
