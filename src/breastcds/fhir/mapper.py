"""FHIR R4 (mCODE STU4) Bundle -> case dict, as a pure function.

``bundle_to_case(bundle)`` validates every entry with fhir.resources (the R4B models, which the
package provides for R4/R4B; it ships no separate R4 subpackage) and reads the facts the case
model holds. Every resource or element that cannot be mapped is reported in
``MappingResult.unmapped`` with its resource type, id and the reason; nothing is coerced or
guessed: an unknown code, an unknown unit, a missing value, conflicting values or an ambiguous
pairing leave the case field unset (``None`` = not recorded). Unit conversions (cm -> mm,
cGy -> Gy) are explicit and written to ``MappingResult.notes``.

No I/O, no clock: age needs a reference date, taken from the cancer condition's onset date or the
caller's ``assessment_date``.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from breastcds.fhir import codes as C
from breastcds.model.paths import case_path

JSON = dict[str, Any]
LOCAL_CASE_ID = "urn:breastcds:identifier:case"  # Bundle.identifier carrying Case.case_id

_ACCEPTED_OBS_STATUS = frozenset({"final", "amended", "corrected"})
_NO_FACT_TYPES = frozenset(
    {
        "Practitioner",
        "PractitionerRole",
        "Organization",
        "Encounter",
        "Specimen",
        "DiagnosticReport",
        "Location",
        "Device",
        "BodyStructure",
    }
)


@dataclass(frozen=True)
class Unmapped:
    """A resource (or part of one) whose content did not reach the case, and why."""

    resource_type: str
    resource_id: str | None
    reason: str


@dataclass(frozen=True)
class MappingResult:
    case: dict[str, Any]
    unmapped: list[Unmapped] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


class InvalidBundle(ValueError):
    """The input is not a FHIR Bundle at all (each bad entry is reported as unmapped instead)."""


def bundle_to_case(
    bundle: Mapping[str, Any], *, assessment_date: dt.date | None = None
) -> MappingResult:
    """Map an mCODE FHIR R4 Bundle to a case dict for :func:`breastcds.assess`.

    ``assessment_date`` (optional) is written to the case and is the reference date for age
    when the Patient has a birthDate and the cancer condition gives neither onsetAge nor an
    onset date.
    """
    m = _Mapper(assessment_date)
    m.run(bundle)
    return MappingResult(case=m.case_dict(), unmapped=m.unmapped, notes=m.notes)


# ------------------------------------------------------------------------------------------------
def _codings(concept: Any) -> list[tuple[str, str]]:
    if not isinstance(concept, Mapping):
        return []
    out = []
    for c in concept.get("coding") or []:
        if isinstance(c, Mapping) and c.get("code") is not None:
            out.append((str(c.get("system") or ""), str(c["code"])))
    return out


def _has_code(concept: Any, system: str, code: str) -> bool:
    return (system, code) in _codings(concept)


def _codes_of(concept: Any, system: str) -> list[str]:
    return [code for s, code in _codings(concept) if s == system]


def _describe(concept: Any) -> str:
    cs = _codings(concept)
    if cs:
        return ", ".join(f"{s}|{c}" for s, c in cs)
    if isinstance(concept, Mapping) and concept.get("text"):
        return f"text {concept['text']!r} without a coding"
    return "no coding"


def _profiles(res: Mapping[str, Any]) -> list[str]:
    meta = res.get("meta") or {}
    return [str(p).split("|")[0] for p in meta.get("profile") or []]


def _ref_id(ref: Any) -> str | None:
    if isinstance(ref, Mapping) and isinstance(ref.get("reference"), str):
        return str(ref["reference"]).rstrip("/").split("/")[-1]
    return None


def _number(q: Any) -> float | None:
    if (
        isinstance(q, Mapping)
        and isinstance(q.get("value"), int | float)
        and not isinstance(q.get("value"), bool)
    ):
        return float(q["value"])
    return None


def _unit(q: Mapping[str, Any]) -> str | None:
    """UCUM code of a Quantity (the code is what counts; a non-UCUM unit is not read)."""
    if q.get("system") == C.UCUM and q.get("code") is not None:
        return str(q["code"])
    return None


_IHC_TEXT = {"0": 0, "1+": 1, "2+": 2, "3+": 3}


def _plain_ihc_score(res: Mapping[str, Any]) -> int | None:
    """A HER2 IHC score given as valueInteger 0-3 or as valueString exactly 0, 1+, 2+, 3+."""
    v = res.get("valueInteger")
    if isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= 3:
        return v
    text = res.get("valueString")
    if isinstance(text, str):
        return _IHC_TEXT.get(text.strip())
    return None


def _texts(concept: Any) -> list[str]:
    return [str(concept["text"])] if isinstance(concept, Mapping) and concept.get("text") else []


def _is_ajcc_8(method: Any) -> bool:
    return _has_code(method, C.SNOMED, C.AJCC_8.code) or any(
        s in C.NCIT_SYSTEMS and c == C.AJCC_8_NCIT for s, c in _codings(method)
    )


def _is_ajcc(method: Any) -> bool:
    return _is_ajcc_8(method) or any(c in C.AJCC_EARLIER for c in _codes_of(method, C.SNOMED))


def _qualitative_answer(res: Mapping[str, Any]) -> tuple[Any, str | None] | None:
    """(the coded answer, positive/negative/None=indeterminate) from the value, else from the
    interpretation; None when neither holds a mapped qualitative answer."""
    concepts = [res.get("valueCodeableConcept"), *(res.get("interpretation") or [])]
    for concept in concepts:
        hits = {
            C.QUALITATIVE_ANSWERS[k][1] for k in _codings(concept) if k in C.QUALITATIVE_ANSWERS
        }
        if len(hits) == 1:
            return concept, hits.pop()
        if concept is res.get("valueCodeableConcept") and concept is not None:
            return None  # a value that is not a qualitative answer: the interpretation cannot
    return None


def _is_secondary(res: Mapping[str, Any]) -> bool:
    return C.PROFILE_SECONDARY_CANCER in _profiles(res) or any(
        k in C.SECONDARY_SITES for k in _codings(res.get("code"))
    )


def _not_a_fact(res: Mapping[str, Any]) -> bool:
    return bool(
        {"refuted", "entered-in-error"}
        & set(_codes_of(res.get("verificationStatus"), C.CONDITION_VER_STATUS))
    )


def breast_cancer_code(concept: Any) -> bool:
    """Whether a Condition.code names a breast cancer (SNOMED CT table or ICD-10-CM C50/D05)."""
    return any(c in C.BREAST_CANCER_SNOMED for c in _codes_of(concept, C.SNOMED)) or any(
        c.startswith(C.ICD10_BREAST_PREFIXES) for c in _codes_of(concept, C.ICD10CM)
    )


def has_breast_cancer(resources: Sequence[Mapping[str, Any]]) -> bool:
    """Whether any Condition among ``resources`` records a breast cancer (primary, by code or by
    mCODE profile with a breast body site), not refuted or entered in error."""
    for r in resources:
        if not isinstance(r, Mapping) or r.get("resourceType") != "Condition" or _not_a_fact(r):
            continue
        if breast_cancer_code(r.get("code")):
            return True
        if C.PROFILE_PRIMARY_CANCER in _profiles(r) and any(
            _has_code(site, C.SNOMED, c.code)
            for site in r.get("bodySite") or []
            for c in (C.BREAST_STRUCTURE, C.LEFT_BREAST_STRUCTURE)
        ):
            return True
    return False


def _as_int(x: float) -> int | None:
    return int(x) if math.isfinite(x) and float(x).is_integer() else None


class _Mapper:
    def __init__(self, assessment_date: dt.date | None) -> None:
        self.assessment_date = assessment_date
        self.unmapped: list[Unmapped] = []
        self.notes: list[str] = []
        # field path -> list of (value, resource type, id)
        self.values: dict[str, list[tuple[Any, str, str | None]]] = {}
        self.resources: list[JSON] = []
        self.by_id: dict[str, JSON] = {}
        self.onset_date: dt.date | None = None
        self.lines: dict[int, list[str]] = {}
        self.early: dict[str, list[str]] = {}  # setting (codes.SETTING_FIELDS) -> agents
        self.rt_courses: list[JSON] = []
        self.ish: list[tuple[bool, JSON, str | None]] = []  # (is recount, value, obs id)
        self.birth: tuple[str, JSON] | None = None
        self.case_id: str | None = None
        self.sites: dict[str, list[JSON]] = {}  # metastatic site -> secondary cancer conditions
        self.duplicates: list[JSON] = []  # unprofiled breast cancer conditions besides mCODE's

    # --- bookkeeping -----------------------------------------------------------------------------
    def skip(self, res: Mapping[str, Any], reason: str) -> None:
        rid = res.get("id")
        self.unmapped.append(
            Unmapped(str(res.get("resourceType") or "?"), str(rid) if rid else None, reason)
        )

    def put(self, path: str, value: Any, res: Mapping[str, Any]) -> None:
        rid = res.get("id")
        self.values.setdefault(path, []).append(
            (value, str(res.get("resourceType")), str(rid) if rid else None)
        )

    # --- entry point -----------------------------------------------------------------------------
    def run(self, bundle: Mapping[str, Any]) -> None:
        if not isinstance(bundle, Mapping) or bundle.get("resourceType") != "Bundle":
            raise InvalidBundle("input is not a FHIR Bundle (resourceType must be 'Bundle')")
        from fhir.resources.R4B import get_fhir_model_class

        ident = bundle.get("identifier")
        if (
            isinstance(ident, Mapping)
            and ident.get("system") == LOCAL_CASE_ID
            and ident.get("value")
        ):
            self.case_id = str(ident["value"])
        entries = bundle.get("entry") or []
        if not isinstance(entries, list):
            raise InvalidBundle("Bundle.entry must be a list")
        for i, entry in enumerate(entries):
            res = entry.get("resource") if isinstance(entry, Mapping) else None
            if not isinstance(res, Mapping) or not isinstance(res.get("resourceType"), str):
                self.unmapped.append(Unmapped("?", None, f"Bundle.entry[{i}] has no resource"))
                continue
            try:
                model = get_fhir_model_class(res["resourceType"])
            except (KeyError, ValueError, AttributeError):
                self.skip(res, f"unknown FHIR resource type {res['resourceType']!r}")
                continue
            try:
                model.model_validate(dict(res))
            except ValidationError as exc:
                first = exc.errors()[0]
                where = ".".join(str(p) for p in first["loc"])
                self.skip(res, f"not valid FHIR R4: {where}: {first['msg']}")
                continue
            self.resources.append(dict(res))
            if res.get("id"):
                self.by_id[str(res["id"])] = dict(res)

        handlers: dict[str, Callable[[JSON], None]] = {
            "Patient": self.patient,
            "Condition": self.condition,
            "Observation": self.observation,
            "Procedure": self.procedure,
            "MedicationRequest": self.medication,
            "MedicationAdministration": self.medication,
            "MedicationStatement": self.medication,
        }
        # Conditions first (onset date is the age reference), then the rest in bundle order.
        patients = [r for r in self.resources if r["resourceType"] == "Patient"]
        if len(patients) > 1:
            for p in patients:
                self.skip(p, "more than one Patient in the bundle; a case is one patient")
        primaries = [r for r in self.resources if self._is_primary(r)]
        profiled = [r for r in primaries if self._is_profiled_primary(r)]
        if profiled and len(profiled) < len(primaries):
            # An mCODE PrimaryCancerCondition is the primary tumour; other conditions that
            # merely carry a breast cancer code (problem-list duplicates) are listed.
            for p in primaries:
                if p not in profiled:
                    self.skip(
                        p,
                        "a breast cancer condition without the mCODE PrimaryCancerCondition "
                        "profile, besides one with it: the profiled condition is read",
                    )
            self.duplicates = [p for p in primaries if p not in profiled]
            primaries = profiled
        if len(primaries) > 1:
            for p in primaries:
                self.skip(p, "more than one primary cancer condition; a case is one primary tumour")
        referenced_volumes = self._rt_volume_ids()
        for res in sorted(self.resources, key=lambda r: r["resourceType"] != "Condition"):
            rtype = res["resourceType"]
            if (
                (rtype == "Patient" and len(patients) > 1)
                or (res in primaries and len(primaries) > 1)
                or any(res is d for d in self.duplicates)
            ):
                continue
            if rtype in handlers:
                handlers[rtype](res)
            elif rtype == "BodyStructure" and res.get("id") in referenced_volumes:
                continue  # read through the radiotherapy course that references it
            elif rtype in _NO_FACT_TYPES:
                self.notes.append(f"{rtype}/{res.get('id')}: carries no case facts; not read")
            else:
                self.skip(res, f"resource type {rtype} is not mapped to the case model")
        self.finish_ish()

    # --- Patient ---------------------------------------------------------------------------------
    def patient(self, res: JSON) -> None:
        gender = res.get("gender")
        if gender in ("female", "male"):
            self.put("patient.sex", gender, res)
        elif gender == "unknown":
            self.notes.append(f"Patient/{res.get('id')}: gender 'unknown' -> sex not recorded")
        elif gender is not None:
            self.skip(res, f"gender {gender!r}: the case model records female or male only")
        birth = res.get("birthDate")
        if birth is not None:
            self.birth = (str(birth), res)

    def _age_from_birth(self) -> None:
        if self.birth is None or self.values.get("patient.age_years"):
            return
        text, res = self.birth
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            self.skip(res, f"birthDate {text!r} is not a full date; age would be a guess")
            return
        born = dt.date.fromisoformat(text)
        if self.onset_date is not None:
            ref, what = self.onset_date, "the cancer condition's onset date (age at diagnosis)"
        elif self.assessment_date is not None:
            ref, what = self.assessment_date, "the assessment date"
        else:
            self.skip(
                res,
                "birthDate given but no reference date (condition onset or "
                "assessment_date) to compute age",
            )
            return
        age = ref.year - born.year - ((ref.month, ref.day) < (born.month, born.day))
        self.put("patient.age_years", age, res)
        self.notes.append(f"age {age} from birthDate {text} and {what} {ref.isoformat()}")

    # --- Conditions ------------------------------------------------------------------------------
    def _is_profiled_primary(self, res: Mapping[str, Any]) -> bool:
        return C.PROFILE_PRIMARY_CANCER in _profiles(res) or any(
            e.get("url") == C.EXT_HISTOLOGY for e in res.get("extension") or []
        )

    def _is_primary(self, res: Mapping[str, Any]) -> bool:
        if res.get("resourceType") != "Condition" or _is_secondary(res) or _not_a_fact(res):
            return False
        if C.PROFILE_PRIMARY_CANCER in _profiles(res):
            return True
        if breast_cancer_code(res.get("code")):
            return True
        return any(e.get("url") == C.EXT_HISTOLOGY for e in res.get("extension") or [])

    def condition(self, res: JSON) -> None:
        if _not_a_fact(res):
            self.skip(res, "verificationStatus says the condition is refuted or entered in error")
            return
        if _is_secondary(res):
            self._secondary(res)
            return
        if not self._is_primary(res):
            self.skip(
                res,
                "not an mCODE PrimaryCancerCondition (other conditions, e.g. "
                "comorbidities, are not mapped)",
            )
            return
        breast = any(
            _has_code(site, C.SNOMED, c.code)
            for site in res.get("bodySite") or []
            for c in (C.BREAST_STRUCTURE, C.LEFT_BREAST_STRUCTURE)
        ) or breast_cancer_code(res.get("code"))
        if not breast:
            self.skip(
                res,
                "primary cancer condition is not recorded as breast (bodySite "
                f"{[_describe(s) for s in res.get('bodySite') or []]}, code "
                f"{_describe(res.get('code'))})",
            )
            return
        self._laterality(res)
        self._histology(res)
        self._histology_from_code(res)
        onset = res.get("onsetDateTime")
        if isinstance(onset, str) and re.match(r"\d{4}-\d{2}-\d{2}", onset):
            self.onset_date = dt.date.fromisoformat(onset[:10])
        age = res.get("onsetAge")
        if isinstance(age, Mapping):
            value, unit = _number(age), _unit(age)
            if value is None:
                self.skip(res, "onsetAge has no value")
            elif unit not in C.AGE_UNITS:
                self.skip(res, f"onsetAge unit {unit or age.get('unit')!r} is not UCUM 'a'")
            else:
                years = math.floor(value)
                if years != value:
                    self.notes.append(f"onsetAge {value} a -> {years} completed years")
                self.put("patient.age_years", years, res)

    def _secondary(self, res: JSON) -> None:
        """A secondary cancer condition: a distant site (-> metastatic_sites and M1) or not."""
        hits = [C.SECONDARY_SITES[k] for k in _codings(res.get("code")) if k in C.SECONDARY_SITES]
        sites = {site for _, site in hits}
        if not hits:
            self.skip(
                res,
                f"secondary cancer site {_describe(res.get('code'))} is not in the mapped site "
                "table; tumour.metastatic_sites not recorded from it",
            )
        elif len(sites) > 1:
            self.skip(
                res, f"secondary cancer codings disagree on the site: {sorted(map(str, sites))}"
            )
        elif None in sites:
            self.skip(
                res,
                f"{hits[0][0].display}: regional lymph nodes of the breast are the N category, "
                "not a distant site (record tumour.clinical_n / pathological_n)",
            )
        else:
            site = str(sites.pop())
            self.sites.setdefault(site, []).append(res)
            self.put("tumour.clinical_m", "M1", res)

    def _histology_from_code(self, res: JSON) -> None:
        for c in _codes_of(res.get("code"), C.SNOMED):
            hit = C.BREAST_CANCER_SNOMED.get(c)
            if hit is not None and hit[2] is not None:
                self.put("tumour.histology", hit[2], res)
                self.notes.append(
                    f"Condition/{res.get('id')}: histology {hit[2]} from the condition code {c}"
                )

    def _laterality(self, res: JSON) -> None:
        found: set[str] = {
            side
            for c in _codes_of(res.get("code"), C.SNOMED)
            if (side := (C.BREAST_CANCER_SNOMED.get(c) or (None, None, None))[1]) is not None
        }
        for c in _codes_of(res.get("code"), C.ICD10CM):
            side = {"1": "right", "2": "left"}.get(c[6:7]) if c.startswith("C50.") else None
            if side is not None:
                found.add(side)
        for site in res.get("bodySite") or []:
            if _has_code(site, C.SNOMED, C.LEFT_BREAST_STRUCTURE.code):
                found.add("left")
            for ext in site.get("extension") or []:
                if ext.get("url") not in (C.EXT_LATERALITY, C.EXT_LATERALITY_STU1):
                    continue
                codes = _codes_of(ext.get("valueCodeableConcept"), C.SNOMED)
                known = [C.LATERALITY[c][1] for c in codes if c in C.LATERALITY]
                if known:
                    found.update(known)
                else:
                    self.skip(
                        res,
                        "laterality qualifier "
                        f"{_describe(ext.get('valueCodeableConcept'))} not mapped",
                    )
        if len(found) == 1:
            self.put("tumour.laterality", found.pop(), res)
        elif len(found) > 1:
            self.skip(res, f"conflicting laterality {sorted(found)}")

    def _histology(self, res: JSON) -> None:
        for ext in res.get("extension") or []:
            if ext.get("url") != C.EXT_HISTOLOGY:
                continue
            concept = ext.get("valueCodeableConcept")
            values = {
                C.HISTOLOGY_ICDO3[c][1]
                for c in _codes_of(concept, C.ICDO3)
                if c in C.HISTOLOGY_ICDO3
            }
            values |= {
                C.HISTOLOGY_SNOMED[c][1]
                for c in _codes_of(concept, C.SNOMED)
                if c in C.HISTOLOGY_SNOMED
            }
            if len(values) == 1:
                self.put("tumour.histology", values.pop(), res)
            elif values:
                self.skip(res, f"histology codings disagree: {sorted(values)}")
            else:
                self.skip(res, f"histology {_describe(concept)} not in the mapped code table")

    # --- Observations ----------------------------------------------------------------------------
    def observation(self, res: JSON) -> None:
        code = res.get("code")
        status = res.get("status")
        if status not in _ACCEPTED_OBS_STATUS:
            self.skip(res, f"status {status!r}: only final/amended/corrected results are read")
            return
        cs = set(_codings(code))

        def any_of(items: tuple[C.Code, ...] | list[C.Code]) -> bool:
            return any((c.system, c.code) in cs for c in items)

        if any_of(C.ER_PERCENT):
            self._percent(res, "biomarkers.er_percent")
        elif any_of(C.PR_PERCENT):
            self._percent(res, "biomarkers.pr_percent")
        elif any_of(C.KI67_PERCENT):
            self._percent(res, "biomarkers.ki67_percent")
        elif any_of(C.ER_QUALITATIVE):
            self._qualitative(res, "er", "ER", "biomarkers.er_percent")
        elif any_of(C.PR_QUALITATIVE):
            self._qualitative(res, "pr", "PR", "biomarkers.pr_percent")
        elif any_of(C.HER2_IHC):
            if _qualitative_answer(res) is not None:
                self._qualitative(res, "her2", "HER2 IHC", "biomarkers.her2_ihc")
            else:
                self._her2_ihc(res)
        elif (C.HER2_ISH_RATIO.system, C.HER2_ISH_RATIO.code) in cs:
            self._her2_ish(res)
        elif (C.HER2_ISH_COPIES.system, C.HER2_ISH_COPIES.code) in cs:
            self.skip(
                res,
                "HER2 copies per cell outside an ISH ratio observation cannot be "
                "paired safely; send it as a component of the 49683-6 observation",
            )
        elif any_of(C.HER2_NOT_SCORE):
            self._qualitative(res, "her2", "HER2", "biomarkers.her2_ihc")
        elif (C.HER2_QUANTITATIVE.system, C.HER2_QUANTITATIVE.code) in cs:
            self.skip(
                res,
                "HER2 units/volume by immunoassay is not an IHC score or ISH result; not read",
            )
        elif (C.ONCOTYPE_DX.system, C.ONCOTYPE_DX.code) in cs:
            self._oncotype(res)
        elif (C.TUMOR_SIZE.system, C.TUMOR_SIZE.code) in cs:
            self._size(res)
        elif (C.GRADE.system, C.GRADE.code) in cs:
            self._coded_value(res, "tumour.grade", C.GRADE_ANSWERS, C.LOINC)
        elif (C.NODES_EXAMINED.system, C.NODES_EXAMINED.code) in cs:
            self._count(res, "tumour.nodes_examined")
        elif (C.NODES_POSITIVE.system, C.NODES_POSITIVE.code) in cs:
            self._count(res, "tumour.nodes_positive")
        elif (C.NODES_MICROMETASTASES.system, C.NODES_MICROMETASTASES.code) in cs:
            self._count(res, "_nodes_micro")
        elif (C.NODES_MACROMETASTASES.system, C.NODES_MACROMETASTASES.code) in cs:
            self._count(res, "_nodes_macro")
        elif any_of(C.SENTINEL_NODES):
            self.skip(
                res,
                "sentinel-node counts are not the regional node counts the case "
                "model holds (send 21894-1 / 21893-3)",
            )
        elif (C.ECOG.system, C.ECOG.code) in cs:
            self._ecog(res)
        elif (C.PREGNANCY_STATUS.system, C.PREGNANCY_STATUS.code) in cs:
            self._pregnancy(res)
        elif any_of(C.GESTATIONAL_AGE):
            self._gestational_age(res)
        elif (C.GENETIC_VARIANT_ASSESSMENT.system, C.GENETIC_VARIANT_ASSESSMENT.code) in cs:
            self._variant(res)
        elif any(k in C.TNM_CATEGORY_CODES for k in cs):
            self._tnm(res, next(k for k in cs if k in C.TNM_CATEGORY_CODES))
        elif any(k in C.STAGE_GROUP_SETTING for k in cs):
            self._stage_group(res, next(k for k in cs if k in C.STAGE_GROUP_SETTING))
        else:
            self.skip(res, f"observation code {_describe(code)} is not mapped")

    def _qualitative(self, res: JSON, marker: str, label: str, needed: str) -> None:
        """A positive/negative result: sets ``<marker>_status_reported``; the %/score stays
        not recorded (the case field that is needed is named in the note)."""
        answer = _qualitative_answer(res)
        if answer is None:
            if "valueQuantity" in res:
                self.skip(res, f"{label}: a quantity given for a presence/interpretation code")
            else:
                value = res.get("valueCodeableConcept") or res.get("interpretation")
                self.skip(res, f"{label}: answer {_describe(value)} is not a mapped result")
            return
        concept, status = answer
        if status is None:
            self.skip(res, f"{label} {_describe(concept)}: indeterminate/equivocal, not read")
            return
        self.put(case_path("biomarkers", f"{marker}_status_reported"), status, res)
        self.notes.append(
            f"{res['resourceType']}/{res.get('id')}: {label} reported {status} "
            f"({_describe(res.get('code'))}) without a % or score: "
            f"biomarkers.{marker}_status_reported = {status}; {needed} not recorded"
        )

    def _stage_group(self, res: JSON, key: tuple[str, str]) -> None:
        """A recorded stage group. breastcds derives the group from T, N and M; only stage IV
        (M1 in AJCC 6, 7 and 8 alike) is read, as M1 of the group's setting."""
        concept = res.get("valueCodeableConcept")
        method = res.get("method")
        value = " ".join(
            str(c).upper() for c in _codes_of(concept, C.AJCC) + _texts(concept)
        ).strip()
        if not _is_ajcc(method):
            self.skip(res, f"stage group with staging system {_describe(method)} is not AJCC")
            return
        groups = {
            v.upper()
            for v in _codes_of(concept, C.AJCC)
            + [
                str(c.get("display") or "")
                for c in (concept or {}).get("coding") or []
                if c.get("system") == C.AJCC
            ]
        } - {""}
        if groups and groups <= C.STAGE_IV_VALUES:
            setting = C.STAGE_GROUP_SETTING[key]
            path = "tumour.pathological_m" if setting == "p" else "tumour.clinical_m"
            self.put(path, "M1", res)
            self.notes.append(
                f"Observation/{res.get('id')}: recorded stage group IV -> {path} M1 "
                "(stage IV is M1 in AJCC)"
            )
            return
        self.skip(
            res,
            f"recorded stage group {value or _describe(concept)}: breastcds derives the group "
            "from T, N and M (only stage IV, i.e. M1, is read from a recorded group)",
        )

    def _value_quantity(self, res: JSON) -> tuple[float, str | None] | None:
        q = res.get("valueQuantity")
        if q is None:
            if res.get("dataAbsentReason"):
                reason = _describe(res["dataAbsentReason"])
                self.skip(res, f"no value (dataAbsentReason {reason})")
            elif any(k.startswith("value") for k in res):
                kinds = [k for k in res if k.startswith("value")]
                self.skip(res, f"value given as {kinds[0]}; a Quantity is expected")
            else:
                self.skip(res, "missing value")
            return None
        value = _number(q)
        if value is None:
            self.skip(res, "valueQuantity has no numeric value")
            return None
        return value, _unit(q)

    def _percent(self, res: JSON, path: str) -> None:
        got = self._value_quantity(res)
        if got is None:
            return
        value, unit = got
        if unit not in C.PERCENT_UNITS:
            shown = unit or (res.get("valueQuantity") or {}).get("unit")
            self.skip(res, f"unit {shown!r} is not UCUM '%'; not converted")
            return
        if not 0 <= value <= 100:
            self.skip(res, f"{value} % is outside 0-100")
            return
        self.put(path, value, res)

    def _count(self, res: JSON, path: str) -> None:
        if isinstance(res.get("valueInteger"), int):
            value: float = res["valueInteger"]
        else:
            got = self._value_quantity(res)
            if got is None:
                return
            value, unit = got
            if unit not in C.DIMENSIONLESS_UNITS:
                self.skip(res, f"count unit {unit!r} is not a UCUM count ('1' or '{{#}}')")
                return
        count = _as_int(value)
        if count is None or count < 0:
            self.skip(res, f"count {value} is not a whole number")
            return
        self.put(path, count, res)

    def _coded_value(
        self, res: JSON, path: str, table: Mapping[str, tuple[C.Code, Any]], system: str
    ) -> None:
        concept = res.get("valueCodeableConcept")
        if concept is None:
            self.skip(res, "missing value (a coded answer is expected)")
            return
        hits = {table[c][1] for c in _codes_of(concept, system) if c in table}
        if len(hits) == 1:
            self.put(path, hits.pop(), res)
        else:
            self.skip(res, f"answer {_describe(concept)} not in the mapped answer list")

    def _her2_ihc(self, res: JSON) -> None:
        concept = res.get("valueCodeableConcept")
        plain = _plain_ihc_score(res)
        if concept is None and plain is not None:
            # valueInteger 0-3 or valueString "0" / "1+" / "2+" / "3+" (US Core allows any
            # value type): the score itself, noted.
            self.notes.append(
                f"Observation/{res.get('id')}: HER2 IHC score {plain} read from a plain value"
            )
            self.put("biomarkers.her2_ihc", plain, res)
            return
        if concept is None:
            self.skip(res, "missing value (HER2 IHC score answer expected)")
            return
        hits = {
            C.HER2_IHC_SCORE[c][1] for c in _codes_of(concept, C.LOINC) if c in C.HER2_IHC_SCORE
        }
        if len(hits) != 1:
            self.skip(
                res, f"HER2 IHC answer {_describe(concept)} is not a LOINC score answer (LL4396-9)"
            )
            return
        score = hits.pop()
        if score is None:
            self.skip(res, "HER2 IHC indeterminate: no score to record")
            return
        self.put("biomarkers.her2_ihc", score, res)
        for comp in res.get("component") or []:
            if not _has_code(comp.get("code"), C.LOCAL_CS, C.LOCAL_IHC0_STAINING.code):
                self.skip(res, f"component {_describe(comp.get('code'))} not mapped")
                continue
            values = [
                k
                for k, v in C.LOCAL_IHC0_VALUES.items()
                if _has_code(comp.get("valueCodeableConcept"), v.system, v.code)
            ]
            if len(values) != 1:
                self.skip(
                    res,
                    "IHC 0 staining detail "
                    f"{_describe(comp.get('valueCodeableConcept'))} not mapped",
                )
            elif score != 0:
                self.skip(res, f"IHC 0 staining detail given with score {score}")
            else:
                self.put("biomarkers.her2_ihc0_staining", values[0], res)

    def _her2_ish(self, res: JSON) -> None:
        ratio: float | None
        if "valueRatio" in res:
            num, den = (
                _number(res["valueRatio"].get("numerator")),
                _number(res["valueRatio"].get("denominator")),
            )
            ratio = num / den if num is not None and den else None
            if ratio is None:
                self.skip(res, "HER2/CEP17 valueRatio lacks a numerator or a non-zero denominator")
                return
        else:
            got = self._value_quantity(res)
            if got is None:
                return
            ratio, unit = got
            if unit not in C.DIMENSIONLESS_UNITS:
                self.skip(res, f"HER2/CEP17 ratio unit {unit!r} is not dimensionless")
                return
        copies: float | None = None
        cells: int | None = None
        for comp in res.get("component") or []:
            q = comp.get("valueQuantity") or {}
            if _has_code(comp.get("code"), C.LOINC, C.HER2_ISH_COPIES.code):
                if _number(q) is None or _unit(q) not in C.DIMENSIONLESS_UNITS:
                    self.skip(res, "HER2 copies per cell component without a dimensionless value")
                    return
                copies = _number(q)
            elif _has_code(comp.get("code"), C.LOINC, C.CELLS_COUNTED.code):
                n = _number(q)
                cells = _as_int(n) if n is not None else None
                if cells is None and "valueInteger" in comp:
                    cells = int(comp["valueInteger"])
            else:
                self.skip(res, f"ISH component {_describe(comp.get('code'))} not mapped")
        if copies is None:
            self.skip(
                res,
                "HER2/CEP17 ratio without the HER2 copies per cell (74860-8) "
                "component; the ISH group needs both",
            )
            return
        recount = any(
            _has_code(cat, C.LOCAL_CS, C.LOCAL_ISH_RECOUNT.code)
            for cat in res.get("category") or []
        )
        value: JSON = {"ratio": ratio, "her2_copies": copies}
        if cells is not None:
            value["cells_counted"] = cells
        self.ish.append((recount, value, res.get("id")))

    def finish_ish(self) -> None:
        firsts = [x for x in self.ish if not x[0]]
        recounts = [x for x in self.ish if x[0]]
        for group, path in (
            (firsts, "biomarkers.her2_ish"),
            (recounts, "biomarkers.her2_ish_recount"),
        ):
            if len(group) == 1:
                self.values.setdefault(path, []).append((group[0][1], "Observation", group[0][2]))
            elif len(group) > 1:
                for _, _, rid in group:
                    self.unmapped.append(
                        Unmapped(
                            "Observation",
                            rid,
                            f"{len(group)} HER2 ISH counts for {path}: cannot tell which is the "
                            "first count (mark an additional count with the her2-ish-recount "
                            "category)",
                        )
                    )

    def _oncotype(self, res: JSON) -> None:
        got = self._value_quantity(res)
        if got is None:
            return
        value, unit = got
        score = _as_int(value)
        if unit not in C.DIMENSIONLESS_UNITS:
            self.skip(res, f"recurrence score unit {unit!r} is not dimensionless")
        elif score is None or not 0 <= score <= 100:
            self.skip(res, f"recurrence score {value} is not a whole number 0-100")
        else:
            self.put("biomarkers.genomics.oncotype_rs", score, res)

    def _size(self, res: JSON) -> None:
        comps = [
            c
            for c in res.get("component") or []
            if _has_code(c.get("code"), C.LOINC, C.TUMOR_LONGEST.code)
        ]
        if len(comps) != 1:
            self.skip(res, "tumour size without exactly one longest-dimension (33728-7) component")
            return
        q = comps[0].get("valueQuantity")
        value, unit = _number(q), _unit(q) if isinstance(q, Mapping) else None
        if value is None:
            self.skip(res, "longest dimension has no value")
            return
        if unit not in C.LENGTH_TO_MM:
            shown = unit or (q or {}).get("unit")
            self.skip(res, f"size unit {shown!r} is not UCUM mm or cm; not converted")
            return
        mm = round(value * C.LENGTH_TO_MM[unit], 6)
        method = res.get("method")
        if any(_has_code(method, c.system, c.code) for c in C.SIZE_METHOD_PATHOLOGY):
            path = "tumour.size_mm"
        elif any(_has_code(method, c.system, c.code) for c in C.SIZE_METHOD_CLINICAL):
            path = "tumour.clinical_size_mm"
        elif method is None and res.get("specimen") and not res.get("focus"):
            path = "tumour.size_mm"
            self.notes.append(
                f"Observation/{res.get('id')}: size without method read as "
                "pathological (mCODE: specimen = excised tumour)"
            )
        elif method is None and res.get("focus") and not res.get("specimen"):
            path = "tumour.clinical_size_mm"
            self.notes.append(
                f"Observation/{res.get('id')}: size without method read as "
                "clinical (mCODE: focus = tumour in the body)"
            )
        else:
            self.skip(res, f"size method {_describe(method)} does not say pathological or clinical")
            return
        if unit != "mm":
            self.notes.append(f"Observation/{res.get('id')}: {value} {unit} -> {mm} mm")
        self.put(path, mm, res)

    def _ecog(self, res: JSON) -> None:
        value = res.get("valueInteger")
        if isinstance(value, int) and 0 <= value <= 4:
            self.put("patient.ecog", value, res)
        elif value is None:
            self.skip(res, "missing value (ECOG 0-4 as valueInteger)")
        else:
            self.skip(res, f"ECOG value {value!r} is not 0-4")

    def _pregnancy(self, res: JSON) -> None:
        """US Core pregnancy status: Pregnant / Not pregnant; any other answer (not yet
        confirmed, possible) stays not recorded."""
        value = res.get("valueCodeableConcept")
        for answer, code in C.PREGNANCY_ANSWERS.items():
            if _has_code(value, code.system, code.code):
                self.put("patient.pregnant", answer, res)
                return
        self.skip(
            res,
            f"pregnancy status {_describe(value) if value else 'missing'} is neither "
            "77386006 (pregnant) nor 60001007 (not pregnant); not recorded",
        )

    def _gestational_age(self, res: JSON) -> None:
        got = self._value_quantity(res)
        if got is None:
            return
        value, unit = got
        weeks = {"wk": value, "d": value / 7}.get(unit or "")
        if weeks is None:
            self.skip(res, f"gestational age unit {unit!r} is not UCUM 'wk' or 'd'")
            return
        if not 0 <= weeks <= 45:
            self.skip(res, f"gestational age {weeks:g} weeks is outside 0-45")
            return
        if unit == "d":
            self.notes.append(f"Observation/{res.get('id')}: {value:g} d -> {weeks:g} weeks")
        self.put("patient.gestation_weeks", weeks, res)

    def _tnm(self, res: JSON, key: tuple[str, str]) -> None:
        axis, setting, _ = C.TNM_CATEGORY_CODES[key]
        method = res.get("method")
        if method is None:
            self.notes.append(
                f"Observation/{res.get('id')}: no staging method given; the T/N/M category is "
                "read as recorded (breast T, N and M categories are the same in AJCC 7 and 8 "
                "and UICC 8)"
            )
        elif not _is_ajcc_8(method):
            earlier = [
                C.AJCC_EARLIER[c].display
                for c in _codes_of(method, C.SNOMED)
                if c in C.AJCC_EARLIER
            ]
            self.skip(
                res,
                f"staging system {earlier[0] if earlier else _describe(method)} is not AJCC "
                "8th edition (SNOMED 897275008 or NCI thesaurus C146985)",
            )
            return
        concept = res.get("valueCodeableConcept")
        if concept is None:
            self.skip(res, "missing TNM category value")
            return
        if _codes_of(concept, C.DATA_ABSENT):
            self.skip(res, f"no category value ({_describe(concept)})")
            return
        ajcc = _codes_of(concept, C.AJCC) + [
            C.TNM_SNOMED_VALUES[c][0]
            for c in _codes_of(concept, C.SNOMED)
            if c in C.TNM_SNOMED_VALUES
        ]
        generic = [
            C.TNM_GENERIC_SNOMED[c][1]
            for c in _codes_of(concept, C.SNOMED)
            if c in C.TNM_GENERIC_SNOMED
        ]
        if generic and setting is None:
            self.skip(
                res, "a generic T/N/M category with an observation code that does not say c/p"
            )
            return
        ajcc += [f"{setting}{g}" for g in generic]
        if len(set(ajcc)) != 1:
            self.skip(
                res,
                f"TNM value {_describe(concept)} is not an AJCC code or a verified "
                "SNOMED CT AJCC value",
            )
            return
        code = ajcc[0]
        if re.fullmatch(r"[TNM].*", code) and setting is not None:
            self.notes.append(
                f"Observation/{res.get('id')}: AJCC value {code} read as {setting}{code} "
                "(the observation code gives the setting)"
            )
            code = setting + code
        match = re.fullmatch(r"(yp|c|p)([TNM].*)", code)
        if not match:
            self.skip(res, f"AJCC value {code!r} has no c/p/yp prefix")
            return
        prefix, category = match.groups()
        if category[0] != axis:
            self.skip(res, f"{code} is not a {axis} category")
            return
        if setting is not None and prefix.removeprefix("y") != setting:
            self.skip(res, f"{code} disagrees with the observation code ({setting}{axis})")
            return
        if axis == "M":
            case_m = C.M_AJCC_TO_CASE.get(code)
            if case_m is None:
                self.skip(res, f"{code} is not an AJCC 8 M category the case model holds")
                return
            self.put("tumour.clinical_m" if prefix == "c" else "tumour.pathological_m", case_m, res)
            return
        allowed = C.T_CATEGORIES if axis == "T" else C.N_CATEGORIES
        if category not in allowed:
            self.skip(res, f"{code} is not an AJCC 8 breast {axis} category")
            return
        if prefix == "yp":
            self.put(case_path("treatment", "neoadjuvant", f"yp{axis.lower()}"), category, res)
        else:
            where = "clinical" if prefix == "c" else "pathological"
            self.put(case_path("tumour", f"{where}_{axis.lower()}"), category, res)

    def _variant(self, res: JSON) -> None:
        genes: list[str] = []
        source: str | None = None
        significance: str | None = None
        for comp in res.get("component") or []:
            code, value = comp.get("code"), comp.get("valueCodeableConcept")
            if _has_code(code, C.LOINC, C.GENE_STUDIED.code):
                for c in _codes_of(value, C.HGNC):
                    key = c if c.startswith("HGNC:") else f"HGNC:{c}"
                    genes.append(C.GENE_BY_HGNC.get(key, key))
            elif _has_code(code, C.LOINC, C.GENOMIC_SOURCE_CLASS.code):
                if _has_code(value, C.LOINC, C.GERMLINE.code):
                    source = "germline"
                elif _has_code(value, C.LOINC, C.SOMATIC.code):
                    source = "somatic"
            elif _has_code(code, C.LOINC, C.CLINICAL_SIGNIFICANCE.code):
                if _has_code(value, C.LOINC, C.PATHOGENIC.code) or _has_code(
                    value, C.LOINC, C.LIKELY_PATHOGENIC.code
                ):
                    significance = "pathogenic"
                else:
                    significance = _describe(value)
        present = _has_code(res.get("valueCodeableConcept"), C.LOINC, C.PRESENT.code)
        absent = _has_code(res.get("valueCodeableConcept"), C.LOINC, C.ABSENT.code)
        if not genes:
            self.skip(res, "genomic variant without a gene studied (HGNC)")
            return
        if not (present or absent):
            self.skip(
                res,
                f"variant value {_describe(res.get('valueCodeableConcept'))} is not Present/Absent",
            )
            return
        if source is None:
            self.skip(res, "variant without genomic source class (germline/somatic)")
            return
        if present and significance != "pathogenic":
            self.skip(
                res,
                "variant present without pathogenic/likely pathogenic clinical "
                f"significance ({significance or 'none given'}); not read as a "
                "mutation",
            )
            return
        if source == "germline":
            brca = [g for g in genes if g in ("BRCA1", "BRCA2")]
            others = [g for g in genes if g not in ("BRCA1", "BRCA2")]
            if others:
                self.skip(res, f"germline genes {others} are not in the case model")
            if present and len(brca) == 1:
                self.put("biomarkers.germline_brca", brca[0].lower(), res)
            elif present and brca:
                self.skip(res, "one variant observation names both BRCA1 and BRCA2")
            elif absent and brca:
                for g in brca:
                    self.put(f"_germline_absent.{g}", True, res)
            return
        for g in genes:
            path = C.SOMATIC_GENE_FIELDS.get(g)
            if path is None:
                self.skip(res, f"somatic gene {g} is not in the case model")
                continue
            self.put(case_path("biomarkers", path), "mutated" if present else "wild_type", res)

    # --- Procedures ------------------------------------------------------------------------------
    def _rt_volume_ids(self) -> set[str]:
        ids: set[str] = set()
        for r in self.resources:
            for ext in r.get("extension") or []:
                if ext.get("url") == C.EXT_RT_DOSE:
                    for sub in ext.get("extension") or []:
                        if sub.get("url") == "volume":
                            rid = _ref_id(sub.get("valueReference"))
                            if rid:
                                ids.add(rid)
        return ids

    def procedure(self, res: JSON) -> None:
        code = res.get("code")
        if res.get("status") not in ("completed", "in-progress", "stopped"):
            self.skip(res, f"procedure status {res.get('status')!r} is not a done procedure")
            return
        if _has_code(code, C.SNOMED, C.RT_COURSE.code):
            self._rt_course(res)
            return
        snomed = _codes_of(code, C.SNOMED)
        surgery = {C.SURGERY[c][1] for c in snomed if c in C.SURGERY}
        if len(surgery) == 1:
            self.put("treatment.surgery.type", surgery.pop(), res)
            date = str(res.get("performedDateTime") or "")[:10]
            if re.fullmatch(r"\d{4}-\d{2}-\d{2}", date):
                self.put("treatment.surgery.date", date, res)
        elif C.SENTINEL_NODE_BIOPSY.code in snomed:
            self.put("treatment.surgery.axillary", "sentinel_node_biopsy", res)
        elif any(c in C.SURGERY_AMBIGUOUS for c in snomed):
            c = next(c for c in snomed if c in C.SURGERY_AMBIGUOUS)
            self.skip(res, f"SNOMED {c} {C.SURGERY_AMBIGUOUS[c]}")
        else:
            self.skip(res, f"procedure code {_describe(code)} is not mapped")

    def _rt_course(self, res: JSON) -> None:
        period = res.get("performedPeriod") or {}
        base: JSON = {}
        for key, name in (("start", "start_date"), ("end", "end_date")):
            if period.get(key):
                base[name] = str(period[key])[:10]
        for ext in res.get("extension") or []:
            if ext.get("url") == C.EXT_PROCEDURE_INTENT:
                codes_ = [
                    c for c in _codes_of(ext.get("valueCodeableConcept"), C.SNOMED) if c in C.INTENT
                ]
                if codes_:
                    base["intent"] = C.INTENT[codes_[0]][1]
                else:
                    self.skip(
                        res,
                        f"treatment intent {_describe(ext.get('valueCodeableConcept'))} not mapped",
                    )
        read = {C.EXT_PROCEDURE_INTENT, C.EXT_RT_DOSE}
        for ext in res.get("extension") or []:
            if ext.get("url") not in read:
                self.notes.append(
                    f"Procedure/{res.get('id')}: extension {ext.get('url')} not read "
                    "(no case field)"
                )
        doses = [e for e in res.get("extension") or [] if e.get("url") == C.EXT_RT_DOSE]
        if not doses:
            self.skip(
                res, "radiotherapy course without dose delivered to a volume; no course recorded"
            )
            return
        if len(doses) > 1:
            self.notes.append(
                f"Procedure/{res.get('id')}: {len(doses)} volumes -> one case "
                "course per volume (same dates)"
            )
        for dose in doses:
            course = dict(base)
            sub = {s.get("url"): s for s in dose.get("extension") or []}
            q = (sub.get("totalDoseDelivered") or {}).get("valueQuantity")
            if q is not None:
                value, unit = _number(q), _unit(q)
                if value is None or unit not in C.DOSE_TO_GY:
                    self.skip(
                        res,
                        f"dose {q.get('value')} {unit or q.get('unit')!r} is not "
                        "UCUM Gy or cGy; dose not recorded",
                    )
                else:
                    course["total_dose_gy"] = round(value * C.DOSE_TO_GY[unit], 6)
                    if unit != "Gy":
                        self.notes.append(
                            f"Procedure/{res.get('id')}: {value} {unit} -> "
                            f"{course['total_dose_gy']} Gy"
                        )
            fx = (sub.get("fractionsDelivered") or {}).get("valueUnsignedInt")
            if isinstance(fx, int):
                course["fractions"] = fx
            vol = self.by_id.get(_ref_id((sub.get("volume") or {}).get("valueReference")) or "")
            if vol is None:
                self.skip(
                    res,
                    "dose volume reference does not resolve in the bundle; region "
                    "and laterality not recorded",
                )
            else:
                self._rt_volume(res, vol, course)
            self.rt_courses.append(course)

    def _rt_volume(self, res: JSON, vol: JSON, course: JSON) -> None:
        location = vol.get("location")
        text = location.get("text") if isinstance(location, dict) else None
        if isinstance(text, str) and text.strip():
            course["region_text"] = text  # the region as written (CodeableConcept.text)
        regions = {
            C.RT_REGION[c][1] for c in _codes_of(vol.get("location"), C.SNOMED) if c in C.RT_REGION
        }
        if len(regions) == 1:
            course["region"] = regions.pop()
        else:
            self.skip(
                vol,
                f"radiotherapy volume location {_describe(vol.get('location'))} "
                "does not name a mapped region (breast structure alone does not say "
                "whole/partial/boost)",
            )
        sides: set[str] = set()
        for q in vol.get("locationQualifier") or []:
            known = [C.LATERALITY[c][1] for c in _codes_of(q, C.SNOMED) if c in C.LATERALITY]
            if known:
                sides.update(known)
            else:
                self.skip(vol, f"location qualifier {_describe(q)} is not a laterality; not read")
        if len(sides) == 1:
            course["laterality"] = sides.pop()
        elif len(sides) > 1:
            self.skip(vol, f"conflicting laterality {sorted(sides)}")

    # --- Medications -----------------------------------------------------------------------------
    def medication(self, res: JSON) -> None:
        concept = res.get("medicationCodeableConcept")
        if concept is None:
            self.skip(res, "medication given by reference; only medicationCodeableConcept is read")
            return
        names = [str(c.get("display")) for c in concept.get("coding") or [] if c.get("display")]
        if concept.get("text"):
            names.insert(0, str(concept["text"]))
        agents = {a for a in (_inn(n) for n in names) if a is not None}
        if len(agents) != 1:
            self.skip(
                res,
                f"medication {names or _describe(concept)} does not name exactly one "
                "INN the case model knows (salts, brands and products are not reduced)",
            )
            return
        agent = agents.pop()
        setting = self._setting_of(res)
        if setting is not None:
            bucket = self.early.setdefault(setting, [])
            if agent not in bucket:
                bucket.append(agent)
            return
        line = self._line_of(res)
        if line is None:
            self.notes.append(
                f"{res['resourceType']}/{res.get('id')}: {agent} has no "
                "metastatic-line tag; not placed in treatment"
            )
            return
        bucket = self.lines.setdefault(line, [])
        if agent not in bucket:
            bucket.append(agent)

    def _group(self, res: JSON) -> Any:
        ident = res.get("groupIdentifier")
        if res["resourceType"] != "MedicationRequest":
            req = self.by_id.get(_ref_id(res.get("request")) or "")
            ident = req.get("groupIdentifier") if req else None
        return ident

    def _setting_of(self, res: JSON) -> str | None:
        ident = self._group(res)
        if isinstance(ident, Mapping) and ident.get("system") == C.LOCAL_SETTING_ID:
            value = str(ident.get("value") or "")
            return value if value in C.SETTING_FIELDS else None
        return None

    def _line_of(self, res: JSON) -> int | None:
        ident = self._group(res)
        if isinstance(ident, Mapping) and ident.get("system") == C.LOCAL_LINE_ID:
            value = str(ident.get("value") or "")
            if value.isdigit() and int(value) >= 1:
                return int(value)
        return None

    # --- assembly --------------------------------------------------------------------------------
    def case_dict(self) -> dict[str, Any]:
        self._age_from_birth()
        case: dict[str, Any] = {}
        if self.case_id is not None:
            case["case_id"] = self.case_id
        if self.assessment_date is not None:
            case["assessment_date"] = self.assessment_date.isoformat()
        resolved: dict[str, Any] = {}
        for path, found in self.values.items():
            distinct = []
            for v, _, _ in found:
                if v not in distinct:
                    distinct.append(v)
            if len(distinct) == 1:
                resolved[path] = distinct[0]
                if len(found) > 1:
                    self.notes.append(f"{path}: {len(found)} resources agree ({distinct[0]!r})")
            else:
                for v, rtype, rid in found:
                    self.unmapped.append(
                        Unmapped(
                            rtype,
                            rid,
                            f"conflicting values for {path}: {distinct}; none used "
                            f"(this one says {v!r})",
                        )
                    )
        self._metastatic_sites(resolved)
        self._nodes(resolved)
        self._germline(resolved)
        for path, value in resolved.items():
            if not path.startswith("_"):
                _set(case, path, value)
        if self.rt_courses:
            case.setdefault("treatment", {})["radiotherapy_courses"] = self.rt_courses
        for setting, agents in self.early.items():
            _set(case, C.SETTING_FIELDS[setting], agents)
        if self.lines:
            expected = list(range(1, max(self.lines) + 1))
            if sorted(self.lines) != expected:
                self.notes.append(
                    f"metastatic lines {sorted(self.lines)} are not numbered "
                    "1..n; lines not recorded"
                )
            else:
                case.setdefault("treatment", {})["metastatic_lines"] = [
                    {"agents": self.lines[i]} for i in expected
                ]
        return case

    def _metastatic_sites(self, resolved: dict[str, Any]) -> None:
        if not self.sites:
            return
        m0 = [
            (path, v)
            for path in ("tumour.clinical_m", "tumour.pathological_m")
            for v, _, _ in self.values.get(path, [])
            if v in ("M0", "cM0(i+)")
        ]
        if m0:
            for site, conditions in self.sites.items():
                for res in conditions:
                    self.skip(
                        res,
                        f"metastatic site {site} while {m0[0][0]} is recorded as {m0[0][1]} "
                        "(staging at diagnosis?): metastatic sites not recorded; review the record",
                    )
            return
        resolved["tumour.metastatic_sites"] = sorted(self.sites)
        for site, conditions in sorted(self.sites.items()):
            for res in conditions:
                self.notes.append(
                    f"Condition/{res.get('id')}: {_describe(res.get('code'))} -> metastatic "
                    f"site {site} and M1"
                )

    def _nodes(self, resolved: dict[str, Any]) -> None:
        micro = resolved.get("_nodes_micro")
        macro = resolved.get("_nodes_macro")
        positive = resolved.get("tumour.nodes_positive")
        if micro is None and macro is None:
            return
        if positive is None:
            self.notes.append(
                "micro/macrometastasis counts without a positive-node count (21893-3): not read"
            )
            return
        if micro is not None and positive > 0 and micro == positive and macro in (None, 0):
            resolved["tumour.nodes_micrometastases_only"] = True
        elif (micro is not None and micro < positive) or (macro is not None and macro > 0):
            resolved["tumour.nodes_micrometastases_only"] = False

    def _germline(self, resolved: dict[str, Any]) -> None:
        absent = {g for g in ("BRCA1", "BRCA2") if resolved.get(f"_germline_absent.{g}")}
        if "biomarkers.germline_brca" in resolved:
            if resolved["biomarkers.germline_brca"].upper() in absent:
                self.unmapped.append(
                    Unmapped(
                        "Observation",
                        None,
                        "germline BRCA reported both present and absent; none used",
                    )
                )
                del resolved["biomarkers.germline_brca"]
            return
        if absent == {"BRCA1", "BRCA2"}:
            resolved["biomarkers.germline_brca"] = "negative"
        elif absent:
            self.notes.append(
                f"germline {sorted(absent)} absent but the other BRCA gene not "
                "reported: germline_brca not recorded"
            )


def _inn(name: str) -> str | None:
    """The INN a medication name is, or starts with followed by a strength; else None."""
    low = " ".join(name.lower().split())
    if low in C.INN_AGENTS:
        return low
    for inn in sorted(C.INN_AGENTS, key=len, reverse=True):
        if low.startswith(inn + " ") and re.match(r"\d", low[len(inn) + 1 :]):
            return inn
    return None


def _set(case: dict[str, Any], path: str, value: Any) -> None:
    parts = path.split(".")
    node = case
    for p in parts[:-1]:
        node = node.setdefault(p, {})
    node[parts[-1]] = value
