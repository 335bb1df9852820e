"""Case -> FHIR R4 Bundle (collection) following the mCODE STU4 examples, as a pure function.

The bundle carries every case field that :func:`breastcds.fhir.bundle_to_case` reads, coded as in
``breastcds.fhir.codes``, so that case -> bundle -> case keeps those facts. Fields the mapper does
not read (see docs/fhir.md) are not written; :func:`not_carried` lists them for a given case.
Nothing is invented: no dates, no birthDate (age at diagnosis goes to Condition.onsetAge), no
effective times, no names, no prescriber. Where mCODE STU4 or its US Core parents require an
element the case does not hold (Patient.name, Observation.effective[x], Procedure.performed[x],
MedicationRequest.requester), it is written with the data-absent-reason extension ``unknown``, as
US Core allows; ``breastcds.fhir.conformance`` checks the cardinalities.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from typing import Any

from breastcds.fhir import codes as C
from breastcds.fhir.mapper import LOCAL_CASE_ID
from breastcds.model.case import Case
from breastcds.model.parse import parse_case

JSON = dict[str, Any]
BASE_URL = "http://example.org/fhir"  # as in the mCODE example bundles


def case_to_bundle(case: Case | Mapping[str, Any]) -> JSON:
    """Build a FHIR R4 collection Bundle (mCODE profiles) from a case."""
    valid = parse_case(case, today=dt.date.max)  # structure check only; no clock
    return _Builder(valid).bundle()


def not_carried(case: Case | Mapping[str, Any]) -> list[str]:
    """Case fields (dotted paths) that do not survive case -> Bundle -> case."""
    from breastcds.fhir.mapper import bundle_to_case

    valid = parse_case(case, today=dt.date.max)
    original = _flatten(valid.model_dump(mode="json", exclude_defaults=True))
    back = bundle_to_case(case_to_bundle(valid)).case
    again = _flatten(
        parse_case(back, today=dt.date.max).model_dump(mode="json", exclude_defaults=True)
    )
    return sorted(p for p, v in original.items() if again.get(p) != v)


def _flatten(d: Any, prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    if isinstance(d, dict):
        for k, v in d.items():
            out.update(_flatten(v, f"{prefix}{k}."))
    else:
        out[prefix.rstrip(".")] = d
    return out


def _cc(*codes: C.Code, text: str | None = None) -> JSON:
    out: JSON = {"coding": [c.coding() for c in codes]}
    if text:
        out["text"] = text
    return out


DATA_ABSENT_EXT = "http://hl7.org/fhir/StructureDefinition/data-absent-reason"
UNKNOWN: JSON = {"extension": [{"url": DATA_ABSENT_EXT, "valueCode": "unknown"}]}
CASE_DIGEST_ID = "urn:breastcds:identifier:case-digest"
INN_SYSTEM = "urn:breastcds:codesystem:inn"  # no verified RxNorm table in this project yet


def _category(code: str, display: str) -> list[JSON]:
    return [_cc(C.Code(C.OBS_CATEGORY, code, display, "FHIR observation-category"))]


def _qty(value: float | int, code: str, unit: str | None = None) -> JSON:
    return {"value": value, "unit": unit or code, "system": C.UCUM, "code": code}


class _Builder:
    def __init__(self, case: Case) -> None:
        self.case = case
        self.entries: list[JSON] = []

    def add(self, res: JSON) -> str:
        self.entries.append(
            {"fullUrl": f"{BASE_URL}/{res['resourceType']}/{res['id']}", "resource": res}
        )
        return f"{res['resourceType']}/{res['id']}"

    def obs(self, rid: str, code: JSON, profile: str | None, **fields: Any) -> JSON:
        res: JSON = {"resourceType": "Observation", "id": rid}
        if profile:
            res["meta"] = {"profile": [profile]}
        res.update({"status": "final", "code": code, "subject": {"reference": "Patient/patient"}})
        fields.setdefault("category", _category("laboratory", "Laboratory"))
        res.update(fields)
        res["_effectiveDateTime"] = UNKNOWN  # US Core: effective[x]; the case has no date
        return res

    def bundle(self) -> JSON:
        c = self.case
        self.patient()
        self.condition()
        self.staging()
        self.pathology()
        self.biomarkers()
        self.genomics()
        self.surgery()
        self.radiotherapy()
        self.medications()
        self.pregnancy()
        self.early_medications()
        out: JSON = {"resourceType": "Bundle", "id": "breastcds-case", "type": "collection"}
        if c.case_id:
            out["identifier"] = {"system": LOCAL_CASE_ID, "value": c.case_id}
        out["entry"] = self.entries
        return out

    # --- Patient and primary cancer --------------------------------------------------------------
    def patient(self) -> None:
        res: JSON = {
            "resourceType": "Patient",
            "id": "patient",
            "meta": {"profile": [C.PROFILE_PATIENT]},
        }
        # US Core Patient: identifier 1..* (system, value), name 1..*, gender 1..1.
        if self.case.case_id:
            res["identifier"] = [{"system": LOCAL_CASE_ID, "value": self.case.case_id}]
        else:  # the exported case itself: a digest of its content identifies it
            digest = hashlib.sha256(
                json.dumps(
                    self.case.model_dump(mode="json", exclude_defaults=True), sort_keys=True
                ).encode()
            ).hexdigest()[:32]
            res["identifier"] = [{"system": CASE_DIGEST_ID, "value": digest}]
        res["name"] = [UNKNOWN]  # breastcds holds no names
        sex = self.case.patient.sex
        res["gender"] = sex.value if sex is not None else "unknown"
        self.add(res)

    def condition(self) -> None:
        t, p = self.case.tumour, self.case.patient
        res: JSON = {
            "resourceType": "Condition",
            "id": "primary-cancer",
            "meta": {"profile": [C.PROFILE_PRIMARY_CANCER]},
            "clinicalStatus": {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                        "code": "active",
                    }
                ]
            },
            "verificationStatus": {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/condition-ver-status",
                        "code": "confirmed",
                    }
                ]
            },
            "category": [
                {
                    "coding": [
                        {
                            "system": "http://terminology.hl7.org/CodeSystem/condition-category",
                            "code": "problem-list-item",
                        }
                    ]
                }
            ],
            "code": _cc(C.BREAST_CANCER_CODES[1]),
            "subject": {"reference": "Patient/patient"},
        }
        site: JSON = _cc(C.BREAST_STRUCTURE)
        if t.laterality is not None:
            site["extension"] = [
                {
                    "url": C.EXT_LATERALITY,
                    "valueCodeableConcept": _cc(C.LATERALITY_BY_VALUE[t.laterality.value]),
                }
            ]
        res["bodySite"] = [site]
        if t.histology is not None and t.histology.value in C.HISTOLOGY_BY_VALUE:
            res["extension"] = [
                {
                    "url": C.EXT_HISTOLOGY,
                    "valueCodeableConcept": _cc(C.HISTOLOGY_BY_VALUE[t.histology.value]),
                }
            ]
        if p.age_years is not None:
            res["onsetAge"] = _qty(p.age_years, "a", "years")
        self.add(res)

    def staging(self) -> None:
        t = self.case.tumour
        neo = self.case.treatment.neoadjuvant
        items: list[tuple[str, str, str, str | None]] = [
            ("T", "c", "c", t.clinical_t),
            ("N", "c", "c", t.clinical_n),
            ("T", "p", "p", t.pathological_t),
            ("N", "p", "p", t.pathological_n),
        ]
        if neo is not None:
            items += [("T", "p", "yp", neo.ypt), ("N", "p", "yp", neo.ypn)]
        for axis, setting, prefix, value in items:
            if value is not None:
                self.tnm(axis, setting, f"{prefix}{value}")
        m_codes = {"M0": "cM0", "cM0(i+)": "cM0(i+)", "M1": "cM1"}
        if t.clinical_m is not None:
            self.tnm("M", "c", m_codes[t.clinical_m])
        if t.pathological_m == "M1":
            self.tnm("M", "p", "pM1")  # AJCC 8 has no pM0: pathological M0 is not written

    def tnm(self, axis: str, setting: str, ajcc: str) -> None:
        profile = {"T": C.PROFILE_T, "N": C.PROFILE_N, "M": C.PROFILE_M}[axis]
        value = C.Code(C.AJCC, ajcc, ajcc, "mcode-stu1")
        rid = "tnm-" + ajcc.lower().replace("(", "-").replace(")", "").replace("+", "plus")
        self.add(
            self.obs(
                rid,
                _cc(C.TNM_CODE_FOR[(axis, setting)]),
                profile,
                method=_cc(C.AJCC_8),
                category=_category("exam", "Exam")
                if setting == "c"
                else _category("laboratory", "Laboratory"),
                focus=[{"reference": "Condition/primary-cancer"}],
                valueCodeableConcept=_cc(value),
            )
        )

    # --- pathology -------------------------------------------------------------------------------
    def pathology(self) -> None:
        t = self.case.tumour
        lab = [_cc(C.Code(C.OBS_CATEGORY, "laboratory", "Laboratory", "FHIR"))]
        if t.size_mm is not None:
            self.add(
                {
                    "resourceType": "Specimen",
                    "id": "tumour-specimen",
                    "meta": {"profile": [C.PROFILE_HUMAN_SPECIMEN]},
                    "type": _cc(C.Code(C.SPECIMEN_TYPE, "TUMOR", "Tumor", "mcode")),
                    "subject": {"reference": "Patient/patient"},
                }
            )
            self.size(
                "tumour-size-pathological",
                t.size_mm,
                C.SIZE_METHOD_PATHOLOGY[0],
                specimen={"reference": "Specimen/tumour-specimen"},
            )
        if t.clinical_size_mm is not None:
            self.add(
                {
                    "resourceType": "BodyStructure",
                    "id": "tumour",
                    "meta": {"profile": [C.PROFILE_TUMOR]},
                    "location": _cc(C.BREAST_STRUCTURE),
                    "patient": {"reference": "Patient/patient"},
                }
            )
            imaging = next(c for c in C.SIZE_METHOD_CLINICAL if c.code == "363679005")
            self.size(
                "tumour-size-clinical",
                t.clinical_size_mm,
                imaging,
                focus=[{"reference": "BodyStructure/tumour"}],
                category=_category("imaging", "Imaging"),
            )
        if t.grade is not None:
            self.add(
                self.obs(
                    "grade",
                    _cc(C.GRADE),
                    None,
                    category=lab,
                    valueCodeableConcept=_cc(C.GRADE_BY_VALUE[t.grade]),
                )
            )
        for rid, code, count in (
            ("nodes-examined", C.NODES_EXAMINED, t.nodes_examined),
            ("nodes-positive", C.NODES_POSITIVE, t.nodes_positive),
        ):
            if count is not None:
                self.add(
                    self.obs(
                        rid, _cc(code), None, category=lab, valueQuantity=_qty(count, "1", "nodes")
                    )
                )
        if t.nodes_micrometastases_only and t.nodes_positive:
            for rid, code, count in (
                ("nodes-micrometastases", C.NODES_MICROMETASTASES, t.nodes_positive),
                ("nodes-macrometastases", C.NODES_MACROMETASTASES, 0),
            ):
                self.add(
                    self.obs(
                        rid, _cc(code), None, category=lab, valueQuantity=_qty(count, "1", "nodes")
                    )
                )

    def size(self, rid: str, mm: float, method: C.Code, **where: Any) -> None:
        self.add(
            self.obs(
                rid,
                _cc(C.TUMOR_SIZE),
                C.PROFILE_TUMOR_SIZE,
                method=_cc(method),
                component=[{"code": _cc(C.TUMOR_LONGEST), "valueQuantity": _qty(mm, "mm")}],
                **where,
            )
        )

    # --- biomarkers ------------------------------------------------------------------------------
    def marker(self, rid: str, code: C.Code, **value: Any) -> None:
        lab = [_cc(C.Code(C.OBS_CATEGORY, "laboratory", "Laboratory", "FHIR"))]
        extra_cat = value.pop("extra_category", [])
        self.add(
            self.obs(rid, _cc(code), C.PROFILE_TUMOR_MARKER, category=lab + extra_cat, **value)
        )

    def biomarkers(self) -> None:
        b = self.case.biomarkers
        for rid, code, pct in (
            ("er", C.ER_PERCENT[0], b.er_percent),
            ("pr", C.PR_PERCENT[0], b.pr_percent),
            ("ki67", C.KI67_PERCENT[0], b.ki67_percent),
        ):
            if pct is not None:
                self.marker(rid, code, valueQuantity=_qty(pct, "%"))
        if b.her2_ihc is not None:
            extra: JSON = {}
            if b.her2_ihc0_staining is not None:
                extra["component"] = [
                    {
                        "code": _cc(C.LOCAL_IHC0_STAINING),
                        "valueCodeableConcept": _cc(
                            C.LOCAL_IHC0_VALUES[b.her2_ihc0_staining.value]
                        ),
                    }
                ]
            self.marker(
                "her2-ihc",
                C.HER2_IHC[0],
                valueCodeableConcept=_cc(C.HER2_IHC_SCORE_BY_VALUE[b.her2_ihc]),
                **extra,
            )
        for rid, ish, recount in (
            ("her2-ish", b.her2_ish, False),
            ("her2-ish-recount", b.her2_ish_recount, True),
        ):
            if ish is None:
                continue
            comps: list[JSON] = [
                {
                    "code": _cc(C.HER2_ISH_COPIES),
                    "valueQuantity": _qty(ish.her2_copies, "{#}", "copies/cell"),
                }
            ]
            if ish.cells_counted is not None:
                comps.append(
                    {
                        "code": _cc(C.CELLS_COUNTED),
                        "valueQuantity": _qty(ish.cells_counted, "{#}", "cells"),
                    }
                )
            self.marker(
                rid,
                C.HER2_ISH_RATIO,
                valueQuantity=_qty(ish.ratio, "{ratio}", "ratio"),
                component=comps,
                extra_category=[_cc(C.LOCAL_ISH_RECOUNT)] if recount else [],
            )
        rs = b.genomics.oncotype_rs
        if rs is not None:
            self.marker(
                "oncotype-dx", C.ONCOTYPE_DX, valueQuantity=_qty(rs, "1", "Recurrence score")
            )
        ecog = self.case.patient.ecog
        if ecog is not None:
            survey = [_cc(C.Code(C.OBS_CATEGORY, "survey", "Survey", "FHIR"))]
            self.add(
                self.obs("ecog", _cc(C.ECOG), C.PROFILE_ECOG, category=survey, valueInteger=ecog)
            )

    def genomics(self) -> None:
        b = self.case.biomarkers
        if b.germline_brca is not None:
            if b.germline_brca.value == "negative":
                self.variant("germline-brca", ["BRCA1", "BRCA2"], C.GERMLINE, present=False)
            else:
                self.variant(
                    "germline-brca", [b.germline_brca.value.upper()], C.GERMLINE, present=True
                )
        for gene, path in C.SOMATIC_GENE_FIELDS.items():
            status = getattr(b, path)
            if status is not None:
                self.variant(
                    f"somatic-{gene.lower()}", [gene], C.SOMATIC, present=status.value == "mutated"
                )

    def variant(self, rid: str, genes: list[str], source: C.Code, *, present: bool) -> None:
        comps: list[JSON] = [
            {"code": _cc(C.GENE_STUDIED), "valueCodeableConcept": _cc(C.GENES[g])} for g in genes
        ]
        comps.append({"code": _cc(C.GENOMIC_SOURCE_CLASS), "valueCodeableConcept": _cc(source)})
        if present:
            comps.append(
                {"code": _cc(C.CLINICAL_SIGNIFICANCE), "valueCodeableConcept": _cc(C.PATHOGENIC)}
            )
        self.add(
            self.obs(
                rid,
                _cc(C.GENETIC_VARIANT_ASSESSMENT),
                C.PROFILE_GENOMIC_VARIANT,
                category=[_cc(C.Code(C.OBS_CATEGORY, "laboratory", "Laboratory", "FHIR"))],
                valueCodeableConcept=_cc(C.PRESENT if present else C.ABSENT),
                component=comps,
            )
        )

    # --- treatment -------------------------------------------------------------------------------
    def surgery(self) -> None:
        s = self.case.treatment.surgery
        if s is None:
            return
        if s.type is not None and s.type.value in C.SURGERY_BY_VALUE:
            res: JSON = {
                "resourceType": "Procedure",
                "id": "surgery",
                "meta": {"profile": [C.PROFILE_SURGERY]},
                "status": "completed",
                "code": _cc(C.SURGERY_BY_VALUE[s.type.value]),
                "subject": {"reference": "Patient/patient"},
                "reasonReference": [{"reference": "Condition/primary-cancer"}],
            }
            if s.date is not None:
                res["performedDateTime"] = s.date.isoformat()
            else:
                res["_performedDateTime"] = UNKNOWN  # US Core: performed[x] when completed
            self.add(res)
        if s.axillary is not None and s.axillary.value == "sentinel_node_biopsy":
            self.add(
                {
                    "resourceType": "Procedure",
                    "id": "axillary-surgery",
                    "meta": {"profile": [C.PROFILE_SURGERY]},
                    "status": "completed",
                    "code": _cc(C.SENTINEL_NODE_BIOPSY),
                    "subject": {"reference": "Patient/patient"},
                    "_performedDateTime": UNKNOWN,
                    "reasonReference": [{"reference": "Condition/primary-cancer"}],
                }
            )

    def radiotherapy(self) -> None:
        for i, course in enumerate(self.case.treatment.radiotherapy_courses, start=1):
            volume: JSON = {
                "resourceType": "BodyStructure",
                "id": f"rt-volume-{i}",
                "meta": {"profile": [C.PROFILE_RT_VOLUME]},
                "description": f"radiotherapy volume of course {i}",
                "patient": {"reference": "Patient/patient"},
            }
            location: JSON = {}
            if course.region is not None and course.region.value in C.RT_REGION_BY_VALUE:
                location = _cc(C.RT_REGION_BY_VALUE[course.region.value])
            if course.region_text is not None:
                location["text"] = course.region_text  # the region as written
            if location:
                volume["location"] = location
            if course.laterality is not None:
                volume["locationQualifier"] = [_cc(C.LATERALITY_BY_VALUE[course.laterality.value])]
            self.add(volume)
            dose: list[JSON] = [
                {"url": "volume", "valueReference": {"reference": f"BodyStructure/rt-volume-{i}"}}
            ]
            if course.total_dose_gy is not None:
                dose.append(
                    {
                        "url": "totalDoseDelivered",
                        "valueQuantity": _qty(round(course.total_dose_gy * 100, 6), "cGy"),
                    }
                )
            if course.fractions is not None:
                dose.append({"url": "fractionsDelivered", "valueUnsignedInt": course.fractions})
            ext: list[JSON] = []
            if course.intent is not None:
                ext.append(
                    {
                        "url": C.EXT_PROCEDURE_INTENT,
                        "valueCodeableConcept": _cc(C.INTENT_BY_VALUE[course.intent]),
                    }
                )
            ext.append({"url": C.EXT_RT_DOSE, "extension": dose})
            res: JSON = {
                "resourceType": "Procedure",
                "id": f"rt-course-{i}",
                "meta": {"profile": [C.PROFILE_RT_COURSE]},
                "extension": ext,
                "status": "completed",
                "code": _cc(C.RT_COURSE),
                "subject": {"reference": "Patient/patient"},
                "reasonReference": [{"reference": "Condition/primary-cancer"}],
            }
            period = {
                k: d.isoformat()
                for k, d in (("start", course.start_date), ("end", course.end_date))
                if d is not None
            }
            if period:
                res["performedPeriod"] = period
            else:
                res["_performedDateTime"] = UNKNOWN
            self.add(res)

    def medications(self) -> None:
        for n, line in enumerate(self.case.treatment.metastatic_lines, start=1):
            for agent in line.agents:
                if agent not in C.INN_AGENTS:
                    continue
                self.add(_medication_request(f"line-{n}", agent, C.LOCAL_LINE_ID, str(n)))

    # --- the course of care (issue 15) -----------------------------------------------------------
    def pregnancy(self) -> None:
        """US Core pregnancy status (82810-3) and the gestational age (11884-4, weeks)."""
        p = self.case.patient
        pregnant = p.pregnant if p.pregnant is not None else p.comorbidities.pregnancy
        if pregnant is None:
            return
        social = _category("social-history", "Social History")
        answer = _cc(C.PREGNANCY_ANSWERS[pregnant])
        self.add(
            self.obs(
                "pregnancy-status",
                _cc(C.PREGNANCY_STATUS),
                C.PROFILE_PREGNANCY_STATUS,
                category=social,
                valueCodeableConcept=answer,
            )
        )
        if p.gestation_weeks is not None:
            weeks = _qty(p.gestation_weeks, "wk", "weeks")
            code = _cc(C.GESTATIONAL_AGE[0])
            self.add(self.obs("gestational-age", code, None, category=social, valueQuantity=weeks))

    def early_medications(self) -> None:
        """(Neo)adjuvant and adjuvant endocrine agents as completed MedicationRequests, grouped by
        setting (groupIdentifier ``urn:breastcds:identifier:treatment-setting``)."""
        t = self.case.treatment
        settings = {
            "neoadjuvant": None if t.neoadjuvant is None else t.neoadjuvant.agents,
            "adjuvant": t.adjuvant_agents,
            "endocrine": None if t.endocrine is None else t.endocrine.agents,
        }
        for setting, agents in settings.items():
            for agent in agents or []:
                if agent not in C.INN_AGENTS:
                    continue
                self.add(_medication_request(setting, agent, C.LOCAL_SETTING_ID, setting))


def _medication_request(prefix: str, agent: str, group_system: str, group: str) -> JSON:
    """A completed mCODE CancerRelatedMedicationRequest for one agent (INN), in one group."""
    return {
        "resourceType": "MedicationRequest",
        "id": f"{prefix}-{agent.replace(' ', '-')}",
        "meta": {"profile": [C.PROFILE_MED_REQUEST]},
        "status": "completed",
        "intent": "order",
        "groupIdentifier": {"system": group_system, "value": group},
        "medicationCodeableConcept": {
            "coding": [{"system": INN_SYSTEM, "code": agent, "display": agent}],
            "text": agent,
        },
        "subject": {"reference": "Patient/patient"},
        "requester": UNKNOWN,  # US Core requester 1..1; no prescriber recorded
        "reasonReference": [{"reference": "Condition/primary-cancer"}],
    }
