"""Checks of ``nemos-bench asv init``'s input: the NeMoS checkout, the harness, Pythons, DIR.

Each check raises :class:`AsvSetupError` with one sentence that names the bad value and what
is accepted, before anything is written.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

__all__ = [
    "AsvSetupError",
    "check_pythons",
    "check_target_dir",
    "current_branch",
    "git",
    "harness_checkout",
    "nemos_checkout",
    "project_name",
]


class AsvSetupError(ValueError):
    """Bad input to ``nemos-bench asv`` (the CLI reports it in one sentence, exit code 2)."""


def git(repo: Path, *args: str) -> subprocess.CompletedProcess:
    """Run ``git -C repo *args`` (text output, never raising on a non-zero status)."""
    try:
        return subprocess.run(
            ["git", "-C", str(repo), *args], capture_output=True, text=True, timeout=60
        )
    except FileNotFoundError:
        raise AsvSetupError("git is not installed; asv needs it to check out commits.") from None


def project_name(pyproject_text: str) -> str | None:
    """The normalized ``[project] name`` of a ``pyproject.toml`` text, if it has one.

    Examples
    --------
    >>> project_name('[project]' + chr(10) + 'name = "NeMoS_Bench"')
    'nemos-bench'
    """
    try:
        name = tomllib.loads(pyproject_text).get("project", {}).get("name")
    except tomllib.TOMLDecodeError:
        return None
    return re.sub(r"[-_.]+", "-", name).lower() if isinstance(name, str) else None


def nemos_checkout(path: str | Path) -> Path:
    """The top-level directory of a git checkout of NeMoS with at least one commit."""
    repo = Path(path).expanduser()
    if not repo.is_dir():
        raise AsvSetupError(f"--nemos-repo {str(path)!r} is not a directory; pass a NeMoS clone.")
    repo = repo.resolve()
    top = git(repo, "rev-parse", "--show-toplevel")
    if top.returncode != 0:
        raise AsvSetupError(
            f"--nemos-repo {str(repo)!r} is not a git repository; pass a clone of NeMoS "
            "(git clone https://github.com/flatironinstitute/nemos)."
        )
    if Path(top.stdout.strip()).resolve() != repo:
        raise AsvSetupError(
            f"--nemos-repo {str(repo)!r} is inside the git repository {top.stdout.strip()!r}; "
            "pass its top-level directory."
        )
    if git(repo, "rev-parse", "--verify", "--quiet", "HEAD^{commit}").returncode != 0:
        raise AsvSetupError(f"--nemos-repo {str(repo)!r} has no commits yet; pass a NeMoS clone.")
    shown = git(repo, "show", "HEAD:pyproject.toml")
    name = project_name(shown.stdout) if shown.returncode == 0 else None
    if name != "nemos":
        found = f"names the project {name!r}" if name else "has no [project] name"
        if shown.returncode != 0:
            found = "has no pyproject.toml"
        raise AsvSetupError(
            f"--nemos-repo {str(repo)!r} is not a NeMoS checkout: its committed HEAD "
            f"{found}, not 'nemos'."
        )
    return repo


def current_branch(repo: Path, branch: str | None) -> str:
    """``branch`` if it names a commit of ``repo``, else the branch checked out there."""
    if branch is None:
        found = git(repo, "symbolic-ref", "--quiet", "--short", "HEAD")
        if found.returncode != 0:
            raise AsvSetupError(
                f"{str(repo)!r} has a detached HEAD, so there is no branch to follow; pass "
                "--branch NAME (for NeMoS, usually development or main)."
            )
        return found.stdout.strip()
    if git(repo, "rev-parse", "--verify", "--quiet", f"{branch}^{{commit}}").returncode != 0:
        raise AsvSetupError(
            f"--branch {branch!r} is not a branch of {str(repo)!r}; pass one that "
            "`git branch --list` shows there."
        )
    return branch


def check_pythons(pythons: list[str] | None) -> tuple[str, ...]:
    """Python versions (``X.Y``) asv can use: a working ``pythonX.Y`` on PATH, or this one.

    asv takes the first ``pythonX.Y`` on PATH (falling back to the interpreter running it),
    so a broken one there (e.g. a pyenv shim of a version pyenv does not activate) would
    fail every environment: it is refused here, before anything is written.
    """
    here = f"{sys.version_info[0]}.{sys.version_info[1]}"
    versions = tuple(dict.fromkeys(pythons or [here]))
    for version in versions:
        if not re.fullmatch(r"3\.\d+", version):
            raise AsvSetupError(f"--python {version!r} is not a version like 3.12.")
        found = shutil.which(f"python{version}")
        if found is None:
            if version == here:
                continue
            raise AsvSetupError(
                f"--python {version}: no python{version} on PATH (asv builds its "
                f"environments with it); put one on PATH or use --python {here}."
            )
        probe = "import sys; print('%d.%d' % sys.version_info[:2])"
        try:
            ran = subprocess.run([found, "-c", probe], capture_output=True, text=True, timeout=60)
            works = ran.returncode == 0 and ran.stdout.strip() == version
        except (OSError, subprocess.SubprocessError):
            works = False
        if not works:
            raise AsvSetupError(
                f"--python {version}: python{version} on PATH ({found}) does not run as "
                f"Python {version}, and asv would build its environments with it; put a "
                f"working python{version} first on PATH (e.g. activate a virtual environment)."
            )
    return versions


def check_target_dir(directory: str | Path, force: bool) -> Path:
    """The directory to write into: absent, or a writable directory without a config."""
    target = Path(directory).expanduser().resolve()
    if target.exists() and not target.is_dir():
        raise AsvSetupError(f"--dir {str(target)!r} is a file; pass a directory.")
    if (target / "asv.conf.json").exists() and not force:
        raise AsvSetupError(
            f"--dir {str(target)!r} already holds an asv.conf.json; pass --force to rewrite "
            "it (results are kept) or choose another directory."
        )
    existing = next((p for p in (target, *target.parents) if p.exists()), None)
    if existing is None or not os.access(existing, os.W_OK | os.X_OK):
        raise AsvSetupError(f"--dir {str(target)!r} cannot be written here; choose another.")
    return target


def harness_checkout(path: str | Path | None) -> Path:
    """A source checkout of nemos-bench: ``path``, or the one this package runs from."""
    if path is None:
        import nemos_bench

        candidate = Path(nemos_bench.__file__).resolve().parents[2]
        how = "the running nemos_bench is not installed from a source checkout; pass --harness"
    else:
        candidate = Path(path).expanduser().resolve()
        how = f"--harness {str(path)!r} is not a nemos-bench source checkout; pass one"
    pyproject = candidate / "pyproject.toml"
    name = project_name(pyproject.read_text(encoding="utf-8")) if pyproject.is_file() else None
    if name != "nemos-bench" or not (candidate / "benchmarks" / "fit.py").is_file():
        raise AsvSetupError(
            f"{how} (a directory with nemos-bench's pyproject.toml and benchmarks/, e.g. a "
            "git clone installed with `pip install -e`)."
        )
    return candidate
