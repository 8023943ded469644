"""nemos-bench: benchmark NeMoS solvers, including a scipy.optimize adapter.

Subpackages
-----------
problems   GLM problems (synthetic or the user's data) with certified reference optima
results    the run directory: schema, store, statistics
solvers    the scipy adapter (``LBFGS[scipy]`` and friends) and NeMoS compatibility
measure    one (problem, solver, tolerance) cell, timed honestly
sweep      planning many cells and running them (in process, isolated, Dask)
report     the HTML report; compare: two runs compared; verify: a run audited
asv_tools  asv setup and dashboard; cli: the ``nemos-bench`` command
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
