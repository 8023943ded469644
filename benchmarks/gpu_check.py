"""GPU check: fit_s of native LBFGS and LBFGS[scipy] on GPU and CPU, and a 2-worker GPU sweep.

Run from the repository root (a standalone script, not a test or an asv benchmark)::

    PYTHONPATH=src python benchmarks/gpu_check.py --out /tmp/gpu-check            # GPU machine
    PYTHONPATH=src python benchmarks/gpu_check.py --out /tmp/gpu-check --small    # CPU-only here

Steps (each printed with a timestamp as it starts and ends):

1. Build the problems (``--sizes``, default n=1e6 p=100 k=1 and n=1e5 p=50 k=100) and
   their reference optima in this process, NumPy only: this process never starts a JAX
   backend, so it holds no GPU memory.
2. For each platform (``gpu`` if JAX sees one, then ``cpu``), one child process runs the
   harness's own cell measurement (``run_one``: first fit, adaptive steady-state samples,
   the control run) for each solver (``--solvers``) on each problem, and reports the rows
   with the device that ran them. ``XLA_PYTHON_CLIENT_PREALLOCATE=false`` in every child.
3. A sweep with ``nemos-bench run --workers 2`` (``--sweep-suite``, two solvers, one tol)
   on the GPU (on CPU when there is none), through the CLI, in a subprocess.

Written to ``--out``: ``gpu_check.json`` (every row, the sweep's device column, whether any
output held ``OUT_OF_MEMORY``, timings of each step), ``gpu_check.txt`` (the table printed
at the end), ``gpu_check.log`` (the children's output) and ``sweep_summary.csv``.
Exit code 0 when every step ran and no ``OUT_OF_MEMORY`` line was printed, else 1.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

START = time.monotonic()
SIZES = "1000000x100x1,100000x50x100"
SMALL = "20000x20x1,5000x10x5"
OOM = "OUT_OF_MEMORY"


def say(text: str) -> None:
    stamp = _dt.datetime.now().strftime("%H:%M:%S")
    print(f"[{stamp} +{time.monotonic() - START:6.1f}s] {text}", flush=True)


def parse_sizes(text: str) -> list[tuple[int, int, int]]:
    sizes = []
    for piece in text.split(","):
        try:
            n, p, k = (int(v) for v in piece.strip().lower().split("x"))
        except ValueError:
            raise SystemExit(f"--sizes: {piece!r} is not NxPxK, e.g. 100000x50x100.") from None
        sizes.append((n, p, k))
    return sizes


def spec_of(n: int, p: int, k: int):
    from nemos_bench.problems import ProblemSpec

    return ProblemSpec(n_samples=n, n_features=p, n_outputs=k)


# --------------------------------------------------------------------------- child side
def child(args) -> None:
    """Measure every (problem, solver) cell on this process's JAX platform; JSON to stdout."""
    import jax

    jax.config.update("jax_enable_x64", True)
    from nemos_bench.measure import CellSettings, machine_columns, run_one, warm_up
    from nemos_bench.problems import load_problem, load_reference
    from nemos_bench.solvers import register_scipy_solvers, resolve_solvers

    register_scipy_solvers()
    device = jax.devices()[0]
    say(f"child: platform {device.platform} ({device.device_kind}), {jax.device_count()} device(s)")
    if args.platform == "gpu" and device.platform != "gpu":
        print(json.dumps({"rows": [], "no_gpu": f"JAX sees {device.platform} only"}))
        return
    settings = CellSettings(
        maxiter=args.maxiter, repeats=args.repeats, time_budget=args.time_budget
    )
    rows = []
    for n, p, k in parse_sizes(args.sizes):
        spec = spec_of(n, p, k)
        problem, reference = load_problem(spec), load_reference(spec)
        warm_up(problem)
        for solver in resolve_solvers(args.solvers.split(",")):
            say(f"child {args.platform}: {solver} on n={n} p={p} k={k}")
            result = run_one(problem, reference, solver, args.tol, settings)
            row = {**result.summary, **machine_columns(), "platform_asked": args.platform}
            rows.append({key: row.get(key) for key in ROW_KEYS})
            say(
                f"child {args.platform}: {solver}: {row['status']}, fit_s={row.get('fit_s')}, "
                f"n_steps={row.get('n_steps')}"
            )
        del problem
    print(json.dumps({"rows": rows}))


ROW_KEYS = (
    "platform_asked", "device", "device_kind", "threads", "host", "dtype", "problem_id",
    "n_samples", "n_features", "n_outputs", "solver", "tol", "status", "reason", "fit_s",
    "fit_s_ci_low", "fit_s_ci_high", "n_repeats", "end_to_end_s", "compile_s", "n_steps",
    "rel_suboptimality", "outcome",
)  # fmt: skip


# -------------------------------------------------------------------------- parent side
DEADLINE = [float("inf")]


def left(limit: float) -> float:
    """Seconds a step may take: ``limit``, cut so the whole check ends by ``--deadline``."""
    return max(1.0, min(limit, DEADLINE[0] - (time.monotonic() - START)))


def run_logged(cmd, env, timeout, log) -> tuple[int | None, str]:
    """Run ``cmd``; its stderr goes to the log (and the screen), stdout is returned."""
    log.write(f"\n$ {' '.join(cmd)}\n")
    log.flush()
    try:
        done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as err:
        text = [
            b.decode(errors="replace") if isinstance(b, bytes) else b or ""
            for b in (err.stdout, err.stderr)
        ]
        log.write(f"(timed out after {timeout:.0f} s)\n{text[1]}")
        return None, text[0]
    log.write(done.stderr)
    log.flush()
    sys.stdout.write(done.stderr)
    return done.returncode, done.stdout


def child_env(platform: str | None, threads: int | None = None) -> dict:
    from nemos_bench.sweep import worker_env

    env = worker_env(threads)  # PYTHONPATH with this package, no GPU pre-allocation
    env["PYTHONUNBUFFERED"] = "1"
    if platform == "cpu":
        env["JAX_PLATFORMS"] = "cpu"
    elif platform == "gpu":
        env.pop("JAX_PLATFORMS", None)  # JAX picks the GPU when it has one
    return env


def measure(platform: str, args, log) -> dict:
    cmd = [sys.executable, __file__, "--child", "--platform", platform, "--sizes", args.sizes]
    cmd += ["--solvers", args.solvers, "--tol", str(args.tol), "--maxiter", str(args.maxiter)]
    cmd += ["--repeats", str(args.repeats), "--time-budget", str(args.time_budget)]
    t0 = time.monotonic()
    code, out = run_logged(cmd, child_env(platform), left(args.child_timeout), log)
    record = {"platform": platform, "exit": code, "wall_s": round(time.monotonic() - t0, 1)}
    try:
        record |= json.loads(out.strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError):
        record |= {"rows": [], "error": f"the {platform} child gave no result (exit {code})"}
    return record


XLA_PROBE = """
import time, jax, jax.numpy as jnp
jax.config.update("jax_platforms", "cpu")
x = jnp.ones((2000, 2000))
f = jax.jit(lambda a: (a @ a).sum() + jnp.exp(a).sum())
f(x).block_until_ready()
w, c = time.perf_counter(), time.process_time()
for _ in range(10):
    f(x).block_until_ready()
print(round((time.process_time() - c) / (time.perf_counter() - w), 2))
"""


def xla_threads(log) -> dict:
    """CPU time / wall time of an XLA CPU computation with and without the 1-thread flag."""
    from nemos_bench.sweep._workerenv import XLA_ONE_THREAD

    found = {}
    for name, flags in (("default", ""), ("one_thread", XLA_ONE_THREAD)):
        env = child_env("cpu")
        env["XLA_FLAGS"] = flags
        code, out = run_logged([sys.executable, "-c", XLA_PROBE], env, left(60), log)
        found[name] = out.strip() if code == 0 else f"exit {code}"
    return found


def sweep(args, on_gpu: bool, log, workdir: Path) -> dict:
    run_dir = workdir / "sweep"
    cmd = [sys.executable, "-m", "nemos_bench.cli", "run", "--suite", args.sweep_suite]
    cmd += ["--solvers", args.solvers, "--tol", str(args.tol), "--workers", "2", "--no-report"]
    cmd += ["--out", str(run_dir), "--time-budget", str(args.time_budget)]
    t0 = time.monotonic()
    env = child_env("gpu" if on_gpu else "cpu")
    code, out = run_logged(cmd, env, left(args.child_timeout), log)
    log.write(out)
    sys.stdout.write(out)
    record = {"exit": code, "wall_s": round(time.monotonic() - t0, 1), "devices": []}
    summary = run_dir / "summary.csv"
    if summary.is_file():
        import pandas as pd

        frame = pd.read_csv(summary)
        record["devices"] = sorted(frame["device"].dropna().unique().tolist())
        record["device_kinds"] = sorted(frame["device_kind"].dropna().unique().tolist())
        record["cells"] = len(frame)
        record["statuses"] = frame["status"].value_counts().to_dict()
        shutil.copy(summary, Path(args.out) / "sweep_summary.csv")
    return record


def table(rows: list[dict]) -> str:
    head = (
        f"{'platform':8} {'device_kind':24} {'problem':14} {'solver':28} {'status':7} "
        f"{'fit_s':>9} {'95% CI':>19} {'compile_s':>9} {'steps':>6} {'rel_subopt':>10}"
    )
    lines = [head, "-" * len(head)]
    for r in rows:
        size = f"{r['n_samples']}x{r['n_features']}x{r['n_outputs']}"
        ci = "-"
        if r.get("fit_s_ci_low") is not None:
            ci = f"{r['fit_s_ci_low']:.4g}-{r['fit_s_ci_high']:.4g}"

        def num(key, fmt=".4g", r=r):
            value = r.get(key)
            return "-" if value is None or value != value else format(value, fmt)

        lines.append(
            f"{r['platform_asked']:8} {str(r.get('device_kind'))[:24]:24} {size:14} "
            f"{r['solver'][:28]:28} {r['status']:7} {num('fit_s'):>9} {ci:>19} "
            f"{num('compile_s'):>9} {num('n_steps', 'd'):>6} {num('rel_suboptimality', '.2e'):>10}"
        )
    return "\n".join(lines)


def ratios(rows: list[dict]) -> list[str]:
    by = {(r["platform_asked"], r["problem_id"], r["solver"]): r for r in rows}
    lines = []
    for (platform, problem, solver), r in by.items():
        cpu = by.get(("cpu", problem, solver))
        if platform == "gpu" and cpu and r.get("fit_s") and cpu.get("fit_s"):
            lines.append(
                f"{solver} on {problem.split(',lam')[0]}: CPU/GPU fit_s = "
                f"{cpu['fit_s'] / r['fit_s']:.2f}"
            )
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", help="directory for gpu_check.json/.txt/.log")
    parser.add_argument("--sizes", default=SIZES, help=f"NxPxK,... (default {SIZES})")
    parser.add_argument("--small", action="store_true", help=f"use --sizes {SMALL} (CPU runs)")
    parser.add_argument("--solvers", default="LBFGS,LBFGS[scipy]")
    parser.add_argument("--tol", type=float, default=1e-8)
    parser.add_argument("--maxiter", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=6)
    parser.add_argument("--time-budget", type=float, default=0.5)
    parser.add_argument("--child-timeout", type=float, default=150, help="seconds per child")
    parser.add_argument(
        "--deadline", type=float, default=285, help="seconds after which every step is cut"
    )
    parser.add_argument("--sweep-suite", default="quick", help="suite of the 2-worker sweep")
    parser.add_argument("--no-sweep", action="store_true", help="skip the 2-worker sweep")
    parser.add_argument("--no-cpu", action="store_true", help="skip the CPU measurements")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--platform", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.small and args.sizes == SIZES:
        args.sizes = SMALL
    if args.child:
        child(args)
        return 0
    DEADLINE[0] = args.deadline
    if not args.out:
        parser.error("--out DIR is required")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    report: dict = {"argv": sys.argv, "steps": {}, "started": _dt.datetime.now().isoformat()}
    with (
        open(out / "gpu_check.log", "w", encoding="utf-8") as log,
        tempfile.TemporaryDirectory(prefix="nemos-bench-gpu-check-") as work,
    ):
        say(f"problems {args.sizes}: building data and reference optima (NumPy, this process)")
        from nemos_bench.problems import load_problem, load_reference

        t0 = time.monotonic()
        for n, p, k in parse_sizes(args.sizes):
            spec = spec_of(n, p, k)
            load_problem(spec)
            ref = load_reference(spec)
            say(f"  n={n} p={p} k={k}: f* = {ref.objective:.6g}")
        report["steps"]["problems_s"] = round(time.monotonic() - t0, 1)
        records = []
        for platform in ("gpu",) + (() if args.no_cpu else ("cpu",)):
            say(f"measuring on {platform} (child process)")
            record = measure(platform, args, log)
            records.append(record)
            say(f"{platform} done in {record['wall_s']} s: {record.get('no_gpu') or 'ok'}")
        say(
            "XLA CPU threads: cpu/wall time ratio without and with "
            "--xla_cpu_multi_thread_eigen=false"
        )
        report["xla_cpu_over_wall"] = xla_threads(log)
        say(f"  {report['xla_cpu_over_wall']}")
        on_gpu = bool(records and records[0]["rows"])
        report["gpu_present"] = on_gpu
        report["measurements"] = records
        if not args.no_sweep:
            where = "GPU" if on_gpu else "CPU (no GPU here)"
            say(f"2-worker sweep (suite {args.sweep_suite}) on {where}")
            report["sweep"] = sweep(args, on_gpu, log, Path(work))
            say(f"sweep done: {report['sweep']}")
    text = (out / "gpu_check.log").read_text(encoding="utf-8")
    report["out_of_memory_lines"] = sum(OOM in line for line in text.splitlines())
    rows = [row for record in records for row in record["rows"]]
    lines = [table(rows), *ratios(rows)]
    if not on_gpu:
        lines.append("NO GPU: JAX saw no GPU on this machine; only the CPU side was measured.")
    if "sweep" in report:
        s = report["sweep"]
        lines.append(
            f"2-worker sweep: exit {s['exit']}, {s.get('cells', 0)} cells "
            f"{s.get('statuses', {})}, device column {s['devices']} {s.get('device_kinds', [])}, "
            f"{s['wall_s']} s"
        )
    lines.append(
        f"XLA CPU-time/wall-time ratio (default vs 1 thread): {report['xla_cpu_over_wall']}"
    )
    lines.append(f"OUT_OF_MEMORY lines in all output: {report['out_of_memory_lines']}")
    report["wall_s"] = round(time.monotonic() - START, 1)
    (out / "gpu_check.json").write_text(json.dumps(report, indent=2, default=str))
    (out / "gpu_check.txt").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    say(f"written to {out}")
    failed = [r for r in records if r.get("error")] or report["out_of_memory_lines"]
    failed = failed or ("sweep" in report and report["sweep"]["exit"] not in (0, 1))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    sys.exit(main())
