"""Workloads: what a NeMoS user pays end to end for a regularization path or a GridSearchCV.

Beside the single-fit cells, a workload times a whole user workflow, compilation included:
``path`` fits G regularizer strengths in sequence, ``cv`` runs scikit-learn's GridSearchCV
over G strengths x K folds. Each run starts from cleared JAX caches, counts compilations
with JAX's compile log, and judges every fit against the certified optimum of its own rows
and strength.
"""

import importlib

from ._spec import (
    DEFAULT_FOLDS,
    DEFAULT_N_STRENGTHS,
    DEFAULT_WORKLOAD_REPEATS,
    WORKLOADS,
    Workload,
    WorkloadError,
    make_workload,
)

#: The names whose modules import NeMoS, JAX and scikit-learn, loaded on first use, so that
#: the command line's parser (which reads the defaults above) stays light. The other names of
#: those modules are private: tests import them from the modules themselves.
_LAZY = {"run_workload": "_run"}


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "DEFAULT_FOLDS",
    "DEFAULT_N_STRENGTHS",
    "DEFAULT_WORKLOAD_REPEATS",
    "WORKLOADS",
    "Workload",
    "WorkloadError",
    "make_workload",
    "run_workload",
]
