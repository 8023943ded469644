"""Every command the harness prints as a hint runs as printed.

Elsewhere: the resume command printed after Ctrl-C is run by tests/test_cli_newcomer.py; the
"Next:" commands `nemos-bench asv init` prints (asv machine, asv run, nemos-bench asv
publish, nemos-bench compare) are run in that order by the slow test of
tests/test_asv_history.py, with a machine name and --quick added.
"""

import re
import shlex

from nemos_bench.cli import main


def printed_commands(text: str) -> list[str]:
    """The `nemos-bench ...` commands quoted in backticks in ``text``."""
    return re.findall(r"`(nemos-bench [^`]+)`", " ".join(text.split()))


def test_the_list_hint_computes_what_it_says(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("NEMOS_BENCH_CACHE", str(tmp_path))
    monkeypatch.setenv("COLUMNS", "400")
    assert main(["list", "--suite", "quick", "--no-compute"]) == 0
    (command,) = printed_commands(capsys.readouterr().out)
    assert command == "nemos-bench list --suite quick"
    assert main(shlex.split(command)[1:]) == 0
    capsys.readouterr()
    assert main(["list", "--suite", "quick", "--no-compute"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "every one listed is cached" in out and not printed_commands(out)


def test_the_unknown_solver_hint_lists_the_solvers(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["run", "--solvers", "LBFGZ[scipy]", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert not out.exists()
    (command,) = printed_commands(err)
    assert command == "nemos-bench list"
    match = re.search(r"shows the (\d+) available here", err)
    assert main(shlex.split(command)[1:]) == 0
    listed = capsys.readouterr().out
    table = listed.split("Solvers available here")[1]
    rows = [line for line in table.splitlines() if re.match(r"^│ \S+\[", line)]
    assert len([r for r in rows if "not installed" not in r]) >= int(match.group(1)) - 1
