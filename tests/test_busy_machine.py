"""How busy the machine was: per-cell load columns, the run's CPU share, the busy sentence."""

import json
import os
import types

import pandas as pd
import pytest

from nemos_bench.cli._table import summary_table
from nemos_bench.measure import CellResult, CellSettings, LoadSnapshot, machine_load
from nemos_bench.problems import ProblemSpec
from nemos_bench.report._warnings import warnings_section
from nemos_bench.results import (
    BUSY_CPU_SHARE,
    BUSY_LOAD_PER_CORE,
    RunStore,
    busy_machine_sentence,
    read_meta,
    read_summary,
)
from nemos_bench.sweep import Cell, SweepConfig, _execute, run_sweep

SPEC = ProblemSpec(n_samples=200, n_features=2, n_outputs=1)
BUSY = "This run was taken on a busy machine"


def _cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


def test_isolated_cells_record_load_and_cores_and_the_run_its_cpu_share(tmp_path):
    # the worker-process path: every executor's cells pass through ProblemCache.run
    config = SweepConfig(
        suite="custom",
        problems=(SPEC,),
        solvers=("LBFGS[scipy]",),
        tols=(1e-4, 1e-8),
        settings=CellSettings(time_budget=0.02),
        isolate=True,
    )
    run = run_sweep(config, tmp_path / "run").path
    summary = read_summary(run)
    assert len(summary) == 2 and set(summary.status) == {"ok"}
    assert (summary.usable_cores == _cores()).all()
    for column in ("load_start", "load_end"):
        assert (summary[column] >= 0).all()
    record = read_meta(run)["machine_load"]
    assert record["usable_cores"] == _cores() and record["load_avg_end"] >= 0
    if os.path.exists("/proc/stat"):
        assert 0 <= record["other_cpu_share"] <= 1 and record["cpus"] >= 1


def test_a_change_of_usable_cores_during_a_cell_is_noted(monkeypatch):
    cores = iter([2, 1])
    monkeypatch.setattr(_execute, "usable_cores", lambda: next(cores))
    monkeypatch.setattr(_execute, "load_average", lambda: 3.0)
    cache = _execute.ProblemCache()
    done = CellResult({"status": "ok", "reason": "Note."})
    monkeypatch.setattr(cache, "_run", lambda cell, settings: done)
    row = cache.run(Cell(SPEC, "LBFGS[scipy]", 1e-4, False), CellSettings()).summary
    assert (row["load_start"], row["load_end"], row["usable_cores"]) == (3.0, 3.0, 2)
    assert row["reason"] == "Note. The usable cores changed from 2 to 1 during this cell."


def test_machine_load_from_proc_stat_and_without_it(tmp_path):
    stat = tmp_path / "stat"
    # user nice system idle iowait irq softirq steal: 100 busy ticks, 2 CPUs
    stat.write_text("cpu  60 0 40 500 10 0 0 0 0 0\ncpu0 1\ncpu1 1\nintr 5\n")
    snap = LoadSnapshot.take(str(stat))
    ticks = os.sysconf("SC_CLK_TCK")
    assert snap.stat == (100 / ticks, 2)
    later = snap.__class__(snap.wall + 10, (snap.stat[0] + 12, 2), snap.own_cpu + 2, 1.0, 2)
    assert machine_load(snap, later)["other_cpu_share"] == pytest.approx(10 / 20, abs=1e-3)
    missing = LoadSnapshot.take(str(tmp_path / "absent"))
    record = machine_load(missing, missing.__class__(missing.wall + 10, None, 0.0, 1.0, 2))
    assert "other_cpu_share" not in record and record["load_avg_end"] == 1.0


def _rows(load_start, load_end, cores=2):
    n = len(load_start)
    return pd.DataFrame(
        {"load_start": load_start, "load_end": load_end, "usable_cores": [cores] * n}
    )


def _meta(share):
    return {"machine_load": {"other_cpu_share": share, "cpus": 2, "usable_cores": 2}}


def test_the_busy_sentence_follows_the_cpu_share_not_the_load():
    rows = _rows([3.1, 3.5], [3.4, 4.0])
    busy = busy_machine_sentence(rows, _meta(0.48))
    assert busy == (
        f"{BUSY}: other processes used 48% of the 2 CPUs (load 3.1-4.0); its times may be "
        "inflated and noisier than on a quiet machine."
    )
    # a high load made by this run itself (e.g. its own workers) is not a busy machine
    assert busy_machine_sentence(rows, _meta(BUSY_CPU_SHARE)) is None
    assert busy_machine_sentence(rows, _meta(0.02)) is None


def test_without_a_cpu_share_a_quarter_of_the_cells_must_exceed_the_load_threshold():
    high, low = BUSY_LOAD_PER_CORE * 2 + 0.5, [1.0, 0.5, 0.8, 1.1, 0.9, 1.2, 0.7]
    busy = busy_machine_sentence(_rows([high, high, *low[:2]], [0.5, high, *low[2:4]]), {})
    assert busy.startswith(f"{BUSY}: the load average exceeded {BUSY_LOAD_PER_CORE:g} per usable")
    assert "in 2 of 4 cells (load 0.5-" in busy and "on 2 cores)" in busy
    # one cell in five is a spell, not a busy run; and a load at the threshold is not above it
    assert busy_machine_sentence(_rows([high, *low[:4]], [0.5, *low[3:7]]), {}) is None
    at = BUSY_LOAD_PER_CORE * 2
    assert busy_machine_sentence(_rows([at, at], [at, at]), {}) is None
    # runs that recorded neither (older runs) get no sentence
    old = pd.DataFrame({"status": ["ok"], "fit_s": [0.1]})
    assert busy_machine_sentence(old, {}) is None
    assert busy_machine_sentence(old, {"machine_load": {"load_avg_start": 9.0}}) is None


def _run_dir(tmp_path, share):
    rows = _rows([3.1, 3.5], [3.4, 4.0]).assign(
        problem_id="p", solver="LBFGS[scipy]", tol=[1e-4, 1e-8], status="ok", outcome="converged",
        fit_s=0.01, compile_s=0.1, suboptimality=0.0, compiles_in_timed=0, repeats_differ=0,
        n_repeats=6, maxiter=100,
    )  # fmt: skip
    path = tmp_path / f"share{share}"
    with RunStore(path, {"suite": "custom"}, {"machine_load": {}}) as store:
        for row in rows.to_dict("records"):
            store.append_cell(row, [])
        store.update_meta(machine_load=_meta(share)["machine_load"])
    return path


@pytest.mark.parametrize("share", [0.6, 0.05])
def test_report_and_cli_say_busy_first_only_for_a_busy_run(tmp_path, share):
    path = _run_dir(tmp_path, share)
    summary, meta = read_summary(path), json.loads((path / "meta.json").read_text())
    html = warnings_section(summary, meta)
    _, _, warnings = summary_table(types.SimpleNamespace(path=path))
    if share > BUSY_CPU_SHARE:
        assert html.startswith(f'<p class="bad">{BUSY}: other processes used 60% of the 2 CPUs')
        assert warnings[0].startswith(f"{BUSY}: other processes used 60%")
    else:
        assert BUSY not in html and not any(BUSY in w for w in warnings)
