"""Assessment sections typed by capability: one field per capability, the JSON shape of the
name → section map kept, and stored assessments read back without loss."""

from __future__ import annotations

import json

import pytest

from breastcds import assess, examples
from breastcds.capabilities import Assessment, Sections, sections
from breastcds.model.assessment import AssessmentRecord
from breastcds.model.case import Case


def test_one_field_per_capability_in_the_same_order() -> None:
    assert list(Sections.model_fields) == list(sections())


def test_each_field_is_typed_with_its_capabilitys_result_model() -> None:
    """The section function's declared return type is the field's type (None allowed only
    where the function can return None)."""
    import typing

    for name, f in sections().items():
        returned = typing.get_type_hints(f)["return"]
        assert Sections.model_fields[name].annotation == returned, name


@pytest.mark.parametrize("name", examples.names())
def test_json_is_the_name_to_section_map_and_round_trips(name: str) -> None:
    a = assess(examples.load(name))
    assert isinstance(a.sections, Sections)
    data = json.loads(a.model_dump_json())
    # present sections only (a section that does not apply is left out, never null), in the
    # order of the capabilities
    assert list(data["sections"]) == a.sections.names()
    assert all(v is not None for v in data["sections"].values())
    for key, section in a.sections.items():
        assert data["sections"][key] == section.model_dump(mode="json")
    # typed read back: equal; stored read back: the same JSON text
    assert Assessment.model_validate_json(a.model_dump_json()) == a
    stored = AssessmentRecord.model_validate_json(a.model_dump_json())
    assert stored.model_dump_json() == a.model_dump_json()
    assert stored.sections_json() == a.sections_json() == data["sections"]


def test_reirradiation_is_left_out_without_a_plan() -> None:
    case = examples.load("chest-wall-recurrence-reirradiation")
    assert "reirradiation" in assess(case).sections.names()
    del case["reirradiation"]
    a = assess(Case.model_validate(case))
    assert a.sections.reirradiation is None
    assert "reirradiation" not in a.model_dump(mode="json")["sections"]
