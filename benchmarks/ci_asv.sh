#!/usr/bin/env bash
# Check the asv suite end to end, as CI does: asv check, a quick run that must save a result
# for every benchmark with no failures, and a published dashboard with time and loss graphs
# that loads no script or style sheet from the network (`nemos-bench asv publish`).
#
# Usage: benchmarks/ci_asv.sh [REPO_ROOT]      (default: the repository holding this script)
#
# Runs with the `python` on PATH, which must already have nemos-bench's dependencies and asv
# installed: `--python=same` benchmarks that interpreter (importing nemos_bench from the
# clone's src/), so nothing is built or downloaded. Works in a scratch clone in a temporary
# directory (removed at exit), so the repository's results/, reports/ and .asv/ are left
# alone. Uncommitted changes of the working tree (tracked files and untracked, non-ignored
# ones) are copied into the clone and committed there, so the suite that is checked is the
# one on disk (in CI the two are the same). Exit status: 0 passed, non-zero otherwise.
set -euo pipefail

root=$(cd "${1:-$(dirname "$0")/..}" && pwd)
started=$SECONDS
scratch=$(mktemp -d "${TMPDIR:-/tmp}/nemos-bench-asv.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
repo="$scratch/repo"

echo "ci_asv: scratch clone of $root in $repo"
git clone --quiet "$root" "$repo"
(cd "$root" && git ls-files -z --cached --others --exclude-standard) \
  | (cd "$root" && tar --null --files-from=- --ignore-failed-read -cf - 2>/dev/null) \
  | (cd "$repo" && tar -xf -)
(cd "$root" && git ls-files -z --deleted) | (cd "$repo" && xargs -0 -r rm -f --)
git -C "$repo" add -A
if ! git -C "$repo" diff --cached --quiet; then
  git -C "$repo" -c user.name=ci_asv -c user.email=ci_asv@localhost \
    commit --quiet -m "ci_asv: working tree"
fi
cd "$repo"
commit=$(git rev-parse HEAD)
# asv drops PYTHONPATH from benchmark processes but honours ASV_PYTHONPATH: import the
# package from the clone, so edits made to the working tree meanwhile cannot leak in.
export ASV_PYTHONPATH="$repo/src"

echo "ci_asv: asv check"
python -m asv check --python=same
python -m asv machine --yes >/dev/null
echo "ci_asv: quick asv run at ${commit:0:8} (python: $(command -v python))"
run_started=$SECONDS
rc=0
python -m asv run --python=same --quick --show-stderr --durations=all \
  --set-commit-hash="$commit" || rc=$?
echo "ci_asv: asv run took $((SECONDS - run_started)) s (exit $rc)"
python -m nemos_bench.cli asv publish   # asv publish, with the CDN files copied beside it

python - "$commit" <<'PY'
"""Every benchmark has a saved result, none failed; the dashboard has time and loss graphs."""
import json
import math
import pathlib
import sys

commit = sys.argv[1]
conf_results, html = pathlib.Path("results/asv"), pathlib.Path("reports/asv")
files = sorted(conf_results.glob(f"*/{commit[:8]}-*.json"))
problems = []
if not files:
    problems.append(f"no asv result JSON for commit {commit[:8]} under {conf_results}/")
expected = {
    name
    for name, info in json.loads((conf_results / "benchmarks.json").read_text()).items()
    if isinstance(info, dict) and "params" in info
}
for path in files:
    data = json.loads(path.read_text())
    column = data["result_columns"].index("result")
    missing = expected - set(data["results"])
    if missing:
        problems.append(f"{path.name}: no result saved for {sorted(missing)}")
    counts = {"ok": 0, "skipped": 0, "failed": 0}
    for name, entry in sorted(data["results"].items()):
        values = entry[column]
        values = values if isinstance(values, list) else [values]
        failed = [i for i, v in enumerate(values) if v is None]
        skipped = [i for i, v in enumerate(values) if isinstance(v, float) and math.isnan(v)]
        counts["failed"] += len(failed)
        counts["skipped"] += len(skipped)
        counts["ok"] += len(values) - len(failed) - len(skipped)
        if failed:
            problems.append(f"{name}: {len(failed)} of {len(values)} parameter sets failed")
        if len(skipped) == len(values):
            problems.append(f"{name}: every parameter set was skipped")
    print(f"ci_asv: {path.name}: {counts}")
if not (html / "index.html").is_file():
    problems.append(f"asv publish wrote no {html}/index.html")
else:
    from nemos_bench.asv_tools import remote_assets

    remote = remote_assets((html / "index.html").read_text(encoding="utf-8"))
    if remote:
        problems.append(f"the dashboard still loads from the network: {remote}")
for name in ("fit.TimeFit.time_fit", "fit.TrackFit.track_objective"):
    graphs = list(html.glob(f"graphs/**/{name}.json"))
    points = [point for graph in graphs for point in json.loads(graph.read_text())]
    if not points:
        problems.append(f"the dashboard has no graph with points for {name}")
    else:
        print(f"ci_asv: {name}: {len(graphs)} graph(s), {len(points)} point(s)")
if problems:
    print("ci_asv: FAILED:\n  " + "\n  ".join(problems))
    sys.exit(1)
print("ci_asv: every benchmark saved a result, none failed; dashboard built.")
PY
if [ "$rc" -ne 0 ]; then
  echo "ci_asv: FAILED: asv run exited with $rc."
  exit "$rc"
fi
echo "ci_asv: passed in $((SECONDS - started)) s."
