"""Impossible or contradictory input is rejected naming the field, the value and the rule."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from breastcds import assess
from breastcds.model import CaseValidationError, parse_case

TODAY = dt.date(2026, 11, 25)


def issues(data: dict[str, Any]) -> list[tuple[str, Any, str]]:
    with pytest.raises(CaseValidationError) as info:
        parse_case(data, today=TODAY)
    return [(i.field, i.value, i.message) for i in info.value.issues]


def test_er_above_100_names_field_value_and_range() -> None:
    [(field, value, message)] = issues({"biomarkers": {"er_percent": 140}})
    assert field == "biomarkers.er_percent"
    assert value == 140
    assert ">= 0" in message and "<= 100" in message


def test_nodes_positive_above_examined() -> None:
    [(field, value, message)] = issues({"tumour": {"nodes_positive": 12, "nodes_examined": 10}})
    assert field == "tumour.nodes_positive" and value == 12
    assert "nodes_examined (10)" in message


def test_negative_ish_ratio() -> None:
    [(field, value, message)] = issues(
        {"biomarkers": {"her2_ish": {"ratio": -0.5, "her2_copies": 3}}}
    )
    assert field == "biomarkers.her2_ish.ratio" and value == -0.5
    assert ">= 0" in message


def test_metastatic_sites_with_m0() -> None:
    [(field, value, message)] = issues(
        {"tumour": {"metastatic_sites": ["liver"], "clinical_m": "M0"}}
    )
    assert field == "tumour.metastatic_sites" and value == ["liver"]
    assert "M0" in message


def test_m1_with_no_sites_found() -> None:
    [(field, _, _)] = issues({"tumour": {"metastatic_sites": [], "clinical_m": "M1"}})
    assert field == "tumour.metastatic_sites"


def test_future_dates() -> None:
    [(field, value, message)] = issues({"treatment": {"surgery": {"date": "2027-01-01"}}})
    assert field == "treatment.surgery.date" and value == "2027-01-01"
    assert "after the assessment date" in message
    [(field, _, _)] = issues(
        {"treatment": {"radiotherapy_courses": [{"start_date": "2026-12-01"}]}}
    )
    assert field == "treatment.radiotherapy_courses.0.start_date"
    [(field, _, _)] = issues({"assessment_date": "2026-12-24"})
    assert field == "assessment_date"


def test_ihc0_staining_with_other_score() -> None:
    [(field, _, message)] = issues({"biomarkers": {"her2_ihc": 2, "her2_ihc0_staining": "none"}})
    assert field == "biomarkers.her2_ihc0_staining" and "her2_ihc is 2" in message


def test_micrometastases_with_zero_positive_nodes() -> None:
    [(field, _, _)] = issues({"tumour": {"nodes_positive": 0, "nodes_micrometastases_only": True}})
    assert field == "tumour.nodes_micrometastases_only"


def test_invasive_size_with_dcis_only() -> None:
    [(field, _, _)] = issues({"tumour": {"dcis_only": True, "size_mm": 12}})
    assert field == "tumour.size_mm"


def test_unknown_field_and_bad_enum() -> None:
    [(field, _, message)] = issues({"tumour": {"size_cm": 2}})
    assert field == "tumour.size_cm" and "unknown field" in message
    [(field, value, _)] = issues({"patient": {"sex": "f"}})
    assert field == "patient.sex" and value == "f"


def test_several_errors_reported_together() -> None:
    found = issues({"biomarkers": {"er_percent": 140, "pr_percent": -1}, "patient": {"ecog": 7}})
    assert {f for f, _, _ in found} == {
        "biomarkers.er_percent",
        "biomarkers.pr_percent",
        "patient.ecog",
    }


def test_json_text_is_accepted_and_bad_json_is_named() -> None:
    assert parse_case('{"biomarkers": {"er_percent": 50}}', today=TODAY).biomarkers.er_percent == 50
    [(field, _, message)] = issues_text("{not json")
    assert field == "case" and "not valid JSON" in message


def issues_text(text: str) -> list[tuple[str, Any, str]]:
    with pytest.raises(CaseValidationError) as info:
        parse_case(text, today=TODAY)
    return [(i.field, i.value, i.message) for i in info.value.issues]


def test_implausible_values_are_accepted_with_warnings() -> None:
    a = assess({"patient": {"age_years": 104}, "tumour": {"size_mm": 250}})
    fields = {w.field for w in a.warnings}
    assert {"patient.age_years", "tumour.size_mm"} <= fields


def test_not_recorded_stays_none() -> None:
    c = parse_case({}, today=TODAY)
    assert c.biomarkers.er_percent is None
    assert c.tumour.metastatic_sites is None
    assert c.biomarkers.her2_ihc is None
