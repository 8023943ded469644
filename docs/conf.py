"""Sphinx configuration of the nemos-bench documentation.

Build with ``sphinx-build -W docs docs/_build/html`` after
``python -m pip install -e ".[docs]"``. The build runs the gallery's examples and a tiny
sweep for the report page (``docs/_ext/nemos_bench_docs.py``), so it needs no network and
the site it writes makes no request off the machine: no CDN, no analytics, no intersphinx.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
sys.path.insert(0, str(DOCS / "_ext"))
os.environ.setdefault("MPLBACKEND", "Agg")

import nemos_bench  # noqa: E402

project = "nemos-bench"
author = "the nemos-bench developers"
copyright = "the nemos-bench developers"
release = version = nemos_bench.__version__

extensions = [
    "myst_parser",
    "numpydoc",
    "sphinx.ext.autodoc",
    "sphinxarg.ext",
    "sphinx_gallery.gen_gallery",
    "nemos_bench_docs",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
smartquotes = False  # keep "--option" and quotes as the command line has them
exclude_patterns = [
    "_build",
    "_generated/run",
    "_generated/report",
    "examples/README.rst",
    # included, not built on their own: reference/schema.md gives it a title
    "schema.md",
]

# -- MyST -------------------------------------------------------------------------------
myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3

# -- autodoc and numpydoc ---------------------------------------------------------------
autodoc_default_options = {"members": True}
autodoc_member_order = "bysource"
autodoc_typehints = "none"  # numpydoc's Parameters sections say it
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False

# -- sphinx-gallery ---------------------------------------------------------------------
sphinx_gallery_conf = {
    "examples_dirs": "examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "abort_on_example_error": True,
    "write_computation_times": False,
    "download_all_examples": False,
    "remove_config_comments": True,
    "backreferences_dir": None,
    "plot_gallery": True,
    # nemos_bench.report draws its figures without pyplot: a scraper of its own saves them
    "image_scrapers": ("nemos_bench_docs.figure_scraper", "matplotlib"),
}

# -- HTML -------------------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = "nemos-bench"
html_theme_options = {
    # Everything the page loads comes from the theme package: no icon links, no
    # analytics, no version switcher (each would fetch from elsewhere).
    "icon_links": [],
    "navbar_end": ["theme-switcher", "navbar-icon-links"],
    "show_toc_level": 2,
    "navigation_with_keys": False,
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
}
html_static_path: list[str] = []
html_show_sourcelink = False
html_copy_source = False
