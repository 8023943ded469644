"""The fields of a problem built from the user's own data file, and their validation.

A data problem (``design="npz"`` or ``design="nwb"``) names its file twice: ``data``, the
file's path, tells where to read it, and ``data_sha256``, the SHA-256 of the file's bytes,
tells what was read. Only the hash enters the problem id (its first :data:`ID_HASH_CHARS`
hex digits) and the content hash, so the same bytes under another path are the same problem
and changed bytes are a new one. Validation here reads no file (see ``_data`` for that).
"""

from __future__ import annotations

import os
import re

from ._checks import check_positive_int, is_real

__all__ = [
    "DATA_DESIGNS",
    "DEFAULT_BIN_SIZE",
    "DEFAULT_N_BASIS",
    "ID_HASH_CHARS",
    "DataError",
    "checked_data_axes",
    "is_data_spec",
]

#: Designs read from a file: arrays ``X`` and ``y`` (``.npz``) or a recording's spike
#: trains turned into a spike-history design (``.nwb``). The design is the file's extension.
DATA_DESIGNS = ("npz", "nwb")
#: Bin size in seconds of ``design="nwb"`` when none is given.
DEFAULT_BIN_SIZE = 0.01
#: Basis functions per unit of ``design="nwb"`` when none is given.
DEFAULT_N_BASIS = 5
#: Hex digits of the file's SHA-256 written in a problem id (64 bits).
ID_HASH_CHARS = 16
_COUNTS = ("Poisson", "NegativeBinomial")


class DataError(ValueError):
    """A data file that cannot be a problem: the message names the file and what is wrong."""


def is_data_spec(spec) -> bool:
    """Whether ``spec`` sets any field of a data problem (so it must be one).

    Examples
    --------
    >>> from types import SimpleNamespace as S
    >>> is_data_spec(S(design="nwb", data=None, data_sha256=None, bin_size=None))
    True
    """
    return spec.design in DATA_DESIGNS or any(
        value is not None for value in (spec.data, spec.data_sha256, spec.bin_size)
    )


def checked_data_axes(spec, default_window: int) -> dict:
    """Validated, normalized fields of a data problem (``design`` ``"npz"`` or ``"nwb"``).

    ``default_window`` is the history window (bins) of an ``"nwb"`` spec that gives none.

    Raises
    ------
    ValueError
        Naming the field, the bad value and what is accepted.
    """
    design, data, sha = spec.design, spec.data, spec.data_sha256
    if design not in DATA_DESIGNS:
        raise ValueError(
            f"`data`, `data_sha256` and `bin_size` belong to a data file's problem "
            f"(design 'npz' or 'nwb'), got them with design={design!r}; make data problems "
            "with data_spec(path) or `nemos-bench run --data PATH`."
        )
    if data is None:
        raise ValueError(
            f"design={design!r} is a user's data file: it needs `data`, the file's path "
            "(make it with data_spec(path) or `nemos-bench run --data PATH`), got none."
        )
    if isinstance(data, os.PathLike):
        data = os.fspath(data)
    if not isinstance(data, str) or not data:
        raise ValueError(f"`data` must be a file path, got {spec.data!r}.")
    suffix = os.path.splitext(data)[1].lower()
    if suffix != f".{design}":
        raise ValueError(
            f"`data` {data!r} must end in .{design} for design={design!r}, got {suffix!r}."
        )
    if not isinstance(sha, str) or not re.fullmatch(r"[0-9a-f]{64}", sha):
        raise ValueError(
            f"`data_sha256` must be the 64 lower-case hex digits of the file's SHA-256, got "
            f"{sha!r}."
        )
    for name, value, default in (
        ("noise", spec.noise, 0.0),
        ("seed", spec.seed, 0),
        ("rate", spec.rate, None),
        ("effective_rank", spec.effective_rank, None),
        ("tail_strength", spec.tail_strength, None),
    ):
        if value != default:
            raise ValueError(
                f"`{name}` describes simulated data, got {value!r} for the data file "
                f"{data!r}; leave it at {default!r}."
            )
    values = {"data": data, "data_sha256": sha}
    if design == "npz":
        for name in ("window", "bin_size"):
            if getattr(spec, name) is not None:
                raise ValueError(
                    f"`{name}` shapes the design of an .nwb recording, got "
                    f"{getattr(spec, name)!r} for the .npz file {data!r}, which gives X itself; "
                    "leave it out."
                )
        return values
    return values | _checked_recording(spec, default_window)


def _checked_recording(spec, default_window: int) -> dict:
    """``window`` and ``bin_size`` of design ``"nwb"``, and its outputs and features."""
    if spec.observation not in _COUNTS:
        raise ValueError(
            f"An .nwb recording gives spike counts: `observation` must be one of "
            f"{list(_COUNTS)} with it, got {spec.observation!r}."
        )
    if spec.n_features % spec.n_outputs:
        raise ValueError(
            f"`n_features` must be a multiple of `n_outputs` for design='nwb' (n_features = "
            f"units x basis functions per unit), got n_features={spec.n_features!r} and "
            f"n_outputs={spec.n_outputs!r}."
        )
    n_basis = spec.n_features // spec.n_outputs
    if n_basis < 2:
        raise ValueError(
            f"`n_basis` must be at least 2 for design='nwb' (NeMoS's RaisedCosineLogConv "
            f"needs two basis functions), got {n_basis}."
        )
    window = spec.window
    window = default_window if window is None else check_positive_int("window", window)
    if window < n_basis:
        raise ValueError(
            f"`window` must be at least `n_basis` = {n_basis} for design='nwb' (bins of "
            f"history, each basis function over some of them), got {window!r}."
        )
    size = DEFAULT_BIN_SIZE if spec.bin_size is None else spec.bin_size
    if not is_real(size) or size <= 0:
        raise ValueError(
            f"`bin_size` must be a positive, finite number of seconds (e.g. 0.01), got "
            f"{spec.bin_size!r}."
        )
    return {"window": window, "bin_size": float(size)}
