"""The report's Warnings: what a reader must not overlook, grouped, with the detail folded.

Each kind of warning is a heading, then one folded ``<details>`` per solver (and status or
outcome) whose summary line says how many cells on how many problems; the rows are inside.
:func:`warning_headlines` gives the same kinds as short phrases for the page's first lines.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pandas as pd

from nemos_bench.results import (
    FITTED_STATUSES,
    busy_machine_sentence,
    mixed_machines_sentence,
    recompile_warnings,
)

from ._html import esc, fmt, table
from ._rounding import suboptimality_text
from ._uncertainty import warnings_tables

__all__ = ["NO_FIT_STATUSES", "warning_headlines", "warnings_section"]

#: Statuses of cells that ran and produced no fit (skips are not warnings: the solver
#: cannot run that problem, and the Failures section lists them with their reasons).
NO_FIT_STATUSES = ("timeout", "failed", "diverged")

_KEY = ["problem", "solver", "tol"]
_NO_WARNINGS = (
    '<p class="empty">No warnings: every cell that ran has a fit (none failed, diverged or '
    "timed out), every ok fit converged, every timed repeat redid its first fit exactly and "
    "none compiled, and every trace asked for was recorded.</p>"
)


@dataclass(frozen=True)
class _Warning:
    """One kind of warning: its short phrase for the page's top and its HTML."""

    headline: str
    html: str


def planned_cells(meta: dict) -> int | None:
    """Number of cells the run planned (``meta.json``'s ``config.n_cells``), if recorded."""
    config = meta.get("config") if isinstance(meta, dict) else None
    value = config.get("n_cells") if isinstance(config, dict) else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _ok_word(rows: pd.DataFrame) -> str:
    """``"ok "`` when every row has status ok, else ``""`` (some are ``recompiles``)."""
    return "ok " if (rows["status"] == "ok").all() else ""


def _folded(
    frame: pd.DataFrame,
    by: Sequence[str],
    header: Sequence[str],
    row: Callable,
    numeric: Sequence[int] = (),
    wide: Sequence[int] = (),
    noun: str = "cell",
) -> str:
    """One ``<details>`` per group of ``frame`` by ``by``, "A — what: N cells on K problems"."""
    parts = []
    for key, group in frame.groupby(list(by), sort=True, dropna=False):
        key = key if isinstance(key, tuple) else (key,)
        label = " — ".join(str(k) for k in key)
        n, problems = len(group), group["problem_id"].nunique()
        label += f": {n} {noun}{'s' if n != 1 else ''} on {problems} problem"
        label += "s" if problems != 1 else ""
        rows = [row(r) for r in group.sort_values(["problem_id", "tol"]).itertuples(index=False)]
        inner = table(header, rows, numeric=numeric, ids=(0,), wide=wide)
        parts.append(f"<details><summary>{esc(label)}</summary>{inner}</details>")
    return "".join(parts)


def _no_fit(summary: pd.DataFrame) -> _Warning | None:
    bad = summary[summary["status"].isin(NO_FIT_STATUSES)].copy()
    if bad.empty:
        return None
    counts = bad["status"].value_counts()
    words = {"timeout": "timed out", "failed": "failed", "diverged": "diverged"}
    said = ", ".join(f"{counts[s]} {words[s]}" for s in NO_FIT_STATUSES if s in counts)
    head = f"{len(bad)} cell{'s' if len(bad) != 1 else ''} without a fit ({said})"
    bad["reason"] = bad["reason"].fillna("").astype(str).replace("", "(no reason recorded)")
    html = (
        f"<h3>{esc(head)}</h3><p>These cells ran and produced no fit; they are missing "
        "from every table and figure below.</p>"
        + _folded(
            bad,
            ["solver", "status"],
            ["problem", "tol", "reason"],
            lambda r: [r.problem_id, fmt(r.tol), r.reason],
            numeric=(1,),
            wide=(2,),
        )
    )
    return _Warning(head, html)


def _fitted_kinds(summary: pd.DataFrame) -> list[_Warning]:
    kinds = warnings_tables(summary)
    found = []
    not_conv = kinds["not_converged"]
    if len(not_conv):
        head = f"{len(not_conv)} {_ok_word(not_conv)}fit(s) did not converge"
        html = (
            f"<h3>{head}</h3><p>Status ok (or recompiles) means the fit returned finite "
            "parameters; these stopped at maxiter (max_steps) or without claiming convergence "
            "(not_converged). Their points are drawn with distinct markers in the figures.</p>"
        ) + _folded(
            not_conv,
            ["solver", "outcome"],
            ["problem", "tol", "n_steps", "maxiter", "suboptimality"],
            lambda r: [r.problem_id, fmt(r.tol), fmt(r.n_steps), fmt(r.maxiter),
                       suboptimality_text(r.suboptimality, r.reference_objective)],
            numeric=(1, 2, 3, 4),
            noun="fit",
        )  # fmt: skip
        found.append(_Warning(head, html))
    compiles = kinds["compiles"]
    if len(compiles):
        head = f"{len(compiles)} fit(s) compiled inside the timed repeats"
        html = (
            f"<h3>{head}</h3><p>Their fit_s may include XLA compilation "
            "(compiles_in_timed &gt; 0).</p>"
        ) + _folded(
            compiles,
            ["solver"],
            ["problem", "tol", "compiles_in_timed", "fit_s"],
            lambda r: [r.problem_id, fmt(r.tol), fmt(r.compiles_in_timed), fmt(r.fit_s, " s")],
            numeric=(1, 2, 3),
            noun="fit",
        )
        found.append(_Warning(head, html))
    recompiling = kinds["recompiles"]
    if len(recompiling):
        head = f"{len(recompiling)} fit(s) of solvers that compile on every run"
        sentences = "".join(f"<p>{esc(line)}</p>" for line in recompile_warnings(summary))
        html = (
            f"<h3>{head}</h3>{sentences}<p>Every steady-state call of these solvers compiled "
            "again (status recompiles): their fit_s is what each call costs a user, "
            "compilation included, and compile_s the compilation inside each call. They are "
            "ranked and drawn like the other fits.</p>"
        ) + _folded(
            recompiling,
            ["solver"],
            ["problem", "tol", "compiles_per_call", "compile_s", "fit_s"],
            lambda r: [r.problem_id, fmt(r.tol), fmt(r.compiles_per_call),
                       fmt(r.compile_s, " s"), fmt(r.fit_s, " s")],
            numeric=(1, 2, 3, 4),
            noun="fit",
        )  # fmt: skip
        found.append(_Warning(head, html))
    differ = kinds["not_deterministic"]
    if len(differ):
        head = f"{len(differ)} fit(s) whose repeats were not all identical"
        html = (
            f"<h3>{head}</h3><p>Their timed repeats did not all redo the first fit exactly "
            "(steps or parameters), yet the solver does not keep state between calls (some "
            "repeats, or fresh instances, differ too): it is not deterministic there, and "
            "fit_s is the median over fits that may differ in length.</p>"
        ) + _folded(
            differ,
            ["solver"],
            ["problem", "tol", "repeats differing", "note"],
            lambda r: [r.problem_id, fmt(r.tol),
                       f"{fmt(r.repeats_differ)} of {fmt(r.n_repeats)}", r.reason],
            numeric=(1,),
            wide=(3,),
            noun="fit",
        )  # fmt: skip
        found.append(_Warning(head, html))
    for name, title in (
        ("no_trace", "traced fit(s) without a trajectory"),
        ("trace_mismatch", "trace(s) that do not end where the timed run ends"),
    ):
        frame = kinds[name]
        if len(frame):
            head = f"{len(frame)} {title}"
            with_reason = name == "no_trace"
            html = f"<h3>{head}</h3>" + _folded(
                frame,
                ["solver"],
                ["problem", "tol", *(["reason"] if with_reason else [])],
                lambda r, w=with_reason: [r.problem_id, fmt(r.tol), *([r.reason] if w else [])],
                numeric=(1,),
                wide=(2,),
                noun="fit",
            )
            found.append(_Warning(head, html))
    return found


def _warnings(summary: pd.DataFrame, meta: dict) -> list[_Warning]:
    found = []
    busy = busy_machine_sentence(summary, meta)  # first: it bears on every time reported
    if busy:
        found.append(_Warning("a busy machine", f'<p class="bad">{esc(busy)}</p>'))
    planned = planned_cells(meta)
    if planned is not None and len(summary) < planned:
        found.append(
            _Warning(
                f"a partial run ({len(summary)} of {planned} planned cells)",
                f'<p class="bad">Partial run: it holds {len(summary)} of {planned} planned '
                "cells (interrupted, or still running); rerun the same command with the same "
                "--out to finish it. Every table and figure covers the cells present only.</p>",
            )
        )
    mixed = mixed_machines_sentence(summary)
    if mixed:
        found.append(_Warning("times from several machines", f'<p class="bad">{esc(mixed)}</p>'))
    no_fit = _no_fit(summary)
    if no_fit is not None:
        found.append(no_fit)
    if summary["status"].isin(FITTED_STATUSES).any():
        found += _fitted_kinds(summary)
    return found


def warnings_section(summary: pd.DataFrame, meta: dict) -> str:
    """What a reader must not overlook, as HTML.

    A busy machine, a partial run, times from several machines, cells without a fit
    (timed out, failed, diverged: with their reasons), fits that did not converge, timed
    repeats that compiled, solvers that compile on every call (status ``recompiles``: their
    sentence, not a broken measurement), repeats that differed, traces that could not be
    recorded. Each kind is grouped by solver (and status or outcome), the rows folded.
    """
    found = _warnings(summary, meta)
    return "".join(w.html for w in found) if found else _NO_WARNINGS


def warning_headlines(summary: pd.DataFrame, meta: dict) -> list[str]:
    """The kinds of :func:`warnings_section`, as short phrases (none when it has none).

    Examples
    --------
    >>> rows = pd.DataFrame({"problem_id": ["p", "q"], "solver": "A", "tol": 1e-8,
    ...     "status": ["timeout", "skipped"], "reason": ["Timed out after 60 s.", "Lasso."]})
    >>> warning_headlines(rows, {})
    ['1 cell without a fit (1 timed out)']
    >>> warning_headlines(rows.iloc[1:], {})
    []
    """
    return [w.headline for w in _warnings(summary, meta)]
