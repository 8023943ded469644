"""Shared look of the figures: solver colours, suboptimality floor, figure helpers."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterable

import numpy as np
from matplotlib import colormaps
from matplotlib.colors import to_hex
from matplotlib.figure import Figure

from ._config import ReportError

__all__ = [
    "SUBOPT_FLOOR",
    "clip_suboptimality",
    "default_lbfgs",
    "footnote",
    "note_figure",
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


def solver_colors(solvers: Iterable[str]) -> dict[str, str]:
    """A stable solver → colour map: colours assigned in sorted order of the names.

    ``tab10`` for up to 10 solvers; beyond, ``tab20``'s dark shades, then its light shades,
    then ``tab20b`` (so neighbours in sorted order never share a hue), cycling if needed.

    Examples
    --------
    >>> solver_colors(["b", "a"])
    {'a': '#1f77b4', 'b': '#ff7f0e'}
    """
    names = sorted(set(solvers))
    if len(names) <= 10:
        palette = list(colormaps["tab10"].colors)
    else:
        tab20 = list(colormaps["tab20"].colors)
        palette = tab20[0::2] + tab20[1::2] + list(colormaps["tab20b"].colors)
    return {name: to_hex(palette[i % len(palette)]) for i, name in enumerate(names)}


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


def note_figure(title: str, note: str, width: float = 9.0, height: float = 2.2) -> Figure:
    """A figure that only says why there is nothing to plot."""
    fig = new_figure(width, height)
    fig.suptitle(wrap_title(title, 110), fontsize=10)
    ax = fig.add_subplot()
    ax.set_axis_off()
    ax.text(0.5, 0.5, "\n".join(textwrap.wrap(note, 90)), ha="center", va="center", fontsize=10)
    return fig


def log_if_spread(values, decades: float = 2.0) -> bool:
    """Whether positive finite ``values`` span at least ``decades`` decades."""
    arr = np.asarray(values, dtype=float)
    arr = arr[np.isfinite(arr) & (arr > 0)]
    return arr.size > 1 and np.log10(arr.max() / arr.min()) >= decades
