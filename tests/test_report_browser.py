"""The report renders in a real browser: every image loads, the console stays clean, and
at 1280 x 900 nothing overflows sideways and the first screen holds the fastest-solver table.

Uses headless Chromium's own command line (``--dump-dom``, ``--screenshot``,
``--enable-logging=stderr``); no driver library. Skips only when no Chromium binary exists
(Debian: ``apt-get install -y chromium``; or point ``NEMOS_BENCH_CHROMIUM`` at one).
"""

import html
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from matplotlib.image import imread
from test_report import GD, NATIVE, SCIPY, TOLS, make_run, summary_row, trace_rows

from nemos_bench.report import build_report
from nemos_bench.results import RunStore

pytestmark = pytest.mark.browser

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def find_chromium():
    override = os.environ.get("NEMOS_BENCH_CHROMIUM")
    if override:
        return override
    for name in CANDIDATES:
        path = shutil.which(name)
        if path:
            return path
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None


CHROMIUM = find_chromium()

# Runs in a copy of the page: records load errors and console errors, then, once every
# image has settled, writes a JSON summary into the DOM for --dump-dom to return.
PROBE = """<script>
window.__problems = [];
window.addEventListener("error", function (e) {
  var t = e.target;
  window.__problems.push(t && t.tagName ? "failed to load " + t.tagName + " " +
    (t.getAttribute("src") || t.getAttribute("href")) : "script error: " + e.message);
}, true);
["error", "warn"].forEach(function (level) {
  var original = console[level];
  console[level] = function () {
    window.__problems.push("console." + level + ": " + Array.prototype.join.call(arguments, " "));
    original.apply(console, arguments);
  };
});
window.addEventListener("load", function () {
  var images = Array.prototype.slice.call(document.images);
  var out = document.createElement("pre");
  out.id = "probe-result";
  out.textContent = JSON.stringify({
    images: images.map(function (i) {
      return {src: i.getAttribute("src"), complete: i.complete, width: i.naturalWidth};
    }),
    problems: window.__problems
  });
  document.body.appendChild(out);
});
</script>"""


def chromium(*args, tmp_path):
    profile = tmp_path / f"profile-{len(list(tmp_path.glob('profile-*')))}"
    command = [
        CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
        "--no-first-run", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0",
        "--hide-scrollbars", "--virtual-time-budget=10000", *args,
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    return result


def console_messages(stderr, page):
    """Console lines Chromium logged for ``page`` (the report itself has no scripts)."""
    return [line for line in stderr.splitlines() if ":CONSOLE" in line and page.as_uri() in line]


def probe(index, tmp_path):
    """Load a probed copy of ``index`` beside it; return (summary dict, console lines)."""
    copy = index.with_name("_probe.html")
    copy.write_text(index.read_text().replace("<head>", "<head>" + PROBE, 1))
    try:
        result = chromium("--dump-dom", copy.as_uri(), tmp_path=tmp_path)
    finally:
        copy.unlink()
    match = re.search(r'<pre id="probe-result">(.*?)</pre>', result.stdout, re.S)
    assert match, "the probe did not run: " + result.stdout[-2000:]
    return json.loads(html.unescape(match.group(1))), console_messages(result.stderr, copy)


def need_chromium():
    if CHROMIUM is None:
        pytest.skip(
            "No Chromium binary found (looked for chromium, chromium-browser, google-chrome "
            "and /usr/bin/chromium); install it with `apt-get install -y chromium` or set "
            "NEMOS_BENCH_CHROMIUM."
        )


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    need_chromium()
    root = tmp_path_factory.mktemp("browser")
    return build_report(make_run(root / "results" / "run-browser"), reports_root=root / "reports")


def test_every_image_loads_and_console_is_clean(report, tmp_path):
    summary, console = probe(report, tmp_path)
    images = summary["images"]
    # 8 figures, less the conditioning one (this run records no condition number)
    assert len(images) == len(list(report.parent.glob("*.png"))) == 7
    broken = [i["src"] for i in images if not (i["complete"] and i["width"] > 0)]
    assert broken == []
    assert summary["problems"] == []
    assert console == []


def test_probe_catches_a_missing_image(report, tmp_path):
    broken_dir = tmp_path / "broken"
    shutil.copytree(report.parent, broken_dir)
    (broken_dir / "scaling.png").unlink()
    summary, _ = probe(broken_dir / "index.html", tmp_path)
    bad = [i["src"] for i in summary["images"] if not (i["complete"] and i["width"] > 0)]
    assert bad == ["scaling.png"]
    assert any("scaling.png" in p for p in summary["problems"])


def test_screenshot(report, tmp_path):
    shot = tmp_path / "report.png"
    result = chromium(f"--screenshot={shot}", "--window-size=1280,2400", report.as_uri(),
                      tmp_path=tmp_path)  # fmt: skip
    assert console_messages(result.stderr, report) == []
    assert shot.stat().st_size > 50_000
    pixels = imread(shot)
    assert pixels.shape[:2] == (2400, 1280)
    assert float(np.std(pixels[..., :3])) > 0.05  # not a blank page


# -- layout at 1280 x 900 (issue 27) ------------------------------------------------------

# Runs in a copy of the page once it has loaded: the viewport, the page's width, where the
# fastest-solver table sits, how wide the Failures table's reason is, and the elements that
# stick out of the viewport outside a sideways-scrolling box; then the same with every
# folded <details> opened.
LAYOUT_PROBE = """<script>
window.addEventListener("load", function () {
  function measure() {
    var out = [];
    document.querySelectorAll("body *").forEach(function (e) {
      if (e.closest(".scroll") && !e.classList.contains("scroll")) { return; }
      if (e.getBoundingClientRect().right > window.innerWidth + 0.5) {
        out.push(e.tagName + (e.id ? "#" + e.id : "") + " " + e.textContent.slice(0, 60));
      }
    });
    return {scrollWidth: document.documentElement.scrollWidth, sticking_out: out};
  }
  var table = document.querySelector("#fastest table");
  var row = table && table.querySelector("tbody tr");
  var reason = document.querySelector("#failures td.wide");
  var advice = document.querySelector("#advice li");
  var box = table && table.parentElement;
  var result = {
    innerWidth: window.innerWidth,
    innerHeight: window.innerHeight,
    table_top: table ? table.getBoundingClientRect().top : null,
    first_row_bottom: row ? row.getBoundingClientRect().bottom : null,
    advice_top: advice ? advice.getBoundingClientRect().top : null,
    advice_bottom: advice ? advice.getBoundingClientRect().bottom : null,
    reason_width: reason ? reason.getBoundingClientRect().width : null,
    table_hidden_px: box ? box.scrollWidth - box.clientWidth : null,
    closed: measure()
  };
  document.querySelectorAll("details").forEach(function (d) { d.open = true; });
  result.opened = measure();
  var pre = document.createElement("pre");
  pre.id = "layout-result";
  pre.textContent = JSON.stringify(result);
  document.body.appendChild(pre);
});
</script>"""

#: Many solvers (a wide matrix), long problem ids, not-converged fits, a timeout and a
#: failure with a long reason: every wide table of the report.
EXTRA_SOLVERS = (
    "GradientDescent[optax+optimistix]", "NonlinearCG[optimistix]", "BFGS[scipy]",
    "ProximalGradient[optimistix]", "TrustKrylov[scipy]", "NewtonCholesky[sklearn]",
)  # fmt: skip
LONG_REASON = (
    "XlaRuntimeError: RESOURCE_EXHAUSTED: Out of memory while trying to allocate "
    "1638400000 bytes for the Hessian of the population model; " * 3
)


def long_id(n):
    return (
        f"poisson[n={n},p=100,k=20,noise=0.0,reg=Ridge,lam=0.001,design=spike_history,"
        "rate=0.05,seed=0]"
    )


def make_wide_run(path):
    config = {"suite": "custom", "n_cells": 100, "tols": list(TOLS)}
    with RunStore(path, config, {"started_at": "2024-05-01T12:00:00+00:00"}) as store:
        for n in (2000, 8000, 32000):
            problem = long_id(n)
            for solver in (NATIVE, SCIPY, GD):
                for tol in TOLS:
                    row = summary_row(problem, n, 20, solver, tol)
                    if solver in (NATIVE, SCIPY) and n == 2000:  # a tie: the longest cells
                        fit = row["fit_s"] * (0.217 if solver == NATIVE else 0.833)
                        row.update(fit_s=fit, fit_s_min=0.55 * fit, fit_s_max=3.9 * fit)
                    trace = []
                    if solver == GD:
                        row.update(outcome="max_steps", converged=False, reached_max_steps=True)
                    if tol == TOLS[-1] and solver != GD:
                        trace = trace_rows(problem, solver, tol, -1.7, 20, 0.4, row["fit_s"] / 20)
                    store.append_cell(row, trace)
            for i, solver in enumerate(EXTRA_SOLVERS):
                row = {**summary_row(problem, n, 20, NATIVE, TOLS[1]), "solver": solver}
                row["fit_s"] *= 1 + i
                if solver == "TrustKrylov[scipy]":
                    row.update(status="timeout", fit_s=float("nan"), objective=float("nan"),
                               reason="Timed out after 60 s (the cell's timeout).")  # fmt: skip
                elif solver == "NewtonCholesky[sklearn]" and n == 32000:
                    row.update(status="failed", fit_s=float("nan"), objective=float("nan"),
                               reason=LONG_REASON)  # fmt: skip
                store.append_cell(row, [])
    return path


def layout(index, tmp_path):
    copy = index.with_name("_layout.html")
    copy.write_text(index.read_text().replace("<head>", "<head>" + LAYOUT_PROBE, 1))
    try:
        result = chromium("--window-size=1280,900", "--dump-dom", copy.as_uri(),
                          tmp_path=tmp_path)  # fmt: skip
    finally:
        copy.unlink()
    match = re.search(r'<pre id="layout-result">(.*?)</pre>', result.stdout, re.S)
    assert match, "the layout probe did not run: " + result.stdout[-2000:]
    return json.loads(html.unescape(match.group(1)))


@pytest.fixture(scope="module")
def wide_report(tmp_path_factory):
    need_chromium()
    root = tmp_path_factory.mktemp("wide")
    return build_report(make_wide_run(root / "results" / "run-wide"), root / "report")


def test_nothing_overflows_at_1280_and_the_first_screen_answers(wide_report, tmp_path):
    text = wide_report.read_text()
    assert "without a fit (3 timed out, 1 failed)" in text  # the wide tables are there
    assert long_id(32000).replace(",", ",<wbr>") in text
    found = layout(wide_report, tmp_path)
    assert found["innerWidth"] == 1280
    for state in ("closed", "opened"):
        assert found[state]["scrollWidth"] <= found["innerWidth"], found[state]
        assert found[state]["sticking_out"] == []
    # the recommendation's first problem is on the first screen; the fastest-solver table
    # with its intervals follows it
    assert 0 < found["advice_top"] < found["advice_bottom"] <= found["innerHeight"] <= 900
    assert found["advice_bottom"] < found["table_top"] < found["first_row_bottom"]
    assert found["reason_width"] >= 250  # the failure's reason is not one word per line
    assert "(not significant: tied)" in text
    assert found["table_hidden_px"] == 0  # every column of the answer is in view, unscrolled


def test_the_layout_probe_sees_an_overflow(wide_report, tmp_path):
    broken = tmp_path / "broken"
    shutil.copytree(wide_report.parent, broken)
    page = broken / "index.html"
    page.write_text(page.read_text().replace('<div class="scroll">', "<div>"))  # no scroll box
    found = layout(page, tmp_path)
    assert found["closed"]["scrollWidth"] > found["innerWidth"]
    assert found["closed"]["sticking_out"] != []
