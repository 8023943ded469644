"""User solver classes for tests that load solvers by import path."""

import jax
import jax.numpy as jnp
import numpy as np

from nemos_bench.solvers import ScipyLBFGS, ScipyMinimize


class MyBFGS(ScipyMinimize):
    """A user's solver: scipy BFGS through the adapter, registered as ``MyBFGS[custom]``."""

    fixed_method = "BFGS"


class WrongSignature(ScipyMinimize):
    """Renames ``run``'s first argument, which NeMoS's validator rejects."""

    def run(self, params, *args):  # noqa: D102
        return super().run(params, *args)


class NotReturningTriples(ScipyMinimize):
    """Returns two values from ``run`` instead of ``(params, state, aux)``."""

    def run(self, init_params, *args):  # noqa: D102
        params, state, _ = super().run(init_params, *args)
        return params, state


NOT_A_CLASS = jnp.zeros(2)


class CachingLBFGS(ScipyLBFGS):
    """Returns the answer of its first ``run`` from every later call, whatever the data."""

    def run(self, init_params, *args):  # noqa: D102
        if getattr(self, "_cached", None) is None:
            self._cached = super().run(init_params, *args)
        return self._cached


class WarmStartLBFGS(ScipyLBFGS):
    """Starts every ``run`` after the first from its previous answer, not from ``init_params``."""

    def run(self, init_params, *args):  # noqa: D102
        start = getattr(self, "_last", None)
        out = super().run(init_params if start is None else start, *args)
        self._last = out[0]
        return out


class JitteryLBFGS(ScipyLBFGS):
    """An honest solver that is not deterministic: each ``run`` (the first call of a fresh
    instance too) starts from ``init_params`` moved by a random 0.3, drawn afresh, as the
    last bits of a reduction can steer an ill-conditioned fit elsewhere."""

    def run(self, init_params, *args):  # noqa: D102
        rng = np.random.default_rng()
        nudged = jax.tree_util.tree_map(
            lambda p: p + 0.3 * rng.standard_normal(np.shape(p)), init_params
        )
        return super().run(nudged, *args)
