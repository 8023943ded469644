"""Sweep files (TOML) and command-line values turned into a :class:`SweepConfig`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from ..problems import ProblemSpec, get_suite
from ._cell import CellSettings
from ._sweep import SweepConfig, default_tols

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

__all__ = ["SweepFileError", "build_config", "load_sweep_file", "parse_tols"]

_KEYS = {
    "suite",
    "problems",
    "solvers",
    "tols",
    "repeats",
    "maxiter",
    "timeout",
    "solver_classes",
    "max_trace_points",
}


class SweepFileError(ValueError):
    """A sweep file that cannot be read or holds an invalid value."""


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
                raise ValueError(
                    f"Tolerance {piece.strip()!r} is not a positive number (e.g. 1e-6)."
                ) from None
            if not tol > 0 or tol == float("inf"):
                raise ValueError(f"Tolerance {piece.strip()!r} is not a positive number.")
            tols.append(tol)
    return tuple(tols)


def load_sweep_file(path: str | Path) -> dict[str, Any]:
    """Read a sweep TOML file; errors name the file and, for syntax errors, the line."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise SweepFileError(f"Cannot read sweep file {str(path)!r}: {err.strerror}.") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise SweepFileError(f"Sweep file {str(path)!r} is not valid TOML: {err}.") from None
    unknown = sorted(set(data) - _KEYS)
    if unknown:
        raise SweepFileError(
            f"Sweep file {str(path)!r} has unknown key(s) {unknown}; accepted keys: "
            f"{sorted(_KEYS)}."
        )
    if "problems" in data:
        if not isinstance(data["problems"], list) or not data["problems"]:
            raise SweepFileError(
                f"Sweep file {str(path)!r}: 'problems' must be a non-empty array of tables "
                "([[problems]] with n_samples, n_features, ...)."
            )
        specs = []
        for index, table in enumerate(data["problems"], start=1):
            try:
                specs.append(ProblemSpec(**table))
            except (TypeError, ValueError) as err:
                raise SweepFileError(f"Sweep file {str(path)!r}, problem {index}: {err}") from None
        data["problems"] = tuple(specs)
    return data


def _int_option(name: str, value: Any, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"{name} must be an integer ≥ {minimum}, got {value!r}.")
    return value


def build_config(file: dict[str, Any] | None = None, **cli: Any) -> SweepConfig:
    """Merge a sweep file's values with command-line values (the command line wins).

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
    if problems is None:
        suite = suite or "quick"
        problems = get_suite(suite)
    elif suite is None:
        suite = "custom"
    tols = merged.get("tols", default_tols(suite))
    if isinstance(tols, (int, float)):
        tols = (tols,)
    tols = parse_tols([str(t) for t in tols])
    settings = CellSettings(
        maxiter=_int_option("maxiter", merged.get("maxiter", CellSettings.maxiter)),
        repeats=_int_option("repeats", merged.get("repeats", CellSettings.repeats)),
        max_trace_points=_int_option(
            "max_trace_points", merged.get("max_trace_points", CellSettings.max_trace_points), 2
        ),
    )
    timeout = merged.get("timeout")
    if timeout is not None and (
        isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not timeout > 0
    ):
        raise ValueError(f"timeout must be a positive number of seconds, got {timeout!r}.")
    solvers = merged.get("solvers")
    return SweepConfig(
        suite=suite,
        problems=tuple(problems),
        solvers=None if solvers is None else tuple(solvers),
        tols=tols,
        settings=settings,
        solver_classes=tuple(merged.get("solver_classes", ())),
        timeout=timeout,
    )
