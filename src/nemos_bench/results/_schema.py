"""Column names, types and units of the results tables: the single source of truth.

``summary.csv`` has one row per fit, i.e. per (problem, solver, tolerance) cell;
``trace.csv`` has one row per recorded iteration of a cell's trajectory. Times are
seconds of wall-clock time; objectives are the penalised objective NeMoS minimises
(the observation model's mean negative log-likelihood without constants such as log y!,
summed over outputs, plus the regularizer's penalty, e.g. 0.5·λ·‖coef‖² for Ridge),
recomputed by the harness in float64 NumPy.
"""

from __future__ import annotations

from ._column import Column

__all__ = [
    "CELL_KEY",
    "FITTED_STATUSES",
    "OUTCOMES",
    "STATUSES",
    "SUMMARY_COLUMNS",
    "TRACE_COLUMNS",
]

#: Possible values of ``summary.status``. ``recompiles``: a fit whose every steady-state call
#: compiled again (e.g. a solver whose ``run`` is not jitted); its ``fit_s`` is the honest
#: per-call time, compilation included, and ``compile_s`` the compilation inside each call.
STATUSES = ("ok", "failed", "diverged", "timeout", "skipped", "recompiles")

#: Statuses of rows that hold a measured fit (objective, fit_s, steps): ranked and plotted.
FITTED_STATUSES = ("ok", "recompiles")

#: Possible values of ``summary.outcome`` (how an ``ok`` fit stopped; empty for other rows):
#: the solver claims convergence; it stopped at ``maxiter`` without that claim; it stopped
#: for another reason without claiming convergence (e.g. a failed line search); it claims
#: convergence at a tol below the float64 floor, so it stopped at float64 precision (see
#: ``nemos_bench.measure._precision``).
OUTCOMES = ("converged", "max_steps", "not_converged", "float64_precision")

SUMMARY_COLUMNS: tuple[Column, ...] = (
    Column("problem_id", "str", "", "ProblemSpec.problem_id of the problem"),
    Column("n_samples", "int", "", "rows of the design matrix"),
    Column("n_features", "int", "", "columns of the design matrix"),
    Column("n_outputs", "int", "", "number of outputs (1: GLM, more: PopulationGLM)"),
    Column("regularizer", "str", "", "UnRegularized, Ridge, Lasso, GroupLasso or ElasticNet"),
    Column(
        "regularizer_strength",
        "float",
        "",
        "λ of the penalty, e.g. Ridge's 0.5·λ·‖coef‖² (ElasticNet: its strength)",
    ),
    Column("solver", "str", "", "registry name Algo[backend]"),
    Column("tol", "float", "", "tolerance passed to the solver (meaning differs by solver)"),
    Column("maxiter", "int", "iterations", "iteration cap passed to the solver"),
    Column("repeat", "int", "", "steady-state samples behind fit_s (same as n_repeats)"),
    Column("status", "str", "", "ok, recompiles, failed, diverged, timeout or skipped"),
    Column(
        "reason",
        "str",
        "",
        "one sentence explaining a status other than ok; on ok rows, notes (no trace, "
        "not deterministic)",
    ),
    Column(
        "compile_s",
        "float",
        "s",
        "first-call overhead: end_to_end_s - fit_s; on recompiles rows the median time each "
        "steady-state call spent compiling (JAX's compile events); empty for outside "
        "baselines (scikit-learn, glum), which compile nothing",
    ),
    Column(
        "fit_s",
        "float",
        "s",
        "median steady-state solver.run time, nothing compiled (recompiles rows: each call's "
        "compilation included, as a user pays it)",
    ),
    Column("fit_s_min", "float", "s", "fastest steady-state repeat"),
    Column("fit_s_max", "float", "s", "slowest steady-state repeat"),
    Column("end_to_end_s", "float", "s", "first model.fit as a user pays it, compile included"),
    Column("compiles_in_timed", "int", "", "XLA compilations seen inside the timed repeats"),
    Column("n_steps", "int", "iterations", "iterations the solver reports"),
    Column("nfev", "int", "", "objective evaluations, where the solver exposes them"),
    Column("njev", "int", "", "gradient evaluations, where the solver exposes them"),
    Column("nhev", "int", "", "Hessian(-vector) evaluations, where exposed"),
    Column("objective", "float", "", "objective at the returned parameters (harness)"),
    Column("reference_objective", "float", "", "certified optimum f* of the problem"),
    Column("suboptimality", "float", "", "objective - reference_objective"),
    Column("rel_suboptimality", "float", "", "suboptimality / max(1, |f*|)"),
    Column(
        "grad_norm",
        "float",
        "",
        "Euclidean norm of the objective's gradient (harness; for Lasso, GroupLasso and "
        "ElasticNet the proximal-gradient mapping θ − prox(θ − ∇f))",
    ),
    Column("converged", "bool", "", "the solver's own convergence claim"),
    Column("reached_max_steps", "bool", "", "the solver stopped at maxiter"),
    Column("trace_overhead", "float", "ratio", "traced fit time / fit_s (trace cells only)"),
    Column("trace_matches_run", "bool", "", "the traced iterates end where run ends"),
    Column(
        "condition_number",
        "float",
        "",
        "Hessian condition number at the optimum f* (largest over outputs)",
    ),
    Column(
        "design",
        "str",
        "",
        "design of the problem: gaussian or spike_history (simulated), npz or nwb (a user's "
        "data file)",
    ),
    Column(
        "mean_rate",
        "float",
        "spikes/bin",
        "mean count per bin over all bins and outputs (mean of y for non-count models)",
    ),
    Column(
        "n_repeats",
        "int",
        "",
        "steady-state samples behind fit_s (adaptive, see docs/methodology_timing.md)",
    ),
    Column(
        "fit_s_ci_low",
        "float",
        "s",
        "95% distribution-free interval of fit_s: low end (empty with fewer than 6 samples, "
        "e.g. on recompiles rows, which take 2)",
    ),
    Column("fit_s_ci_high", "float", "s", "95% distribution-free interval of fit_s: high end"),
    Column("fit_s_samples", "str", "s", "every steady-state sample, space-separated, in order"),
    Column(
        "outcome",
        "str",
        "",
        "ok fits: converged, max_steps, not_converged, or float64_precision (converged by "
        "the solver's test at a tol below the float64 floor eps·max(1,|f*|): stopped at "
        "float64 precision)",
    ),
    Column(
        "observation",
        "str",
        "",
        "NeMoS observation model: Poisson, Bernoulli, Gamma, Gaussian or NegativeBinomial",
    ),
    Column("host", "str", "", "host name of the process that ran the cell"),
    Column("cpu_model", "str", "", "CPU model of that host"),
    Column("threads", "str", "", "thread settings there: blas=N xla=eigen_off|default cpus=N"),
    Column("device", "str", "", "JAX platform the cell ran on: cpu, gpu or tpu"),
    Column("device_kind", "str", "", "JAX device kind, e.g. the GPU model"),
    Column("dtype", "str", "", "JAX dtype of the fit: float64, or float32 (solver@float32)"),
    Column(
        "repeats_differ",
        "int",
        "",
        "timed repeats that did not redo the first fit exactly (steps or parameters); "
        "above 0 on an ok row: not deterministic there (see reason)",
    ),
    Column(
        "timing_windows",
        "int",
        "",
        "windows of samples behind fit_s: 1, or up to --rounds when the run took rounds",
    ),
    Column(
        "compiles_per_call",
        "float",
        "",
        "XLA compilations per steady-state call (0 for an honest steady state; at least 1 on "
        "recompiles rows)",
    ),
    Column("fit_cpu_s", "float", "s", "median process CPU time of the steady-state calls"),
    Column(
        "fit_cpu_s_samples",
        "str",
        "s",
        "process CPU time of every steady-state sample, space-separated, in fit_s_samples' order",
    ),
    Column(
        "solver_kwargs",
        "str",
        "",
        "settings the solver was given besides tol and maxiter, canonical key=value,... in "
        "TOML (the braces of a label such as Newton[nemos]{autodiff=true}); empty when none",
    ),
    Column(
        "load_start",
        "float",
        "",
        "1-minute load average of the cell's machine when the cell started (runnable "
        "processes, this run's own included; compare with usable_cores)",
    ),
    Column(
        "load_end",
        "float",
        "",
        "1-minute load average when the cell ended (with --rounds above 1: when its first "
        "window of samples ended)",
    ),
    Column(
        "usable_cores",
        "int",
        "",
        "cores the cell's process could run on (CPU affinity) when it started; a change "
        "during the cell is noted in reason",
    ),
    Column(
        "tol_stops_on",
        "str",
        "",
        "what the solver's tol stops on (its convergence test), e.g. 'gradient norm: "
        "||grad f||_2 <= tol' or the optimistix step-and-f-change test; 'unknown' for a class "
        "that does not declare it (see nemos_bench.solvers.tol_stops_on)",
    ),
)

TRACE_COLUMNS: tuple[Column, ...] = (
    Column("problem_id", "str", "", "ProblemSpec.problem_id of the problem"),
    Column("solver", "str", "", "registry name Algo[backend]"),
    Column("tol", "float", "", "tolerance of the traced fit"),
    Column("iteration", "int", "iterations", "iteration index, 0 = starting point"),
    Column("time_s", "float", "s", "wall-clock time since the start of the traced fit"),
    Column("objective", "float", "", "objective at this iterate (harness)"),
    Column("suboptimality", "float", "", "objective - reference_objective"),
    Column(
        "grad_norm",
        "float",
        "",
        "Euclidean norm of the gradient at this iterate (proximal-gradient mapping for "
        "Lasso, GroupLasso and ElasticNet)",
    ),
)

#: Columns that identify one cell of a sweep.
CELL_KEY = ("problem_id", "solver", "tol")
