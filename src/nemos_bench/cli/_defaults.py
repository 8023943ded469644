"""The defaults the CLI's help states, read from the code that applies them.

The values live in measure and sweep (``CellSettings``, the suites' tables), which import JAX;
building the parser must not (``nemos-bench`` checks ``JAX_ENABLE_X64`` before JAX is
imported, and most commands never need it). So a help text that states a default is a
template, filled in by :class:`HelpDefaultsParser` only when the help is printed. The
CLI's own defaults (:data:`DEFAULT_ISOLATE`, :data:`RUNS_DIR`) are defined here, below
``cli._run``, which applies them.
"""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path

__all__ = ["DEFAULT_ISOLATE", "RUNS_DIR", "HelpDefaultsParser", "code_defaults", "format_number"]

#: ``nemos-bench run`` isolates cells in a worker process unless told ``--in-process``.
#: Measured on the quick suite (56 cells, 2 cores, 3 alternating runs each): 66.3 s isolated
#: vs 63.4 s in-process (median wall), i.e. one worker start-up, ~3 s or ~5 %, per sweep;
#: per-cell times are unchanged (median fit_s ratio 1.03, within run-to-run noise).
DEFAULT_ISOLATE = True
#: Where ``nemos-bench run`` writes a run directory unless told ``--out``.
RUNS_DIR = Path("results") / "runs"


def format_number(value: float) -> str:
    """A number as the help states it: ``6``, ``0.05``, ``1e-6``.

    Examples
    --------
    >>> [format_number(v) for v in (6, 0.05, 1e-4, 1e-06, 1e-10, 2.5e-5, 5000)]
    ['6', '0.05', '1e-4', '1e-6', '1e-10', '2.5e-5', '5000']
    """
    if 0 < abs(value) < 1e-3:  # 1e-6 rather than 1e-06
        mantissa, exponent = f"{value:.15e}".split("e")
        return f"{mantissa.rstrip('0').rstrip('.')}e{int(exponent)}"
    return f"{value:g}"


def _tols(tols) -> str:
    return ",".join(format_number(t) for t in tols)


def code_defaults() -> dict[str, str]:
    """The values :class:`HelpDefaultsParser` fills in, by name (imports measure and sweep).

    Examples
    --------
    >>> code_defaults()["suite_maxiter"]
    'quick: 500'
    """
    from ..measure import CellSettings
    from ..problems import DEFAULT_BIN_SIZE, DEFAULT_N_BASIS, DEFAULT_WINDOW
    from ..report import DEFAULT_EPSILON
    from ..sweep import (
        DEFAULT_SUITE,
        DEFAULT_TOLS,
        SHARED_MACHINE_THREADS,
        SUITE_MAXITER,
        SUITE_TOLS,
        SweepConfig,
    )

    settings = CellSettings()
    dtypes = {f.name: f.default for f in dataclasses.fields(SweepConfig)}["dtypes"]
    return {
        "suite": DEFAULT_SUITE,
        "repeats": format_number(settings.repeats),
        "max_repeats": format_number(settings.max_repeats),
        "time_budget": format_number(settings.time_budget),
        "ci_target": format_number(settings.ci_target),
        "rounds": format_number(settings.rounds),
        "maxiter": format_number(settings.maxiter),
        "suite_maxiter": "; ".join(f"{s}: {format_number(m)}" for s, m in SUITE_MAXITER.items()),
        "tols": _tols(DEFAULT_TOLS),
        "suite_tols": "; ".join(f"{s}: {_tols(t)}" for s, t in SUITE_TOLS.items()),
        "isolate": " (default)" if DEFAULT_ISOLATE else "",
        "in_process": "" if DEFAULT_ISOLATE else " (default)",
        "runs_dir": RUNS_DIR.as_posix(),
        "shared_threads": format_number(SHARED_MACHINE_THREADS),
        "dtype": ",".join(dtypes),
        "epsilon": format_number(DEFAULT_EPSILON),
        "bin_size": f"{format_number(DEFAULT_BIN_SIZE)} s",
        "window": format_number(DEFAULT_WINDOW),
        "n_basis": format_number(DEFAULT_N_BASIS),
    }


class HelpDefaultsParser(argparse.ArgumentParser):
    """An ``ArgumentParser`` whose options may state defaults taken from the code.

    :meth:`state_default` gives an option a help template such as ``"... (default
    {repeats})"``; the names are those of :func:`code_defaults`, filled in when the help
    is formatted. Subparsers are of this class too.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.stated_defaults: dict[argparse.Action, str] = {}

    def state_default(self, action: argparse.Action, template: str) -> argparse.Action:
        """Give ``action`` the help ``template`` (``str.format`` names of the defaults)."""
        self.stated_defaults[action] = template
        action.help = template
        return action

    def format_help(self) -> str:
        """The help text, with every stated default read from the code now."""
        if self.stated_defaults:
            try:
                values = code_defaults()
            except Exception as err:  # noqa: BLE001 - e.g. JAX refusing its environment
                message = " ".join(str(err).split())
                self.exit(2, f"{self.prog}: error: {type(err).__name__}: {message}\n")
            for action, template in self.stated_defaults.items():
                action.help = template.format(**values)
        return super().format_help()
