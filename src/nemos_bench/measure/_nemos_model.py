"""A problem's observation model and regularizer, as NeMoS and the baselines take them."""

from __future__ import annotations

from typing import Any

import nemos as nmo
import numpy as np

from ..problems import NB_SCALE, ProblemSpec, feature_groups
from ..solvers import GLMTask, parse_solver_label, settings_text

__all__ = ["glm_task", "group_mask", "make_model", "model_kwargs", "refused_settings"]


def group_mask(spec: ProblemSpec) -> np.ndarray:
    """NeMoS's GroupLasso mask of a spec: 1 where a coefficient belongs to a group.

    Shape ``(n_groups, n_features)`` for one output; for ``k`` outputs every output has its
    own copy of the groups, shape ``(n_groups * k, n_features, k)`` (NeMoS's layout,
    ``(n_groups, *coef.shape)``), so the penalty stays a sum over outputs.

    Examples
    --------
    >>> spec = ProblemSpec(100, 4, 2, regularizer="GroupLasso", group_size=2)
    >>> mask = group_mask(spec)
    >>> mask.shape, mask.sum(axis=(1, 2)).tolist()
    ((4, 4, 2), [2.0, 2.0, 2.0, 2.0])
    """
    groups, k = feature_groups(spec), spec.n_outputs
    if k == 1:
        mask = np.zeros((len(groups), spec.n_features))
        for g, idx in enumerate(groups):
            mask[g, idx] = 1.0
        return mask
    mask = np.zeros((len(groups) * k, spec.n_features, k))
    for j in range(k):
        for g, idx in enumerate(groups):
            mask[j * len(groups) + g, idx, j] = 1.0
    return mask


def model_kwargs(spec: ProblemSpec) -> dict[str, Any]:
    """Keyword arguments of NeMoS's ``GLM``/``PopulationGLM`` for a spec's model and penalty.

    The observation model with NeMoS's default link (NegativeBinomial with ``scale =
    NB_SCALE``), the regularizer (GroupLasso with :func:`group_mask`) and its strength
    (ElasticNet's as NeMoS's pair ``(strength, l1_ratio)``). Poisson, NeMoS's default
    observation model, is not passed, as before observation models were an axis.

    Examples
    --------
    >>> spec = ProblemSpec(100, 3, observation="Gamma", regularizer="ElasticNet")
    >>> kwargs = model_kwargs(spec)
    >>> kwargs["observation_model"], kwargs["regularizer_strength"]
    ('Gamma', (0.01, 0.5))
    """
    kwargs: dict[str, Any] = {"regularizer": spec.regularizer}
    if spec.observation == "NegativeBinomial":
        kwargs["observation_model"] = nmo.observation_models.NegativeBinomialObservations(
            scale=NB_SCALE
        )
    elif spec.observation != "Poisson":
        kwargs["observation_model"] = spec.observation
    if spec.regularizer == "GroupLasso":
        kwargs["regularizer"] = nmo.regularizer.GroupLasso(mask=group_mask(spec))
    if spec.regularizer == "ElasticNet":
        kwargs["regularizer_strength"] = (spec.regularizer_strength, spec.l1_ratio)
    elif spec.regularizer != "UnRegularized":
        kwargs["regularizer_strength"] = spec.regularizer_strength
    return kwargs


def glm_task(spec: ProblemSpec) -> GLMTask:
    """What an outside baseline needs to know of a spec.

    Examples
    --------
    >>> glm_task(ProblemSpec(100, 3, regularizer="Lasso", regularizer_strength=0.1))
    GLMTask(observation='Poisson', regularizer='Lasso', strength=0.1, l1_ratio=None, nb_scale=1.0)
    """
    return GLMTask(
        observation=spec.observation,
        regularizer=spec.regularizer,
        strength=spec.regularizer_strength,
        l1_ratio=spec.l1_ratio,
        nb_scale=NB_SCALE,
    )


def make_model(spec, solver: str, tol: float, maxiter: int):
    """The NeMoS model a user would build for this problem, solver and tolerance.

    ``solver`` is a label (see :func:`~nemos_bench.solvers.parse_solver_label`): its
    settings go into ``solver_kwargs`` beside ``tol`` and ``maxiter``.

    Examples
    --------
    >>> spec = ProblemSpec(n_samples=50, n_features=2, n_outputs=3, regularizer="Ridge")
    >>> type(make_model(spec, "LBFGS", 1e-6, 100)).__name__
    'PopulationGLM'
    >>> make_model(spec, "LBFGS{memory_size=3}", 1e-6, 100).solver_kwargs["memory_size"]
    3
    """
    name, solver_settings = parse_solver_label(solver)
    cls = nmo.glm.GLM if spec.n_outputs == 1 else nmo.glm.PopulationGLM
    kwargs: dict[str, Any] = {**model_kwargs(spec), "solver_name": name}
    return cls(**kwargs, solver_kwargs={**solver_settings, "tol": tol, "maxiter": maxiter})


def refused_settings(spec, solver: str, tol: float, maxiter: int) -> str | None:
    """NeMoS's reason for refusing the settings of label ``solver``, if it refuses them.

    The model is built with the settings, then, if that raised, without them: only when
    the second succeeds are the settings to blame, and NeMoS's message is the reason.

    Examples
    --------
    >>> spec = ProblemSpec(n_samples=50, n_features=2)
    >>> refused_settings(spec, "LBFGS{memory_size=3}", 1e-6, 100) is None
    True
    >>> refused_settings(spec, "LBFGS{bogus=1}", 1e-6, 100).split(":")[0]
    'NeMoS refuses the settings bogus=1 of LBFGS'
    """
    try:
        make_model(spec, solver, tol, maxiter)
        return None
    except Exception as err:  # noqa: BLE001 - NeMoS's reason becomes the row's
        reason = f"{type(err).__name__}: {' '.join(str(err).split())[:300]}"
    name = parse_solver_label(solver)[0]
    try:  # the same model without the settings: if it fails too, the settings are not why
        make_model(spec, name, tol, maxiter)
    except Exception:  # noqa: BLE001 - the fit reports it
        return None
    return f"NeMoS refuses the settings {settings_text(solver)} of {name}: {reason}"
