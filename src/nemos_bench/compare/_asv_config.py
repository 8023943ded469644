"""The asv configuration behind a comparison: where results are, where git refs resolve."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

__all__ = [
    "CompareError",
    "CompareSourceError",
    "asv_repo_dir",
    "asv_results_dir",
    "resolve_commit",
]

_HEX = re.compile(r"[0-9a-fA-F]{4,40}")


class CompareError(ValueError):
    """Bad input to the gate (the CLI reports it in one sentence, exit code 2)."""


class CompareSourceError(CompareError):
    """A BASE or HEAD that is neither a run directory nor an asv commit with results."""


def _load_config(config: str | Path | None) -> tuple[Path, dict] | None:
    """``(path, contents)`` of an asv configuration; ``None`` when the default one is absent."""
    path = Path("asv.conf.json" if config is None else config)
    if not path.is_file():
        if config is None:
            return None
        raise CompareSourceError(
            f"No asv configuration at {str(path)!r}; pass the asv.conf.json whose results "
            "to read (for example the one `nemos-bench asv init` wrote)."
        )
    from asv.util import UserError, load_json

    try:
        return path, load_json(str(path), js_comments=True)
    except (UserError, ValueError) as err:
        raise CompareSourceError(
            f"{str(path)!r} is not a readable asv configuration: {err}"
        ) from None


def asv_results_dir(config: str | Path | None = None) -> Path:
    """``results_dir`` of an asv configuration (``results/asv`` when there is none).

    Parameters
    ----------
    config : path-like, optional
        The configuration file; default ``./asv.conf.json`` (and ``results/asv`` without one).
    """
    loaded = _load_config(config)
    if loaded is None:
        return Path("results/asv")
    path, conf = loaded
    return (path.parent / conf.get("results_dir", "results")).resolve()


def asv_repo_dir(config: str | Path | None = None) -> Path | None:
    """The local git repository an asv configuration benchmarks, where git refs resolve.

    ``None`` (use the current directory) without a configuration or when its ``repo`` is a
    URL rather than a local directory.
    """
    loaded = _load_config(config)
    if loaded is None:
        return None
    path, conf = loaded
    repo = (path.parent / str(conf.get("repo", "."))).resolve()
    return repo if repo.is_dir() else None


def resolve_commit(ref: str, repo: Path | None = None) -> str:
    if _HEX.fullmatch(ref):
        return ref.lower()
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"],
            capture_output=True,
            text=True,
            timeout=30,
            cwd=repo,
        )
    except (OSError, subprocess.SubprocessError):
        out = None
    if out is None or out.returncode != 0 or not out.stdout.strip():
        where = f" of {repo}" if repo is not None else ""
        raise CompareSourceError(
            f"{ref!r} is neither a run directory (with summary.csv) nor a commit{where}: pass "
            "a directory written by `nemos-bench run`, or a commit hash (or git ref) with asv "
            "results."
        )
    return out.stdout.strip()
