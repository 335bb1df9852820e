"""Concordance kind ``course``: the decision point inferred from the course, and the agents,
actions, cautions and prompts offered there.

Vignette ``case`` (shared/reference/domain/README.md, course_vignettes): no decision point —
the program infers it (clinical_course.md 1.1). :func:`to_case` is the one mapping of the
vignette vocabulary onto the case model; evaluation goes through the public
:func:`breastcds.assess`. ``actual`` is ``{"decision_point", "agents", "actions", "cautions",
"missing"}``; :func:`compare` judges include / include_any / exclude on agents, actions_include /
actions_include_any / actions_exclude on actions, cautions by substring stem, missing as the
systemic kind, and ``safety`` (no listed agent or action offered: a violation otherwise).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from breastcds.concordance import vocabulary
from breastcds.concordance.core import Kind, Vignette, register_kind
from breastcds.concordance.systemic import _history, _site
from breastcds.entrypoint import assess

__all__ = ["KIND", "actual_for", "compare", "evaluate", "matches", "to_case"]

_AGENT_KEYS = ("include", "include_any", "exclude")
_ACTION_KEYS = {
    "actions_include": "include",
    "actions_include_any": "include_any",
    "actions_exclude": "exclude",
}
# Vignette comorbidity names -> case-model comorbidity flags (TEAM.md contract 1).
COMORBIDITIES = {
    "heart_failure_or_lvef_below_50": "cardiac_dysfunction",
    "interstitial_lung_disease": "interstitial_lung_disease",
    "osteoporosis": "osteoporosis",
    "peripheral_neuropathy_grade2plus": "peripheral_neuropathy",
    "venous_thromboembolism": "venous_thromboembolism",
    "diabetes_uncontrolled": "diabetes_uncontrolled",
    "active_autoimmune_disease": "active_autoimmune_disease",
    "connective_tissue_disease": "connective_tissue_disease",
}
_SURGERY = {"bcs": "breast_conserving", "mastectomy": "mastectomy", "none": "none"}
_AXILLA = {
    "slnb": "sentinel_node_biopsy",
    "alnd": "axillary_dissection",
    "targeted_axillary_dissection": "targeted_axillary_dissection",
    "none": "none",
}
_RT_SITE = {
    "whole_breast": "whole_breast",
    "partial_breast": "partial_breast",
    "boost": "tumour_bed_boost",
    "chest_wall": "chest_wall",
    "regional_nodes": "regional_nodes",
}
_HISTOLOGY = {"ductal": "ductal_nst", "lobular": "lobular", "other": "other"}


def matches(v: Vignette) -> bool:
    """A course vignette has a ``case`` with a ``tumor`` and no decision point."""
    case = v.get("case")
    return isinstance(case, Mapping) and "tumor" in case and "decision_point" not in case


def _patient(c: Mapping[str, Any]) -> dict[str, Any]:
    out = vocabulary.patient(c)
    for key in ("pregnant", "gestation_weeks", "ecog"):
        if c.get(key) is not None:
            out[key] = c[key]
    listed = c.get("comorbidities")
    if listed is not None:
        unknown = [x for x in listed if x not in COMORBIDITIES]
        if unknown:
            raise ValueError(f"comorbidities: {unknown} not in the closed vocabulary")
        out["comorbidities"] = {flag: name in listed for name, flag in COMORBIDITIES.items()}
    if c.get("declines") is not None:
        out["declines"] = list(c["declines"])
    return out


def _tumour(t: Mapping[str, Any], size: str) -> dict[str, Any]:
    dcis = t.get("dcis_only") is True
    base = {k: v for k, v in t.items() if not (dcis and k in ("size_mm", "grade"))}
    out = vocabulary.tumour(base, size=size)
    if dcis:
        out["dcis_only"] = True
        if t.get("size_mm") is not None:
            out["dcis_extent_mm"] = t["size_mm"]
        if t.get("grade") is not None:
            out["dcis_nuclear_grade"] = t["grade"]
    elif t.get("dcis_only") is False:
        out["dcis_only"] = False
    if t.get("histology") is not None:
        out["histology"] = _HISTOLOGY.get(str(t["histology"]), str(t["histology"]))
    for key in ("axillary_ultrasound", "brain_metastases_count", "brain_metastases_symptomatic"):
        if t.get(key) is not None:
            out[key] = t[key]
    if t.get("screen_detected") is not None:
        out["detection"] = "screen" if t["screen_detected"] else "symptomatic"
    sites = out.get("metastatic_sites")
    if sites is not None:
        sites = list(dict.fromkeys(_site(x) for x in sites))
    if (t.get("brain_metastases_count") or 0) > 0 and "brain" not in (sites or []):
        sites = [*(sites or []), "brain"]
    if sites is not None:
        out["metastatic_sites"] = sites
    return out


def _course(h: Mapping[str, Any]) -> dict[str, Any]:
    out = _history(h)
    s = h.get("surgery")
    if isinstance(s, Mapping):
        surgery: dict[str, Any] = {}
        if s.get("type") is not None:
            surgery["type"] = _SURGERY[str(s["type"])]
        if s.get("axilla") is not None:
            surgery["axillary"] = _AXILLA[str(s["axilla"])]
        if s.get("sentinel_nodes_positive") is not None:
            surgery["sentinel_nodes_positive"] = s["sentinel_nodes_positive"]
        out["surgery"] = surgery
    rt = h.get("radiotherapy")
    if rt is not None:
        out["radiotherapy_given"] = bool(rt)
        out["radiotherapy_courses"] = [
            {
                "region": _RT_SITE[str(course["site"])] if course.get("site") else None,
                "total_dose_gy": course.get("dose_gy"),
                "fractions": course.get("fractions"),
                "months_ago": course.get("months_ago"),
            }
            for course in rt
        ]
    e = h.get("endocrine")
    if isinstance(e, Mapping):
        out["endocrine"] = {
            "agents": [str(a).lower() for a in e.get("agents") or []],
            **{k: e[k] for k in ("years_completed", "ongoing", "months_since_end")
               if e.get(k) is not None},
        }  # fmt: skip
    r = h.get("recurrence")
    if isinstance(r, Mapping):
        keys = ("site", "months_since_diagnosis", "months_since_last_radiotherapy", "biopsied",
                "restaged", "resected")  # fmt: skip
        rec = {k: r[k] for k in keys if r.get(k) is not None}
        if r.get("on_therapy") is not None:
            rec["on_therapy"] = [str(a).lower() for a in r["on_therapy"]]
        out["recurrence"] = rec
    return out


def to_case(v: Mapping[str, Any]) -> dict[str, Any]:
    """Map a course vignette onto the case model (the one mapping place).

    Before surgery, or after neoadjuvant therapy, the vignette's ``size_mm`` is the clinical
    (pre-treatment) size; after primary surgery it is the pathological invasive size.
    """
    c = v["case"]
    h = c.get("history") or {}
    surgery = (h.get("surgery") or {}).get("type")
    operated = surgery in ("bcs", "mastectomy")
    size = "pathological" if operated and not h.get("neoadjuvant") else "clinical"
    return {
        "case_id": v.get("id"),
        "patient": _patient(c),
        "tumour": _tumour(c.get("tumor") or {}, size),
        "biomarkers": vocabulary.biomarkers(c.get("biomarkers")),
        "treatment": _course(h),
    }


def actual_for(key: str, actual: Mapping[str, Any]) -> Any:
    """Which actual value an expected key is judged against."""
    if key in _AGENT_KEYS:
        return actual.get("agents")
    if key in _ACTION_KEYS:
        return actual.get("actions")
    if key == "safety":
        return sorted({*(actual.get("agents") or []), *(actual.get("actions") or [])})
    return actual.get(key)


def evaluate(v: Vignette) -> dict[str, Any]:
    """Decision point, agents, actions, cautions and prompted fields (inferred decision point)."""
    a = assess(to_case(v))
    section = a.sections.options
    points = list(section.decision_points)
    return {
        "decision_point": points[0].decision_point if len(points) == 1 else None,
        "agents": sorted({x for p in points for x in p.agents()}),
        "actions": sorted({x for p in points for x in p.actions()}),
        "cautions": sorted({c.text_en for p in points for c in p.cautions}),
        "missing": sorted({pr.field for p in points for pr in p.prompts}),
    }


def compare(field: str, expected: Any, actual: Any) -> bool:
    """Per-field agreement (see the module docstring)."""
    values = set(actual or []) if isinstance(actual, list) else actual
    key = _ACTION_KEYS.get(field, field)
    if key == "include":
        return set(expected or []) <= values
    if key == "include_any":
        return all(values & set(group) for group in expected or [])
    if key in ("exclude", "safety"):
        return not (values & set(expected or []))
    if key == "cautions":
        texts = [str(t).lower() for t in actual or []]
        return all(any(stem.lower() in t for t in texts) for stem in expected or [])
    if key == "missing":
        words = [expected] if isinstance(expected, str) else list(expected or [])
        return all(any(names(w, f) for f in values) for w in words)
    return bool(expected == actual)


def names(word: str, field: str) -> bool:
    """A prompted field names ``word`` when the word begins one of the field's ``.``- or
    ``_``-separated parts, or is the whole field (clinical_course.md §13 gives the words:
    "brca" names biomarkers.germline_brca, "pregnan" names patient.pregnant, "endocrine" names
    treatment.endocrine.months_since_end; "er" names biomarkers.er_percent but not
    biomarkers.her2_ish)."""
    w = word.lower().strip()
    f = field.lower()
    parts = f.replace(".", "_").split("_")
    return any(part.startswith(w) for part in parts if part) or w == f


KIND = Kind(name="course", matches=matches, evaluate=evaluate, compare=compare,
            actual_for=actual_for)  # fmt: skip
register_kind(KIND)
