"""The harness wheel that ``nemos-bench asv init`` installs into every asv environment."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from email.parser import Parser
from pathlib import Path

from ._checks import AsvSetupError, git

__all__ = ["build_wheel", "harness_commit", "wheel_requirements"]

# Top-level entries of a harness checkout that never go into its wheel.
_SKIP_TOP = {".git", ".asv", ".venv", "build", "dist", "reports", "results", ".ci"}
_SKIP_ANY = ("__pycache__", "*.egg-info", "*.pyc", ".pytest_cache", ".ruff_cache", ".ci-venv-*")


def _copy_ignore(root: Path, exclude: Path):
    def ignore(directory: str, names: list[str]) -> set[str]:
        skipped = set(shutil.ignore_patterns(*_SKIP_ANY)(directory, names))
        if Path(directory) == root:
            skipped |= _SKIP_TOP & set(names)
        return skipped | {name for name in names if Path(directory, name) == exclude}

    return ignore


def build_wheel(checkout: Path, out_dir: Path, exclude: Path) -> Path:
    """Build the harness wheel from a clean copy of ``checkout`` (nothing written there).

    ``exclude`` (the target directory, which may lie inside the checkout) is not copied.
    """
    with tempfile.TemporaryDirectory(prefix="nemos-bench-wheel-") as tmp:
        source = Path(tmp) / "src"
        ignore = _copy_ignore(checkout, exclude)
        shutil.copytree(checkout, source, ignore=ignore, symlinks=True)
        command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out_dir)]
        built = subprocess.run([*command, str(source)], capture_output=True, text=True, timeout=900)
    wheels = sorted(out_dir.glob("nemos_bench-*.whl"))
    if built.returncode != 0 or len(wheels) != 1:
        lines = (built.stderr or built.stdout).strip().splitlines() or ["no wheel was written"]
        raise AsvSetupError(f"Building the nemos-bench wheel from {checkout} failed: {lines[-1]}")
    return wheels[0]


def wheel_requirements(wheel: Path) -> list[str]:
    """The wheel's run-time requirements except NeMoS (each commit brings its own)."""
    with zipfile.ZipFile(wheel) as archive:
        name = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        metadata = Parser().parsestr(archive.read(name).decode("utf-8"))
    kept = []
    for line in metadata.get_all("Requires-Dist") or []:
        project = re.match(r"[A-Za-z0-9._-]+", line)[0]
        if re.sub(r"[-_.]+", "-", project).lower() != "nemos" and "extra ==" not in line:
            kept.append(line)
    return kept


def harness_commit(checkout: Path) -> str:
    head = git(checkout, "rev-parse", "HEAD")
    if head.returncode != 0:
        return ""
    changed = git(checkout, "status", "--porcelain", "--untracked-files=no").stdout.strip()
    return head.stdout.strip() + ("+" if changed else "")
