"""The case-field path registry (model/paths.py): generated from the case model, and every case
path the knowledge, the fact registry, the code and the assessments name is in it."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

import breastcds
from breastcds import assess, examples
from breastcds.knowledge.facts import FACTS
from breastcds.model.case import Case, Treatment
from breastcds.model.paths import (
    NOT_IN_CASE_MODEL,
    case_path,
    case_paths,
    is_case_path,
    normalise,
    paths_of,
)

PACKAGE = Path(breastcds.__file__).parent
ROOTS = tuple(Case.model_fields)
LOOKS_LIKE_A_PATH = re.compile(rf"^({'|'.join(ROOTS)})\.[A-Za-z0-9_.*]+$")
#: Strings that look like case paths and are not: what each is.
NOT_PATHS = {
    "biomarkers.yaml": "a knowledge file name",
    "reirradiation.eqd2": "a report figure key",
}
#: Knowledge keys whose values name case fields.
FIELD_KEYS = {"field", "fields", "missing", "missing_field", "missing_fields", "case_field"}


def test_registry_is_generated_from_the_case_model() -> None:
    paths = case_paths()
    assert set(Case.model_fields) <= paths
    assert {"biomarkers.her2_ihc", "treatment.recurrence.site", "patient.age_years"} <= paths
    # list items are '*'; nested models inside lists are walked
    assert "treatment.radiotherapy_courses.*.total_dose_gy" in paths
    assert "reirradiation.courses.*.organ_doses.*.dose_gy" in paths
    # a field added to a sub-model appears without editing the registry
    assert {f"treatment.{n}" for n in Treatment.model_fields} <= paths
    assert paths_of(Treatment) == {
        p[len("treatment.") :] for p in paths if p.startswith("treatment.")
    }


def test_paths_with_indices_and_patterns() -> None:
    assert normalise("treatment.metastatic_lines.2.agents") == "treatment.metastatic_lines.*.agents"
    assert is_case_path("treatment.metastatic_lines.2.agents")
    assert is_case_path("biomarkers.her2_*")  # every HER2 field
    assert not is_case_path("biomarkers.her2")
    assert not is_case_path("tumour.size_cm")
    assert not is_case_path("biomarkers.nothing_*")
    assert case_path("treatment", "radiotherapy_courses", 0, "end_date") == (
        "treatment.radiotherapy_courses.0.end_date"
    )
    with pytest.raises(KeyError, match=r"tumour\.size_cm"):
        case_path("tumour", "size_cm")


def _field_values(node: Any, where: str) -> Iterator[tuple[str, str]]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key in FIELD_KEYS:
                for item in value if isinstance(value, list) else [value]:
                    if isinstance(item, str):
                        yield f"{where}.{key}", item
                    elif isinstance(item, dict) and isinstance(item.get("field"), str):
                        yield f"{where}.{key}", item["field"]
            yield from _field_values(value, f"{where}.{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _field_values(value, f"{where}[{i}]")


def test_knowledge_names_only_case_paths() -> None:
    """Every ``field``/``missing`` entry of every knowledge YAML file names a case field."""
    seen, unknown = 0, []
    for path in sorted((PACKAGE / "knowledge").rglob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for where, value in _field_values(data, path.name):
            seen += 1
            if not value.startswith(NOT_IN_CASE_MODEL) and not is_case_path(value):
                unknown.append(f"{where}: {value}")
    assert seen > 0
    assert not unknown, unknown


def test_every_fact_names_a_case_path() -> None:
    from breastcds.options.facts import register_option_facts

    register_option_facts()

    unknown = {name: f.field for name, f in FACTS.items() if not is_case_path(f.field)}
    assert not unknown, unknown


def _path_literals() -> Iterator[tuple[str, str, bool]]:
    """(where, text, built): case-path-like string literals of the package's code; ``built``
    for an f-string that assembles a path (those must use ``case_path``)."""
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        prefixes = {  # arguments of str.startswith: prefixes, not paths
            id(arg)
            for call in ast.walk(tree)
            if isinstance(call, ast.Call)
            and isinstance(call.func, ast.Attribute)
            and call.func.attr == "startswith"
            for arg in call.args
        }
        for node in ast.walk(tree):
            where = f"{path.relative_to(PACKAGE)}:{getattr(node, 'lineno', 0)}"
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                if id(node) not in prefixes and LOOKS_LIKE_A_PATH.match(node.value):
                    yield where, node.value, False
            elif isinstance(node, ast.JoinedStr) and node.values:
                head = node.values[0]
                # the text before the first placeholder is a path prefix (no spaces etc.)
                if isinstance(head, ast.Constant) and re.fullmatch(
                    rf"({'|'.join(ROOTS)})\.[A-Za-z0-9_.]*", str(head.value)
                ):
                    yield where, ast.unparse(node), True


def test_code_names_only_case_paths_and_builds_them_through_the_registry() -> None:
    literals = list(_path_literals())
    assert len(literals) > 100  # sanity: the scan sees the prompts and facts
    unknown = [
        f"{where}: {text}"
        for where, text, built in literals
        if not built and text not in NOT_PATHS and not is_case_path(text)
    ]
    assert not unknown, unknown
    built = [f"{where}: {text}" for where, text, b in literals if b]
    assert not built, f"build these paths with breastcds.model.paths.case_path: {built}"


@pytest.mark.parametrize("name", examples.names())
def test_assessments_prompt_for_case_paths(name: str) -> None:
    """Every missing-data prompt of an assessment names a case field."""
    a = assess(examples.load(name))
    fields = [m.field for m in a.missing]
    fields += [m.field for m in a.sections.radiotherapy.missing]
    fields += [m.field for m in a.sections.prognosis.missing]
    fields += [p.field for dp in a.sections.options.decision_points for p in dp.prompts]
    # a PREDICT mapping note names the case fields it read, comma-separated ("-": none)
    fields += [
        f
        for n in a.sections.prognosis.mapping
        if n.case_field != "-"
        for f in n.case_field.split(", ")
    ]
    unknown = [f for f in fields if not f.startswith(NOT_IN_CASE_MODEL) and not is_case_path(f)]
    assert not unknown, unknown
