"""What each solver's ``tol`` stops on, for the captions of figures that step through tolerances.

The ``tol`` given to a solver is a different test for each (a gradient norm, a step and loss
change, ...), so no figure lines solvers up by ``tol``: they are compared by the suboptimality
they achieve. The captions say what each solver's ``tol`` means, from the run's
``tol_stops_on`` column; runs written before that column get nemos-bench's table for the
solver's name (``nemos_bench.solvers.known_tol_meaning``), and the caption says so.
"""

from __future__ import annotations

import pandas as pd

__all__ = ["tol_meanings", "tol_note"]


def _recorded(summary: pd.DataFrame) -> dict[str, str]:
    """Solver → the ``tol_stops_on`` its rows recorded (first non-empty value)."""
    if "tol_stops_on" not in summary.columns:
        return {}
    found = {}
    for solver, value in zip(summary["solver"], summary["tol_stops_on"], strict=True):
        if solver not in found and isinstance(value, str) and value.strip():
            found[solver] = " ".join(value.split())
    return found


def tol_meanings(summary: pd.DataFrame, meta: dict | None = None) -> dict[str, tuple[str, bool]]:
    """Solver → ``(what its tol stops on, whether the run recorded it)``, sorted by solver.

    Parameters
    ----------
    summary : DataFrame
        ``summary.csv`` rows (any subset, e.g. one problem's).
    meta : dict, optional
        The run's ``meta.json``: its NeMoS version qualifies meanings taken from the table.

    Examples
    --------
    >>> s = pd.DataFrame({"solver": ["A[x]", "A[x]"], "tol_stops_on": ["", "its test"]})
    >>> tol_meanings(s)
    {'A[x]': ('its test', True)}
    """
    recorded = _recorded(summary)
    meanings = {}
    for solver in sorted(set(summary["solver"])):
        if solver in recorded:
            meanings[solver] = (recorded[solver], True)
            continue
        from nemos_bench.solvers import known_tol_meaning  # old runs only: imports NeMoS

        versions = (meta or {}).get("versions") if isinstance(meta, dict) else None
        version = versions.get("nemos") if isinstance(versions, dict) else None
        meanings[solver] = (known_tol_meaning(solver, version), False)
    return meanings


def tol_note(summary: pd.DataFrame, meta: dict | None = None) -> str:
    """Caption text: what each solver's ``tol`` stops on, solvers grouped by meaning.

    Examples
    --------
    >>> s = pd.DataFrame({"solver": ["A[x]", "B[y]", "C[z]"],
    ...     "tol_stops_on": ["gradient norm", "step size", "gradient norm"]})
    >>> print(tol_note(s))
    Each solver's tol is its own stopping test, so solvers are compared by the suboptimality \
they reach, never by tol: A[x], C[z] stop on gradient norm; B[y] on step size.
    """
    meanings = tol_meanings(summary, meta)
    if not meanings:
        return ""
    groups: dict[str, list[str]] = {}
    for solver, (meaning, _) in meanings.items():
        if meaning == "unknown":
            meaning = "a test nemos-bench does not know (its class declares no tol_stops_on)"
        groups.setdefault(meaning, []).append(solver)
    parts = [
        f"{', '.join(solvers)} {'stop' if len(solvers) > 1 else 'stops'} on {meaning}"
        if i == 0
        else f"{', '.join(solvers)} on {meaning}"
        for i, (meaning, solvers) in enumerate(groups.items())
    ]
    text = (
        "Each solver's tol is its own stopping test, so solvers are compared by the "
        f"suboptimality they reach, never by tol: {'; '.join(parts)}."
    )
    guessed = [solver for solver, (_, recorded) in meanings.items() if not recorded]
    if guessed:
        text += (
            f" This run predates the tol_stops_on column: the meaning for {', '.join(guessed)} "
            "is nemos-bench's table for that name (the solver nemos-bench registers under it)."
        )
    return text
