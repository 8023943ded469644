"""Build-time pieces of the documentation: the CLI parser and the report page's figures.

``cli_parser`` is what sphinx-argparse documents (``docs/reference/cli.md``).
``setup`` is a Sphinx extension: when the build starts it runs a tiny sweep in this
process, builds its HTML report and copies the report's figures to fixed names under
``docs/_generated/figures/`` for ``docs/user_guide/report.md``. The report itself is
copied into the site as ``example-report/``. The run is kept in ``docs/_generated/`` and
reused by later builds while its settings are unchanged (the report is drawn again each
time); delete ``docs/_generated/`` to measure again.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

__all__ = ["EXAMPLE_PROBLEMS", "cli_parser", "figure_scraper", "make_report_figures", "setup"]

DOCS = Path(__file__).resolve().parents[1]
GENERATED = DOCS / "_generated"

#: The example run behind the report page: (n_samples, n_features, n_outputs, extra spec
#: fields). Two sizes of n at k = 1 and two of k at n = 800 give the scaling figure both
#: panels; the low-rank problem (condition number about 4e4) gives the condition figure a
#: hard problem.
EXAMPLE_PROBLEMS = (
    (200, 3, 1, {}),
    (800, 3, 1, {}),
    (800, 3, 2, {}),
    (500, 5, 1, {"effective_rank": 1, "tail_strength": 0.01}),
)
EXAMPLE_SOLVERS = ("LBFGS[scipy]", "NonlinearCG[scipy]", "LBFGS")
EXAMPLE_SETTINGS = {"tols": (1e-4, 1e-8), "maxiter": 300, "time_budget": 0.05}


def _rst_text(text: str | None) -> str | None:
    """Help text as reStructuredText shows it literally: ``|f*|`` is no substitution."""
    if text is None:
        return None
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("*", "\\*")


def _parsers(parser):
    """``parser`` and all its subcommands' parsers, depth first."""
    import argparse

    yield parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                yield from _parsers(sub)


def cli_parser():
    """The ``nemos-bench`` parser as its help prints it, for sphinx-argparse.

    :func:`nemos_bench.cli._parser.build_parser` leaves the help texts that state a
    default as templates until the help is printed (so that building the parser imports
    no JAX): printing each parser's help once fills them in, as ``nemos-bench run --help``
    shows them. The texts are then escaped for reStructuredText, which sphinx-argparse
    renders them as.
    """
    from nemos_bench.cli._parser import build_parser

    parser = build_parser()
    for sub in _parsers(parser):
        sub.format_help()
        sub.description = _rst_text(sub.description)
        sub.epilog = _rst_text(sub.epilog)
        for action in sub._actions:
            action.help = _rst_text(action.help)
            for choice in getattr(action, "_choices_actions", ()):  # subcommands' summaries
                choice.help = _rst_text(choice.help)
    return parser


def _stamp() -> str:
    """The example run's settings, as text: a run made with other settings is redone."""
    return json.dumps([EXAMPLE_PROBLEMS, EXAMPLE_SOLVERS, EXAMPLE_SETTINGS], default=str)


def make_report_figures(app=None) -> Path:
    """Run the example sweep (unless done), build its report, copy its figures.

    The run is kept in ``docs/_generated/run`` while its settings are unchanged; the
    report is drawn again at every build, with the report code of the checkout. Returns
    the report directory.
    """
    from nemos_bench.problems import ProblemSpec
    from nemos_bench.report import build_report
    from nemos_bench.report._style import problem_slug
    from nemos_bench.sweep import build_config, run_sweep

    run_dir, report_dir = GENERATED / "run", GENERATED / "report"
    figures, stamp_file = GENERATED / "figures", GENERATED / "stamp.txt"
    problems = [ProblemSpec(n, p, k, **extra) for n, p, k, extra in EXAMPLE_PROBLEMS]
    if not (stamp_file.is_file() and stamp_file.read_text() == _stamp()):
        shutil.rmtree(GENERATED, ignore_errors=True)
        config = build_config(
            problems=problems, solvers=list(EXAMPLE_SOLVERS), isolate=False, **EXAMPLE_SETTINGS
        )
        run_sweep(config, run_dir)
        stamp_file.write_text(_stamp())
    build_report(run_dir, report_dir)
    shutil.rmtree(figures, ignore_errors=True)
    figures.mkdir(parents=True)
    hard = problem_slug(problems[3].problem_id)  # the low-rank problem: solvers differ there
    for name in ("performance_profile", "scaling", "condition", "compile_vs_fit"):
        shutil.copyfile(report_dir / f"{name}.png", figures / f"{name}.png")
    for name in ("convergence", "work_precision"):
        shutil.copyfile(report_dir / f"{name}_{hard}.png", figures / f"{name}.png")
    return report_dir


def figure_scraper(block, block_vars, gallery_conf, **kwargs) -> str:
    """sphinx-gallery scraper for the report's figures, which are drawn without pyplot.

    ``nemos_bench.report``'s plot functions return a ``matplotlib.figure.Figure`` that no
    pyplot manager knows, so sphinx-gallery's own matplotlib scraper does not see it. This
    one saves each such figure bound to a name of the example, once; it must run before
    the matplotlib scraper, which closes pyplot's figures.
    """
    from matplotlib.figure import Figure
    from sphinx_gallery.scrapers import figure_rst

    paths = []
    for value in list(block_vars["example_globals"].values()):
        if not isinstance(value, Figure) or getattr(value, "_nemos_bench_docs_seen", False):
            continue
        value._nemos_bench_docs_seen = True
        if value.canvas.manager is not None:
            continue  # pyplot's: the matplotlib scraper, which runs next, saves it
        path = next(block_vars["image_path_iterator"])
        value.savefig(path, facecolor="white")
        paths.append(path)
    return figure_rst(paths, gallery_conf["src_dir"])


def _copy_report(app, exception) -> None:
    """Put the example report into the built site as ``example-report/``."""
    if exception is None and app.builder.format == "html":
        target = Path(app.outdir) / "example-report"
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(GENERATED / "report", target)


def setup(app):
    """Sphinx extension: figures when the build starts, the report when it ends."""
    app.connect("builder-inited", make_report_figures)
    app.connect("build-finished", _copy_report)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
