"""The options of ``nemos-bench advise``: a run directory, or ``--data`` and its sweep's."""

from __future__ import annotations

import argparse

from ._errors import UsageError

__all__ = ["DATA_OPTIONS", "DEFAULT_BUDGET", "add_advise_data_arguments", "check_advise_args"]

#: Minutes ``advise --data`` plans its sweep for, unless told ``--budget``.
DEFAULT_BUDGET = 5.0
#: Options of ``advise --data`` only: (flag, attribute).
DATA_OPTIONS = (
    ("--budget", "budget"),
    ("--out", "out"),
    ("--observation", "observation"),
    ("--reg", "reg"),
    ("--lam", "lam"),
    ("--bin-size", "bin_size"),
    ("--window", "window"),
    ("--n-basis", "n_basis"),
)


def add_advise_data_arguments(adv: argparse.ArgumentParser) -> None:
    """Add ``--data``, ``--budget``, ``--out`` and the data problems' options to ``advise``.

    Examples
    --------
    >>> from nemos_bench.cli._parser import build_parser
    >>> args = build_parser().parse_args(["advise", "--data", "a.npz", "--budget", "2"])
    >>> args.run_dir, args.data, args.budget
    (None, ['a.npz'], 2.0)
    """
    from ._data import add_data_arguments

    add_data_arguments(adv)
    for action in adv._actions:  # the same options as run's, with advise's own --data help
        if action.dest == "data":
            action.help = (
                "run a sweep sized to --budget on your own data (a .npz file of X and y, or "
                "an .nwb recording, as `run --data` takes it), then advise; instead of RUN_DIR"
            )
    adv.add_argument(
        "--budget",
        type=float,
        metavar="MINUTES",
        help=f"minutes the sweep of --data is sized to (default {DEFAULT_BUDGET:g})",
    )
    adv.add_argument(
        "--out", help="run directory of --data (default results/runs/<date-time>-data)"
    )


def check_advise_args(args) -> None:
    """Refuse ``advise`` with both RUN_DIR and ``--data``, neither, or a stray option.

    Raises
    ------
    UsageError
        One sentence naming what is wrong.
    """
    if args.run_dir is not None and args.data:
        raise UsageError(
            f"advise takes a run directory or --data, not both (got {args.run_dir!r} and "
            f"--data {args.data[0]}); give RUN_DIR to advise on a finished run, or --data PATH "
            "to run a sweep on your data first."
        )
    if args.run_dir is None and not args.data:
        raise UsageError(
            "advise needs a run directory (RUN_DIR, written by `nemos-bench run`) or --data "
            "PATH (a .npz or .nwb file to run a sweep on first); give one of them."
        )
    if args.data and len(args.data) > 1:
        raise UsageError(
            f"advise --data takes one file, got {len(args.data)}; advise on one file at a "
            "time (`nemos-bench run --data` runs several)."
        )
    if args.run_dir is not None:
        for flag, attr in DATA_OPTIONS:
            if getattr(args, attr, None) is not None:
                raise UsageError(
                    f"{flag} applies to advise --data, and advise {args.run_dir} reads a "
                    f"finished run; drop {flag}."
                )
    if args.budget is not None and not args.budget > 0:
        raise UsageError(
            f"--budget {args.budget:g} is not a positive number of minutes; give e.g. 5."
        )
