"""FHIR carries the radiotherapy course of the one course model (model/rt_course.py).

mCODE STU4 RadiotherapyCourseSummary + RadiotherapyVolume: the coded region is the volume's
``location`` coding, the region as written (``region_text``) its ``location.text``
(CodeableConcept.text, FHIR R4 datatypes: "plain text representation of the concept").
"""

from __future__ import annotations

from typing import Any

from breastcds.fhir import bundle_to_case, case_to_bundle, not_carried
from breastcds.model import parse_case

CASE: dict[str, Any] = {
    "patient": {"age_years": 61, "sex": "female"},
    "treatment": {
        "radiotherapy_courses": [
            {"start_date": "2019-03-04", "end_date": "2019-04-05", "region": "chest_wall",
             "region_text": "left chest wall and supraclavicular fossa", "laterality": "left",
             "total_dose_gy": 50.0, "fractions": 25, "intent": "curative"},
            {"region_text": "left breast", "total_dose_gy": 40.05, "fractions": 15},
        ]
    },
}  # fmt: skip


def _volumes(bundle: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "BodyStructure"
    ]


def test_region_as_written_is_the_volume_location_text() -> None:
    volumes = _volumes(case_to_bundle(parse_case(CASE)))
    assert [v["location"]["text"] for v in volumes] == [
        "left chest wall and supraclavicular fossa",
        "left breast",
    ]
    assert "coding" in volumes[0]["location"] and "coding" not in volumes[1]["location"]


def test_course_round_trips_with_its_region_text() -> None:
    back = parse_case(bundle_to_case(case_to_bundle(parse_case(CASE))).case)
    assert back.treatment.radiotherapy_courses == parse_case(CASE).treatment.radiotherapy_courses
    assert not [p for p in not_carried(CASE) if "radiotherapy_courses" in p]
