"""``build_index``: the landing page listing every report, newest first."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import quote

from nemos_bench.results import atomic_write_text

from ._html import esc, page, table

__all__ = ["build_index", "list_reports"]


def _when(report_dir: Path, record: dict) -> datetime:
    stamp = record.get("started_at")
    if isinstance(stamp, str):
        try:
            parsed = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)
        except ValueError:
            pass
    mtime = (report_dir / "index.html").stat().st_mtime
    return datetime.fromtimestamp(mtime, tz=timezone.utc)


def list_reports(reports_root="reports") -> list[tuple[Path, datetime, dict]]:
    """Reports under ``reports_root``, newest first: ``(directory, when, report.json)``.

    A report is a sub-directory holding ``index.html`` (``asv/`` and hidden directories
    are not reports). ``when`` is the run's start time from its ``meta.json`` when recorded,
    else the report's modification time.
    """
    root = Path(reports_root)
    found = []
    if not root.is_dir():
        return found
    for child in root.iterdir():
        if not child.is_dir() or child.name.startswith(".") or child.name == "asv":
            continue
        if not (child / "index.html").is_file():
            continue
        try:
            record = json.loads((child / "report.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            record = {}
        record = record if isinstance(record, dict) else {}
        found.append((child, _when(child, record), record))
    found.sort(key=lambda item: (item[1], item[0].name), reverse=True)
    return found


def build_index(reports_root="reports") -> Path:
    """Write ``<reports_root>/index.html``, linking every report and the asv dashboard.

    Reports are listed newest first (by the run's start time, else modification time);
    the asv dashboard ``<reports_root>/asv/index.html`` is linked only when it exists.

    Parameters
    ----------
    reports_root : path-like
        Directory holding the reports (``reports`` relative to the working directory by
        default); created if missing.

    Returns
    -------
    Path
        The landing page.

    Examples
    --------
    >>> import tempfile
    >>> landing = build_index(tempfile.mkdtemp())
    >>> "No reports yet" in landing.read_text()
    True
    """
    root = Path(reports_root)
    root.mkdir(parents=True, exist_ok=True)
    rows = []
    for directory, when, record in list_reports(root):
        href = quote(directory.name) + "/index.html"
        solvers = record.get("solvers") or []
        fits, bad = record.get("n_fits"), record.get("n_not_ok")
        rows.append(
            [
                f'<a href="{esc(href)}">{esc(directory.name)}</a>',
                esc(when.isoformat(timespec="seconds")),
                esc(record.get("suite") or "—"),
                esc(record.get("n_problems", "—")),
                esc(", ".join(solvers) if solvers else "—"),
                esc(f"{fits} ({bad} without a fit)" if fits is not None else "—"),
                esc(record.get("epsilon", "—")),
            ]
        )
    header = ["report", "run started", "suite", "problems", "solvers", "fits", "ε"]
    listing = table(
        header,
        rows,
        raw=tuple(range(7)),
        numeric=(3,),
        empty="No reports yet: run `nemos-bench report <run-dir>`.",
    )
    if (root / "asv" / "index.html").is_file():
        asv = (
            '<p><a href="asv/index.html">asv dashboard</a>: time and final loss across commits.</p>'
        )
    else:
        asv = (
            '<p class="empty">No asv dashboard yet (<code>nemos-bench asv publish</code> with '
            "this repository's asv.conf.json publishes one into reports/asv and refreshes "
            "this page).</p>"
        )
    html = page("nemos-bench reports", asv, [("reports", "Reports, newest first", listing)])
    target = root / "index.html"
    atomic_write_text(target, html)
    return target
