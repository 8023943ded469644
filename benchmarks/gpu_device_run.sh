#!/usr/bin/env bash
# Run benchmarks/gpu_check.py on a machine that has JAX (with CUDA) but not NeMoS.
#
#   bash benchmarks/gpu_device_run.sh WHEEL_DIR OUT_DIR [gpu_check.py options...]
#
# Installs every wheel under WHEEL_DIR (no index, no dependencies: carry each missing one)
# into /tmp/site, puts src/ and /tmp/site on PYTHONPATH and runs the check into OUT_DIR
# (its console output is also kept as OUT_DIR/console.log). Run from the repository root.
set -uo pipefail
wheels=${1:?usage: gpu_device_run.sh WHEEL_DIR OUT_DIR [options]}
out=${2:?usage: gpu_device_run.sh WHEEL_DIR OUT_DIR [options]}
shift 2
mkdir -p "$out"
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
  --target /tmp/site "$wheels"/*.whl || { echo "wheel install failed" >&2; exit 3; }
export PYTHONPATH="$PWD/src:/tmp/site${PYTHONPATH:+:$PYTHONPATH}"
export PYTHONUNBUFFERED=1
python3 - <<'PY'
from importlib import metadata
for name in ("jax", "jaxlib", "nemos", "distributed", "dask", "numpy", "scipy", "pandas"):
    try:
        print(f"{name} {metadata.version(name)}")
    except metadata.PackageNotFoundError:
        print(f"{name} MISSING")
PY
python3 benchmarks/gpu_check.py --out "$out" "$@" 2>&1 | tee "$out/console.log"
exit "${PIPESTATUS[0]}"
