"""``nemos-bench run --data PATH``: the user's own data files as the sweep's problems."""

from __future__ import annotations

import argparse

from ._errors import UsageError

__all__ = ["DATA_SUITE", "add_data_arguments", "data_problems"]

#: The suite name of a run of ``--data`` problems (it names the default run directory).
DATA_SUITE = "data"

#: Options that set the model or design of ``--data`` problems: (flag, attribute of the
#: parsed arguments, ``data_spec`` argument).
_OPTIONS = (
    ("--observation", "observation", "observation"),
    ("--reg", "reg", "regularizer"),
    ("--lam", "lam", "regularizer_strength"),
    ("--bin-size", "bin_size", "bin_size"),
    ("--window", "window", "window"),
    ("--n-basis", "n_basis", "n_basis"),
)


def add_data_arguments(run: argparse.ArgumentParser) -> None:
    """Add ``--data`` and the options of its problems to the ``run`` parser.

    Examples
    --------
    >>> from nemos_bench.cli._parser import build_parser
    >>> args = build_parser().parse_args(["run", "--data", "a.nwb", "--n-basis", "4"])
    >>> args.data, args.n_basis
    (['a.nwb'], 4)
    """
    run.add_argument(
        "--data",
        action="append",
        metavar="PATH",
        help="benchmark your own data instead of a suite: a .npz file of arrays X (samples x "
        "features) and y (samples, or samples x outputs), or an .nwb recording whose Units "
        "are binned and convolved with NeMoS's raised-cosine log basis into a coupled "
        "PopulationGLM (docs/own-data.md); repeat for several files; not with --suite or "
        "--problems",
    )
    run.add_argument(
        "--observation", help="observation model of the --data problems (default Poisson)"
    )
    run.add_argument(
        "--reg",
        help="regularizer of the --data problems: UnRegularized, Ridge, Lasso, GroupLasso or "
        "ElasticNet (default UnRegularized)",
    )
    run.add_argument(
        "--lam",
        type=float,
        help="regularizer strength of the --data problems (default: the regularizer's default)",
    )
    stated = run.state_default
    stated(
        run.add_argument("--bin-size", type=float, metavar="SECONDS"),
        "seconds per bin of an .nwb recording's spike counts (default {bin_size})",
    )
    stated(
        run.add_argument("--window", type=int, metavar="BINS"),
        "bins of spike history of an .nwb recording's design (default {window})",
    )
    stated(
        run.add_argument("--n-basis", type=int),
        "raised-cosine basis functions per unit of an .nwb recording's design (default {n_basis})",
    )


def data_problems(args: argparse.Namespace, file: dict | None = None) -> tuple | None:
    """The problems of ``--data`` (one per distinct file content), or ``None`` without it.

    ``file`` is the sweep file's content, if any: its ``[[problems]]`` give way to
    ``--data`` (the command line wins), but a suite it names is refused beside ``--data``.

    Raises
    ------
    UsageError
        ``--data`` with ``--suite``, ``--problems`` or a sweep file's ``suite``, a model or
        design option without ``--data``, or an invalid option value.
    DataError
        A file that cannot be a problem (the sentence names the file and what is wrong).
    """
    given = {
        name: getattr(args, attr) for _, attr, name in _OPTIONS if getattr(args, attr) is not None
    }
    if not args.data:
        for flag, _, name in _OPTIONS:
            if name in given:
                raise UsageError(
                    f"{flag} sets the model or design of --data problems, and this run has no "
                    "--data; give --data PATH (the problems of a suite or of --problems carry "
                    "their own, e.g. reg=Ridge in --problems)."
                )
        return None
    suite = (file or {}).get("suite")
    if args.suite or args.problems or suite is not None:
        other = "--suite" if args.suite else "--problems" if args.problems else None
        other = other or f"the sweep file's suite = {suite!r}"
        raise UsageError(
            f"--data cannot be combined with {other}: the files are the run's problems; run "
            "them and the other problems in separate runs."
        )
    from ..problems import DataError, data_spec, unique_problems

    specs = []
    for path in args.data:
        try:
            specs.append(data_spec(path, **given))
        except DataError:
            raise
        except ValueError as err:  # an option value: the sentence names the field
            raise UsageError(f"--data {path}: {err}") from None
    return unique_problems(specs)
