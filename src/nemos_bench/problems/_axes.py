"""Optional axes of a problem spec: how fields added after the first release enter ids and hashes.

The first release's fields (``n_samples`` ... ``regularizer_strength``) always appear in a
problem id and in the content hash. Every field added since is an *axis* listed in
:data:`AXES`: at its default value it is left out of the id and of the hash, so the ids,
cache keys and data of every problem that existed before the axis stay exactly the same; at
any other value it is appended to the id as ``,key=value`` (in the order of :data:`AXES`) and
enters the hash (except a data file's path, which is in neither: the id and the hash name
the file's SHA-256 instead, see ``_data_axes``). To add an axis: give the
:class:`ProblemSpec` field a default that keeps today's behaviour, append an :class:`Axis`
here, and validate the field in :func:`checked_axes` (errors name the field, the bad value
and what is accepted).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable

from ._checks import check_positive_int, is_real
from ._data_axes import ID_HASH_CHARS, checked_data_axes, is_data_spec
from ._families import OBSERVATIONS
from ._penalties import checked_penalty_axes

__all__ = [
    "AXES",
    "COUNT_OBSERVATIONS",
    "DEFAULT_SPIKE_RATE",
    "DEFAULT_TAIL_STRENGTH",
    "DEFAULT_WINDOW",
    "DESIGNS",
    "Axis",
    "axes_id",
    "checked_axes",
    "hash_fields",
    "parse_axes",
]

#: Observation models whose data are counts (they support ``rate`` and spike-history designs).
COUNT_OBSERVATIONS = ("Poisson", "NegativeBinomial")
#: Designs: ``make_regression``'s Gaussian design, or a simulated population's spike history.
DESIGNS = ("gaussian", "spike_history")
#: Version of each non-Gaussian design's simulation (or, for the user's data files, of how
#: X and y are built from the file); it enters the content hash of those problems only, so a
#: change to it invalidates their cache and nothing else.
_DESIGN_VERSIONS = {"spike_history": 1, "npz": 1, "nwb": 1}
#: ``tail_strength`` used when ``effective_rank`` is given without it (make_regression's).
DEFAULT_TAIL_STRENGTH = 0.5
#: History window (bins) of ``design="spike_history"`` when none is given.
DEFAULT_WINDOW = 100
#: Baseline rate (spikes per bin) of ``design="spike_history"`` when none is given.
DEFAULT_SPIKE_RATE = 0.05


@dataclasses.dataclass(frozen=True)
class Axis:
    """One optional field of :class:`ProblemSpec` and its spelling in problem ids.

    Attributes
    ----------
    field :
        Name of the dataclass field.
    key :
        Key in the problem id (``,key=value``).
    parse :
        Turns the id's text back into the field's value (its errors become a malformed-id
        error); ``repr`` of floats and ``str`` of ints and names are written.
    default :
        The value that keeps the first release's behaviour; left out of ids and hashes.
    suffix :
        Whether the value is written as ``,key=value`` (``False``: the id spells it
        elsewhere, as the observation model names the id's prefix, or not at all).
    hashed :
        Whether a non-default value enters the content hash (``False`` for a data file's
        path: the file's SHA-256 stands for its content wherever the file lies).
    width :
        Write only the first ``width`` characters of the value (a data file's SHA-256).
    """

    field: str
    key: str
    parse: Callable[[str], object]
    default: object = None
    suffix: bool = True
    hashed: bool = True
    width: int | None = None

    def text(self, value) -> str:
        """How ``value`` is written in an id (``repr`` for floats: it round-trips exactly)."""
        text = repr(value) if isinstance(value, float) else str(value)
        return text if self.width is None else text[: self.width]


def _int(text: str) -> int:
    if not re.fullmatch(r"\d+", text):
        raise ValueError(text)
    return int(text)


def _name(text: str) -> str:
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", text):
        raise ValueError(text)
    return text


def _hex(text: str) -> str:
    if not re.fullmatch(f"[0-9a-f]{{{ID_HASH_CHARS}}}", text):
        raise ValueError(text)
    return text


#: The optional axes, in the order they are written in ids. Append-only.
AXES: tuple[Axis, ...] = (
    Axis("design", "design", _name, "gaussian"),
    Axis("window", "window", _int),
    Axis("rate", "rate", float),
    Axis("effective_rank", "rank", _int),
    Axis("tail_strength", "tail", float),
    Axis("observation", "obs", _name, "Poisson", suffix=False),  # the id's prefix
    Axis("l1_ratio", "ratio", float),
    Axis("group_size", "group", _int),
    Axis("data_sha256", "data", _hex, width=ID_HASH_CHARS),  # a data file's content
    Axis("bin_size", "bin", float),  # seconds per bin of an .nwb recording
    Axis("data", "file", str, suffix=False, hashed=False),  # a data file's path
)

_PAIR_RE = re.compile(r",(?P<key>[a-z_]+)=(?P<value>[^,\[\]=]+)")


def axes_id(values: dict) -> str:
    """The ``,key=value`` suffix of a problem id for the non-default axes in ``values``.

    Examples
    --------
    >>> axes_id({"design": "gaussian", "window": None, "rate": 0.01})
    ',rate=0.01'
    """
    return "".join(
        f",{axis.key}={axis.text(values[axis.field])}"
        for axis in AXES
        if axis.suffix and values.get(axis.field, axis.default) != axis.default
    )


def parse_axes(text: str) -> dict:
    """Field values of an id's ``,key=value`` suffix; ``ValueError`` if malformed.

    Keys must be known, each at most once, in the order of :data:`AXES`.

    Examples
    --------
    >>> parse_axes(",design=spike_history,window=100")
    {'design': 'spike_history', 'window': 100}
    """
    order = {axis.key: i for i, axis in enumerate(AXES) if axis.suffix}
    pairs = list(_PAIR_RE.finditer(text))
    if "".join(m.group(0) for m in pairs) != text:
        raise ValueError(text)
    values, last = {}, -1
    for match in pairs:
        index = order.get(match["key"])
        if index is None or index <= last:
            raise ValueError(text)
        axis, last = AXES[index], index
        values[axis.field] = axis.parse(match["value"])
    return values


def hash_fields(values: dict) -> dict:
    """``values`` without the axes at their default (what enters the content hash).

    Examples
    --------
    >>> hash_fields({"n_samples": 10, "design": "gaussian", "rate": 0.5})
    {'n_samples': 10, 'rate': 0.5}
    """
    defaults = {axis.field: axis.default for axis in AXES}
    unhashed = {axis.field for axis in AXES if not axis.hashed}
    return {
        name: value
        for name, value in values.items()
        if name not in unhashed and (name not in defaults or value != defaults[name])
    }


def checked_axes(spec) -> dict:
    """Validated, normalized values of the optional axes (``design`` ... ``data``).

    ``spec`` is the :class:`ProblemSpec` being built; only its fields are read (``_spec``
    imports this module, so this module does not import ``_spec``).
    """
    if is_data_spec(spec):
        values = checked_data_axes(spec, DEFAULT_WINDOW)
    else:
        values = _checked_design_axes(spec)
    obs = spec.observation
    if obs not in OBSERVATIONS:
        raise ValueError(f"`observation` must be one of {list(OBSERVATIONS)}, got {obs!r}.")
    if obs not in COUNT_OBSERVATIONS:
        if spec.design == "spike_history":
            raise ValueError(
                f"design='spike_history' models spike counts: `observation` must be one of "
                f"{list(COUNT_OBSERVATIONS)} with it, got {obs!r}."
            )
        if spec.rate is not None:
            raise ValueError(
                f"`rate` applies to count observations {list(COUNT_OBSERVATIONS)} only, got "
                f"{spec.rate!r} with observation={obs!r}; leave it None."
            )
    return {**values, **checked_penalty_axes(spec)}


def _checked_design_axes(spec) -> dict:
    design, rank, tail, window = spec.design, spec.effective_rank, spec.tail_strength, spec.window
    if design not in DESIGNS:
        raise ValueError(f"`design` must be one of {list(DESIGNS)}, got {design!r}.")
    spiking = design == "spike_history"
    if rank is not None:
        if spiking:
            raise ValueError(
                f"`effective_rank` applies to design='gaussian' only, got {rank!r} with "
                "design='spike_history'; leave it None."
            )
        rank = check_positive_int("effective_rank", rank)
    if tail is not None and rank is None:
        raise ValueError(
            f"`tail_strength` only applies with `effective_rank`, got {tail!r} without it; "
            "give effective_rank too, or leave tail_strength None."
        )
    if rank is not None:
        tail = DEFAULT_TAIL_STRENGTH if tail is None else tail
        if not is_real(tail) or not 0 <= tail <= 1:
            raise ValueError(f"`tail_strength` must be a number in [0, 1], got {tail!r}.")
        tail = float(tail)
    rate = DEFAULT_SPIKE_RATE if spiking and spec.rate is None else spec.rate
    if rate is not None:
        if not is_real(rate) or rate <= 0:
            raise ValueError(
                f"`rate` must be a positive, finite number of spikes per bin (e.g. 0.01 to 1) "
                f"or None, got {spec.rate!r}."
            )
        rate = float(rate)
    if not spiking:
        if window is not None:
            raise ValueError(
                f"`window` applies to design='spike_history' only, got {window!r} with "
                f"design={design!r}; leave it None."
            )
        return {"effective_rank": rank, "tail_strength": tail, "rate": rate}
    if spec.noise != 0.0:
        raise ValueError(
            f"`noise` must be 0.0 for design='spike_history' (it is make_regression's noise), "
            f"got {spec.noise!r}."
        )
    if spec.n_features % spec.n_outputs:
        raise ValueError(
            f"`n_features` must be a multiple of `n_outputs` for design='spike_history' "
            f"(n_features = n_outputs x basis functions per neuron), got n_features="
            f"{spec.n_features!r} and n_outputs={spec.n_outputs!r}."
        )
    window = DEFAULT_WINDOW if window is None else check_positive_int("window", window)
    n_basis = spec.n_features // spec.n_outputs
    if window < n_basis:
        raise ValueError(
            f"`window` must be at least the basis size n_features / n_outputs = {n_basis} for "
            f"design='spike_history', got {window!r}."
        )
    return {"window": window, "rate": rate}
