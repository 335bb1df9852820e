"""Concordance kind ``systemic``: treatment options offered at a vignette's decision point.

Vignette ``case`` (shared/reference/domain/README.md): age, sex, menopausal_status,
decision_point, ``tumor``, ``biomarkers``, ``history`` {neoadjuvant {agents, response, ypT, ypN},
metastatic_lines, adjuvant_chemotherapy_done, adjuvant_agents, months_since_trastuzumab}.
:func:`to_case` is the one mapping onto the case model; evaluation goes through the public
:func:`breastcds.assess`. ``actual`` is ``{"agents": [...], "missing": [...]}``; :func:`compare`
checks ``include`` (subset), ``include_any`` (each group intersects), ``exclude`` (disjoint) and
``missing`` (a prompted field names the word: its last component is the word or starts with
``word_``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from breastcds.concordance import vocabulary
from breastcds.concordance.core import Kind, Vignette, register_kind
from breastcds.entrypoint import assess

__all__ = ["KIND", "actual_for", "compare", "evaluate", "matches", "to_case"]

# Before surgery the vignette's size_mm is the clinical (imaging) size.
_CLINICAL_SIZE_POINTS = {"neoadjuvant", "post_neoadjuvant", "surgery", "axilla"}
_AGENT_KEYS = ("include", "include_any", "exclude")
_RESPONSE = {"pcr": "pcr", "residual_invasive": "residual_invasive"}
# The vignette vocabulary leaves metastatic sites and line outcomes open; common spellings map
# onto the case model's codes. A site outside the list is still a distant site ("other"); an
# outcome outside the list is left to the case model, which rejects it (never guessed).
_SITES = {
    "bone": "bone", "bones": "bone", "skeletal": "bone",
    "liver": "liver", "hepatic": "liver",
    "lung": "lung", "lungs": "lung", "pulmonary": "lung",
    "pleura": "pleura", "pleural": "pleura", "pleural_effusion": "pleura",
    "brain": "brain", "cns": "brain", "central_nervous_system": "brain",
    "leptomeninges": "leptomeninges", "leptomeningeal": "leptomeninges",
    "distant_lymph_nodes": "distant_lymph_nodes", "distant_lymph_node": "distant_lymph_nodes",
    "lymph_node": "distant_lymph_nodes", "lymph_nodes": "distant_lymph_nodes",
    "nodes": "distant_lymph_nodes", "nodal": "distant_lymph_nodes",
    "skin_soft_tissue": "skin_soft_tissue", "skin": "skin_soft_tissue",
    "soft_tissue": "skin_soft_tissue", "chest_wall": "skin_soft_tissue",
    "peritoneum": "peritoneum", "peritoneal": "peritoneum",
}  # fmt: skip
_OUTCOMES = {
    "progression": "progression", "progressive_disease": "progression", "pd": "progression",
    "progressed": "progression",
    "response": "response", "partial_response": "response", "complete_response": "response",
    "stable": "stable", "stable_disease": "stable",
    "toxicity": "toxicity", "intolerance": "toxicity",
    "ongoing": "ongoing",
}  # fmt: skip


def _site(value: Any) -> str:
    key = str(value).strip().lower().replace(" ", "_").replace("-", "_")
    return _SITES.get(key, "other")


def _outcome(value: Any) -> Any:
    key = str(value).strip().lower().replace(" ", "_").replace("-", "_")
    return _OUTCOMES.get(key, value)


def matches(v: Vignette) -> bool:
    """A systemic vignette has a ``case`` object with a decision point (a case without one is
    a ``course`` vignette: the decision point is inferred)."""
    case = v.get("case")
    return isinstance(case, Mapping) and "decision_point" in case


def _history(h: Mapping[str, Any] | None) -> dict[str, Any]:
    h = h or {}
    out: dict[str, Any] = {}
    neo = h.get("neoadjuvant")
    if isinstance(neo, Mapping):
        record: dict[str, Any] = {"agents": [str(a).lower() for a in neo.get("agents") or []]}
        if neo.get("response") is not None:
            record["response"] = _RESPONSE[str(neo["response"]).lower()]
        if neo.get("ypT") is not None:
            record["ypt"] = vocabulary.tnm(neo["ypT"])
        if neo.get("ypN") is not None:
            record["ypn"] = vocabulary.tnm(neo["ypN"])
        out["neoadjuvant"] = record
    lines = h.get("metastatic_lines")
    if lines:
        out["metastatic_lines"] = [
            {
                "agents": [str(a).lower() for a in line.get("agents") or []],
                **({"outcome": _outcome(line["outcome"])} if line.get("outcome") else {}),
                **({"months": line["months"]} if line.get("months") is not None else {}),
            }
            for line in lines
        ]
    for key in ("adjuvant_chemotherapy_done", "months_since_trastuzumab"):
        if h.get(key) is not None:
            out[key] = h[key]
    if h.get("adjuvant_agents") is not None:
        out["adjuvant_agents"] = [str(a).lower() for a in h["adjuvant_agents"]]
    return out


def to_case(v: Mapping[str, Any]) -> dict[str, Any]:
    """Map a systemic vignette onto the case model (the one mapping place)."""
    c = v["case"]
    dp = c.get("decision_point")
    size = "clinical" if dp in _CLINICAL_SIZE_POINTS else "pathological"
    tumour = vocabulary.tumour(c.get("tumor"), size=size)
    if tumour.get("metastatic_sites") is not None:
        sites = tumour["metastatic_sites"]
        tumour["metastatic_sites"] = list(dict.fromkeys(_site(x) for x in sites))
    case: dict[str, Any] = {
        "case_id": v.get("id"),
        "patient": vocabulary.patient(c),
        "tumour": tumour,
        "biomarkers": vocabulary.biomarkers(c.get("biomarkers")),
        "treatment": _history(c.get("history")),
    }
    if dp is not None:
        case["decision_point"] = dp
    return case


def actual_for(key: str, actual: Mapping[str, Any]) -> Any:
    """include / include_any / exclude are judged against the offered agents."""
    return actual.get("agents") if key in _AGENT_KEYS else actual.get(key)


def evaluate(v: Vignette) -> dict[str, Any]:
    """Offered agents and prompted fields at the vignette's decision point."""
    a = assess(to_case(v))
    section = a.sections.options
    dp = v["case"].get("decision_point")
    points = [p for p in section.decision_points if dp is None or p.decision_point == dp]
    agents = sorted({x for p in points for x in p.agents()})
    missing = sorted({pr.field for p in points for pr in p.prompts})
    return {"agents": agents, "missing": missing}


def compare(field: str, expected: Any, actual: Any) -> bool:
    """include ⊆ agents; every include_any group meets agents; exclude ∩ agents = ∅;
    the expected missing word(s) appear in a prompted field."""
    values = set(actual or [])
    if field == "include":
        return set(expected or []) <= values
    if field == "include_any":
        return all(values & set(group) for group in expected or [])
    if field == "exclude":
        return not (values & set(expected or []))
    if field == "missing":
        words = [expected] if isinstance(expected, str) else list(expected or [])
        return all(any(_names(w, f) for f in values) for w in words)
    return bool(expected == actual)


def _names(word: str, field: str) -> bool:
    """A prompt field names ``word``: its last component is the word or starts with
    ``word_`` ("her2" names biomarkers.her2_ish; "er" names biomarkers.er_percent, not
    biomarkers.her2_ish)."""
    w = word.lower().strip()
    last = field.lower().rsplit(".", 1)[-1]
    return w == last or last.startswith(w + "_") or w == field.lower()


KIND = Kind(
    name="systemic", matches=matches, evaluate=evaluate, compare=compare, actual_for=actual_for
)
register_kind(KIND)
