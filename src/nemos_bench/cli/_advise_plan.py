"""The sweep ``nemos-bench advise --data`` runs: sized from measured costs to fit a budget.

The estimate of a plan is deliberately pessimistic: it assumes that every fit runs to
``maxiter``. A cell costs its compilations and its fits; a fit of ``maxiter`` iterations
costs ``EVALS_PER_ITERATION`` objective-and-gradient evaluations per iteration (the cost
of one is measured on the data), plus a Python round trip per iteration for the scipy
solvers, whose loop runs in Python. The cost terms are:

- ``start_s``: once, a worker process's start and its first compilation (the first fit
  measured in this process, which pays JAX's one-off warm-up, plus ``WORKER_START_S``);
- per cell: ``COMPILES_PER_CELL`` compilations (a fresh model's first fit measured on the
  data) and ``repeats + 3`` fits (the first fit, the repeats, the control run and a fresh
  fit that judges the repeats) plus the sampling time budget;
- per solver: its traced cell (the tightest tolerance) steps the solver once more, one
  dispatched call per iteration;
- an SVRG iteration is an epoch: two full evaluations and ``n_samples`` single-sample
  steps.

Reductions are tried in a fixed order until the estimate fits the budget (see
:func:`choose_plan`).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "COMPILES_PER_CELL",
    "DISPATCH_S",
    "EVALS_PER_ITERATION",
    "MAXITER_STEPS",
    "SVRG_STEP_S",
    "WORKER_START_S",
    "Costs",
    "Plan",
    "choose_plan",
    "minutes",
    "plan_seconds",
    "plan_sentences",
]

#: Objective-and-gradient evaluations per iteration (a line search tries about two steps).
EVALS_PER_ITERATION = 2
#: Seconds of one Python round trip: a scipy iteration's, or a traced step's dispatch.
DISPATCH_S = 2e-4
#: Compilations per cell, in units of the pilot's: the first fit's, the fresh models of the
#: control run and of the repeats' judge, and the trace's; and a quasi-Newton solver
#: compiles for 2-3 times longer than the pilot's gradient descent. Calibrated on a busy
#: 2-core machine (400 x 6 .npz and 1894 x 15 x 3 .nwb runs: 3.5 to 6.5 per cell).
COMPILES_PER_CELL = 5
#: Seconds of one single-sample step of an SVRG epoch, beside its full evaluations.
SVRG_STEP_S = 5e-6
#: Seconds a worker process takes to start, import JAX and NeMoS and check the machine,
#: beyond the pilot's first fit (5-10 s were measured on a busy 2-core machine).
WORKER_START_S = 6.0
#: The iteration caps tried, largest first (5000: ``run``'s default; 500: the quick suite's).
MAXITER_STEPS = (5000, 1000, 500, 200, 100)
#: Algorithms whose iteration is an epoch over the data: the first solvers left out.
_EPOCH_ALGOS = ("SVRG", "ProxSVRG")
#: Algorithms from most to least worth keeping in a small plan (see :func:`choose_plan`).
_KEEP_ORDER = (
    "LBFGS",
    "BFGS",
    "NewtonCG",
    "TrustNCG",
    "TrustKrylov",
    "NonlinearCG",
    "GradientDescent",
    "ProximalGradient",
    "SVRG",
    "ProxSVRG",
)


@dataclass(frozen=True)
class Costs:
    """What the pilot measured on the data.

    Attributes
    ----------
    evaluation_s : float
        One objective-and-gradient evaluation, inside a compiled loop.
    compile_s : float
        A fresh model's first fit of two iterations: its compilation, essentially.
    start_s : float
        The one-off start of the sweep (worker process, JAX's first compilation).
    n_samples : int
        Samples of the data (an SVRG epoch takes one step per sample).
    """

    evaluation_s: float
    compile_s: float
    start_s: float
    n_samples: int


@dataclass(frozen=True)
class Plan:
    """A sweep for ``advise --data`` and its estimated time.

    Attributes
    ----------
    solvers, tols, maxiter, repeats :
        What the sweep runs.
    seconds : float
        Estimated seconds of the sweep, every fit running to ``maxiter``.
    dropped : tuple of str
        Default solvers left out to fit the budget.
    reductions : tuple of str
        What was reduced to fit the budget, as phrases.
    fits : bool
        Whether ``seconds`` is within the budget.
    """

    solvers: tuple[str, ...]
    tols: tuple[float, ...]
    maxiter: int
    repeats: int
    seconds: float
    dropped: tuple[str, ...] = ()
    reductions: tuple[str, ...] = ()
    fits: bool = True


def _iteration_s(solver: str, costs: Costs) -> float:
    algo = solver.split("[", 1)[0]
    if algo in _EPOCH_ALGOS:
        return 2 * costs.evaluation_s + costs.n_samples * SVRG_STEP_S
    python_loop = DISPATCH_S if solver.endswith("[scipy]") else 0.0
    return EVALS_PER_ITERATION * costs.evaluation_s + python_loop


def _solver_seconds(solver, n_tols, maxiter, costs, repeats, time_budget) -> float:
    fit = maxiter * _iteration_s(solver, costs)
    cell = COMPILES_PER_CELL * costs.compile_s + (repeats + 3) * fit + time_budget
    trace = maxiter * (_iteration_s(solver, costs) + DISPATCH_S)
    return n_tols * cell + trace


def plan_seconds(solvers, tols, maxiter, costs, repeats=6, time_budget=0.1) -> float:
    """Estimated seconds of a sweep, every fit running to ``maxiter``.

    Examples
    --------
    >>> costs = Costs(evaluation_s=1e-5, compile_s=1.0, start_s=5.0, n_samples=400)
    >>> one = plan_seconds(["LBFGS"], [1e-8], 100, costs)
    >>> round(one, 3)  # start 5 + compiles 5 + 9 fits of 2 ms + budget 0.1 + trace 0.022
    10.14
    >>> plan_seconds(["LBFGS", "BFGS"], [1e-8], 100, costs) > one
    True
    """
    total = costs.start_s
    for solver in solvers:
        total += _solver_seconds(solver, len(tols), maxiter, costs, repeats, time_budget)
    return total


def _keep_rank(solvers, default):
    """Solvers from most to least worth keeping (see :func:`choose_plan`)."""
    seen, ranked = set(), []
    for index, solver in enumerate(solvers):
        algo = solver.split("[", 1)[0]
        order = _KEEP_ORDER.index(algo) if algo in _KEEP_ORDER else len(_KEEP_ORDER)
        ranked.append((solver != default, algo in seen, order, index, solver))
        seen.add(algo)
    return [solver for *_, solver in sorted(ranked)]


def choose_plan(solvers, default, costs, budget_s, ladders, repeats=6) -> Plan:
    """The largest plan whose estimate fits ``budget_s`` seconds.

    Starting from every solver of ``solvers``, the first tolerance ladder of ``ladders``
    and the largest of :data:`MAXITER_STEPS`, it reduces, in this order, until the
    estimate fits: the ladders but the last (fewer tolerances); ``maxiter`` down to 500
    (the quick suite's); the SVRG family (an iteration is an epoch over the data); the
    last ladder (one tolerance); solvers one at a time down to two, the least worth
    keeping first; ``maxiter`` down to 100. Kept longest: ``default`` (NeMoS's default
    solver for the model), then one solver of each algorithm before a second backend of
    any, quasi-Newton methods (which converge on ill-conditioned designs) before
    Newton-type, conjugate-gradient and first-order ones (:data:`_KEEP_ORDER`). When
    nothing fits, the smallest plan is returned with ``fits=False``.

    Examples
    --------
    >>> costs = Costs(evaluation_s=1e-5, compile_s=1.0, start_s=5.0, n_samples=400)
    >>> names = ["GradientDescent", "LBFGS", "SVRG", "LBFGS[scipy]"]
    >>> ladders = [(1e-4, 1e-6, 1e-8, 1e-10), (1e-4, 1e-10), (1e-8,)]
    >>> big = choose_plan(names, "GradientDescent", costs, 600, ladders)
    >>> big.solvers == tuple(names), big.tols, big.maxiter, big.reductions
    (True, (0.0001, 1e-06, 1e-08, 1e-10), 5000, ())
    >>> small = choose_plan(names, "GradientDescent", costs, 17, ladders)
    >>> small.solvers, small.tols, small.maxiter, small.dropped, small.fits
    (('GradientDescent', 'LBFGS'), (1e-08,), 500, ('SVRG', 'LBFGS[scipy]'), True)
    >>> choose_plan(names, "GradientDescent", costs, 1, ladders).fits
    False
    """
    solvers, ladders = list(solvers), list(ladders)

    def plan(keep, tols, maxiter):
        keep = [s for s in solvers if s in keep]  # in the run's order
        seconds = plan_seconds(keep, tols, maxiter, costs, repeats)
        dropped = tuple(s for s in solvers if s not in keep)
        return Plan(
            tuple(keep),
            tuple(tols),
            maxiter,
            repeats,
            seconds,
            dropped,
            _reductions(len(ladders[0]), tols, maxiter, dropped),
            seconds <= budget_s,
        )

    keep, tols, maxiter = list(solvers), ladders[0], MAXITER_STEPS[0]
    candidates = [plan(keep, tols, maxiter)]
    for tols in ladders[1:-1]:
        candidates.append(plan(keep, tols, maxiter))
    for maxiter in [m for m in MAXITER_STEPS[1:] if m >= 500]:
        candidates.append(plan(keep, tols, maxiter))
    keep = [s for s in keep if s.split("[", 1)[0] not in _EPOCH_ALGOS or s == default]
    candidates.append(plan(keep, tols, maxiter))
    tols = ladders[-1]
    candidates.append(plan(keep, tols, maxiter))
    keep = _keep_rank(keep, default)
    while len(keep) > 2:
        keep.pop()
        candidates.append(plan(keep, tols, maxiter))
    for maxiter in [m for m in MAXITER_STEPS if m < 500]:
        candidates.append(plan(keep, tols, maxiter))
    return next((c for c in candidates if c.fits), candidates[-1])


def _reductions(n_ladder, tols, maxiter, dropped) -> tuple[str, ...]:
    said = []
    if len(tols) < n_ladder:
        said.append(f"runs {len(tols)} of the {n_ladder} default tolerances")
    if maxiter < MAXITER_STEPS[0]:
        said.append(f"lowers maxiter from {MAXITER_STEPS[0]} to {maxiter}")
    if dropped:
        said.append(f"leaves out {', '.join(dropped)}")
    return tuple(said)


def minutes(seconds: float) -> str:
    """A duration as the plan states it: seconds below 90 s, else minutes.

    Examples
    --------
    >>> minutes(42.4), minutes(150)
    ('42 s', '2.5 min')
    """
    return f"{seconds:.0f} s" if seconds < 90 else f"{seconds / 60:.1f} min"


def plan_sentences(
    plan: Plan, budget_s: float, costs: Costs, problem: str, spent_s: float = 0.0
) -> list[str]:
    """The plan in sentences: what runs, the estimate, and what was reduced to fit.

    ``budget_s`` is the whole command's budget, of which the pilot spent ``spent_s``.

    Examples
    --------
    >>> costs = Costs(evaluation_s=1e-5, compile_s=1.0, start_s=5.0, n_samples=400)
    >>> plan = Plan(("LBFGS", "BFGS"), (1e-8,), 100, 6, 75.0, ("SVRG",), ("leaves out SVRG",))
    >>> first, second = plan_sentences(plan, 300, costs, "p", 8.0)
    >>> first.split("; ")[0]
    'Plan: 2 solvers x 1 tolerance (1e-08) = 2 cells on p, 6 repeats each, maxiter 100'
    >>> "estimated 83 s with the pilot's 8 s" in first, first.endswith("budget of 5 min.")
    (True, True)
    >>> second
    'To fit the budget it leaves out SVRG.'
    """
    tols = ", ".join(f"{t:g}" for t in plan.tols)
    n_cells = len(plan.solvers) * len(plan.tols)
    within = "within" if plan.fits else "over"
    lines = [
        f"Plan: {len(plan.solvers)} solver{'s' * (len(plan.solvers) != 1)} x "
        f"{len(plan.tols)} tolerance{'s' * (len(plan.tols) != 1)} ({tols}) = {n_cells} "
        f"cells on {problem}, {plan.repeats} repeats each, maxiter {plan.maxiter}; estimated "
        f"{minutes(plan.seconds + spent_s)} with the pilot's {spent_s:.0f} s, assuming every "
        f"fit runs to maxiter (one "
        f"objective-and-gradient evaluation measured {costs.evaluation_s * 1e6:.0f} us, one "
        f"compilation {costs.compile_s:.1f} s), {within} the budget of "
        f"{budget_s / 60:g} min."
    ]
    if plan.reductions:
        lines.append(f"To fit the budget it {_join(plan.reductions)}.")
    return lines


def _join(parts) -> str:
    parts = list(parts)
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
