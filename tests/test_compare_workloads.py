"""The gate on workloads under the cells' conditions: different machines, a busy machine."""

import csv
import io

import pytest

from nemos_bench.compare import gate
from nemos_bench.results import RunStore, append_workload_rows, read_workloads

PROBLEM = "poisson[n=300]"
BASE_ROW = dict(
    problem_id=PROBLEM, workload="cv", solver="LBFGS", tol=1e-8, status="ok", n_fits=10,
    epsilon=1e-6, compiles=120, fits_reached=10, certified_fits=10, wall_s=10.0,
    wall_s_samples="10.0 10.5 9.5", cpu_s=10.0, cpu_s_samples="10.0 10.2 9.8",
)  # fmt: skip
SLOW_WALL = {"wall_s": 40.0, "wall_s_samples": "40.0 41.0 39.0"}


def _run(root, name, host="a", **workload):
    """A run directory with one ok cell (on ``host``) and one cv workload row."""
    cell = {"problem_id": PROBLEM, "solver": "LBFGS", "tol": 1e-8, "status": "ok", "host": host}
    with RunStore(root / name, {"suite": "smoke"}, {}) as store:
        store.append_cell({**cell, "fit_s": 0.01, "objective": 1.0}, [])
    append_workload_rows(root / name, [{**BASE_ROW, **workload}])
    return root / name


def _line(capsys) -> str:
    return [t for t in capsys.readouterr().out.splitlines() if "cv LBFGS tol=1e-08" in t][0]


def test_a_slowdown_in_wall_and_cpu_time_fails(tmp_path, capsys):
    base = _run(tmp_path, "base")
    head = _run(tmp_path, "head", **SLOW_WALL, cpu_s=40.0, cpu_s_samples="40.0 41.0 39.0")
    assert gate(base, head) == 1
    line = _line(capsys)
    assert "FAIL 4.00x slower end to end" in line and "CPU time 4.00x" in line
    assert "machine busy" not in line


def test_a_wall_slowdown_without_cpu_is_not_judged_machine_busy(tmp_path, capsys):
    base = _run(tmp_path, "base")
    head = _run(tmp_path, "head", **SLOW_WALL, cpu_s=10.1, cpu_s_samples="10.1 10.3 9.9")
    assert gate(base, head) == 0
    line = _line(capsys)
    assert "warning: not judged on time: machine busy (wall 4.00x, CPU 1.01x, not beyond" in line
    assert "FAIL" not in line
    # accuracy is still judged on a busy machine
    worse = _run(tmp_path, "worse", **SLOW_WALL, cpu_s=10.1, fits_reached=7)
    assert gate(base, worse) == 1
    line = _line(capsys)
    assert "machine busy" in line and "FAIL fewer fits reach epsilon" in line


def test_different_machines_leave_time_unjudged_and_say_why(tmp_path, capsys):
    base = _run(tmp_path, "base", host="a")
    head = _run(tmp_path, "head", host="b", **SLOW_WALL, cpu_s=40.0, cpu_s_samples="40 41 39")
    assert gate(base, head) == 0
    line = _line(capsys)
    assert line.endswith("ok; time not judged: BASE ran with host=a and HEAD with host=b")
    assert gate(base, head, judge_time_anyway=True) == 1
    assert "FAIL 4.00x slower end to end" in _line(capsys)


@pytest.mark.parametrize(("slow", "fails"), [(True, True), (False, False)])
def test_rows_without_cpu_columns_are_judged_on_wall_time_as_before(tmp_path, capsys, slow, fails):
    for name in ("base", "head"):
        path = _run(tmp_path, name) / "workloads.csv"
        header = path.read_text().splitlines()[0].split(",")
        old = header[: header.index("cpu_s")]  # an older workloads.csv stops before cpu_s
        row = dict(BASE_ROW, **(SLOW_WALL if slow and name == "head" else {}))
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\n").writerows([old, [row.get(c, "") for c in old]])
        path.write_text(buffer.getvalue())
    assert "cpu_s" not in read_workloads(tmp_path / "base").dropna(axis=1).columns
    assert gate(tmp_path / "base", tmp_path / "head") == (1 if fails else 0)
    line = _line(capsys)
    assert ("FAIL 4.00x slower end to end" in line) == fails
    assert "CPU time" not in line and "machine busy" not in line
