"""``nemos-bench list``: each suite's problems with their condition numbers and reference status.

Condition numbers come with the certified reference optimum (see
:func:`nemos_bench.problems.reference_solution`). References already in the cache are read;
missing ones are computed on request (with a progress bar weighted by each problem's Newton
work, so the ETA is honest for suites of growing size) and cached for every later command.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from ..problems import (
    ProblemSpec,
    ReferenceSolutionError,
    default_cache_dir,
    is_reference_cached,
    load_reference,
    reference_cost,
)

__all__ = [
    "ProblemStatus",
    "condition_span",
    "print_problems",
    "problem_statuses",
    "statuses_with_progress",
]


@dataclass(frozen=True)
class ProblemStatus:
    """What ``list`` knows about one problem.

    Attributes
    ----------
    spec : ProblemSpec
        The problem.
    condition_number : float
        Hessian condition number at f* (NaN when its reference is not available).
    note : str
        ``"cached"``, ``"computed in 1.2 s"``, ``"not cached"`` or why there is no reference.
    """

    spec: ProblemSpec
    condition_number: float
    note: str


def problem_statuses(
    specs: Sequence[ProblemSpec],
    compute: bool,
    on_start: Callable[[list[ProblemSpec]], None] | None = None,
    on_done: Callable[[ProblemSpec, float], None] | None = None,
    cache_dir=None,
    on_step: Callable[[ProblemSpec, str], None] | None = None,
) -> list[ProblemStatus]:
    """Status of each spec: read from the cache, or (with ``compute``) computed and cached.

    Parameters
    ----------
    specs :
        The problems.
    compute :
        Compute the references that are not cached yet (they are cached afterwards).
    on_start :
        Called once with the specs about to be computed (before any is).
    on_done :
        Called after each computed spec with its :func:`reference_cost` (progress weight).
    cache_dir :
        Cache root, as for :func:`~nemos_bench.problems.load_reference` (default cache).
    on_step :
        Called with a spec being computed and a description of each of its steps (data,
        each output's certification).

    Returns
    -------
    list of ProblemStatus
        In the order of ``specs``.

    Examples
    --------
    >>> import tempfile
    >>> spec = ProblemSpec(n_samples=300, n_features=2)
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     before = problem_statuses([spec], compute=False, cache_dir=tmp)[0].note
    ...     during = problem_statuses([spec], compute=True, cache_dir=tmp)[0].note
    ...     after = problem_statuses([spec], compute=False, cache_dir=tmp)[0].note
    >>> before, during.startswith("computed in"), after
    ('not cached', True, 'cached')
    """
    cached = {spec: is_reference_cached(spec, cache_dir) for spec in specs}
    todo = [spec for spec in dict.fromkeys(specs) if compute and not cached[spec]]
    if todo and on_start is not None:
        on_start(todo)
    known: dict[ProblemSpec, ProblemStatus] = {}
    for spec in dict.fromkeys(specs):
        if not cached[spec] and spec not in todo:
            known[spec] = ProblemStatus(spec, math.nan, "not cached")
            continue
        start = time.perf_counter()
        try:
            step = None if on_step is None else (lambda text, spec=spec: on_step(spec, text))
            cond = load_reference(spec, cache_dir, step).condition_number
        except ReferenceSolutionError as err:
            known[spec] = ProblemStatus(spec, math.nan, f"no certified optimum: {err}")
        else:
            seconds = time.perf_counter() - start
            note = "cached" if cached[spec] else f"computed in {seconds:.3g} s"
            known[spec] = ProblemStatus(spec, float(cond), note)
        if spec in todo and on_done is not None:
            on_done(spec, reference_cost(spec))
    return [known[spec] for spec in specs]


def condition_span(statuses: Sequence[ProblemStatus]) -> str | None:
    """One sentence on the range of the known condition numbers, or ``None`` if none is known.

    Examples
    --------
    >>> spec = ProblemSpec(100, 2)
    >>> condition_span([ProblemStatus(spec, 4.0, "cached"), ProblemStatus(spec, 4e6, "cached")])
    'condition numbers span 4 to 4e+06 (6 decades) over 2 of 2 problems'
    """
    values = np.array([s.condition_number for s in statuses], dtype=float)
    values = values[np.isfinite(values)]
    if values.size == 0:
        return None
    low, high = float(values.min()), float(values.max())
    decades = math.log10(high / low) if low > 0 else math.inf
    return (
        f"condition numbers span {low:.3g} to {high:.3g} ({decades:.2g} decades) over "
        f"{values.size} of {len(statuses)} problems"
    )


def print_problems(console: Console, suites: dict[str, Sequence[ProblemSpec]], compute: bool):
    """Print each suite's problems with condition number and reference status.

    With ``compute``, references that are not cached are computed first (progress bar with
    an ETA weighted by each problem's Newton work; the total time is printed), then cached.
    """
    table = Table(title="Suites and problems")
    table.add_column("suite")
    table.add_column("problem_id", overflow="fold")
    table.add_column("condition number", justify="right")
    table.add_column("reference optimum", overflow="fold")
    spans, missing = [], {}
    for name, specs in suites.items():
        statuses = statuses_with_progress(specs, compute, console)
        missing[name] = sum(status.note == "not cached" for status in statuses)
        for index, status in enumerate(statuses):
            cond = status.condition_number
            table.add_row(
                name if index == 0 else "",
                escape(status.spec.problem_id),
                f"{cond:.3g}" if cond == cond else "-",
                escape(status.note),
            )
        span = condition_span(statuses)
        spans.append(f"{name}: {span}" if span else f"{name}: no condition number known yet")
    console.print(table)
    for line in spans:
        console.print(line, markup=False, highlight=False)
    if not compute:
        console.print(_cache_hint(missing), markup=False, highlight=False)


def statuses_with_progress(specs, compute: bool, console: Console) -> list[ProblemStatus]:
    """``problem_statuses`` with a progress bar (weighted by Newton work) while computing.

    The bar names the problem being computed (``i of N``), its current step (generating
    the data, certifying output ``j`` of ``k``) and the elapsed time. ``nemos-bench run``
    shows the same bar while it computes the references its problems lack.
    """
    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    )
    task, started, count = None, 0.0, 0

    def on_start(todo):
        nonlocal task, started, count
        console.print(
            f"Computing {_optima(len(todo))} that are not cached yet (each is cached "
            "for later runs); Ctrl-C keeps the ones done.",
            markup=False,
            highlight=False,
        )
        task = progress.add_task("references", total=sum(reference_cost(s) for s in todo))
        started, count = time.perf_counter(), len(todo)
        progress.start()

    order: dict[ProblemSpec, int] = {}

    def on_step(spec, text):
        index = order.setdefault(spec, len(order) + 1)
        where = f"reference {index} of {count}: {spec.problem_id}: {text}"
        progress.update(task, description=escape(where))

    def on_done(spec, cost):
        progress.update(task, advance=cost)

    try:
        statuses = problem_statuses(
            specs, compute, on_start=on_start, on_done=on_done, on_step=on_step
        )
    finally:
        if progress.live.is_started:
            progress.stop()
    if task is not None:
        seconds = time.perf_counter() - started
        console.print(
            f"Computed {_optima(count)} in {seconds:.3g} s.", markup=False, highlight=False
        )
    return statuses


def _optima(count: int) -> str:
    return f"{count} reference {'optimum' if count == 1 else 'optima'}"


def _cache_hint(missing: dict[str, int]) -> str:
    """Where references come from, and the commands that compute the missing ones.

    Examples
    --------
    >>> _cache_hint({"quick": 0, "standard": 3}).split("; ")[1]
    '`nemos-bench list --suite standard` computes the 3 missing (large suites take hours).'
    """
    where = f"References are read from the cache ({default_cache_dir()})"
    todo = [(name, count) for name, count in missing.items() if count]
    if not todo:
        return f"{where}; every one listed is cached."
    commands = ", ".join(
        f"`nemos-bench list --suite {name}` computes the {n} missing" for name, n in todo
    )
    return f"{where}; {commands} (large suites take hours)."
