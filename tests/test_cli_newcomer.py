"""What a newcomer trips on (issue 27): resume commands, dead schedulers, disjoint compares,
tolerances below the float64 floor, the list of cells without a fit, the sweep-file example."""

import re
import shlex
import socket
import time
from pathlib import Path

import pandas as pd
import pytest

from nemos_bench import sweep
from nemos_bench.cli import main
from nemos_bench.cli._errors import UsageError
from nemos_bench.cli._hints import check_repeats, min_interval_repeats
from nemos_bench.cli._table import MAX_GROUPS_SHOWN, unfitted_lines
from nemos_bench.compare import CompareError, compare
from nemos_bench.measure import mark_float64_floor
from nemos_bench.measure._precision import EPS
from nemos_bench.problems import get_suite
from nemos_bench.results import RunStore, read_meta, read_summary
from nemos_bench.sweep import (
    ConfigError,
    SchedulerUnreachableError,
    build_config,
    load_sweep_file,
    probe_scheduler,
)

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "sweep.toml"
TINY = "[[problems]]\nn_samples = 300\nn_features = 3\n"
FAST = ["--in-process", "--time-budget", "0.01", "--no-report"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_a_dead_scheduler_is_found_in_seconds_and_leaves_nothing(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    address = f"tcp://127.0.0.1:{_free_port()}"
    start = time.monotonic()
    code = main(["run", "--no-report", "--scheduler", address])
    assert time.monotonic() - start < 15
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err
    assert f"No Dask scheduler answers at {address} (the connection was refused" in err
    assert list(tmp_path.iterdir()) == []  # no run directory


def test_the_probe_tells_a_silent_listener_from_a_refusal_and_passes_a_live_scheduler():
    with socket.socket() as sock:  # listens, but is no Dask scheduler: the handshake fails
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        address = f"tcp://127.0.0.1:{sock.getsockname()[1]}"
        with pytest.raises(SchedulerUnreachableError, match="handshake") as caught:
            probe_scheduler(address, timeout=0.5)
    assert "refused" not in str(caught.value)
    from distributed import LocalCluster

    with LocalCluster(n_workers=0, processes=False, dashboard_address=None) as cluster:
        probe_scheduler(cluster.scheduler_address, timeout=5)  # a live one: no error


def _interrupt_after_first_cell(monkeypatch):
    """Make ``nemos-bench run`` meet a Ctrl-C once its first cell is written."""
    real = sweep.run_sweep

    def interrupted(config, out, on_cell=None, **kwargs):
        def stop(cell, result):
            on_cell(cell, result)
            if result is not None:
                raise KeyboardInterrupt

        return real(config, out, on_cell=stop, **kwargs)

    monkeypatch.setattr(sweep, "run_sweep", interrupted)
    return real


def test_the_printed_resume_command_repeats_the_options_and_resumes(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "my sweep.toml").write_text('solvers = ["LBFGS[scipy]"]\n' + TINY)
    argv = ["run", "--config", "my sweep.toml", "--tol", "1e-4,1e-8", *FAST]
    real = _interrupt_after_first_cell(monkeypatch)
    assert main(argv) == 130
    err = capsys.readouterr().err
    command = re.search(r"to resume, run `([^`]+)`", err).group(1)
    words = shlex.split(command)
    assert words[:2] == ["nemos-bench", "run"] and "--config" in words
    out = Path(words[words.index("--out") + 1])
    assert len(read_summary(out)) == 1
    monkeypatch.setattr(sweep, "run_sweep", real)
    # what the old hint said, `--out` alone, is refused: the options are needed
    assert main(["run", "--out", str(out), "--no-report"]) == 2
    capsys.readouterr()
    assert main(words[1:]) == 0
    summary = read_summary(out)
    assert sorted(summary["tol"]) == [1e-8, 1e-4] and not summary.duplicated("tol").any()
    assert read_meta(out)["config"]["suite"] == "custom"


def test_compare_of_runs_sharing_no_cell_is_bad_input_but_one_shared_cell_is_compared(tmp_path):
    def write(name, solvers):
        with RunStore(tmp_path / name, {"suite": "smoke"}, {}) as store:
            for solver in solvers:
                row = {"problem_id": "poisson[n=300]", "solver": solver, "tol": 1e-8}
                store.append_cell({**row, "status": "ok", "fit_s": 0.01}, [])
        return tmp_path / name

    base, other = write("base", ["LBFGS[scipy]", "LBFGS"]), write("other", ["BFGS[scipy]"])
    for allow in (False, True):
        with pytest.raises(CompareError, match=r"\(2 cell\(s\)\) and HEAD .* share no cell"):
            compare(base, other, allow_missing=allow)
    some = write("some", ["LBFGS", "BFGS[scipy]"])
    result = compare(base, some, allow_missing=True)
    assert len(result.cells) == 1 and result.passed


def test_repeats_below_an_interval_are_refused_and_the_minimum_is_accepted():
    least = min_interval_repeats()
    check_repeats(least, from_command_line=True)
    with pytest.raises(UsageError, match=f"repeats = {least - 1} \\(sweep file\\) is below"):
        check_repeats(least - 1, from_command_line=False)


def test_a_suite_beside_problems_is_refused_unless_it_is_the_custom_label(tmp_path):
    path = tmp_path / "sweep.toml"
    path.write_text(TINY)
    assert build_config(load_sweep_file(path)).suite == "custom"
    assert len(build_config(load_sweep_file(path), suite="custom").problems) == 1
    with pytest.raises(ConfigError, match=r"^--suite quick and the sweep file's 1 \[\[problems"):
        build_config(load_sweep_file(path), suite="quick")


def test_a_converged_claim_below_the_float64_floor_is_relabelled_only_there():
    row = {"status": "ok", "outcome": "converged", "reason": "note.", "tol": 1e-15}
    assert mark_float64_floor(dict(row, reference_objective=0.5))["outcome"] == "converged"
    marked = mark_float64_floor(dict(row, reference_objective=50.0))  # floor 50 eps > 1e-15
    assert marked["outcome"] == "float64_precision" and marked["reason"].startswith("note. ")
    assert f"floor {50 * EPS:.2g}" in marked["reason"]
    for other in ({"outcome": "max_steps"}, {"status": "failed"}):
        assert mark_float64_floor(dict(row, reference_objective=50.0, **other)) == dict(
            row, reference_objective=50.0, **other
        )


def test_tol_below_the_floor_warns_and_its_fits_stop_at_float64_precision(
    tmp_path, monkeypatch, capsys
):
    monkeypatch.chdir(tmp_path)
    # printed to a pipe: full-width lines (pytest-xdist's workers set COLUMNS=80)
    monkeypatch.delenv("COLUMNS", raising=False)
    (tmp_path / "sweep.toml").write_text(TINY)
    argv = ["run", "--config", "sweep.toml", "--out", "run", *FAST]
    code = main([*argv, "--solvers", "LBFGS[scipy],LBFGS{bogus=1}", "--tol", "1e-8,1e-20"])
    out = capsys.readouterr().out
    assert code == 0  # skipped cells are not failures
    assert "warning: tol 1e-20 is below the float64 floor" in out
    assert "warning: tol 1e-08" not in out
    summary = read_summary(tmp_path / "run").set_index(["solver", "tol"])
    scipy = summary.loc["LBFGS[scipy]"]
    assert scipy.loc[1e-8, "outcome"] == "converged"
    assert scipy.loc[1e-20, "outcome"] == "float64_precision"
    assert "Stopped at float64 precision" in scipy.loc[1e-20, "reason"]
    lines = out.splitlines()
    floor = [line for line in lines if "stopped at float64 precision" in line]
    assert len(floor) == 2 and floor[1].startswith("warning: LBFGS[scipy] tol=1e-20 on ")
    # the two skipped cells, grouped under their one reason, after the table
    start = lines.index("2 cells without a fit (summary.csv has every reason):")
    assert lines[start + 1].startswith("  skipped, 2 cells: NeMoS refuses the settings bogus=1")
    assert "{bogus=1} tol=1e-08,1e-20 on poisson[n=300," in lines[start + 2]
    assert "LBFGS[scipy]" not in "".join(lines[start : start + 3])


def test_unfitted_cells_are_grouped_and_long_lists_cut():
    rows = [
        dict(solver=f"S{i}", tol=1e-4, problem_id="p", status="failed", reason=f"Reason {i % 10}.")
        for i in range(20)
    ] + [dict(solver="T", tol=1e-4, problem_id="p", status="ok", reason="")]
    lines = unfitted_lines(pd.DataFrame(rows))
    assert lines[0] == "20 cells without a fit (summary.csv has every reason):"
    assert len(lines) == 1 + 2 * MAX_GROUPS_SHOWN + 1
    assert lines[1] == "  failed, 2 cells: Reason 0." and lines[2] == (
        "    S0 tol=0.0001 on p; S10 tol=0.0001 on p"
    )
    assert lines[-1].startswith(f"  and {10 - MAX_GROUPS_SHOWN} more group(s) of 4 cell(s)")
    assert unfitted_lines(pd.DataFrame(rows[-1:])) == []


def _uncommented(text: str) -> str:
    """The example with its [[problems]] tables uncommented in place, as its comment says."""
    lines = text.splitlines()
    start = lines.index("# [[problems]]")
    return "\n".join(lines[:start] + [re.sub(r"^# ?", "", line) for line in lines[start:]])


def test_the_sweep_file_example_works_as_given_and_with_its_problems_uncommented(tmp_path):
    given = build_config(load_sweep_file(EXAMPLE))
    assert given.suite == "quick" and given.problems == tuple(get_suite("quick"))
    assert given.solvers == ("LBFGS[scipy]", "LBFGS[optax+optimistix]")
    path = tmp_path / "sweep.toml"
    path.write_text(_uncommented(EXAMPLE.read_text()))
    mine = build_config(load_sweep_file(path))
    assert mine.suite == "custom" and len(mine.problems) == 1
    assert mine.problems[0].n_samples == 10000 and mine.problems[0].regularizer == "Ridge"
    assert (mine.tols, mine.settings) == (given.tols, given.settings)  # top-level keys kept


def test_the_terminal_table_shows_rounding_level_suboptimality_as_at_f_star():
    import pandas as pd

    from nemos_bench.cli._table import _best_subopt

    rows = pd.DataFrame({"suboptimality": [-1.2e-16, 3e-9], "reference_objective": [-1.7] * 2})
    assert _best_subopt(rows) == "0 (at f*)"
    rows = pd.DataFrame({"suboptimality": [5e-7, 2e-7], "reference_objective": [-1.7] * 2})
    assert _best_subopt(rows) == "2e-07"
    assert _best_subopt(pd.DataFrame({"suboptimality": [float("nan")]})) == "-"


def test_the_docs_show_the_tested_sweep_file_example_verbatim():
    running = EXAMPLE.parents[1] / "docs" / "user_guide" / "running.md"
    assert f"```toml\n{EXAMPLE.read_text()}```" in running.read_text()
