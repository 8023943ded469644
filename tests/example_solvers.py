"""User solver classes for tests that load solvers by import path."""

import hashlib
import os
import time

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


class IdMemoLBFGS(ScipyLBFGS):
    """Remembers each answer under the identity of the data arrays it was given (and keeps
    them alive, so an identity is never reused): a repeated call on the same arrays is
    answered from memory."""

    def run(self, init_params, *args):  # noqa: D102
        memo = self.__dict__.setdefault("_memo", {})
        key = tuple(id(a) for a in args)
        if key not in memo:
            memo[key] = (args, super().run(init_params, *args))
        return memo[key][1]


class HashMemoLBFGS(ScipyLBFGS):
    """Remembers each answer under a hash of the bytes of the data arrays: a call on data of
    the same content, in any arrays, is answered from memory."""

    def run(self, init_params, *args):  # noqa: D102
        memo = self.__dict__.setdefault("_memo", {})
        key = hashlib.sha1(b"".join(np.asarray(a).tobytes() for a in args)).hexdigest()
        if key not in memo:
            memo[key] = super().run(init_params, *args)
        return memo[key]


class SleepyLBFGS(ScipyLBFGS):
    """An honest solver that sleeps 5 ms in every ``run`` before fitting."""

    def run(self, init_params, *args):  # noqa: D102
        time.sleep(0.005)
        return super().run(init_params, *args)


class ToggleRecompileLBFGS(ScipyLBFGS):
    """An honest solver that, when ``NEMOS_BENCH_TEST_RECOMPILE=1``, builds fresh jitted
    functions in every ``run`` (so every call compiles again), as a solver whose ``run`` is
    not jitted does; otherwise it is LBFGS[scipy]. One class name for both, so a gate can
    compare a run of each."""

    def run(self, init_params, *args):  # noqa: D102
        if os.environ.get("NEMOS_BENCH_TEST_RECOMPILE") == "1":
            self._compiled = {}
        return super().run(init_params, *args)
