"""The scipy classes' ridge tests run once per installation (solvers._validated)."""

import nemos as nmo
import pytest

from nemos_bench.solvers import _register, _validated


@pytest.fixture
def registrations(monkeypatch, tmp_path):
    """Each call of NeMoS's register, recorded instead of made, on a fresh cache."""
    monkeypatch.setenv("NEMOS_BENCH_CACHE", str(tmp_path))
    monkeypatch.setattr(_register, "_registered_class", lambda algo: None)
    calls = []

    def register(algo, cls, **kwargs):
        calls.append(kwargs)

    monkeypatch.setattr(nmo.solvers, "register", register)
    return calls


def _ridge_tests(calls):
    return [(c["validate"], c["test_ridge_with_aux"], c["test_ridge_without_aux"]) for c in calls]


def test_ridge_tests_run_once_then_a_marker_spares_them(registrations):
    n = len(_register.SCIPY_SOLVER_CLASSES)
    assert not _validated.already_validated()
    _register.register_scipy_solvers()
    assert _ridge_tests(registrations) == [(True, True, True)] * n
    assert _validated.already_validated()
    registrations.clear()
    _register.register_scipy_solvers()
    assert _ridge_tests(registrations) == [(True, False, False)] * n  # still validated


def test_another_library_version_or_source_runs_them_again(registrations, monkeypatch):
    _register.register_scipy_solvers()
    first = _validated.validation_marker()
    monkeypatch.setattr(_validated, "_version", lambda dist: "0.0.other")
    assert _validated.validation_marker() != first and not _validated.already_validated()
    registrations.clear()
    _register.register_scipy_solvers()
    assert all(ridge for _, ridge, _ in _ridge_tests(registrations))


def test_a_class_that_fails_validation_leaves_no_marker(registrations, monkeypatch):
    def refuse(algo, cls, **kwargs):
        if algo == "BFGS":
            raise ValueError("ridge test failed")

    monkeypatch.setattr(nmo.solvers, "register", refuse)
    with pytest.raises(ValueError, match="ridge test failed"):
        _register.register_scipy_solvers()
    assert not _validated.already_validated()


def test_workers_never_write_the_marker(registrations):
    _register.register_checked_scipy_solvers()
    assert _ridge_tests(registrations)[0] == (True, False, False)
    assert not _validated.already_validated()
