"""Sweep files (TOML) and command-line values turned into a :class:`SweepConfig`."""

from __future__ import annotations

import dataclasses
import math
import sys
from pathlib import Path
from typing import Any

from ..problems import DataError, ProblemSpec, data_table_spec, get_suite, unique_problems
from ..solvers import SolverLabelError, solver_label
from ._cell import CellSettings
from ._sweepconfig import (
    ConfigError,
    SweepConfig,
    default_maxiter,
    default_tols,
    suite_and_problems,
)

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

__all__ = ["DEFAULT_SUITE", "SweepFileError", "build_config", "load_sweep_file", "parse_tols"]

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
    "isolate",
    "max_repeats",
    "time_budget",
    "ci_target",
    "rounds",
    "workers",
    "scheduler",
    "threads",
    "dtypes",
    "solver_kwargs",
}
#: Keys of a simulated problem's [[problems]] table (a data file's: ``DATA_KEYS``).
_DATA_FIELDS = ("data_sha256", "bin_size", "data")
_PROBLEM_KEYS = [f.name for f in dataclasses.fields(ProblemSpec) if f.name not in _DATA_FIELDS]
#: Suite of a sweep that names neither a suite nor problems.
DEFAULT_SUITE = "quick"
#: Expected TOML type of each key: (test, what is accepted).
_TYPES = {
    "suite": (lambda v: isinstance(v, str), "a suite name (string)"),
    "solvers": (lambda v: _str_list(v), "an array of solver names"),
    "solver_classes": (lambda v: _str_list(v), "an array of 'package.module:ClassName'"),
    "tols": (
        lambda v: _number(v) or (isinstance(v, list) and all(_number(t) for t in v)),
        "a number or an array of numbers",
    ),
    "timeout": (lambda v: _number(v), "a number of seconds"),
    "time_budget": (lambda v: _number(v), "a number of seconds"),
    "ci_target": (lambda v: _number(v), "a number such as 0.05"),
    "isolate": (lambda v: isinstance(v, bool), "true or false"),
    "workers": (lambda v: _count(v), "a whole number of worker processes >= 1"),
    "threads": (lambda v: _count(v), "a whole number of threads >= 1"),
    "scheduler": (lambda v: isinstance(v, str), "a scheduler address such as 'tcp://host:8786'"),
    "dtypes": (lambda v: _str_list(v), "an array of dtypes, e.g. ['float64', 'float32']"),
}


def _count(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


def _str_list(value) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


class SweepFileError(ConfigError):
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
                tol = float("nan")
            if not 0 < tol < float("inf"):
                raise ConfigError(
                    f"Tolerance {piece.strip()!r} is not a positive number; give a positive "
                    "finite number such as 1e-6."
                )
            tols.append(tol)
    return tuple(tols)


def load_sweep_file(path: str | Path) -> dict[str, Any]:
    """Read a sweep TOML file; errors name the file and, for syntax errors, the line."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise SweepFileError(f"Cannot read sweep file {str(path)!r}: {err.strerror}.") from None
    except UnicodeDecodeError as err:
        raise SweepFileError(
            f"Sweep file {str(path)!r} is not UTF-8 text (byte {err.start}); save it as UTF-8."
        ) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise SweepFileError(f"Sweep file {str(path)!r} is not valid TOML: {err}.") from None
    name = str(path)
    unknown = sorted(set(data) - _KEYS)
    if unknown:
        raise SweepFileError(
            f"Sweep file {name!r} has unknown key(s) {unknown}; accepted keys: {sorted(_KEYS)}."
        )
    for key, (ok, accepted) in _TYPES.items():
        if key in data and not ok(data[key]):
            raise SweepFileError(
                f"Sweep file {name!r}: {key} = {data[key]!r} is not valid; give {accepted}."
            )
    if "solver_kwargs" in data:  # one labelled solver per settings table, after `solvers`
        data["solvers"] = list(data.get("solvers", [])) + _labels(name, data.pop("solver_kwargs"))
    if "problems" in data:
        tables = data["problems"]
        if (
            not isinstance(tables, list)
            or not tables
            or not all(isinstance(t, dict) for t in tables)
        ):
            raise SweepFileError(
                f"Sweep file {name!r}: 'problems' must be a non-empty array of tables "
                "([[problems]] with n_samples, n_features, ...)."
            )
        specs = (_spec(name, i, t) for i, t in enumerate(tables, start=1))
        try:
            data["problems"] = unique_problems(specs)
        except DataError as err:
            raise SweepFileError(f"Sweep file {name!r}: {err}") from None
    return data


def _labels(name: str, table: Any) -> list[str]:
    """The solver labels of a sweep file's ``[solver_kwargs]`` table.

    See docs/user_guide/running.md, "Solver settings".
    """
    if not isinstance(table, dict):
        raise SweepFileError(
            f"Sweep file {name!r}: solver_kwargs = {table!r} is not valid; give a table of "
            'solver name = array of settings tables, e.g. "Newton[nemos]" = [{autodiff = true}].'
        )
    labels = []
    for solver, settings in table.items():
        many = settings if isinstance(settings, list) else [settings]
        if "{" in solver or "}" in solver or not all(isinstance(s, dict) for s in many):
            raise SweepFileError(
                f"Sweep file {name!r}: solver_kwargs entry {solver!r} = {settings!r} is not "
                "valid; give a solver name without braces = an array of settings tables, e.g. "
                '"Newton[nemos]" = [{autodiff = true}, {autodiff = false}].'
            )
        try:
            labels += [solver_label(solver.strip(), one) for one in many]
        except SolverLabelError as err:
            raise SweepFileError(f"Sweep file {name!r}, solver_kwargs: {err}") from None
    return labels


def _spec(name: str, index: int, table: dict) -> ProblemSpec:
    if "data" in table:  # the user's data file; a relative path is the sweep file's
        try:
            return data_table_spec(table, Path(name).parent)
        except (TypeError, ValueError) as err:
            raise SweepFileError(f"Sweep file {name!r}, problem {index}: {err}") from None
    unknown = sorted(set(table) - set(_PROBLEM_KEYS))
    if unknown:
        raise SweepFileError(
            f"Sweep file {name!r}, problem {index}: unknown key(s) {unknown}; accepted keys: "
            f"{_PROBLEM_KEYS}."
        )
    try:
        return ProblemSpec(**table)
    except (TypeError, ValueError) as err:
        raise SweepFileError(f"Sweep file {name!r}, problem {index}: {err}") from None


def _int_option(name: str, value: Any, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ConfigError(f"{name} must be an integer ≥ {minimum}, got {value!r}.")
    return value


def _float_option(name: str, value: Any, accepted: str, upper: float = math.inf) -> float:
    ok = _number(value) and math.isfinite(value) and 0 <= value < upper
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
