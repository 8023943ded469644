"""The third-party files asv's dashboard loads from CDNs, pinned to npm releases by SHA-256.

nemos-bench keeps no copy of these files: only where each comes from (an npm package, its
version and the path inside its tarball) and the SHA-256 its bytes must have.
:func:`~nemos_bench.asv_tools.gather_assets` fetches and checks them at publish time.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

__all__ = ["NPM_REGISTRY", "REGISTRY_ENV_VAR", "VENDORED", "Vendored", "npm_registry"]

#: The npm registry the files are fetched from.
NPM_REGISTRY = "https://registry.npmjs.org"
#: Environment variable naming another registry (a mirror with the same tarball layout).
REGISTRY_ENV_VAR = "NEMOS_BENCH_NPM_REGISTRY"


def npm_registry() -> str:
    """The registry to fetch from: ``$NEMOS_BENCH_NPM_REGISTRY`` if set, else npm's.

    Examples
    --------
    >>> npm_registry().startswith("http")
    True
    """
    return (os.environ.get(REGISTRY_ENV_VAR) or NPM_REGISTRY).rstrip("/")


@dataclass(frozen=True)
class Vendored:
    """One file asv's page loads from a CDN, and the npm file nemos-bench serves instead.

    Attributes
    ----------
    url : str
        The address asv's page loads.
    file : str
        The name the file gets beside the published page (and in the cache).
    package, version : str
        The npm package and release whose tarball holds the file.
    member : str
        The file's path inside the package (the tarball prefixes it with ``package/``).
    sha256 : str
        Hex SHA-256 the file must have; anything else is refused.
    same_as_cdn : bool
        Whether the npm file has the very bytes the page asks for (its hash matches the
        ``integrity`` hash asv pins); otherwise it is the same release unminified, or (for
        stupidtable, which npm has only from 1.1.3 on) a later release of the same plugin.

    Examples
    --------
    >>> jquery = VENDORED[0]
    >>> jquery.tarball
    'jquery-3.3.1.tgz'
    >>> jquery.tarball_url("https://registry.npmjs.org")
    'https://registry.npmjs.org/jquery/-/jquery-3.3.1.tgz'
    """

    url: str
    file: str
    package: str
    version: str
    member: str
    sha256: str
    same_as_cdn: bool

    @property
    def tarball(self) -> str:
        """File name of the package's tarball, as the registry and ``npm pack`` name it."""
        return f"{self.package}-{self.version}.tgz"

    def tarball_url(self, registry: str | None = None) -> str:
        """Address of the package's tarball on ``registry`` (default :func:`npm_registry`)."""
        base = (registry or npm_registry()).rstrip("/")
        return f"{base}/{self.package}/-/{self.tarball}"


_CDNJS = "https://cdnjs.cloudflare.com/ajax/libs"
_FLOT = f"{_CDNJS}/flot/0.8.3"
_BOOTSTRAP = "https://cdn.jsdelivr.net/npm/bootstrap@3.1.1/dist"

#: The CDN files of asv 0.6's pages, each with the npm file that replaces it.
VENDORED = (
    Vendored(
        "https://code.jquery.com/jquery-3.3.1.min.js",
        "jquery-3.3.1.min.js",
        "jquery",
        "3.3.1",
        "dist/jquery.min.js",
        "160a426ff2894252cd7cebbdd6d6b7da8fcd319c65b70468f10b6690c45d02ef",
        True,
    ),
    Vendored(
        f"{_FLOT}/jquery.flot.min.js",
        "flot-0.8.3.flot.js",
        "flot",
        "0.8.3",
        "jquery.flot.js",
        "b7b931f273c38b1277b9c6c1f4e05c4ec09885a487bddaf3279e2d7e49a38e12",
        False,
    ),
    Vendored(
        f"{_FLOT}/jquery.flot.time.min.js",
        "flot-0.8.3.flot.time.js",
        "flot",
        "0.8.3",
        "jquery.flot.time.js",
        "a582c832adc7138a6b05aaf61f16ebac274701f1be4afea77e739a1c34b9c41a",
        False,
    ),
    Vendored(
        f"{_FLOT}/jquery.flot.selection.min.js",
        "flot-0.8.3.flot.selection.js",
        "flot",
        "0.8.3",
        "jquery.flot.selection.js",
        "e6c85f6c1ebe4b4da29d8ae238c7c5060283f05f7ef054f6b91817d02c092918",
        False,
    ),
    Vendored(
        f"{_FLOT}/jquery.flot.categories.min.js",
        "flot-0.8.3.flot.categories.js",
        "flot",
        "0.8.3",
        "jquery.flot.categories.js",
        "6e81664b28ea795c734906f4aa15614640a75ac7fbd399a7fb9084040698351a",
        False,
    ),
    Vendored(
        "https://cdn.jsdelivr.net/npm/flot-orderbars@1.0.0/js/jquery.flot.orderBars.js",
        "flot-orderbars-1.0.0.js",
        "flot-orderbars",
        "1.0.0",
        "js/jquery.flot.orderBars.js",
        "39735b4f46f96ff4e082572401f47c55a2767b366fd1d1e821e44a8d830a12bf",
        True,
    ),
    Vendored(
        f"{_CDNJS}/stupidtable/1.0.1/stupidtable.min.js",
        "stupidtable-1.1.3.min.js",
        "stupid-table-plugin",
        "1.1.3",
        "stupidtable.min.js",
        "4642380f28ebe9ed7cac251793b281ef8620c4386205d92788f9b12f5cceb4e0",
        False,
    ),
    Vendored(
        f"{_CDNJS}/blueimp-md5/2.19.0/js/md5.min.js",
        "blueimp-md5-2.19.0.min.js",
        "blueimp-md5",
        "2.19.0",
        "js/md5.min.js",
        "64d7ded388c562e4bde9e58ce205e5fa01b9734fcd434d496eb7b4fbfe9b927d",
        True,
    ),
    Vendored(
        f"{_BOOTSTRAP}/js/bootstrap.min.js",
        "bootstrap-3.1.1.min.js",
        "bootstrap",
        "3.1.1",
        "dist/js/bootstrap.min.js",
        "898d05a17f2cfc5120ddcdba47a885c378c0b466f30f0700e502757e24b403a1",
        True,
    ),
    Vendored(
        f"{_BOOTSTRAP}/css/bootstrap.min.css",
        "bootstrap-3.1.1.min.css",
        "bootstrap",
        "3.1.1",
        "dist/css/bootstrap.min.css",
        "e9503448692b738dd260fbd7f7cabf2e11f09b600fa97e6eb3a56eba5b1a7e9b",
        True,
    ),
)
