"""Every bad data file of docs/own-data.md: one sentence, exit code 2, nothing written.

Each case of ``CASES`` is a row of the "Bad data" table in docs/own-data.md (its first
column is the case id); the documented message, with ``…`` standing for the file's
directory, must match what ``nemos-bench run`` prints exactly.
"""

import re
from pathlib import Path

import numpy as np
import pytest
from test_own_data import write_nwb

from nemos_bench.cli import main

DOC = Path(__file__).resolve().parents[1] / "docs" / "own-data.md"
RNG = np.random.default_rng(0)
X, Y = RNG.normal(size=(100, 3)), RNG.poisson(1.0, 100).astype(float)


def _npz(name, **arrays):
    def setup(root):
        np.savez(root / name, **arrays)

    return setup


def _with(array, index, value):
    array = array.copy()
    array[index] = value
    return array


def _nwb(name, trains):
    return lambda root: write_nwb(root / name, trains)


def _no_units(root):
    write_nwb(root / "nounits.nwb", [])


def _sweep_suite(root):
    _npz("ok.npz", X=X, y=Y)(root)
    (root / "sweep.toml").write_text('suite = "quick"\n')


CASES = {
    "npz-wrong-keys": (_npz("keys.npz", design=X, counts=Y), ["--data", "keys.npz"]),
    "npz-mismatched-rows": (_npz("rows.npz", X=X, y=Y[:99]), ["--data", "rows.npz"]),
    "npz-nan": (_npz("nan.npz", X=_with(X, (3, 1), np.nan), y=Y), ["--data", "nan.npz"]),
    "npz-inf": (_npz("inf.npz", X=X, y=_with(Y, 7, np.inf)), ["--data", "inf.npz"]),
    "npz-negative-counts": (
        _npz("negative.npz", X=X, y=_with(Y, 5, -1.0)),
        ["--data", "negative.npz"],
    ),
    "npz-silent-output": (_npz("silent.npz", X=X, y=0 * Y), ["--data", "silent.npz"]),
    "nwb-no-units": (_no_units, ["--data", "nounits.nwb"]),
    "nwb-empty-unit": (
        _nwb("empty.nwb", [[0.5, 1.0], [1.0, 2.0], []]),
        ["--data", "empty.nwb"],
    ),
    "nwb-window-too-long": (
        _nwb("short.nwb", [[0.0, 5.0, 10.0], [1.0, 2.0, 3.0]]),
        ["--data", "short.nwb", "--window", "500", "--bin-size", "0.1"],
    ),
    "data-missing": (lambda root: None, ["--data", "missing.npz"]),
    "data-extension": (
        lambda root: (root / "table.csv").write_text("a,b\n"),
        ["--data", "table.csv"],
    ),
    "data-with-suite": (_npz("ok.npz", X=X, y=Y), ["--data", "ok.npz", "--suite", "quick"]),
    "data-with-sweep-suite": (_sweep_suite, ["--config", "sweep.toml", "--data", "ok.npz"]),
    "option-without-data": (lambda root: None, ["--window", "10"]),
    "npz-design-option": (_npz("ok.npz", X=X, y=Y), ["--data", "ok.npz", "--n-basis", "3"]),
}


def _documented() -> dict[str, str]:
    text = DOC.read_text(encoding="utf-8").split("## Bad data", 1)[1]
    rows = {}
    for line in text.splitlines():
        match = re.match(r"\| `([a-z0-9-]+)` \|.*\| ``(.*)`` \|$", line)
        if match:
            rows[match.group(1)] = match.group(2).strip()
    return rows


def _tree(root: Path) -> dict:
    return {str(p.relative_to(root)): p.stat().st_mtime_ns for p in sorted(root.rglob("*"))}


def test_every_case_is_documented_and_every_documented_case_is_tested():
    assert sorted(_documented()) == sorted(CASES)


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_data_gets_one_sentence_exit_2_and_writes_nothing(case, tmp_path, monkeypatch, capsys):
    setup, argv = CASES[case]
    monkeypatch.chdir(tmp_path)
    setup(tmp_path)
    before = _tree(tmp_path)
    capsys.readouterr()
    code = main(["run", "--no-report", *argv])
    out, err = capsys.readouterr()
    message = _documented()[case].replace("…", str(tmp_path.resolve()))
    assert code == 2
    assert err == f"nemos-bench run: error: {message}\n"
    assert _tree(tmp_path) == before
