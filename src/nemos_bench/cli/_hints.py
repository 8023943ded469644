"""What ``nemos-bench run`` checks beyond the sweep's own validation, and the commands it prints."""

from __future__ import annotations

import math
import shlex

from ._errors import UsageError

__all__ = ["check_repeats", "min_interval_repeats", "resume_command", "tol_warnings"]


def min_interval_repeats() -> int:
    """Fewest samples that give the median a distribution-free 95% interval (6).

    Read from :func:`~nemos_bench.results.median_ci` itself, so it follows its level.

    Examples
    --------
    >>> min_interval_repeats()
    6
    """
    from ..results import median_ci

    return next(n for n in range(2, 1000) if not math.isnan(median_ci(range(n))[0]))


def check_repeats(repeats: int, from_command_line: bool) -> None:
    """Refuse fewer steady-state samples per cell than a 95% interval needs.

    ``fit_s`` is reported with the 95% interval of its median, which the comparisons and the
    report rely on; below :func:`min_interval_repeats` samples it does not exist, and the
    adaptive sampling may stop there. (The library's ``CellSettings`` still take fewer, as
    the asv suite and quick tests do: they need no interval.)
    """
    least = min_interval_repeats()
    if repeats >= least:
        return
    given = f"--repeats {repeats}" if from_command_line else f"repeats = {repeats} (sweep file)"
    raise UsageError(
        f"{given} is below {least}, the fewest steady-state samples per cell that give "
        f"fit_s its 95% interval; give {least} or more."
    )


def resume_command(argv: list[str], out: str, out_given: bool) -> str:
    """The command that resumes an interrupted run: every option typed, and its ``--out``.

    Examples
    --------
    >>> resume_command(["run", "--config", "my sweep.toml", "--solvers", "LBFGS[scipy]"],
    ...                "results/runs/x", out_given=False)
    "nemos-bench run --config 'my sweep.toml' --solvers 'LBFGS[scipy]' --out results/runs/x"
    """
    words = list(argv) if out_given else [*argv, "--out", str(out)]
    return "nemos-bench " + shlex.join(words)


def tol_warnings(tols) -> list[str]:
    """Warnings for tolerances below the float64 floor of every problem (see ``_precision``).

    Examples
    --------
    >>> [w.split(",")[0] for w in tol_warnings((1e-4, 1e-20))]
    ['tol 1e-20 is below the float64 floor']
    """
    from ..measure import tol_floor_warning

    return [w for w in map(tol_floor_warning, sorted(set(tols), reverse=True)) if w]
