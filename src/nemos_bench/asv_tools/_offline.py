"""A published asv dashboard that loads nothing from the network.

asv's ``index.html`` (asv 0.6) loads jQuery, Flot, Bootstrap, stupidtable and blueimp-md5
from CDNs, so offline it renders nothing. :func:`make_offline` copies the files that
:func:`~nemos_bench.asv_tools.gather_assets` obtained (pinned npm files, see
``_vendored.py``) into the published directory and points the pages at them. The dashboard
still reads its data (``index.json``, ``graphs/``) with ``XMLHttpRequest``, which browsers
refuse for ``file://`` pages: view it through any local web server, e.g. ``asv preview``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ._fetch import Assets, write_atomic

__all__ = ["VENDOR_DIR", "OfflineResult", "make_offline", "remote_assets"]

#: Sub-directory of the published dashboard that receives the files.
VENDOR_DIR = "vendor"

# A <script src=...> or <link href=...> tag loading an absolute http(s) address.
_TAG = re.compile(
    r"<(?P<tag>script|link)\b(?P<attrs>[^>]*?)\s(?P<attr>src|href)=\"(?P<url>https?://[^\"]+)\""
    r"(?P<rest>[^>]*)>",
    re.IGNORECASE,
)
# Attributes that only make sense for a cross-origin load (SRI needs a CORS response).
_CROSS_ORIGIN = re.compile(r'\s(?:integrity|crossorigin|referrerpolicy)="[^"]*"', re.IGNORECASE)


@dataclass(frozen=True)
class OfflineResult:
    """What :func:`make_offline` did.

    Attributes
    ----------
    replaced : tuple of str
        CDN addresses now served from ``vendor/``.
    remaining : tuple of str
        ``page: address`` of scripts and style sheets still loaded from the network (files
        that could not be obtained, or that nemos-bench does not know, e.g. after an asv
        upgrade); empty when fully offline.
    """

    replaced: tuple[str, ...]
    remaining: tuple[str, ...]


def remote_assets(page: str) -> list[str]:
    """Addresses of the scripts and style sheets ``page`` (HTML text) loads over http(s).

    Examples
    --------
    >>> remote_assets('<script src="https://x.org/a.js"></script><a href="https://y.org">')
    ['https://x.org/a.js']
    """
    return [m["url"] for m in _TAG.finditer(page) if m["tag"].lower() == "script" or _is_css(m)]


def _is_css(match: re.Match) -> bool:
    return "stylesheet" in (match["attrs"] + match["rest"]).lower()


def make_offline(html_dir: str | Path, assets: Assets) -> OfflineResult:
    """Serve the CDN files of a published asv dashboard from copies beside it.

    Writes each file of ``assets`` into ``html_dir/vendor/`` and rewrites each top-level
    ``*.html`` page so that the scripts and style sheets it has a file for load from there
    (dropping the ``integrity``/``crossorigin`` attributes, which only apply to cross-origin
    loads); the others keep loading from their CDN. Idempotent: running it again with the
    same files changes nothing. The files are written as given (:func:`gather_assets`
    checks their hashes).

    Parameters
    ----------
    html_dir : path-like
        asv's ``html_dir`` after ``asv publish``.
    assets : Assets
        The files to serve, from :func:`~nemos_bench.asv_tools.gather_assets`.

    Returns
    -------
    OfflineResult

    Raises
    ------
    FileNotFoundError
        When ``html_dir`` has no ``index.html`` (run ``asv publish`` first).

    Examples
    --------
    >>> import pathlib, shutil, tempfile, asv
    >>> from nemos_bench.asv_tools import VENDORED
    >>> html = pathlib.Path(tempfile.mkdtemp()) / "html"
    >>> _ = shutil.copytree(pathlib.Path(asv.__file__).parent / "www", html)  # asv's pages
    >>> result = make_offline(html, Assets({VENDORED[0]: b"/* stands in for jQuery */"}))
    >>> result.replaced
    ('https://code.jquery.com/jquery-3.3.1.min.js',)
    >>> len(result.remaining)  # the other nine files still come from CDNs
    9
    >>> (html / "vendor" / "jquery-3.3.1.min.js").read_bytes()
    b'/* stands in for jQuery */'
    """
    html_dir = Path(html_dir)
    if not (html_dir / "index.html").is_file():
        raise FileNotFoundError(f"{html_dir} has no index.html; run `asv publish` first.")
    by_url = {item.url: item for item in assets.files}
    for item, data in assets.files.items():
        write_atomic(html_dir / VENDOR_DIR / item.file, data)
    replaced, remaining = [], []

    def swap(match: re.Match) -> str:
        item = by_url.get(match["url"])
        if item is None or (match["tag"].lower() == "link" and not _is_css(match)):
            return match[0]
        replaced.append(item.url)
        local = f'{match["attr"]}="{VENDOR_DIR}/{item.file}"'
        tag = f"<{match['tag']}{match['attrs']} {local}{match['rest']}>"
        return _CROSS_ORIGIN.sub("", tag)

    for page in sorted(html_dir.glob("*.html")):
        text = page.read_text(encoding="utf-8")
        new = _TAG.sub(swap, text)
        remaining += [f"{page.name}: {url}" for url in remote_assets(new)]
        if new != text:
            write_atomic(page, new.encode("utf-8"))
    return OfflineResult(tuple(dict.fromkeys(replaced)), tuple(remaining))
