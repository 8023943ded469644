"""User solver classes for tests that load solvers by import path."""

import jax.numpy as jnp

from nemos_bench.solvers import ScipyMinimize


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
