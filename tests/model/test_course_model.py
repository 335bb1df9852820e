"""Course fields of the case model (TEAM.md contract 1): not recorded stays distinct from none,
and contradictions are rejected naming the field."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from breastcds.model import CaseValidationError, parse_case
from breastcds.model.case import Case

TODAY = dt.date(2026, 11, 25)


def issues(data: dict[str, Any]) -> list[tuple[str, Any, str]]:
    with pytest.raises(CaseValidationError) as info:
        parse_case(data, today=TODAY)
    return [(i.field, i.value, i.message) for i in info.value.issues]


def ok(data: dict[str, Any]) -> Case:
    return parse_case(data, today=TODAY)


def test_not_recorded_is_distinct_from_none() -> None:
    blank = ok({})
    assert blank.patient.pregnant is None and blank.patient.declines is None
    assert blank.treatment.endocrine is None and blank.treatment.recurrence is None
    none = ok({"patient": {"pregnant": False, "declines": []}})
    assert none.patient.pregnant is False and none.patient.declines == []


def test_full_course_validates() -> None:
    case = ok(
        {
            "patient": {
                "sex": "female",
                "pregnant": True,
                "gestation_weeks": 22,
                "geriatric_assessment": "fit",
                "declines": ["radiotherapy"],
                "comorbidities": {
                    "venous_thromboembolism": True,
                    "diabetes_uncontrolled": False,
                    "active_autoimmune_disease": False,
                },
            },
            "tumour": {
                "axillary_ultrasound": "normal",
                "clinical_m": "M1",
                "metastatic_sites": ["brain"],
                "brain_metastases_count": 3,
                "brain_metastases_symptomatic": False,
            },
            "treatment": {
                "surgery": {
                    "type": "breast_conserving",
                    "axillary": "sentinel_node_biopsy",
                    "sentinel_nodes_positive": 1,
                },
                "endocrine": {
                    "agents": ["letrozole"],
                    "years_completed": 3,
                    "ongoing": False,
                    "months_since_end": 8,
                },
                "recurrence": {
                    "site": "distant",
                    "months_since_diagnosis": 40,
                    "on_therapy": [],
                    "biopsied": True,
                    "restaged": True,
                },
                "radiotherapy_courses": [
                    {
                        "region": "whole_breast",
                        "total_dose_gy": 40.05,
                        "fractions": 15,
                        "months_ago": 30,
                    }
                ],
            },
        }
    )
    assert case.treatment.recurrence is not None
    assert case.treatment.recurrence.site.value == "distant"  # type: ignore[union-attr]


def test_gestation_without_pregnancy() -> None:
    [(field, value, message)] = issues({"patient": {"pregnant": False, "gestation_weeks": 20}})
    assert field == "patient.gestation_weeks" and value == 20
    assert "pregnant is not true" in message


def test_gestation_range() -> None:
    [(field, _, message)] = issues({"patient": {"pregnant": True, "gestation_weeks": 46}})
    assert field == "patient.gestation_weeks" and "<= 45" in message


def test_pregnant_man() -> None:
    [(field, _, message)] = issues({"patient": {"sex": "male", "pregnant": True}})
    assert field == "patient.pregnant" and "male" in message


def test_old_pregnancy_flag_stays_readable_and_must_agree() -> None:
    assert ok({"patient": {"comorbidities": {"pregnancy": True}}}).patient.pregnant is None
    [(field, _, _)] = issues({"patient": {"pregnant": False, "comorbidities": {"pregnancy": True}}})
    assert field == "patient.pregnant"


def test_declined_class_outside_list() -> None:
    [(field, value, _)] = issues({"patient": {"declines": ["surgery", "homeopathy"]}})
    assert field == "patient.declines.1" and value == "homeopathy"


def test_uncontrolled_diabetes_without_diabetes() -> None:
    [(field, _, _)] = issues(
        {"patient": {"comorbidities": {"diabetes": False, "diabetes_uncontrolled": True}}}
    )
    assert field == "patient.comorbidities.diabetes_uncontrolled"


def test_brain_count_without_brain_site() -> None:
    [(field, value, _)] = issues(
        {"tumour": {"metastatic_sites": ["bone"], "brain_metastases_count": 2}}
    )
    assert field == "tumour.brain_metastases_count" and value == 2


def test_dcis_fields_need_dcis_only() -> None:
    [(field, _, _)] = issues({"tumour": {"dcis_only": False, "dcis_extent_mm": 20}})
    assert field == "tumour.dcis_extent_mm"


def test_sentinel_nodes_with_no_axillary_procedure() -> None:
    [(field, _, _)] = issues(
        {"treatment": {"surgery": {"axillary": "none", "sentinel_nodes_positive": 1}}}
    )
    assert field == "treatment.surgery.sentinel_nodes_positive"


def test_endocrine_ongoing_with_time_since_end() -> None:
    [(field, _, _)] = issues(
        {
            "treatment": {
                "endocrine": {"agents": ["tamoxifen"], "ongoing": True, "months_since_end": 3}
            }
        }
    )
    assert field == "treatment.endocrine.months_since_end"


def test_recurrence_site_outside_list() -> None:
    [(field, value, _)] = issues({"treatment": {"recurrence": {"site": "liver"}}})
    assert field == "treatment.recurrence.site" and value == "liver"


def test_radiotherapy_none_with_courses() -> None:
    [(field, _, _)] = issues(
        {
            "treatment": {
                "radiotherapy_given": False,
                "radiotherapy_courses": [{"region": "whole_breast"}],
            }
        }
    )
    assert field == "treatment.radiotherapy_given"


def test_bundled_examples_still_validate() -> None:
    import json
    from importlib import resources

    folder = resources.files("breastcds.examples")
    for f in folder.iterdir():
        if f.name.endswith(".json") and "reirradiation_" not in f.name:
            data = json.loads(f.read_text(encoding="utf-8"))
            if "patient" in data or "tumour" in data:
                parse_case(data, today=dt.date(2026, 12, 4))
