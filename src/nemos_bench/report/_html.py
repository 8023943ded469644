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

__all__ = ["FigureEntry", "flatten_meta", "page", "problem_cell", "table"]

CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0 auto;
       max-width: 1200px; padding: 1rem 2rem 3rem; color: #222; line-height: 1.4; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; } h2 { margin-top: 2.2rem;
     border-bottom: 1px solid #ddd; padding-bottom: .2rem; } h3 { font-size: 1rem; }
h1, h2, h3, p, li, summary, figcaption { overflow-wrap: anywhere; }
code, .mono { font-family: ui-monospace, "SFMono-Regular", Menlo, monospace; font-size: .85em; }
.scroll { max-width: 100%; overflow-x: auto; }
table { border-collapse: collapse; margin: .6rem 0; font-size: .85rem; }
th, td { border: 1px solid #ddd; padding: .25rem .55rem; text-align: left; vertical-align: top; }
th { background: #f4f4f4; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.wide { min-width: 18rem; overflow-wrap: anywhere; }
td.pid { min-width: 12rem; max-width: 26rem; }
tr:nth-child(even) td { background: #fafafa; }
figure { margin: 1rem 0; min-width: 0; max-width: 100%; }
figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption { font-size: .85rem; color: #555; max-width: 60rem; }
.row { display: flex; flex-wrap: wrap; gap: 1rem; align-items: flex-start; }
.meta { color: #555; font-size: .9rem; } .bad { color: #a40000; } .empty { color: #777; }
nav ul { display: flex; flex-wrap: wrap; gap: .2rem 1.2rem; list-style: none; padding: 0;
         margin: .4rem 0; font-size: .9rem; }
nav details ul { display: block; columns: 2; list-style: disc; padding-left: 1.2rem; }
details { margin: .3rem 0; } summary { cursor: pointer; }
"""


@dataclass(frozen=True)
class FigureEntry:
    """One figure of the page: its PNG file (beside ``index.html``), title and caption.

    A figure with nothing to draw has no file (``file`` is ``None``): the page says why
    (``note``) in a line of text instead of showing an empty frame.
    """

    file: str | None
    title: str
    caption: str
    note: str = ""

    def to_html(self) -> str:
        """A ``<figure>`` element referencing the PNG by relative path, or the note.

        Examples
        --------
        >>> FigureEntry(None, "Scaling", "", "one size only.").to_html()
        '<p class="empty"><strong>Scaling</strong>: not drawn: one size only.</p>'
        """
        if self.file is None:
            return (
                f'<p class="empty"><strong>{html.escape(self.title)}</strong>: not drawn: '
                f"{html.escape(self.note)}</p>"
            )
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


def problem_cell(problem_id, href: str | None = None) -> str:
    """A problem id as HTML that wraps after its commas, the full id on hover.

    Examples
    --------
    >>> problem_cell("poisson[n=10,p=2]")
    '<span title="poisson[n=10,p=2]">poisson[n=10,<wbr>p=2]</span>'
    >>> problem_cell("p", "#problem-0")
    '<a href="#problem-0" title="p">p</a>'
    """
    text = esc(problem_id).replace(",", ",<wbr>")
    if href is not None:
        return f'<a href="{esc(href)}" title="{esc(problem_id)}">{text}</a>'
    return f'<span title="{esc(problem_id)}">{text}</span>'


def table(
    header: Sequence[str],
    rows: Iterable[Sequence[str]],
    *,
    numeric: Sequence[int] = (),
    empty: str = "Nothing to show.",
    raw: Sequence[int] = (),
    ids: Sequence[int] = (),
    wide: Sequence[int] = (),
) -> str:
    """An HTML table in a box that scrolls sideways when the table is wider than the page.

    Cells are escaped except columns listed in ``raw``; columns in ``ids`` hold problem ids
    (:func:`problem_cell`, unless also ``raw``: then already HTML); columns in ``wide`` hold
    sentences and keep a readable width (the box scrolls rather than squeezing them).

    Examples
    --------
    >>> table(["a"], [["<b>"]])
    '<div class="scroll"><table><thead><tr><th>a</th></tr></thead><tbody><tr><td>&lt;b&gt;\
</td></tr></tbody></table></div>'
    """
    body = []
    for row in rows:
        cells = []
        for i, cell in enumerate(row):
            if i in raw:
                text = str(cell)
            elif i in ids:
                text = problem_cell(cell)
            else:
                text = esc(cell)
            kind = "num" if i in numeric else "pid" if i in ids else "wide" if i in wide else ""
            cells.append(f'<td class="{kind}">{text}</td>' if kind else f"<td>{text}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    if not body:
        return f'<p class="empty">{esc(empty)}</p>'
    head = "".join(f"<th>{esc(h)}</th>" for h in header)
    return (
        f'<div class="scroll"><table><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )


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


def page(
    title: str,
    intro: str,
    sections: Sequence[tuple[str, str, str]],
    *,
    folded: Sequence[str] = (),
    folded_label: str = "Problems",
) -> str:
    """The whole document: ``sections`` are ``(anchor, heading, inner html)``, in order.

    The navigation is one line of links; the sections whose anchors are in ``folded`` (the
    per-problem ones) are listed in a folded ``folded_label`` list instead, so that the
    navigation never pushes the first section down the screen.
    """
    main = [(a, h) for a, h, _ in sections if a not in folded]
    rest = [(a, h) for a, h, _ in sections if a in folded]
    nav = "<ul>" + "".join(f'<li><a href="#{a}">{esc(h)}</a></li>' for a, h in main) + "</ul>"
    if rest:
        items = "".join(f'<li><a href="#{a}">{esc(h)}</a></li>' for a, h in rest)
        summary = f"<summary>{esc(folded_label)} ({len(rest)})</summary>"
        nav += f"<details>{summary}<ul>{items}</ul></details>"
    body = "".join(  # long headings (problem ids) break after their commas
        f'<section id="{a}"><h2>{esc(h).replace(",", ",<wbr>")}</h2>{inner}</section>'
        for a, h, inner in sections
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)}</title><style>{CSS}</style></head>\n<body>"
        f"<h1>{esc(title)}</h1>{intro}<nav>{nav}</nav>{body}</body></html>\n"
    )
