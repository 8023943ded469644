"""Shared test set-up: float64 JAX, a private problem cache, the scipy solvers registered."""

import os
import tempfile

import jax

jax.config.update("jax_enable_x64", True)
os.environ.setdefault("NEMOS_BENCH_CACHE", tempfile.mkdtemp(prefix="nemos-bench-test-cache-"))
