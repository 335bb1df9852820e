"""One radiotherapy-course model for the course of care and the re-irradiation plan.

The files under ``old_format/`` are the bundled examples as they were stored before the two
course models became one (``prescription_dose_gy``, free-text ``region`` in the plan's
courses); they must load to the same values as the bundled examples now.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from breastcds.model import CaseValidationError, parse_case
from breastcds.model.codes import Laterality, RadiotherapyRegion
from breastcds.model.reirradiation import ReirradiationCourse, ReirradiationPlan
from breastcds.model.rt_course import RadiotherapyCourse

OLD = Path(__file__).parent / "old_format"
EXAMPLES = resources.files("breastcds.examples")


def _read(path: Any) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def test_both_lists_hold_the_one_course_model() -> None:
    assert issubclass(ReirradiationCourse, RadiotherapyCourse)
    case = parse_case(_read(EXAMPLES / "chest-wall-recurrence-reirradiation.json"))
    assert type(case.treatment.radiotherapy_courses[0]) is RadiotherapyCourse
    assert case.reirradiation is not None
    assert all(isinstance(c, RadiotherapyCourse) for c in case.reirradiation.courses)


def test_old_case_json_loads_to_the_same_values() -> None:
    old = parse_case(_read(OLD / "chest-wall-recurrence-reirradiation.json"))
    new = parse_case(_read(EXAMPLES / "chest-wall-recurrence-reirradiation.json"))
    assert new.reirradiation is not None
    # The example now also codes its prior plan course's region and laterality (as its
    # course-of-care record does), so that the two records of the course are compared
    # (model/course_records.py); the old file had no place for a code beside its free text.
    coded, *rest = new.reirradiation.courses
    assert (coded.region, coded.laterality) == (RadiotherapyRegion.chest_wall, Laterality.left)
    uncoded = coded.model_copy(update={"region": None, "laterality": None})
    plan = new.reirradiation.model_copy(update={"courses": [uncoded, *rest]})
    assert old == new.model_copy(update={"reirradiation": plan})
    assert old.reirradiation is not None
    prior = old.reirradiation.courses[0]
    # the stored values, each in its one new place (old file: prescription_dose_gy 50.0,
    # region "left chest wall and supraclavicular fossa")
    assert prior.total_dose_gy == pytest.approx(50.0, abs=1e-12)
    assert prior.region_text == "left chest wall and supraclavicular fossa"
    assert prior.region is None  # free text is not read as a code
    assert old.treatment.radiotherapy_courses[0].region is RadiotherapyRegion.chest_wall


@pytest.mark.parametrize(
    "old, new",
    [
        ("reirradiation_chest_wall.json", "reirradiation_chest_wall.json"),
        ("reirradiation_dicom_example.json", "plans/reirradiation_dicom_example.json"),
    ],
)
def test_old_plan_json_loads_to_the_same_values(old: str, new: str) -> None:
    before = ReirradiationPlan.model_validate(_read(OLD / old))
    after = ReirradiationPlan.model_validate(_read(EXAMPLES / new))
    assert before == after
    stored = _read(OLD / old)["courses"]
    for course, raw in zip(before.courses, stored, strict=True):
        assert course.total_dose_gy == raw["prescription_dose_gy"]
        assert course.region_text == raw["region"]


def test_a_region_code_in_a_plan_is_read_as_the_code() -> None:
    c = ReirradiationCourse.model_validate({"when": "prior", "region": "chest_wall"})
    assert c.region is RadiotherapyRegion.chest_wall and c.region_text is None


def _issues(data: dict[str, Any]) -> list[tuple[str, str]]:
    with pytest.raises(CaseValidationError) as info:
        parse_case(data)
    return [(i.field, i.message) for i in info.value.issues]


def _plan_course(**course: Any) -> dict[str, Any]:
    return {"reirradiation": {"courses": [{"when": "planned", **course}]}}


def test_an_error_in_an_old_field_names_it_with_the_allowed_range() -> None:
    [(field, message)] = _issues(_plan_course(prescription_dose_gy=250))
    assert field == "reirradiation.courses.0.prescription_dose_gy"
    assert "allowed range: <= 200" in message
    [(field, message)] = _issues(_plan_course(prescription_dose_gy=True))
    assert field == "reirradiation.courses.0.prescription_dose_gy"
    assert "must be a number, not a boolean" in message
    [(field, message)] = _issues(_plan_course(prescription_dose_gy="50"))
    assert field == "reirradiation.courses.0.prescription_dose_gy"


def test_an_old_and_a_new_name_together_are_refused() -> None:
    [(field, message)] = _issues(_plan_course(prescription_dose_gy=50, total_dose_gy=50))
    assert field == "reirradiation.courses.0.prescription_dose_gy"
    assert "give total_dose_gy only" in message
    [(field, message)] = _issues(_plan_course(region="left breast", region_text="left breast"))
    assert field == "reirradiation.courses.0.region"


def test_the_case_course_keeps_its_coded_region() -> None:
    """Free text in the case's course list stays an error naming the allowed codes."""
    [(field, message)] = _issues(
        {"treatment": {"radiotherapy_courses": [{"region": "left chest wall"}]}}
    )
    assert field == "treatment.radiotherapy_courses.0.region"
    assert "chest_wall" in message


def test_dates_out_of_order_name_the_field_in_both_lists() -> None:
    dates = {"start_date": "2020-02-01", "end_date": "2020-01-01"}
    [(field, message)] = _issues({"treatment": {"radiotherapy_courses": [dates]}})
    assert field == "treatment.radiotherapy_courses.0.end_date"
    assert "allowed: end_date >= start_date" in message
    [(field, message)] = _issues(_plan_course(**dates))
    assert field == "reirradiation.courses.0.end_date"


@given(
    dose=st.floats(min_value=0.01, max_value=200, allow_nan=False),
    fractions=st.integers(min_value=1, max_value=100),
    region=st.text(min_size=1, max_size=40).filter(
        lambda s: s.strip() and s.strip() not in {r.value for r in RadiotherapyRegion}
    ),
)
def test_old_and_new_plan_courses_are_the_same_course(
    dose: float, fractions: int, region: str
) -> None:
    """Invariant: an old-format course and its new-format form validate to equal courses."""
    try:
        old = ReirradiationCourse.model_validate(
            {"when": "prior", "prescription_dose_gy": dose, "fractions": fractions,
             "region": region}
        )  # fmt: skip
    except ValueError:  # text the strict input refuses (NUL, surrogates) in both forms
        with pytest.raises(ValueError):
            ReirradiationCourse.model_validate({"when": "prior", "region_text": region})
        return
    new = ReirradiationCourse.model_validate(
        {"when": "prior", "total_dose_gy": dose, "fractions": fractions, "region_text": region}
    )
    assert old == new


def test_region_described_gives_what_is_recorded() -> None:
    both = RadiotherapyCourse(region=RadiotherapyRegion.chest_wall, region_text="left chest wall")
    assert both.region_described() == "chest_wall (left chest wall)"
    assert RadiotherapyCourse(region_text="left breast").region_described() == "left breast"
    assert RadiotherapyCourse(region=RadiotherapyRegion.whole_breast).region_described() == (
        "whole_breast"
    )
    assert RadiotherapyCourse().region_described() is None
