"""`nemos-bench list`: condition numbers of cached references, computing the missing ones."""

import re

from nemos_bench.cli import main
from nemos_bench.problems import get_suite, is_reference_cached, load_reference


def _list(capsys, *args):
    code = main(["list", *args])  # COLUMNS (set by the tests) keeps each row on one line
    out = capsys.readouterr().out
    return code, " ".join(out.split())  # one line: rich wraps at the terminal width


def test_list_suite_computes_missing_references_then_reads_them(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("NEMOS_BENCH_CACHE", str(tmp_path))
    monkeypatch.setenv("COLUMNS", "400")
    quick = get_suite("quick")

    code, out = _list(capsys, "--suite", "quick", "--no-compute")
    assert code == 0 and out.count("not cached") == len(quick)
    assert "quick: no condition number known yet" in out
    assert f"`nemos-bench list --suite quick` computes the {len(quick)} missing" in out
    assert not any(is_reference_cached(spec) for spec in quick)

    code, out = _list(capsys, "--suite", "quick")  # --suite computes by default
    assert code == 0 and f"Computing {len(quick)} reference optima" in out
    assert len(re.findall(r"computed in [0-9.e+-]+ s", out)) == len(quick)
    assert re.search(rf"Computed {len(quick)} reference optima in [0-9.e+-]+ s\.", out)
    conds = [load_reference(spec).condition_number for spec in quick]
    for cond in conds:
        assert f"{cond:.3g}" in out
    low, high = min(conds), max(conds)
    assert f"quick: condition numbers span {low:.3g} to {high:.3g}" in out
    assert all(is_reference_cached(spec) for spec in quick)

    code, out = _list(capsys)  # every suite, from the cache only
    assert code == 0 and "Computing" not in out
    assert out.count(" cached ") >= len(quick) and "not cached" in out  # standard is not
    assert "neuro: no condition number known yet" in out
    assert "Solvers available here" in out


def test_list_reports_a_problem_without_certified_optimum(tmp_path, monkeypatch, capsys):
    import nemos_bench.cli._listing as listing
    from nemos_bench.problems import ReferenceSolutionError

    def refuse(spec, cache_dir=None, on_step=None):
        raise ReferenceSolutionError("the Hessian is singular.")

    monkeypatch.setenv("NEMOS_BENCH_CACHE", str(tmp_path))
    monkeypatch.setenv("COLUMNS", "400")
    monkeypatch.setattr(listing, "load_reference", refuse)
    code, out = _list(capsys, "--suite", "quick")
    assert code == 0
    assert out.count("no certified optimum: the Hessian is singular.") == len(get_suite("quick"))
