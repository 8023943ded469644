"""The data problems of a run: one per problem id, and their records for ``meta.json``.

A data problem's id names its file by content (the first 16 hex digits of its SHA-256), not
by path: the same bytes given twice are one problem, and the run's ``meta.json`` keeps each
data problem's fields so that ``nemos-bench verify`` can rebuild its spec.
"""

from __future__ import annotations

from collections.abc import Iterable

from ._data_axes import ID_HASH_CHARS, DataError
from ._spec import ProblemSpec

__all__ = ["data_records", "unique_problems"]


def unique_problems(specs: Iterable[ProblemSpec]) -> tuple[ProblemSpec, ...]:
    """``specs`` with one per problem id: the same file's bytes twice is one problem.

    Raises
    ------
    DataError
        If two different files share a problem id (the first 16 hex digits of their
        SHA-256 agree, about one chance in 1.8e19 per pair): their results would mix.

    Examples
    --------
    >>> spec = ProblemSpec(100, 2)
    >>> unique_problems([spec, spec]) == (spec,)
    True
    """
    kept: dict[str, ProblemSpec] = {}
    for spec in specs:
        other = kept.setdefault(spec.problem_id, spec)
        if other.data_sha256 != spec.data_sha256:
            raise DataError(
                f"Data files {other.data!r} and {spec.data!r} differ but share the problem "
                f"id {spec.problem_id} (their SHA-256 agree in the first {ID_HASH_CHARS} hex "
                "digits), so their results would mix; benchmark them in separate runs."
            )
    return tuple(kept.values())


def data_records(specs: Iterable[ProblemSpec]) -> dict[str, dict]:
    """The fields of every data problem by problem id, for a run's ``meta.json``.

    A data problem's id names its file's content, not its path; ``nemos-bench verify``
    rebuilds the spec from this record (``ProblemSpec(**record)``).

    Examples
    --------
    >>> data_records([ProblemSpec(100, 2)])
    {}
    """
    return {spec.problem_id: spec.to_dict() for spec in specs if spec.data is not None}
