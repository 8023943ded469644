"""Whether BASE and HEAD ran on the same machine, with the same threads and XLA/BLAS settings.

Times measured on different hosts, CPUs, devices or thread settings compare the machines as
much as the code, so the gate does not judge time across them unless asked
(``--judge-time-anyway``). The difference is read from the cell columns ``host``,
``cpu_model``, ``device``, ``device_kind`` and ``threads`` (``"blas=2 xla=default
cpus=2"``, compared setting by setting) of the rows that hold a measured fit. A side
without these columns (asv results, runs written before them) is unknown, never different.
"""

from __future__ import annotations

import pandas as pd

from ..results import FITTED_STATUSES
from ._cells import MACHINE_CELL_COLUMNS, MACHINE_SEPARATOR

__all__ = ["machine_difference"]


def _settings(frame: pd.DataFrame) -> dict[str, list[str]]:
    """Setting name -> its distinct values on one side (``threads`` split into its settings)."""
    if "status" not in frame.columns:
        return {}
    fitted = frame[frame["status"].isin(FITTED_STATUSES)]
    found: dict[str, list[str]] = {}
    for column in MACHINE_CELL_COLUMNS:
        if column not in fitted.columns:
            continue
        for text in fitted[column]:
            if not isinstance(text, str) or not text:
                continue
            for value in text.split(MACHINE_SEPARATOR):
                pairs = (
                    [tuple(t.split("=", 1)) if "=" in t else (t, "") for t in value.split()]
                    if column == "threads"
                    else [(column, value)]
                )
                for name, setting in pairs:
                    values = found.setdefault(name, [])
                    if setting not in values:
                        values.append(setting)
    return found


def _text(name: str, values: list[str]) -> str:
    return f"{name}={'/'.join(values)}" if any(values) else name


def machine_difference(base: pd.DataFrame, head: pd.DataFrame) -> str:
    """``"BASE ran with ... and HEAD with ..."`` naming the settings that differ, else ``""``.

    Only settings both sides record are compared.

    Examples
    --------
    >>> base = pd.DataFrame({"status": ["ok"], "host": ["a"], "threads": ["blas=2 xla=default"]})
    >>> head = base.assign(threads="blas=1 xla=eigen_off")
    >>> machine_difference(base, head)
    'BASE ran with blas=2 xla=default and HEAD with blas=1 xla=eigen_off'
    >>> machine_difference(base, base.assign(host="b", status="recompiles"))
    'BASE ran with host=a and HEAD with host=b'
    >>> machine_difference(base, head.assign(threads=""))  # HEAD's threads unknown
    ''
    """
    b_found, h_found = _settings(base), _settings(head)
    differ = [
        name
        for name in b_found
        if name in h_found and sorted(b_found[name]) != sorted(h_found[name])
    ]
    if not differ:
        return ""
    b_text = " ".join(_text(name, b_found[name]) for name in differ)
    h_text = " ".join(_text(name, h_found[name]) for name in differ)
    return f"BASE ran with {b_text} and HEAD with {h_text}"
