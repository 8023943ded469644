"""Problem specification: a frozen, validated, hashable description of one benchmark problem."""

from __future__ import annotations

import dataclasses
import hashlib
import json

from ._axes import (
    _DESIGN_VERSIONS,
    axes_id,
    checked_axes,
    hash_fields,
    parse_axes,
)
from ._core import ID_FORM, checked_core, core_id, parse_core
from ._penalties import DEFAULT_STRENGTHS

__all__ = ["DEFAULT_RIDGE_STRENGTH", "GENERATOR_VERSION", "ProblemSpec"]

#: Version of the data generator in ``make_problem``. Bump it whenever the generated ``X`` or
#: ``y`` for a given spec could change: it enters :attr:`ProblemSpec.content_hash`, so every
#: cached problem and reference optimum is invalidated.
GENERATOR_VERSION = 1

#: Strength used for ``regularizer="Ridge"`` when none is given.
DEFAULT_RIDGE_STRENGTH = DEFAULT_STRENGTHS["Ridge"]


@dataclasses.dataclass(frozen=True)
class ProblemSpec:
    """Description of one GLM benchmark problem, synthetic or a user's data file.

    Poisson unless ``observation``; the data are simulated from the spec unless ``design`` is
    ``"npz"`` or ``"nwb"``, a user's data file (``data``).

    Parameters
    ----------
    n_samples :
        Number of samples (time bins), a positive integer.
    n_features :
        Number of features (columns of ``X``), a positive integer.
    n_outputs :
        Number of outputs (neurons). ``1`` gives a ``GLM`` problem with 1-D ``y``; more gives a
        ``PopulationGLM`` problem with ``y`` of shape ``(n_samples, n_outputs)``.
    noise :
        Standard deviation of the Gaussian noise that ``sklearn.datasets.make_regression`` adds
        to the linear predictor before it is rescaled (``>= 0``; ``0.0`` by default).
    seed :
        Integer seed in ``[0, 2**32 - 1]`` for both ``make_regression`` and the Poisson draw.
    regularizer :
        ``"UnRegularized"`` (default), ``"Ridge"``, ``"Lasso"``, ``"GroupLasso"`` or
        ``"ElasticNet"`` (NeMoS's penalties on the coefficients, never the intercept: see
        ``nemos_bench.problems._penalties``).
    regularizer_strength :
        The penalty's strength ``lam``, e.g. Ridge's ``0.5 * lam * ||coef||**2``. ``None``
        (default) resolves to ``0.0`` for ``"UnRegularized"`` and to
        :data:`DEFAULT_STRENGTHS` for the others. ``"UnRegularized"`` requires exactly ``0.0``
        and the others a positive value, so that every problem has exactly one spec (and one
        cache entry).
    design :
        ``"gaussian"`` (default): ``make_regression``'s design. ``"spike_history"``: the spike
        counts of ``n_outputs`` neurons simulated by a recurrent Poisson GLM, and as design
        each neuron's past counts convolved with ``n_features // n_outputs`` log-stretched
        raised-cosine bumps (``n_features`` must be a multiple of ``n_outputs``), shared by
        every output (see :func:`make_problem`). ``"npz"`` and ``"nwb"``: the user's data
        file ``data`` (see below).
    window :
        History window in bins of ``"spike_history"`` (lags ``1..window``); ``None`` resolves
        to :data:`DEFAULT_WINDOW` there. At least the basis size; ``None`` for ``"gaussian"``.
    rate :
        Spikes per bin. ``"gaussian"``: the exact mean rate of every output (``None``, the
        default, keeps the first generator: ``0.5 * exp(0.75 * z)``, mean about 0.66).
        ``"spike_history"``: each neuron's baseline rate, with no recent spikes (``None``
        resolves to :data:`DEFAULT_SPIKE_RATE`); refractoriness makes the realised mean lower.
    effective_rank :
        ``make_regression``'s ``effective_rank`` (``"gaussian"`` only): a low-rank-plus-tail
        design whose singular values decay, i.e. correlated, ill-conditioned columns. The
        design is then scaled by ``sqrt(n_samples)`` so its largest direction has unit
        variance. ``None`` (default): independent standard normal columns.
    tail_strength :
        ``make_regression``'s ``tail_strength`` in ``[0, 1]``, only with ``effective_rank``
        (``None`` resolves to :data:`DEFAULT_TAIL_STRENGTH` there). Small values with a small
        ``effective_rank`` give Hessian condition numbers of ``1e4`` to ``1e8``.

    observation :
        NeMoS's observation model, with its default link: ``"Poisson"`` (default),
        ``"Bernoulli"``, ``"Gamma"``, ``"Gaussian"`` or ``"NegativeBinomial"`` (see
        :func:`make_problem`). It names the id's prefix (``gamma[...]``).
    l1_ratio :
        ElasticNet's ratio ``r`` in ``(0, 1]`` (NeMoS's ``regularizer_strength=(lam, r)``);
        ``None`` resolves to :data:`DEFAULT_L1_RATIO` with ElasticNet. Only with ElasticNet.
    group_size :
        GroupLasso's groups are contiguous blocks of this many features (the last one shorter
        if it does not divide ``n_features``), one set of groups per output; ``None``
        resolves to the basis size of a spike-history design (one group per neuron's
        history filter) or to ``min(5, n_features)``. Only with GroupLasso.
    data_sha256 :
        SHA-256 (64 hex digits) of the bytes of the user's data file (``design="npz"`` or
        ``"nwb"``); its first 16 digits name the file in the id (``data=...``).
    bin_size :
        Seconds per bin of an ``.nwb`` recording's spike counts (``None`` resolves to
        :data:`~nemos_bench.problems.DEFAULT_BIN_SIZE` there); only with ``design="nwb"``.
    data :
        Path of the user's data file: ``design="npz"`` (arrays ``X`` and ``y``) or
        ``"nwb"`` (the Units table's spike trains, binned, with a spike-history design of
        ``n_features // n_outputs`` basis functions per unit over ``window`` bins). In neither
        the id nor the content hash: moved or copied, the same bytes are the same problem.
        Make such specs with :func:`~nemos_bench.problems.data_spec`, which reads the file.

    The fields from ``design`` on are optional axes: at their default they appear neither in
    :attr:`problem_id` nor in :attr:`content_hash`, so problems that predate them keep their
    ids, cache entries and data.

    Raises
    ------
    ValueError
        If a field is invalid; the message names the field, the bad value and what is accepted.

    Examples
    --------
    >>> spec = ProblemSpec(n_samples=1000, n_features=5, n_outputs=3, regularizer="Ridge")
    >>> spec.problem_id
    'poisson[n=1000,p=5,k=3,noise=0.0,reg=Ridge,lam=0.001,seed=0]'
    >>> ProblemSpec.from_id(spec.problem_id) == spec
    True
    >>> spec.glm_class
    'PopulationGLM'
    >>> ProblemSpec(5000, 12, 3, design="spike_history").problem_id
    'poisson[n=5000,p=12,k=3,noise=0.0,reg=UnRegularized,lam=0.0,seed=0,design=spike_history,window=100,rate=0.05]'
    >>> ProblemSpec(2000, 10, effective_rank=2, tail_strength=0.01).problem_id
    'poisson[n=2000,p=10,k=1,noise=0.0,reg=UnRegularized,lam=0.0,seed=0,rank=2,tail=0.01]'
    >>> ProblemSpec(500, 10, observation="Gamma", regularizer="ElasticNet").problem_id
    'gamma[n=500,p=10,k=1,noise=0.0,reg=ElasticNet,lam=0.01,seed=0,ratio=0.5]'
    """

    n_samples: int
    n_features: int
    n_outputs: int = 1
    noise: float = 0.0
    seed: int = 0
    regularizer: str = "UnRegularized"
    regularizer_strength: float | None = None
    design: str = "gaussian"
    window: int | None = None
    rate: float | None = None
    effective_rank: int | None = None
    tail_strength: float | None = None
    observation: str = "Poisson"
    l1_ratio: float | None = None
    group_size: int | None = None
    data_sha256: str | None = None
    bin_size: float | None = None
    data: str | None = None

    def __post_init__(self):
        def set_(name, value):  # normalize a field of this frozen instance
            object.__setattr__(self, name, value)

        for name, value in checked_core(self).items():
            set_(name, value)
        for name, value in checked_axes(self).items():
            set_(name, value)

    @property
    def n_basis(self) -> int | None:
        """Basis functions per neuron (unit) of a ``"spike_history"`` (``"nwb"``) design."""
        spiking = self.design in ("spike_history", "nwb")
        return self.n_features // self.n_outputs if spiking else None

    @property
    def glm_class(self) -> str:
        """NeMoS model class: ``"GLM"`` for one output, else ``"PopulationGLM"``."""
        return "GLM" if self.n_outputs == 1 else "PopulationGLM"

    @property
    def problem_id(self) -> str:
        """Readable, stable identifier; :meth:`from_id` inverts it exactly (but a data file's).

        A data file's id names the file by its content (``data=`` and the first 16 hex digits
        of its SHA-256), not by its path, so its spec comes from the file (``data_spec``).

        Floats are written with ``repr`` (shortest string that round-trips), e.g.
        ``poisson[n=10000,p=50,k=1,noise=0.0,reg=Ridge,lam=0.001,seed=0]``; the prefix is the
        observation model's lower-case name.
        """
        return core_id(self, axes_id(self.to_dict()))

    @classmethod
    def from_id(cls, problem_id: str) -> ProblemSpec:
        """Parse a :attr:`problem_id` back into a spec.

        Parameters
        ----------
        problem_id :
            A string of the form
            ``poisson[n=<int>,p=<int>,k=<int>,noise=<float>,reg=<name>,lam=<float>,seed=<int>]``
            (``poisson`` or another observation model's lower-case name), where
            ``seed=<int>`` may be followed by the optional axes that differ from their
            defaults, in the order ``,design=<name>,window=<int>,rate=<float>,rank=<int>,
            tail=<float>,ratio=<float>,group=<int>,data=<16 hex digits>,bin=<float>``.

        Returns
        -------
        ProblemSpec
            The spec whose ``problem_id`` is ``problem_id``.

        Raises
        ------
        ValueError
            If the string is not of the accepted form or describes an invalid spec, or if it
            is a data file's id (``data=...``): that names the file's content, not its path,
            so :func:`~nemos_bench.problems.data_spec` makes its spec from the file.

        Examples
        --------
        >>> text = "poisson[n=2000,p=10,k=1,noise=0.0,reg=Ridge,lam=1e-3,seed=0]"
        >>> spec = ProblemSpec.from_id(text)
        >>> spec.n_samples, spec.regularizer, spec.regularizer_strength
        (2000, 'Ridge', 0.001)
        """
        try:
            fields, digits, axes_text = parse_core(problem_id)
            axes = parse_axes(axes_text)
        except (ValueError, KeyError):
            raise ValueError(
                f"Malformed problem id {problem_id!r}; expected the form {ID_FORM}."
            ) from None
        if "data_sha256" in axes:
            raise ValueError(
                f"Problem id {problem_id!r} names a data file by its content (SHA-256 "
                f"{axes['data_sha256']}...), not by its path, so it cannot be rebuilt from the "
                "id alone; make its spec from the file with data_spec(path) or `nemos-bench "
                "run --data PATH`."
            )
        return cls(**{name: int(text) for name, text in digits.items()}, **fields, **axes)

    def to_dict(self) -> dict:
        """Return the fields as a plain ``dict`` (JSON-serializable).

        Examples
        --------
        >>> ProblemSpec(100, 2).to_dict()["regularizer_strength"]
        0.0
        """
        return dataclasses.asdict(self)

    @property
    def content_hash(self) -> str:
        """SHA-256 hex digest of the canonical JSON of the fields and :data:`GENERATOR_VERSION`.

        Used as the cache key: equal specs share it and a new generator version changes it.
        Optional axes at their default value are left out (see ``_axes``), so the hashes of
        problems that predate an axis do not change.
        """
        payload = dict(hash_fields(self.to_dict()), generator_version=GENERATOR_VERSION)
        if self.design in _DESIGN_VERSIONS:
            payload["design_version"] = _DESIGN_VERSIONS[self.design]
        text = json.dumps(payload, sort_keys=True, separators=(",", ":"), allow_nan=False)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()
