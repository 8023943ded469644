"""Problems that separate solvers: conditioning, low rates, spike-history designs (issue 11)."""

from __future__ import annotations

import hashlib
import json
import math
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from test_problems import sklearn_objective

import nemos_bench.problems as problems
from nemos_bench.problems import (
    REFERENCE_GTOL,
    ProblemSpec,
    condition_number,
    get_suite,
    history_design,
    is_reference_cached,
    load_problem,
    load_reference,
    make_problem,
    raised_cosine_log_basis,
    reference_solution,
)

SRC = Path(__file__).resolve().parents[1] / "src"
FINGERPRINTS = Path(__file__).with_name("data") / "problem_fingerprints.json"
# f* must not exceed another solver's objective by more than summation rounding.
ROUNDING = 1e-14

LOW_RANK = ProblemSpec(2_000, 10, effective_rank=1, tail_strength=0.001)  # condition ~1e7
VERY_ILL = ProblemSpec(10_000, 50, effective_rank=2, tail_strength=0.001)  # condition ~2e8
LOW_RATE = ProblemSpec(3_000, 5, 2, rate=0.01)
SPIKES = ProblemSpec(3_000, 8, 2, design="spike_history")  # unregularized, condition ~3e4
SPIKES_RIDGE = get_suite("quick")[1]
NEW_FAMILIES = (LOW_RANK, LOW_RATE, SPIKES, SPIKES_RIDGE)


def _ids(specs):
    return [spec.problem_id for spec in specs]


def _data_hash(problem) -> str:
    digest = hashlib.sha256()
    digest.update(problem.X.tobytes())
    digest.update(problem.y.tobytes())
    return digest.hexdigest()


# ----------------------------------------------------------- existing problems are unchanged

# Fingerprints of every problem that existed before these axes: problem id, content hash and
# sha256 of X's then y's bytes. They were computed with the code of `main` at commit ce7fd2c,
# BEFORE the generator was changed (quick, standard and every large spec up to 10_000 x 200 x
# 200), and must never change: the asv history and users' caches and runs key on them.
_FINGERPRINTS = json.loads(FINGERPRINTS.read_text())
_CHEAP = [pid for pid in _FINGERPRINTS if ProblemSpec.from_id(pid).n_samples <= 10_000]
_COSTLY = [pid for pid in _FINGERPRINTS if pid not in _CHEAP]


def _check_fingerprint(problem_id):
    record = _FINGERPRINTS[problem_id]
    spec = ProblemSpec.from_id(problem_id)
    assert spec.problem_id == problem_id
    assert spec.content_hash == record["content_hash"]
    assert _data_hash(make_problem(spec)) == record["data_sha256"]


@pytest.mark.parametrize("problem_id", _CHEAP)
def test_existing_problem_ids_hashes_and_data_are_unchanged(problem_id):
    _check_fingerprint(problem_id)


@pytest.mark.slow
@pytest.mark.parametrize("problem_id", _COSTLY)
def test_existing_big_problem_data_are_unchanged(problem_id):
    _check_fingerprint(problem_id)


def test_suites_keep_every_existing_problem():
    old = {pid: rec["suite"] for pid, rec in _FINGERPRINTS.items()}
    standard = _ids(get_suite("standard"))
    assert standard[:51] == [pid for pid in standard[:51] if old.get(pid) == "standard"]
    assert {pid for pid, suite in old.items() if suite == "standard"} == set(standard[:51])
    large = set(_ids(get_suite("large")))
    assert {pid for pid, suite in old.items() if suite == "large"} <= large
    for pid in _COSTLY + _CHEAP:  # every id still parses to a spec with default axes
        spec = ProblemSpec.from_id(pid)
        assert spec.design == "gaussian" and spec.rate is None and spec.effective_rank is None


# ------------------------------------------------------------------------------ spec axes


def test_default_axes_leave_id_and_hash_alone():
    plain = ProblemSpec(100, 3, 2, regularizer="Ridge")
    explicit = ProblemSpec(
        100, 3, 2, regularizer="Ridge", design="gaussian", window=None, rate=None,
        effective_rank=None, tail_strength=None,
    )  # fmt: skip
    assert explicit == plain and explicit.problem_id == plain.problem_id
    assert explicit.content_hash == plain.content_hash
    assert plain.problem_id == "poisson[n=100,p=3,k=2,noise=0.0,reg=Ridge,lam=0.001,seed=0]"


@pytest.mark.parametrize(
    ("kwargs", "suffix"),
    [
        ({"rate": 1 / 3}, ",rate=0.3333333333333333"),
        ({"effective_rank": 3}, ",rank=3,tail=0.5"),
        ({"effective_rank": 2, "tail_strength": 0.1 + 0.2}, ",rank=2,tail=0.30000000000000004"),
        ({"effective_rank": 2, "rate": 0.01}, ",rate=0.01,rank=2,tail=0.5"),
        ({"design": "spike_history"}, ",design=spike_history,window=100,rate=0.05"),
        (
            {"design": "spike_history", "window": 7, "rate": 2.5e-3},
            ",design=spike_history,window=7,rate=0.0025",
        ),
    ],
)  # fmt: skip
def test_non_default_axes_appear_in_the_id_and_round_trip(kwargs, suffix):
    spec = ProblemSpec(600, 6, 3, **kwargs)
    assert (
        spec.problem_id
        == f"poisson[n=600,p=6,k=3,noise=0.0,reg=UnRegularized,lam=0.0,seed=0{suffix}]"
    )
    again = ProblemSpec.from_id(spec.problem_id)
    assert again == spec and again.content_hash == spec.content_hash
    assert spec.content_hash != ProblemSpec(600, 6, 3).content_hash


def test_spike_history_hash_depends_on_its_simulation_version(monkeypatch):
    spec, plain = ProblemSpec(600, 6, 3, design="spike_history"), ProblemSpec(600, 6, 3)
    before, plain_before = spec.content_hash, plain.content_hash
    monkeypatch.setitem(problems._axes._DESIGN_VERSIONS, "spike_history", 2)
    assert spec.content_hash != before and plain.content_hash == plain_before


@pytest.mark.parametrize(
    ("kwargs", "field", "accepted"),
    [
        ({"design": "poisson_process"}, "design", "one of ['gaussian', 'spike_history']"),
        ({"window": 10}, "window", "design='spike_history' only"),
        ({"design": "spike_history", "window": 0}, "window", "positive integer"),
        ({"design": "spike_history", "window": 1}, "window", "at least the basis size"),
        ({"design": "spike_history", "n_features": 7}, "n_features", "multiple of `n_outputs`"),
        ({"design": "spike_history", "noise": 1.0}, "noise", "must be 0.0"),
        ({"design": "spike_history", "effective_rank": 2}, "effective_rank", "'gaussian' only"),
        ({"rate": 0.0}, "rate", "positive, finite"),
        ({"rate": float("nan")}, "rate", "positive, finite"),
        ({"rate": "low"}, "rate", "positive, finite"),
        ({"effective_rank": 0}, "effective_rank", "positive integer"),
        ({"effective_rank": 2.5}, "effective_rank", "positive integer"),
        ({"tail_strength": 0.1}, "tail_strength", "only applies with `effective_rank`"),
        ({"effective_rank": 2, "tail_strength": 1.5}, "tail_strength", "in [0, 1]"),
    ],
)
def test_bad_axis_names_field_value_and_what_is_accepted(kwargs, field, accepted):
    base = {"n_samples": 100, "n_features": 6, "n_outputs": 3}
    with pytest.raises(ValueError, match=f"`{field}`") as info:
        ProblemSpec(**{**base, **kwargs})
    assert accepted in str(info.value)
    assert repr(kwargs.get(field, base.get(field))) in str(info.value)


@pytest.mark.parametrize(
    "suffix",
    [
        ",colour=red",  # unknown key
        ",rate=0.1,design=spike_history",  # out of order
        ",rate=0.1,rate=0.2",  # twice
        ",rank=two",
        ",design=spike-history",
        ",rate=",
    ],
)
def test_from_id_refuses_malformed_axes(suffix):
    text = f"poisson[n=10,p=2,k=1,noise=0.0,reg=UnRegularized,lam=0.0,seed=0{suffix}]"
    with pytest.raises(ValueError, match="expected the form poisson") as info:
        ProblemSpec.from_id(text)
    assert repr(text) in str(info.value) and ",design=<name>,window=<int>" in str(info.value)


def test_from_id_invalid_axis_value_names_the_field():
    base = "poisson[n=10,p=2,k=1,noise=0.0,reg=UnRegularized,lam=0.0,seed=0"
    with pytest.raises(ValueError, match="`rate`"):
        ProblemSpec.from_id(base + ",rate=-0.5]")
    with pytest.raises(ValueError, match="`window`"):
        ProblemSpec.from_id(base + ",window=5]")


# ---------------------------------------------------------------------------------- data


_HASH_CODE = """
import hashlib, sys
from nemos_bench.problems import ProblemSpec, make_problem
for problem_id in sys.argv[1:]:
    problem = make_problem(ProblemSpec.from_id(problem_id))
    print(hashlib.sha256(problem.X.tobytes() + problem.y.tobytes()).hexdigest())
"""


def test_new_families_give_identical_bytes_in_separate_processes():
    path = os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")])
    envs = [  # a different BLAS thread count must not change a bit
        dict(os.environ, PYTHONPATH=path, OPENBLAS_NUM_THREADS="1"),
        dict(os.environ, PYTHONPATH=path, OPENBLAS_NUM_THREADS="2"),
    ]
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", textwrap.dedent(_HASH_CODE), *_ids(NEW_FAMILIES)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for env in envs
    ]
    outs = []
    for proc in procs:
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
        outs.append(out.split())
    here = [_data_hash(make_problem(spec)) for spec in NEW_FAMILIES]
    assert outs == [here, here] and len(set(here)) == len(here)
    for spec in NEW_FAMILIES:
        other = make_problem(ProblemSpec(**{**spec.to_dict(), "seed": 1}))
        assert _data_hash(other) not in here


def test_rate_sets_the_exact_mean_rate_of_every_output():
    problem = make_problem(LOW_RATE)
    rates = np.exp(problem.X @ problem.true_coef + problem.true_intercept)
    np.testing.assert_allclose(rates.mean(axis=0), 0.01, rtol=1e-12)
    assert np.mean(problem.y == 0) > 0.97  # mostly-zero counts
    # the predictor is the one of the default generator: only the offset moved
    default = make_problem(ProblemSpec(3_000, 5, 2))
    assert problem.X.tobytes() == default.X.tobytes()
    np.testing.assert_allclose(problem.true_coef, default.true_coef, rtol=1e-15)


def test_low_rank_design_is_scaled_make_regression():
    from sklearn.datasets import make_regression

    problem = make_problem(LOW_RANK)
    X, *_ = make_regression(
        n_samples=2_000, n_features=10, effective_rank=1, tail_strength=0.001, random_state=0,
        coef=True,
    )  # fmt: skip
    np.testing.assert_allclose(problem.X, X * np.sqrt(2_000), rtol=1e-15)
    singular = np.linalg.svd(problem.X / np.sqrt(2_000), compute_uv=False)
    assert singular[0] == pytest.approx(1.0, rel=0.05) and singular[-1] < 1e-3
    rates = np.exp(problem.X @ problem.true_coef + problem.true_intercept)
    assert 0.05 < np.median(rates) < 5  # the scaling left the simulated rates as designed


def test_raised_cosine_basis_covers_the_window_with_log_spaced_bumps():
    basis = raised_cosine_log_basis(6, 100)
    assert basis.shape == (100, 6) and basis.min() >= 0 and basis.max() <= 1
    peaks = np.argmax(basis, axis=0) + 1  # lags where bumps peak
    assert peaks[0] == 1 and peaks[-1] == 100 and np.all(np.diff(peaks) > 0)
    centres = np.linspace(np.log(2.0), np.log(101.0), 6)  # evenly spaced in log(lag + 1)
    assert np.all(np.abs(np.log(peaks + 1.0) - centres) <= np.log1p(1.0 / (peaks + 1.0)))
    widths = (basis > 0).sum(axis=0)[basis[-1] == 0]  # bumps that end inside the window
    assert len(widths) >= 3 and np.all(np.diff(widths) > 0)  # long lags get wide bumps
    assert np.all(basis.sum(axis=1) >= 0.99)  # every lag is covered
    np.testing.assert_array_equal(raised_cosine_log_basis(1, 5)[:, 0] > 0, True)


def test_history_design_is_the_causal_convolution_of_each_neuron():
    rng = np.random.default_rng(0)
    counts = rng.poisson(0.2, size=(300, 3)).astype(float)
    basis = raised_cosine_log_basis(4, 20)
    X = history_design(counts, basis)
    for k in range(3):
        for j in range(4):
            kernel = np.concatenate([[0.0], basis[:, j]])  # lag 0 (the current bin) unused
            expected = np.convolve(counts[:, k], kernel)[:300]
            np.testing.assert_allclose(X[:, 4 * k + j], expected, rtol=1e-13, atol=1e-13)
    later = counts.copy()
    later[150:] = 0  # a row never sees its own bin or later ones
    np.testing.assert_array_equal(history_design(later, basis)[:151], X[:151])


def test_spike_history_population_is_realistic_and_follows_its_glm():
    spec = ProblemSpec(20_000, 12, 3, design="spike_history")
    problem = make_problem(spec)
    assert problem.X.shape == (20_000, 12) and problem.y.shape == (20_000, 3)
    assert np.mean(problem.y == 0) > 0.9  # low rates: most bins hold no spike
    assert 0.3 * spec.rate < problem.y.mean(axis=0).min()
    assert problem.y.mean(axis=0).max() < 1.5 * spec.rate  # no runaway excitation
    assert problem.y.max() <= 5
    ref = reference_solution(problem)
    basis = raised_cosine_log_basis(spec.n_basis, spec.window)
    for i in range(3):  # the fitted self-filter is refractory, as simulated
        fitted = basis @ ref.coef[4 * i : 4 * i + 4, i]
        simulated = basis @ problem.true_coef[4 * i : 4 * i + 4, i]
        assert simulated[0] < -1 and fitted[0] < -1
    np.testing.assert_allclose(ref.intercept, problem.true_intercept, atol=0.3)


# ----------------------------------------------------------------------------- reference


@pytest.mark.parametrize(
    ("spec", "min_condition"),
    [(LOW_RANK, 1e6), (VERY_ILL, 1e8), (SPIKES, 1e4), (SPIKES_RIDGE, 1e3)],
    ids=["condition-1e7", "condition-2e8", "spike-history", "spike-history-ridge"],
)
def test_reference_is_certified_and_matches_sklearn_on_hard_problems(spec, min_condition):
    problem = make_problem(spec)
    ref = reference_solution(problem)
    assert ref.condition_number >= min_condition  # the problem is as hard as it claims
    assert ref.scaled_grad <= REFERENCE_GTOL
    theirs = sklearn_objective(problem)  # alpha = lam, one output at a time
    assert abs(theirs - ref.objective) <= 1e-10 * abs(ref.objective)
    assert ref.objective <= theirs + ROUNDING * abs(theirs)


@pytest.mark.parametrize("spec", [LOW_RANK, SPIKES], ids=["low-rank-glm", "spike-population"])
def test_condition_number_is_numpys_cond_of_the_hessian_at_the_optimum(spec):
    problem = make_problem(spec)
    ref = reference_solution(problem)
    n, lam = spec.n_samples, spec.regularizer_strength
    design = np.column_stack([problem.X, np.ones(n)])
    coef = ref.coef.reshape(spec.n_features, spec.n_outputs)
    conds = []
    for j in range(spec.n_outputs):
        rate = np.exp(problem.X @ coef[:, j] + ref.intercept[j])
        hess = design.T @ (design * rate[:, None]) / n
        hess += lam * np.diag(np.append(np.ones(spec.n_features), 0.0))
        conds.append(np.linalg.cond(hess))
    assert ref.condition_number == pytest.approx(max(conds), rel=1e-6)
    assert condition_number(problem, (ref.coef, ref.intercept)) == ref.condition_number
    if spec.n_outputs > 1:
        assert min(conds) < 0.99 * max(conds)  # the largest over outputs, not any one


def test_well_conditioned_problems_stay_well_conditioned():
    for spec in (ProblemSpec(2_000, 10), ProblemSpec(1_000, 5, 3, regularizer="Ridge")):
        assert 1 < reference_solution(spec).condition_number < 20


# --------------------------------------------------------------------------------- cache


def test_cached_reference_without_condition_number_gets_it_and_is_rewritten(tmp_path, monkeypatch):
    spec = SPIKES_RIDGE
    fresh = load_reference(spec, tmp_path)
    path = tmp_path / "references" / f"{spec.content_hash}.npz"
    with np.load(path) as data:
        arrays = {key: data[key] for key in data.files if key != "condition_number"}
    np.savez(path, **arrays)  # as written before condition numbers were recorded
    assert is_reference_cached(spec, tmp_path)

    def fail(*args, **kwargs):
        raise AssertionError("the whole reference was recomputed")

    monkeypatch.setattr(problems._cache, "reference_solution", fail)
    old = load_reference(spec, tmp_path)
    assert old.condition_number == fresh.condition_number
    assert old.objective == fresh.objective and old.coef.tobytes() == fresh.coef.tobytes()
    with np.load(path) as data:
        assert float(data["condition_number"]) == fresh.condition_number
    assert load_reference(spec, tmp_path).condition_number == fresh.condition_number


def test_is_reference_cached(tmp_path):
    spec = ProblemSpec(200, 2, rate=0.2)
    assert not is_reference_cached(spec, tmp_path)
    load_problem(spec, tmp_path)
    assert not is_reference_cached(spec, tmp_path)  # the data alone are not a reference
    load_reference(spec, tmp_path)
    assert is_reference_cached(spec, tmp_path)
    assert not is_reference_cached(spec, cache_dir=False)


# --------------------------------------------------------------------------------- suites


def test_quick_holds_an_ill_conditioned_and_a_spike_history_problem():
    quick = get_suite("quick")
    conds = [load_reference(spec).condition_number for spec in quick]
    assert max(conds) >= 1e4
    assert any(spec.design == "spike_history" for spec in quick)
    assert {spec.glm_class for spec in quick} == {"GLM", "PopulationGLM"}
    assert {spec.regularizer for spec in quick} == {"UnRegularized", "Ridge"}


def test_standard_spans_rates_and_designs_and_neuro_grows_to_1e6_bins_and_100_neurons():
    standard = get_suite("standard")
    assert min(spec.rate for spec in standard if spec.rate is not None) == 0.01
    assert {spec.design for spec in standard} == {"gaussian", "spike_history"}
    assert min(s.tail_strength for s in standard if s.effective_rank) <= 0.001
    neuro = get_suite("neuro")
    assert all(spec.design == "spike_history" for spec in neuro)
    sizes = [(spec.n_samples, spec.n_outputs) for spec in neuro]
    assert sizes == sorted(sizes) and sizes[-1] == (1_000_000, 100)
    assert len(set(_ids(standard))) == len(standard)


def test_standard_conditioning_ladder_spans_five_decades():
    """The ends of `standard`'s range: a grid problem and the most ill-conditioned one."""
    standard = get_suite("standard")
    easy = reference_solution(standard[0]).condition_number
    hard = reference_solution(VERY_ILL).condition_number
    assert VERY_ILL in standard and easy < 20 and math.log10(hard / easy) >= 5
