"""A small git repository of NeMoS built from the installed sources, for asv history tests.

Commit 1 is NeMoS as installed (its ``site-packages/nemos`` plus a pyproject declaring its
real dependencies), commit 2 a harmless change, and commit 3 plants a regression: the
optimistix-based solvers (``LBFGS`` among them) get an absolute tolerance a million times
looser than the one asked for, so their fits stop early.
"""

import importlib.metadata
import os
import shutil
import subprocess
from pathlib import Path

import nemos

#: Where the planted regression goes, and what it does.
PLANTED_FILE = Path("nemos", "solvers", "_optimistix_adapter.py")
PLANTED = ("            atol=tol,\n", "            atol=tol * 1e6,  # planted regression\n")

PYPROJECT = """[build-system]
requires = ["setuptools>=68"]
build-backend = "setuptools.build_meta"

[project]
name = "nemos"
version = "{version}"
requires-python = "{requires_python}"
dependencies = {dependencies!r}

[tool.setuptools.packages.find]
include = ["nemos*"]

[tool.setuptools.package-data]
"*" = ["*.pyi", "*.mplstyle", "*.md"]
"""

GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@example.com",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@example.com",
}


def git(repo, *args):
    env = dict(os.environ, **GIT_IDENTITY)
    out = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, env=env)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def make_nemos_repo(repo: Path, commits: int = 3) -> list[str]:
    """Build the repository in ``repo`` with the first ``commits`` commits; their hashes."""
    dist = importlib.metadata.distribution("nemos")
    dependencies = [req for req in dist.requires or [] if "extra ==" not in req]
    shutil.copytree(
        Path(nemos.__file__).parent, repo / "nemos", ignore=shutil.ignore_patterns("__pycache__")
    )
    (repo / "pyproject.toml").write_text(
        PYPROJECT.format(
            version=dist.version,
            requires_python=dist.metadata["Requires-Python"] or ">=3.10",
            dependencies=dependencies,
        )
    )
    git(repo, "init", "-q", "-b", "main")
    steps = [
        ("NeMoS as installed", None),
        ("a harmless change", ("nemos/utils.py", lambda text: text + "\n# a comment\n")),
        ("plant a regression", (str(PLANTED_FILE), lambda text: _plant(text))),
    ]
    hashes = []
    for message, change in steps[:commits]:
        if change is not None:
            path = repo / change[0]
            path.write_text(change[1](path.read_text()))
        git(repo, "add", "-A")
        git(repo, "commit", "-q", "-m", message)
        hashes.append(git(repo, "rev-parse", "HEAD"))
    return hashes


def _plant(text: str) -> str:
    assert text.count(PLANTED[0]) == 1, "NeMoS's optimistix adapter changed: update PLANTED"
    return text.replace(*PLANTED)
