"""Reading a run directory for a report: :func:`load_run` and :func:`run_started`."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from nemos_bench.results import read_meta, read_summary, read_trace

from ._config import ReportError

__all__ = ["load_run", "run_started"]

_START_KEYS = ("started_at", "start_time", "started", "created_at", "timestamp", "date")


def load_run(run_dir) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """``(summary, trace, meta)`` of a run directory, with clear errors when it is unusable."""
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        what = "is not a directory" if run_dir.exists() else "does not exist"
        raise ReportError(
            f"Run directory {str(run_dir)!r} {what}; pass a directory written by "
            "`nemos-bench run` (it holds summary.csv, trace.csv and meta.json)."
        )
    if not (run_dir / "summary.csv").is_file():
        raise ReportError(
            f"Run directory {str(run_dir)!r} has no summary.csv; pass a directory written by "
            "`nemos-bench run` (it holds summary.csv, trace.csv and meta.json)."
        )
    summary = read_summary(run_dir)
    if summary.empty:
        raise ReportError(
            f"Run directory {str(run_dir)!r} has no summary rows (no fit has finished yet); "
            "pass a run with at least one finished fit, or resume the run first."
        )
    trace = read_trace(run_dir)
    meta = read_meta(run_dir) if (run_dir / "meta.json").is_file() else {}
    return summary, trace, meta


def run_started(meta: dict) -> datetime | None:
    """The run's start time from ``meta.json`` (ISO 8601 text or a Unix time), if recorded.

    Examples
    --------
    >>> run_started({"started_at": "2024-05-01T12:00:00+00:00"}).year
    2024
    >>> run_started({}) is None
    True
    """
    for key in _START_KEYS:
        value = meta.get(key)
        try:
            if isinstance(value, int | float) and not isinstance(value, bool):
                return datetime.fromtimestamp(value, tz=timezone.utc)
            if isinstance(value, str) and value:
                stamp = datetime.fromisoformat(value.replace("Z", "+00:00"))
                return stamp if stamp.tzinfo else stamp.replace(tzinfo=timezone.utc)
        except (ValueError, OverflowError, OSError):
            continue
    return None
