"""What defines a sweep: :class:`SweepConfig`, its :class:`Cell`, their checks, suite defaults."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from ..measure import CellSettings
from ..problems import ProblemSpec
from ._errors import ConfigError

__all__ = [
    "Cell",
    "DEFAULT_TOLS",
    "DTYPES",
    "MATRIX_SUITES",
    "SUITE_EXCLUDED_ALGOS",
    "SUITE_MAXITER",
    "SUITE_TOLS",
    "SweepConfig",
    "default_maxiter",
    "default_tols",
    "excluded_by_suite",
    "suite_and_problems",
]

#: Default tolerance ladder.
DEFAULT_TOLS: tuple[float, ...] = (1e-4, 1e-6, 1e-8, 1e-10)
#: Suites with their own default ladder: ``quick`` keeps two rungs so that the whole
#: harness (every native and scipy solver, each cell paying its JIT compile) stays
#: within 90 s on 2 cores; ``models`` (every solver on 20 problems) keeps the same two.
SUITE_TOLS: dict[str, tuple[float, ...]] = {"quick": (1e-4, 1e-10), "models": (1e-4, 1e-10)}
#: Suites with their own default iteration cap (others: ``CellSettings.maxiter``, 5000).
#: On ``quick``'s ill-conditioned problems the first-order solvers use every iteration
#: they are given, each traced iteration is one dispatched update, and every cell runs its
#: fit at least 8 times (first fit, >= 6 timed samples, a control run): 500 keeps those
#: cells at about a second and still separates solvers.
SUITE_MAXITER: dict[str, int] = {"quick": 500}
#: Algorithms a suite leaves out of its default solver set (naming them in ``solvers``
#: still runs them). NeMoS's SVRG iteration is an epoch of n single-sample steps and it
#: stops on the per-epoch parameter change, which on an ill-conditioned problem never gets
#: small: each ``quick`` fit would run every epoch, 7-45 s per fit (measured), i.e. minutes
#: per cell, against a 90 s budget for the whole suite.
SUITE_EXCLUDED_ALGOS: dict[str, tuple[str, ...]] = {"quick": ("SVRG", "ProxSVRG")}
#: Suites whose default solver set is every NeMoS and scipy solver plus the outside
#: baselines (scikit-learn, glum), each planned on every problem: a solver that cannot run
#: a problem gets a ``skipped`` row with the reason, so the report's model x regularizer x
#: solver matrix is complete. Elsewhere the baselines run only when named in ``solvers``.
MATRIX_SUITES: tuple[str, ...] = ("models",)


def suite_and_problems(cli: dict, suite: str, n: int) -> str:
    """The sentence refusing a sweep given both a suite and ``n`` problems of its own.

    ``cli`` holds the command line's values (``suite``, ``problems``): the others came from
    the sweep file.

    Examples
    --------
    >>> suite_and_problems({"suite": "quick"}, "quick", 2)[:58]
    "--suite quick and the sweep file's 2 [[problems]] table(s)"
    """
    tables = f"{n} [[problems]] table(s)"
    cli_suite, cli_problems = cli.get("suite") is not None, cli.get("problems") is not None
    if cli_suite and cli_problems:
        both = f"--suite {suite} and --problems both choose the problems"
    elif cli_suite:
        both = f"--suite {suite} and the sweep file's {tables} both choose the problems"
    elif cli_problems:
        both = f"--problems and the sweep file's suite = {suite!r} both choose the problems"
    else:
        both = f"The sweep file gives both suite = {suite!r} and {tables}"
    return f"{both}; a sweep runs a suite's problems or its own, not both, so drop one of them."


def excluded_by_suite(config: SweepConfig, solver: str) -> bool:
    """Whether ``solver`` is left out of ``config``'s default solver set by its suite.

    Examples
    --------
    >>> from nemos_bench.problems import get_suite
    >>> config = SweepConfig(suite="quick", problems=get_suite("quick"))
    >>> excluded_by_suite(config, "SVRG[nemos]"), excluded_by_suite(config, "LBFGS[scipy]")
    (True, False)
    """
    algo = solver.split("[", 1)[0]
    return config.solvers is None and algo in SUITE_EXCLUDED_ALGOS.get(config.suite, ())


def default_tols(suite: str) -> tuple[float, ...]:
    """Default tolerance ladder of ``suite``.

    Examples
    --------
    >>> default_tols("quick"), default_tols("standard")
    ((0.0001, 1e-10), (0.0001, 1e-06, 1e-08, 1e-10))
    """
    return SUITE_TOLS.get(suite, DEFAULT_TOLS)


def default_maxiter(suite: str) -> int:
    """Default iteration cap of ``suite``.

    Examples
    --------
    >>> default_maxiter("quick"), default_maxiter("standard")
    (500, 5000)
    """
    return SUITE_MAXITER.get(suite, CellSettings().maxiter)


@dataclass(frozen=True)
class SweepConfig:
    """Everything that defines a sweep (and whether a run directory can be resumed).

    Attributes
    ----------
    suite : str
        Name of the suite the problems come from (or ``"custom"``).
    problems : tuple of ProblemSpec
        Problems to run.
    solvers : tuple of str or None
        Solver labels: registry names, each optionally with settings passed to NeMoS as
        ``solver_kwargs``, ``Algo[backend]{key=value,...}`` (see
        :func:`~nemos_bench.solvers.parse_solver_label`; a sweep file's ``[solver_kwargs]``
        table adds them); ``None`` means every solver available, found at run time.
    tols : tuple of float
        Tolerance ladder; the tightest tolerance's cell of each (problem, solver) is traced.
    settings : CellSettings
        Iteration cap, repeats, trace length.
    solver_classes : tuple of str
        ``package.module:ClassName`` user solvers to load, validate and add.
    timeout : float or None
        Per-cell time limit in seconds; it needs isolation, so setting it implies
        ``isolate=True``.
    isolate : bool or None
        Run each cell in a worker process (see :class:`IsolatedExecutor`) so that a crash,
        a hang or a runaway allocation of one solver becomes that cell's row instead of
        ending the sweep. ``None`` (default): isolated exactly when a ``timeout`` is set,
        or the cells run on Dask (``workers``, ``scheduler``) or in float32.
    dtypes : tuple of str
        JAX dtypes to run every cell in (:data:`DTYPES`); float32 cells are labelled
        ``solver@float32`` (see :class:`Cell`) and need worker processes.
    workers : int or None
        Run the cells on a ``distributed.LocalCluster`` of this many worker processes
        (see :class:`DaskExecutor`).
    scheduler : str or None
        Run the cells on the Dask cluster of this scheduler address.
    threads : int or None
        BLAS/XLA threads per worker process; ``None``: 1 when several workers share a
        machine, else inherited.
    """

    suite: str
    problems: tuple[ProblemSpec, ...]
    solvers: tuple[str, ...] | None = None
    tols: tuple[float, ...] = DEFAULT_TOLS
    settings: CellSettings = field(default_factory=CellSettings)
    solver_classes: tuple[str, ...] = ()
    timeout: float | None = None
    isolate: bool | None = None
    dtypes: tuple[str, ...] = ("float64",)
    workers: int | None = None
    scheduler: str | None = None
    threads: int | None = None

    def __post_init__(self):
        if not self.problems:
            raise ConfigError("A sweep needs at least one problem.")
        if not self.tols:
            raise ConfigError("A sweep needs at least one tolerance.")
        for tol in self.tols:
            if not _positive(tol, finite=True):
                raise ConfigError(
                    f"Tolerance {tol!r} is not a positive number; give a positive finite "
                    "number such as 1e-6."
                )
        if self.timeout is not None and not _positive(self.timeout, finite=False):
            raise ConfigError(
                f"Timeout {self.timeout!r} is not a positive number of seconds; give e.g. 600."
            )
        if self.timeout is not None and self.isolate is False:
            raise ConfigError(
                f"A timeout ({self.timeout:g} s) needs isolation: a cell that runs in this "
                "process cannot be stopped; drop the timeout or run isolated (--isolate)."
            )
        _check_distribution(self)

    @property
    def distributed(self) -> bool:
        """Whether cells run on Dask (``workers`` or ``scheduler`` set)."""
        return self.workers is not None or self.scheduler is not None

    @property
    def isolated(self) -> bool:
        """Whether cells run in a worker process (``isolate``, or implied by ``timeout``)."""
        if self.isolate is not None:
            return self.isolate
        return self.timeout is not None or self.distributed or self.dtypes != ("float64",)


def _check_distribution(config: SweepConfig) -> None:
    """Validate ``dtypes``, ``workers``, ``scheduler`` and ``threads`` together."""
    bad = [d for d in config.dtypes if d not in DTYPES]
    if not config.dtypes or bad or len(set(config.dtypes)) != len(config.dtypes):
        raise ConfigError(
            f"dtypes {list(config.dtypes)!r} is not valid; give distinct values among "
            f"{list(DTYPES)}, e.g. ['float64', 'float32']."
        )
    for name in ("workers", "threads"):
        value = getattr(config, name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            raise ConfigError(f"{name} must be an integer >= 1, got {value!r}.")
        if value is not None and value < 1:
            raise ConfigError(f"{name} must be an integer >= 1, got {value!r}.")
    if config.scheduler is not None and (
        not isinstance(config.scheduler, str) or not config.scheduler.strip()
    ):
        raise ConfigError(
            f"scheduler {config.scheduler!r} is not an address; give one such as "
            "'tcp://10.0.0.5:8786'."
        )
    if config.scheduler is not None:
        from ._scheduler import check_scheduler_address

        check_scheduler_address(config.scheduler)
    if config.workers is not None and config.scheduler is not None:
        raise ConfigError(
            f"workers ({config.workers}) and scheduler ({config.scheduler}) exclude each "
            "other: --workers starts a local cluster, --scheduler uses an existing one; "
            "give one of them."
        )
    if config.isolate is False and (config.distributed or config.dtypes != ("float64",)):
        what = "Dask workers" if config.distributed else "float32 cells"
        raise ConfigError(
            f"{what} run in worker processes, which --in-process (isolate = false) "
            "excludes; drop --in-process."
        )


def _positive(value, *, finite: bool) -> bool:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        return False
    return math.isfinite(value) or not finite


@dataclass(frozen=True)
class Cell:
    """One (problem, solver, tolerance) fit of a sweep, in float64 unless ``dtype`` says not.

    ``solver`` is a solver label: the registry name, with settings if any
    (``"Algo[backend]{key=value}"``, see :func:`~nemos_bench.solvers.parse_solver_label`).
    ``label`` names the cell's solver in the results: ``solver`` for float64 cells (so
    float64 runs keep their cell keys), ``solver + "@float32"`` for float32 ones.
    """

    spec: ProblemSpec
    solver: str
    tol: float
    trace: bool
    dtype: str = "float64"

    @property
    def label(self) -> str:
        """The ``solver`` column of this cell's rows.

        Examples
        --------
        >>> from nemos_bench.problems import ProblemSpec
        >>> Cell(ProblemSpec(100, 2), "LBFGS", 1e-6, False, "float32").label
        'LBFGS@float32'
        """
        return self.solver if self.dtype == "float64" else f"{self.solver}@{self.dtype}"


#: dtypes a sweep can run cells in (``float32``: native solvers with JAX float64 off).
DTYPES = ("float64", "float32")
