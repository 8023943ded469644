"""The documentation site renders in headless Chromium and loads nothing from off the machine.

Builds the site with ``sphinx-build -W`` (minutes: the build runs the gallery and a sweep,
hence ``slow``), or takes an already built one from ``NEMOS_BENCH_DOCS_HTML`` (``.ci/run``
builds it once and points this test at it). Then:

- no page's HTML asks for a script, style sheet, image or frame over the network, and no
  bundled style sheet imports one (fonts included);
- the index, the methodology, a user-guide page with figures, the command-line reference, a
  gallery example and the example report each load in Chromium with every host but
  127.0.0.1 unresolvable: every resource they load is a local file, every image renders,
  nothing fails to load, and the page has text;
- screenshots of the index and the methodology page are not blank.

Uses Chromium's own command line (``--dump-dom``, ``--screenshot``); skips only when no
Chromium binary or no Sphinx is installed.
"""

import html
import importlib.util
import json
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
from matplotlib.image import imread
from test_report_browser import CHROMIUM

pytestmark = [pytest.mark.slow, pytest.mark.browser]

ROOT = Path(__file__).resolve().parents[1]
SITE_ENV = "NEMOS_BENCH_DOCS_HTML"
#: Pages loaded in the browser, relative to the site's root, and the images each must show.
PAGES = {
    "index.html": 0,
    "methodology_overview.html": 0,
    "user_guide/report.html": 6,
    "reference/cli.html": 0,
    "auto_examples/plot_own_solver.html": 1,
    "example-report/index.html": 6,
}
SCREENSHOTS = ("index.html", "methodology_overview.html")
OFFLINE = "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"

# Injected first into a copy of a page: records every fetch/XHR, every element that failed
# to load, and, a while after the load event, the resources the page loaded, its images and
# the length of its text, as JSON in the DOM for --dump-dom to return.
PROBE = """<script>
window.__requests = []; window.__problems = [];
window.addEventListener("error", function (e) {
  var t = e.target;
  window.__problems.push(t && t.tagName ? "failed to load " + t.tagName + " " +
    (t.getAttribute("src") || t.getAttribute("href")) : "script error: " + e.message);
}, true);
(function () {
  var fetch0 = window.fetch, open0 = XMLHttpRequest.prototype.open;
  window.fetch = function (input) {
    window.__requests.push(String((input && input.url) || input));
    return fetch0.apply(this, arguments);
  };
  XMLHttpRequest.prototype.open = function (method, url) {
    window.__requests.push(String(url));
    return open0.apply(this, arguments);
  };
})();
window.addEventListener("load", function () {
  setTimeout(function () {
    var out = document.createElement("pre");
    out.id = "probe-result";
    out.textContent = JSON.stringify({
      resources: performance.getEntriesByType("resource").map(function (e) { return e.name; })
        .concat(window.__requests),
      images: Array.prototype.map.call(document.images, function (i) {
        return {src: i.getAttribute("src"), ok: i.complete && i.naturalWidth > 0};
      }),
      problems: window.__problems,
      text: document.body.innerText.length
    });
    document.body.appendChild(out);
  }, 2000);
});
</script>"""


def chromium(*args, tmp_path):
    profile = tmp_path / f"profile-{len(list(tmp_path.glob('profile-*')))}"
    command = [
        CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
        "--no-first-run", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--disable-extensions", f"--user-data-dir={profile}",
        "--enable-logging=stderr", "--v=0", "--hide-scrollbars", OFFLINE,
        "--virtual-time-budget=15000", *args,
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr[-3000:]
    return result


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    if CHROMIUM is None:
        pytest.skip(
            "No Chromium binary found (looked for chromium, chromium-browser, google-chrome "
            "and /usr/bin/chromium); install it with `apt-get install -y chromium` or set "
            "NEMOS_BENCH_CHROMIUM."
        )
    built = os.environ.get(SITE_ENV)
    if built:
        assert (Path(built) / "index.html").is_file(), f"{SITE_ENV}={built} holds no index.html"
        return Path(built).resolve()
    if importlib.util.find_spec("sphinx") is None:
        pytest.skip('Sphinx is not installed: python -m pip install -e ".[docs]"')
    out = tmp_path_factory.mktemp("docs") / "html"
    done = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "-q", str(ROOT / "docs"), str(out)],
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert done.returncode == 0, done.stderr[-5000:]
    return out


class _Requests(HTMLParser):
    """Addresses a page asks the browser to load: scripts, styles, icons, images, frames."""

    LOADS = {
        "script": ("src",),
        "link": ("href",),
        "img": ("src", "srcset"),
        "iframe": ("src",),
        "source": ("src", "srcset"),
        "video": ("src", "poster"),
        "audio": ("src",),
        "embed": ("src",),
        "object": ("data",),
    }

    def __init__(self):
        super().__init__()
        self.urls = []

    def handle_starttag(self, tag, attrs):
        if tag == "link" and dict(attrs).get("rel") in ("canonical", "next", "prev"):
            return  # navigation, not a load
        for name, value in attrs:
            if value and name in self.LOADS.get(tag, ()):
                self.urls.append(value)


def remote(url: str) -> bool:
    return bool(re.match(r"\s*(https?:)?//", url, re.I))


def test_remote_finds_off_machine_addresses():
    page = '<link rel="stylesheet" href="https://cdn.x/a.css"><script src="//y/b.js"></script>'
    page += '<img src="_images/c.png"><a href="https://z">z</a>'
    parser = _Requests()
    parser.feed(page)
    assert [u for u in parser.urls if remote(u)] == ["https://cdn.x/a.css", "//y/b.js"]


def test_no_page_or_style_sheet_loads_anything_from_off_the_machine(site):
    found = []
    pages = sorted(site.rglob("*.html"))
    assert len(pages) > 20
    for page in pages:
        parser = _Requests()
        parser.feed(page.read_text(encoding="utf-8", errors="replace"))
        found += [f"{page.relative_to(site)}: {u}" for u in parser.urls if remote(u)]
    for sheet in site.rglob("*.css"):
        text = sheet.read_text(encoding="utf-8", errors="replace")
        for url in re.findall(r"""(?:url\(|@import)\s*['"]?([^'")\s]+)""", text):
            if remote(url):
                found.append(f"{sheet.relative_to(site)}: {url}")
    assert found == []


def probe(page: Path, tmp_path):
    copy = page.with_name("_probe_" + page.name)
    copy.write_text(page.read_text(encoding="utf-8").replace("<head>", "<head>" + PROBE, 1))
    try:
        result = chromium("--dump-dom", copy.as_uri(), tmp_path=tmp_path)
    finally:
        copy.unlink()
    match = re.search(r'<pre id="probe-result">(.*?)</pre>', result.stdout, re.S)
    assert match, "the probe did not run: " + result.stdout[-2000:]
    return json.loads(html.unescape(match.group(1)))


@pytest.mark.parametrize("name", sorted(PAGES))
def test_page_renders_offline_with_its_figures(site, name, tmp_path):
    summary = probe(site / name, tmp_path)
    off_machine = [u for u in summary["resources"] if not u.startswith(("file:", "data:"))]
    assert off_machine == []
    assert summary["problems"] == []
    broken = [i["src"] for i in summary["images"] if not i["ok"]]
    assert broken == []
    assert len(summary["images"]) >= PAGES[name]
    assert summary["text"] > 500


def test_probe_catches_a_request_off_the_machine(site, tmp_path):
    page = tmp_path / "page.html"
    page.write_text(
        '<html><head><script src="https://cdn.example.com/x.js"></script></head>'
        '<body><img src="missing.png"></body></html>'
    )
    summary = probe(page, tmp_path)
    assert "https://cdn.example.com/x.js" in summary["resources"]
    assert any("x.js" in p for p in summary["problems"])
    assert [i["ok"] for i in summary["images"]] == [False]


@pytest.mark.parametrize("name", SCREENSHOTS)
def test_screenshot_is_not_blank(site, name, tmp_path):
    shot = tmp_path / "page.png"
    chromium(f"--screenshot={shot}", "--window-size=1280,1600", (site / name).as_uri(),
             tmp_path=tmp_path)  # fmt: skip
    pixels = imread(shot)[..., :3]
    assert pixels.shape[:2] == (1600, 1280)
    assert float(np.std(pixels)) > 0.05
    # text on a page: many rows hold dark pixels, not only a header bar
    dark_rows = (pixels.min(axis=(1, 2)) < 0.5).sum()
    assert dark_rows > 200
