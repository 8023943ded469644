"""``nemos-bench asv init`` and ``nemos-bench asv publish``."""

from __future__ import annotations

import argparse
import functools
import shlex
import subprocess
import sys
from collections import Counter
from pathlib import Path

from rich.console import Console

from ._checks import AsvSetupError, git
from ._fetch import gather_assets
from ._init import init_history
from ._offline import VENDOR_DIR, make_offline
from ._vendored import VENDORED, npm_registry

__all__ = ["add_asv_parser", "run_asv"]


def add_asv_parser(subparsers) -> argparse.ArgumentParser:
    """Add the ``asv`` command (with ``init`` and ``publish``) to the CLI's subparsers."""
    asv = subparsers.add_parser(
        "asv",
        help="asv set-ups: benchmark NeMoS's own history; an offline dashboard",
        description="Set up asv runs over NeMoS's own commits, and publish dashboards that "
        "load nothing from the network.",
    )
    commands = asv.add_subparsers(dest="asv_command", required=True, metavar="ASV_COMMAND")
    init = commands.add_parser(
        "init",
        help="write an asv configuration whose commits are a NeMoS checkout's",
        description="Write DIR/asv.conf.json: asv builds each commit of the NeMoS checkout, "
        "installs it with this nemos-bench (a wheel built now, in DIR/harness) and runs this "
        "checkout's benchmarks (copied to DIR/benchmarks); results and dashboard stay in DIR.",
    )
    init.add_argument("--nemos-repo", required=True, metavar="PATH", help="a git clone of NeMoS")
    init.add_argument("--dir", required=True, metavar="DIR", help="where everything goes")
    init.add_argument(
        "--python",
        action="append",
        metavar="X.Y",
        help="Python version of an environment; repeat for several (default: this one's)",
    )
    init.add_argument("--branch", help="branch to follow (default: the one checked out)")
    init.add_argument(
        "--harness",
        metavar="PATH",
        help="nemos-bench checkout to install (default: the one running, if editable)",
    )
    init.add_argument(
        "--force", action="store_true", help="rewrite DIR's configuration (results are kept)"
    )
    publish = commands.add_parser(
        "publish",
        help="asv publish, then serve the dashboard's scripts from copies beside it",
        description="Run `asv publish` and put the JavaScript and CSS its pages load from "
        "CDNs beside them (pinned npm files, checked by SHA-256: from --www-dir, the cache "
        "or registry.npmjs.org), so that it needs no network (view it through a local web "
        "server, e.g. `asv preview`: browsers refuse its data on file://). Files that cannot "
        "be had keep loading from their CDNs, with a warning.",
    )
    publish.add_argument(
        "--config", default="asv.conf.json", help="asv configuration (default ./asv.conf.json)"
    )
    publish.add_argument(
        "--www-dir",
        metavar="DIR",
        help="a directory holding the files (by their names, or the npm tarballs as `npm "
        "pack` names them), looked in before the cache and the registry",
    )
    publish.add_argument(
        "--offline-required",
        action="store_true",
        help="exit 1 when the published page still needs the network",
    )
    return asv


def _init(args, console: Console) -> int:
    setup = init_history(
        args.nemos_repo,
        args.dir,
        pythons=args.python,
        branch=args.branch,
        harness=args.harness,
        force=args.force,
    )
    config = shlex.quote(str(setup.config))
    commit = setup.harness_commit[:8] + (
        " with local changes" if "+" in setup.harness_commit else ""
    )
    lines = [
        f"Wrote {setup.config}",
        f"  NeMoS commits of {setup.nemos_repo} (branch {setup.branch}), on Python "
        f"{', '.join(setup.pythons)}",
        f"  harness: {setup.harness_wheel.name} ({commit or 'not a git checkout'}), installed "
        "into every environment; benchmarks copied beside it",
        "Next:",
        f"  asv machine --yes --config {config}",
        *(f"  asv run --config {config} {spec}" for spec in _ranges(setup)),
        f"  nemos-bench asv publish --config {config}",
        f"  nemos-bench compare COMMIT_A COMMIT_B --config {config}",
    ]
    console.print("\n".join(lines), markup=False, highlight=False, soft_wrap=True)
    return 0


def _ranges(setup) -> list[str]:
    """Commits to suggest: the oldest supported release and all since, or the branch's tip."""
    tagged = git(setup.nemos_repo, "rev-parse", "--verify", "--quiet", "v0.2.8^{commit}")
    if tagged.returncode == 0:
        return [shlex.quote("v0.2.8^!"), shlex.quote(f"v0.2.8..{setup.branch}")]
    return [shlex.quote(f"{setup.branch}^!")]


def _html_dir(config: Path) -> Path:
    from asv.config import Config
    from asv.util import UserError

    try:
        conf = Config.load(str(config))
    except UserError as err:
        raise AsvSetupError(
            f"--config {str(config)!r} is not a usable asv configuration: {err}"
        ) from None
    return config.parent / conf.html_dir  # asv runs from its configuration's directory


def _publish(args, console: Console) -> int:
    config = Path(args.config)
    if not config.is_file():
        raise AsvSetupError(
            f"--config {args.config!r} does not exist; pass an asv.conf.json (this "
            "repository's, or DIR/asv.conf.json of `nemos-bench asv init`)."
        )
    if args.www_dir is not None and not Path(args.www_dir).is_dir():
        raise AsvSetupError(
            f"--www-dir {args.www_dir!r} is not a directory; pass a directory holding the "
            "dashboard's files or their npm tarballs (docs/user_guide/asv.md, the dashboard "
            "offline)."
        )
    html_dir = _html_dir(config)
    command = [sys.executable, "-m", "asv", "publish", "--config", str(config)]
    status = subprocess.run(command).returncode
    if status != 0:
        console.print(f"asv publish failed (exit {status}); nothing was made offline.")
        return status
    assets = gather_assets(www_dir=args.www_dir)
    result = make_offline(html_dir, assets)
    say = functools.partial(console.print, markup=False, highlight=False, soft_wrap=True)
    landing = _refresh_landing_page(html_dir)
    if landing is not None:
        say(f"Landing page: {landing} (now links the dashboard).")
    if result.remaining:
        say(_needs_network(html_dir, assets, result))
        return 1 if args.offline_required else 0
    origins = Counter(assets.origin.values())
    labels = {
        "www-dir": f"from {args.www_dir}",
        "cache": "from the cache",
        "registry": f"downloaded from {npm_registry()}",
    }
    sources = ", ".join(
        f"{origins[where]} {label}" for where, label in labels.items() if origins[where]
    )
    kept = (
        f"not cached: {assets.cache_error}" if assets.cache_error else f"cache: {assets.cache_dir}"
    )
    say(
        f"Dashboard: {html_dir / 'index.html'} ({len(result.replaced)} CDN files served from "
        f"{html_dir / VENDOR_DIR}: {sources}; {kept}; view it with "
        f"`asv preview --config {config}`)."
    )
    return 0


def _refresh_landing_page(html_dir: Path) -> Path | None:
    """Rewrite the reports' landing page beside a dashboard published as ``<root>/asv``.

    ``nemos-bench report`` writes ``<root>/index.html``, which links ``asv/index.html`` only
    when it exists; an ``html_dir`` named otherwise (``asv init``'s ``html``) has no
    landing page, and ``None`` is returned.
    """
    if html_dir.name != "asv" or not (html_dir / "index.html").is_file():
        return None
    from ..report import build_index

    return build_index(html_dir.parent)


def _needs_network(html_dir: Path, assets, result) -> str:
    """One sentence: the page needs CDNs, for which files, and why they are not here."""
    by_reason: dict[str, list[str]] = {}
    for item, reason in assets.missing.items():
        by_reason.setdefault(reason, []).append(item.file)
    parts = [f"{', '.join(files)} ({reason})" for reason, files in by_reason.items()]
    known = {item.url for item in VENDORED}
    urls = (entry.split(": ", 1)[1] for entry in result.remaining)
    unknown = list(dict.fromkeys(url for url in urls if url not in known))
    if unknown:
        parts.append(f"{', '.join(unknown)} (not known to nemos-bench: loaded by your asv)")
    return (
        f"The dashboard in {html_dir} will need the network (CDNs) to render, as these files "
        f"are missing: {'; '.join(parts)}; publish again where {npm_registry()} is reachable "
        "or pass --www-dir with the files."
    )


def run_asv(args: argparse.Namespace, console: Console) -> int:
    """Run ``nemos-bench asv <command>``; return the exit code (errors raise AsvSetupError)."""
    handlers = {"init": _init, "publish": _publish}
    return handlers[args.asv_command](args, console)
