"""Problems written on the command line: the problem-id syntax, with fields in any order.

``nemos-bench run --problems`` takes the ids the harness prints, e.g.
``poisson[n=50000,p=100,k=20,noise=0.0,reg=Ridge,lam=0.001,seed=0,design=spike_history]``,
and also shorter forms of them: fields may come in any order, and every field but ``n`` and
``p`` may be left out and takes :class:`ProblemSpec`'s default (``k=1``, ``noise=0.0``,
``seed=0``, ``reg=UnRegularized``, ``lam`` the regularizer's default strength, and the
optional axes at theirs). An exact id gives the same spec as :meth:`ProblemSpec.from_id`.
"""

from __future__ import annotations

import re

from ._axes import AXES
from ._families import OBSERVATIONS, get_family
from ._spec import ProblemSpec

__all__ = ["FIELDS", "parse_problem", "split_problems"]

_PREFIXES = {get_family(name).prefix: name for name in OBSERVATIONS}


def _int(text: str) -> int:
    if not re.fullmatch(r"\d+", text):
        raise ValueError
    return int(text)


def _name(text: str) -> str:
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", text):
        raise ValueError
    return text


#: key -> (ProblemSpec field, parser, what is accepted), in the order ids write them.
FIELDS: dict[str, tuple[str, object, str]] = {
    "n": ("n_samples", _int, "a positive integer (samples)"),
    "p": ("n_features", _int, "a positive integer (features)"),
    "k": ("n_outputs", _int, "a positive integer (outputs, neurons)"),
    "noise": ("noise", float, "a non-negative number"),
    "reg": ("regularizer", _name, "a regularizer name"),
    "lam": ("regularizer_strength", float, "a non-negative number"),
    "seed": ("seed", _int, "an integer in [0, 2**32 - 1]"),
    **{
        axis.key: (axis.field, axis.parse, "a value of " + axis.field)
        for axis in AXES
        if axis.suffix
    },
}

_FORM = re.compile(r"(?P<prefix>[A-Za-z_]+)\[(?P<body>[^\[\]]*)\]")


def split_problems(text: str) -> list[str]:
    """Split a comma-separated list of problem ids at the commas outside brackets.

    Examples
    --------
    >>> split_problems("poisson[n=100,p=2], gamma[n=50,p=3]")
    ['poisson[n=100,p=2]', 'gamma[n=50,p=3]']
    """
    parts, depth, start = [], 0, 0
    for i, char in enumerate(text):
        depth += (char == "[") - (char == "]")
        if char == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return [part.strip() for part in parts if part.strip()]


def parse_problem(text: str) -> ProblemSpec:
    """The spec of one problem written as ``prefix[key=value,...]`` (see the module docstring).

    Parameters
    ----------
    text :
        E.g. ``"poisson[n=2000,p=20,k=3,reg=Ridge,lam=0.001]"``; the prefix is an
        observation model's lower-case name.

    Returns
    -------
    ProblemSpec

    Raises
    ------
    ValueError
        One sentence naming the bad prefix, key or value and what is accepted.

    Examples
    --------
    >>> spec = parse_problem("poisson[n=2000,p=20,k=3,reg=Ridge,lam=0.001]")
    >>> spec.problem_id
    'poisson[n=2000,p=20,k=3,noise=0.0,reg=Ridge,lam=0.001,seed=0]'
    >>> parse_problem(spec.problem_id) == spec
    True
    >>> parse_problem("poisson[p=20,n=500,design=spike_history,k=2]").design
    'spike_history'
    """
    match = _FORM.fullmatch(text.strip()) if isinstance(text, str) else None
    if match is None:
        raise ValueError(
            f"Problem {text!r} is not of the form model[key=value,...], e.g. "
            "poisson[n=2000,p=20,k=3,reg=Ridge,lam=0.001]."
        )
    prefix = match["prefix"]
    if prefix not in _PREFIXES:
        raise ValueError(
            f"Problem {text!r}: unknown model {prefix!r}; accepted: {', '.join(sorted(_PREFIXES))}."
        )
    values: dict = {"observation": _PREFIXES[prefix]}
    for pair in filter(None, (p.strip() for p in match["body"].split(","))):
        key, sep, value = (s.strip() for s in pair.partition("="))
        if key not in FIELDS or not sep:
            raise ValueError(
                f"Problem {text!r}: {pair!r} is not key=value with a known key; accepted "
                f"keys: {', '.join(FIELDS)}."
            )
        field, parse, accepted = FIELDS[key]
        if field in values:
            raise ValueError(f"Problem {text!r} gives {key} twice; give each key once.")
        try:
            values[field] = parse(value)
        except ValueError:
            raise ValueError(
                f"Problem {text!r}: {key}={value!r} is not valid; give {accepted}."
            ) from None
    missing = [key for key in ("n", "p") if FIELDS[key][0] not in values]
    if missing:
        raise ValueError(
            f"Problem {text!r} lacks {' and '.join(k + '=' for k in missing)}; give at least "
            "n (samples) and p (features), e.g. poisson[n=2000,p=20]."
        )
    try:
        return ProblemSpec(**values)
    except (TypeError, ValueError) as err:
        raise ValueError(f"Problem {text!r}: {err}") from None
