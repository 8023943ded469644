"""Does the quick suite separate solvers, within its time budget? (issue 11's done-when).

Runs ``nemos-bench run`` (the README's main job: quick suite, isolated worker, HTML report)
``--runs`` times, printing the wall time of each, then reads the last run and prints:

- on the quick suite's most ill-conditioned problem, the solvers whose fit at tol 1e-4 ends
  at least 1e-6 (relative) above f*;
- time to 1e-8 relative (smallest steady-state ``fit_s`` among ok rows reaching it) per
  solver, and the ratio between the slowest and the fastest solver that reach it.

Usage (on a quiet machine, 2 cores)::

    python benchmarks/quick_suite_check.py --runs 3
    python benchmarks/quick_suite_check.py --run-dir results/runs/<run-id>   # analyse only
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from nemos_bench import report  # a module, not the function: asv collects top-level time_* names
from nemos_bench.problems import get_suite, load_reference
from nemos_bench.results import read_summary

BUDGET_S = 90.0


def run_quick(out: Path) -> float:
    """Wall time of ``nemos-bench run --out OUT`` (report included)."""
    command = [sys.executable, "-m", "nemos_bench.cli", "run", "--out", str(out)]
    start = time.perf_counter()
    proc = subprocess.run(command, capture_output=True, text=True, cwd=out.parent)  # report too
    seconds = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        raise SystemExit(f"nemos-bench run failed ({proc.returncode}):\n{proc.stderr}")
    return seconds


def analyse(run_dir: Path) -> None:
    """Print the separation numbers of a quick-suite run."""
    summary = read_summary(run_dir)
    hard = max(get_suite("quick"), key=lambda spec: load_reference(spec).condition_number)
    cond = load_reference(hard).condition_number
    rows = summary[summary.problem_id == hard.problem_id]
    loose = rows[(rows.tol == 1e-4) & (rows.status == "ok")]
    above = loose[loose.rel_suboptimality >= 1e-6].sort_values("rel_suboptimality")
    print(f"\nIll-conditioned problem {hard.problem_id} (condition number {cond:.3g}):")
    print(f"  at tol 1e-4, {len(above)} of {len(loose)} ok fits end >= 1e-6 (relative) above f*:")
    for row in above.itertuples():
        print(f"    {row.solver:36s} rel. suboptimality {row.rel_suboptimality:.3g}")
    times = report.time_to_epsilon(rows, 1e-8).loc[hard.problem_id]
    reached = times[np.isfinite(times)].sort_values()
    print(f"  time to 1e-8 relative (fit_s), {len(reached)} solvers reach it:")
    for solver, seconds in reached.items():
        print(f"    {solver:36s} {seconds:.4g} s")
    missing = sorted(set(times.index) - set(reached.index))
    if missing:
        print(f"    not reached by: {', '.join(missing)}")
    if len(reached) >= 2:
        ratio = reached.iloc[-1] / reached.iloc[0]
        print(
            f"  slowest / fastest = {reached.index[-1]} / {reached.index[0]} = {ratio:.3g}x "
            f"({'>=' if ratio >= 10 else '<'} 10x)"
        )


def main() -> None:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=1, help="timed runs of the main job")
    parser.add_argument("--run-dir", type=Path, help="analyse this run instead of running")
    args = parser.parse_args()
    if args.run_dir is not None:
        analyse(args.run_dir)
        return
    with tempfile.TemporaryDirectory(prefix="quick-check-") as tmp:
        walls = []
        for i in range(args.runs):
            out = Path(tmp) / f"run{i}"
            walls.append(run_quick(out))
            print(f"run {i + 1}: nemos-bench run took {walls[-1]:.1f} s", flush=True)
        median = statistics.median(walls)
        verdict = "within" if median <= BUDGET_S else "OVER"
        print(f"median wall {median:.1f} s over {len(walls)} run(s): {verdict} {BUDGET_S:g} s")
        analyse(out)


if __name__ == "__main__":
    main()
