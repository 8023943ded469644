"""Which machines and devices produced a run's times (summary columns host ... threads)."""

from __future__ import annotations

import pandas as pd

from ._schema import FITTED_STATUSES

__all__ = ["MACHINE_COLUMNS", "machines", "mixed_machines_sentence"]

#: Summary columns that say where a cell ran; times are comparable only within one value.
MACHINE_COLUMNS = ("host", "cpu_model", "device", "device_kind", "threads")


def machines(summary: pd.DataFrame) -> list[str]:
    """Distinct places the fitted rows (ok, recompiles) of ``summary`` ran on, sorted.

    Rows written before these columns existed (all empty) are left out.

    Examples
    --------
    >>> frame = pd.DataFrame({"status": ["ok", "ok"], "host": ["a", "b"], "device": ["cpu", "gpu"]})
    >>> machines(frame)
    ['a: cpu', 'b: gpu']
    """
    present = [c for c in MACHINE_COLUMNS if c in summary.columns]
    if not present or "status" not in summary.columns:
        return []
    ok = summary.loc[summary["status"].isin(FITTED_STATUSES), present].dropna(how="all")
    labels = set()
    for row in ok.itertuples(index=False):
        values = dict(zip(present, row, strict=True))
        parts = [str(values[c]) for c in present[1:] if isinstance(values[c], str) and values[c]]
        host = values.get("host") if isinstance(values.get("host"), str) else "?"
        labels.add(f"{host}: {', '.join(parts)}")
    return sorted(labels)


def mixed_machines_sentence(summary: pd.DataFrame) -> str | None:
    """A warning when the fitted rows of ``summary`` ran on more than one machine or device.

    Examples
    --------
    >>> frame = pd.DataFrame({"status": ["ok", "ok"], "host": ["a", "a"], "device": ["cpu", "gpu"]})
    >>> mixed_machines_sentence(frame).split(":")[0]
    'Times come from 2 different machines or devices'
    >>> mixed_machines_sentence(frame.iloc[:1]) is None
    True
    """
    found = machines(summary)
    if len(found) < 2:
        return None
    return (
        f"Times come from {len(found)} different machines or devices: {'; '.join(found)}. "
        "Comparing times across them compares the machines as much as the solvers."
    )
