"""Wall time of one sweep on 1 and on 2 Dask workers, and how well their fit_s agree.

Run from the repository root (a standalone script, not a test or an asv benchmark)::

    PYTHONPATH=src python benchmarks/dask_scaling.py [--workers 1,2] [--suite quick]
        [--solvers LBFGS[scipy],LBFGS,BFGS[scipy],GradientDescent] [--out /tmp/dask-scaling]

Each sweep runs through ``nemos-bench run --workers N --threads 1`` (one BLAS/XLA thread
per worker in every sweep, so only the number of workers differs), timed from the
command's start to its end (cluster start-up included). Printed: wall time per sweep, the
speed-up, and per cell the ratio of fit_s (N workers / first), as median and 10-90%
range, plus the cells whose ratio lies outside 0.67-1.5.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd


def sweep(workers: int, args, out: Path) -> float:
    cmd = [sys.executable, "-m", "nemos_bench.cli", "run", "--suite", args.suite]
    cmd += ["--solvers", args.solvers, "--workers", str(workers), "--threads", "1"]
    cmd += ["--no-report", "--out", str(out)]
    start = time.perf_counter()
    subprocess.run(cmd, check=False, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--suite", default="quick")
    parser.add_argument("--solvers", default="LBFGS[scipy],LBFGS,BFGS[scipy],GradientDescent")
    parser.add_argument("--out", default=f"/tmp/nemos-bench-dask-scaling-{os.getpid()}")
    args = parser.parse_args()
    counts = [int(w) for w in args.workers.split(",")]
    key = ["problem_id", "solver", "tol"]
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    print(f"cores: {os.cpu_count()}, load average before: {load}")
    frames, walls = {}, {}
    for n in counts:
        out = Path(args.out) / f"workers-{n}"
        walls[n] = sweep(n, args, out)
        frames[n] = pd.read_csv(out / "summary.csv").set_index(key)
        ok = (frames[n]["status"] == "ok").sum()
        print(f"{n} worker(s): {walls[n]:.1f} s wall, {ok}/{len(frames[n])} cells ok")
    first = counts[0]
    for n in counts[1:]:
        print(f"speed-up {first} -> {n} workers: {walls[first] / walls[n]:.2f}x")
        both = frames[first].merge(
            frames[n], left_index=True, right_index=True, suffixes=("", "_n")
        )
        both = both[(both["status"] == "ok") & (both["status_n"] == "ok")]
        ratio = both["fit_s_n"] / both["fit_s"]
        low, mid, high = np.quantile(ratio, [0.1, 0.5, 0.9])
        print(
            f"fit_s ratio ({n} / {first} workers) over {len(ratio)} cells: median {mid:.2f}, "
            f"10-90% {low:.2f}-{high:.2f}"
        )
        far = ratio[(ratio < 0.67) | (ratio > 1.5)]
        for cell, value in far.items():
            print(f"  outside 0.67-1.5: {cell[1]} tol={cell[2]:g} {cell[0][:40]}: {value:.2f}")
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    print(f"load average after: {load}")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    sys.exit(main())
