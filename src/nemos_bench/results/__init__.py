"""Results store: the table schema and a crash-safe, resumable run directory."""

from ._schema import (
    CELL_KEY,
    STATUSES,
    SUMMARY_COLUMNS,
    TRACE_COLUMNS,
    Column,
    column_names,
    schema_markdown,
)
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
    "read_meta",
    "read_summary",
    "read_trace",
    "schema_markdown",
]
