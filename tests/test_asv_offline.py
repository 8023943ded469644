"""The published asv dashboard needs no network: pinned npm files, fetched at publish time.

Only two tests use the network (the npm registry, as CI has it): the one that downloads the
real files and the Chromium one; both skip, saying why, where the registry is unreachable.
The others use stand-in files whose SHA-256 they compute, and a local stand-in registry.
"""

import base64
import dataclasses
import functools
import hashlib
import http.server
import io
import re
import shutil
import socket
import subprocess
import tarfile
import threading
from pathlib import Path

import asv
import pytest

from nemos_bench.asv_tools import VENDORED, Assets, gather_assets, make_offline, remote_assets
from nemos_bench.asv_tools import _cli as asv_cli
from nemos_bench.asv_tools._offline import VENDOR_DIR
from nemos_bench.asv_tools._vendored import REGISTRY_ENV_VAR
from nemos_bench.cli import main

ROOT = Path(__file__).resolve().parents[1]
ASV_WWW = Path(asv.__file__).parent / "www"
UNREACHABLE = "could not be reached"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def stand_ins(items=VENDORED):
    """Each item with small stand-in bytes, its pinned hash replaced by theirs."""
    data = {}
    for item in items:
        content = f"/* stands in for {item.package}@{item.version}/{item.member} */\n".encode()
        data[dataclasses.replace(item, sha256=sha256(content))] = content
    return data


def npm_tarball(path: Path, members: dict[str, bytes]) -> Path:
    """A gzipped tarball laid out as npm's: every member under ``package/``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(path, "w:gz") as tar:
        for name, content in {"package.json": b"{}", **members}.items():
            info = tarfile.TarInfo(f"package/{name}")
            info.size = len(content)
            tar.addfile(info, io.BytesIO(content))
    return path


def registry_tree(root: Path, data: dict) -> Path:
    """``root/<package>/-/<package>-<version>.tgz`` holding each item's bytes at its path."""
    by_tarball = {}
    for item, content in data.items():
        by_tarball.setdefault((item.package, item.tarball), {})[item.member] = content
    for (package, tarball), members in by_tarball.items():
        npm_tarball(root / package / "-" / tarball, members)
    return root


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def serve():
    """``serve(directory) -> (base_url, paths requested)``; servers stop after the test."""
    servers = []

    def start(directory):
        requested = []

        class Handler(_QuietHandler):
            def do_GET(self):
                requested.append(self.path)
                super().do_GET()

        handler = functools.partial(Handler, directory=str(directory))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}", requested

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


# -- the pinned facts ---------------------------------------------------------------------


def test_every_cdn_file_of_the_installed_asv_is_pinned():
    remote = remote_assets((ASV_WWW / "index.html").read_text())
    assert len(remote) == 10
    assert set(remote) == {item.url for item in VENDORED}
    assert len({item.file for item in VENDORED}) == len(VENDORED)
    assert all(re.fullmatch(r"[0-9a-f]{64}", item.sha256) for item in VENDORED)


def test_the_notice_names_every_package_file_and_licence():
    notice = (ROOT / "docs" / "NOTICE.md").read_text()
    for item in VENDORED:
        assert f"{item.package}@{item.version}" in notice, item
        assert f"`{item.member}`" in notice, item
    assert notice.count("| MIT") == len({item.package for item in VENDORED})


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_the_repository_holds_none_of_the_third_party_files():
    listed = subprocess.run(
        ["git", "-C", str(ROOT), "ls-files", "-z"], capture_output=True, check=False
    )
    if listed.returncode != 0:
        pytest.skip("not a git checkout")
    pinned = {item.sha256 for item in VENDORED}
    tracked = [ROOT / name for name in listed.stdout.decode().split("\0") if name]
    assert len(tracked) > 50
    copies = [p for p in tracked if p.is_file() and sha256(p.read_bytes()) in pinned]
    assert copies == []
    assert not (ROOT / "src" / "nemos_bench" / "asv_tools" / "_www").exists()


# -- finding the files: --www-dir, the cache, the registry ----------------------------------


def test_files_by_name_in_www_dir_are_used_and_cached(tmp_path):
    data = stand_ins()
    www, cache = tmp_path / "www", tmp_path / "cache"
    www.mkdir()
    for item, content in data.items():
        (www / item.file).write_bytes(content)
    assets = gather_assets(data, www_dir=www, cache_dir=cache, download=False)
    assert assets.missing == {}
    assert assets.files == data
    assert set(assets.origin.values()) == {"www-dir"}
    assert {p.name: p.read_bytes() for p in cache.iterdir()} == {
        item.file: content for item, content in data.items()
    }
    again = gather_assets(data, cache_dir=cache, download=False)  # no directory, no network
    assert again.files == data and set(again.origin.values()) == {"cache"}


def test_npm_tarballs_in_www_dir_are_read(tmp_path):
    data = stand_ins()
    www = tmp_path / "www"
    for item in data:  # flat, as `npm pack` writes them: jquery-3.3.1.tgz, ...
        members = {other.member: c for other, c in data.items() if other.tarball == item.tarball}
        npm_tarball(www / item.tarball, members)
    assert len(list(www.iterdir())) == 6
    assets = gather_assets(data, www_dir=www, cache_dir=tmp_path / "cache", download=False)
    assert assets.missing == {} and assets.files == data


def test_a_file_with_another_hash_is_refused_and_a_bad_cache_entry_replaced(tmp_path):
    data = stand_ins(VENDORED[:2])
    (jquery, jq_bytes), (flot, flot_bytes) = data.items()
    www, cache = tmp_path / "www", tmp_path / "cache"
    www.mkdir()
    cache.mkdir()
    (www / jquery.file).write_bytes(jq_bytes + b"tampered")
    (cache / flot.file).write_bytes(b"stale")
    (www / flot.file).write_bytes(flot_bytes)
    assets = gather_assets(data, www_dir=www, cache_dir=cache, download=False)
    assert set(assets.files) == {flot} and list(assets.missing) == [jquery]
    reason = assets.missing[jquery]
    assert str(www / jquery.file) in reason and "SHA-256" in reason
    assert jquery.sha256[:12] in reason
    assert not (cache / jquery.file).exists()  # a refused file is never cached
    assert (cache / flot.file).read_bytes() == flot_bytes


def test_files_are_downloaded_once_per_tarball_then_found_in_the_cache(tmp_path, serve):
    data = stand_ins()
    base, requested = serve(registry_tree(tmp_path / "registry", data))
    cache = tmp_path / "cache"
    assets = gather_assets(data, cache_dir=cache, registry=base)
    assert assets.missing == {} and assets.files == data
    assert set(assets.origin.values()) == {"registry"}
    assert sorted(requested) == sorted({f"/{i.package}/-/{i.tarball}" for i in data})
    assert len(requested) == 6  # flot's four files and bootstrap's two share a tarball
    offline = gather_assets(data, cache_dir=cache, registry=closed_port_url())
    assert offline.files == data and set(offline.origin.values()) == {"cache"}


def test_a_tampered_or_absent_tarball_is_refused_the_rest_still_fetched(tmp_path, serve):
    data = stand_ins()
    served = dict(data)
    jquery = next(item for item in data if item.package == "jquery")
    served[jquery] = b"alert('not jQuery')"
    root = registry_tree(tmp_path / "registry", served)
    blueimp = next(item for item in data if item.package == "blueimp-md5")
    (root / blueimp.package / "-" / blueimp.tarball).unlink()
    base, _ = serve(root)
    cache = tmp_path / "cache"
    assets = gather_assets(data, cache_dir=cache, registry=base)
    assert set(assets.missing) == {jquery, blueimp}
    assert "SHA-256" in assets.missing[jquery] and jquery.tarball in assets.missing[jquery]
    assert "HTTP 404" in assets.missing[blueimp]
    assert len(assets.files) == 8
    assert sorted(p.name for p in cache.iterdir()) == sorted(i.file for i in assets.files)


def test_an_unreachable_registry_leaves_every_uncached_file_missing(tmp_path):
    data = stand_ins()
    url = closed_port_url()
    assets = gather_assets(data, cache_dir=tmp_path / "cache", registry=url, timeout=5)
    assert assets.files == {}
    assert set(assets.missing) == set(data)
    assert all(reason.startswith(f"{url} {UNREACHABLE}") for reason in assets.missing.values())
    assert not (tmp_path / "cache").exists()


# -- rewriting the published pages ----------------------------------------------------------


@pytest.fixture
def published(tmp_path):
    html = tmp_path / "html"
    shutil.copytree(ASV_WWW, html)
    return html


def test_make_offline_points_every_page_at_the_files(published):
    data = stand_ins()
    result = make_offline(published, Assets(data))
    assert result.remaining == ()
    assert set(result.replaced) == {item.url for item in VENDORED}
    page = (published / "index.html").read_text()
    assert remote_assets(page) == []
    for item, content in data.items():
        assert (published / VENDOR_DIR / item.file).read_bytes() == content
        tag = re.search(rf"<[^>]*{re.escape(VENDOR_DIR)}/{re.escape(item.file)}[^>]*>", page)[0]
        assert "integrity" not in tag and "crossorigin" not in tag
    assert page.count('onerror="js_load_failure()"') == 9  # asv's fallback stays
    assert "https://github.com/airspeed-velocity/asv/" in page  # a link, not a load
    assert make_offline(published, Assets(data)).remaining == ()
    assert (published / "index.html").read_text() == page  # idempotent


def test_make_offline_leaves_files_it_lacks_on_their_cdn(published):
    data = stand_ins(VENDORED[:1])
    result = make_offline(published, Assets(data))
    assert result.replaced == (VENDORED[0].url,)
    assert set(result.remaining) == {f"index.html: {item.url}" for item in VENDORED[1:]}
    page = (published / "index.html").read_text()
    assert f'src="{VENDOR_DIR}/{VENDORED[0].file}"' in page
    assert sorted(p.name for p in (published / VENDOR_DIR).iterdir()) == [VENDORED[0].file]


def test_make_offline_reports_what_it_has_no_file_for(published):
    page = published / "index.html"
    page.write_text(
        page.read_text().replace(
            "</head>", '<script src="https://cdn.example.org/new-lib.js"></script></head>'
        )
    )
    result = make_offline(published, Assets(stand_ins()))
    assert result.remaining == ("index.html: https://cdn.example.org/new-lib.js",)


def test_make_offline_needs_a_published_directory(tmp_path):
    with pytest.raises(FileNotFoundError, match="run `asv publish` first"):
        make_offline(tmp_path, Assets())


# -- nemos-bench asv publish ----------------------------------------------------------------


def asv_project(tmp_path: Path) -> Path:
    """A git repository with this asv.conf.json and no results: `asv publish` runs in ~1 s."""
    repo = tmp_path / "repo"
    (repo / "results" / "asv").mkdir(parents=True)
    shutil.copy(ROOT / "asv.conf.json", repo / "asv.conf.json")
    (repo / "results" / "asv" / "benchmarks.json").write_text('{"version": 2}')
    ident = ["-c", "user.name=t", "-c", "user.email=t@example.com"]
    for args in (
        ["init", "-q", "-b", "main"],
        [*ident, "commit", "-q", "--allow-empty", "-m", "x"],
    ):
        subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True)
    return repo


@pytest.fixture
def no_network(tmp_path, monkeypatch):
    """An empty cache and a registry nobody listens on."""
    monkeypatch.setenv("NEMOS_BENCH_CACHE", str(tmp_path / "user-cache"))
    monkeypatch.setenv(REGISTRY_ENV_VAR, closed_port_url())


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_publish_without_network_still_publishes_and_says_what_is_missing(
    tmp_path, no_network, capsys
):
    repo = asv_project(tmp_path)
    config = str(repo / "asv.conf.json")
    assert main(["asv", "publish", "--config", config]) == 0
    out = capsys.readouterr().out.strip().splitlines()[-1]
    assert out.startswith(f"The dashboard in {repo / 'reports' / 'asv'} will need the network")
    assert all(item.file in out for item in VENDORED) and UNREACHABLE in out
    page = (repo / "reports" / "asv" / "index.html").read_text()
    assert set(remote_assets(page)) == {item.url for item in VENDORED}  # asv's page, intact
    assert main(["asv", "publish", "--config", config, "--offline-required"]) == 1


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_publish_from_www_dir_serves_everything_and_keeps_it(
    tmp_path, no_network, monkeypatch, capsys
):
    data = stand_ins()
    monkeypatch.setattr(asv_cli, "gather_assets", functools.partial(gather_assets, data))
    www = tmp_path / "www"
    www.mkdir()
    for item, content in data.items():
        (www / item.file).write_bytes(content)
    repo = asv_project(tmp_path)
    config = str(repo / "asv.conf.json")
    args = ["asv", "publish", "--config", config, "--offline-required"]
    assert main([*args, "--www-dir", str(www)]) == 0
    out = capsys.readouterr().out.strip().splitlines()[-1]
    assert f"10 CDN files served from {repo / 'reports' / 'asv' / VENDOR_DIR}" in out
    assert f"10 from {www}" in out
    html = repo / "reports" / "asv"
    assert remote_assets((html / "index.html").read_text()) == []
    assert {p.name for p in (html / VENDOR_DIR).iterdir()} == {i.file for i in data}
    shutil.rmtree(www)
    assert main(args) == 0  # from the cache, still without network
    assert "10 from the cache" in capsys.readouterr().out


def test_publish_with_bad_paths_is_a_usage_error(tmp_path, capsys):
    assert main(["asv", "publish", "--config", str(tmp_path / "asv.conf.json")]) == 2
    err = capsys.readouterr().err
    assert "does not exist" in err and len(err.strip().splitlines()) == 1
    config = tmp_path / "asv.conf.json"
    config.write_text("{}")
    assert main(["asv", "publish", "--config", str(config), "--www-dir", "nope"]) == 2
    err = capsys.readouterr().err
    assert "--www-dir 'nope' is not a directory" in err and len(err.strip().splitlines()) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["asv.conf.json"]


# -- with the network: the real files -------------------------------------------------------


def real_files(cache_dir) -> Assets:
    """The pinned files from npm (or ``cache_dir``); skips where the registry is unreachable."""
    assets = gather_assets(cache_dir=cache_dir)
    if assets.missing and all(UNREACHABLE in r for r in assets.missing.values()):
        pytest.skip(f"needs the npm registry: {next(iter(assets.missing.values()))}")
    assert assets.missing == {}
    return assets


def integrity_of_asv_page() -> dict[str, str]:
    """``url -> integrity`` of every script and style sheet asv's own index.html pins."""
    page = (ASV_WWW / "index.html").read_text()
    found = {}
    for tag in re.findall(r"<(?:script|link)\b[^>]*>", page):
        url = re.search(r'(?:src|href)="(https?://[^"]+)"', tag)
        integrity = re.search(r'integrity="([^"]+)"', tag)
        if url and integrity:
            found[url[1]] = integrity[1]
    return found


def sri(data: bytes, algorithm: str) -> str:
    return f"{algorithm}-" + base64.b64encode(hashlib.new(algorithm, data).digest()).decode()


def test_the_pinned_npm_files_download_and_same_as_cdn_is_true(tmp_path):
    """From the real registry; `same_as_cdn` exactly where asv's integrity hash matches."""
    assets = real_files(tmp_path / "cache")
    assert set(assets.origin.values()) == {"registry"}
    pinned = integrity_of_asv_page()
    assert set(pinned) == {item.url for item in VENDORED}
    for item in VENDORED:
        data = assets.files[item]
        assert sha256(data) == item.sha256
        algorithm = pinned[item.url].split("-", 1)[0]
        assert (sri(data, algorithm) == pinned[item.url]) is item.same_as_cdn, item.file
    assert sum(item.same_as_cdn for item in VENDORED) == 5


@pytest.fixture(scope="session")
def npm_files_dir(request, tmp_path_factory):
    """The real files by name, kept in pytest's cache so reruns need no network."""
    cache = getattr(request.config, "cache", None)
    directory = cache.mkdir("nemos-bench-asv-www") if cache else tmp_path_factory.mktemp("www")
    real_files(directory)
    return Path(directory)


@pytest.mark.browser
@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_the_published_dashboard_draws_graphs_with_the_network_blocked(tmp_path, serve, request):
    from test_report_browser import CHROMIUM, chromium

    if CHROMIUM is None:
        pytest.skip("No Chromium binary found; `apt-get install -y chromium`.")
    www = request.getfixturevalue("npm_files_dir")
    from test_asv import asv_repo_with_two_commits

    repo, _, _ = asv_repo_with_two_commits(tmp_path)
    config = str(repo / "asv.conf.json")
    publish = ["asv", "publish", "--config", config, "--www-dir", str(www), "--offline-required"]
    assert main(publish) == 0
    html = repo / "reports" / "asv"
    shutil.copy(ASV_WWW / "index.html", html / "cdn.html")  # asv's page as published
    base, _ = serve(html)
    offline = ("--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",)

    def dom(page):
        url = f"{base}/{page}#fit.TrackFit.track_objective"
        return chromium(*offline, "--dump-dom", url, tmp_path=tmp_path).stdout

    drawn = dom("index.html")
    assert len(re.findall(r'<canvas class="flot-base"', drawn)) >= 2  # graph and its overview
    assert "fit.TrackFit.track_objective" in drawn
    cdn = dom("cdn.html")  # the same data, scripts from CDNs: nothing is drawn offline
    assert "flot-base" not in cdn
    assert "external (JavaScript) dependencies of airspeed velocity failed to load" in cdn
