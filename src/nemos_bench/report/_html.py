"""HTML pieces of the report page: tables, figures and the page itself (no scripts, no network)."""

from __future__ import annotations

import html
import json
import math
import shlex
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import quote

import pandas as pd

__all__ = ["FigureEntry", "flatten_meta", "page", "table"]

CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0 auto;
       max-width: 1200px; padding: 1rem 2rem 3rem; color: #222; line-height: 1.4; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; } h2 { margin-top: 2.2rem;
     border-bottom: 1px solid #ddd; padding-bottom: .2rem; } h3 { font-size: 1rem; }
code, .mono { font-family: ui-monospace, "SFMono-Regular", Menlo, monospace; font-size: .85em; }
table { border-collapse: collapse; margin: .6rem 0; font-size: .85rem; }
th, td { border: 1px solid #ddd; padding: .25rem .55rem; text-align: left; vertical-align: top; }
th { background: #f4f4f4; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr:nth-child(even) td { background: #fafafa; }
figure { margin: 1rem 0; } figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption { font-size: .85rem; color: #555; max-width: 60rem; }
.row { display: flex; flex-wrap: wrap; gap: 1rem; align-items: flex-start; }
.meta { color: #555; font-size: .9rem; } .bad { color: #a40000; } .empty { color: #777; }
nav ul { columns: 2; font-size: .9rem; }
"""


@dataclass(frozen=True)
class FigureEntry:
    """One figure of the page: its PNG file (beside ``index.html``), title and caption."""

    file: str
    title: str
    caption: str

    def to_html(self) -> str:
        """An ``<figure>`` element referencing the PNG by relative path."""
        return (
            f'<figure><img src="{html.escape(quote(self.file))}" '
            f'alt="{html.escape(self.title)}">'
            f"<figcaption>{html.escape(self.caption)}</figcaption></figure>"
        )


def esc(value) -> str:
    """Escape any value for HTML text."""
    return html.escape("" if value is None else str(value))


def fmt(value, unit: str = "", digits: int = 3) -> str:
    """Format a number compactly (``—`` for missing values).

    Examples
    --------
    >>> fmt(0.012345, " s"), fmt(float("nan")), fmt(12.0, "×")
    ('0.0123 s', '—', '12×')
    """
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return "—"
    if isinstance(value, float):
        return f"{value:.{digits}g}{unit}"
    return f"{value}{unit}"


def table(
    header: Sequence[str],
    rows: Iterable[Sequence[str]],
    *,
    numeric: Sequence[int] = (),
    empty: str = "Nothing to show.",
    raw: Sequence[int] = (),
) -> str:
    """An HTML table; cells are escaped except columns listed in ``raw``.

    Examples
    --------
    >>> table(["a"], [["<b>"]])
    '<table><thead><tr><th>a</th></tr></thead><tbody><tr><td>&lt;b&gt;</td></tr></tbody></table>'
    """
    body = []
    for row in rows:
        cells = []
        for i, cell in enumerate(row):
            text = str(cell) if i in raw else esc(cell)
            cells.append(f'<td class="num">{text}</td>' if i in numeric else f"<td>{text}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    if not body:
        return f'<p class="empty">{esc(empty)}</p>'
    head = "".join(f"<th>{esc(h)}</th>" for h in header)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def flatten_meta(meta: dict, prefix: str = "") -> list[tuple[str, str]]:
    """``meta.json`` as ``(dotted key, text)`` pairs, the ``config`` block last.

    Examples
    --------
    >>> flatten_meta({"config": {"tols": [1e-4, 1e-8]}, "versions": {"nemos": "0.2.8"}})
    [('versions.nemos', '0.2.8'), ('config.tols', '0.0001, 1e-08')]
    >>> flatten_meta({"command": ["nemos-bench", "run", "--suite", "quick"]})
    [('command', 'nemos-bench run --suite quick')]
    """
    pairs = []
    keys = sorted(meta, key=lambda k: (not prefix and k == "config", k))
    for key in keys:
        value = meta[key]
        name = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            pairs += flatten_meta(value, prefix=name + ".")
        elif isinstance(value, list | tuple) and key == "command":
            pairs.append((name, shlex.join(str(v) for v in value)))  # argv, as typed
        elif isinstance(value, list | tuple):
            pairs.append((name, ", ".join(str(v) for v in value)))
        elif isinstance(value, str):
            pairs.append((name, value))
        elif value is None:
            pairs.append((name, "(not set)"))
        else:
            pairs.append((name, json.dumps(value)))
    return pairs


def page(title: str, intro: str, sections: Sequence[tuple[str, str, str]]) -> str:
    """The whole document: ``sections`` are ``(anchor, heading, inner html)``."""
    nav = "".join(f'<li><a href="#{a}">{esc(h)}</a></li>' for a, h, _ in sections)
    body = "".join(
        f'<section id="{a}"><h2>{esc(h)}</h2>{inner}</section>' for a, h, inner in sections
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)}</title><style>{CSS}</style></head>\n<body>"
        f"<h1>{esc(title)}</h1>{intro}<nav><ul>{nav}</ul></nav>{body}</body></html>\n"
    )
