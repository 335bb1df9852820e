"""Structural check of an exported Bundle against mCODE STU4 and US Core cardinalities.

Not a FHIR validator: a table of the cardinalities (min..max) that the mCODE STU4 (4.0.0)
profiles and their US Core parents put on the elements breastcds writes, checked on the JSON.
An element counts as present when it has a value or, for a primitive, a ``_element`` with an
extension (US Core allows the data-absent-reason extension where the data is not known), and for
a choice type ``x[x]`` when any ``x<Type>`` is present.

Sources (read for this table): HL7 US Core 5.0.1 / 6.1.0 profiles (Patient: identifier 1..*
with system 1..1 and value 1..1, name 1..* with us-core-6, gender 1..1; Condition: category
1..*, code 1..1, subject 1..1; Observation (Laboratory Result / Clinical Result / Survey):
status 1..1, category 1..*, code 1..1, subject 1..1, effective[x] must-support with us-core-1;
Procedure: status 1..1, code 1..1, subject 1..1, performed[x] with us-core-7 for completed
procedures; MedicationRequest: status 1..1, intent 1..1, medication[x] 1..1 (coded),
subject 1..1, requester 1..1) and mCODE STU4 FSH (CancerPatient, PrimaryCancerCondition,
TumorMarkerTest, TNM category profiles: method and value 1..1, TumorSize: a longest-dimension
component, ECOGPerformanceStatus: valueInteger 1..1, RadiotherapyCourseSummary, RadiotherapyVolume:
patient 1..1, CancerRelatedMedicationRequest).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from breastcds.fhir import codes as C


@dataclass(frozen=True)
class Rule:
    path: str  # dotted; each step applies to every instance of the step before
    min: int
    max: int | None  # None = *
    source: str


@dataclass(frozen=True)
class Issue:
    resource: str  # "Type/id"
    path: str
    message: str
    source: str


_USC = "US Core"
_MC = "mCODE STU4"

BY_TYPE: dict[str, tuple[Rule, ...]] = {
    "Patient": (
        Rule("identifier", 1, None, f"{_USC} Patient"),
        Rule("identifier.system", 1, 1, f"{_USC} Patient"),
        Rule("identifier.value", 1, 1, f"{_USC} Patient"),
        Rule("name", 1, None, f"{_USC} Patient (us-core-6: given/family or data-absent-reason)"),
        Rule("gender", 1, 1, f"{_USC} Patient"),
    ),
    "Condition": (
        Rule("category", 1, None, f"{_USC} Condition"),
        Rule("code", 1, 1, f"{_USC} Condition; {_MC} PrimaryCancerCondition"),
        Rule("code.coding", 1, None, f"{_MC} PrimaryCancerCondition (coded)"),
        Rule("subject", 1, 1, f"{_USC} Condition"),
        Rule("clinicalStatus", 1, 1, f"{_USC} Condition (con-3)"),
        Rule("verificationStatus", 1, 1, f"{_USC} Condition"),
    ),
    "Observation": (
        Rule("status", 1, 1, f"{_USC} Observation"),
        Rule("category", 1, None, f"{_USC} Observation Lab / Clinical Result"),
        Rule("category.coding", 1, None, f"{_USC} Observation (category slice)"),
        Rule("code", 1, 1, f"{_USC} Observation"),
        Rule("subject", 1, 1, f"{_USC} Observation; {_MC}"),
        Rule("effective[x]", 1, 1, f"{_USC} Observation (effective must-support, us-core-1)"),
    ),
    "Procedure": (
        Rule("status", 1, 1, f"{_USC} Procedure"),
        Rule("code", 1, 1, f"{_USC} Procedure"),
        Rule("subject", 1, 1, f"{_USC} Procedure"),
        Rule("performed[x]", 1, 1, f"{_USC} Procedure (us-core-7 for completed)"),
    ),
    "MedicationRequest": (
        Rule("status", 1, 1, f"{_USC} MedicationRequest"),
        Rule("intent", 1, 1, f"{_USC} MedicationRequest"),
        Rule("medication[x]", 1, 1, f"{_USC} MedicationRequest"),
        Rule("medicationCodeableConcept.coding", 1, None, f"{_USC} MedicationRequest (coded)"),
        Rule("medicationCodeableConcept.coding.system", 1, 1, f"{_USC} (coding system)"),
        Rule("medicationCodeableConcept.coding.code", 1, 1, f"{_USC} (coding code)"),
        Rule("subject", 1, 1, f"{_USC} MedicationRequest"),
        Rule("requester", 1, 1, f"{_USC} MedicationRequest"),
    ),
    "BodyStructure": (Rule("patient", 1, 1, "FHIR R4 BodyStructure; mCODE Tumor / RT volume"),),
    "Specimen": (Rule("subject", 1, 1, f"{_MC} HumanSpecimen"),),
}
BY_PROFILE: dict[str, tuple[Rule, ...]] = {
    C.PROFILE_T: (
        Rule("method", 1, 1, f"{_MC} TNM category (staging method)"),
        Rule("valueCodeableConcept", 1, 1, f"{_MC} TNM category"),
    ),
    C.PROFILE_N: (
        Rule("method", 1, 1, f"{_MC} TNM category (staging method)"),
        Rule("valueCodeableConcept", 1, 1, f"{_MC} TNM category"),
    ),
    C.PROFILE_M: (
        Rule("method", 1, 1, f"{_MC} TNM category (staging method)"),
        Rule("valueCodeableConcept", 1, 1, f"{_MC} TNM category"),
    ),
    C.PROFILE_TUMOR_SIZE: (Rule("component", 1, 3, f"{_MC} TumorSize (tumor dimensions)"),),
    C.PROFILE_ECOG: (Rule("valueInteger", 1, 1, f"{_MC} ECOGPerformanceStatus"),),
    C.PROFILE_TUMOR_MARKER: (Rule("value[x]", 1, 1, f"{_MC} TumorMarkerTest"),),
    C.PROFILE_RT_COURSE: (Rule("extension", 1, None, f"{_MC} RadiotherapyCourseSummary"),),
    C.PROFILE_GENOMIC_VARIANT: (Rule("component", 1, None, f"{_MC} GenomicVariant"),),
}
# Resource types whose instances must declare their mCODE profile when breastcds writes them.
MUST_DECLARE = {"Patient": C.PROFILE_PATIENT}


def check_bundle(bundle: Mapping[str, Any]) -> list[Issue]:
    """Every cardinality the exported Bundle breaks (an empty list when it meets them)."""
    issues: list[Issue] = []
    if bundle.get("resourceType") != "Bundle":
        return [Issue("Bundle", "resourceType", "not a Bundle", "FHIR R4")]
    for entry in bundle.get("entry") or []:
        res = entry.get("resource") if isinstance(entry, Mapping) else None
        if not isinstance(res, Mapping):
            issues.append(Issue("Bundle", "entry.resource", "entry without a resource", "FHIR R4"))
            continue
        issues.extend(check_resource(res))
    return issues


def check_resource(res: Mapping[str, Any]) -> list[Issue]:
    rtype = str(res.get("resourceType"))
    name = f"{rtype}/{res.get('id')}"
    profiles = [str(p).split("|")[0] for p in (res.get("meta") or {}).get("profile") or []]
    rules = list(BY_TYPE.get(rtype, ()))
    for p in profiles:
        rules.extend(BY_PROFILE.get(p, ()))
    out: list[Issue] = []
    if rtype in MUST_DECLARE and MUST_DECLARE[rtype] not in profiles:
        out.append(Issue(name, "meta.profile", f"must declare {MUST_DECLARE[rtype]}", _MC))
    for rule in rules:
        for count in _counts(res, rule.path.split(".")):
            if count < rule.min or (rule.max is not None and count > rule.max):
                card = f"{rule.min}..{'*' if rule.max is None else rule.max}"
                out.append(Issue(name, rule.path, f"has {count}, needs {card}", rule.source))
    return out


def _present(node: Mapping[str, Any], key: str) -> list[Any]:
    """The values of ``key`` in ``node`` (choice types and ``_primitive`` extensions count)."""
    if key.endswith("[x]"):
        stem = key[:-3]
        names = {
            k.lstrip("_")
            for k in node
            if k.lstrip("_").startswith(stem) and k.lstrip("_")[len(stem) : len(stem) + 1].isupper()
        }
        return [v for n in sorted(names) for v in _present(node, n)[:1]]
    value = node.get(key)
    if value is None or value == [] or value == {} or value == "":
        ext = node.get("_" + key)
        return [ext] if isinstance(ext, Mapping) and ext.get("extension") else []
    return list(value) if isinstance(value, list) else [value]


def _counts(node: Mapping[str, Any], steps: list[str]) -> list[int]:
    """For a dotted path, the number of values under each instance of its parent."""
    values = _present(node, steps[0])
    if len(steps) == 1:
        return [len(values)]
    out: list[int] = []
    for v in values:
        if isinstance(v, Mapping):
            out.extend(_counts(v, steps[1:]))
    return out
