"""Cells of one commit's asv results (see :func:`load_asv_commit`)."""

from __future__ import annotations

import ast
import itertools
import json
from pathlib import Path

import pandas as pd

from ..results import format_samples
from ._asv_config import CompareSourceError, asv_repo_dir, asv_results_dir, resolve_commit
from ._cells import CELL_COLUMNS, Cells, isnan, typed

__all__ = ["ASV_FIELDS", "load_asv_commit"]

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
    if all(isnan(v) for v in values.values()):
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
            row[field] = None if value is None or isnan(value) else value
        rows.append(row)
    frame = pd.DataFrame(rows).reindex(columns=list(CELL_COLUMNS))
    frame["reference_objective"] = frame["objective"] - frame["suboptimality"]
    label = f"asv {commit[:8]} on {machine_name}"
    return Cells(label=label, frame=typed(frame))


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
