"""The dashboard's third-party files at publish time: from a directory, the cache or npm.

Every file is looked for, in this order, in a directory the user names (``--www-dir``: the
files by their names, or the npm tarballs as ``npm pack`` names them), in the cache
(``$NEMOS_BENCH_CACHE/asv-www``, default ``~/.cache/nemos-bench/asv-www``), then in its npm
package's tarball on the registry. A file is used only when its SHA-256 is the pinned one;
files found outside the cache are written to it, so later publishes need no network.
Standard library only (``urllib`` and ``tarfile``).
"""

from __future__ import annotations

import hashlib
import http.client
import io
import os
import tarfile
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from ._vendored import VENDORED, Vendored, npm_registry

__all__ = ["Assets", "default_www_cache", "gather_assets", "write_atomic"]


def default_www_cache() -> Path:
    """Where fetched files are kept: ``asv-www`` in nemos-bench's cache directory.

    Examples
    --------
    >>> default_www_cache().name
    'asv-www'
    """
    from ..problems import default_cache_dir

    return default_cache_dir() / "asv-www"


@dataclass(frozen=True)
class Assets:
    """The third-party files that could be had (checked), and why the others could not.

    Attributes
    ----------
    files : dict
        ``Vendored -> bytes`` of each file obtained, its SHA-256 equal to the pinned one.
    origin : dict
        ``Vendored -> "www-dir" | "cache" | "registry"``: where each file came from.
    missing : dict
        ``Vendored -> reason`` (one phrase) for each file that could not be had.
    cache_dir : pathlib.Path or None
        The cache looked in and written to.
    cache_error : str or None
        Why new files could not be written to the cache (they are still usable), else None.
    """

    files: dict = field(default_factory=dict)
    origin: dict = field(default_factory=dict)
    missing: dict = field(default_factory=dict)
    cache_dir: Path | None = None
    cache_error: str | None = None


class _Unavailable(Exception):
    """A place that should hold a file does not give it (the message says why)."""


def gather_assets(
    items: Iterable[Vendored] = VENDORED,
    *,
    www_dir: str | Path | None = None,
    cache_dir: str | Path | None = None,
    download: bool = True,
    registry: str | None = None,
    timeout: float = 20.0,
) -> Assets:
    """Find each of ``items``' files, check its SHA-256 and keep it in the cache.

    Parameters
    ----------
    items : iterable of Vendored
        The files wanted (default: all of asv's page, :data:`VENDORED`).
    www_dir : path-like, optional
        A directory looked in first, holding files named as ``Vendored.file`` or npm
        tarballs named as ``Vendored.tarball``.
    cache_dir : path-like, optional
        The cache (default :func:`default_www_cache`); created when a file is written to it.
    download : bool
        Whether to fetch from the registry what the directory and the cache lack. After the
        first failure to reach it, no further download is tried.
    registry : str, optional
        Base address of the npm registry (default ``$NEMOS_BENCH_NPM_REGISTRY`` or
        https://registry.npmjs.org).
    timeout : float
        Seconds to wait for the registry, per request.

    Returns
    -------
    Assets
        Never raises for a file it cannot get: that file is in ``missing``, with the reason.

    Examples
    --------
    >>> import dataclasses, hashlib, pathlib, tempfile
    >>> www = pathlib.Path(tempfile.mkdtemp())
    >>> data = b"/* stands in for jQuery */"
    >>> item = dataclasses.replace(VENDORED[0], sha256=hashlib.sha256(data).hexdigest())
    >>> _ = (www / item.file).write_bytes(data)
    >>> assets = gather_assets([item], www_dir=www, cache_dir=www / "cache", download=False)
    >>> assets.origin[item], assets.files[item] == data, assets.missing
    ('www-dir', True, {})
    >>> (www / "cache" / item.file).read_bytes() == data  # later publishes find it there
    True
    """
    cache = Path(cache_dir) if cache_dir is not None else default_www_cache()
    fetch = _Registry(registry or npm_registry(), timeout) if download else None
    files, origin, missing, cache_error = {}, {}, {}, None
    for item in items:
        found, reasons = None, []
        for where, label, read in _places(item, www_dir, cache, fetch):
            try:
                data = read()
            except _Unavailable as err:
                reasons.append(str(err))
                continue
            if data is None:
                continue
            digest = hashlib.sha256(data).hexdigest()
            if digest == item.sha256:
                found = where, data
                break
            reasons.append(
                f"{label} has SHA-256 {digest[:12]}…, not the pinned {item.sha256[:12]}…"
            )
        if found is None:
            missing[item] = "; ".join(reasons) or _absent(www_dir, download)
            continue
        origin[item], files[item] = found
        if found[0] != "cache":
            try:
                write_atomic(cache / item.file, found[1])
            except OSError as err:
                cache_error = f"{cache} is not writable ({err.strerror or err})"
    return Assets(files, origin, missing, cache, cache_error)


def _absent(www_dir, download: bool) -> str:
    return (
        "not in the cache"
        + (" nor in --www-dir" if www_dir is not None else "")
        + ("" if download else " (downloads off)")
    )


def _places(item: Vendored, www_dir, cache: Path, fetch) -> list[tuple[str, str, Callable]]:
    """``(origin, label, read)`` of each place to look, in order; read gives bytes or None."""
    places = []
    if www_dir is not None:
        named, tarball = Path(www_dir) / item.file, Path(www_dir) / item.tarball
        places.append(("www-dir", str(named), partial(_read, named)))
        places.append(("www-dir", str(tarball), partial(_tarball_file, tarball, item)))
    places.append(("cache", str(cache / item.file), partial(_read, cache / item.file)))
    if fetch is not None:
        places.append(("registry", item.tarball_url(fetch.base), partial(fetch.member, item)))
    return places


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as err:
        raise _Unavailable(f"{path} is unreadable ({err.strerror or err})") from None


def _tarball_file(path: Path, item: Vendored) -> bytes | None:
    return _in_tarball(_read(path), item, path)


def _in_tarball(data: bytes | None, item: Vendored, label) -> bytes | None:
    """``item.member`` of an npm tarball (its members sit under one top directory)."""
    if data is None:
        return None
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:*") as tar:
            for info in tar:
                if info.isfile() and info.name.partition("/")[2] == item.member:
                    return tar.extractfile(info).read()
    except (tarfile.TarError, OSError, EOFError) as err:
        raise _Unavailable(f"{label} is not a readable tarball ({err})") from None
    raise _Unavailable(f"{label} holds no {item.member}")


class _Registry:
    """Downloads npm tarballs, each once; stops trying once the registry proved unreachable."""

    def __init__(self, base: str, timeout: float):
        self.base, self.timeout = base.rstrip("/"), timeout
        self.tarballs: dict[str, bytes | _Unavailable] = {}
        self.down: str | None = None

    def member(self, item: Vendored) -> bytes:
        url = item.tarball_url(self.base)
        if url not in self.tarballs:
            self.tarballs[url] = self._download(url)
        got = self.tarballs[url]
        if isinstance(got, _Unavailable):
            raise got
        return _in_tarball(got, item, url)

    def _download(self, url: str) -> bytes | _Unavailable:
        if self.down is not None:
            return _Unavailable(self.down)
        request = urllib.request.Request(url, headers={"User-Agent": "nemos-bench"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return response.read()
        except urllib.error.HTTPError as err:
            return _Unavailable(f"{url} answered HTTP {err.code}")
        except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as err:
            self.down = f"{self.base} could not be reached ({getattr(err, 'reason', err)})"
            return _Unavailable(self.down)


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file and ``os.replace`` (umask modes).

    Readers never see a half-written file; the parent directory is created if needed.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "sub" / "a.txt"
    >>> write_atomic(target, b"hello")
    >>> target.read_bytes()
    b'hello'
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.parent / f".{path.name}.{os.getpid()}.{uuid.uuid4().hex}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
