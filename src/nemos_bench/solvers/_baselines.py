"""Outside baselines: scikit-learn's and glum's GLM solvers, fitted to NeMoS's exact objective.

Each baseline is named in NeMoS's style, ``Algo[library]``, and fits every output of a problem
on its own (the objective is a sum over outputs), with its penalty scaled so that its optimum
is NeMoS's: NeMoS minimizes ``mean_i loss_i + P(w)`` where ``loss`` is half the unit deviance
(twice it for Gaussian: NeMoS's Gaussian loss is ``(y - mu)**2``, not half of it) and

- scikit-learn's GLM regressors minimize ``1/(2n) sum_i deviance_i + alpha/2 ||w||**2``, so
  ``alpha = lam`` (Poisson) and ``alpha = lam / 2`` (Gaussian, ``TweedieRegressor(power=0)``);
  ``LogisticRegression`` minimizes ``C sum_i loss_i + 1/2 ||w||**2``, so ``C = 1 / (n lam)``;
- glum minimizes ``1/(2n) deviance + alpha l1_ratio ||w||_1 + alpha (1 - l1_ratio)/2 ||w||**2``,
  NeMoS's ElasticNet with ``strength = alpha`` and ``ratio = l1_ratio`` (Ridge: ratio 0, Lasso:
  ratio 1), again with ``alpha = strength / 2`` for Gaussian; Gamma uses glum's
  ``TweedieLink(2)``, i.e. NeMoS's inverse link ``mu = 1 / eta``.

A baseline that cannot solve a problem (a library without the model, its link or the
penalty) gives the reason in one sentence (:meth:`Baseline.skip_reason`).
"""

from __future__ import annotations

import dataclasses
import importlib.util
import warnings
from collections.abc import Callable

import numpy as np

__all__ = [
    "BASELINES",
    "Baseline",
    "BaselineFit",
    "GLMTask",
    "baseline_names",
    "get_baseline",
    "is_baseline",
]

#: Regularizers with an L1 or group term (not L2-only).
_SPARSE = ("Lasso", "GroupLasso", "ElasticNet")


@dataclasses.dataclass(frozen=True)
class GLMTask:
    """What a baseline needs to know of a problem (NeMoS's names and parametrization).

    Attributes
    ----------
    observation :
        ``"Poisson"``, ``"Bernoulli"``, ``"Gamma"``, ``"Gaussian"`` or ``"NegativeBinomial"``.
    regularizer :
        NeMoS's regularizer name.
    strength :
        NeMoS's ``regularizer_strength`` (ElasticNet: its first element).
    l1_ratio :
        ElasticNet's ratio, else ``None``.
    nb_scale :
        NegativeBinomial's ``scale`` (variance ``mu + scale * mu**2``).
    """

    observation: str
    regularizer: str
    strength: float = 0.0
    l1_ratio: float | None = None
    nb_scale: float = 1.0


@dataclasses.dataclass(frozen=True)
class BaselineFit:
    """Result of fitting every output: NeMoS's parameter shapes and a convergence summary."""

    coef: np.ndarray
    intercept: np.ndarray
    n_iter: int
    converged: bool
    reached_max_steps: bool


@dataclasses.dataclass(frozen=True)
class Baseline:
    """One outside solver.

    Attributes
    ----------
    name :
        Registry-style name, e.g. ``"NewtonCholesky[sklearn]"``.
    library :
        ``"sklearn"`` or ``"glum"`` (its import name is ``sklearn`` or ``glum``).
    method :
        The library's solver option, e.g. ``"newton-cholesky"``.
    """

    name: str
    library: str
    method: str

    def available(self) -> bool:
        """Whether the library is installed here."""
        return importlib.util.find_spec(self.library) is not None

    def skip_reason(self, task: GLMTask) -> str | None:
        """Why this baseline cannot solve ``task`` (one sentence), or ``None`` if it can."""
        if not self.available():
            return (
                f"{self.name} needs {self.library}, which is not installed here: "
                'pip install -e ".[baselines]".'
            )
        if self.library == "glum":
            if task.regularizer == "GroupLasso":
                return "glum has no group penalty (GroupLasso); only L1, L2 and elastic net."
            return None
        if task.observation == "Gamma":
            return (
                "scikit-learn's Gamma GLMs (GammaRegressor, TweedieRegressor) have only the "
                "log link, while NeMoS's Gamma GLM uses the inverse link mu = 1/eta."
            )
        if task.observation == "NegativeBinomial":
            return "scikit-learn has no negative binomial GLM."
        if task.regularizer in _SPARSE:
            term = "a group term" if task.regularizer == "GroupLasso" else "an L1 term"
            return (
                f"scikit-learn's GLMs with solver={self.method!r} take an L2 penalty only, "
                f"and {task.regularizer} has {term}."
            )
        return None

    def prepare(
        self, X: np.ndarray, y: np.ndarray, task: GLMTask, tol: float, maxiter: int
    ) -> Callable[[], BaselineFit]:
        """A function that fits every output of ``(X, y)`` and returns a :class:`BaselineFit`.

        The data are converted once here (glum's coordinate descent wants a Fortran-ordered
        ``X``), so that calling the function times the fits alone.

        Raises
        ------
        ValueError
            If :meth:`skip_reason` gives a reason.
        """
        reason = self.skip_reason(task)
        if reason is not None:
            raise ValueError(reason)
        make = _glum_estimator if self.library == "glum" else _sklearn_estimator
        X = np.asfortranarray(X) if self.library == "glum" else np.ascontiguousarray(X)
        columns = [np.ascontiguousarray(y)] if y.ndim == 1 else list(np.asarray(y).T)

        def fit() -> BaselineFit:
            coefs, intercepts, iters, converged = [], [], [], True
            for column in columns:
                estimator = make(self.method, task, X.shape[0], tol, maxiter)
                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always")
                    estimator.fit(X, column)
                converged &= not any(_not_converged(w.message) for w in caught)
                coefs.append(np.ravel(estimator.coef_))
                intercepts.append(float(np.ravel(estimator.intercept_)[0]))
                iters.append(int(np.max(estimator.n_iter_)))
            coef = coefs[0] if y.ndim == 1 else np.stack(coefs, axis=1)
            return BaselineFit(
                coef=coef,
                intercept=np.array(intercepts),
                n_iter=max(iters),
                converged=bool(converged and max(iters) < maxiter),
                reached_max_steps=max(iters) >= maxiter,
            )

        return fit


def _not_converged(message: Warning) -> bool:
    """Whether a warning says the fit stopped without converging (both libraries' words)."""
    text = str(message).lower()
    return type(message).__name__ == "ConvergenceWarning" and (
        "failed to converge" in text or "did not converge" in text
    )


def _sklearn_estimator(method: str, task: GLMTask, n: int, tol: float, maxiter: int):
    from sklearn import linear_model

    lam = task.strength if task.regularizer == "Ridge" else 0.0
    common = {"solver": method, "tol": tol, "max_iter": maxiter}
    if task.observation == "Bernoulli":
        return linear_model.LogisticRegression(C=1.0 / (n * lam) if lam else np.inf, **common)
    if task.observation == "Gaussian":
        return linear_model.TweedieRegressor(power=0.0, link="identity", alpha=lam / 2, **common)
    return linear_model.PoissonRegressor(alpha=lam, **common)


def _glum_estimator(method: str, task: GLMTask, n: int, tol: float, maxiter: int):
    import glum

    family, link = {
        "Poisson": ("poisson", "log"),
        "Bernoulli": ("binomial", "logit"),
        "Gamma": ("gamma", glum.TweedieLink(2)),
        "Gaussian": ("normal", "identity"),
        "NegativeBinomial": (glum.NegativeBinomialDistribution(theta=task.nb_scale), "log"),
    }[task.observation]
    l1_ratio = {"Lasso": 1.0, "ElasticNet": task.l1_ratio}.get(task.regularizer, 0.0)
    alpha = 0.0 if task.regularizer == "UnRegularized" else task.strength
    if task.observation == "Gaussian":
        alpha /= 2.0
    return glum.GeneralizedLinearRegressor(
        alpha=alpha,
        l1_ratio=l1_ratio,
        family=family,
        link=link,
        solver=method,
        gradient_tol=tol,
        max_iter=maxiter,
    )


#: Every baseline, by name.
BASELINES: dict[str, Baseline] = {
    b.name: b
    for b in (
        Baseline("NewtonCholesky[sklearn]", "sklearn", "newton-cholesky"),
        Baseline("LBFGS[sklearn]", "sklearn", "lbfgs"),
        Baseline("IRLS[glum]", "glum", "irls-cd"),
    )
}


def baseline_names() -> list[str]:
    """Names of every baseline (installed or not).

    Examples
    --------
    >>> baseline_names()
    ['NewtonCholesky[sklearn]', 'LBFGS[sklearn]', 'IRLS[glum]']
    """
    return list(BASELINES)


def is_baseline(name: str) -> bool:
    """Whether ``name`` is an outside baseline rather than a NeMoS solver.

    Examples
    --------
    >>> is_baseline("IRLS[glum]"), is_baseline("LBFGS[scipy]")
    (True, False)
    """
    return name in BASELINES


def get_baseline(name: str) -> Baseline:
    """The :class:`Baseline` called ``name``."""
    return BASELINES[name]
