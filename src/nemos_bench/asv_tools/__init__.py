"""asv beyond the harness's own history: NeMoS's commits on the x-axis, offline dashboards.

- :func:`init_history` (``nemos-bench asv init``) writes an asv configuration whose ``repo``
  is a NeMoS checkout, with this harness and its benchmarks installed into every
  environment; ``nemos-bench compare A B --config DIR/asv.conf.json`` then gates two NeMoS
  commits.
- :func:`gather_assets` obtains the dashboard's CDN scripts and style sheets (pinned npm
  files, :data:`VENDORED`; from a directory, the cache or the npm registry) and
  :func:`make_offline` serves them beside the published pages (``nemos-bench asv publish``).
"""

from ._checks import AsvSetupError
from ._cli import add_asv_parser, run_asv
from ._fetch import Assets, default_www_cache, gather_assets
from ._init import HistorySetup, init_history
from ._offline import OfflineResult, make_offline, remote_assets
from ._vendored import VENDORED, Vendored, npm_registry

__all__ = [
    "VENDORED",
    "Assets",
    "AsvSetupError",
    "HistorySetup",
    "OfflineResult",
    "Vendored",
    "add_asv_parser",
    "default_www_cache",
    "gather_assets",
    "init_history",
    "make_offline",
    "npm_registry",
    "remote_assets",
    "run_asv",
]
