"""Shared test set-up: float64 JAX, a private problem cache, the scipy solvers registered."""

import os
import tempfile

import jax

jax.config.update("jax_enable_x64", True)
os.environ.setdefault("NEMOS_BENCH_CACHE", tempfile.mkdtemp(prefix="nemos-bench-test-cache-"))


import pytest  # noqa: E402


@pytest.fixture(scope="session")
def quick_run(tmp_path_factory):
    """The main job, as README runs it: `nemos-bench run` on the quick suite (no report)."""
    from nemos_bench.cli import main

    out = tmp_path_factory.mktemp("quick") / "run"
    code = main(["run", "--out", str(out), "--no-report"])
    assert code in (0, 1)  # 1: some cells not ok (e.g. SVRG at tight tolerance)
    return out


# A helper module, not tests: its class subclasses NeMoS's optax L-BFGS, whose class body
# carries optax's docstring examples, which --doctest-modules would run as this module's.
collect_ignore = ["foreign_solvers.py"]
