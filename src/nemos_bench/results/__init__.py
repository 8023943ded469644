"""Results store: the table schema and a crash-safe, resumable run directory."""

from ._machines import MACHINE_COLUMNS, machines, mixed_machines_sentence
from ._params import PARAMS_DIR, params_path, read_params
from ._schema import (
    CELL_KEY,
    OUTCOMES,
    STATUSES,
    SUMMARY_COLUMNS,
    TRACE_COLUMNS,
    Column,
    column_names,
    schema_markdown,
)
from ._stats import CI_LEVEL, format_samples, median_ci, parse_samples, relative_halfwidth
from ._store import (
    ResultsCorruptedError,
    RunDirectoryError,
    RunStore,
    atomic_write_text,
    check_run_dir,
    read_meta,
    read_summary,
    read_trace,
)

__all__ = [
    "CELL_KEY",
    "CI_LEVEL",
    "MACHINE_COLUMNS",
    "OUTCOMES",
    "PARAMS_DIR",
    "STATUSES",
    "SUMMARY_COLUMNS",
    "TRACE_COLUMNS",
    "Column",
    "ResultsCorruptedError",
    "RunDirectoryError",
    "RunStore",
    "atomic_write_text",
    "check_run_dir",
    "column_names",
    "format_samples",
    "machines",
    "median_ci",
    "mixed_machines_sentence",
    "params_path",
    "parse_samples",
    "read_meta",
    "read_params",
    "read_summary",
    "read_trace",
    "relative_halfwidth",
    "schema_markdown",
]
