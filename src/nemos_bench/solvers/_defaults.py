"""NeMoS's own default solver for a model: what a user gets who names no solver."""

from __future__ import annotations

import functools

__all__ = ["nemos_default_solver"]


@functools.cache
def nemos_default_solver(observation: str, regularizer: str, n_outputs: int) -> str | None:
    """The registry label of the solver NeMoS picks for a model built without ``solver_name``.

    The model is built as a user would (``GLM`` for one output, ``PopulationGLM`` for more),
    with the installed NeMoS; its ``solver_name`` is resolved through NeMoS's registry to
    ``Algo[backend]`` where the registry can (NeMoS 0.2.8 on), else the plain name.
    ``None`` when the installed NeMoS cannot build that model.

    Examples
    --------
    >>> label = nemos_default_solver("Poisson", "Lasso", 1)
    >>> label.startswith("ProximalGradient")
    True
    """
    import nemos as nmo

    model_class = nmo.glm.GLM if n_outputs == 1 else nmo.glm.PopulationGLM
    try:
        observations = getattr(nmo.observation_models, f"{observation}Observations")()
        model = model_class(observation_model=observations, regularizer=regularizer)
    except Exception:  # noqa: BLE001 - a model this NeMoS does not have
        return None
    name = model.solver_name
    try:
        return str(nmo.solvers.get_solver(name).full_name)
    except Exception:  # noqa: BLE001 - older registries: the plain name
        return name
