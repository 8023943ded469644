"""Sweep files (TOML): read, checked key by key, their problems and solver labels parsed."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path
from typing import Any

from ..problems import DataError, ProblemSpec, data_table_spec, unique_problems
from ..solvers import SolverLabelError, solver_label
from ._sweepconfig import ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

__all__ = ["SweepFileError", "load_sweep_file", "is_number"]

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
#: Expected TOML type of each key: (test, what is accepted).
_TYPES = {
    "suite": (lambda v: isinstance(v, str), "a suite name (string)"),
    "solvers": (lambda v: _str_list(v), "an array of solver names"),
    "solver_classes": (lambda v: _str_list(v), "an array of 'package.module:ClassName'"),
    "tols": (
        lambda v: is_number(v) or (isinstance(v, list) and all(is_number(t) for t in v)),
        "a number or an array of numbers",
    ),
    "timeout": (lambda v: is_number(v), "a number of seconds"),
    "time_budget": (lambda v: is_number(v), "a number of seconds"),
    "ci_target": (lambda v: is_number(v), "a number such as 0.05"),
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


def is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


class SweepFileError(ConfigError):
    """A sweep file that cannot be read or holds an invalid value."""


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
