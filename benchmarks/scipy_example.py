"""Fit one Poisson GLM with ``LBFGS[scipy]`` and native ``LBFGS`` and print both objectives.

Run with ``python benchmarks/scipy_example.py`` (not an asv benchmark: a script).
"""

from __future__ import annotations

import time

import numpy as np

__all__ = ["main"]


def main() -> None:
    """Fit a small simulated problem with two solvers and print objectives and times."""
    import jax

    jax.config.update("jax_enable_x64", True)
    import nemos as nmo

    from nemos_bench.solvers import register_scipy_solvers

    register_scipy_solvers()
    rng = np.random.default_rng(0)
    X = rng.normal(size=(5000, 20)) / np.sqrt(20)
    y = rng.poisson(np.exp(0.2 + X @ rng.normal(size=20))).astype(float)
    for name in ("LBFGS[scipy]", "LBFGS"):
        model = nmo.glm.GLM(solver_name=name, solver_kwargs={"tol": 1e-10, "maxiter": 5000})
        start = time.perf_counter()
        model.fit(X, y)
        elapsed = time.perf_counter() - start
        eta = X @ np.asarray(model.coef_) + np.asarray(model.intercept_)
        objective = float(np.mean(np.exp(eta) - y * eta))
        print(f"{name:>14}: objective {objective:.12f}  fit (compile included) {elapsed:.2f} s")


if __name__ == "__main__":
    main()
