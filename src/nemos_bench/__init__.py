"""nemos-bench: benchmark NeMoS solvers, including a scipy.optimize adapter.

Subpackages
-----------
solvers   the scipy adapter (``LBFGS[scipy]`` and friends) and NeMoS compatibility
problems  synthetic Poisson GLM problems with certified reference optima
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
