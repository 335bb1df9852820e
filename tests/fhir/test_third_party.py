"""FHIR bundles written by other projects (tests/fhir/third_party/README.md gives origin and
licence): what comes through, and that everything else is listed, never dropped silently."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from breastcds import assess
from breastcds.fhir import bundle_to_case

HERE = Path(__file__).resolve().parent / "third_party"
DAY = dt.date(2024, 1, 1)


def load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((HERE / name).read_text("utf-8"))
    return data


def _ids(bundle: dict[str, Any]) -> set[str]:
    return {e["resource"]["id"] for e in bundle["entry"]}


@pytest.mark.parametrize("name", sorted(p.name for p in HERE.glob("*.json")))
def test_every_resource_is_read_noted_or_listed(name: str) -> None:
    """Nothing crashes, and every resource either reached the case (a note names it) or is
    listed as set aside with a reason."""
    bundle = load(name)
    result = bundle_to_case(bundle, assessment_date=DAY)
    assess(result.case, today=DAY)  # the mapped case is a valid case
    listed = {u.resource_id for u in result.unmapped}
    noted = {i for i in _ids(bundle) if any(i in n for n in result.notes)}
    read_silently = {"Patient", "Condition"}  # patient facts and the primary condition
    kinds = {e["resource"]["id"]: e["resource"]["resourceType"] for e in bundle["entry"]}
    unaccounted = {i for i in _ids(bundle) - listed - noted if kinds[i] not in read_silently}
    # TNM/marker observations that reached the case without a note: check they did
    assert all(u.reason for u in result.unmapped)
    assert unaccounted <= _read_into_case(bundle, result.case), unaccounted


def _read_into_case(bundle: dict[str, Any], case: dict[str, Any]) -> set[str]:
    """Resources whose fact the case holds directly: ECOG (89247-1) and breast surgery
    (SNOMED 392021009 lumpectomy)."""
    out = set()
    for e in bundle["entry"]:
        r = e["resource"]
        codes = {c.get("code") for c in (r.get("code") or {}).get("coding", [])}
        if "89247-1" in codes and "ecog" in case.get("patient", {}):
            out.add(r["id"])
        if "392021009" in codes and "surgery" in case.get("treatment", {}):
            out.add(r["id"])
    return out


@pytest.mark.parametrize(
    ("name", "sites"),
    [
        ("ctm-TrialMatching_Patient01.json", ["bone", "liver"]),
        ("ctm-TrialMatching_Patient02.json", ["bone"]),
    ],
)
def test_trial_matching_patients(name: str, sites: list[str]) -> None:
    result = bundle_to_case(load(name), assessment_date=DAY)
    case = result.case
    # receptor statuses and HER2 as reported (SNOMED 10828004 Positive / 260385009 Negative)
    assert case["biomarkers"] == {
        "er_status_reported": "positive",
        "pr_status_reported": "positive",
        "her2_status_reported": "negative",
    }
    # secondary cancer conditions -> distant sites and M1; stage group IV agrees (M1)
    assert case["tumour"]["metastatic_sites"] == sites
    assert case["tumour"]["clinical_m"] == "M1"
    assert case["tumour"]["histology"] == "ductal_nst"  # from SNOMED 408643008
    a = assess(case, today=DAY)
    assert a.codes["stage.clinical_anatomic"] == "IV"
    # the prompts say what was received
    prompts = {m.field: m.reason for m in a.missing}
    assert "ER was received as 'positive'" in prompts["biomarkers.er_percent"]
    assert "HER2 was received as 'negative'" in prompts["biomarkers.her2_ihc"]
    # everything set aside is listed with a reason
    reasons = " | ".join(u.reason for u in result.unmapped)
    assert "62862-8" in reasons  # microsatellite instability: not in the case model
    if name.endswith("01.json"):
        assert "regional lymph nodes of the breast are the N category" in reasons


def test_ajcc_6th_edition_staging_is_listed_not_read() -> None:
    bundle = load("mef-csv-staging-bundle.json")
    result = bundle_to_case(bundle, assessment_date=DAY)
    assert "tumour" not in result.case
    assert len(result.unmapped) == len(bundle["entry"])
    assert sum("6th edition" in u.reason for u in result.unmapped) == 3
    assert sum("recorded stage group 3C" in u.reason for u in result.unmapped) == 1


def _stu1_bundle() -> dict[str, Any]:
    files = sorted((HERE / "mcode-stu1-examples").glob("*.json"))
    resources = [json.loads(f.read_text("utf-8")) for f in files]
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"resource": r} for r in resources],
    }


def test_mcode_stu1_examples_tnm_forms_and_conflicts() -> None:
    """The HL7 mCODE STU1 (1.0.0) examples, a lung cancer patient: the STU1 TNM form (NCI
    thesaurus method C146985, AJCC values) is read; the brain metastasis contradicts the
    recorded cM0, so neither is used and both are listed; the patient is not a breast patient."""
    from breastcds.fhir.mapper import has_breast_cancer

    bundle = _stu1_bundle()
    result = bundle_to_case(bundle, assessment_date=DAY)
    assert result.case["tumour"] == {
        "clinical_t": "T3",
        "clinical_n": "N3",
        "pathological_t": "T3",
        "pathological_n": "N3",
    }
    reasons = {u.resource_id: u.reason for u in result.unmapped}
    assert "not recorded as breast" in reasons["mCODEPrimaryCancerConditionExample01"]
    assert (
        "conflicting values for tumour.clinical_m"
        in reasons["mCODETNMClinicalDistantMetastasesCategoryExample01"]
    )
    assert "recorded stage group 3C" in reasons["mCODETNMClinicalStageGroupExample01"]
    assert not has_breast_cancer([e["resource"] for e in bundle["entry"]])
    assess(result.case, today=DAY)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"valueInteger": 2}, 2),
        ({"valueString": "3+"}, 3),
        ({"valueString": " 0 "}, 0),
        ({"valueString": "strongly positive"}, None),
        ({"valueInteger": 4}, None),
    ],
)
def test_her2_ihc_score_as_a_plain_value(value: dict[str, Any], expected: int | None) -> None:
    obs = {
        "resourceType": "Observation",
        "id": "ihc",
        "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": "85319-2"}]},
        **value,
    }
    result = bundle_to_case({"resourceType": "Bundle", "entry": [{"resource": obs}]})
    if expected is None:
        assert result.case == {} and [u.resource_id for u in result.unmapped] == ["ihc"]
    else:
        assert result.case == {"biomarkers": {"her2_ihc": expected}}


def test_synthea_style_tnm_with_generic_snomed_categories() -> None:
    """Synthea's breast module writes 21905-5/21906-3/21907-1 with generic SNOMED CT
    "T2 category (finding)" values and no method: read with the setting of the code."""

    def obs(rid: str, loinc: str, sct: str) -> dict[str, Any]:
        return {
            "resourceType": "Observation",
            "id": rid,
            "status": "final",
            "code": {"coding": [{"system": "http://loinc.org", "code": loinc}]},
            "valueCodeableConcept": {"coding": [{"system": "http://snomed.info/sct", "code": sct}]},
        }

    bundle = {
        "resourceType": "Bundle",
        "entry": [
            {"resource": obs("t", "21905-5", "67673008")},  # T2 category (finding)
            {"resource": obs("n", "21906-3", "53623008")},  # N1 category (finding)
            {"resource": obs("m", "21907-1", "30893008")},  # M0 category (finding)
        ],
    }
    result = bundle_to_case(bundle)
    assert result.case == {"tumour": {"clinical_t": "T2", "clinical_n": "N1", "clinical_m": "M0"}}
    assert sum("no staging method given" in n for n in result.notes) == 3
    a = assess(result.case, today=DAY)
    assert a.codes["stage.clinical_anatomic"] == "IIB"  # AJCC 8 anatomic: T2 N1 M0 = IIB


def test_unprofiled_duplicate_of_the_mcode_primary_is_listed_not_a_second_tumour() -> None:
    """A problem-list Condition (ICD-10-CM C50.912) beside the mCODE PrimaryCancerCondition: the
    profiled one is read (laterality, histology), the duplicate is listed."""
    bundle = load("ctm-TrialMatching_Patient02.json")
    duplicate = {
        "resourceType": "Condition",
        "id": "problem-list-c50",
        "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "C50.912"}]},
        "subject": {"reference": "Patient/x"},
    }
    bundle = {**bundle, "entry": [*bundle["entry"], {"resource": duplicate}]}
    result = bundle_to_case(bundle, assessment_date=DAY)
    assert result.case["tumour"]["histology"] == "ductal_nst"
    reasons = {u.resource_id: u.reason for u in result.unmapped}
    assert "the profiled condition is read" in reasons["problem-list-c50"]


def test_a_lone_unprofiled_breast_condition_is_the_primary() -> None:
    """Synthea-style: one Condition coded 254837009, no mCODE profile; laterality from an
    ICD-10-CM code that states the side (C50.912: left female breast)."""
    condition = {
        "resourceType": "Condition",
        "id": "c",
        "code": {
            "coding": [
                {"system": "http://snomed.info/sct", "code": "254837009"},
                {"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "C50.912"},
            ]
        },
        "subject": {"reference": "Patient/x"},
    }
    result = bundle_to_case({"resourceType": "Bundle", "entry": [{"resource": condition}]})
    assert result.case == {"tumour": {"laterality": "left"}}
