"""Where a report goes: ``reports/<run-id>/``, or ``reports/<run-id>-eps<ε>/`` for another ε."""

from __future__ import annotations

import json
from pathlib import Path

from ._config import DEFAULT_EPSILON, ReportConfig, ReportError

__all__ = ["MARKER_FILE", "default_report_dir", "earlier_report", "report_target"]

#: File that marks a directory as a report (and feeds the landing page).
MARKER_FILE = "report.json"


def default_report_dir(run_id: str, epsilon: float, reports_root="reports") -> Path:
    """``<reports_root>/<run-id>``, with ``-eps<ε>`` appended when ε is not the default.

    Reports of one run at different ε then sit side by side instead of replacing each other.

    Examples
    --------
    >>> default_report_dir("run-1", 1e-6).as_posix(), default_report_dir("run-1", 1e-8).as_posix()
    ('reports/run-1', 'reports/run-1-eps1e-08')
    """
    suffix = "" if float(epsilon) == DEFAULT_EPSILON else f"-eps{float(epsilon):g}"
    return Path(reports_root) / f"{run_id}{suffix}"


def report_target(run_dir: Path, out_dir, cfg: ReportConfig) -> Path:
    """The output directory of a report, refused when it is the run or not a report."""
    run_id = run_dir.resolve().name
    target = (
        Path(out_dir)
        if out_dir is not None
        else default_report_dir(run_id, cfg.epsilon, cfg.reports_root)
    )
    resolved, run_resolved = target.resolve(), run_dir.resolve()
    if resolved == run_resolved or run_resolved.is_relative_to(resolved):
        raise ReportError(
            f"Output directory {str(target)!r} would replace the run directory itself; "
            "choose a directory outside the run, e.g. reports/<run-id>."
        )
    if target.exists() and (
        not target.is_dir() or (any(target.iterdir()) and not (target / MARKER_FILE).is_file())
    ):
        raise ReportError(
            f"Output directory {str(target)!r} exists and is not a nemos-bench report; "
            "choose an empty or new directory (a previous report there is replaced)."
        )
    return target


def earlier_report(target: Path) -> dict | None:
    """The ``report.json`` record of the report in ``target`` (``{}`` if unreadable), if any."""
    marker = Path(target) / MARKER_FILE
    if not marker.is_file():
        return None
    try:
        record = json.loads(marker.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return record if isinstance(record, dict) else {}
