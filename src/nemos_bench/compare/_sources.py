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

import ast
import itertools
import json
import math
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..results import format_samples, read_summary
from ._asv_config import (
    CompareError,
    CompareSourceError,
    asv_repo_dir,
    asv_results_dir,
    resolve_commit,
)
from ._pool import pool_frames

__all__ = [
    "ASV_FIELDS",
    "CELL_COLUMNS",
    "Cells",
    "CompareError",
    "CompareSourceError",
    "asv_repo_dir",
    "asv_results_dir",
    "load_asv_commit",
    "load_cells",
    "load_run_dir",
]

#: Columns of a cells table.
CELL_COLUMNS = (
    "env",
    "problem_id",
    "solver",
    "tol",
    "status",
    "fit_s",
    "compile_s",
    "objective",
    "suboptimality",
    "reference_objective",
    "n_steps",
    "converged",
    "reached_max_steps",
    "outcome",
    "fit_s_min",
    "fit_s_max",
    "fit_s_ci_low",
    "fit_s_ci_high",
    "fit_s_samples",
    "runs",
    "fit_s_run_fastest",
)

#: asv benchmark (last name component) -> cell column it measures.
ASV_FIELDS = {
    "time_fit": "fit_s",
    "track_compile_s": "compile_s",
    "track_objective": "objective",
    "track_suboptimality": "suboptimality",
    "track_n_steps": "n_steps",
    "track_converged": "converged",
}

_DEFAULT_PARAM_NAMES = ("solver", "problem", "tol")


@dataclass(frozen=True)
class Cells:
    """The cells of one side of a comparison.

    Attributes
    ----------
    label : str
        What the cells came from (a run directory, or ``asv <hash> on <machine>``).
    frame : pandas.DataFrame
        One row per cell, columns :data:`CELL_COLUMNS`.
    """

    label: str
    frame: pd.DataFrame


def load_run_dir(path: str | Path) -> Cells:
    """Cells of a run directory written by ``nemos-bench run`` (its ``summary.csv``)."""
    summary = read_summary(path)
    frame = summary.reindex(columns=[c for c in CELL_COLUMNS if c != "env"]).copy()
    frame.insert(0, "env", "")
    return Cells(label=str(path), frame=_typed(frame))


def _param_names(results_dir: Path) -> dict[str, list[str]]:
    path = results_dir / "benchmarks.json"
    if not path.is_file():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    return {
        name: list(info.get("param_names", []))
        for name, info in data.items()
        if isinstance(info, dict)
    }


def _asv_files(results_dir: Path, commit: str, machine: str | None) -> tuple[str, list[Path]]:
    machines = (
        sorted(p for p in results_dir.iterdir() if p.is_dir()) if results_dir.is_dir() else []
    )
    if machine is not None:
        machines = [p for p in machines if p.name == machine]
    found = {p.name: sorted(p.glob(f"{commit[:8]}*-*.json")) for p in machines}
    found = {name: files for name, files in found.items() if files}
    if not found:
        where = f"machine {machine!r} under " if machine else ""
        raise CompareSourceError(
            f"No asv results for commit {commit[:8]} for {where}{results_dir}; run "
            "`asv run --set-commit-hash=<hash>` first, or pass a run directory."
        )
    if len(found) > 1:
        raise CompareSourceError(
            f"asv results for commit {commit[:8]} exist for several machines "
            f"{sorted(found)}; choose one with --machine."
        )
    return next(iter(found.items()))


def _cell_status(values: dict) -> str:
    if any(v is None for v in values.values()):
        return "failed"
    if all(_isnan(v) for v in values.values()):
        return "skipped"
    return "ok"


def load_asv_commit(
    commit: str,
    results_dir: str | Path | None = None,
    *,
    machine: str | None = None,
    env: str | None = None,
    config: str | Path | None = None,
) -> Cells:
    """Cells of one commit's asv results: one row per (env, problem, solver, tol).

    Parameters
    ----------
    commit : str
        Commit hash (a prefix of at least 4 hex digits) or a git ref.
    results_dir : path-like, optional
        asv's ``results_dir``; default: the one of ``config``.
    machine : str, optional
        asv machine name; needed only when several machines have results for the commit.
    env : str, optional
        Keep only environments whose name contains this text.
    config : path-like, optional
        asv configuration (default ``./asv.conf.json``): where results are, and the ``repo``
        in which a git ref is resolved (a NeMoS checkout for ``nemos-bench asv init``'s).

    Returns
    -------
    Cells
        ``status`` is ``failed`` where asv saved no value (``null``) for a benchmark of the
        cell, ``skipped`` where every value is NaN (asv's skip), else ``ok``.
    """
    from asv.results import Results

    results_dir = Path(results_dir) if results_dir is not None else asv_results_dir(config)
    commit = resolve_commit(commit, asv_repo_dir(config))
    machine_name, files = _asv_files(results_dir, commit, machine)
    names = _param_names(results_dir)
    cells: dict[tuple, dict] = {}
    for path in files:
        result = Results.load(str(path))
        if env is not None and env not in result.env_name:
            continue
        for key in result.get_all_result_keys():
            field = ASV_FIELDS.get(key.rsplit(".", 1)[-1])
            if field is None:
                continue
            params = result.get_result_params(key)
            param_names = names.get(key) or list(_DEFAULT_PARAM_NAMES)
            if len(param_names) != len(params) or not set(_DEFAULT_PARAM_NAMES) <= set(param_names):
                continue  # not a (solver, problem, tol) benchmark
            values = result.get_result_value(key, params)
            spreads = _asv_spreads(result, key, params) if field == "fit_s" else None
            for i, (combo, value) in enumerate(zip(_product(params), values, strict=True)):
                labelled = dict(zip(param_names, (ast.literal_eval(p) for p in combo), strict=True))
                cell = (
                    result.env_name,
                    labelled["problem"],
                    labelled["solver"],
                    float(labelled["tol"]),
                )
                cells.setdefault(cell, {})[field] = value
                if spreads is not None:
                    cells[cell].update(spreads[i])
    if not cells:
        raise CompareSourceError(
            f"The asv results of commit {commit[:8]} on {machine_name!r} hold no fit benchmarks"
            + (f" for an environment matching {env!r}." if env else ".")
        )
    rows = []
    for (env_name, problem_id, solver, tol), values in cells.items():
        row = {"env": env_name, "problem_id": problem_id, "solver": solver, "tol": tol}
        spread = {k: values.pop(k) for k in _SPREAD if k in values}
        row["status"] = _cell_status(values)
        for field, value in {**values, **spread}.items():
            row[field] = None if value is None or _isnan(value) else value
        rows.append(row)
    frame = pd.DataFrame(rows).reindex(columns=list(CELL_COLUMNS))
    frame["reference_objective"] = frame["objective"] - frame["suboptimality"]
    label = f"asv {commit[:8]} on {machine_name}"
    return Cells(label=label, frame=_typed(frame))


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
        return Cells(label=label, frame=_typed(pool_frames([p.frame for p in parts])))
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


#: Cell columns filled from asv's samples and statistics of ``time_fit``.
_SPREAD = ("fit_s_samples", "fit_s_ci_low", "fit_s_ci_high")


def _asv_spreads(result, key: str, params) -> list[dict]:
    """Per parameter combination: raw samples and asv's 99% interval of the median.

    Samples exist when asv recorded them (``asv run --record-samples``); the interval is
    asv's ``ci_99_a`` and ``ci_99_b`` statistics.
    """
    n = len(list(_product(params)))
    samples = result.get_result_samples(key, params) or [None] * n
    stats = result.get_result_stats(key, params) or [None] * n
    out = []
    for sample, stat in zip(samples, stats, strict=True):
        entry = {}
        if sample:
            entry["fit_s_samples"] = format_samples(sample)
        if isinstance(stat, dict) and stat.get("ci_99_a") is not None:
            entry["fit_s_ci_low"] = stat["ci_99_a"]
            entry["fit_s_ci_high"] = stat["ci_99_b"]
        out.append(entry)
    return out


def _product(params):
    return itertools.product(*params)


def _isnan(value) -> bool:
    return isinstance(value, float) and math.isnan(value)


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.copy()
    floats = ("tol", "fit_s", "compile_s", "objective", "suboptimality")
    for column in floats + ("fit_s_min", "fit_s_max", "fit_s_ci_low", "fit_s_ci_high"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype(float)
    frame["reference_objective"] = pd.to_numeric(
        frame["reference_objective"], errors="coerce"
    ).astype(float)
    frame["n_steps"] = pd.to_numeric(frame["n_steps"], errors="coerce").astype("Int64")
    frame["converged"] = frame["converged"].map(
        lambda v: pd.NA if v is None or _isnan(v) or v is pd.NA else bool(v)
    )
    frame["converged"] = frame["converged"].astype("boolean")
    frame["reached_max_steps"] = frame["reached_max_steps"].map(
        lambda v: pd.NA if v is None or _isnan(v) or v is pd.NA else bool(v)
    )
    frame["reached_max_steps"] = frame["reached_max_steps"].astype("boolean")
    runs = pd.to_numeric(frame["runs"], errors="coerce").fillna(1)
    frame["runs"] = runs.astype(int)
    text = (
        "env",
        "problem_id",
        "solver",
        "status",
        "outcome",
        "fit_s_samples",
        "fit_s_run_fastest",
    )
    for column in text:
        frame[column] = frame[column].astype(object).fillna("").astype(str)
    return frame.reset_index(drop=True)
