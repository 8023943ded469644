"""Import the heavy dependencies once, in asv's forkserver, before it forks each benchmark.

``asv.conf.json`` sets ``"launch_method": "forkserver"``: one server process imports every
module of this suite, then forks a fresh child per benchmark and parameter set. This module
is imported there (and by discovery), never by a benchmark's own module, so each child
inherits JAX, NeMoS and nemos-bench already imported (about 1.3 s saved per child) while a
``--launch-method=spawn`` run does not pay the import in its cheap ``track_*`` processes.

Importing must not *initialise* JAX (no arrays, no compilation, no solver registration):
forking a process whose XLA runtime threads are running is unsafe.
"""

try:
    import jax

    jax.config.update("jax_enable_x64", True)
    import nemos  # noqa: F401

    import nemos_bench.measure  # noqa: F401
    import nemos_bench.problems  # noqa: F401
    import nemos_bench.solvers  # noqa: F401
    import nemos_bench.sweep  # noqa: F401
except Exception:  # noqa: BLE001  a commit (of the harness or of NeMoS) that does not import:
    pass  # the benchmarks skip themselves in setup, saying why (common.harness)
