"""Tests of nemos_bench.problems: specs, data, objective, reference optimum, suites, cache."""

from __future__ import annotations

import dataclasses
import hashlib
import math
import os
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import numpy as np
import pytest

import nemos_bench.problems as problems
from nemos_bench.problems import (
    REFERENCE_GTOL,
    Problem,
    ProblemSpec,
    ReferenceSolutionError,
    get_suite,
    grad_norm,
    gradient,
    list_suites,
    load_problem,
    load_reference,
    make_problem,
    objective,
    reference_solution,
)

SRC = Path(__file__).resolve().parents[1] / "src"
EPS = np.finfo(np.float64).eps
# f* must not exceed another solver's objective by more than summation rounding.
ROUNDING = 1e-14
# A population Ridge problem beyond `quick` (more outputs, noise, a stronger penalty).
POP_RIDGE = ProblemSpec(3_000, 20, 4, noise=5.0, regularizer="Ridge", regularizer_strength=1e-2)
# The two problems of the first `quick` suite (tests of the first generator's properties).
CLASSIC = (
    ProblemSpec(2_000, 10, 1),
    ProblemSpec(1_000, 5, 3, regularizer="Ridge", regularizer_strength=1e-3),
)
AGREEMENT_SPECS = (*CLASSIC, POP_RIDGE)
ALL_SUITE_SPECS = [spec for name in list_suites() for spec in get_suite(name)]


def _spec_ids(specs):
    return [spec.problem_id for spec in specs]


def _random_params(spec, rng):
    p, k = spec.n_features, spec.n_outputs
    coef = rng.normal(scale=0.3 / math.sqrt(p), size=(p, k))
    intercept = np.log(0.5) + rng.normal(scale=0.3, size=k)
    return (coef[:, 0] if k == 1 else coef), intercept


def _run_python(code: str, *args: str) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")]))
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code), *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _communicate(procs, timeout=120):
    outs = []
    for proc in procs:
        out, err = proc.communicate(timeout=timeout)
        assert proc.returncode == 0, err
        outs.append(out.strip())
    return outs


# --------------------------------------------------------------------------------------- spec


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("n_samples", 0),
        ("n_samples", -5),
        ("n_samples", 10.0),
        ("n_samples", "10"),
        ("n_samples", True),
        ("n_features", 0),
        ("n_features", None),
        ("n_outputs", 0),
        ("n_outputs", 1.5),
        ("noise", -1.0),
        ("noise", float("inf")),
        ("noise", "0"),
        ("seed", 1.5),
        ("seed", True),
        ("seed", -1),
        ("seed", 2**32),
        ("regularizer", "L1"),
        ("regularizer", "ridge"),
        ("regularizer_strength", -1e-3),
        ("regularizer_strength", float("nan")),
    ],
)
def test_bad_spec_raises_naming_field_and_value(field, value):
    kwargs = {"n_samples": 100, "n_features": 3, "regularizer": "Ridge"}
    kwargs[field] = value
    with pytest.raises(ValueError, match=f"`{field}`") as info:
        ProblemSpec(**kwargs)
    assert repr(value) in str(info.value)


@pytest.mark.parametrize(
    ("regularizer", "strength"), [("UnRegularized", 0.1), ("Ridge", 0.0), ("Ridge", 0)]
)
def test_strength_must_match_regularizer(regularizer, strength):
    with pytest.raises(ValueError, match="`regularizer_strength`"):
        ProblemSpec(100, 3, regularizer=regularizer, regularizer_strength=strength)


def test_spec_defaults_and_normalization():
    assert ProblemSpec(100, 3).regularizer_strength == 0.0
    ridge = ProblemSpec(100, 3, regularizer="Ridge")
    assert ridge.regularizer_strength == problems.DEFAULT_RIDGE_STRENGTH
    assert ridge == ProblemSpec(100, 3, regularizer="Ridge", regularizer_strength=1e-3)
    spec = ProblemSpec(np.int64(100), 3, noise=1, seed=np.uint32(7))
    assert type(spec.n_samples) is int and type(spec.seed) is int
    assert type(spec.noise) is float
    assert spec == ProblemSpec(100, 3, noise=1.0, seed=7)
    assert hash(spec) == hash(ProblemSpec(100, 3, noise=1.0, seed=7))
    with pytest.raises(dataclasses.FrozenInstanceError):
        spec.n_samples = 5
    assert ProblemSpec(100, 3).glm_class == "GLM"
    assert ProblemSpec(100, 3, 2).glm_class == "PopulationGLM"


@pytest.mark.parametrize("spec", ALL_SUITE_SPECS, ids=_spec_ids(ALL_SUITE_SPECS))
def test_from_id_round_trips_every_suite_spec(spec):
    again = ProblemSpec.from_id(spec.problem_id)
    assert again == spec
    assert again.content_hash == spec.content_hash


@pytest.mark.parametrize("noise", [0.0, 0.1 + 0.2, 1e-300, 5e-324, 123.456, 1e20, 1 / 3])
@pytest.mark.parametrize("lam", [1e-3, 1 / 3, 2.5e-7, 0.1 + 0.2])
def test_from_id_round_trips_floats_exactly(noise, lam):
    spec = ProblemSpec(
        10, 2, 3, noise=noise, seed=2**32 - 1, regularizer="Ridge", regularizer_strength=lam
    )
    again = ProblemSpec.from_id(spec.problem_id)
    assert again == spec
    assert again.noise == noise and again.regularizer_strength == lam


@pytest.mark.parametrize(
    "text",
    [
        "",
        "poisson[n=10]",
        "binomial[n=10,p=2,k=1,noise=0.0,reg=UnRegularized,lam=0.0,seed=0]",
        "poisson[n=10,p=2,k=1,noise=0.0,reg=UnRegularized,lam=0.0,seed=0]x",
        "poisson[n=10,p=2,k=1,noise=abc,reg=UnRegularized,lam=0.0,seed=0]",
        "poisson[p=2,n=10,k=1,noise=0.0,reg=UnRegularized,lam=0.0,seed=0]",
    ],
)
def test_from_id_malformed_quotes_string_and_form(text):
    with pytest.raises(ValueError, match="expected the form poisson\\[n=<int>") as info:
        ProblemSpec.from_id(text)
    assert repr(text) in str(info.value)


def test_from_id_invalid_values_name_the_field():
    with pytest.raises(ValueError, match="`regularizer`"):
        ProblemSpec.from_id("poisson[n=10,p=2,k=1,noise=0.0,reg=Lass,lam=0.0,seed=0]")
    with pytest.raises(ValueError, match="`n_samples`"):
        ProblemSpec.from_id("poisson[n=0,p=2,k=1,noise=0.0,reg=UnRegularized,lam=0.0,seed=0]")


def test_problem_ids_and_hashes_are_unique_and_depend_on_generator_version(monkeypatch):
    specs = set(ALL_SUITE_SPECS)
    assert len({spec.problem_id for spec in specs}) == len(specs)
    assert len({spec.content_hash for spec in specs}) == len(specs)
    spec = CLASSIC[0]
    assert len(spec.content_hash) == 64 and int(spec.content_hash, 16) >= 0
    before = spec.content_hash
    monkeypatch.setattr(problems._spec, "GENERATOR_VERSION", problems.GENERATOR_VERSION + 1)
    assert spec.content_hash != before


#: The one module of ``problems`` that may import NeMoS and JAX, inside its functions only:
#: an .nwb recording's design is built as a NeMoS user builds it (NeMoS's raised-cosine
#: log basis, convolved by NeMoS); the certified optimum of that design stays NumPy's.
DESIGN_FROM_NEMOS = "_nwb.py"


def test_problems_package_imports_no_nemos_jax_or_sibling_packages():
    import ast

    package = SRC / "nemos_bench" / "problems"
    imported, lazily = set(), set()
    for path in package.glob("*.py"):
        tree = ast.parse(path.read_text())
        top = {id(node) for node in tree.body}
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = {node.module}
            else:
                continue
            roots = {name.split(".")[0] for name in names}
            if path.name == DESIGN_FROM_NEMOS and id(node) not in top:
                lazily |= roots  # inside a function: `import nemos_bench.problems` loads none
            else:
                imported |= roots
    assert not imported & {"nemos", "jax", "jaxlib", "nemos_bench"}, sorted(imported)
    assert lazily & {"nemos", "jax"} and "nemos_bench" not in lazily
    assert "_suites.py" in {p.name for p in package.glob("*.py")}  # the glob saw the package


def test_importing_problems_loads_neither_nemos_nor_jax():
    code = (
        "import sys, nemos_bench.problems as p; p.reference_solution(p.ProblemSpec(300, 2)); "
        "print(sorted(m for m in ('nemos', 'jax') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


# -------------------------------------------------------------------------------------- suites


def test_suites():
    assert list_suites() == ["quick", "standard", "large", "neuro", "models"]
    quick = get_suite("quick")
    assert len(quick) == 2
    assert {(s.glm_class, s.regularizer) for s in quick} == {
        ("GLM", "UnRegularized"),
        ("PopulationGLM", "Ridge"),
    }
    assert all(s.n_samples * s.n_features * s.n_outputs <= 50_000 for s in quick)
    grid = get_suite("standard")[:51]  # the n x p x k grid; harder problems follow it
    assert {s.n_samples for s in grid} == {1_000, 10_000, 100_000}
    assert {s.n_features for s in grid} == {10, 50, 200}
    assert {s.n_outputs for s in grid} == {1, 10, 50}
    assert {s.regularizer for s in grid} == {"UnRegularized", "Ridge"}
    assert all(s.n_samples >= 10 * (s.n_features + 1) for s in grid if s.regularizer_strength == 0)
    large = get_suite("large")
    assert max(s.n_samples for s in large) == 1_000_000
    assert max(s.n_outputs for s in large) == 200
    with pytest.raises(TypeError):
        problems.SUITES["new"] = ()


@pytest.mark.parametrize("name", ["Quick", "tiny", ""])
def test_get_suite_unknown_name(name):
    accepted = "accepted suites are \\['quick', 'standard', 'large', 'neuro', 'models'\\]"
    with pytest.raises(ValueError, match=accepted):
        get_suite(name)


# -------------------------------------------------------------------------------------- data


@pytest.mark.parametrize("spec", CLASSIC, ids=_spec_ids(CLASSIC))
def test_make_problem_arrays(spec):
    problem = make_problem(spec)
    n, p, k = spec.n_samples, spec.n_features, spec.n_outputs
    y_shape = (n,) if k == 1 else (n, k)
    coef_shape = (p,) if k == 1 else (p, k)
    assert problem.X.shape == (n, p) and problem.y.shape == y_shape
    assert problem.true_coef.shape == coef_shape and problem.true_intercept.shape == (k,)
    for array in (problem.X, problem.y, problem.true_coef, problem.true_intercept):
        assert array.dtype == np.float64 and array.flags.c_contiguous
        assert not array.flags.writeable
    assert np.all(problem.y >= 0) and np.all(problem.y == np.round(problem.y))
    # Rates from the true parameters lie in the documented range and explain the counts.
    rates = np.exp(problem.X @ problem.true_coef + problem.true_intercept)
    assert rates.max() <= problems.BASE_RATE * np.exp(problems.RATE_SCALE * problems.Z_CLIP)
    assert 0.05 < np.median(rates) < 5
    counts, expected = problem.y.reshape(n, k).sum(0), rates.reshape(n, k).sum(0)
    assert np.all(np.abs(counts - expected) < 6 * np.sqrt(expected))  # Poisson: 6 sigma


def test_make_problem_is_deterministic_and_seed_dependent():
    spec = CLASSIC[1]
    a, b = make_problem(spec), make_problem(spec)
    assert a.X.tobytes() == b.X.tobytes() and a.y.tobytes() == b.y.tobytes()
    other = make_problem(dataclasses.replace(spec, seed=spec.seed + 1))
    assert not np.array_equal(a.X, other.X) and not np.array_equal(a.y, other.y)


_HASH_CODE = """
import hashlib, sys
from nemos_bench.problems import ProblemSpec, make_problem
problem = make_problem(ProblemSpec.from_id(sys.argv[1]))
print(hashlib.sha256(problem.X.tobytes() + problem.y.tobytes()).hexdigest())
"""


def test_same_spec_gives_identical_bytes_in_separate_processes():
    spec = POP_RIDGE
    procs = [_run_python(_HASH_CODE, spec.problem_id) for _ in range(2)]
    problem = make_problem(spec)
    here = hashlib.sha256(problem.X.tobytes() + problem.y.tobytes()).hexdigest()
    assert _communicate(procs) == [here, here]


# -------------------------------------------------------------------------- objective/gradient


def test_objective_matches_closed_form_and_accepts_spec():
    spec = CLASSIC[1]
    problem = make_problem(spec)
    coef, intercept = _random_params(spec, np.random.default_rng(1))
    eta = problem.X @ coef + intercept
    expected = np.sum(np.mean(np.exp(eta) - problem.y * eta, axis=0))
    expected += 0.5 * spec.regularizer_strength * np.sum(coef**2)
    assert objective(problem, (coef, intercept)) == pytest.approx(expected, rel=1e-13)
    assert objective(spec, (coef, intercept)) == objective(problem, (coef, intercept))
    assert grad_norm(spec, (coef, intercept)) == grad_norm(problem, (coef, intercept))


def test_objective_rejects_bad_params():
    problem = make_problem(CLASSIC[1])  # p=5, k=3
    with pytest.raises(
        ValueError, match=r"expected \(coef, intercept\) shapes \(\(5, 3\), \(3,\)\)"
    ):
        objective(problem, (np.zeros(5), np.zeros(3)))
    with pytest.raises(ValueError, match="pair"):
        objective(problem, np.zeros(5))
    with pytest.raises(TypeError, match="Problem or a ProblemSpec"):
        objective("quick", (np.zeros((5, 3)), np.zeros(3)))


@pytest.mark.parametrize("spec", AGREEMENT_SPECS, ids=_spec_ids(AGREEMENT_SPECS))
def test_gradient_matches_finite_differences(spec):
    problem = make_problem(spec)
    coef, intercept = _random_params(spec, np.random.default_rng(2))
    gcoef, gintercept = gradient(problem, (coef, intercept))
    assert gcoef.shape == coef.shape and gintercept.shape == intercept.shape
    flat = np.concatenate([coef.ravel(), intercept])
    grad = np.concatenate([gcoef.ravel(), gintercept])

    def f(theta):
        return objective(problem, (theta[: coef.size].reshape(coef.shape), theta[coef.size :]))

    h = 1e-6
    numeric = np.array([(f(flat + h * e) - f(flat - h * e)) / (2 * h) for e in np.eye(flat.size)])
    np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-8)
    assert grad_norm(problem, (coef, intercept)) == pytest.approx(np.linalg.norm(grad), rel=1e-14)


# -------------------------------------------------------------------------------- reference


@pytest.mark.parametrize("spec", AGREEMENT_SPECS, ids=_spec_ids(AGREEMENT_SPECS))
def test_reference_is_certified(spec):
    problem = make_problem(spec)
    ref = reference_solution(problem)
    params = (ref.coef, ref.intercept)
    assert ref.scaled_grad <= REFERENCE_GTOL
    assert ref.objective == objective(problem, params)
    assert ref.grad_norm == grad_norm(problem, params)
    assert ref.coef.shape == problem.true_coef.shape
    assert ref.objective < objective(problem, (problem.true_coef, problem.true_intercept))
    # The data follow the model: the estimate is near the truth (standard errors ~ 0.03).
    np.testing.assert_allclose(ref.coef, problem.true_coef, atol=0.25)
    # Damped Newton converges quadratically from the intercept-only start.
    assert ref.n_iter <= 20


def sklearn_objective(problem) -> float:
    """Our objective at scikit-learn's ``PoissonRegressor(solver="newton-cholesky")`` fit,
    one output at a time (see the test below for the mapping ``alpha = lam``)."""
    from sklearn.linear_model import PoissonRegressor

    spec = problem.spec
    ys = problem.y.reshape(spec.n_samples, spec.n_outputs)
    coef, intercept = np.empty((spec.n_features, spec.n_outputs)), np.empty(spec.n_outputs)
    for j in range(spec.n_outputs):
        model = PoissonRegressor(
            alpha=spec.regularizer_strength, solver="newton-cholesky", tol=1e-12, max_iter=1000
        )
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # a ConvergenceWarning fails the test
            model.fit(problem.X, ys[:, j])
        coef[:, j], intercept[j] = model.coef_, model.intercept_
    shape = (spec.n_features,) if spec.n_outputs == 1 else coef.shape
    return objective(problem, (coef.reshape(shape), intercept))


@pytest.mark.parametrize("spec", AGREEMENT_SPECS, ids=_spec_ids(AGREEMENT_SPECS))
def test_reference_matches_sklearn_newton_cholesky(spec):
    """Agreement with scikit-learn's PoissonRegressor, one output at a time.

    sklearn minimizes ``mean(deviance) / 2 + alpha / 2 * ||w||**2`` with the unit Poisson
    deviance ``2 * (y log(y / mu) - y + mu)``, i.e. ``mean(mu - y log mu) + alpha/2 ||w||**2``
    plus ``mean(y log y - y)``, a constant. Our objective sums that per-output loss over
    outputs with penalty ``0.5 * lam * sum_j ||w_j||**2``, so each output is an independent
    sklearn problem with ``alpha = lam`` (``alpha = 0`` when unregularized).
    """
    problem = make_problem(spec)
    ref = reference_solution(problem)
    theirs = sklearn_objective(problem)
    assert abs(theirs - ref.objective) <= 1e-10 * abs(ref.objective)
    assert ref.objective <= theirs + ROUNDING * abs(theirs)


def test_reference_refuses_problems_without_finite_optimum():
    with pytest.raises(ReferenceSolutionError, match="n_samples=10 <= n_features \\+ 1"):
        reference_solution(ProblemSpec(10, 9))
    base = make_problem(ProblemSpec(500, 2))
    silent = Problem(base.spec, base.X, np.zeros_like(base.y), base.true_coef, base.true_intercept)
    with pytest.raises(ReferenceSolutionError, match="no spikes"):
        reference_solution(silent)
    # Separable: a feature that is negative exactly where y == 0 drives its coef to +inf.
    X = np.array(base.X)
    X[:, 0] = -(base.y == 0).astype(float)
    separable = Problem(base.spec, X, base.y, base.true_coef, base.true_intercept)
    with pytest.raises(ReferenceSolutionError, match="no finite optimum"):
        reference_solution(separable)


# ------------------------------------------------------------------------------------ cache


def test_default_cache_dir(monkeypatch, tmp_path):
    monkeypatch.setenv(problems.CACHE_ENV_VAR, str(tmp_path / "envcache"))
    assert problems.default_cache_dir() == tmp_path / "envcache"
    spec = ProblemSpec(50, 2)
    load_problem(spec)
    assert (tmp_path / "envcache" / "problems" / f"{spec.content_hash}.npz").is_file()
    monkeypatch.delenv(problems.CACHE_ENV_VAR)
    assert problems.default_cache_dir() == Path.home() / ".cache" / "nemos-bench"


def _assert_same_problem(a, b):
    for name in ("X", "y", "true_coef", "true_intercept"):
        x, y = getattr(a, name), getattr(b, name)
        assert x.dtype == y.dtype and x.shape == y.shape and x.tobytes() == y.tobytes(), name
        assert y.flags.c_contiguous and not y.flags.writeable
    assert a.spec == b.spec


def _assert_same_reference(a, b):
    assert a.objective == b.objective and a.grad_norm == b.grad_norm
    assert a.n_iter == b.n_iter and a.scaled_grad == b.scaled_grad and a.method == b.method
    assert a.coef.tobytes() == b.coef.tobytes() and a.coef.shape == b.coef.shape
    assert a.intercept.tobytes() == b.intercept.tobytes()


@pytest.mark.parametrize("spec", get_suite("quick"), ids=_spec_ids(get_suite("quick")))
def test_cache_round_trip(spec, tmp_path, monkeypatch):
    fresh, fresh_ref = make_problem(spec), reference_solution(spec)
    _assert_same_problem(load_problem(spec, tmp_path), fresh)  # miss: computed and stored
    _assert_same_reference(load_reference(spec, tmp_path), fresh_ref)
    assert sorted(p.name for p in tmp_path.rglob("*")) == sorted(
        ["problems", "references", f"{spec.content_hash}.npz", f"{spec.content_hash}.npz"]
    )
    umask = os.umask(0)
    os.umask(umask)
    for path in tmp_path.rglob("*.npz"):  # shareable like any file this user creates
        assert path.stat().st_mode & 0o777 == 0o666 & ~umask

    def fail(*args, **kwargs):
        raise AssertionError("recomputed despite a cache hit")

    monkeypatch.setattr(problems._cache, "make_problem", fail)
    monkeypatch.setattr(problems._cache, "reference_solution", fail)
    _assert_same_problem(load_problem(spec, tmp_path), fresh)  # hit: read back
    _assert_same_reference(load_reference(spec, tmp_path), fresh_ref)
    with pytest.raises(AssertionError, match="recomputed"):
        load_problem(spec, cache_dir=False)


def test_corrupt_or_foreign_cache_entry_is_recomputed(tmp_path):
    spec, other = get_suite("quick")[0], ProblemSpec(60, 2)
    path = tmp_path / "problems" / f"{spec.content_hash}.npz"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"PK\x03\x04 truncated")
    _assert_same_problem(load_problem(spec, tmp_path), make_problem(spec))
    load_problem(other, tmp_path)
    os.replace(tmp_path / "problems" / f"{other.content_hash}.npz", path)  # wrong content
    _assert_same_problem(load_problem(spec, tmp_path), make_problem(spec))


_FILL_CODE = """
import sys, time
from pathlib import Path
from nemos_bench.problems import ProblemSpec, load_problem, load_reference
cache, me, spec = Path(sys.argv[1]), sys.argv[2], ProblemSpec.from_id(sys.argv[3])
(cache.parent / f"ready-{me}").touch()
deadline = time.monotonic() + 60
while len(list(cache.parent.glob("ready-*"))) < 2 and time.monotonic() < deadline:
    time.sleep(0.001)  # start both fills together
print(repr(load_reference(spec, cache).objective))
"""


def test_concurrent_cache_fill_leaves_valid_cache(tmp_path):
    spec = POP_RIDGE
    cache = tmp_path / "cache"
    procs = [_run_python(_FILL_CODE, str(cache), str(i), spec.problem_id) for i in range(2)]
    outputs = _communicate(procs)
    fresh_ref = reference_solution(spec)
    assert outputs == [repr(fresh_ref.objective)] * 2
    files = sorted(str(p.relative_to(cache)) for p in cache.rglob("*") if p.is_file())
    assert files == [f"problems/{spec.content_hash}.npz", f"references/{spec.content_hash}.npz"]
    _assert_same_problem(load_problem(spec, cache), make_problem(spec))
    _assert_same_reference(load_reference(spec, cache), fresh_ref)


# ------------------------------------------------------------------------------------ NeMoS


@pytest.fixture(scope="module")
def nmo():
    """NeMoS with float64 JAX (restored afterwards)."""
    nemos = pytest.importorskip("nemos")
    jax = pytest.importorskip("jax")
    previous = bool(jax.config.jax_enable_x64)
    jax.config.update("jax_enable_x64", True)
    yield nemos
    jax.config.update("jax_enable_x64", previous)


def _nemos_model(nmo, spec, **solver_kwargs):
    cls = nmo.glm.GLM if spec.n_outputs == 1 else nmo.glm.PopulationGLM
    kwargs = {"regularizer": spec.regularizer, "solver_name": "LBFGS"}
    if spec.regularizer != "UnRegularized":  # NeMoS warns if given for UnRegularized
        kwargs["regularizer_strength"] = spec.regularizer_strength
    return cls(**kwargs, solver_kwargs=solver_kwargs)


def _initialize(model, params, X, y):
    """Set up the model's solver (argument order and name changed in nemos 0.2.9)."""
    if hasattr(model, "initialize_optimizer_and_state"):  # nemos >= 0.2.9
        return model.initialize_optimizer_and_state(params, X, y)
    return model.initialize_solver_and_state(X, y, params)  # nemos 0.2.8


@pytest.mark.parametrize("spec", AGREEMENT_SPECS, ids=_spec_ids(AGREEMENT_SPECS))
def test_reference_matches_nemos_lbfgs(nmo, spec):
    problem = make_problem(spec)
    ref = reference_solution(problem)
    model = _nemos_model(nmo, spec, tol=1e-12, maxiter=10_000)
    model.fit(problem.X, problem.y)
    params = (np.asarray(model.coef_, dtype=float), np.asarray(model.intercept_, dtype=float))
    theirs = objective(problem, params)
    assert abs(theirs - ref.objective) <= 1e-10 * abs(ref.objective)
    assert ref.objective <= theirs + ROUNDING * abs(theirs)


@pytest.mark.parametrize(
    ("spec", "clipped"),
    [
        (CLASSIC[0], False),
        (CLASSIC[1], False),
        (POP_RIDGE, True),
        (ProblemSpec(2_000, 10, effective_rank=1, tail_strength=0.001), False),
        (ProblemSpec(3_000, 5, 2, rate=0.01), False),
        (ProblemSpec(3_000, 8, 2, design="spike_history", regularizer="Ridge"), False),
    ],
    ids=[
        "glm",
        "population-ridge",
        "population-ridge-rates-clipped-at-eps",
        "low-rank-glm",
        "low-rate-population",
        "spike-history-population-ridge",
    ],
)
def test_objective_and_gradient_equal_nemos_solver_loss(nmo, spec, clipped):
    import jax
    import jax.numpy as jnp
    from nemos.glm.params import GLMParams

    problem = make_problem(spec)
    coef, intercept = _random_params(spec, np.random.default_rng(3))
    if clipped:  # half of each output's rates fall below eps, where NeMoS clips them
        intercept = np.log(EPS) - np.median(problem.X @ coef, axis=0)
        assert 0.4 < np.mean(np.exp(problem.X @ coef + intercept) < EPS) < 0.6
    model = _nemos_model(nmo, spec)
    _initialize(model, (coef, intercept), problem.X, problem.y)
    data = (jnp.asarray(problem.X), jnp.asarray(problem.y))
    params = GLMParams(jnp.asarray(coef), jnp.asarray(intercept))
    solver_loss = model._solver_loss_fun  # the function NeMoS's solver minimizes
    penalized = model.regularizer.penalized_loss(
        model._compute_loss, params, model.regularizer_strength
    )
    ours = objective(problem, (coef, intercept))
    assert float(solver_loss(params, data)) == pytest.approx(ours, rel=1e-12, abs=0)
    assert float(penalized(params, *data)) == pytest.approx(ours, rel=1e-12, abs=0)
    grads = jax.grad(solver_loss)(params, data)
    gcoef, gintercept = gradient(problem, (coef, intercept))
    scale = np.max(np.abs(np.concatenate([gcoef.ravel(), gintercept])))
    np.testing.assert_allclose(np.asarray(grads.coef), gcoef, rtol=1e-10, atol=1e-13 * scale)
    np.testing.assert_allclose(
        np.asarray(grads.intercept), gintercept, rtol=1e-10, atol=1e-13 * scale
    )
