"""The report renders in a real browser: every image loads, the console stays clean.

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
from test_report import make_run

from nemos_bench.report import build_report

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


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    if CHROMIUM is None:
        pytest.skip(
            "No Chromium binary found (looked for chromium, chromium-browser, google-chrome "
            "and /usr/bin/chromium); install it with `apt-get install -y chromium` or set "
            "NEMOS_BENCH_CHROMIUM."
        )
    root = tmp_path_factory.mktemp("browser")
    return build_report(make_run(root / "results" / "run-browser"), reports_root=root / "reports")


def test_every_image_loads_and_console_is_clean(report, tmp_path):
    summary, console = probe(report, tmp_path)
    images = summary["images"]
    assert len(images) == len(list(report.parent.glob("*.png"))) == 8
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
