"""Fresh data for every timed repeat: the same fit, on arrays a solver has never seen.

A solver that memoizes its answer on the identity or the bytes of its data arrays would
answer a repeated call on the same arrays from memory. So each timed repeat gets new
arrays with new content that do exactly the same work: the design with the signs of some
columns flipped (and the starting coefficients of those columns flipped with them). In
IEEE arithmetic negation is exact and rounding is symmetric, so every product, sum, line
search and update of a fit on the flipped data equals the original one up to those signs:
the same steps and, once the signs are flipped back, bit for bit the same parameters.
Copying and flipping happen outside the timed calls. The flip patterns are distinct
while the number of features allows (``2**p - 1`` patterns).

A probe then repeats the last timed call on its very arrays: a solver that answers it
much faster than any fit on fresh arrays remembers answers (see :func:`memo_reason`).
"""

from __future__ import annotations

import time

import jax
import jax.numpy as jnp
import numpy as np

from ..solvers import coef_intercept
from ._timing import block

__all__ = [
    "CONFIRM_PAIRS",
    "PROBE_FRACTION",
    "FreshData",
    "memo_reason",
    "probe_repeated",
    "probe_time",
]

#: A repeated call faster than this fraction of the fastest fit on fresh arrays remembers.
PROBE_FRACTION = 0.5
#: Interleaved (fresh, repeated) pairs of calls that confirm a suspicious probe.
CONFIRM_PAIRS = 5


def _flip_coef(params, signs: np.ndarray):
    """``params`` with the coefficients of the flipped features negated."""
    coef, _ = coef_intercept(params)
    factor = jnp.asarray(signs if np.ndim(coef) == 1 else signs[:, None], dtype=coef.dtype)
    leaves, treedef = jax.tree_util.tree_flatten(params)
    leaves = [leaf * factor if leaf is coef else leaf for leaf in leaves]
    return jax.tree_util.tree_unflatten(treedef, leaves)


def _pattern(index: int, n_features: int) -> np.ndarray:
    """Signs of the ``index``-th pattern: the bits of ``index + 1`` (cycling), never all +1."""
    patterns = 2**n_features - 1 if n_features < 62 else 2**62
    code = index % patterns + 1
    bits = [(code >> j) & 1 for j in range(min(n_features, 62))]
    bits += [0] * (n_features - len(bits))
    return np.where(np.asarray(bits, dtype=bool), -1.0, 1.0)


class FreshData:
    """``prepare`` for the timed repeats (see :func:`~._sampling.time_adaptive`).

    ``self(index)`` returns ``(params0', X', y')``: a new copy of the design with the
    ``index``-th sign pattern applied to its columns, the starting parameters flipped
    alike, and a new copy of ``y``. :meth:`restore` flips a call's output back.

    Examples
    --------
    >>> X, y = jnp.arange(6.0).reshape(3, 2), jnp.ones(3)
    >>> fresh = FreshData((jnp.ones(2), jnp.zeros(1)), X, y)
    >>> p, X1, y1 = fresh(0)
    >>> X1.tolist(), p[0].tolist(), X1 is X or y1 is y
    ([[-0.0, 1.0], [-2.0, 3.0], [-4.0, 5.0]], [-1.0, 1.0], False)
    >>> [float(v) for v in fresh.restore(0, (p, None, None))[0][0]]
    [1.0, 1.0]
    """

    def __init__(self, params0, X, y):
        self.params0, self.X, self.y = params0, X, y
        self.signs: dict[int, np.ndarray] = {}
        self.last = (params0, X, y)

    def __call__(self, index: int) -> tuple:
        signs = _pattern(index, int(self.X.shape[1]))
        self.signs[index] = signs
        X = self.X * jnp.asarray(signs, dtype=self.X.dtype)
        self.last = (_flip_coef(self.params0, signs), *block((X, jnp.array(self.y))))
        return self.last

    def restore(self, index: int, output):
        """``output`` of the call on data ``index`` with its coefficients flipped back."""
        params, *rest = output
        return (_flip_coef(params, self.signs[index]), *rest)


def probe_time(fit, args, tries: int = 1) -> float:
    """Fastest of ``tries`` calls of ``fit(*args)`` (outputs blocked), in seconds."""
    best = float("inf")
    for _ in range(tries):
        start = time.perf_counter()
        block(fit(*args))
        best = min(best, time.perf_counter() - start)
    return best


def probe_repeated(fit, fresh: FreshData, fastest_s: float, solver: str, steps: int):
    """``(probe_s, reason)``: time a repeated call of ``fit`` on the last timed arrays.

    ``reason`` is :func:`memo_reason`'s sentence when the repeated call beat the fastest fit
    on fresh arrays (``fastest_s``) by more than ``PROBE_FRACTION`` in the first probe and
    again over ``CONFIRM_PAIRS`` interleaved pairs of a call on fresh arrays and a call
    repeating them (so both sides meet the same load), else ``None``.
    """
    probe_s = probe_time(fit, fresh.last)
    if memo_reason(solver, probe_s, fastest_s, steps) is None:
        return probe_s, None
    fresh_times, repeated_times = [], []
    for j in range(CONFIRM_PAIRS):
        fresh_times.append(probe_time(fit, fresh(10_000 + j)))
        repeated_times.append(probe_time(fit, fresh.last))
    probe_s = min(repeated_times)
    return probe_s, memo_reason(solver, probe_s, min(fresh_times), steps)


def memo_reason(solver: str, probe_s: float, fresh_s: float, steps: int) -> str | None:
    """The ``failed`` sentence when a repeated call beat fresh arrays, else ``None``.

    Examples
    --------
    >>> memo_reason("A[b]", 0.009, 0.010, 12) is None
    True
    >>> memo_reason("A[b]", 0.0002, 0.010, 12)[:58]
    'A[b] answered a repeated call on the same data arrays in 0'
    """
    if probe_s >= PROBE_FRACTION * fresh_s:
        return None
    return (
        f"{solver} answered a repeated call on the same data arrays in {probe_s * 1e3:.3g} ms, "
        f"against {fresh_s * 1e3:.3g} ms for the same {steps}-step fit on fresh arrays of "
        "sign-flipped data: the time is below what the steps it reports can cost, so the "
        "solver returns a remembered answer (memoized on its data arrays) instead of "
        "fitting; no time is reported."
    )
