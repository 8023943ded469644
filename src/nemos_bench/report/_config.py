"""Report settings, the report's exception, and the checks behind their error messages."""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["DEFAULT_EPSILON", "ReportConfig", "ReportError", "check_epsilon"]

#: Default accuracy target of the performance profile and the "fastest solver" table: a fit
#: has "reached ε" when ``suboptimality <= epsilon * max(1, |f*|)``.
DEFAULT_EPSILON = 1e-6


class ReportError(ValueError):
    """A report cannot be built from the given input; the message says what to pass instead."""


def check_epsilon(epsilon) -> float:
    """Return ``epsilon`` as a float, or raise :class:`ReportError` if it is not positive.

    Examples
    --------
    >>> check_epsilon(1e-6)
    1e-06
    >>> check_epsilon(-1)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    nemos_bench.report._config.ReportError: epsilon must be a positive ... got -1.
    """
    ok = isinstance(epsilon, numbers.Real) and not isinstance(epsilon, bool)
    if not ok or not math.isfinite(epsilon) or epsilon <= 0:
        raise ReportError(
            "epsilon must be a positive finite number such as 1e-6 (a relative "
            f"suboptimality), got {epsilon!r}."
        )
    return float(epsilon)


@dataclass(frozen=True)
class ReportConfig:
    """Settings of one report.

    Parameters
    ----------
    epsilon : float
        Accuracy target: a fit reaches it when ``suboptimality <= epsilon * max(1, |f*|)``
        (default :data:`DEFAULT_EPSILON`, i.e. 1e-6 relative to ``max(1, |f*|)``).
    baseline : str or None
        Solver the speed-ups are measured against. ``None`` picks the native default
        L-BFGS: the ``LBFGS[...]`` solver whose backend is not ``scipy``.
    reports_root : path-like
        Directory holding all reports (``reports/`` relative to the working directory by
        default); a report goes to ``<reports_root>/<run-id>/`` unless an output is given.
    dpi : int
        Resolution of the PNG figures.
    defaults : dict
        Problem id -> NeMoS's default solver for its model (named in the recommendation).

    Examples
    --------
    >>> ReportConfig(epsilon=1e-8).epsilon
    1e-08
    """

    epsilon: float = DEFAULT_EPSILON
    baseline: str | None = None
    reports_root: Path = Path("reports")
    dpi: int = 110
    defaults: dict = field(default_factory=dict, compare=False, hash=False)

    def __post_init__(self):
        object.__setattr__(self, "epsilon", check_epsilon(self.epsilon))
        object.__setattr__(self, "reports_root", Path(self.reports_root))
        if self.baseline is not None and not isinstance(self.baseline, str):
            raise ReportError(
                f"baseline must be a solver name such as 'LBFGS[scipy]' or None, "
                f"got {self.baseline!r}."
            )
        if not isinstance(self.dpi, int) or isinstance(self.dpi, bool) or self.dpi <= 0:
            raise ReportError(f"dpi must be a positive integer such as 110, got {self.dpi!r}.")
