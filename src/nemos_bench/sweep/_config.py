"""Sweep files and command-line values turned into a :class:`SweepConfig`."""

from __future__ import annotations

import math
from typing import Any

from ..measure import CellSettings
from ..problems import get_suite
from ._sweepconfig import (
    ConfigError,
    SweepConfig,
    default_maxiter,
    default_tols,
    suite_and_problems,
)
from ._sweepfile import is_number

__all__ = ["DEFAULT_SUITE", "build_config", "parse_tols"]

#: Suite of a sweep that names neither a suite nor problems.
DEFAULT_SUITE = "quick"


def parse_tols(values: list[str] | None) -> tuple[float, ...] | None:
    """Parse ``--tol`` values (each may be a comma-separated list).

    Examples
    --------
    >>> parse_tols(["1e-4,1e-8", "1e-6"])
    (0.0001, 1e-08, 1e-06)
    """
    if not values:
        return None
    tols = []
    for value in values:
        for piece in str(value).split(","):
            try:
                tol = float(piece)
            except ValueError:
                tol = float("nan")
            if not 0 < tol < float("inf"):
                raise ConfigError(
                    f"Tolerance {piece.strip()!r} is not a positive number; give a positive "
                    "finite number such as 1e-6."
                )
            tols.append(tol)
    return tuple(tols)


def _int_option(name: str, value: Any, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ConfigError(f"{name} must be an integer ≥ {minimum}, got {value!r}.")
    return value


def _float_option(name: str, value: Any, accepted: str, upper: float = math.inf) -> float:
    ok = is_number(value) and math.isfinite(value) and 0 <= value < upper
    if not ok or (name == "ci_target" and value == 0):
        raise ConfigError(f"{name} must be {accepted}, got {value!r}.")
    return float(value)


def _settings(merged: dict[str, Any], suite: str) -> CellSettings:
    """The :class:`CellSettings` of merged sweep-file and command-line values."""
    defaults = CellSettings(maxiter=default_maxiter(suite))
    repeats = _int_option("repeats", merged.get("repeats", defaults.repeats))
    max_repeats = _int_option("max_repeats", merged.get("max_repeats", defaults.max_repeats))
    if max_repeats < repeats:
        raise ConfigError(
            f"max_repeats ({max_repeats}) must be at least repeats ({repeats}), the fewest "
            "steady-state samples per cell."
        )
    return CellSettings(
        maxiter=_int_option("maxiter", merged.get("maxiter", defaults.maxiter)),
        repeats=repeats,
        max_trace_points=_int_option(
            "max_trace_points", merged.get("max_trace_points", defaults.max_trace_points), 2
        ),
        max_repeats=max_repeats,
        time_budget=_float_option(
            "time_budget",
            merged.get("time_budget", defaults.time_budget),
            "a non-negative number of seconds such as 0.1",
        ),
        ci_target=_float_option(
            "ci_target",
            merged.get("ci_target", defaults.ci_target),
            "a relative half-width between 0 and 1 such as 0.05",
            upper=1.0,
        ),
        rounds=_int_option("rounds", merged.get("rounds", defaults.rounds)),
    )


def build_config(file: dict[str, Any] | None = None, **cli: Any) -> SweepConfig:
    """Merge a sweep file's values with command-line values (the command line wins).

    A sweep runs a suite's problems or its own (``[[problems]]``, ``problems=``), never
    both: a suite named beside problems is refused (the suite name ``"custom"``, which a
    sweep of its own problems records, is allowed).

    Examples
    --------
    >>> config = build_config(suite="quick", tols=(1e-6,))
    >>> config.suite, config.tols
    ('quick', (1e-06,))
    >>> build_config(suite="quick").tols
    (0.0001, 1e-10)
    """
    merged = dict(file or {})
    merged.update({key: value for key, value in cli.items() if value is not None})
    problems = merged.get("problems")
    suite = merged.get("suite")
    if problems is not None and suite not in (None, "custom"):
        raise ConfigError(suite_and_problems(cli, suite, len(problems)))
    if problems is None:
        suite = suite or DEFAULT_SUITE
        try:
            problems = get_suite(suite)
        except ValueError as err:
            raise ConfigError(str(err)) from None
    elif suite is None:
        suite = "custom"
    tols = merged.get("tols", default_tols(suite))
    if isinstance(tols, (int, float)):
        tols = (tols,)
    tols = parse_tols([str(t) for t in tols])
    settings = _settings(merged, suite)
    if settings.rounds > 1 and (merged.get("workers") or merged.get("scheduler")):
        raise ConfigError(
            f"rounds = {settings.rounds} needs every cell of a problem in one process, but "
            "with workers or a scheduler each cell is its own Dask task; use rounds = 1 "
            "with Dask, or run without workers/scheduler."
        )
    solvers = merged.get("solvers")
    dtypes = merged.get("dtypes", ("float64",))
    return SweepConfig(
        suite=suite,
        problems=tuple(problems),
        solvers=None if solvers is None else tuple(solvers),
        tols=tols,
        settings=settings,
        solver_classes=tuple(merged.get("solver_classes", ())),
        timeout=merged.get("timeout"),
        isolate=merged.get("isolate"),
        dtypes=(dtypes,) if isinstance(dtypes, str) else tuple(dtypes),
        workers=merged.get("workers"),
        scheduler=merged.get("scheduler"),
        threads=merged.get("threads"),
    )
