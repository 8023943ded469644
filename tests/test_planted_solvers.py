"""The planted solvers behind benchmarks/gate_false_alarms.py: exactly N times the work."""

import importlib.util
from pathlib import Path

import nemos as nmo
import pytest

from nemos_bench.solvers import ScipyLBFGS

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"


def _load(name):
    spec = importlib.util.spec_from_file_location(name, BENCH / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


planted = _load("planted_solvers")


def test_a_planted_run_repeats_the_whole_fit_and_returns_the_last(monkeypatch):
    calls = []

    class Base:
        def run(self, init_params, *args):
            calls.append((init_params, args))
            return f"fit {len(calls)}"

    class Planted(planted._PlantedRun, Base):
        pass

    monkeypatch.setenv(planted.PLANT_ENV, "3")
    assert Planted().run("x0", "X", "y") == "fit 3"
    assert calls == [("x0", ("X", "y"))] * 3
    monkeypatch.delenv(planted.PLANT_ENV)
    calls.clear()
    assert Planted().run("x0") == "fit 1"  # no factor set: the solver itself


@pytest.mark.parametrize("value", ["0", "-2", "two", "1.5"])
def test_a_bad_plant_factor_is_one_sentence(monkeypatch, value):
    monkeypatch.setenv(planted.PLANT_ENV, value)
    with pytest.raises(ValueError, match=rf"{planted.PLANT_ENV}='{value}' is not a positive"):
        planted.plant_factor()


def test_every_plant_of_the_script_is_the_solver_it_names():
    script = _load("gate_false_alarms")
    bases = {
        "LBFGS[scipy]": ScipyLBFGS,
        "BFGS[optimistix]": nmo.solvers.OptimistixBFGS,
        "NonlinearCG[optimistix]": nmo.solvers.OptimistixNonlinearCG,
    }
    assert set(script.PLANTS) == set(bases)
    for solver, (name, path) in script.PLANTS.items():
        cls = getattr(planted, path.split(":")[1])
        assert issubclass(cls, bases[solver]) and issubclass(cls, planted._PlantedRun)
        assert name == f"{cls.__name__}[custom]"
