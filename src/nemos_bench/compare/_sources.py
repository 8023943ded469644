"""Where the cells of a comparison come from: a run directory or an asv commit's results.

Both become a :class:`Cells` table with one row per (env, problem_id, solver, tol) and the
columns in :data:`CELL_COLUMNS`. A run directory has one unnamed environment (``""``); an
asv commit has one environment per results file (``<machine>/<hash>-<env>.json``).

asv results are found through an asv configuration: its ``results_dir`` holds them, and a
git ref (``HEAD~1``, ``v0.2.8``) is resolved in its ``repo``, which is this harness for
``./asv.conf.json`` and the NeMoS checkout for a configuration written by
``nemos-bench asv init``.
"""

from __future__ import annotations

from pathlib import Path

from ..results import read_summary
from ._asv_config import CompareSourceError
from ._asv_source import load_asv_commit
from ._cells import CELL_COLUMNS, Cells, typed
from ._pool import pool_frames

__all__ = ["load_cells", "load_run_dir"]


def load_run_dir(path: str | Path) -> Cells:
    """Cells of a run directory written by ``nemos-bench run`` (its ``summary.csv``)."""
    summary = read_summary(path)
    frame = summary.reindex(columns=[c for c in CELL_COLUMNS if c != "env"]).copy()
    frame.insert(0, "env", "")
    return Cells(label=str(path), frame=typed(frame))


def load_cells(
    source,
    *,
    results_dir: str | Path | None = None,
    machine: str | None = None,
    env: str | None = None,
    config: str | Path | None = None,
) -> Cells:
    """Cells of ``source``: a :class:`Cells`, a run directory, or an asv commit hash/ref.

    Several runs of one side pool into one table (see ``_pool``): ``source`` may be a list
    of such sources, or a directory without ``summary.csv`` whose subdirectories are run
    directories (taken in name order).
    """
    if isinstance(source, Cells):
        return source
    sources = {"results_dir": results_dir, "machine": machine, "env": env, "config": config}
    if isinstance(source, (list, tuple)):
        if not source:
            raise CompareSourceError("An empty list of runs was given; pass at least one.")
        if len(source) == 1:
            return load_cells(source[0], **sources)
        parts = [load_cells(one, **sources) for one in source]
        label = f"{len(parts)} runs pooled: " + ", ".join(part.label for part in parts)
        return Cells(label=label, frame=typed(pool_frames([p.frame for p in parts])))
    path = Path(source)
    if path.is_dir():
        if (path / "summary.csv").is_file():
            return load_run_dir(path)
        runs = sorted(p for p in path.iterdir() if (p / "summary.csv").is_file())
        if not runs:
            raise CompareSourceError(
                f"{str(path)!r} is a directory without summary.csv and without run "
                "directories in it; pass a run directory written by `nemos-bench run --out "
                "DIR`, or a directory of such run directories (pooled)."
            )
        cells = load_cells(runs, **sources)
        what = f"{len(runs)} runs pooled" if len(runs) > 1 else "1 run"
        return Cells(label=f"{what} under {path}", frame=cells.frame)
    return load_asv_commit(str(source), results_dir, machine=machine, env=env, config=config)
