"""Results store: the table schema and a crash-safe, resumable run directory."""

from ._busy import BUSY_CPU_SHARE, BUSY_LOAD_PER_CORE, busy_machine_sentence, cell_was_busy
from ._column import column_names
from ._journal import ResultsCorruptedError, atomic_write_text, read_summary, read_trace
from ._machines import MACHINE_COLUMNS, machines, mixed_machines_sentence
from ._params import PARAMS_DIR, read_params
from ._recompiles import recompile_warnings
from ._rundir import RunDirectoryError, check_run_dir, read_meta
from ._schema import FITTED_STATUSES, OUTCOMES, STATUSES
from ._schema_doc import schema_markdown
from ._sentences import recompile_sentence
from ._stats import format_samples, median_ci, parse_samples, relative_halfwidth
from ._store import RunStore
from ._workloads import WORKLOAD_COLUMNS, WORKLOAD_KEY, append_workload_rows, read_workloads

__all__ = [
    "BUSY_CPU_SHARE",
    "BUSY_LOAD_PER_CORE",
    "FITTED_STATUSES",
    "MACHINE_COLUMNS",
    "OUTCOMES",
    "PARAMS_DIR",
    "STATUSES",
    "WORKLOAD_COLUMNS",
    "WORKLOAD_KEY",
    "ResultsCorruptedError",
    "RunDirectoryError",
    "RunStore",
    "append_workload_rows",
    "atomic_write_text",
    "busy_machine_sentence",
    "cell_was_busy",
    "check_run_dir",
    "column_names",
    "format_samples",
    "machines",
    "median_ci",
    "mixed_machines_sentence",
    "parse_samples",
    "read_meta",
    "read_params",
    "read_summary",
    "read_trace",
    "read_workloads",
    "recompile_sentence",
    "recompile_warnings",
    "relative_halfwidth",
    "schema_markdown",
]
