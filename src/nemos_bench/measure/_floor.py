"""A physical floor under a fit's time: its steps cannot cost less than their evaluations.

A solver that remembers its answers (memoized on the identity or the bytes of its data
arrays) returns a repeated fit in microseconds, with the optimisation summary of the first
fit. Timing the repeats on fresh copies of the data defeats a look-up by identity; one
that hashes the bytes still finds its answer. Both are caught by the floor: a fit that
reports ``k >= 1`` steps did at least ``k`` evaluations of the objective and its gradient
on the data, so its time cannot be below ``FLOOR_FRACTION * k`` times what one such
evaluation costs on the same data in the same process. The cost of one evaluation is
measured inside a compiled loop (no per-call dispatch), as a solver's own loop runs it,
and its fastest batch is kept (load only adds time), so the floor is conservative.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import jax
import jax.numpy as jnp

from ._timing import block

__all__ = ["FLOOR_FRACTION", "Floor", "below_floor_reason", "evaluation_cost"]

#: Fraction of ``k`` evaluations' cost a fit of ``k`` steps must at least take.
FLOOR_FRACTION = 0.25
#: Evaluations per timed batch (fewer where one takes long: a batch then aims at about
#: ``_BATCH_S`` seconds), and batches timed (the fastest is kept, less the fastest empty one).
_LOOP, _BATCH_S, _BATCHES = 32, 0.05, 5

_cost_cache: dict = {}


@dataclass(frozen=True)
class Floor:
    """The cost of one objective-and-gradient evaluation of a problem, in seconds."""

    evaluation_s: float

    def seconds(self, steps: int) -> float:
        """The least time a fit of ``steps`` steps can take."""
        return FLOOR_FRACTION * max(int(steps), 0) * self.evaluation_s


@dataclass(frozen=True)
class _Cached(Floor):
    batch: object = None
    loop: int = 1


def _scalar_loss(model, X, y):
    def loss(params):
        value = model._compute_loss(params, X, y)
        if isinstance(value, tuple):  # a loss with aux
            value = value[0]
        return jnp.sum(value)

    return loss


def evaluation_cost(key, model, params, X, y, *, again: bool = False) -> Floor:
    """Measure (once per ``key``) what one objective-and-gradient evaluation costs.

    The fastest of several batches of evaluations in a compiled loop is kept, less the
    fastest empty batch (the call's dispatch). On a loaded machine every batch can be
    slowed (JAX's thread pools wait for descheduled threads), which would raise the floor,
    so ``again=True`` measures once more, a little later, and keeps the lower of the two:
    a fit is only failed on a floor measured twice.

    Parameters
    ----------
    key : hashable
        Identifies the problem (e.g. its spec); the last key's cost is cached.
    model :
        A NeMoS model set up for the problem (its ``_compute_loss`` is evaluated).
    params :
        Parameters in the model's internal form (as ``solver.run`` takes them).
    X, y :
        The data.
    again : bool
        Measure again and keep the lower cost.

    Returns
    -------
    Floor

    Examples
    --------
    >>> import nemos as nmo, numpy as np
    >>> from nemos_bench.solvers import initial_params
    >>> X = jnp.asarray(np.random.default_rng(0).normal(size=(200, 3)))
    >>> y, model = jnp.ones(200), nmo.glm.GLM()
    >>> floor = evaluation_cost("doc", model, initial_params(model, X, y), X, y)
    >>> 0 < floor.evaluation_s < 0.01, floor.seconds(10) == 2.5 * floor.evaluation_s
    (True, True)
    >>> evaluation_cost("doc", model, None, X, y, again=True).evaluation_s <= floor.evaluation_s
    True
    """
    cached = _cost_cache.get(key)
    if cached is not None and not again:
        return cached
    if cached is None:
        batch = _compiled_batch(model, params, X, y)
        rough = _per_evaluation(batch, 8, 3, again)
        loop = _LOOP if rough * _LOOP <= _BATCH_S else max(1, int(_BATCH_S // max(rough, 1e-12)))
        best = float("inf")
    else:
        batch, loop, best = cached.batch, cached.loop, cached.evaluation_s
    best = min(best, _per_evaluation(batch, loop, _BATCHES, again))
    _cost_cache.clear()
    _cost_cache[key] = _Cached(best, batch, loop)
    return _cost_cache[key]


def _per_evaluation(batch, n: int, tries: int, spread: bool) -> float:
    """Seconds per evaluation: fastest batch of ``n`` less fastest empty batch, over ``n``.

    Subtracting the empty batch removes the call's dispatch, which on a loaded machine can
    cost more than many evaluations of a small problem; never negative.
    """
    fastest = {0: float("inf"), n: float("inf")}
    for _ in range(tries):
        for count in (0, n):
            time.sleep(0.002 if spread else 0.0)  # spread over the machine's time slices
            start = time.perf_counter()
            block(batch(count))
            fastest[count] = min(fastest[count], time.perf_counter() - start)
    return max(fastest[n] - fastest[0], 0.0) / n


def _compiled_batch(model, params, X, y):
    """``batch(n)``: ``n`` evaluations from ``params`` in one compiled loop (compiled here)."""
    loss = _scalar_loss(model, X, y)

    @jax.jit
    def batch(p, n):
        def body(_, carry):
            p, total = carry
            value, grad = jax.value_and_grad(loss)(p)
            # a step too small to matter keeps each evaluation dependent on the last
            p = jax.tree_util.tree_map(lambda a, g: a - 1e-30 * g, p, grad)
            return p, total + value

        return jax.lax.fori_loop(0, n, body, (p, jnp.zeros(())))

    block(batch(params, 1))  # compile (the count is traced: one compilation for every n)
    return lambda n: batch(params, n)


def below_floor_reason(solver: str, fit_s: float, steps: int, floor: Floor) -> str | None:
    """The ``failed`` row's sentence when ``fit_s`` is below the floor of ``steps``, else None.

    Examples
    --------
    >>> floor = Floor(1e-4)
    >>> below_floor_reason("X[custom]", 0.02, 100, floor) is None
    True
    >>> below_floor_reason("X[custom]", 2e-5, 100, floor)[:63]
    'X[custom] took 0.02 ms for a fit of 100 steps, below the 2.5 ms'
    """
    least = floor.seconds(steps)
    if steps < 1 or fit_s >= least:
        return None
    return (
        f"{solver} took {fit_s * 1e3:.3g} ms for a fit of {steps} steps, below the "
        f"{least * 1e3:.3g} ms that {FLOOR_FRACTION:g} x {steps} objective-and-gradient "
        f"evaluations cost on this data ({floor.evaluation_s * 1e6:.3g} µs each, measured in "
        "this process): the time is below what the steps it reports can cost, so the solver "
        "returns a remembered answer (e.g. memoized on its data arrays) instead of fitting; "
        "no time is reported."
    )
