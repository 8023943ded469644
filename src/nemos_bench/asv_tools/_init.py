"""``nemos-bench asv init``: an asv configuration whose x-axis is NeMoS's own commits.

The directory it writes holds everything one history needs, frozen at init time so that
every NeMoS commit is measured by the same harness:

- ``asv.conf.json``: ``repo`` is the NeMoS checkout; each commit is built into a wheel and
  installed with its dependencies; the harness is then installed from
- ``harness/``: a wheel of this nemos-bench checkout (in a folder named by its hash) and its
  requirements (less NeMoS);
- ``benchmarks/``: a copy of this checkout's asv suite (the same benchmarks, names and
  explicit versions as the harness's own history);
- ``results/``, ``html/``, ``env/``: asv's results, dashboard and environments.

Paths in the configuration are relative to DIR (asv runs from the directory of its
configuration, so ``asv run --config DIR/asv.conf.json`` works from anywhere), except
``repo``. Rerun with ``force=True`` to install an upgraded harness.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ._checks import (
    AsvSetupError,
    check_pythons,
    check_target_dir,
    current_branch,
    git,
    harness_checkout,
    nemos_checkout,
)
from ._wheel import build_wheel, harness_commit, wheel_requirements

__all__ = ["HistorySetup", "init_history"]

# Settings taken over from the harness's own asv.conf.json (its values, when it has them).
_SHARED = {
    "install_timeout": 1200,
    "default_benchmark_timeout": 300,
    "launch_method": "forkserver",
    "hash_length": 8,
    "regressions_thresholds": {},
}


@dataclass(frozen=True)
class HistorySetup:
    """What :func:`init_history` wrote.

    Attributes
    ----------
    config : Path
        ``DIR/asv.conf.json``.
    nemos_repo : Path
        The NeMoS checkout whose commits are benchmarked.
    branch : str
        The branch asv follows there.
    pythons : tuple of str
        One asv environment per Python version.
    harness_wheel : Path
        The nemos-bench wheel installed into every environment.
    harness_commit : str
        The harness checkout's commit (``""`` outside git), ``+`` when it had local changes.
    """

    config: Path
    nemos_repo: Path
    branch: str
    pythons: tuple[str, ...]
    harness_wheel: Path
    harness_commit: str


def _shared_settings(checkout: Path) -> dict:
    settings = dict(_SHARED)
    path = checkout / "asv.conf.json"
    if path.is_file():
        from asv.util import load_json

        own = load_json(str(path), js_comments=True)
        settings.update({key: own[key] for key in _SHARED if key in own})
    return settings


def _github_url(repo: Path) -> str | None:
    origin = git(repo, "remote", "get-url", "origin").stdout.strip()
    match = re.match(
        r"(?:https://github\.com/|git@github\.com:)([^/]+/[^/]+?)(?:\.git)?/?$", origin
    )
    return f"https://github.com/{match[1]}" if match else None


def _config(repo: Path, branch: str, pythons, wheel: str, settings: dict, provenance) -> dict:
    # install commands run in the environment's directory: {conf_dir} is DIR
    pip = "in-dir={env_dir} python -m pip install"
    github = _github_url(repo)
    conf = {
        "version": 1,
        "project": "nemos",
        "project_url": github or "https://github.com/flatironinstitute/nemos",
        "repo": str(repo),
        "branches": [branch],
        "dvcs": "git",
        "environment_type": "virtualenv",
        "pythons": list(pythons),
        "matrix": {},
        "build_command": ["python -m pip wheel --no-deps -w {build_cache_dir} {build_dir}"],
        "install_command": [
            f"{pip} {{wheel_file}}",
            f"{pip} -r {{conf_dir}}/harness/requirements.txt",
            f"{pip} --no-deps --force-reinstall {{conf_dir}}/harness/{wheel}",
        ],
        "uninstall_command": ["return-code=any python -m pip uninstall -y {project}"],
        "benchmark_dir": "benchmarks",
        "results_dir": "results",
        "html_dir": "html",
        "env_dir": "env",
        "build_cache_size": 8,
        **settings,
        "nemos_bench": provenance,
    }
    if github:
        conf["show_commit_url"] = f"{github}/commit/"
    return conf


def _replace_dir(staged: Path, final: Path) -> None:
    if final.exists():
        shutil.rmtree(final)
    staged.rename(final)


def init_history(
    nemos_repo: str | Path,
    directory: str | Path,
    *,
    pythons: list[str] | None = None,
    branch: str | None = None,
    harness: str | Path | None = None,
    force: bool = False,
) -> HistorySetup:
    """Write an asv configuration in ``directory`` that benchmarks NeMoS's own commits.

    Parameters
    ----------
    nemos_repo : path-like
        Top-level directory of a git clone of NeMoS.
    directory : path-like
        Where the configuration, the harness wheel, the benchmarks, results, dashboard and
        environments go (created if needed).
    pythons : list of str, optional
        Python versions, one asv environment each (default: this interpreter's).
    branch : str, optional
        Branch asv follows (default: the one checked out in ``nemos_repo``).
    harness : path-like, optional
        nemos-bench source checkout to install and take ``benchmarks/`` from (default: the
        one this package is installed from, editable).
    force : bool
        Rewrite an existing configuration (results are kept; the harness and benchmarks
        are replaced by this checkout's).

    Returns
    -------
    HistorySetup

    Raises
    ------
    AsvSetupError
        For a bad path, a non-git or non-NeMoS repository, an existing configuration
        without ``force``, an unknown branch or Python, or a harness wheel that fails to
        build; nothing is written then.

    Examples
    --------
    >>> setup = init_history("~/src/nemos", "~/nemos-history")  # doctest: +SKIP
    >>> setup.config  # doctest: +SKIP
    PosixPath('/home/me/nemos-history/asv.conf.json')
    >>> try:
    ...     init_history("/no/such/clone", "/tmp/nemos-history")
    ... except AsvSetupError as err:
    ...     print(err)
    --nemos-repo '/no/such/clone' is not a directory; pass a NeMoS clone.
    """
    repo = nemos_checkout(nemos_repo)
    branch = current_branch(repo, branch)
    versions = check_pythons(pythons)
    checkout = harness_checkout(harness)
    if Path(directory).expanduser().resolve() == checkout:
        raise AsvSetupError(f"--dir {str(checkout)!r} is the harness checkout; choose another.")
    target = check_target_dir(directory, force)
    created = not target.exists()
    target.mkdir(parents=True, exist_ok=True)
    try:
        provenance = _write(repo, branch, versions, checkout, target)
    except BaseException:
        if created:
            shutil.rmtree(target, ignore_errors=True)
        raise
    return HistorySetup(
        config=target / "asv.conf.json",
        nemos_repo=repo,
        branch=branch,
        pythons=versions,
        harness_wheel=target / "harness" / provenance["wheel"],
        harness_commit=provenance["commit"],
    )


def _write(repo: Path, branch: str, versions, checkout: Path, target: Path) -> dict:
    """Stage the harness wheel, the benchmarks and the configuration, then move them in."""
    with tempfile.TemporaryDirectory(prefix=".nemos-bench-init-", dir=target) as tmp:
        staged = Path(tmp)
        built = build_wheel(checkout, staged / "build", exclude=target)
        # in a folder named by its content: a rebuilt harness changes asv's install command,
        # so asv reinstalls it even into an environment that has the commit installed
        digest = hashlib.sha256(built.read_bytes()).hexdigest()[:12]
        wheel = staged / "harness" / digest / built.name
        wheel.parent.mkdir(parents=True)
        built.rename(wheel)
        (staged / "harness" / "requirements.txt").write_text(
            "\n".join(wheel_requirements(wheel)) + "\n", encoding="utf-8"
        )
        shutil.copytree(
            checkout / "benchmarks",
            staged / "benchmarks",
            ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.sh"),
        )
        from .. import __version__

        provenance = {
            "version": __version__,
            "source": str(checkout),
            "commit": harness_commit(checkout),
            "wheel": f"{digest}/{wheel.name}",
        }
        settings = _shared_settings(checkout)
        conf = _config(repo, branch, versions, provenance["wheel"], settings, provenance)
        header = (
            "// Written by `nemos-bench asv init`: asv over NeMoS's own commits, with the\n"
            "// nemos-bench harness of harness/ installed into every environment.\n"
            "// Rewrite it with `nemos-bench asv init --force` rather than by hand.\n"
        )
        (staged / "asv.conf.json").write_text(
            header + json.dumps(conf, indent=4) + "\n", encoding="utf-8"
        )
        for name in ("harness", "benchmarks"):
            _replace_dir(staged / name, target / name)
        (staged / "asv.conf.json").replace(target / "asv.conf.json")
    return provenance
