"""Start-up guard: a command imports only what it needs.

Each command runs in a fresh interpreter (as ``breastcds ...`` would); the modules it imported
(``sys.modules`` at exit) are listed and the heavy stacks it does not use must not be among
them. Times are measured by ``benchmarks/startup.py``, not asserted here.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from breastcds import __version__

# Runs the CLI as the console script does (breastcds.cli.main:run) and writes the imported
# module names to argv[1].
_RUN = """
import atexit, json, sys
out = sys.argv[1]
sys.argv = ["breastcds", *sys.argv[2:]]
atexit.register(lambda: open(out, "w").write(json.dumps(sorted(sys.modules))))
from breastcds.cli.main import run
run()
"""

#: Stacks no start-up path loads unless the command uses them (top-level package names).
HEAVY = {
    "dask": "Dask",
    "distributed": "Dask distributed",
    "polars": "polars (cohort engine, batch files)",
    "pyarrow": "Arrow",
    "pydicom": "DICOM",
    "scipy": "SciPy",
    "matplotlib": "plots",
    "weasyprint": "PDF report",
    "jinja2": "HTML templates",
    "fastapi": "service",
    "starlette": "service",
    "uvicorn": "service",
    "sqlalchemy": "service storage",
    "alembic": "service storage",
    "psycopg": "service storage",
    "httpx": "HTTP client",
    "jwt": "service tokens",
    "fhir": "fhir.resources",
}
#: Package parts that only their own commands load.
HEAVY_PARTS = (
    "breastcds.service",
    "breastcds.fhir",
    "breastcds.report",
    "breastcds.web",
    "breastcds.cohort",
    "breastcds.concordance",
    "breastcds.dose.dicom",
    "breastcds.dose.dvh",
)
#: ``--version`` needs none of the case model, the knowledge, numpy or the terminal renderer.
NOT_FOR_VERSION = {"pydantic", "numpy", "yaml", "rich"}


def imported_by(tmp_path: Path, *args: str) -> tuple[set[str], str]:
    """Modules imported by ``breastcds ARGS`` in a fresh interpreter, and its stdout."""
    listing = tmp_path / "modules.json"
    run = subprocess.run(
        [sys.executable, "-c", _RUN, str(listing), *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    return set(json.loads(listing.read_text(encoding="utf-8"))), run.stdout


def _heavy(modules: set[str], also: frozenset[str] | set[str] = frozenset()) -> list[str]:
    tops = {m.split(".")[0] for m in modules}
    found = sorted(t for t in tops if t in HEAVY or t in also)
    found += sorted(m for m in modules if m.startswith(HEAVY_PARTS))
    return found


def test_version_prints_the_version_and_imports_no_heavy_stack(tmp_path: Path) -> None:
    modules, out = imported_by(tmp_path, "--version")
    assert out.strip() == f"breastcds {__version__}"
    assert _heavy(modules, NOT_FOR_VERSION) == []
    # nothing of the package beyond the command-line definitions and the version
    assert {m for m in modules if m.startswith("breastcds")} <= {
        "breastcds",
        "breastcds._version",
        "breastcds.examples",
        *(m for m in modules if m.startswith("breastcds.cli.")),
        "breastcds.cli",
    }


def test_help_imports_no_heavy_stack(tmp_path: Path) -> None:
    modules, out = imported_by(tmp_path, "--help")
    assert "assess" in out and "--version" in out
    assert _heavy(modules, {"pydantic", "numpy", "yaml"}) == []


@pytest.mark.parametrize("fmt", ["json", "table"])
def test_one_case_assess_imports_no_heavy_stack(tmp_path: Path, fmt: str) -> None:
    modules, out = imported_by(
        tmp_path, "assess", "--example", "her2-low-metastatic", "--format", fmt
    )
    if fmt == "json":
        assert json.loads(out)["codes"]["her2.category"] == "HER2-low"
    # every capability section ran (its module is loaded) ...
    assert {
        "breastcds.options.section",
        "breastcds.radiotherapy.omission_section",
        "breastcds.dose.reirradiation_section",
        "breastcds.prognosis.section",
    } <= modules
    # ... and none of the stacks it does not use
    assert _heavy(modules) == []


def test_each_command_is_registered_by_the_module_listed_for_it() -> None:
    """The console script registers only the invoked command's module (REGISTRARS): the list
    names exactly the commands that module adds, and together every command of the app."""
    import typer
    from typer.main import get_command

    from breastcds.cli.main import REGISTRARS, app

    def names(cli: typer.Typer) -> set[str]:
        return set(get_command(cli).commands)  # type: ignore[attr-defined]

    listed: set[str] = set()
    for register, commands in REGISTRARS:
        one = typer.Typer()
        one.callback()(lambda: None)
        register(one)
        assert names(one) == set(commands), register.__module__
        listed |= set(commands)
    assert listed == names(app)
