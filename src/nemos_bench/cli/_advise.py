"""``nemos-bench advise RUN_DIR``: the recommendation of a run, in sentences."""

from __future__ import annotations

from rich.console import Console

from ._errors import EXIT_OK

__all__ = ["cmd_advise", "print_advice", "run_defaults", "workload_defaults"]


def run_defaults(summary) -> tuple[dict[str, str], str]:
    """NeMoS's default solver of each problem's model, and which NeMoS said so.

    Returns ``({problem_id: label}, version)``; a problem whose model the installed NeMoS
    cannot build is left out.
    """
    import nemos

    from ..solvers import nemos_default_solver

    defaults = {}
    columns = ["problem_id", "observation", "regularizer", "n_outputs"]
    for problem, observation, regularizer, n_outputs in (
        summary.reindex(columns=columns).drop_duplicates("problem_id").itertuples(index=False)
    ):
        label = nemos_default_solver(
            str(observation) if isinstance(observation, str) else "Poisson",
            str(regularizer),
            int(n_outputs),
        )
        if label:
            defaults[problem] = label
    return defaults, nemos.__version__


def workload_defaults(summary, workloads) -> dict[str, str]:
    """NeMoS's default solver of each problem's workload model (the workload's regularizer).

    A workload of an UnRegularized problem fits Ridge, so its default is Ridge's.
    """
    from ..solvers import nemos_default_solver

    if workloads is None or workloads.empty:
        return {}
    models = summary.drop_duplicates("problem_id").set_index("problem_id")
    defaults = {}
    for problem, regularizers in workloads.groupby("problem_id")["regularizer"]:
        used = set(regularizers.dropna())
        if problem not in models.index or len(used) != 1:
            continue
        model = models.loc[problem]
        observation, n_outputs = model.get("observation"), model.get("n_outputs")
        label = nemos_default_solver(
            str(observation) if isinstance(observation, str) else "Poisson",
            used.pop(),
            int(n_outputs) if n_outputs == n_outputs and n_outputs is not None else 1,
        )
        if label:
            defaults[problem] = label
    return defaults


def cmd_advise(args, console: Console) -> int:
    """Print each problem's advice, then what the advice covers."""
    print_advice(args.run_dir, args.epsilon, console)
    return EXIT_OK


def print_advice(run_dir, epsilon: float | None, console: Console) -> None:
    """Print each problem's advice of ``run_dir``, then what the advice covers."""
    from ..report import DEFAULT_EPSILON, advise, load_run, scope_sentence, workload_advice
    from ..results import read_workloads

    summary, _, meta = load_run(run_dir)
    epsilon = DEFAULT_EPSILON if epsilon is None else epsilon
    defaults, version = run_defaults(summary)

    def say(text: str = "") -> None:
        console.print(text, markup=False, highlight=False, soft_wrap=True)

    for advice in advise(summary, epsilon, defaults):
        for sentence in advice.sentences:
            say(sentence)
        say()
    workloads = read_workloads(run_dir)
    for _, _, sentences in workload_advice(workloads, workload_defaults(summary, workloads)):
        for sentence in sentences:
            say(sentence)
        say()
    ran = (meta.get("versions") or {}).get("nemos")
    if ran and ran != version:
        say(
            f"NeMoS's defaults above are those of the installed nemos {version}; the run "
            f"used nemos {ran}, whose defaults may differ."
        )
    say(scope_sentence(summary, meta))
