"""An ``.npz`` file of arrays ``X`` and ``y`` as a problem's data: read and checked."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np

from ._data_axes import DataError
from ._families import InterceptError, get_family

__all__ = ["npz_arrays"]

#: Accepted observations per model: (test on y, what the model's observations are).
_DOMAINS = {
    "Poisson": (lambda y: y >= 0, "counts >= 0"),
    "NegativeBinomial": (lambda y: y >= 0, "counts >= 0"),
    "Bernoulli": (lambda y: (y >= 0) & (y <= 1), "in [0, 1]"),
    "Gamma": (lambda y: y > 0, "positive"),
}


def npz_arrays(path: Path, observation: str) -> tuple[np.ndarray, np.ndarray]:
    """``X`` (2-D) and ``y`` (1-D, or 2-D with several outputs) of an ``.npz``, checked."""
    name = str(path)
    try:
        archive = np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as err:
        raise DataError(
            f"Data file {name!r} is not a readable .npz archive ({type(err).__name__}); save "
            "X and y with numpy.savez."
        ) from None
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise DataError(
            f"Data file {name!r} holds a single array, not an .npz archive of X and y; save "
            "them with numpy.savez(path, X=X, y=y)."
        )
    with archive:
        if "X" not in archive.files or "y" not in archive.files:
            raise DataError(
                f"Data file {name!r} holds arrays {sorted(archive.files)}, not X and y; save "
                "the design as X (samples x features) and the observations as y (samples, "
                "or samples x outputs): numpy.savez(path, X=X, y=y)."
            )
        try:
            X, y = archive["X"], archive["y"]
        except ValueError:
            raise DataError(
                f"Data file {name!r} holds X or y as Python objects, which nemos-bench does "
                "not load (pickles can run code); save numeric arrays."
            ) from None
    for label, array in (("X", X), ("y", y)):
        if array.dtype.kind not in "biuf":
            raise DataError(
                f"Data file {name!r}: {label} has dtype {array.dtype}, not real numbers; save "
                "float or integer arrays."
            )
    if X.ndim != 2 or 0 in X.shape:
        raise DataError(
            f"Data file {name!r}: X has shape {X.shape}; give a 2-D array (samples x "
            "features) with at least one row and one column."
        )
    if y.ndim not in (1, 2) or 0 in y.shape:
        raise DataError(
            f"Data file {name!r}: y has shape {y.shape}; give a 1-D array (samples) or a "
            "2-D one (samples x outputs), not empty."
        )
    if y.shape[0] != X.shape[0]:
        raise DataError(
            f"Data file {name!r}: X has {X.shape[0]} rows but y has {y.shape[0]}; give one "
            "row of y per row (sample) of X."
        )
    X, y = X.astype(np.float64), y.astype(np.float64)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    for label, array in (("X", X), ("y", y)):
        bad = ~np.isfinite(array)
        if bad.any():
            raise DataError(
                f"Data file {name!r}: {label} holds {int(bad.sum())} NaN or infinite "
                f"value(s), the first in row {int(np.argwhere(bad)[0][0])}; remove or impute "
                "those samples."
            )
    _check_domain(name, y, observation)
    return X, y


def _check_domain(name: str, y: np.ndarray, observation: str) -> None:
    """Refuse observations outside the model's range, or an output with no finite intercept."""
    if observation in _DOMAINS:
        test, what = _DOMAINS[observation]
        bad = ~test(y)
        if bad.any():
            row = int(np.argwhere(bad)[0][0])
            raise DataError(
                f"Data file {name!r}: y holds {int(bad.sum())} value(s) that are not "
                f"{what}, the first in row {row} ({float(y[bad][0])!r}); {observation} "
                f"observations are {what}, so fix y or choose another observation model."
            )
    family, columns = get_family(observation), y.reshape(y.shape[0], -1)
    for j in range(columns.shape[1]):
        label = f"y of data file {name!r}" if y.ndim == 1 else f"Column {j} of y in {name!r}"
        try:
            family.intercept_only(columns[:, j], label)
        except InterceptError as err:
            raise DataError(str(err)) from None
