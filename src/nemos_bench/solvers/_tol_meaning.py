"""What each solver's ``tol`` stops on: the ``tol_stops_on`` column.

The same ``tol`` means different tests to different solvers, so solvers are compared by the
suboptimality they achieve, never by the ``tol`` they were given. Each meaning below was read
from the code: NeMoS 0.2.8, 0.2.9 and the development snapshot 0.2.10.dev204 (its
``nemos/solvers``, and optimistix's ``cauchy_termination``), nemos-bench's scipy adapter
(``_scipy_options.StopRule``), scikit-learn's ``_glm`` and ``_newton_solver`` and glum's IRLS
solver (``_baselines``). A meaning describes the solver's default settings; a label's
settings (``{rtol=...}``, ``{norm=...}``) can change the test.

A user's solver class can declare what its ``tol`` stops on with a class attribute::

    class MySolver(AbstractSolver):
        tol_stops_on = "gradient norm: ||grad f||_inf <= tol"

Without one its meaning is ``"unknown"``, and so is that of a registered class nemos-bench
does not know (e.g. another package's ``LBFGS[scipy]`` kept under that name). Subclasses of
the scipy adapter (:class:`ScipyMinimize`) inherit the adapter's test.
"""

from __future__ import annotations

__all__ = ["CHECKED_NEMOS", "TOL_STOPS_ON", "UNKNOWN", "known_tol_meaning", "tol_stops_on"]

#: The value for a solver whose test nemos-bench does not know.
UNKNOWN = "unknown"
#: NeMoS versions whose solvers' tests the table was read from.
CHECKED_NEMOS = ("0.2.8", "0.2.9", "0.2.10.dev204")

_SCIPY = (
    "gradient norm: ||grad f||_2 <= tol (+ rtol*|f|, rtol 0 unless set), checked after each "
    "iteration, scipy's own ftol/gtol/xtol tests off"
)
_CAUCHY = (
    "step and f change (optimistix Cauchy test): ||x_k - x_k-1||_2 < tol and "
    "|f_k - f_k-1| < tol (rtol 0 unless set)"
)
_PROX_CAUCHY = (
    "step and smooth-loss change (optimistix Cauchy test): ||x_k - x_k-1||_2 < tol and "
    "|g_k - g_k-1| < tol, g the loss without the penalty its prox handles (rtol 0 unless set)"
)
_SVRG = "step size per epoch: ||x_k - x_k-1||_2 / stepsize < tol"
_NATIVE = {
    "GradientDescent[optimistix]": _CAUCHY,
    "GradientDescent[optax+optimistix]": _CAUCHY,
    "ProximalGradient[optimistix]": _PROX_CAUCHY,
    "LBFGS[optax+optimistix]": _CAUCHY,
    "BFGS[optimistix]": _CAUCHY,
    "NonlinearCG[optimistix]": _CAUCHY,
    "SVRG[nemos]": _SVRG,
    "ProxSVRG[nemos]": _SVRG,
    "Newton[nemos]": "gradient norm: ||grad f||_2 <= tol",
}
_SCIPY_NAMES = ("LBFGS", "BFGS", "NonlinearCG", "NewtonCG", "TrustNCG", "TrustKrylov")
_BASELINES = {
    "NewtonCholesky[sklearn]": (
        "gradient max-norm and Newton decrement: max|grad f| <= tol and "
        "0.5*(step' H step) <= tol (scikit-learn)"
    ),
    "LBFGS[sklearn]": (
        "projected gradient max-norm: max|proj grad f| <= tol (scipy L-BFGS-B gtol, "
        "ftol fixed at 64*eps, scikit-learn)"
    ),
    "IRLS[glum]": "subgradient norm: L1 norm of the minimum-norm subgradient < tol (glum)",
}

#: Registry name (or baseline name) -> what its ``tol`` stops on, for the solvers NeMoS and
#: nemos-bench ship (one clause each: no semicolons, captions join them with "; ").
TOL_STOPS_ON: dict[str, str] = {
    **{f"{algo}[scipy]": _SCIPY for algo in _SCIPY_NAMES},
    **_NATIVE,
    **_BASELINES,
}


def _bare_name(label: str) -> str:
    """``label`` without its settings (``{...}``) and dtype suffix (``@float32``)."""
    text = str(label).strip()
    name, at, suffix = text.rpartition("@")
    if at and name and not any(c in suffix for c in "[]{}"):
        text = name
    return text.split("{", 1)[0].strip()


def known_tol_meaning(label: str, nemos_version: str | None = None) -> str:
    """What ``label``'s ``tol`` stops on according to :data:`TOL_STOPS_ON`, by name alone.

    For runs written before the ``tol_stops_on`` column, whose solvers were the ones
    nemos-bench registers by default.

    Parameters
    ----------
    label : str
        Registry name or solver label, e.g. ``"Newton[nemos]{autodiff=true}"`` or
        ``"LBFGS[scipy]@float32"``.
    nemos_version : str, optional
        The NeMoS version the solver came from: a NeMoS solver's meaning read from other
        versions (:data:`CHECKED_NEMOS`) says so.

    Returns
    -------
    str
        The meaning, or ``"unknown"``.

    Examples
    --------
    >>> known_tol_meaning("Newton[nemos]{autodiff=true}")
    'gradient norm: ||grad f||_2 <= tol'
    >>> known_tol_meaning("MySolver[custom]")
    'unknown'
    >>> known_tol_meaning("Newton[nemos]", "0.3.0")  # doctest: +ELLIPSIS
    'gradient norm: ||grad f||_2 <= tol (as in nemos 0.2.8, 0.2.9, 0.2.10.dev204, not ...'
    """
    name = _bare_name(label)
    meaning = TOL_STOPS_ON.get(name, UNKNOWN)
    if name in _NATIVE and nemos_version is not None and nemos_version not in CHECKED_NEMOS:
        meaning += f" (as in nemos {', '.join(CHECKED_NEMOS)}, not checked for {nemos_version})"
    return meaning


def tol_stops_on(label: str) -> str:
    """What the ``tol`` of the solver benchmarked as ``label`` stops on, in this process.

    The class registered under the label's name decides: a class attribute ``tol_stops_on``
    (a non-empty string) wins; the scipy adapter and its subclasses stop on the gradient
    norm; NeMoS's own class under a name of :data:`TOL_STOPS_ON` has the meaning there;
    any other class is ``"unknown"``. Outside baselines and names not registered here are
    looked up by name (:func:`known_tol_meaning`).

    Parameters
    ----------
    label : str
        Registry name or solver label (settings in ``{...}`` and ``@dtype`` are ignored).

    Returns
    -------
    str
        A short description such as ``"gradient norm: ||grad f||_2 <= tol"``, or
        ``"unknown"``.

    Examples
    --------
    >>> from nemos_bench.solvers import register_scipy_solvers
    >>> _ = register_scipy_solvers()
    >>> tol_stops_on("LBFGS[scipy]{rtol=0.001}").split(":")[0]
    'gradient norm'
    >>> tol_stops_on("BFGS[optimistix]").split(" (")[0]
    'step and f change'
    >>> tol_stops_on("IRLS[glum]").split(":")[0]
    'subgradient norm'
    """
    import nemos as nmo

    from ._clash import kept_records
    from ._scipy import ScipyMinimize

    name = _bare_name(label)
    version = getattr(nmo, "__version__", None)
    try:
        cls = nmo.solvers.get_solver(name).implementation
    except Exception:  # noqa: BLE001 - a baseline, or not registered in this process
        if name in kept_records():  # another class, kept by a parent, missing here
            return UNKNOWN
        return known_tol_meaning(name, version)
    declared = getattr(cls, "tol_stops_on", None)
    if isinstance(declared, str) and declared.strip():
        return " ".join(declared.split())
    if isinstance(cls, type) and issubclass(cls, ScipyMinimize):
        return _SCIPY
    if name in _NATIVE and str(getattr(cls, "__module__", "")).startswith("nemos."):
        return known_tol_meaning(name, version)
    return UNKNOWN
