"""Start-up guard: a command imports only what it needs, and reads validated knowledge back.

Each command runs in a fresh interpreter (as ``breastcds ...`` would); the modules it imported
(``sys.modules`` at exit) are listed and the heavy stacks it does not use must not be among
them. A second one-case ``assess`` reads the packaged knowledge from the validated-knowledge
cache (model/validated_cache.py) and builds no validator of the knowledge schemas. Times are
measured by ``benchmarks/startup.py``, not asserted here.
"""

from __future__ import annotations

import gc
import json
import os
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


def listed_by(
    tmp_path: Path, script: str, *args: str, env: dict[str, str] | None = None
) -> tuple[list[str], str]:
    """The names ``script`` (run as ``breastcds ARGS`` in a fresh interpreter) wrote to its
    listing file at exit, and its stdout."""
    listing = tmp_path / "listing.json"
    run = subprocess.run(
        [sys.executable, "-c", script, str(listing), *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=env,
    )
    assert run.returncode == 0, run.stderr
    names: list[str] = json.loads(listing.read_text(encoding="utf-8"))
    return names, run.stdout


def imported_by(tmp_path: Path, *args: str) -> tuple[set[str], str]:
    """Modules imported by ``breastcds ARGS`` in a fresh interpreter, and its stdout."""
    modules, out = listed_by(tmp_path, _RUN, *args)
    return set(modules), out


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
    # a metastatic case runs no PREDICT and no dose computation: numpy is not loaded
    if fmt == "json":
        assert "numpy" not in modules


def test_each_command_is_registered_by_the_module_listed_for_it() -> None:
    """The console script registers only the invoked command's module (COMMANDS): the list
    names exactly the commands that module adds, and together every command of the app."""
    import typer
    from typer.main import get_command

    from breastcds.cli.main import COMMANDS, app

    def names(cli: typer.Typer) -> set[str]:
        return set(get_command(cli).commands)  # type: ignore[attr-defined]

    listed: set[str] = set()
    for load, commands in COMMANDS:
        one = typer.Typer()
        one.callback()(lambda: None)
        load()(one)
        assert names(one) == set(commands), load.__name__
        listed |= set(commands)
    assert listed == names(app)


# Runs the CLI and writes the names of the package's pydantic models whose validators were
# built (``__pydantic_complete__``) to argv[1].
_BUILT = """
import atexit, json, sys
out = sys.argv[1]
sys.argv = ["breastcds", *sys.argv[2:]]
def built():
    import pydantic
    names, todo = set(), [pydantic.BaseModel]
    while todo:
        for sub in todo.pop().__subclasses__():
            todo.append(sub)
            if sub.__module__.startswith("breastcds.") and sub.__pydantic_complete__:
                names.add(f"{sub.__module__}.{sub.__qualname__}")
    open(out, "w").write(json.dumps(sorted(names)))
atexit.register(built)
from breastcds.cli.main import run
run()
"""

#: Knowledge schemas a run that reads the validated cache never needs to build.
KNOWLEDGE_SCHEMAS = {
    "breastcds.options.schema.Pathway",
    "breastcds.options.schema.Rule",
    "breastcds.knowledge.conditions.Condition",
    "breastcds.knowledge.rule_tables.Table",
    "breastcds.knowledge.rule_tables.Row",
    "breastcds.model.consistency.ChecksFile",
    "breastcds.knowledge.derived.DerivedFacts",
    "breastcds.options.guards.GuardSet",
    "breastcds.knowledge.drugs.Catalogue",
    "breastcds.classify.prognostic_stage.PrognosticKnowledge",
    "breastcds.knowledge.schema_rt_omission.RtOmissionKnowledge",
}


def test_a_second_one_case_assess_builds_no_knowledge_schema(tmp_path: Path) -> None:
    """The first run validates the knowledge (and writes the cache, as Python writes .pyc
    files); the second reads it back."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE",)}
    env.pop("BREASTCDS_KNOWLEDGE_CACHE", None)
    args = ["assess", "--example", "her2-low-metastatic", "--format", "json"]
    outputs = []
    for _ in range(2):
        names, out = listed_by(tmp_path, _BUILT, *args, env=env)
        outputs.append(json.loads(out))
    built = set(names)
    assert built & KNOWLEDGE_SCHEMAS == set()
    assert "breastcds.capabilities.Assessment" in built  # the result is still validated
    outputs[0]["provenance"].pop("assessed_at")
    outputs[1]["provenance"].pop("assessed_at")
    assert outputs[0] == outputs[1]


@pytest.mark.parametrize(
    ("argv", "collector"),
    [
        (["assess", "--example", "her2-low-metastatic"], False),
        (["example"], False),
        (["--version"], False),
        (["serve"], True),
        (["cohort", "run", "registry.parquet"], True),
        (["predict", "patients.csv"], True),
        (["concordance", "vignettes.json"], True),
    ],
)
def test_only_one_case_commands_run_without_the_cycle_collector(
    monkeypatch: pytest.MonkeyPatch, argv: list[str], collector: bool
) -> None:
    """The console script switches the cyclic garbage collector off for a command that reads
    at most one case; a server, a cohort, a batch or many vignettes keep it."""
    from breastcds.cli import main

    def app(**_: object) -> None:
        """Stands in for the typer application: the command itself is not run."""

    monkeypatch.setattr(main, "build", lambda registrars=None: app)
    monkeypatch.setattr(main, "_app", lambda: app)
    monkeypatch.setattr(sys, "argv", ["breastcds", *argv])
    try:
        main.run()
        assert gc.isenabled() is collector
    finally:
        gc.enable()
