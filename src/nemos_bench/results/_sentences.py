"""Sentences about result rows that the CLI, the report and the gate print alike."""

from __future__ import annotations

import math

__all__ = ["recompile_sentence"]


def _seconds(value: float) -> str:
    if not math.isfinite(value):
        return "an unknown time"
    if value >= 0.1:
        return f"{value:.1f} s"
    return f"{value * 1e3:.1f} ms"


def recompile_sentence(solver: str, compile_s: float, fit_s: float) -> str:
    """The sentence that names a solver whose every call compiles again.

    Parameters
    ----------
    solver : str
        Registry name (or label) of the solver.
    compile_s : float
        Median seconds of compilation inside each steady-state call.
    fit_s : float
        Median seconds of each steady-state call, compilation included.

    Returns
    -------
    str

    Examples
    --------
    >>> recompile_sentence("Newton[nemos]", 1.46, 1.62)
    'Newton[nemos] compiles on every run: 1.5 s of each 1.6 s fit is compilation.'
    >>> recompile_sentence("X[custom]", 0.0123, 0.0151)
    'X[custom] compiles on every run: 12.3 ms of each 15.1 ms fit is compilation.'
    """
    return (
        f"{solver} compiles on every run: {_seconds(float(compile_s))} of each "
        f"{_seconds(float(fit_s))} fit is compilation."
    )
