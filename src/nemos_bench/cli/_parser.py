"""The ``nemos-bench`` argument parser (see :mod:`nemos_bench.cli` for the commands)."""

from __future__ import annotations

import argparse

from ._defaults import HelpDefaultsParser

__all__ = ["build_parser"]


def build_parser() -> argparse.ArgumentParser:
    """The ``nemos-bench`` argument parser (subcommands list, run, report, compare, asv, verify).

    Examples
    --------
    >>> build_parser().parse_args(["run", "--rounds", "3"]).rounds
    3
    """
    parser = HelpDefaultsParser(  # help states defaults read from the code (when printed)
        prog="nemos-bench", description="Benchmark NeMoS solvers, scipy adapter included."
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    lst = sub.add_parser(
        "list", help="list suites, problems (condition numbers) and the solvers available here"
    )
    lst.add_argument("--suite", help="list the problems of this suite only")
    lst.add_argument(
        "--compute",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="compute the reference optima (and condition numbers) not cached yet "
        "(default: with --suite only; big suites take long)",
    )

    run = sub.add_parser("run", help="run a sweep and write results (and a report)")
    stated = run.state_default
    stated(run.add_argument("--suite"), "problem suite (default: {suite})")
    run.add_argument(
        "--problems",
        action="append",
        help="problems instead of a suite, in the problem-id syntax, where every field but "
        "n and p may be left out; comma-separated or repeated, e.g. "
        "'poisson[n=50000,p=100,k=20,reg=Ridge,lam=0.001,design=spike_history]'",
    )
    run.add_argument(
        "--solvers",
        help="comma-separated registry names, each optionally with NeMoS solver settings: "
        "Algo[backend]{key=value,...}, TOML values, e.g. 'Newton[nemos]{autodiff=true}' "
        "(default: all)",
    )
    stated(
        run.add_argument("--tol", action="append"),
        "tolerance(s); repeat or comma-separate (default {tols}; {suite_tols})",
    )
    stated(
        run.add_argument("--repeats", type=int),
        "fewest steady-state samples per cell (default {repeats})",
    )
    stated(
        run.add_argument("--max-repeats", type=int),
        "most steady-state samples per cell (default {max_repeats})",
    )
    stated(
        run.add_argument("--time-budget", type=float),
        "seconds of steady-state sampling per cell before stopping (default {time_budget})",
    )
    stated(
        run.add_argument("--ci-target", type=float),
        "stop sampling once the median's 95%% interval is within ± this (default {ci_target})",
    )
    stated(
        run.add_argument("--rounds", type=int),
        "windows of samples per cell, taken in turn across a problem's cells so that a "
        "slow spell of a shared machine lands in one of them (default {rounds}; not with Dask)",
    )
    stated(
        run.add_argument("--maxiter", type=int),
        "iteration cap for every solver (default {maxiter}; {suite_maxiter})",
    )
    stated(run.add_argument("--out"), "run directory (default {runs_dir}/<date-time>-<suite>)")
    run.add_argument("--config", help="sweep file (TOML); command-line options win")
    run.add_argument(
        "--timeout", type=float, help="per-cell time limit in seconds (implies --isolate)"
    )
    mode = run.add_mutually_exclusive_group()
    stated(
        mode.add_argument("--isolate", dest="isolate", action="store_true", default=None),
        "run each cell in a worker process: a crash or hang becomes a row{isolate}",
    )
    stated(
        mode.add_argument("--in-process", dest="isolate", action="store_false"),
        "run every cell in this process (no start-up cost, no --timeout, no "
        "protection){in_process}",
    )
    dask = run.add_mutually_exclusive_group()
    dask.add_argument(
        "--workers",
        type=int,
        help="run the cells on a local Dask cluster of N worker processes (one cell at a "
        "time each; excludes --in-process)",
    )
    dask.add_argument(
        "--scheduler", help="run the cells on an existing Dask cluster: its scheduler address"
    )
    stated(
        run.add_argument("--threads", type=int),
        "BLAS threads per worker process, plus XLA's Eigen flag for 1 (default: "
        "{shared_threads} when workers share a machine)",
    )
    stated(
        run.add_argument("--dtype", action="append"),
        "float64 and/or float32; repeat or comma-separate (default {dtype}; float32: native "
        "solvers with JAX float64 off, labelled solver@float32)",
    )
    run.add_argument("--solver-class", action="append", help="user solver package.module:ClassName")
    run.add_argument("--no-report", action="store_true", help="do not build the HTML report")
    from ._data import add_data_arguments

    add_data_arguments(run)
    from ._workload import add_workload_arguments

    add_workload_arguments(run)

    rep = sub.add_parser("report", help="build the HTML report of a run directory")
    rep.add_argument("run_dir", help="a run directory written by `nemos-bench run`")
    rep.add_argument("--out", help="report directory (default reports/<run-id>)")
    rep.state_default(
        rep.add_argument("--epsilon", type=float),
        "accuracy target: f - f* <= eps*max(1,|f*|) (default {epsilon})",
    )
    rep.add_argument("--baseline", help="solver for speed-ups (default: native LBFGS)")

    adv = sub.add_parser(
        "advise",
        help="the recommendation of a run: which solver and tolerance, and how sure",
        description="For each problem of a run: the solver and tolerance whose converged fit "
        "reached the accuracy target fastest, whether it is significantly faster than the "
        "runner-up, NeMoS's default solver for that model with the speed-up over it; the same "
        "for each workload the run holds (workloads.csv, end to end); and what the advice "
        "does not cover.",
    )
    adv.add_argument(
        "run_dir", nargs="?", help="a run directory written by `nemos-bench run` (or --data)"
    )
    adv.state_default(
        adv.add_argument("--epsilon", type=float),
        "accuracy target: f - f* <= eps*max(1,|f*|) (default {epsilon})",
    )
    from ._advise_args import add_advise_data_arguments

    add_advise_data_arguments(adv)

    from ..compare import add_compare_arguments

    cmp = sub.add_parser(
        "compare",
        help="regression gate: compare two run directories or two commits' asv results",
        description="Fail (exit 1) when a cell got significantly slower, less accurate, "
        "stopped converging or stopped running, or when a cell of BASE is missing from HEAD "
        "(--allow-missing accepts that); cells only in HEAD are reported, not failed.",
    )
    add_compare_arguments(cmp)

    from ..asv_tools import add_asv_parser

    add_asv_parser(sub)

    ver = sub.add_parser(
        "verify",
        help="recompute every fitted row's objective, suboptimality and gradient norm",
        description="Recompute objective, suboptimality and grad_norm of every fitted row "
        "(status ok or recompiles) from "
        "the stored parameters and the problem spec; exit 1 naming rows that disagree.",
    )
    ver.add_argument("run_dir", help="a run directory written by `nemos-bench run`")
    return parser
