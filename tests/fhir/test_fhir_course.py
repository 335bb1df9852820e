"""FHIR carries the course fields that have a standard code (issue 15).

Pregnancy status: US Core 7 Observation Pregnancy Status (LOINC 82810-3; SNOMED CT 77386006
Pregnant / 60001007 Not pregnant); gestational age: LOINC 11884-4 / 49051-6 in UCUM wk or d
(HL7 Europe gestational-age value set). Agents of the neoadjuvant, adjuvant and endocrine
settings: mCODE CancerRelatedMedicationRequest, grouped by a project-local setting identifier
(mCODE STU4 has no code for the setting).
"""

from __future__ import annotations

from typing import Any

import pytest

from breastcds.fhir import bundle_to_case, case_to_bundle, codes, not_carried
from breastcds.model import parse_case

LNC, SCT, UCUM = codes.LOINC, codes.SNOMED, codes.UCUM

COURSE: dict[str, Any] = {
    "patient": {"age_years": 34, "sex": "female", "menopausal_status": "pre",
                "pregnant": True, "gestation_weeks": 26},
    "tumour": {"size_mm": 30, "clinical_m": "M0"},
    "biomarkers": {"er_percent": 0, "pr_percent": 0, "her2_ihc": 3},
    "treatment": {
        "surgery": {"type": "mastectomy"},
        "neoadjuvant": {"agents": ["docetaxel", "carboplatin", "trastuzumab"]},
        "adjuvant_agents": ["trastuzumab emtansine"],
        "endocrine": {"agents": ["tamoxifen"], "years_completed": 1, "ongoing": True},
    },
}  # fmt: skip


def _bundle(*resources: dict[str, Any]) -> dict[str, Any]:
    return {"resourceType": "Bundle", "type": "collection",
            "entry": [{"resource": r} for r in resources]}  # fmt: skip


def _obs(rid: str, code: str, **value: Any) -> dict[str, Any]:
    return {"resourceType": "Observation", "id": rid, "status": "final",
            "code": {"coding": [{"system": LNC, "code": code}]}, **value}  # fmt: skip


def test_round_trip_keeps_pregnancy_gestation_and_early_agents() -> None:
    back = parse_case(bundle_to_case(case_to_bundle(COURSE)).case)
    assert back.patient.pregnant is True
    assert back.patient.gestation_weeks == pytest.approx(26, abs=1e-9)
    t = back.treatment
    assert t.neoadjuvant is not None
    assert t.neoadjuvant.agents == ["docetaxel", "carboplatin", "trastuzumab"]
    assert t.adjuvant_agents == ["trastuzumab emtansine"]
    assert t.endocrine is not None and t.endocrine.agents == ["tamoxifen"]
    lost = not_carried(COURSE)
    assert "patient.pregnant" not in lost and "treatment.adjuvant_agents" not in lost
    # not coded in FHIR here: how long and whether still taken
    assert "treatment.endocrine.years_completed" in lost


def test_not_pregnant_is_written_and_read_as_false() -> None:
    case = {**COURSE, "patient": {"age_years": 34, "sex": "female", "pregnant": False}}
    bundle = case_to_bundle(case)
    (status,) = [e["resource"] for e in bundle["entry"]
                 if e["resource"]["id"] == "pregnancy-status"]  # fmt: skip
    assert status["code"]["coding"][0]["code"] == "82810-3"
    assert status["valueCodeableConcept"]["coding"][0]["code"] == "60001007"
    assert status["meta"]["profile"] == [codes.PROFILE_PREGNANCY_STATUS]
    assert bundle_to_case(bundle).case["patient"]["pregnant"] is False


def test_pregnancy_not_recorded_writes_nothing() -> None:
    case = {**COURSE, "patient": {"age_years": 34, "sex": "female"}}
    ids = {e["resource"]["id"] for e in case_to_bundle(case)["entry"]}
    assert not {"pregnancy-status", "gestational-age"} & ids


@pytest.mark.parametrize(("answer", "expected"), [("77386006", True), ("60001007", False)])
def test_us_core_pregnancy_status_is_read(answer: str, expected: bool) -> None:
    value = {"valueCodeableConcept": {"coding": [{"system": SCT, "code": answer}]}}
    result = bundle_to_case(_bundle(_obs("p", "82810-3", **value)))
    assert result.case["patient"]["pregnant"] is expected


def test_uncertain_pregnancy_status_stays_not_recorded() -> None:
    """152231000119106 'pregnancy not yet confirmed' is not 'not pregnant'."""
    value = {"valueCodeableConcept": {"coding": [{"system": SCT, "code": "152231000119106"}]}}
    result = bundle_to_case(_bundle(_obs("p", "82810-3", **value)))
    assert "pregnant" not in result.case.get("patient", {})
    assert any("82810-3" in u.reason or "pregnancy status" in u.reason for u in result.unmapped)


@pytest.mark.parametrize(
    ("code", "value", "unit", "weeks"),
    [("11884-4", 26, "wk", 26.0), ("49051-6", 182, "d", 26.0), ("11884-4", 45, "wk", 45.0)],
)  # fmt: skip
def test_gestational_age_in_weeks_or_days(code: str, value: float, unit: str, weeks: float) -> None:
    pregnant = {"valueCodeableConcept": {"coding": [{"system": SCT, "code": "77386006"}]}}
    q = {"valueQuantity": {"value": value, "unit": unit, "system": UCUM, "code": unit}}
    result = bundle_to_case(_bundle(_obs("p", "82810-3", **pregnant), _obs("g", code, **q)))
    assert result.case["patient"]["gestation_weeks"] == pytest.approx(weeks, abs=1e-9)


@pytest.mark.parametrize(("value", "unit"), [(6, "mo"), (46, "wk")])
def test_gestational_age_outside_units_or_range_is_not_read(value: float, unit: str) -> None:
    q = {"valueQuantity": {"value": value, "unit": unit, "system": UCUM, "code": unit}}
    result = bundle_to_case(_bundle(_obs("g", "11884-4", **q)))
    assert "gestation_weeks" not in result.case.get("patient", {})
    assert [u.resource_id for u in result.unmapped] == ["g"]


def test_medication_without_a_setting_or_line_is_not_placed() -> None:
    med = {"resourceType": "MedicationRequest", "id": "m", "status": "completed",
           "intent": "order", "subject": {"reference": "Patient/p"},
           "medicationCodeableConcept": {"text": "tamoxifen"},
           "groupIdentifier": {"system": codes.LOCAL_SETTING_ID,
                               "value": "palliative"}}  # fmt: skip
    result = bundle_to_case(_bundle(med))
    assert "treatment" not in result.case
