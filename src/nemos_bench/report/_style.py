"""Shared look of the figures: solver colours, suboptimality floor, figure helpers."""

from __future__ import annotations

import hashlib
import re
import textwrap
from collections.abc import Iterable

import numpy as np
from matplotlib import colormaps
from matplotlib.colors import to_hex
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from ._config import ReportError

__all__ = [
    "KNOWN_SOLVERS",
    "NOTE_LABEL",
    "OUTCOME_MARKERS",
    "SUBOPT_FLOOR",
    "clip_suboptimality",
    "default_lbfgs",
    "footnote",
    "mark_outcomes",
    "note_figure",
    "note_of",
    "parse_solver",
    "problem_slug",
    "solver_colors",
]

#: Relative floor of plotted suboptimality: values below ``SUBOPT_FLOOR * max(1, |f*|)``
#: (zero or negative ones included, which rounding produces at the optimum) are drawn at it.
SUBOPT_FLOOR = 1e-16

_SOLVER_RE = re.compile(r"(?P<algo>[^\[\]]+)\[(?P<backend>[^\[\]]+)\]")


def parse_solver(name: str) -> tuple[str, str]:
    """Split a registry name ``Algo[backend]`` into ``(algo, backend)``.

    Names without a ``[backend]`` part give ``(name, "")``.

    Examples
    --------
    >>> parse_solver("LBFGS[optax+optimistix]")
    ('LBFGS', 'optax+optimistix')
    >>> parse_solver("MySolver")
    ('MySolver', '')
    """
    match = _SOLVER_RE.fullmatch(str(name))
    return (match["algo"], match["backend"]) if match else (str(name), "")


def default_lbfgs(solvers: Iterable[str], override: str | None = None) -> str | None:
    """The solver speed-ups are measured against.

    Parameters
    ----------
    solvers : iterable of str
        Solver names present in the run.
    override : str or None
        A solver name to use instead; it must be one of ``solvers``.

    Returns
    -------
    str or None
        ``override`` if given, else the native default L-BFGS (the first, in sorted order,
        ``LBFGS[backend]`` whose backend is not ``scipy``), or ``None`` if the run has none.

    Examples
    --------
    >>> default_lbfgs(["LBFGS[scipy]", "LBFGS[optax+optimistix]", "SVRG[nemos]"])
    'LBFGS[optax+optimistix]'
    >>> default_lbfgs(["LBFGS[scipy]"]) is None
    True
    """
    names = sorted(set(solvers))
    if override is not None:
        if override not in names:
            raise ReportError(
                f"baseline solver {override!r} is not in this run; choose one of {names}."
            )
        return override
    native = [n for n in names if parse_solver(n)[0] == "LBFGS" and parse_solver(n)[1] != "scipy"]
    return native[0] if native else None


#: Solvers with a reserved colour (NeMoS 0.2.8/0.2.9 built-ins and the scipy adapter), in
#: the order of their palette slots. Append only: a colour must never move to another name.
KNOWN_SOLVERS = (
    "LBFGS[optax+optimistix]",
    "LBFGS[scipy]",
    "GradientDescent[optimistix]",
    "BFGS[optimistix]",
    "NonlinearCG[optimistix]",
    "BFGS[scipy]",
    "NewtonCG[scipy]",
    "TrustKrylov[scipy]",
    "SVRG[nemos]",
    "ProxSVRG[nemos]",
    "GradientDescent[optax+optimistix]",
    "ProximalGradient[optimistix]",
    "NonlinearCG[scipy]",
    "TrustNCG[scipy]",
)


def _palette() -> list:
    tab20 = list(colormaps["tab20"].colors)
    return tab20[0::2] + tab20[1::2] + list(colormaps["tab20b"].colors)


def solver_color(name: str) -> str:
    """The colour of one solver, a function of its name alone (the same in every report).

    Built-in solvers (:data:`KNOWN_SOLVERS`) have reserved, distinct colours; any other
    name gets one of the remaining palette colours chosen by a hash of the name.

    Examples
    --------
    >>> solver_color("LBFGS[scipy]") == solver_color("LBFGS[scipy]")
    True
    >>> solver_color("LBFGS[optax+optimistix]")
    '#1f77b4'
    """
    palette = _palette()
    if name in KNOWN_SOLVERS:
        return to_hex(palette[KNOWN_SOLVERS.index(name)])
    spare = palette[len(KNOWN_SOLVERS) :]
    digest = int(hashlib.sha256(str(name).encode("utf-8")).hexdigest(), 16)
    return to_hex(spare[digest % len(spare)])


def solver_colors(solvers: Iterable[str]) -> dict[str, str]:
    """Solver → colour (:func:`solver_color`), a function of each name alone.

    A solver keeps its colour across figures and across reports, whatever else was run.

    Examples
    --------
    >>> two = solver_colors(["LBFGS[scipy]", "BFGS[scipy]"])
    >>> three = solver_colors(["SVRG[nemos]", "BFGS[scipy]", "LBFGS[scipy]"])
    >>> all(three[name] == color for name, color in two.items())
    True
    """
    return {name: solver_color(name) for name in sorted(set(solvers))}


#: Outcome → (marker, legend proxy) drawn over the points of fits that did not converge.
OUTCOME_MARKERS = {
    "max_steps": (
        "X",
        Line2D([], [], ls="", marker="X", color="0.15", ms=8, label="hit maxiter (max_steps)"),
    ),
    "not_converged": (
        "s",
        Line2D(
            [], [], ls="", marker="s", mfc="none", color="0.15", ms=8,
            label="stopped unconverged (not_converged)",
        ),
    ),
}  # fmt: skip


def mark_outcomes(ax, x, y, outcomes, color) -> set[str]:
    """Draw the outcome markers of points that did not converge; return the outcomes drawn."""
    drawn = set()
    for xi, yi, outcome in zip(np.asarray(x, float), np.asarray(y, float), outcomes, strict=True):
        if outcome in OUTCOME_MARKERS and np.isfinite(xi) and np.isfinite(yi):
            marker = OUTCOME_MARKERS[outcome][0]
            face = color if marker == "X" else "none"
            ax.scatter(
                [xi], [yi], marker=marker, s=70, facecolors=face, edgecolors="0.15",
                linewidths=1.2, zorder=5,
            )  # fmt: skip
            drawn.add(outcome)
    return drawn


def clip_suboptimality(suboptimality, reference_objective) -> np.ndarray:
    """Suboptimality clipped below at ``SUBOPT_FLOOR * max(1, |f*|)`` for a log axis.

    NaN stays NaN (matplotlib leaves a gap).

    Examples
    --------
    >>> clip_suboptimality([1e-3, 0.0, -1e-14, float("nan")], 10.0).tolist()
    [0.001, 1e-15, 1e-15, nan]
    """
    sub = np.asarray(suboptimality, dtype=float)
    floor = SUBOPT_FLOOR * np.maximum(1.0, np.abs(np.asarray(reference_objective, dtype=float)))
    return np.where(np.isnan(sub), np.nan, np.maximum(sub, floor))


def problem_slug(problem_id: str) -> str:
    """A file-name-safe version of a problem id.

    Examples
    --------
    >>> problem_slug("poisson[n=100,p=5,k=1,noise=0.0,reg=Ridge,lam=0.001,seed=0]")
    'poisson_n100_p5_k1_noise0.0_regRidge_lam0.001_seed0'
    """
    slug = re.sub(r"[^A-Za-z0-9.]+", "_", str(problem_id).replace("=", "")).strip("_.")
    return slug or "problem"


def wrap_title(text: str, width: int = 80) -> str:
    """Break a long title (problem ids are long) at commas."""
    return "\n".join(textwrap.wrap(text.replace(",", ", "), width)).replace(", ", ",")


def new_figure(width: float, height: float) -> Figure:
    """A figure detached from pyplot (no global state), with constrained layout."""
    return Figure(figsize=(width, height), layout="constrained")


def footnote(fig: Figure, text: str, color: str = "0.35", width: int = 150) -> None:
    """A small note under the axes, inside the constrained layout (it never overlaps)."""
    fig.supxlabel("\n".join(textwrap.wrap(text, width)), fontsize=7, color=color)


#: Label of a figure that only says why there is nothing to plot (:func:`note_figure`).
NOTE_LABEL = "nemos-bench:note"


def note_figure(title: str, note: str, width: float = 9.0, height: float = 2.2) -> Figure:
    """A figure that only says why there is nothing to plot (labelled :data:`NOTE_LABEL`)."""
    fig = new_figure(width, height)
    fig.set_label(NOTE_LABEL)
    fig.suptitle(wrap_title(title, 110), fontsize=10)
    ax = fig.add_subplot()
    ax.set_axis_off()
    ax.text(0.5, 0.5, "\n".join(textwrap.wrap(note, 90)), ha="center", va="center", fontsize=10)
    return fig


def note_of(fig: Figure) -> str | None:
    """The note of a :func:`note_figure` (its text on one line), ``None`` for a real figure.

    Examples
    --------
    >>> note_of(note_figure("Scaling", "n_samples takes a single value in this run."))
    'n_samples takes a single value in this run.'
    >>> note_of(new_figure(2, 2)) is None
    True
    """
    if fig.get_label() != NOTE_LABEL:
        return None
    return " ".join(" ".join(t.get_text().split()) for ax in fig.axes for t in ax.texts)


def log_if_spread(values, decades: float = 2.0) -> bool:
    """Whether positive finite ``values`` span at least ``decades`` decades."""
    arr = np.asarray(values, dtype=float)
    arr = arr[np.isfinite(arr) & (arr > 0)]
    return arr.size > 1 and np.log10(arr.max() / arr.min()) >= decades
