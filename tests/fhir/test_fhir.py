"""FHIR R4 / mCODE adapter: fixtures, round trip, unmapped reporting, units."""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from fhir.resources.R4B.bundle import Bundle

from breastcds import assess, examples
from breastcds.fhir import (
    InvalidBundle,
    bundle_to_case,
    case_to_bundle,
    codes,
    not_carried,
)
from breastcds.model.parse import parse_case
from tests.fhir.generate_fixtures import FIXTURES, fixture_path, render

LNC, SCT, UCUM = codes.LOINC, codes.SNOMED, codes.UCUM
MC = "http://hl7.org/fhir/us/mcode/StructureDefinition/"
TODAY = dt.date(2026, 11, 25)
ALL_FIXTURES = sorted(FIXTURES.glob("*.json"))

# Case fields the FHIR adapter does not carry (docs/fhir.md, "Not mapped"); anything else that
# is lost in case -> Bundle -> case is a bug.
NOT_CARRIED_PREFIXES = (
    "decision_point",
    "patient.menopausal_status",
    "patient.comorbidities",
    "tumour.lvi",
    "tumour.margin_mm",
    "tumour.focality",
    "tumour.detection",
    "tumour.dcis_only",
    "tumour.visceral_crisis",
    "tumour.metastatic_sites",
    "tumour.nodes_micrometastases_only",  # only the 'true' case has a code pair (85344-0/85343-2)
    "treatment.metastatic_lines",  # agents are carried; outcome and months are not
    "treatment.endocrine_therapy_planned",
    "treatment.surgery.axillary",  # sentinel node biopsy only; no verified dissection code
    "reirradiation",
    # the course of care (issue 15): pregnancy, gestational age and the agents of the
    # neoadjuvant, adjuvant and endocrine settings are carried; the rest has no FHIR mapping yet
    # (docs/fhir.md, "Not mapped")
    "patient.geriatric_assessment",
    "patient.declines",
    "tumour.axillary_ultrasound",
    "tumour.brain_metastases",
    "tumour.dcis_",
    "treatment.surgery.sentinel_nodes",
    "treatment.radiotherapy_given",
    "treatment.endocrine.years_completed",
    "treatment.endocrine.ongoing",
    "treatment.endocrine.months_since_end",
    "treatment.recurrence",
    "treatment.months_since_chemotherapy",
    "treatment.months_since_curative_therapy",
    "treatment.de_novo_metastatic",
)


def _bundle(*resources: dict[str, Any]) -> dict[str, Any]:
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {"fullUrl": f"http://example.org/fhir/{r['resourceType']}/{r['id']}", "resource": r}
            for r in resources
        ],
    }


def _obs(rid: str, system: str, code: str, **fields: Any) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "id": rid,
        "status": "final",
        "code": {"coding": [{"system": system, "code": code}]},
        "subject": {"reference": "Patient/p"},
        **fields,
    }


def _q(value: float, code: str) -> dict[str, Any]:
    return {"value": value, "unit": code, "system": UCUM, "code": code}


def _size(rid: str, value: float, unit: str, method: str = "787377000") -> dict[str, Any]:
    return _obs(
        rid,
        LNC,
        "21889-1",
        method={"coding": [{"system": SCT, "code": method}]},
        specimen={"reference": "Specimen/s"},
        component=[
            {
                "code": {"coding": [{"system": LNC, "code": "33728-7"}]},
                "valueQuantity": _q(value, unit),
            }
        ],
    )


def _reasons(result: Any, rid: str) -> list[str]:
    return [u.reason for u in result.unmapped if u.resource_id == rid]


# --- fixtures ----------------------------------------------------------------------------------
@pytest.mark.parametrize("path", ALL_FIXTURES, ids=lambda p: p.stem)
def test_fixture_validates_with_fhir_resources(path: Path) -> None:
    Bundle.model_validate(json.loads(path.read_text("utf-8")))


@pytest.mark.parametrize("name", examples.names())
def test_generated_fixture_is_current(name: str) -> None:
    saved = fixture_path(name).read_text("utf-8")
    assert saved == render(case_to_bundle(examples.load(name))), (
        "regenerate with: .venv/bin/python -m tests.fhir.generate_fixtures"
    )


def test_every_example_has_a_fixture_and_a_hand_written_one_exists() -> None:
    names = {p.stem for p in ALL_FIXTURES}
    assert {f"example-{n}" for n in examples.names()} <= names
    assert "mcode-jenny-m" in names


# --- round trip --------------------------------------------------------------------------------
@pytest.mark.parametrize("name", examples.names())
def test_round_trip_gives_the_same_assessment_codes_and_classification(name: str) -> None:
    case = examples.load(name)
    saved = json.loads(fixture_path(name).read_text("utf-8"))
    result = bundle_to_case(saved)
    assert result.unmapped == []
    original, back = assess(case, today=TODAY), assess(result.case, today=TODAY)
    assert back.codes == original.codes
    assert back.classification == original.classification


@pytest.mark.parametrize("name", examples.names())
def test_round_trip_keeps_every_fact_the_mapper_reads(name: str) -> None:
    case = examples.load(name)
    lost = not_carried(case)
    assert [p for p in lost if not p.startswith(NOT_CARRIED_PREFIXES)
            and not _none_given(case, p)] == []  # fmt: skip


def _none_given(case: Any, path: str) -> bool:
    """An agent list recorded as empty ("none given") has no FHIR form: it comes back as not
    recorded (docs/fhir.md)."""
    node: Any = case.model_dump(mode="json") if hasattr(case, "model_dump") else case
    for part in path.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    return path.endswith("agents") and node == []


def test_round_trip_keeps_ish_recount_ihc0_detail_and_lines() -> None:
    back = bundle_to_case(case_to_bundle(examples.load("luminal-b-ish-recount"))).case
    assert back["biomarkers"]["her2_ish"] == {"ratio": 1.6, "her2_copies": 4.5}
    assert back["biomarkers"]["her2_ish_recount"] == {"ratio": 1.7, "her2_copies": 4.4}
    assert back["tumour"]["nodes_micrometastases_only"] is True
    ultralow = bundle_to_case(case_to_bundle(examples.load("her2-ultralow-metastatic"))).case
    assert ultralow["biomarkers"]["her2_ihc0_staining"] == "faint_le10"
    assert ultralow["treatment"]["metastatic_lines"] == [{"agents": ["letrozole", "palbociclib"]}]


def test_round_trip_of_neoadjuvant_yp_categories() -> None:
    case = examples.load("her2-positive-neoadjuvant")
    case["treatment"] = {"neoadjuvant": {"ypt": "T1a", "ypn": "N0"}}
    back = bundle_to_case(case_to_bundle(case)).case
    assert back["treatment"]["neoadjuvant"] == {"ypt": "T1a", "ypn": "N0"}


# --- the hand-written mCODE example (Jenny M, mCODE STU4 EX_ExtendedExample.fsh) ---------------
def test_mcode_extended_example_maps_what_it_can_and_reports_the_rest() -> None:
    bundle = json.loads((FIXTURES / "mcode-jenny-m.json").read_text("utf-8"))
    before = copy.deepcopy(bundle)
    result = bundle_to_case(bundle, assessment_date=dt.date(2018, 11, 1))
    assert bundle == before  # pure: input untouched
    case = result.case
    assert case["patient"] == {"sex": "female", "ecog": 0, "age_years": 53}
    assert case["tumour"] == {
        "laterality": "left",
        "histology": "ductal_nst",
        "clinical_t": "T3",
        "clinical_n": "N0",
        "clinical_m": "M0",
        "size_mm": 25.0,
        "grade": 2,
        "pathological_t": "T3",
        "pathological_n": "N0",
    }
    # Qualitative ER/PR/HER2 (EX_ExtendedExample.fsh: ER Positive, PR Negative, HER2 Negative)
    # set the reported status; the %/score stays not recorded.
    assert case["biomarkers"] == {
        "genomics": {"oncotype_rs": 47},
        "er_status_reported": "positive",
        "pr_status_reported": "negative",
        "her2_status_reported": "negative",
    }
    assert case["treatment"]["surgery"] == {"type": "breast_conserving", "date": "2018-04-01"}
    assert [
        (c["total_dose_gy"], c["fractions"]) for c in case["treatment"]["radiotherapy_courses"]
    ] == [
        (60.0, 30),
        (50.0, 25),
    ]
    unmapped = {u.resource_id for u in result.unmapped}
    assert {
        "us-core-observation-lab-sentinel-nodes-jenny-m",
        "tnm-pathologic-distant-metastases-category-jenny-m",  # data-absent-reason
        "genomic-variant-jenny-m",  # no clinical significance
        "cancer-related-medication-admin-doxorubicin-jenny-m",  # product, not an INN
        "us-core-condition-anxiety-jenny-m",
        "jenny-m-chest-wall-lymph-nodes-treatment-volume",
    } <= unmapped
    assert "Observation/tumor-size-jenny-m: 2.5 cm -> 25.0 mm" in result.notes
    # The example's pT3 contradicts its 2.5 cm size; the classifier reports it, not the mapper.
    assessed = assess(case, today=TODAY)
    assert assessed.codes["stage.t"] is None
    assert assessed.codes["stage.clinical_anatomic"] == "IIB"


# --- unmapped reporting ------------------------------------------------------------------------
def test_unknown_code_is_reported_with_resource_id() -> None:
    r = bundle_to_case(_bundle(_obs("o1", LNC, "99999-9", valueQuantity=_q(5, "%"))))
    assert r.case == {}
    assert _reasons(r, "o1") == ["observation code http://loinc.org|99999-9 is not mapped"]
    assert r.unmapped[0].resource_type == "Observation"


def test_bad_unit_is_reported_never_converted() -> None:
    r = bundle_to_case(_bundle(_obs("er", LNC, "85329-1", valueQuantity=_q(90, "mg"))))
    assert "biomarkers" not in r.case
    assert _reasons(r, "er") == ["unit 'mg' is not UCUM '%'; not converted"]


def test_non_ucum_unit_is_not_read() -> None:
    quantity = {"value": 90, "unit": "%"}  # no system/code: the unit is free text
    r = bundle_to_case(_bundle(_obs("er", LNC, "85329-1", valueQuantity=quantity)))
    assert "biomarkers" not in r.case
    assert len(_reasons(r, "er")) == 1


def test_missing_value_is_reported() -> None:
    r = bundle_to_case(_bundle(_obs("ki", LNC, "85330-9")))
    assert r.case == {}
    assert _reasons(r, "ki") == ["missing value"]


def test_data_absent_reason_is_reported() -> None:
    absent = {"coding": [{"system": codes.DATA_ABSENT, "code": "not-performed"}]}
    r = bundle_to_case(_bundle(_obs("pr", LNC, "85325-9", dataAbsentReason=absent)))
    assert r.case == {}
    assert "dataAbsentReason" in _reasons(r, "pr")[0]


def test_conflicting_values_are_all_reported_and_none_used() -> None:
    r = bundle_to_case(
        _bundle(
            _obs("er1", LNC, "85329-1", valueQuantity=_q(90, "%")),
            _obs("er2", LNC, "85329-1", valueQuantity=_q(5, "%")),
        )
    )
    assert "biomarkers" not in r.case
    assert {u.resource_id for u in r.unmapped} == {"er1", "er2"}


def test_agreeing_duplicates_are_used_and_noted() -> None:
    r = bundle_to_case(
        _bundle(
            _obs("er1", LNC, "85329-1", valueQuantity=_q(90, "%")),
            _obs("er2", LNC, "14228-1", valueQuantity=_q(90, "%")),
        )
    )
    assert r.case["biomarkers"]["er_percent"] == 90
    assert any("2 resources agree" in n for n in r.notes)


def test_preliminary_result_is_not_read() -> None:
    o = _obs("er", LNC, "85329-1", valueQuantity=_q(90, "%"))
    o["status"] = "preliminary"
    r = bundle_to_case(_bundle(o))
    assert r.case == {} and "preliminary" in _reasons(r, "er")[0]


def test_invalid_fhir_resource_is_reported() -> None:
    bad = _obs("bad", LNC, "85329-1", valueQuantity={"value": "ninety"})
    r = bundle_to_case(_bundle(bad))
    assert r.case == {}
    assert _reasons(r, "bad")[0].startswith("not valid FHIR R4")


def test_not_a_bundle_raises() -> None:
    with pytest.raises(InvalidBundle):
        bundle_to_case({"resourceType": "Patient", "id": "p"})


def test_her2_ihc_indeterminate_and_unknown_answer_are_reported() -> None:
    def ihc(rid: str, answer: str) -> dict[str, Any]:
        value = {"coding": [{"system": LNC, "code": answer}]}
        return _obs(rid, LNC, "85319-2", valueCodeableConcept=value)

    r = bundle_to_case(_bundle(ihc("a", "LA11884-6")))
    assert _reasons(r, "a") == ["HER2 IHC indeterminate: no score to record"]
    r = bundle_to_case(_bundle(ihc("b", "LA6576-8")))  # "Positive": a status, not a score
    assert r.case == {"biomarkers": {"her2_status_reported": "positive"}}
    assert any("biomarkers.her2_ihc not recorded" in n for n in r.notes)
    r = bundle_to_case(_bundle(ihc("c", "LA11842-4")))
    assert r.case == {"biomarkers": {"her2_ihc": 2}}


def test_ish_ratio_without_copy_number_is_reported() -> None:
    r = bundle_to_case(_bundle(_obs("ish", LNC, "49683-6", valueQuantity=_q(2.4, "{ratio}"))))
    assert r.case == {}
    assert "74860-8" in _reasons(r, "ish")[0]


def test_two_unmarked_ish_counts_are_not_ordered_by_guess() -> None:
    def ish(rid: str, ratio: float) -> dict[str, Any]:
        comp = {
            "code": {"coding": [{"system": LNC, "code": "74860-8"}]},
            "valueQuantity": _q(4.0, "{#}"),
        }
        return _obs(rid, LNC, "49683-6", valueQuantity=_q(ratio, "{ratio}"), component=[comp])

    r = bundle_to_case(_bundle(ish("i1", 1.6), ish("i2", 1.7)))
    assert r.case == {}
    assert {u.resource_id for u in r.unmapped} == {"i1", "i2"}


def test_tnm_outside_ajcc8_or_unverified_snomed_value_is_reported() -> None:
    value = {"coding": [{"system": codes.AJCC, "code": "cT2"}]}
    t_code = "399504009"
    ajcc7 = {"coding": [{"system": SCT, "code": "443830009"}]}
    r = bundle_to_case(_bundle(_obs("t", SCT, t_code, method=ajcc7, valueCodeableConcept=value)))
    assert "7th edition" in _reasons(r, "t")[0] and "not AJCC 8th edition" in _reasons(r, "t")[0]
    # no method at all: read as recorded, and noted (breast T/N/M equal in AJCC 7 and 8)
    r = bundle_to_case(_bundle(_obs("t", SCT, t_code, valueCodeableConcept=value)))
    assert r.case == {"tumour": {"clinical_t": "T2"}}
    assert any("no staging method given" in n for n in r.notes)
    ajcc8 = {"coding": [{"system": SCT, "code": "897275008"}]}
    r = bundle_to_case(_bundle(_obs("t", SCT, t_code, method=ajcc8, valueCodeableConcept=value)))
    assert r.case == {"tumour": {"clinical_t": "T2"}}
    # cTis(LAMN), an appendix category: not in the verified breast table
    unverified = {"coding": [{"system": SCT, "code": "1228887004"}]}
    r = bundle_to_case(
        _bundle(_obs("t", SCT, t_code, method=ajcc8, valueCodeableConcept=unverified))
    )
    assert r.case == {} and len(_reasons(r, "t")) == 1
    # cT2 (CMS EOM IG breast column) and, with the NCI thesaurus method, the same result
    ct2 = {"coding": [{"system": SCT, "code": "1228929004"}]}
    ncit = {"coding": [{"system": "http://ncimeta.nci.nih.gov", "code": "C146985"}]}
    r = bundle_to_case(_bundle(_obs("t", SCT, t_code, method=ncit, valueCodeableConcept=ct2)))
    assert r.case == {"tumour": {"clinical_t": "T2"}}
    wrong_prefix = {"coding": [{"system": codes.AJCC, "code": "pT2"}]}
    r = bundle_to_case(
        _bundle(_obs("t", SCT, t_code, method=ajcc8, valueCodeableConcept=wrong_prefix))
    )
    assert r.case == {} and "disagrees" in _reasons(r, "t")[0]


def test_ambiguous_surgery_code_is_reported() -> None:
    proc = {
        "resourceType": "Procedure",
        "id": "s",
        "status": "completed",
        "code": {"coding": [{"system": SCT, "code": "69031006"}]},
        "subject": {"reference": "Patient/p"},
    }
    r = bundle_to_case(_bundle(proc))
    assert r.case == {} and "does not say" in _reasons(r, "s")[0]


def test_gender_other_is_reported_and_unknown_is_not_recorded() -> None:
    r = bundle_to_case(_bundle({"resourceType": "Patient", "id": "p", "gender": "other"}))
    assert r.case == {} and len(_reasons(r, "p")) == 1
    r = bundle_to_case(_bundle({"resourceType": "Patient", "id": "p", "gender": "unknown"}))
    assert r.case == {} and r.unmapped == []


def test_age_needs_a_reference_date() -> None:
    patient = {"resourceType": "Patient", "id": "p", "gender": "female", "birthDate": "1970-06-30"}
    r = bundle_to_case(_bundle(patient))
    assert "age_years" not in r.case["patient"]
    assert "no reference date" in _reasons(r, "p")[0]
    r = bundle_to_case(_bundle(patient), assessment_date=dt.date(2026, 6, 29))
    assert r.case["patient"]["age_years"] == 55
    assert r.case["assessment_date"] == "2026-06-29"


def test_germline_negative_needs_both_brca_genes() -> None:
    def variant(rid: str, genes: list[str]) -> dict[str, Any]:
        comps = [
            {
                "code": {"coding": [{"system": LNC, "code": "48018-6"}]},
                "valueCodeableConcept": {"coding": [codes.GENES[g].coding()]},
            }
            for g in genes
        ]
        comps.append(
            {
                "code": {"coding": [{"system": LNC, "code": "48002-0"}]},
                "valueCodeableConcept": {"coding": [codes.GERMLINE.coding()]},
            }
        )
        absent = {"coding": [codes.ABSENT.coding()]}
        return _obs(rid, LNC, "69548-6", valueCodeableConcept=absent, component=comps)

    only_brca1 = bundle_to_case(_bundle(variant("v", ["BRCA1"])))
    assert only_brca1.case == {}
    assert any("not recorded" in n for n in only_brca1.notes)
    both = bundle_to_case(_bundle(variant("v1", ["BRCA1"]), variant("v2", ["BRCA2"])))
    assert both.case == {"biomarkers": {"germline_brca": "negative"}}


def test_medication_names_map_only_to_an_inn() -> None:
    def request(rid: str, text: str, line: str | None = "1") -> dict[str, Any]:
        res: dict[str, Any] = {
            "resourceType": "MedicationRequest",
            "id": rid,
            "status": "completed",
            "intent": "order",
            "medicationCodeableConcept": {"text": text},
            "subject": {"reference": "Patient/p"},
        }
        if line:
            res["groupIdentifier"] = {"system": codes.LOCAL_LINE_ID, "value": line}
        return res

    r = bundle_to_case(
        _bundle(
            request("a", "letrozole 2.5 MG Oral Tablet"),
            request("b", "Ibrance"),  # brand name: not reduced
            request("c", "tamoxifen", line=None),
        )
    )
    assert r.case == {"treatment": {"metastatic_lines": [{"agents": ["letrozole"]}]}}
    assert len(_reasons(r, "b")) == 1
    assert any("tamoxifen has no metastatic-line tag" in n for n in r.notes)


# --- units -------------------------------------------------------------------------------------
def test_size_in_cm_is_converted_to_mm_and_noted() -> None:
    r = bundle_to_case(_bundle(_size("sz", 2.3, "cm")))
    assert r.case == {"tumour": {"size_mm": 23.0}}
    assert "Observation/sz: 2.3 cm -> 23.0 mm" in r.notes


def test_size_in_mm_is_kept_and_imaging_goes_to_clinical_size() -> None:
    r = bundle_to_case(_bundle(_size("sz", 18, "mm", method="16310003")))
    assert r.case == {"tumour": {"clinical_size_mm": 18.0}}
    assert r.notes == []


def test_size_in_unknown_unit_is_reported() -> None:
    r = bundle_to_case(_bundle(_size("sz", 1, "[in_i]")))
    assert r.case == {}
    assert _reasons(r, "sz") == ["size unit '[in_i]' is not UCUM mm or cm; not converted"]


def test_radiotherapy_dose_units() -> None:
    def course(unit: str, value: float) -> dict[str, Any]:
        return {
            "resourceType": "Procedure",
            "id": "rt",
            "status": "completed",
            "code": {"coding": [codes.RT_COURSE.coding()]},
            "subject": {"reference": "Patient/p"},
            "extension": [
                {
                    "url": codes.EXT_RT_DOSE,
                    "extension": [
                        {"url": "volume", "valueReference": {"reference": "BodyStructure/v"}},
                        {"url": "totalDoseDelivered", "valueQuantity": _q(value, unit)},
                        {"url": "fractionsDelivered", "valueUnsignedInt": 25},
                    ],
                }
            ],
        }

    volume = {
        "resourceType": "BodyStructure",
        "id": "v",
        "description": "chest wall",
        "location": {"coding": [{"system": SCT, "code": "78904004"}]},
        "locationQualifier": [{"coding": [{"system": SCT, "code": "7771000"}]}],
        "patient": {"reference": "Patient/p"},
    }
    r = bundle_to_case(_bundle(course("cGy", 5000), volume))
    assert r.case["treatment"]["radiotherapy_courses"] == [
        {"total_dose_gy": 50.0, "fractions": 25, "region": "chest_wall", "laterality": "left"}
    ]
    r = bundle_to_case(_bundle(course("Gy", 40.05), volume))
    assert r.case["treatment"]["radiotherapy_courses"][0]["total_dose_gy"] == 40.05
    r = bundle_to_case(_bundle(course("mSv", 50), volume))
    assert "total_dose_gy" not in r.case["treatment"]["radiotherapy_courses"][0]
    assert len(_reasons(r, "rt")) == 1


# --- codes -------------------------------------------------------------------------------------
def test_every_code_names_its_source() -> None:
    listed = codes.all_codes()
    assert len(listed) > 50
    for name, code in listed:
        assert code.source.strip(), name
        assert code.system and code.code and code.display, name


def test_builder_accepts_a_case_model() -> None:
    case = parse_case(examples.load("triple-negative-brca1"), today=TODAY)
    assert case_to_bundle(case) == case_to_bundle(examples.load("triple-negative-brca1"))
