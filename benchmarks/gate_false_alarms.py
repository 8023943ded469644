"""How often does the regression gate cry wolf, and does it catch a real 2x slowdown?

Runs N pairs of back-to-back ``nemos-bench run`` sweeps of this very commit and compares
each pair with ``nemos-bench compare``'s gate (default thresholds). In every pair, HEAD's
``PlantedLBFGS[custom]`` (``benchmarks/planted_solvers.py``: ``LBFGS[scipy]`` doing each fit
``--plant-factor`` times) is slower by exactly that factor, while BASE's is not; every
other cell is the same code on both sides. So, per pair:

- a failing cell of any other solver is a **false alarm** (goal: 0 in N pairs);
- the planted solver's cells on the planted problem must fail (goal: caught in >= 90% of
  the pairs); its cells on other problems are reported too.

Which side runs first alternates from pair to pair, so a drift of the machine over time
does not always favour one side. With ``--runs-per-side K``, each side of a pair is K runs,
interleaved with the other side's (BASE, HEAD, BASE, HEAD, ...), which the gate pools
(``nemos-bench compare`` on two directories of run directories). Run from the repository
root::

    python benchmarks/gate_false_alarms.py --pairs 10                 # the full check
    python benchmarks/gate_false_alarms.py --pairs 2 --solvers "LBFGS[scipy],BFGS[optimistix]"
    python benchmarks/gate_false_alarms.py --pairs 10 --plant-factor 1  # pure A/A pairs
    python benchmarks/gate_false_alarms.py --pairs 10 --judge-only      # re-judge the runs
    python benchmarks/gate_false_alarms.py --pairs 10 --rounds 3        # 3 windows per cell
    python benchmarks/gate_false_alarms.py --pairs 10 --runs-per-side 3 # 3 pooled runs a side
    python benchmarks/gate_false_alarms.py --pairs 10 --runs-per-side 3 \
        --plant-solver "BFGS[optimistix]" --solvers "BFGS[optimistix],LBFGS[scipy]"
        # a planted millisecond cell (BFGS[optimistix]: ~1 ms on the quick suite's first problem;
        # NonlinearCG[optimistix]: ~3-4 ms there)
    python benchmarks/gate_false_alarms.py --pairs 10 --runs-per-side 1 --judge-only
        # re-judge kept pooled pairs on their first run of each side only
    python benchmarks/gate_false_alarms.py --pairs 10 --load 2     # both sides busy
    python benchmarks/gate_false_alarms.py --pairs 10 --load 2 --load-side head --plant-factor 1
        # contention alone: HEAD under load, BASE idle, the same code

With ``--load N``, N busy processes (``benchmarks/load_machine.py``) run for the whole of
every run of the loaded side(s) (``--load-side``), and stop between runs. Cells the gate did
not judge on time because the machine was busy (``Comparison.machine_busy``) are counted
apart from other cells not judged, and so are the runs whose own busy-machine sentence
appeared (``nemos_bench.results.busy_machine_sentence``). Runs already finished under
``--out`` (their ``meta.json`` records ``finished_at``) are kept, not run again: an
interrupted measurement resumes where it stopped.

Writes every run directory and ``gate_false_alarms.json`` (per-pair verdicts, totals) under
``--out``; exit code 0 when both goals are met, 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # benchmarks.load_machine, when run as a script

from benchmarks.load_machine import loaded  # noqa: E402

PLANTED = "PlantedLBFGS[custom]"
PLANT_CLASS = "benchmarks.planted_solvers:PlantedLBFGS"
#: --plant-solver -> (registered name, class path) of its planted twin.
PLANTS = {
    "LBFGS[scipy]": (PLANTED, PLANT_CLASS),
    "BFGS[optimistix]": ("PlantedBFGS[custom]", "benchmarks.planted_solvers:PlantedBFGS"),
    "NonlinearCG[optimistix]": (
        "PlantedNonlinearCG[custom]",
        "benchmarks.planted_solvers:PlantedNonlinearCG",
    ),
}
PLANT_ENV = "NEMOS_BENCH_PLANT_FACTOR"


def _parse(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=10, help="number of pairs (default 10)")
    parser.add_argument("--suite", default="quick", help="problem suite (default quick)")
    parser.add_argument(
        "--solvers", help="comma-separated solvers besides the planted one (default: all)"
    )
    parser.add_argument(
        "--plant-factor", type=int, default=2, help="HEAD's planted slowdown (default 2)"
    )
    parser.add_argument(
        "--plant-problem",
        default="0",
        help="index in the suite, or problem id, of the problem whose planted cells must "
        "fail (default 0: the suite's first problem)",
    )
    parser.add_argument(
        "--plant-solver",
        choices=sorted(PLANTS),
        default="LBFGS[scipy]",
        help="the solver whose planted twin HEAD runs slower (default LBFGS[scipy])",
    )
    parser.add_argument("--tol", help="tolerances (default: the suite's ladder)")
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="nemos-bench run --rounds: windows of samples per cell (default 1)",
    )
    parser.add_argument(
        "--runs-per-side",
        type=int,
        default=1,
        help="runs of each side per pair, interleaved and pooled by the gate (default 1)",
    )
    parser.add_argument(
        "--load",
        type=int,
        default=0,
        help="busy processes running during every run of the loaded side(s) (default 0)",
    )
    parser.add_argument(
        "--load-side",
        choices=("both", "base", "head"),
        default="both",
        help="which side runs under --load (default both)",
    )
    parser.add_argument("--out", default="results/gate-false-alarms", help="output directory")
    parser.add_argument("--time-factor", type=float, default=1.5, help="gate factor (1.5)")
    parser.add_argument(
        "--judge-only",
        action="store_true",
        help="run nothing: judge the pairs already under --out (e.g. after a gate change)",
    )
    return parser.parse_args(argv)


def _plant_problem(suite: str, choice: str) -> str:
    from nemos_bench.problems import get_suite

    ids = [spec.problem_id for spec in get_suite(suite)]
    if choice.isdigit():
        return ids[int(choice)]
    if choice not in ids:
        raise SystemExit(f"--plant-problem {choice!r} is not an index or a problem of {ids}.")
    return choice


def _run(out: Path, args, factor: int, load: int = 0) -> float:
    """One ``nemos-bench run`` into ``out``, with ``load`` busy processes; its wall time."""
    command = [
        sys.executable, "-m", "nemos_bench.cli", "run", "--no-report", "--suite", args.suite,
        "--solver-class", PLANTS[args.plant_solver][1], "--out", str(out),
    ]  # fmt: skip
    if args.solvers:
        command += ["--solvers", args.solvers]
    if args.tol:
        command += ["--tol", args.tol]
    if args.rounds != 1:
        command += ["--rounds", str(args.rounds)]
    env = dict(os.environ, **{PLANT_ENV: str(factor)})
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    start = time.perf_counter()
    with loaded(load):
        done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode not in (0, 1) or not (out / "summary.csv").is_file():
        raise SystemExit(
            f"{' '.join(command)} failed (exit {done.returncode}, "
            f"{'no' if not (out / 'summary.csv').is_file() else 'a'} summary.csv):\n"
            f"{done.stderr}"
        )
    return time.perf_counter() - start


def _finished(run: Path) -> bool:
    """Whether ``run`` holds a finished run (its ``meta.json`` records ``finished_at``)."""
    try:
        return bool(json.loads((run / "meta.json").read_text()).get("finished_at"))
    except (OSError, ValueError):
        return False


def _runs_of(side: Path, k: int) -> list[Path]:
    """The first ``k`` runs kept for one side of a pair (the side itself for a lone run)."""
    if (side / "summary.csv").is_file():
        return [side]
    return sorted(side.glob("run-*"), key=lambda p: int(p.name[4:]))[:k]


def _busy_runs(runs: list[Path]) -> int:
    """How many of ``runs`` carry their own busy-machine sentence."""
    import pandas as pd

    from nemos_bench.results import busy_machine_sentence

    found = 0
    for run in runs:
        meta_path = run / "meta.json"
        meta = json.loads(meta_path.read_text()) if meta_path.is_file() else None
        found += busy_machine_sentence(pd.read_csv(run / "summary.csv"), meta) is not None
    return found


def _planted_slower(args) -> bool:
    """Whether the plant is a slowdown the gate must catch (beyond its time factor)."""
    return args.plant_factor > args.time_factor


def _planted_word(caught: bool, expected: bool) -> str:
    """How a planted cell reads: caught or MISSED, or failed/passed when no slowdown beyond
    the gate's factor was planted (``--plant-factor`` at most ``--time-factor``)."""
    if expected:
        return "caught" if caught else "MISSED"
    return "failed: a false alarm" if caught else "passed, as it should"


def _judge(base: list[Path], head: list[Path], plant_problem: str, args) -> dict:
    from nemos_bench.compare import compare

    name = PLANTS[args.plant_solver][0]
    result = compare(base, head, time_factor=args.time_factor)
    planted = [c for c in result.cells if c.solver == name]
    target = [c for c in planted if c.problem_id == plant_problem]
    # a plant within the gate's factor is the same code as far as the gate knows
    false = [c for c in result.regressions if c.solver != name or not _planted_slower(args)]
    return {
        "false_alarms": [
            f"{c.solver} tol={c.tol:g} on {c.problem_id}: {' '.join(c.reasons)}" for c in false
        ],
        "missing": [list(key) for key in result.missing],
        "not_judged_on_time": [
            f"{c.solver} tol={c.tol:g} on {c.problem_id}: {c.time_evidence}"
            for c in result.not_judged_on_time
        ],
        "machine_busy": len(result.machine_busy),
        "busy_runs": {"base": _busy_runs(base), "head": _busy_runs(head)},
        "planted_cells": [
            {
                "problem_id": c.problem_id,
                "tol": c.tol,
                "base_fit_s": c.base_fit_s,
                "head_fit_s": c.head_fit_s,
                "ratio": c.time_ratio,
                "caught": c.regressed,
                "evidence": c.time_evidence,
            }
            for c in planted
        ],
        "caught": bool(target) and all(c.regressed for c in target),
    }


def main(argv=None) -> int:
    args = _parse(argv)
    plant_problem = _plant_problem(args.suite, args.plant_problem)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    pairs = []
    k = args.runs_per_side
    if k < 1:
        raise SystemExit(f"--runs-per-side must be a positive integer, got {k}.")
    if args.load < 0:
        raise SystemExit(f"--load must be 0 or a positive number of processes, got {args.load}.")
    expect_caught = _planted_slower(args)
    loads = {
        side: args.load if args.load_side in ("both", side) else 0 for side in ("base", "head")
    }
    for i in range(args.pairs):
        base, head = out / f"pair-{i:02d}" / "base", out / f"pair-{i:02d}" / "head"
        sides = [(base, 1), (head, args.plant_factor)]
        walls = {"base": 0.0, "head": 0.0}
        for j in range(0 if args.judge_only else k):
            for path, factor in sides if i % 2 == 0 else sides[::-1]:
                target = path if k == 1 else path / f"run-{j + 1}"
                if _finished(target):  # finished earlier: resume after it
                    continue
                walls[path.name] += _run(target, args, factor, loads[path.name])
        verdict = _judge(_runs_of(base, k), _runs_of(head, k), plant_problem, args)
        verdict["wall_s"] = walls
        pairs.append(verdict)
        cells = ", ".join(
            f"tol {c['tol']:g}: {c['base_fit_s'] * 1e3:.3g} -> {c['head_fit_s'] * 1e3:.3g} ms "
            f"({_planted_word(c['caught'], expect_caught)})"
            for c in verdict["planted_cells"]
            if c["problem_id"] == plant_problem
        )
        runs = "" if args.judge_only else f"; runs {walls['base']:.0f} s + {walls['head']:.0f} s"
        busy = verdict["busy_runs"]
        print(
            f"pair {i + 1}/{args.pairs}: {len(verdict['false_alarms'])} false alarm(s), "
            f"planted {cells}; {verdict['machine_busy']} cell(s) not judged: machine busy; "
            f"busy-machine sentence in {busy['base']} BASE and {busy['head']} HEAD run(s){runs}",
            flush=True,
        )
        for line in verdict["false_alarms"]:
            print(f"  false alarm: {line}", flush=True)
        for line in verdict["not_judged_on_time"]:
            print(f"  not judged on time: {line}", flush=True)
    n_false = sum(len(p["false_alarms"]) > 0 for p in pairs)
    n_caught = sum(p["caught"] for p in pairs)
    target = [c for p in pairs for c in p["planted_cells"] if c["problem_id"] == plant_problem]
    summary = {
        "pairs": args.pairs,
        "suite": args.suite,
        "rounds": args.rounds,
        "runs_per_side": k,
        "load": args.load,
        "load_side": args.load_side,
        "plant_problem": plant_problem,
        "plant_factor": args.plant_factor,
        "plant_solver": args.plant_solver,
        "pairs_with_false_alarms": n_false,
        "false_alarm_cells": sum(len(p["false_alarms"]) for p in pairs),
        "cells_not_judged_on_time": sum(len(p["not_judged_on_time"]) for p in pairs),
        "cells_not_judged_machine_busy": sum(p["machine_busy"] for p in pairs),
        "runs_with_busy_sentence": sum(sum(p["busy_runs"].values()) for p in pairs),
        "pairs_caught": n_caught,
        "planted_cells_caught": sum(c["caught"] for c in target),
        "planted_cells": len(target),
        "details": pairs,
    }
    (out / "gate_false_alarms.json").write_text(json.dumps(summary, indent=2))
    planted_text = (
        f"the planted {args.plant_factor}x slowdown was caught in {n_caught} of {args.pairs} "
        f"pairs (every planted cell of the planted problem failed; "
        f"{summary['planted_cells_caught']} of {len(target)} cells)"
        if expect_caught
        else f"no slowdown beyond the gate's {args.time_factor:g}x was planted "
        f"(--plant-factor {args.plant_factor}), so a failing planted cell counts as a false "
        "alarm"
    )
    print(
        f"{n_false} of {args.pairs} pairs had a false alarm "
        f"({summary['false_alarm_cells']} cells); {planted_text}; "
        f"{summary['cells_not_judged_on_time']} cells were not judged on time "
        f"({summary['cells_not_judged_machine_busy']} of them: machine busy); "
        f"{summary['runs_with_busy_sentence']} runs said they ran on a busy machine. "
        f"Details: {out / 'gate_false_alarms.json'}"
    )
    ok = n_false == 0 and (not expect_caught or n_caught >= 0.9 * args.pairs)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
