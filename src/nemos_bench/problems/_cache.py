"""On-disk cache of problems and reference optima, keyed by the spec's content hash.

Files are ``<cache>/problems/<hash>.npz`` and ``<cache>/references/<hash>.npz``. Writers
write a temporary file in the same directory and ``os.replace`` it into place, which is atomic
on POSIX and Windows, so readers never see a half-written file and concurrent writers of the
same entry simply leave one complete copy. An unreadable or mismatching entry is recomputed.
"""

from __future__ import annotations

import os
import uuid
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np

from ._generate import make_problem
from ._hessian import condition_number
from ._problem import Problem
from ._reference import Reference, reference_solution
from ._spec import ProblemSpec

__all__ = [
    "CACHE_ENV_VAR",
    "default_cache_dir",
    "is_reference_cached",
    "load_problem",
    "load_reference",
]

#: Environment variable that overrides the default cache directory.
CACHE_ENV_VAR = "NEMOS_BENCH_CACHE"


def default_cache_dir() -> Path:
    """Cache directory: ``$NEMOS_BENCH_CACHE`` if set, else ``~/.cache/nemos-bench``.

    Returns
    -------
    pathlib.Path
        The directory (not created).

    Examples
    --------
    >>> isinstance(default_cache_dir(), Path)
    True
    """
    env = os.environ.get(CACHE_ENV_VAR)
    return Path(env).expanduser() if env else Path.home() / ".cache" / "nemos-bench"


def _path(spec: ProblemSpec, kind: str, cache_dir) -> Path | None:
    if not isinstance(spec, ProblemSpec):
        raise TypeError(f"`spec` must be a ProblemSpec, got {type(spec).__name__}.")
    if cache_dir is False:
        return None
    if cache_dir is None or cache_dir is True:
        cache_dir = default_cache_dir()
    return Path(cache_dir) / kind / f"{spec.content_hash}.npz"


def _write_atomic(path: Path, arrays: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.parent / f".{path.stem}.{os.getpid()}.{uuid.uuid4().hex}.tmp"
    # os.open with mode 0o666 honours the umask (mkstemp would make the file owner-only).
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **arrays)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _read(path: Path | None, spec: ProblemSpec, keys: tuple[str, ...]) -> dict | None:
    """Arrays of a complete, matching cache entry, else None (a miss)."""
    if path is None or not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {key: data[key] for key in data.files}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile):
        return None
    if str(arrays.get("content_hash", "")) != spec.content_hash or not set(keys) <= set(arrays):
        return None
    return arrays


def load_problem(spec: ProblemSpec, cache_dir: str | os.PathLike | bool | None = None) -> Problem:
    """Return ``make_problem(spec)``, read from the cache or generated and stored on a miss.

    Parameters
    ----------
    spec :
        The problem.
    cache_dir :
        Cache root; ``None`` (or ``True``) means :func:`default_cache_dir`, ``False`` disables
        the cache (always generate, store nothing).

    Returns
    -------
    Problem
        Identical (bit for bit) to ``make_problem(spec)``. A user's data file (``spec.data``)
        is never cached: it is read (and its SHA-256 checked) every time.

    Examples
    --------
    >>> import tempfile, uuid
    >>> spec = ProblemSpec(n_samples=50, n_features=2)
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     first, second = load_problem(spec, tmp), load_problem(spec, tmp)  # miss, then hit
    >>> bool(np.array_equal(first.y, second.y))
    True
    """
    path = _path(spec, "problems", cache_dir)
    if spec.data is not None:  # the file is the data: read it, never copy it to the cache
        return make_problem(spec)
    arrays = _read(path, spec, ("X", "y", "true_coef", "true_intercept"))
    shapes = (spec.n_samples, spec.n_features), _y_shape(spec)
    if arrays is not None and (arrays["X"].shape, arrays["y"].shape) == shapes:
        return Problem(
            spec=spec,
            X=_frozen(arrays["X"]),
            y=_frozen(arrays["y"]),
            true_coef=_frozen(arrays["true_coef"]),
            true_intercept=_frozen(arrays["true_intercept"]),
        )
    problem = make_problem(spec)
    if path is not None:
        _write_atomic(
            path,
            {
                "content_hash": np.array(spec.content_hash),
                "problem_id": np.array(spec.problem_id),
                "X": problem.X,
                "y": problem.y,
                "true_coef": problem.true_coef,
                "true_intercept": problem.true_intercept,
            },
        )
    return problem


def load_reference(
    spec: ProblemSpec,
    cache_dir: str | os.PathLike | bool | None = None,
    on_step: Callable[[str], None] | None = None,
) -> Reference:
    """Return ``reference_solution(spec)``, read from the cache or computed and stored on a miss.

    The problem data come from :func:`load_problem` with the same ``cache_dir``. An entry
    written before references recorded their ``condition_number`` gets it computed at the
    cached optimum (one Hessian per output, a fraction of a full solve) and stored back.

    Parameters
    ----------
    spec :
        The problem.
    cache_dir :
        As for :func:`load_problem`.
    on_step :
        On a cache miss, called with a description of each step (data, then each output's
        certification), as for :func:`reference_solution`.

    Returns
    -------
    Reference
        The certified optimum.

    Examples
    --------
    >>> ref = load_reference(ProblemSpec(n_samples=200, n_features=2), cache_dir=False)
    >>> ref.coef.shape
    (2,)
    """
    path = _path(spec, "references", cache_dir)
    keys = ("objective", "coef", "intercept", "grad_norm", "scaled_grad", "n_iter", "method")
    arrays = _read(path, spec, keys)
    if arrays is not None and arrays["coef"].shape == _coef_shape(spec):
        coef, intercept = _frozen(arrays["coef"]), _frozen(arrays["intercept"])
        if "condition_number" in arrays:
            cond = float(arrays["condition_number"])
        else:  # written before the condition number was recorded
            cond = condition_number(load_problem(spec, cache_dir), (coef, intercept))
        ref = Reference(
            spec=spec,
            objective=float(arrays["objective"]),
            coef=coef,
            intercept=intercept,
            grad_norm=float(arrays["grad_norm"]),
            scaled_grad=float(arrays["scaled_grad"]),
            n_iter=int(arrays["n_iter"]),
            method=str(arrays["method"]),
            condition_number=cond,
        )
        if "condition_number" not in arrays:
            _write_reference(path, ref)
        return ref
    if on_step is not None:
        on_step("generating or reading the data")
    ref = reference_solution(load_problem(spec, cache_dir), on_step)
    if path is not None:
        _write_reference(path, ref)
    return ref


def is_reference_cached(spec: ProblemSpec, cache_dir: str | os.PathLike | None = None) -> bool:
    """Whether :func:`load_reference` would find ``spec``'s reference in the cache.

    Examples
    --------
    >>> import tempfile
    >>> spec = ProblemSpec(n_samples=200, n_features=2)
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     before = is_reference_cached(spec, tmp)
    ...     _ = load_reference(spec, tmp)
    ...     after = is_reference_cached(spec, tmp)
    >>> before, after
    (False, True)
    """
    arrays = _read(_path(spec, "references", cache_dir), spec, ("coef",))
    return arrays is not None and arrays["coef"].shape == _coef_shape(spec)


def _write_reference(path: Path, ref: Reference) -> None:
    spec = ref.spec
    _write_atomic(
        path,
        {
            "content_hash": np.array(spec.content_hash),
            "problem_id": np.array(spec.problem_id),
            "objective": np.array(ref.objective),
            "coef": ref.coef,
            "intercept": ref.intercept,
            "grad_norm": np.array(ref.grad_norm),
            "scaled_grad": np.array(ref.scaled_grad),
            "n_iter": np.array(ref.n_iter),
            "method": np.array(ref.method),
            "condition_number": np.array(ref.condition_number),
        },
    )


def _y_shape(spec: ProblemSpec) -> tuple[int, ...]:
    return (spec.n_samples,) if spec.n_outputs == 1 else (spec.n_samples, spec.n_outputs)


def _coef_shape(spec: ProblemSpec) -> tuple[int, ...]:
    return (spec.n_features,) if spec.n_outputs == 1 else (spec.n_features, spec.n_outputs)


def _frozen(array: np.ndarray) -> np.ndarray:
    array = np.ascontiguousarray(array, dtype=np.float64)
    array.flags.writeable = False
    return array
