"""The results tables' columns as Markdown, for the docs (``docs/schema.md``)."""

from __future__ import annotations

from ._schema import SUMMARY_COLUMNS, TRACE_COLUMNS

__all__ = ["schema_markdown"]


def schema_markdown() -> str:
    """Both tables' columns as Markdown, for the docs.

    Examples
    --------
    >>> schema_markdown().splitlines()[0]
    '### summary.csv'
    """
    lines = []
    for title, columns in (("summary.csv", SUMMARY_COLUMNS), ("trace.csv", TRACE_COLUMNS)):
        lines += [f"### {title}", "", "| column | type | unit | meaning |", "|---|---|---|---|"]
        lines += [
            f"| `{c.name}` | {c.dtype} | {c.unit} | {c.description.replace('|', chr(92) + '|')} |"
            for c in columns
        ]
        lines.append("")
    lines += [
        "### params/",
        "",
        "One `<hash>.npz` per ok cell (the hash is of the cell key problem_id, solver, tol): "
        "arrays `coef` and `intercept` (float64, as the solver returned them) and `key` "
        "(problem_id, solver, repr of tol). Written before the cell's summary row; "
        "`nemos-bench verify` recomputes the summary's numbers from them.",
        "",
    ]
    return "\n".join(lines)
