"""A record that these scipy classes, from this code, passed NeMoS's ridge tests here.

NeMoS's validator runs two ridge fits per class (with and without auxiliary output): about
1.5 s for the six classes on an idle 2-core machine, 3.5 s on a busy one, paid by every
``nemos-bench`` command before its first cell. Its outcome depends only on the classes' code
and the libraries they run on, so it is recorded once per installation: a marker file in
the cache directory, named by a hash of this package's source files and of the versions of
nemos, jax, jaxlib, scipy and numpy. Later processes with the same key still register each
class through NeMoS's validator, without the ridge tests (as worker processes always did).
A changed file or library gives a new key, so the ridge tests run again; deleting the
cache directory's ``validated/`` folder does the same.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import os
import tempfile
from pathlib import Path

from ..problems import default_cache_dir

__all__ = ["already_validated", "record_validated", "validation_marker"]

_LIBRARIES = ("nemos", "jax", "jaxlib", "scipy", "numpy")


def _version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "absent"


def validation_marker() -> Path:
    """The marker file of this installation: the cache's ``validated/scipy-<key>``.

    Examples
    --------
    >>> marker = validation_marker()
    >>> marker.parent.name, marker.name.startswith("scipy-")
    ('validated', True)
    """
    digest = hashlib.sha256()
    for dist in _LIBRARIES:
        digest.update(f"{dist}={_version(dist)};".encode())
    for path in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return default_cache_dir() / "validated" / f"scipy-{digest.hexdigest()[:24]}"


def already_validated() -> bool:
    """Whether the ridge tests passed here for this code and these library versions."""
    return validation_marker().exists()


def record_validated() -> None:
    """Write the marker (atomically); an unwritable cache only means validating again."""
    marker = validation_marker()
    try:
        marker.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=marker.parent, prefix=".tmp-")
        with os.fdopen(fd, "w") as out:
            out.write(" ".join(f"{d}={_version(d)}" for d in _LIBRARIES) + "\n")
        os.replace(tmp, marker)
    except OSError:
        pass
