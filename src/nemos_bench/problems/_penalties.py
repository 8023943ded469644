"""NeMoS's penalties on the coefficients (never the intercept), and their proximal operators.

==============  =========================================================================
regularizer     penalty of one output's coefficients ``w`` (NeMoS's definitions)
==============  =========================================================================
UnRegularized   0
Ridge           ``0.5 * lam * ||w||**2``
Lasso           ``lam * ||w||_1``
ElasticNet      ``lam * ((1 - r) * 0.5 * ||w||**2 + r * ||w||_1)``, ``r = l1_ratio``
GroupLasso      ``lam * sum_g sqrt(|g|) * ||w_g||_2`` over the feature groups ``g``
==============  =========================================================================

In a population (``n_outputs > 1``) each output has its own groups (NeMoS's mask then has
one group per feature block and output), so the objective stays a sum over outputs.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from ._checks import check_positive_int, is_real

__all__ = [
    "DEFAULT_GROUP_SIZE",
    "DEFAULT_L1_RATIO",
    "DEFAULT_STRENGTHS",
    "REGULARIZERS",
    "Penalty",
    "checked_penalty_axes",
    "feature_groups",
    "penalty_of",
]

#: Regularizers a problem may use (NeMoS names).
REGULARIZERS = ("UnRegularized", "Ridge", "Lasso", "GroupLasso", "ElasticNet")
#: Strength used when a spec gives none.
DEFAULT_STRENGTHS = {
    "UnRegularized": 0.0,
    "Ridge": 1e-3,
    "Lasso": 1e-2,
    "GroupLasso": 1e-2,
    "ElasticNet": 1e-2,
}
#: ElasticNet's ``l1_ratio`` when none is given (NeMoS's default ratio).
DEFAULT_L1_RATIO = 0.5
#: GroupLasso's group size on a Gaussian design when none is given (capped at n_features);
#: a spike-history design groups each neuron's basis block.
DEFAULT_GROUP_SIZE = 5


@dataclasses.dataclass(frozen=True, eq=False)
class Penalty:
    """The penalty of one output's coefficients: smooth part plus non-smooth part.

    Attributes
    ----------
    ridge :
        ``c`` of the smooth term ``0.5 * c * ||w||**2``.
    l1 :
        ``c`` of the term ``c * ||w||_1``.
    groups :
        Index arrays of the feature groups of the term ``strength * sum_g sqrt(|g|) ||w_g||``.
    group_strength :
        ``strength`` of that term.
    """

    ridge: float = 0.0
    l1: float = 0.0
    groups: tuple = ()
    group_strength: float = 0.0

    @property
    def smooth(self) -> bool:
        """Whether the penalty is differentiable (no L1 or group term)."""
        return self.l1 == 0.0 and not self.groups

    def group_weights(self) -> np.ndarray:
        """Weight ``strength * sqrt(|g|)`` of each group."""
        return np.array([self.group_strength * np.sqrt(len(g)) for g in self.groups])

    def nonsmooth(self, w: np.ndarray) -> float:
        """The non-smooth part at ``w`` (0 for a smooth penalty)."""
        value = self.l1 * float(np.sum(np.abs(w))) if self.l1 else 0.0
        for g, weight in zip(self.groups, self.group_weights(), strict=True):
            value += float(weight) * float(np.linalg.norm(w[g]))
        return value

    def value(self, w: np.ndarray) -> float:
        """The whole penalty at ``w``."""
        value = 0.5 * self.ridge * float(w @ w)
        return value + self.nonsmooth(w) if not self.smooth else value

    def prox(self, v: np.ndarray, step: float = 1.0) -> np.ndarray:
        """Proximal operator of ``step`` times the non-smooth part (identity if smooth)."""
        if self.l1:
            v = np.sign(v) * np.maximum(np.abs(v) - step * self.l1, 0.0)
        if self.groups:
            v = v.copy()
            for g, weight in zip(self.groups, self.group_weights(), strict=True):
                norm = float(np.linalg.norm(v[g]))
                v[g] = 0.0 if norm <= step * weight else v[g] * (1.0 - step * weight / norm)
        return v


def feature_groups(spec) -> tuple[np.ndarray, ...]:
    """Feature indices of each group of a GroupLasso spec: contiguous blocks of ``group_size``.

    The last block is shorter when ``group_size`` does not divide ``n_features``. Empty for
    other regularizers.

    Examples
    --------
    >>> from nemos_bench.problems import ProblemSpec
    >>> spec = ProblemSpec(100, 7, regularizer="GroupLasso", group_size=3)
    >>> [g.tolist() for g in feature_groups(spec)]
    [[0, 1, 2], [3, 4, 5], [6]]
    """
    if spec.regularizer != "GroupLasso":
        return ()
    size, p = spec.group_size, spec.n_features
    return tuple(np.arange(start, min(start + size, p)) for start in range(0, p, size))


def penalty_of(spec) -> Penalty:
    """The :class:`Penalty` of a spec's regularizer and strength.

    Examples
    --------
    >>> from nemos_bench.problems import ProblemSpec
    >>> pen = penalty_of(ProblemSpec(100, 3, regularizer="ElasticNet", regularizer_strength=0.1))
    >>> round(pen.ridge, 12), round(pen.l1, 12), pen.smooth
    (0.05, 0.05, False)
    """
    lam = spec.regularizer_strength
    if spec.regularizer == "Ridge":
        return Penalty(ridge=lam)
    if spec.regularizer == "Lasso":
        return Penalty(l1=lam)
    if spec.regularizer == "ElasticNet":
        return Penalty(ridge=lam * (1.0 - spec.l1_ratio), l1=lam * spec.l1_ratio)
    if spec.regularizer == "GroupLasso":
        return Penalty(groups=feature_groups(spec), group_strength=lam)
    return Penalty()


def checked_penalty_axes(spec) -> dict:
    """Validated ``l1_ratio`` and ``group_size`` (each only with its regularizer)."""
    ratio, size, reg = spec.l1_ratio, spec.group_size, spec.regularizer
    if ratio is not None and reg != "ElasticNet":
        raise ValueError(
            f"`l1_ratio` applies to regularizer='ElasticNet' only, got {ratio!r} with "
            f"regularizer={reg!r}; leave it None."
        )
    if size is not None and reg != "GroupLasso":
        raise ValueError(
            f"`group_size` applies to regularizer='GroupLasso' only, got {size!r} with "
            f"regularizer={reg!r}; leave it None."
        )
    if reg == "ElasticNet":
        ratio = DEFAULT_L1_RATIO if ratio is None else ratio
        if not is_real(ratio) or not 0 < ratio <= 1:
            raise ValueError(
                f"`l1_ratio` must be a number in (0, 1] (NeMoS's ElasticNet ratio: 1 is Lasso), "
                f"got {spec.l1_ratio!r}."
            )
        ratio = float(ratio)
    if reg == "GroupLasso":
        if size is None:
            size = spec.n_basis or min(DEFAULT_GROUP_SIZE, spec.n_features)
        size = check_positive_int("group_size", size)
        if size > spec.n_features:
            raise ValueError(
                f"`group_size` must be at most n_features = {spec.n_features}, got {size!r}."
            )
    return {"l1_ratio": ratio, "group_size": size}
