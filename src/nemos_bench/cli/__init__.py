"""The ``nemos-bench`` command line: list, run, report, compare, verify, asv and advise.

A thin layer over the library: ``run`` is :func:`nemos_bench.sweep.build_config` and
:func:`nemos_bench.sweep.run_sweep`, ``report`` :func:`nemos_bench.report.build_report`,
``compare`` :func:`nemos_bench.compare.run_compare`, ``verify``
:func:`nemos_bench.verify.verify_run`. No other package imports it.
"""

from ._main import main

__all__ = ["main"]
