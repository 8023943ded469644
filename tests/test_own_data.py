"""Your own data as a problem: ``nemos-bench run --data`` on an .nwb recording and an .npz file.

The recording is simulated spike trains written with pynwb. Its X and y are rebuilt here
without pynapple or NeMoS's convolution (NumPy histograms, the project's NumPy history
design with NeMoS's kernel), and f* is checked against scipy's trust-exact Newton method on
the Ridge Poisson objective written out below, which reuses nothing of the package.
"""

import datetime
import shutil

import numpy as np
import pytest
import scipy.optimize

from nemos_bench.cli import main
from nemos_bench.problems import (
    DataError,
    ProblemSpec,
    data_problem,
    data_spec,
    history_design,
    load_problem,
    load_reference,
    raised_cosine_log_basis,
    simulate_population,
)
from nemos_bench.results import read_summary

BIN, N_UNITS, N_BINS, WINDOW, N_BASIS, LAM = 0.01, 4, 3000, 20, 4, 1e-3
NWB_OPTIONS = ["--reg", "Ridge", "--lam", str(LAM), "--window", str(WINDOW)]
NWB_OPTIONS += ["--n-basis", str(N_BASIS), "--bin-size", str(BIN)]
FAST = ["--tol", "1e-8", "--in-process", "--repeats", "6", "--max-repeats", "6", "--no-report"]


def write_nwb(path, trains):
    """An NWB file whose Units table holds these spike trains (seconds)."""
    import pynwb

    start = datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)
    nwb = pynwb.NWBFile(
        session_description="simulated", identifier=path.stem, session_start_time=start
    )
    for times in trains:
        nwb.add_unit(spike_times=np.asarray(times, dtype=float))
    with pynwb.NWBHDF5IO(str(path), "w") as io:
        io.write(nwb)
    return path


def spike_trains(seed=0):
    """Spike times of a simulated recurrent population, jittered within their bins."""
    basis = raised_cosine_log_basis(N_BASIS, WINDOW)
    counts, _, _ = simulate_population(N_BINS, N_UNITS, basis, 0.1, seed)
    rng = np.random.default_rng(seed)
    trains = []
    for unit in range(N_UNITS):
        bins = np.repeat(np.arange(N_BINS), counts[:, unit].astype(int))
        trains.append(np.sort((bins + rng.random(bins.size)) * BIN))
    return trains


@pytest.fixture(scope="module")
def recording(tmp_path_factory):
    trains = spike_trains()
    return write_nwb(tmp_path_factory.mktemp("nwb") / "session.nwb", trains), trains


def newton_fstar(X, Y, lam):
    """Ridge Poisson objective, minimized output by output with scipy's trust-exact."""
    n, p = X.shape
    A = np.hstack([X, np.ones((n, 1))])
    total = 0.0
    for y in Y.reshape(n, -1).T:

        def f(theta, y=y):
            eta = A @ theta
            return np.mean(np.exp(eta) - y * eta) + 0.5 * lam * theta[:p] @ theta[:p]

        def grad(theta, y=y):
            g = A.T @ (np.exp(A @ theta) - y) / n
            g[:p] += lam * theta[:p]
            return g

        def hess(theta):
            H = (A * (np.exp(A @ theta) / n)[:, None]).T @ A
            H[np.arange(p), np.arange(p)] += lam
            return H

        start = np.append(np.zeros(p), np.log(y.mean()))
        res = scipy.optimize.minimize(
            f, start, jac=grad, hess=hess, method="trust-exact", options={"gtol": 1e-13}
        )
        # f - f* <= |grad|**2 / (2 lam) < 1e-13: far below the 1e-10 relative agreement tested
        assert np.max(np.abs(grad(res.x))) < 1e-8
        total += f(res.x)
    return total


def test_nwb_design_is_binned_counts_convolved_with_nemos_basis(recording):
    import nemos as nmo

    path, trains = recording
    spec = data_spec(path, regularizer="Ridge", bin_size=BIN, window=WINDOW, n_basis=N_BASIS)
    problem = load_problem(spec)
    start, end = min(t[0] for t in trains), max(t[-1] for t in trains)
    n_bins = int(np.floor((end - start) / BIN))  # pynapple leaves a last partial bin out
    edges = start + BIN * np.arange(n_bins + 1)
    counts = np.stack([np.histogram(t, edges)[0] for t in trains], axis=1).astype(float)
    kernel = np.asarray(nmo.basis.RaisedCosineLogConv(N_BASIS, WINDOW).evaluate_on_grid(WINDOW)[1])
    assert (spec.n_samples, spec.n_features, spec.n_outputs) == (n_bins - WINDOW, 16, 4)
    np.testing.assert_array_equal(problem.y, counts[WINDOW:])
    np.testing.assert_allclose(problem.X, history_design(counts, kernel)[WINDOW:], atol=1e-12)
    assert np.isnan(problem.true_coef).all() and problem.true_coef.shape == (16, 4)


def test_nwb_run_certifies_every_solver_and_verifies(recording, tmp_path):
    path, _ = recording
    out = tmp_path / "run"
    solvers = ["--solvers", "LBFGS[scipy],BFGS[scipy]"]  # NeMoS PopulationGLM fits, no JIT
    assert main(["run", "--data", str(path), *NWB_OPTIONS, *solvers, *FAST, "--out", str(out)]) == 0
    rows = read_summary(out)
    design = {"bin_size": BIN, "window": WINDOW, "n_basis": N_BASIS}
    spec = data_spec(path, regularizer="Ridge", regularizer_strength=LAM, **design)
    f_star = load_reference(spec).objective
    assert set(rows["problem_id"]) == {spec.problem_id} and len(rows) == 2
    assert (rows["status"] == "ok").all() and (rows["rel_suboptimality"] < 1e-7).all()
    assert (rows["reference_objective"] == f_star).all()
    assert (rows["condition_number"] == load_reference(spec).condition_number).all()
    assert (rows["outcome"] == "converged").all()
    problem = load_problem(spec)
    assert abs(f_star - newton_fstar(problem.X, problem.y, LAM)) <= 1e-10 * abs(f_star)
    assert main(["verify", str(out)]) == 0
    assert main(["compare", str(out), str(out)]) == 0
    assert main(["report", str(out), "--out", str(tmp_path / "report")]) == 0
    assert spec.problem_id in (tmp_path / "report" / "index.html").read_text()


def test_npz_run_certifies_verifies_and_refuses_a_changed_file(tmp_path, capsys):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(400, 5))
    Y = rng.poisson(np.exp(0.3 * X[:, :2] - 0.5)).astype(float)  # two outputs
    path, out = tmp_path / "mine.npz", tmp_path / "run"
    np.savez(path, X=X, y=Y)
    argv = ["run", "--data", str(path), "--reg", "Ridge", "--solvers", "LBFGS[scipy]", *FAST]
    assert main([*argv, "--out", str(out)]) == 0
    spec = data_spec(path, regularizer="Ridge")
    rows = read_summary(out)
    assert list(rows["status"]) == ["ok"] and rows["rel_suboptimality"].iloc[0] < 1e-7
    f_star = rows["reference_objective"].iloc[0]
    np.testing.assert_array_equal(load_problem(spec).X, X)
    assert abs(f_star - newton_fstar(X, Y, spec.regularizer_strength)) <= 1e-10 * abs(f_star)
    assert main(["verify", str(out)]) == 0
    np.savez(path, X=X, y=Y + 1)  # the same name, new content
    capsys.readouterr()
    assert main(["verify", str(out)]) == 1
    assert "changed since problem" in capsys.readouterr().out
    with pytest.raises(DataError, match="changed since problem"):
        data_problem(spec)
    assert data_spec(path, regularizer="Ridge").problem_id != spec.problem_id


def test_ids_name_the_content_not_the_path(tmp_path):
    X = np.random.default_rng(2).normal(size=(50, 2))
    np.savez(tmp_path / "a.npz", X=X, y=np.arange(50.0) % 3)
    np.savez(tmp_path / "b.npz", X=X, y=np.arange(50.0) % 4)
    shutil.copy(tmp_path / "a.npz", tmp_path / "copy.npz")
    a, b, copy = (data_spec(tmp_path / f"{name}.npz") for name in ("a", "b", "copy"))
    assert a.problem_id != b.problem_id and a.content_hash != b.content_hash
    assert (copy.problem_id, copy.content_hash) == (a.problem_id, a.content_hash)
    assert copy != a and copy.data.endswith("copy.npz")
    assert f",design=npz,data={a.data_sha256[:16]}]" in a.problem_id
    with pytest.raises(ValueError, match="names a data file by its content"):
        ProblemSpec.from_id(a.problem_id)


def test_non_integer_poisson_counts_are_accepted(tmp_path):
    rng = np.random.default_rng(3)
    np.savez(tmp_path / "rates.npz", X=rng.normal(size=(300, 3)), y=rng.gamma(2.0, 0.5, 300))
    ref = load_reference(data_spec(tmp_path / "rates.npz"), cache_dir=False)
    assert ref.scaled_grad <= 1e-10


def test_sweep_file_data_table(tmp_path):
    from nemos_bench.sweep import SweepFileError, load_sweep_file

    rng = np.random.default_rng(4)
    np.savez(tmp_path / "x.npz", X=rng.normal(size=(80, 2)), y=rng.poisson(1.0, 80))
    sweep = tmp_path / "sweep.toml"
    sweep.write_text('[[problems]]\ndata = "x.npz"\nregularizer = "Ridge"\n')
    (spec,) = load_sweep_file(sweep)["problems"]
    assert spec.data == str((tmp_path / "x.npz").resolve()) and spec.regularizer == "Ridge"
    sweep.write_text('[[problems]]\ndata = "x.npz"\nn_samples = 80\n')
    with pytest.raises(SweepFileError, match=r"problem 1: Unknown key\(s\) \['n_samples'\]"):
        load_sweep_file(sweep)
