"""Provenance recorded with every run: versions, machine, float64, git commit, command."""

from __future__ import annotations

import datetime as _dt
import os
import platform
import subprocess
import sys
from importlib import metadata
from pathlib import Path

__all__ = ["harness_commit", "provenance"]

_PACKAGES = ("nemos", "jax", "jaxlib", "scipy", "numpy", "scikit-learn", "pandas", "optimistix")
_THREAD_VARS = (
    "OPENBLAS_NUM_THREADS",
    "OMP_NUM_THREADS",
    "MKL_NUM_THREADS",
    "XLA_FLAGS",
    "XLA_PYTHON_CLIENT_PREALLOCATE",
    "XLA_PYTHON_CLIENT_MEM_FRACTION",
)


def _version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def _git(args: list[str], cwd: Path) -> str | None:
    try:
        out = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


def harness_commit(package_dir: str | Path | None = None) -> str | None:
    """Commit of the repository holding the harness's own source, or ``None``.

    ``None`` unless the package's files are tracked by git there: an installed wheel
    (site-packages, possibly inside some other repository or virtual environment) has no
    commit of its own, and the current directory's repository is not the harness's.

    Examples
    --------
    >>> import tempfile
    >>> harness_commit(tempfile.mkdtemp()) is None
    True
    """
    here = Path(__file__).resolve().parents[1] if package_dir is None else Path(package_dir)
    if _git(["ls-files", "--error-unmatch", "__init__.py"], here) is None:
        return None
    return _git(["rev-parse", "HEAD"], here)


def provenance(argv: list[str] | None = None, *, device: bool = True) -> dict:
    """Facts that make a run's numbers interpretable later.

    Parameters
    ----------
    argv : list of str, optional
        The command line (default ``sys.argv``).
    device : bool
        Read JAX's device (this initialises a backend: only for a process that fits
        itself). Otherwise ``device`` says the rows record it (columns ``host``,
        ``device``, ``device_kind``, ``dtype``), as for runs whose cells run in workers.

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
    >>> provenance(device=False)["device"]
    {'recorded': 'per row: summary columns host, device, device_kind, dtype'}
    """
    import jax

    where = {"recorded": "per row: summary columns host, device, device_kind, dtype"}
    if device:
        first = jax.devices()[0]
        where = {"platform": first.platform, "kind": first.device_kind}
    return {
        "versions": {name: _version(name) for name in _PACKAGES}
        | {"nemos-bench": _version("nemos-bench"), "python": platform.python_version()},
        "device": where,
        "x64": bool(jax.config.jax_enable_x64),
        "cpu_count": os.cpu_count(),
        "machine": {"system": platform.system(), "processor": platform.machine()},
        "thread_env": {name: os.environ.get(name) for name in _THREAD_VARS},
        "git_commit": harness_commit(),
        "command": list(sys.argv if argv is None else argv),
        "started_at": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
    }
