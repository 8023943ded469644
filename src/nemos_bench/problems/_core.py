"""The first release's fields of a problem spec: their checks and their spelling in an id.

``n_samples``, ``n_features``, ``n_outputs``, ``noise``, ``seed``, ``regularizer`` and
``regularizer_strength`` are in every problem id (``poisson[n=...,seed=...]``, the prefix
naming the observation model) and in every content hash; the fields added since are the
optional axes of ``_axes``, appended to the id only where they differ from their default.
This module does not import ``_axes``: ``_spec`` joins the two.
"""

from __future__ import annotations

import re

from ._checks import check_nonneg_float, check_positive_int, is_int
from ._families import OBSERVATIONS, get_family
from ._penalties import DEFAULT_STRENGTHS, REGULARIZERS

__all__ = ["ID_FORM", "PREFIXES", "checked_core", "core_id", "parse_core"]

#: Problem-id prefix of each observation model.
PREFIXES = {get_family(name).prefix: name for name in OBSERVATIONS}

_SEED_MAX = 2**32 - 1  # sklearn's ``random_state`` accepts integers in [0, 2**32 - 1]

#: The accepted form of a problem id, as error messages state it.
ID_FORM = (
    "poisson[n=<int>,p=<int>,k=<int>,noise=<float>,reg=<name>,lam=<float>,seed=<int>] "
    f"(poisson or another observation model's lower-case name: {', '.join(sorted(PREFIXES))}) "
    "with, before the closing bracket, any of ,design=<name>,window=<int>,rate=<float>,"
    "rank=<int>,tail=<float>,ratio=<float>,group=<int>,data=<16 hex digits>,bin=<float> in "
    "that order"
)
_ID_RE = re.compile(
    r"(?P<obs>[a-z]+)\[n=(?P<n>\d+),p=(?P<p>\d+),k=(?P<k>\d+),noise=(?P<noise>[^,\[\]=]+),"
    r"reg=(?P<reg>[A-Za-z]+),lam=(?P<lam>[^,\[\]=]+),seed=(?P<seed>\d+)(?P<axes>[^\[\]]*)\]"
)


def checked_core(spec) -> dict:
    """Validated, normalized values of the first release's fields, in their order.

    ``n_samples`` ... ``regularizer_strength``; a ``ValueError`` names the first bad one.
    ``spec`` is the :class:`ProblemSpec` being built; only its fields are read.

    Examples
    --------
    >>> from types import SimpleNamespace as S
    >>> spec = S(n_samples=10, n_features=2, n_outputs=1, noise=0, seed=3,
    ...          regularizer="Ridge", regularizer_strength=None)
    >>> checked_core(spec)["regularizer_strength"] > 0
    True
    """
    values = {
        "n_samples": check_positive_int("n_samples", spec.n_samples),
        "n_features": check_positive_int("n_features", spec.n_features),
        "n_outputs": check_positive_int("n_outputs", spec.n_outputs),
        "noise": check_nonneg_float("noise", spec.noise),
    }
    if not is_int(spec.seed) or not 0 <= spec.seed <= _SEED_MAX:
        raise ValueError(f"`seed` must be an integer in [0, 2**32 - 1], got {spec.seed!r}.")
    values["seed"] = int(spec.seed)
    if spec.regularizer not in REGULARIZERS:
        raise ValueError(
            f"`regularizer` must be one of {list(REGULARIZERS)}, got {spec.regularizer!r}."
        )
    strength = spec.regularizer_strength
    if strength is None:
        strength = DEFAULT_STRENGTHS[spec.regularizer]
    strength = check_nonneg_float("regularizer_strength", strength)
    if spec.regularizer == "UnRegularized" and strength != 0.0:
        raise ValueError(
            f"`regularizer_strength` must be 0.0 (or None) for 'UnRegularized', got "
            f"{spec.regularizer_strength!r}; use regularizer='Ridge' for a penalty."
        )
    if spec.regularizer != "UnRegularized" and strength == 0.0:
        raise ValueError(
            f"`regularizer_strength` must be positive for {spec.regularizer!r}, got "
            f"{spec.regularizer_strength!r}; use regularizer='UnRegularized' for no penalty."
        )
    values["regularizer_strength"] = strength
    return values


def core_id(spec, axes: str) -> str:
    """The problem id of ``spec`` with ``axes`` (the optional axes' ``,key=value`` suffix).

    Floats are written with ``repr`` (the shortest string that round-trips).

    Examples
    --------
    >>> from types import SimpleNamespace as S
    >>> spec = S(observation="Gamma", n_samples=10, n_features=2, n_outputs=1, noise=0.0,
    ...          regularizer="UnRegularized", regularizer_strength=0.0, seed=3)
    >>> core_id(spec, ",rate=0.5")
    'gamma[n=10,p=2,k=1,noise=0.0,reg=UnRegularized,lam=0.0,seed=3,rate=0.5]'
    """
    return (
        f"{get_family(spec.observation).prefix}[n={spec.n_samples},p={spec.n_features},"
        f"k={spec.n_outputs},noise={spec.noise!r},reg={spec.regularizer},"
        f"lam={spec.regularizer_strength!r},seed={spec.seed}{axes}]"
    )


def parse_core(problem_id) -> tuple[dict, dict, str]:
    """The fields ``problem_id`` spells before its optional axes, and the axes' text.

    Returns the fields other than the integers, the integers (``n_samples``,
    ``n_features``, ``n_outputs``, ``seed``) as their digits, and the ``,key=value`` text
    of the axes. ``ValueError`` or ``KeyError`` if ``problem_id`` is not of the form
    :data:`ID_FORM` (the caller words the error).

    Examples
    --------
    >>> parse_core("gamma[n=10,p=2,k=1,noise=0.0,reg=Ridge,lam=0.5,seed=3,rate=0.5]")[1:]
    ({'n_samples': '10', 'n_features': '2', 'n_outputs': '1', 'seed': '3'}, ',rate=0.5')
    """
    match = _ID_RE.fullmatch(problem_id) if isinstance(problem_id, str) else None
    if match is None:
        raise ValueError(problem_id)
    fields = {
        "noise": float(match["noise"]),
        "regularizer": match["reg"],
        "regularizer_strength": float(match["lam"]),
        "observation": PREFIXES[match["obs"]],
    }
    digits = {"n_samples": "n", "n_features": "p", "n_outputs": "k", "seed": "seed"}
    return fields, {name: match[key] for name, key in digits.items()}, match["axes"]
