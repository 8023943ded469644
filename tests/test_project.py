"""Project wiring: README's commands, CI script and package metadata stay consistent."""

import re
import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]


def _readme_commands():
    readme = (ROOT / "README.md").read_text()
    quick_start = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```bash\n(.+?)\n```", quick_start)


def test_readme_quick_start_has_the_two_commands():
    commands = _readme_commands()
    assert len(commands) == 2
    main_job, tests = commands
    assert main_job.startswith("python -m pip install -e .")
    assert tests == 'python -m pip install -e ".[dev]" && python -m pytest -n 2'


def test_ci_runs_exactly_readmes_test_command_and_rejects_exit_5():
    ci = (ROOT / ".ci" / "run").read_text()
    test_command = _readme_commands()[1]
    assert f"TEST_CMD='{test_command}'" in ci
    assert '"$rc" -eq 5' in ci


def test_package_metadata():
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())
    project = meta["project"]
    assert project["name"] == "nemos-bench"
    assert project["scripts"]["nemos-bench"] == "nemos_bench.cli:main"
    deps = " ".join(project["dependencies"])
    for dep in ("nemos", "jax", "scipy", "numpy", "pandas", "matplotlib", "scikit-learn", "asv"):
        assert dep in deps


def test_schema_doc_matches_the_schema_module():
    from nemos_bench.results import schema_markdown

    assert schema_markdown() in (ROOT / "docs" / "schema.md").read_text()
