"""Concordance kind ``biomarker``: HER2, ER, subtype, pT/pN and anatomic stage."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from breastcds.concordance import vocabulary
from breastcds.concordance.core import Kind, Vignette, default_equal, register_kind
from breastcds.entrypoint import assess
from breastcds.knowledge.staging import n_group, t_main


def matches(v: Vignette) -> bool:
    return "biomarkers" in v and "tumor" in v and "case" not in v


def to_case(v: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "case_id": v.get("id"),
        "patient": vocabulary.patient(v.get("patient")),
        "tumour": vocabulary.tumour(v.get("tumor")),
        "biomarkers": vocabulary.biomarkers(v.get("biomarkers")),
    }


def evaluate(v: Vignette) -> dict[str, Any]:
    a = assess(to_case(v))
    c = a.classification
    er = c.er.status
    return {
        "her2_status": c.her2.status,
        "her2_category": c.her2.category,
        "her2_ish_group": c.her2.ish_group,
        "er_status": None if er == "not_recorded" else er,
        "subtype": c.subtype.subtype,
        "t": c.stage_pathological.t,
        "n": c.stage_pathological.n,
        "stage_anatomic": c.stage_pathological.anatomic,
    }


def compare(field: str, expected: Any, actual: Any) -> bool:
    """Contract: t/n on the main category (T1c counts as T1; T1mi and N1mi are their own)."""
    if field == "t" and isinstance(expected, str) and isinstance(actual, str):
        return t_main(expected) == t_main(actual)
    if field == "n" and isinstance(expected, str) and isinstance(actual, str):
        return n_group(expected) == n_group(actual)
    return default_equal(field, expected, actual)


KIND = Kind(name="biomarker", matches=matches, evaluate=evaluate, compare=compare)
register_kind(KIND)
