"""Run directories: their ``meta.json`` and whether a directory can hold a given run."""

from __future__ import annotations

import json
import os
from pathlib import Path

from ._journal import SUMMARY_FILE, TRACE_FILE, ResultsCorruptedError

__all__ = ["META_FILE", "RunDirectoryError", "check_run_dir", "is_temp", "read_meta"]

META_FILE = "meta.json"
_RUN_FILES = (SUMMARY_FILE, TRACE_FILE, META_FILE)


class RunDirectoryError(ValueError):
    """The output directory cannot hold this run (not writable, or another run's results)."""


def is_temp(name: str) -> bool:
    """Whether ``name`` is a temporary file left by an interrupted :func:`atomic_write_text`."""
    return name.endswith(".tmp") and any(name.startswith(f".{f}.") for f in _RUN_FILES)


def read_meta(run_dir: str | Path) -> dict:
    """Load ``meta.json`` of a run; it must hold a JSON object."""
    path = Path(run_dir) / META_FILE
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise ResultsCorruptedError(
            f"{path} line {err.lineno}: invalid JSON ({err.msg})."
        ) from None
    except UnicodeDecodeError:
        raise ResultsCorruptedError(f"{path} line 1: not UTF-8 text.") from None
    if not isinstance(meta, dict) or not isinstance(meta.get("config", {}), dict):
        raise ResultsCorruptedError(
            f"{path} line 1: expected a JSON object with a 'config' object; the file was "
            "edited or not written by nemos-bench."
        )
    return meta


def _writable(target: Path, name: str) -> None:
    if not os.access(target, os.W_OK | os.X_OK):
        where = "" if str(target) == name else f" ({str(target)!r} does not let you write)"
        raise RunDirectoryError(
            f"Output directory {name!r} is not writable{where}; pass --out with a directory "
            "you can write to."
        )


def check_run_dir(path: str | Path, config: dict) -> dict | None:
    """Check, writing nothing, that ``path`` can hold the run defined by ``config``.

    Accepted: a path that does not exist yet (below a writable directory), an empty
    directory, or the directory of an earlier run with the same ``config`` (to resume).

    Returns
    -------
    dict or None
        The existing ``meta.json`` when resuming, else ``None``.

    Raises
    ------
    RunDirectoryError
        Not writable, a file, a directory of other files, or another run's results.
    ResultsCorruptedError
        ``meta.json`` of the directory is not valid.
    """
    path = Path(path)
    name = str(path)
    if not path.exists():
        parent = next(p for p in path.absolute().parents if p.exists())
        if not parent.is_dir():
            raise RunDirectoryError(
                f"Output directory {name!r} cannot be created because {str(parent)!r} is a "
                "file; pass --out with a new directory or a run directory."
            )
        _writable(parent, name)
        return None
    if not path.is_dir():
        raise RunDirectoryError(
            f"Output directory {name!r} is a file, not a directory; pass --out with a new "
            "directory or a run directory."
        )
    _writable(path, name)
    if not (path / META_FILE).exists():
        foreign = sorted(p.name for p in path.iterdir() if not is_temp(p.name))
        if foreign:
            raise RunDirectoryError(
                f"Output directory {name!r} is not empty and holds no nemos-bench run "
                f"(it has {foreign[0]!r}); pass --out with a new or empty directory."
            )
        return None
    existing = read_meta(path)
    theirs, ours = existing.get("config", {}), json.loads(json.dumps(config))
    if theirs != ours:
        differ = sorted(k for k in set(theirs) | set(ours) if theirs.get(k) != ours.get(k))
        differ = [k for k in differ if k != "n_cells"] or differ  # derived from the others
        unrecorded = [k for k in differ if k not in theirs]
        if unrecorded:
            raise RunDirectoryError(
                f"Output directory {name!r} holds a run written by an older nemos-bench, "
                f"which did not record {', '.join(unrecorded)}; its cells were measured "
                "differently, so it cannot be resumed by this version: choose a new --out "
                "directory (or finish it with the version that started it)."
            )
        raise RunDirectoryError(
            f"Output directory {name!r} holds another run's results (suite "
            f"{theirs.get('suite')!r}, different {', '.join(differ)}); choose a new --out "
            "directory, or rerun with the same settings to resume."
        )
    return existing
