"""Crash safety of the results store: a kill at any byte, corrupted files, locking."""

import json
import math

import pytest

from nemos_bench.results import (
    ResultsCorruptedError,
    RunDirectoryError,
    RunStore,
    read_meta,
    read_summary,
    read_trace,
)
from nemos_bench.results._schema import SUMMARY_COLUMNS

CONFIG = {"suite": "custom", "solvers": ["A[x]", "B[x]"], "tols": [1e-4, 1e-8]}
META = {"x64": True}


def _summary_row(problem, solver, tol, status="ok"):
    row = {c.name: None for c in SUMMARY_COLUMNS}
    row.update(
        problem_id=problem, n_samples=300, n_features=3, n_outputs=1,
        regularizer="UnRegularized", regularizer_strength=0.0, solver=solver, tol=tol,
        maxiter=100, repeat=3, status=status, reason="" if status == "ok" else "boom, it failed",
        fit_s=0.001234, objective=0.71935, reference_objective=0.719348, converged=True,
        n_steps=7, suboptimality=math.nan if status != "ok" else 1.2e-12,
    )  # fmt: skip
    return row


def _trace_rows(problem, solver, tol, n):
    return [
        {"problem_id": problem, "solver": solver, "tol": tol, "iteration": i,
         "time_s": 0.01 * i, "objective": 1.0 / (i + 1), "suboptimality": 0.5 / (i + 1),
         "grad_norm": 0.1 / (i + 1)}
        for i in range(n)
    ]  # fmt: skip


def _cells():
    """Six cells in sweep order: traced (tight tol) cells have trace rows."""
    cells = []
    for problem in ("poisson[a]", "poisson[b]"):
        for solver in ("A[x]", "B[x]"):
            for tol in (1e-4, 1e-8):
                status = (
                    "failed" if (problem, solver, tol) == ("poisson[b]", "A[x]", 1e-8) else "ok"
                )
                trace = (
                    _trace_rows(problem, solver, tol, 4) if tol == 1e-8 and status == "ok" else []
                )
                cells.append((_summary_row(problem, solver, tol, status), trace))
    return cells


def _files(path):
    return {p.name: p.read_bytes() for p in sorted(path.iterdir())}


def _full_run(path):
    with RunStore(path, CONFIG, META) as store:
        for summary, trace in _cells():
            store.append_cell(summary, trace)
    return _files(path)


def test_kill_at_any_byte_of_the_journal_then_resume_gives_the_uninterrupted_files(tmp_path):
    """Simulate `kill -9` after every byte the store appends, and resume each time."""
    reference = _full_run(tmp_path / "reference")
    header = {n: reference[n].split(b"\n", 1)[0] + b"\n" for n in ("summary.csv", "trace.csv")}
    # the bytes the store appends, in write order: a cell's trace rows, then its summary row
    summary_lines = reference["summary.csv"].split(b"\n")[1:-1]
    trace_lines = iter(reference["trace.csv"].split(b"\n")[1:-1])
    writes = []
    for (_, trace), line in zip(_cells(), summary_lines, strict=True):
        writes += [("trace.csv", next(trace_lines) + b"\n") for _ in trace]
        writes.append(("summary.csv", line + b"\n"))
    stream = [(name, bytes([b])) for name, chunk in writes for b in chunk]
    # every line boundary (and a byte either side) and the middle of every line
    ends = [0]
    for _, chunk in writes:
        ends.append(ends[-1] + len(chunk))
    middles = {(a + b) // 2 for a, b in zip(ends, ends[1:], strict=False)}
    cuts = {e + d for e in ends for d in (-1, 0, 1)} | middles
    cuts = sorted(c for c in cuts if 0 <= c <= len(stream))
    for cut in cuts:
        run = tmp_path / f"cut{cut}"
        run.mkdir()
        (run / "meta.json").write_bytes(reference["meta.json"])
        content = {"summary.csv": header["summary.csv"], "trace.csv": header["trace.csv"]}
        for name, byte in stream[:cut]:
            content[name] += byte
        for name, data in content.items():
            (run / name).write_bytes(data)
        (run / ".trace.csv.k2j3.tmp").write_bytes(b"half of an atomic rewrite")
        with RunStore(run, CONFIG, META) as store:  # repairs: torn line, orphan trace, temp file
            committed = content["summary.csv"].count(b"\n") - 1
            assert len(store.done()) == committed
            trace = read_trace(run)
            assert {tuple(k) for k in trace[["problem_id", "solver", "tol"]].values} <= (
                store.done()
            )
            for summary, rows in _cells():
                store.append_cell(summary, rows)  # the rerun: finished cells are skipped
        assert _files(run) == reference, f"cut at byte {cut}"


def test_a_second_writer_is_refused_while_a_run_holds_the_directory(tmp_path):
    with RunStore(tmp_path / "run", CONFIG, META):
        with pytest.raises(RunDirectoryError, match="in use by another nemos-bench run"):
            RunStore(tmp_path / "run", CONFIG, META)
    RunStore(tmp_path / "run", CONFIG, META).close()  # released on close


def _edit(path, lineno, old, new):
    lines = path.read_text().split("\n")
    assert old in lines[lineno - 1]
    lines[lineno - 1] = lines[lineno - 1].replace(old, new, 1)
    path.write_text("\n".join(lines))


@pytest.mark.parametrize(
    ("file", "edit", "message"),
    [
        ("summary.csv", (3, "0.001234", "fast"),
         r"summary.csv line 3: column 'fit_s' holds 'fast', which is not a valid float\."),
        ("summary.csv", (4, ",ok,", ",great,"),
         r"summary.csv line 4: status 'great' is not one of \['ok', 'failed', "),
        ("summary.csv", (2, ",A[x],", ",,"), r"summary.csv line 2: column 'solver' is empty\."),
        ("summary.csv", (5, ",3,ok,", ",3,ok,,"),
         rf"summary.csv line 5: expected {len(SUMMARY_COLUMNS)} fields, "
         rf"found {len(SUMMARY_COLUMNS) + 1}\."),
        ("summary.csv", (1, "fit_s", "fit_seconds"), r"summary.csv line 1: header \["),
        ("summary.csv", (3, "1e-08", "0.0001"),
         r"summary.csv line 3: repeats the row of line 2 \(problem_id, solver, tol"),
        ("trace.csv", (3, ",1,", ",0,"), r"trace.csv line 3: repeats the row of line 2"),
        ("summary.csv", (2, "poisson[a]", '"poisson[a]'), r"summary.csv line 2: not a valid CSV"),
    ],
)  # fmt: skip
def test_hand_edited_results_are_named_by_file_and_line(tmp_path, file, edit, message):
    run = tmp_path / "run"
    _full_run(run)
    _edit(run / file, *edit)
    before = _files(run)
    reader = read_summary if file == "summary.csv" else read_trace
    with pytest.raises(ResultsCorruptedError, match=message):
        reader(run)
    with pytest.raises(ResultsCorruptedError, match=message):  # resuming refuses it too
        RunStore(run, CONFIG, META)
    assert _files(run) == before  # nothing "repaired" away


def test_a_torn_last_line_is_an_error_for_readers_and_repaired_by_a_resume(tmp_path):
    run = tmp_path / "run"
    _full_run(run)
    data = (run / "summary.csv").read_bytes()
    (run / "summary.csv").write_bytes(data[:-40])
    lines = data.count(b"\n")
    with pytest.raises(ResultsCorruptedError, match=f"line {lines}: the last line is incomplete"):
        read_summary(run)
    RunStore(run, CONFIG, META).close()
    assert len(read_summary(run)) == lines - 2


@pytest.mark.parametrize(
    ("text", "message"),
    [("{not json", r"meta.json line 1: invalid JSON"), ("[1, 2]", "expected a JSON object")],
)
def test_corrupted_meta_json_is_named(tmp_path, text, message):
    run = tmp_path / "run"
    _full_run(run)
    (run / "meta.json").write_text(text)
    with pytest.raises(ResultsCorruptedError, match=message):
        read_meta(run)
    with pytest.raises(ResultsCorruptedError, match=message):
        RunStore(run, CONFIG, META)


def test_nothing_is_created_when_the_directory_is_refused(tmp_path):
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "todo.txt").write_text("mine")
    with pytest.raises(RunDirectoryError, match=r"holds no nemos-bench run \(it has 'todo.txt'\)"):
        RunStore(tmp_path / "notes", CONFIG, META)
    (tmp_path / "file").write_text("x")
    with pytest.raises(RunDirectoryError, match="cannot be created because .* is a file"):
        RunStore(tmp_path / "file" / "run", CONFIG, META)
    _full_run(tmp_path / "run")
    before = _files(tmp_path / "run")
    with pytest.raises(RunDirectoryError, match="holds another run's results"):
        RunStore(tmp_path / "run", {**CONFIG, "tols": [1e-6]}, META)
    assert _files(tmp_path / "run") == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file", "notes", "run"]
    assert json.loads(before["meta.json"])["config"] == CONFIG


def test_non_utf8_results_file_is_named_with_its_line(tmp_path):
    from nemos_bench.results import ResultsCorruptedError, column_names, read_summary
    from nemos_bench.results._schema import SUMMARY_COLUMNS

    run = tmp_path / "run"
    run.mkdir()
    header = ",".join(column_names(SUMMARY_COLUMNS)).encode()
    (run / "summary.csv").write_bytes(header + b"\n" + b"caf\xe9,\n")
    with pytest.raises(ResultsCorruptedError, match=r"summary\.csv line 2: the file is not UTF-8"):
        read_summary(run)


def _drop_trailing_columns(path, keep):
    """Rewrite a CSV as an older nemos-bench wrote it: only the first ``keep`` columns."""
    lines = path.read_text().splitlines()
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for fields in csv.reader(lines):
        writer.writerow(fields[:keep])
    path.write_text(out.getvalue())


def test_a_run_written_before_newer_columns_loads_and_resumes(tmp_path):
    run = tmp_path / "run"
    _full_run(run)
    full = read_summary(run)
    keep = 20  # an older schema: the columns were appended to since
    _drop_trailing_columns(run / "summary.csv", keep)
    old = read_summary(run)
    names = [c.name for c in SUMMARY_COLUMNS]
    assert list(old.columns) == names  # the newer columns exist, empty
    assert old[names[keep:]].isna().all().all()
    assert old[names[:keep]].astype(str).equals(full[names[:keep]].astype(str))
    # reopening (to resume) migrates the file to today's header, rows unchanged
    RunStore(run, CONFIG, META).close()
    header = (run / "summary.csv").read_text().splitlines()[0]
    assert header == ",".join(names)
    assert read_summary(run).astype(str).equals(old.astype(str))
