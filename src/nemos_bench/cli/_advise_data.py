"""``nemos-bench advise --data PATH``: a sweep sized to a budget on your data, then advice.

A pilot measures on the data what one objective-and-gradient evaluation and one
compilation cost (and certifies the optimum, which the run then reuses); the plan is the
largest that fits ``--budget`` (:mod:`nemos_bench.cli._advise_plan`); the sweep is an ordinary
``nemos-bench run --data`` into a normal run directory; the advice is ``advise RUN_DIR``'s.
"""

from __future__ import annotations

import time
import warnings

from rich.console import Console

from ._advise_args import DATA_OPTIONS, DEFAULT_BUDGET, check_advise_args
from ._errors import UsageError

__all__ = ["cmd_advise", "cmd_advise_data", "measure_costs"]


def cmd_advise(args, console: Console) -> int:
    """``nemos-bench advise``: a finished run's advice, or (``--data``) a sweep's first."""
    from ._advise import cmd_advise as advise_run

    check_advise_args(args)
    return cmd_advise_data(args, console) if args.data else advise_run(args, console)


def _run_argv(args, out, plan=None) -> list[str]:
    argv = ["run", "--data", args.data[0], "--no-report", "--out", str(out)]
    for flag, attr in DATA_OPTIONS[2:]:
        value = getattr(args, attr, None)
        if value is not None:
            argv += [flag, str(value)]
    if plan is not None:
        argv += ["--solvers", ",".join(plan.solvers), "--tol", ",".join(map(repr, plan.tols))]
        argv += ["--repeats", str(plan.repeats), "--maxiter", str(plan.maxiter)]
    return argv


def measure_costs(spec):
    """The pilot: certify the optimum (cached for the run), time an evaluation and a compile."""
    from ..measure import block, evaluation_cost, make_model
    from ..problems import load_problem, load_reference
    from ..solvers import initial_params
    from ._advise_plan import WORKER_START_S, Costs

    problem = load_problem(spec)
    try:
        load_reference(spec)
    except Exception:  # noqa: BLE001 - no certified optimum: the run's rows say why
        pass
    fits = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # two iterations do not converge: that is the point
        for _ in range(2):  # the first pays JAX's one-off warm-up, the second a compilation
            model = make_model(spec, "GradientDescent", 1e-8, 2)
            start = time.perf_counter()
            model.fit(problem.X, problem.y)
            block((model.coef_, model.intercept_))
            fits.append(time.perf_counter() - start)
        params = initial_params(model, problem.X, problem.y)
        cost = evaluation_cost(("advise", spec), model, params, problem.X, problem.y)
    return Costs(cost.evaluation_s, fits[1], fits[0] + WORKER_START_S, spec.n_samples)


def cmd_advise_data(args, console: Console) -> int:
    """Plan a sweep on ``--data`` within ``--budget``, run it, then print the advice."""
    from ..solvers import available_solvers, nemos_default_solver, solver_allows
    from ..sweep import DEFAULT_TOLS, SUITE_TOLS
    from ._advise import print_advice
    from ._advise_plan import choose_plan, minutes, plan_sentences
    from ._data import DATA_SUITE, data_problems
    from ._parser import build_parser
    from ._run import _default_out, cmd_run

    began = time.perf_counter()
    budget_s = 60 * (DEFAULT_BUDGET if args.budget is None else args.budget)
    out = args.out or str(_default_out(DATA_SUITE))
    parser = build_parser()
    run_args = parser.parse_args(_run_argv(args, out))
    (spec,) = data_problems(run_args)  # bad data: run --data's sentence, nothing written
    solvers = [s for s in available_solvers() if solver_allows(s, spec.regularizer)]
    default = nemos_default_solver(spec.observation, spec.regularizer, spec.n_outputs)
    costs = measure_costs(spec)
    pilot_s = time.perf_counter() - began
    ladders = (DEFAULT_TOLS, SUITE_TOLS["quick"], (1e-8,))
    plan = choose_plan(solvers, default, costs, budget_s - pilot_s, ladders)
    estimate = pilot_s + plan.seconds
    if not plan.fits:
        raise UsageError(
            f"--data {args.data[0]}: even the smallest sweep ({len(plan.solvers)} solver"
            f"{'s' * (len(plan.solvers) != 1)}, tol "
            f"{plan.tols[0]:g}, maxiter {plan.maxiter}) is estimated at "
            f"{minutes(estimate)}, over the budget of {budget_s / 60:g} min; give --budget "
            f"{-(-estimate // 60):.0f} or more."
        )

    def say(text: str = "") -> None:
        console.print(text, markup=False, highlight=False, soft_wrap=True)

    for line in plan_sentences(plan, budget_s, costs, spec.problem_id, pilot_s):
        say(line)
    say(f"The run directory is {out}.")
    run_argv = _run_argv(args, out, plan)
    run_args = parser.parse_args(run_argv)
    run_args.argv = run_argv  # Ctrl-C's resume command: this very run
    code = cmd_run(run_args, console)
    took = time.perf_counter() - began
    say(
        f"The sweep and its pilot took {minutes(took)} in all, against an estimate of "
        f"{minutes(estimate)} (budget {budget_s / 60:g} min)."
    )
    say()
    print_advice(out, args.epsilon, console)
    return code
