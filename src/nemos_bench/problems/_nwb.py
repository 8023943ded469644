"""An NWB recording as a spike-history problem: pynapple reads and bins, NeMoS's basis convolves.

The design is the one a NeMoS user builds for a coupled population (NeMoS's tutorials):
every unit's spike counts convolved with ``nemos.basis.RaisedCosineLogConv`` over a history
window, all units' features shared by every unit's output of a ``PopulationGLM``. It is
the only part of ``problems`` that imports NeMoS (lazily, with pynapple): the data are
built as NeMoS builds them, and the reference optimum is still computed in NumPy.
"""

from __future__ import annotations

import contextlib
import warnings
from pathlib import Path

import numpy as np

from ._data_axes import DataError

__all__ = ["history_features", "recording_counts"]


def recording_counts(path: Path, bin_size: float) -> tuple[np.ndarray, np.ndarray]:
    """Spike counts of every unit of an NWB file's Units table, binned by pynapple.

    ``pynapple.load_file(path)["units"]`` is the Units table as a ``TsGroup``;
    ``TsGroup.count(bin_size, ep)`` counts each unit's spikes in bins of ``bin_size``
    seconds over one interval, from the first spike of any unit to the last (a last partial
    bin is left out, as pynapple does).

    Parameters
    ----------
    path :
        The ``.nwb`` file.
    bin_size :
        Seconds per bin.

    Returns
    -------
    counts : numpy.ndarray
        ``(n_bins, n_units)`` float64 counts, units in the order of their ids.
    unit_ids : numpy.ndarray
        The units' ids in the Units table.

    Raises
    ------
    DataError
        If the file cannot be read as NWB, has no Units table, or a unit has no spikes.
    """
    import pynapple as nap

    with warnings.catch_warnings(), contextlib.ExitStack() as stack:
        warnings.simplefilter("ignore")  # pynwb's and pynapple's notes: errors say it all
        try:
            recording = nap.load_file(str(path))
        except Exception as err:  # noqa: BLE001 - h5py, hdmf and pynwb raise many kinds
            detail = " ".join(str(err).split())[:200]
            raise DataError(
                f"NWB file {str(path)!r} cannot be read ({type(err).__name__}: {detail}); give "
                "an NWB 2 file written by pynwb or another NWB tool."
            ) from None
        io = getattr(recording, "io", None)
        if io is not None:
            stack.callback(io.close)
        if "units" not in recording:
            keys = ", ".join(map(repr, recording.keys()))
            found = f"only {keys}" if keys else "nothing it can read"
            raise DataError(
                f"NWB file {str(path)!r} has no Units table (pynapple finds {found} in it); "
                "nemos-bench fits the spike trains of the Units table."
            )
        units = recording["units"]
        if not isinstance(units, nap.TsGroup):
            raise DataError(
                f"NWB file {str(path)!r} has a Units table that pynapple cannot read as "
                "spike trains; give each unit its spike times (pynwb's add_unit(spike_times=))."
            )
        ids = np.asarray(units.index)
        for uid in ids:
            if len(units[uid]) == 0:
                raise DataError(
                    f"Unit {uid} of NWB file {str(path)!r} has no spikes, so the intercept "
                    "of its output has no finite optimum; remove it from the Units table."
                )
        support = units.time_support
        whole = nap.IntervalSet(start=float(support.start[0]), end=float(support.end[-1]))
        counts = units.count(bin_size, ep=whole)
        counts = np.asarray(counts.values, dtype=np.float64).reshape(-1, len(ids))
    return counts, ids


@contextlib.contextmanager
def _float64():
    """JAX float64 inside the block, whatever the global setting (restored after)."""
    import jax

    enable = getattr(jax, "enable_x64", None)
    if enable is None:  # pragma: no cover - older JAX
        from jax.experimental import enable_x64 as enable
    with enable(True):
        yield


def history_features(counts: np.ndarray, window: int, n_basis: int) -> np.ndarray:
    """Every unit's counts convolved with NeMoS's raised-cosine log basis, as NeMoS does it.

    ``nemos.basis.RaisedCosineLogConv(n_basis, window_size=window)``, given the shape of
    ``counts`` (``set_input_shape``), computes the features in JAX float64; row ``t`` holds,
    for each unit ``k`` (a block of ``n_basis`` columns), ``sum_lag basis[lag - 1] *
    counts[t - lag, k]`` over the lags ``1 .. window``. NeMoS leaves the first ``window``
    rows NaN (their history is incomplete); they are kept here, for the caller to drop.

    Parameters
    ----------
    counts :
        ``(n_bins, n_units)`` spike counts.
    window :
        History window in bins.
    n_basis :
        Basis functions per unit (at least 2).

    Returns
    -------
    numpy.ndarray
        ``(n_bins, n_units * n_basis)`` float64, the first ``window`` rows NaN.

    Examples
    --------
    >>> counts = np.zeros((8, 2)); counts[1, 0] = 1.0
    >>> X = history_features(counts, window=3, n_basis=2)
    >>> X.shape, bool(np.isnan(X[:3]).all()), bool(np.isfinite(X[3:]).all())
    ((8, 4), True, True)
    """
    import nemos as nmo

    with _float64():
        basis = nmo.basis.RaisedCosineLogConv(n_basis, window_size=window)
        basis = basis.set_input_shape(counts.shape[1])
        features = basis.compute_features(np.asarray(counts, dtype=np.float64))
        return np.array(features, dtype=np.float64)
