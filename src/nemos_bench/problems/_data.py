"""The user's own data file as a benchmark problem: ``.npz`` arrays or an ``.nwb`` recording.

:func:`data_spec` reads a file once, checks it and returns its :class:`ProblemSpec` (path,
SHA-256 of the bytes, sizes, options); :func:`data_problem` (what ``make_problem`` and
``load_problem`` call for such a spec) reads it again, refuses it if its bytes changed, and
returns the ``X`` and ``y`` every cell fits. Data problems never enter the problem cache
(the file is the data); their certified optimum is cached like any other, by content hash.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np

from ._data_axes import DATA_DESIGNS, DEFAULT_N_BASIS, ID_HASH_CHARS, DataError
from ._npz import npz_arrays
from ._nwb import history_features, recording_counts
from ._problem import Problem, read_only_problem
from ._spec import ProblemSpec

__all__ = [
    "DATA_KEYS",
    "data_problem",
    "data_spec",
    "data_table_spec",
]

#: Keys of a sweep file's ``[[problems]]`` table that gives ``data`` (and ``data_spec``'s
#: arguments): the file, the model, and the design options of an ``.nwb`` recording.
DATA_KEYS = (
    "data",
    "observation",
    "regularizer",
    "regularizer_strength",
    "l1_ratio",
    "group_size",
    "bin_size",
    "window",
    "n_basis",
)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _checked_path(path) -> Path:
    path = Path(os.fspath(path)).expanduser()
    if not path.exists():
        raise DataError(
            f"Data file {str(path)!r} does not exist; give the path of a .npz file (arrays X "
            "and y) or an .nwb recording."
        )
    if not path.is_file():
        raise DataError(f"Data file {str(path)!r} is not a file; give a .npz or .nwb file.")
    if path.suffix.lower()[1:] not in DATA_DESIGNS:
        raise DataError(
            f"Data file {str(path)!r} has extension {path.suffix!r}; give a .npz file "
            "(arrays X and y) or an .nwb recording (its Units table's spike trains)."
        )
    return path.resolve()


def data_spec(
    path: str | os.PathLike,
    *,
    observation: str = "Poisson",
    regularizer: str = "UnRegularized",
    regularizer_strength: float | None = None,
    l1_ratio: float | None = None,
    group_size: int | None = None,
    bin_size: float | None = None,
    window: int | None = None,
    n_basis: int | None = None,
) -> ProblemSpec:
    """The problem of a data file: read it, check it and describe it.

    - ``.npz``: arrays ``X`` (samples x features) and ``y`` (samples, or samples x
      outputs; a single column counts as one output). Other arrays are ignored.
    - ``.nwb``: the Units table's spike trains, read and binned by pynapple (``bin_size``
      seconds per bin), each unit's counts convolved with NeMoS's raised-cosine log basis
      of ``n_basis`` functions over ``window`` bins of history, every unit's features
      shared by all units' outputs (a coupled ``PopulationGLM``; one unit gives a ``GLM``).
      The first ``window`` bins, whose history is incomplete, are dropped, so
      ``n_samples`` is the number of bins less ``window``.

    Parameters
    ----------
    path :
        The ``.npz`` or ``.nwb`` file (stored in the spec as an absolute path).
    observation, regularizer, regularizer_strength, l1_ratio, group_size :
        The model, as for :class:`ProblemSpec`.
    bin_size, window, n_basis :
        ``.nwb`` only: seconds per bin (default :data:`DEFAULT_BIN_SIZE`), bins of history
        (default ``DEFAULT_WINDOW``) and basis functions per unit (default
        :data:`DEFAULT_N_BASIS`).

    Returns
    -------
    ProblemSpec
        With ``design`` the file's extension and ``data_sha256`` the file's SHA-256.

    Raises
    ------
    DataError
        If the file is missing or not ``.npz``/``.nwb``, or its data cannot be the
        problem's (missing arrays, mismatched rows, NaN or infinite values, observations
        outside the model's range, no Units table, a unit without spikes, ...): one
        sentence naming the file and what is wrong.
    ValueError
        If an option is invalid.

    Examples
    --------
    >>> import tempfile
    >>> rng = np.random.default_rng(0)
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = f"{tmp}/session.npz"
    ...     np.savez(path, X=rng.normal(size=(200, 3)), y=rng.poisson(1.0, 200))
    ...     spec = data_spec(path, regularizer="Ridge")
    ...     X = data_problem(spec).X
    >>> spec.design, spec.n_samples, spec.n_features, X.shape
    ('npz', 200, 3, (200, 3))
    >>> spec.problem_id.endswith(f",design=npz,data={spec.data_sha256[:16]}]")
    True
    """
    path = _checked_path(path)
    design = path.suffix.lower()[1:]
    common = {
        "design": design,
        "data": str(path),
        "data_sha256": _sha256(path),
        "observation": observation,
    }
    model = {
        "regularizer": regularizer,
        "regularizer_strength": regularizer_strength,
        "l1_ratio": l1_ratio,
        "group_size": group_size,
    }
    if design == "npz":
        if n_basis is not None:
            raise ValueError(
                f"`n_basis` shapes the design of an .nwb recording, got {n_basis!r} for the "
                f".npz file {str(path)!r}, which gives X itself; leave it out."
            )
        ProblemSpec(1, 1, window=window, bin_size=bin_size, **common)  # options, before reading
        X, y = npz_arrays(path, observation)
        k = 1 if y.ndim == 1 else y.shape[1]
        return ProblemSpec(X.shape[0], X.shape[1], k, **common, **model)
    n_basis = DEFAULT_N_BASIS if n_basis is None else n_basis
    if not isinstance(n_basis, (int, np.integer)) or isinstance(n_basis, bool) or n_basis < 1:
        raise ValueError(f"`n_basis` must be a positive integer, got {n_basis!r}.")
    probe = ProblemSpec(1, int(n_basis), window=window, bin_size=bin_size, **common)
    counts, ids = recording_counts(path, probe.bin_size)
    y = _recording_outputs(probe, counts, ids)
    n_units = counts.shape[1]
    return ProblemSpec(
        y.shape[0],
        n_units * probe.n_basis,
        n_units,
        window=probe.window,
        bin_size=probe.bin_size,
        **common,
        **model,
    )


def data_table_spec(table: dict, base: str | os.PathLike = ".") -> ProblemSpec:
    """The problem of a sweep file's ``[[problems]]`` table that gives ``data``.

    Its keys are :data:`DATA_KEYS`; a relative ``data`` path is taken from ``base`` (the
    sweep file's directory).

    Examples
    --------
    >>> data_table_spec({"data": 3})
    Traceback (most recent call last):
    ...
    nemos_bench.problems._data_axes.DataError: data = 3 is not a file path; give a string.
    """
    options = dict(table)
    path = options.pop("data")
    unknown = sorted(set(options) - set(DATA_KEYS))
    if unknown:
        raise DataError(
            f"Unknown key(s) {unknown} beside data = {path!r}; accepted keys: {list(DATA_KEYS)}."
        )
    if not isinstance(path, str):
        raise DataError(f"data = {path!r} is not a file path; give a string.")
    return data_spec(Path(base) / Path(path).expanduser(), **options)


def data_problem(spec: ProblemSpec) -> Problem:
    """The ``X`` and ``y`` of a data problem, from its file; the same every time.

    Parameters
    ----------
    spec :
        A spec made by :func:`data_spec`.

    Returns
    -------
    Problem
        ``X``, ``y`` as the cells fit them; ``true_coef`` and ``true_intercept`` are NaN
        (a user's data have no known generating parameters).

    Raises
    ------
    DataError
        If the file is gone, its bytes changed since the spec was made (their SHA-256
        differs), or what it gives no longer has the spec's shape.
    """
    path, where = Path(spec.data), f"problem {spec.problem_id}"
    if not path.is_file():
        raise DataError(
            f"Data file {spec.data!r} of {where} does not exist any more; put it back, or "
            "benchmark the file where it lies now with --data."
        )
    found = _sha256(path)
    if found != spec.data_sha256:
        n = ID_HASH_CHARS
        raise DataError(
            f"Data file {spec.data!r} changed since {where} was made: its SHA-256 starts "
            f"{found[:n]}, the problem's {spec.data_sha256[:n]}; run it again with --data to "
            "benchmark its new content as a new problem."
        )
    if spec.design == "npz":
        X, y = npz_arrays(path, spec.observation)
    else:
        counts, ids = recording_counts(path, spec.bin_size)
        y = _recording_outputs(spec, counts, ids)
        X = history_features(counts, spec.window, spec.n_basis)[spec.window :]
    y2 = y.reshape(y.shape[0], -1)
    if X.shape != (spec.n_samples, spec.n_features) or y2.shape[1] != spec.n_outputs:
        raise DataError(
            f"Data file {spec.data!r} now gives X of shape {X.shape} and {y2.shape[1]} "
            f"output(s), not those of {where}, although its bytes are the same (a new "
            "pynapple or NeMoS that reads or bins it differently?)."
        )
    nan = np.full((spec.n_features, spec.n_outputs), np.nan)
    return read_only_problem(spec, X, y2, nan, np.full(spec.n_outputs, np.nan))


def _recording_outputs(spec: ProblemSpec, counts: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """The counts a recording's outputs fit: every bin after the first ``window``."""
    name, window = str(spec.data), spec.window
    if counts.shape[0] <= window:
        raise DataError(
            f"NWB file {name!r} gives {counts.shape[0]} bins of {spec.bin_size:g} s, not more "
            f"than the history window of {window} bins; give a smaller window or bin size."
        )
    y = counts[window:]
    silent = np.flatnonzero(y.sum(axis=0) == 0)
    if silent.size:
        raise DataError(
            f"Unit {ids[silent[0]]} of NWB file {name!r} has no spikes after the first "
            f"{window} bins (its history window), so the intercept of its output has no "
            "finite optimum; remove the unit, or give a smaller window."
        )
    return y if y.shape[1] > 1 else y[:, 0]
