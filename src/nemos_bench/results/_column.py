"""One column of a results table (its name, type, unit and meaning), and the names of many."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Column", "column_names"]


@dataclass(frozen=True)
class Column:
    """One column of a results table.

    Attributes
    ----------
    name : str
        Column name in the CSV header.
    dtype : str
        ``"str"``, ``"int"``, ``"float"`` or ``"bool"``.
    unit : str
        Unit of the values (``""`` where none applies).
    description : str
        What the value means.
    """

    name: str
    dtype: str
    unit: str
    description: str


def column_names(columns: tuple[Column, ...]) -> list[str]:
    """Names of ``columns`` in order.

    Examples
    --------
    >>> column_names((Column("tol", "float", "", "tolerance"), Column("fit_s", "float", "s", "")))
    ['tol', 'fit_s']
    """
    return [column.name for column in columns]
