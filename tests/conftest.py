"""Shared test set-up: one OpenMP thread, float64 JAX, a private problem cache, and the
quick-suite run that the slow quick-suite test reads.

README's test command runs the suite on two pytest-xdist workers (``-n 2``), each test file
on one worker (pyproject's ``--dist loadfile``): a module-scoped fixture is computed once, and
so is a session-scoped one whose tests are all in one file. Each worker computes the session
fixtures its tests use, so keep the readers of an expensive one in one file.
"""

import os
import tempfile

# One OpenMP thread (and BLAS thread, where OPENBLAS_NUM_THREADS is unset) per test process,
# set before anything loads them, and inherited by every subprocess and worker the tests start.
# Two workers share two cores: glum's coordinate descent on two OpenMP threads
# (test_models_solvers' negative-binomial Lasso and elastic net) took 42 and 64 s per fit on a
# machine busy with other processes, 0.2 and 1.4 s idle; on one thread, under 1 s even beside
# two busy processes. A value the user set is kept.
os.environ.setdefault("OMP_NUM_THREADS", "1")

import jax  # noqa: E402

jax.config.update("jax_enable_x64", True)
# Set here, before the xdist workers start, so that they share one cache of problems and
# reference optima (its writes are atomic, tests/test_problems.py checks concurrent fills).
os.environ.setdefault("NEMOS_BENCH_CACHE", tempfile.mkdtemp(prefix="nemos-bench-test-cache-"))


import pytest  # noqa: E402


@pytest.fixture(scope="session")
def quick_run(tmp_path_factory):
    """The main job, as README runs it: `nemos-bench run` on the quick suite (no report).

    Its reader is tests/test_runner.py's quick-suite test (slow: CI's slow leg runs it).
    """
    from nemos_bench.cli import main

    out = tmp_path_factory.mktemp("quick") / "run"
    code = main(["run", "--out", str(out), "--no-report"])
    assert code in (0, 1)  # 1: some cells not ok (e.g. SVRG at tight tolerance)
    return out


# A helper module, not tests: its class subclasses NeMoS's optax L-BFGS, whose class body
# carries optax's docstring examples, which --doctest-modules would run as this module's.
collect_ignore = ["foreign_solvers.py"]
