"""A prior course recorded in the course of care and in the re-irradiation plan is recorded alike.

Two records are the same course when both record start date, coded region and laterality and
all three are equal (``model/course_records.py``); their end date, total dose, fractions and
intent must then agree wherever both record them, and a disagreement names both paths and both
values. A prior plan course without such a record is accepted with a warning when the course of
care lists courses.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from breastcds.model import CaseValidationError, parse_case
from breastcds.model.course_records import DOSE_TOLERANCE_GY, pairs
from breastcds.model.plausibility import check

EXAMPLE = resources.files("breastcds.examples") / "chest-wall-recurrence-reirradiation.json"
OLD = Path(__file__).parent / "old_format" / "chest-wall-recurrence-reirradiation.json"
TODAY = dt.date(2026, 12, 5)
CARE = "treatment.radiotherapy_courses"
PLAN = "reirradiation.courses"


def _example() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    return data


def _with(plan_course: dict[str, Any], *care: dict[str, Any]) -> dict[str, Any]:
    """The bundled example with its prior plan course updated and, if given, its course of
    care replaced."""
    case = _example()
    case["reirradiation"]["courses"][0].update(plan_course)
    if care:
        case["treatment"]["radiotherapy_courses"] = list(care)
    return case


def _issues(data: dict[str, Any]) -> list[tuple[str, str]]:
    with pytest.raises(CaseValidationError) as info:
        parse_case(data, today=TODAY)
    return [(i.field, i.message) for i in info.value.issues]


def _course_warnings(data: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        (w.field, w.message)
        for w in check(parse_case(data, today=TODAY))
        if w.field.startswith(PLAN)
    ]


def test_the_bundled_example_records_one_course_alike_in_both_lists() -> None:
    case = parse_case(_example(), today=TODAY)
    assert case.reirradiation is not None
    assert pairs(case.treatment.radiotherapy_courses, case.reirradiation.courses) == [(0, 0)]
    assert _course_warnings(_example()) == []


@pytest.mark.parametrize(
    "field, plan_value, shown_plan, shown_care",
    [
        ("total_dose_gy", 40.05, "40.05", "50"),
        ("fractions", 15, "15", "25"),
        ("end_date", "2019-03-22", "2019-03-22", "2019-04-05"),
        ("intent", "palliative", "palliative", "curative"),
    ],
)
def test_a_disagreeing_field_names_both_records(
    field: str, plan_value: Any, shown_plan: str, shown_care: str
) -> None:
    [(path, message)] = _issues(_with({field: plan_value}))
    assert path == f"{PLAN}.0.{field}"
    assert f"{PLAN}.0.{field} is {shown_plan} but {CARE}.0.{field} is {shown_care}" in message
    assert "left chest_wall started 2019-03-04" in message
    assert "neither is preferred" in message


def test_every_disagreement_is_reported_at_once() -> None:
    issues = _issues(
        _with({"total_dose_gy": 40.05, "fractions": 15, "end_date": "2019-03-22", "intent": None})
    )
    assert [f for f, _ in issues] == [
        f"{PLAN}.0.end_date",
        f"{PLAN}.0.total_dose_gy",
        f"{PLAN}.0.fractions",
    ]


def test_the_paths_carry_the_index_of_each_list() -> None:
    case = _example()
    prior = case["reirradiation"]["courses"][0]
    case["reirradiation"]["courses"] = [case["reirradiation"]["courses"][1], prior]
    other = {"start_date": "2010-01-04", "region": "bone", "laterality": "left"}
    case["treatment"]["radiotherapy_courses"].insert(0, other)
    prior["fractions"] = 16
    [(path, message)] = _issues(case)
    assert path == f"{PLAN}.1.fractions"
    assert f"{CARE}.1.fractions is 25" in message


@pytest.mark.parametrize("care_dose", [50.0, 50.0 + DOSE_TOLERANCE_GY / 2, 5000 * 0.01])
def test_doses_equal_at_the_recording_precision_agree(care_dose: float) -> None:
    case = _example()
    case["treatment"]["radiotherapy_courses"][0]["total_dose_gy"] = care_dose
    parse_case(case, today=TODAY)


def test_a_one_centigray_difference_is_a_disagreement() -> None:
    [(path, _)] = _issues(_with({"total_dose_gy": 50.01}))
    assert path == f"{PLAN}.0.total_dose_gy"


def test_a_field_recorded_once_is_no_disagreement_and_is_not_filled_in() -> None:
    case = parse_case(
        _with({"end_date": None, "total_dose_gy": None, "fractions": None}), today=TODAY
    )
    assert case.reirradiation is not None
    prior, care = case.reirradiation.courses[0], case.treatment.radiotherapy_courses[0]
    assert (prior.end_date, prior.total_dose_gy, prior.fractions) == (None, None, None)
    assert (care.end_date, care.total_dose_gy, care.fractions) == (dt.date(2019, 4, 5), 50, 25)


def test_free_text_and_months_ago_are_not_compared() -> None:
    parse_case(
        _with({"technique": "IMRT", "region_text": "left chest wall", "months_ago": 3}),
        today=TODAY,
    )


def test_a_start_date_alone_does_not_pair_two_records() -> None:
    """One course is one record per region in the course of care: the supraclavicular record
    of the same course, with its own dose, is not compared with the chest-wall plan course."""
    care = _example()["treatment"]["radiotherapy_courses"][0]
    scf = {**care, "region": "supraclavicular", "total_dose_gy": 45.0}
    case = _with({}, care, scf)
    parsed = parse_case(case, today=TODAY)
    assert parsed.reirradiation is not None
    assert pairs(parsed.treatment.radiotherapy_courses, parsed.reirradiation.courses) == [(0, 0)]


@pytest.mark.parametrize(
    "change",
    [{"start_date": "2019-03-05"}, {"laterality": "right"}, {"region": "whole_breast"}],
)
def test_another_key_is_another_course_reported_as_a_warning(change: dict[str, str]) -> None:
    case = _with({**change, "total_dose_gy": 40.05, "fractions": 15})
    [(path, message)] = _course_warnings(case)  # accepted: no contradiction is certain
    assert path == f"{PLAN}.0"
    assert f"has no record in {CARE} with the same start_date, region and laterality" in message
    assert "do not see this course" in message


def test_a_plan_course_without_its_key_is_not_compared_and_says_so() -> None:
    case = _with({"region": None, "laterality": None, "total_dose_gy": 40.05})
    [(path, message)] = _course_warnings(case)
    assert path == f"{PLAN}.0"
    assert message.startswith(f"prior course not compared with {CARE}: its region and laterality")


def test_the_old_stored_example_still_loads_with_a_warning() -> None:
    old = json.loads(OLD.read_text(encoding="utf-8"))
    [(path, message)] = _course_warnings(old)
    assert path == f"{PLAN}.0" and "not compared" in message


def test_no_warning_when_the_course_of_care_lists_no_course() -> None:
    case = _example()
    case["treatment"]["radiotherapy_courses"] = []
    assert _course_warnings(case) == []


def test_a_planned_course_is_not_compared() -> None:
    case = _with({"when": "planned", "total_dose_gy": 40.05})  # two planned courses
    parse_case(case, today=TODAY)
    assert _course_warnings(case) == []


_COURSE = st.fixed_dictionaries(
    {
        "start_date": st.dates(dt.date(1990, 1, 1), dt.date(2024, 12, 31)).map(dt.date.isoformat),
        "region": st.sampled_from(["whole_breast", "chest_wall", "regional_nodes", "bone"]),
        "laterality": st.sampled_from(["left", "right", "bilateral"]),
    },
    optional={
        "total_dose_gy": st.floats(1, 80, allow_nan=False).map(lambda x: round(x, 2)),
        "fractions": st.integers(1, 40),
        "intent": st.sampled_from(["curative", "palliative"]),
    },
)


@settings(max_examples=60, deadline=None)
@given(course=_COURSE, field=st.sampled_from(["total_dose_gy", "fractions", "intent"]))
def test_one_course_in_both_lists(course: dict[str, Any], field: str) -> None:
    """Invariant: a course recorded alike in both lists is accepted; the same course with one
    field recorded differently in the plan is refused naming both paths."""
    case = _with({**course, "end_date": None}, dict(course))
    parse_case(case, today=TODAY)
    intent = "palliative" if course.get("intent") == "curative" else "curative"
    other: dict[str, Any] = {"total_dose_gy": 100.0, "fractions": 50, "intent": intent}
    changed = copy.deepcopy(case)
    changed["reirradiation"]["courses"][0][field] = other[field]  # outside the drawn values
    if field not in course:  # recorded in the plan only: no disagreement
        parse_case(changed, today=TODAY)
        return
    [(path, message)] = _issues(changed)
    assert path == f"{PLAN}.0.{field}" and f"{CARE}.0.{field}" in message
