"""Solver labels: a registry name with solver settings, ``Algo[backend]{key=value,...}``.

A label names one benchmarked solver: NeMoS's registry name, optionally followed by the
settings passed to it as ``solver_kwargs`` (besides the sweep's ``tol`` and ``maxiter``).
The braces hold a TOML inline table without spaces, so values are TOML scalars: ``true`` /
``false``, integers, floats (``1e-6``, ``inf``) and double-quoted strings. The canonical
label sorts the keys and writes each value in TOML; a label without settings is the bare
registry name, so runs without settings keep their cell keys. This module is the one place
that writes labels and reads them back.
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Mapping
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

__all__ = [
    "LABEL_SYNTAX",
    "SolverLabelError",
    "parse_solver_label",
    "registry_name",
    "settings_text",
    "solver_label",
    "split_solver_list",
]

#: How a label is written, as error messages quote it.
LABEL_SYNTAX = 'Algo[backend]{key=value,...} with TOML values such as true, 10, 1e-6 or "text"'

#: Settings a label may not give: the sweep sets them for every solver (its axes).
_SWEEP_SETTINGS = ("tol", "maxiter")


class SolverLabelError(ValueError):
    """A malformed solver label; the message names it and the accepted syntax."""


def _malformed(label: str, why: str) -> SolverLabelError:
    return SolverLabelError(f"Solver label {label!r} is malformed ({why}); give {LABEL_SYNTAX}.")


def _scalar(value: Any) -> bool:
    return isinstance(value, (bool, int, float, str))


def _toml_value(value: Any) -> str:
    """``value`` written as a TOML scalar (the canonical form of a label's value)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        return repr(value)  # 1e-06, 0.5, inf, -inf, 1e+16: all valid TOML floats
    return json.dumps(value)  # a TOML basic string: double quotes, JSON escapes


def _check(label: str, settings: Mapping[Any, Any]) -> None:
    """Raise :class:`SolverLabelError` if ``settings`` cannot be the settings of ``label``."""
    for key, value in settings.items():
        if not isinstance(key, str) or not key.isidentifier():
            raise _malformed(label, f"key {key!r} is not a Python identifier")
        if key in _SWEEP_SETTINGS:
            raise SolverLabelError(
                f"Solver label {label!r} sets {key}, which the sweep sets for every solver "
                f"(--{key}); drop it from the label."
            )
        if not _scalar(value):
            kind = {dict: "a table", list: "an array"}.get(type(value), "a date or time")
            raise _malformed(
                label, f"the value of {key!r} is {kind}, not true/false, a number or a string"
            )


def settings_text(settings: Mapping[str, Any] | str) -> str:
    """The canonical ``key=value,...`` of ``settings`` (a mapping, or a label): sorted keys.

    This is what the ``solver_kwargs`` column holds; ``""`` when there are no settings.

    Examples
    --------
    >>> settings_text({"rtol": 1e-6, "autodiff": True, "method": "polak-ribiere"})
    'autodiff=true,method="polak-ribiere",rtol=1e-06'
    >>> settings_text("Newton[nemos]{jit=false}"), settings_text("LBFGS[scipy]")
    ('jit=false', '')
    """
    if isinstance(settings, str):
        settings = parse_solver_label(settings)[1]
    return ",".join(f"{key}={_toml_value(settings[key])}" for key in sorted(settings))


def solver_label(name: str, settings: Mapping[str, Any] | None = None) -> str:
    """The canonical label of registry name ``name`` with ``settings``.

    Parameters
    ----------
    name : str
        Registry name, e.g. ``"Newton[nemos]"``.
    settings : mapping, optional
        Solver keyword arguments: identifier keys, scalar values (bool, int, float, str),
        neither ``tol`` nor ``maxiter``.

    Returns
    -------
    str
        ``name`` alone when there are no settings, else ``name{k=v,...}`` with sorted keys.

    Raises
    ------
    SolverLabelError
        If a key or value cannot be written in a label.

    Examples
    --------
    >>> solver_label("Newton[nemos]", {"autodiff": True})
    'Newton[nemos]{autodiff=true}'
    >>> solver_label("LBFGS[scipy]", {})
    'LBFGS[scipy]'
    """
    settings = dict(settings or {})
    shown = ",".join(
        f"{k}={_toml_value(v) if _scalar(v) else repr(v)}" for k, v in settings.items()
    )
    _check(f"{name}{{{shown}}}", settings)
    return f"{name}{{{settings_text(settings)}}}" if settings else name


def parse_solver_label(label: str) -> tuple[str, dict[str, Any]]:
    """Split ``label`` into its registry name and its settings.

    Parameters
    ----------
    label : str
        ``Algo[backend]`` or ``Algo[backend]{key=value,...}`` (a short name such as
        ``LBFGS`` is kept as written; the catalog resolves it).

    Returns
    -------
    (str, dict)
        The name (without surrounding spaces) and the settings (empty when none).

    Raises
    ------
    SolverLabelError
        Naming the label and the accepted syntax: unbalanced braces, settings that are not
        TOML ``key=value`` pairs, a key that is not an identifier, a non-scalar value; or
        ``tol`` or ``maxiter``, which the sweep sets.

    Examples
    --------
    >>> parse_solver_label("Newton[nemos]{autodiff=true}")
    ('Newton[nemos]', {'autodiff': True})
    >>> parse_solver_label('NonlinearCG[optimistix]{method="polak-ribiere",rtol=1e-3}')
    ('NonlinearCG[optimistix]', {'method': 'polak-ribiere', 'rtol': 0.001})
    >>> parse_solver_label("LBFGS[scipy]")
    ('LBFGS[scipy]', {})
    >>> parse_solver_label("LBFGS[scipy]{autodiff}")
    Traceback (most recent call last):
    ...
    nemos_bench.solvers._labels.SolverLabelError: Solver label 'LBFGS[scipy]{autodiff}' is \
malformed (its settings are not TOML key=value pairs); give Algo[backend]{key=value,...} with \
TOML values such as true, 10, 1e-6 or "text".
    """
    text = str(label).strip()
    opening = text.find("{")
    if opening < 0:
        if "}" in text:
            raise _malformed(text, "a '}' without its '{'")
        if not text:
            raise _malformed(text, "no solver name")
        return text, {}
    name = text[:opening].strip()
    if not name or "}" in name:
        raise _malformed(text, "no solver name before '{'" if not name else "a '}' before '{'")
    if not text.endswith("}"):
        raise _malformed(text, "its settings do not end with '}'")
    try:
        settings = tomllib.loads(f"settings = {text[opening:]}")["settings"]
    except tomllib.TOMLDecodeError:
        raise _malformed(text, "its settings are not TOML key=value pairs") from None
    _check(text, settings)
    return name, settings


def registry_name(label: str) -> str:
    """The registry name of ``label`` (its settings dropped).

    Examples
    --------
    >>> registry_name("Newton[nemos]{autodiff=true}")
    'Newton[nemos]'
    """
    return parse_solver_label(label)[0]


def split_solver_list(text: str) -> list[str]:
    """Split a comma-separated list of labels (``--solvers``) at the commas between labels.

    Commas inside a label's braces (and inside its quoted strings) do not split; empty
    pieces are dropped.

    Examples
    --------
    >>> split_solver_list("LBFGS[scipy], Newton[nemos]{autodiff=true,jit=false}")
    ['LBFGS[scipy]', 'Newton[nemos]{autodiff=true,jit=false}']
    >>> split_solver_list(",")
    []
    """
    pieces, current, depth, quote, escaped = [], [], 0, None, False
    for char in str(text):
        if quote is not None:  # inside a TOML string: only its closing quote counts
            if escaped:
                escaped = False
            elif char == "\\" and quote == '"':
                escaped = True
            elif char == quote:
                quote = None
        elif char in "\"'" and depth > 0:
            quote = char
        elif char == "{":
            depth += 1
        elif char == "}":
            depth = max(depth - 1, 0)
        elif char == "," and depth == 0:
            pieces.append("".join(current))
            current = []
            continue
        current.append(char)
    pieces.append("".join(current))
    return [piece.strip() for piece in pieces if piece.strip()]
