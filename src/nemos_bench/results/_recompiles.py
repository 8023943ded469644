"""Warning lines for the rows of solvers that compile on every call (status ``recompiles``)."""

from __future__ import annotations

import math

import pandas as pd

from ._sentences import recompile_sentence

__all__ = ["recompile_warnings"]


def _float(value) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def _where(row: dict) -> str:
    text = f"tol={float(row['tol']):g} on {row['problem_id']}"
    runs, recompiling = _float(row.get("runs")), _float(row.get("recompile_runs"))
    if math.isfinite(runs) and math.isfinite(recompiling) and recompiling < runs:
        text += f" (in {recompiling:.0f} of its {runs:.0f} runs)"
    return text


def recompile_warnings(rows: pd.DataFrame) -> list[str]:
    """One line per solver whose ``recompiles`` rows agree, else one per row.

    Each line is :func:`recompile_sentence` of the row (``fit_s``, or ``recompile_fit_s``
    where a pooled cell recompiled in some of its runs only), followed by the cells it
    covers: ``The same in each of its N cells that recompile.``, or ``Cell: tol=... on
    ...`` (with ``(in k of its n runs)`` for a pooled cell that recompiled in some runs
    only). A solver's rows agree when their sentences read the same.

    Parameters
    ----------
    rows : pandas.DataFrame
        Summary rows or cells, with ``solver``, ``status``, ``compile_s``, ``fit_s``,
        ``tol`` and ``problem_id``.

    Returns
    -------
    list of str

    Examples
    --------
    >>> rows = pd.DataFrame({"solver": ["N", "N", "L"], "tol": [1e-4, 1e-8, 1e-8],
    ...     "problem_id": "p", "status": ["recompiles", "recompiles", "ok"],
    ...     "compile_s": [1.46, 1.52, 0.2], "fit_s": [1.62, 1.58, 0.01]})
    >>> print(*recompile_warnings(rows))  # doctest: +NORMALIZE_WHITESPACE
    N compiles on every run: 1.5 s of each 1.6 s fit is compilation. The same in each of its 2
    cells that recompile.
    >>> recompile_warnings(rows.assign(compile_s=[1.46, 0.9, 0.2]))[1]
    'N compiles on every run: 0.9 s of each 1.6 s fit is compilation. Cell: tol=1e-08 on p.'
    """
    if "status" not in rows.columns:
        return []
    found = rows[rows["status"] == "recompiles"]
    lines: list[str] = []
    for solver, group in found.groupby("solver", sort=False):
        cells: dict[str, list[str]] = {}
        for row in group.to_dict("records"):
            fit = _float(row.get("recompile_fit_s"))
            fit = fit if math.isfinite(fit) else _float(row.get("fit_s"))
            sentence = recompile_sentence(str(solver), _float(row.get("compile_s")), fit)
            cells.setdefault(sentence, []).append(_where(row))
        if len(cells) == 1 and len(group) > 1:
            ((sentence, where),) = cells.items()
            lines.append(f"{sentence} The same in each of its {len(where)} cells that recompile.")
            continue
        lines += [f"{text} Cell: {place}." for text, where in cells.items() for place in where]
    return lines
