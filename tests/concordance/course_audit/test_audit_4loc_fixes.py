"""Boundary tests of the rules the fourth (local / special-population) course audit fixed, each
at the value that fires the rule and the one that just misses it (expected answers from
shared/reference/domain/clinical_course.md).

- §4.3 ("Age >= 70 with HR+ HER2- cT1 cN0: SLNB may be omitted; RT omission per rt_omission.md
  (both presume endocrine therapy)") and §4.5 (a declined class removes that premise): the age
  route to SLNB omission needs endocrine therapy planned or presumed
  (local.axilla.slnb_omission_age70, axilla.omit_slnb_age70: derived fact
  endocrine_therapy_presumed).
- §4.5 ("radiotherapy -> no RT action") with §6.2: radiosurgery and whole-brain RT are
  radiotherapy (guard declines.radiotherapy also removes them).
- §5.3 ("after neoadjuvant therapy, ypN+ -> PMRT + RNI"): a recorded ypN1mi with a count of
  positive nodes is residual nodal disease, not a contradiction to be asked about (AJCC 8: N1mi
  whatever the count; the count alone derives N1a only by reading micrometastases_only as false).
- rt_omission.md §3 (PBI, ASTRO 2016 "suitable" DCIS: screen-detected, grade 1-2, <= 25 mm,
  margins >= 3 mm, age >= 50): partial-breast RT for that group (local.rt.partial_breast_dcis_astro,
  beside the CSCO row local.rt.partial_breast_dcis: <= 20 mm, grade 1-2, age >= 50).
"""

from __future__ import annotations

from typing import Any

import pytest

from breastcds.classify.stage import pathological
from breastcds.concordance.course import to_case
from breastcds.model.parse import parse_case
from tests.concordance.course_check import boundary_actual, boundary_vignette

_HR_POSITIVE = {"er_percent": 90, "pr_percent": 60, "her2_ihc": 0, "her2_ihc0_staining": "none",
                "ki67_percent": 10, "gbrca": "negative"}  # fmt: skip


def _vignette(case: dict[str, Any]) -> dict[str, Any]:
    return boundary_vignette(case, age=60, menopausal_status="post")


def _actual(case: dict[str, Any]) -> dict[str, Any]:
    return boundary_actual(case, age=60, menopausal_status="post")


# ---------------------------------------------------------------- §4.3 age route presumes ET
def _before_surgery(age: int, declines: list[str]) -> dict[str, Any]:
    return {
        "age": age, "declines": declines,
        "tumor": {"size_mm": 15, "clinical_n": "cN0", "grade": 2, "m_category": "M0"},
        "biomarkers": _HR_POSITIVE,
        "history": {"surgery": {"type": "none", "axilla": "none"}},
    }  # fmt: skip


@pytest.mark.parametrize(
    ("age", "declines", "omission"),
    [
        (70, [], True),  # age route, endocrine therapy presumed (HR-positive, nothing declined)
        (69, [], False),  # under 70 without an axillary ultrasound: no route
        (70, ["endocrine_therapy"], False),  # the premise is gone
        (74, ["endocrine_therapy"], False),
        (74, ["chemotherapy"], True),  # another class declined: the premise stands
    ],
)
def test_age_route_slnb_omission_presumes_endocrine_therapy(
    age: int, declines: list[str], omission: bool
) -> None:
    actual = _actual(_before_surgery(age, declines))
    assert actual["decision_point"] == "neoadjuvant"
    assert ("slnb_omission" in actual["actions"]) is omission
    assert "slnb" in actual["actions"]


def test_sound_route_does_not_need_endocrine_therapy() -> None:
    """SOUND / INSEMA (§5.2 row 1) is a separate route: a normal ultrasound at 62 with endocrine
    therapy declined still allows omission (the reference ties only the age route to ET)."""
    case = _before_surgery(62, ["endocrine_therapy"])
    case["tumor"]["axillary_ultrasound"] = "normal"
    assert "slnb_omission" in _actual(case)["actions"]


# ---------------------------------------------------------------- §4.5 RT declined, brain
def _brain(count: int, declines: list[str]) -> dict[str, Any]:
    return {
        "age": 63, "declines": declines,
        "tumor": {"size_mm": 25, "clinical_n": "cN1", "grade": 2, "m_category": "M1",
                  "metastatic_sites": ["bone", "brain"], "brain_metastases": True,
                  "brain_metastases_count": count, "brain_metastases_symptomatic": False},
        "biomarkers": _HR_POSITIVE,
        "history": {"surgery": {"type": "none", "axilla": "none"}},
    }  # fmt: skip


@pytest.mark.parametrize(
    ("count", "action"), [(3, "stereotactic_radiosurgery"), (12, "whole_brain_rt")]
)
def test_declined_radiotherapy_removes_radiosurgery_and_whole_brain_rt(
    count: int, action: str
) -> None:
    assert action in _actual(_brain(count, []))["actions"]
    declined = _actual(_brain(count, ["radiotherapy"]))
    assert not {"stereotactic_radiosurgery", "whole_brain_rt"} & set(declined["actions"])
    assert any("declin" in c.lower() for c in declined["cautions"])
    other = _actual(_brain(count, ["chemotherapy"]))
    assert action in other["actions"]


# ---------------------------------------------------------------- §5.3 ypN1mi is ypN+
def _after_neoadjuvant(ypn: str, nodes: int | None) -> dict[str, Any]:
    tumor: dict[str, Any] = {"size_mm": 35, "clinical_n": "cN0", "nodes_examined": 3, "grade": 3,
                             "margin_mm": 6, "m_category": "M0"}  # fmt: skip
    if nodes is not None:
        tumor["nodes_positive"] = nodes
    return {
        "age": 55, "tumor": tumor, "biomarkers": dict(_HR_POSITIVE, ki67_percent=35),
        "history": {
            "surgery": {"type": "mastectomy", "axilla": "slnb",
                        "sentinel_nodes_positive": 1 if nodes else 0},
            "neoadjuvant": {"agents": ["epirubicin", "cyclophosphamide", "paclitaxel"],
                            "response": "residual_invasive", "ypT": "ypT1c", "ypN": ypn},
        },
    }  # fmt: skip


@pytest.mark.parametrize(
    ("ypn", "nodes", "pmrt"),
    [("ypN1mi", 1, True), ("ypN1mi", 2, True), ("ypN1mi", None, True), ("ypN1a", 1, True),
     ("ypN0", 0, False)],
)  # fmt: skip
def test_recorded_ypn1mi_with_a_node_count_is_residual_nodal_disease(
    ypn: str, nodes: int | None, pmrt: bool
) -> None:
    actual = _actual(_after_neoadjuvant(ypn, nodes))
    assert actual["decision_point"] == "post_neoadjuvant"
    assert ({"post_mastectomy_rt", "regional_nodal_rt"} <= set(actual["actions"])) is pmrt
    if nodes is not None:  # a count recorded beside ypN1mi is no contradiction to ask about
        assert "tumour.nodes_positive" not in actual["missing"]


def test_recorded_n1mi_still_contradicts_nodes_recorded_as_macrometastases() -> None:
    data = to_case(_vignette(_after_neoadjuvant("ypN1mi", 1)))
    assert pathological(parse_case(data)).n == "N1mi"
    data["tumour"]["nodes_micrometastases_only"] = False
    stage = pathological(parse_case(data))
    assert stage.n is None
    assert stage.missing


# ---------------------------------------------------------------- rt_omission.md §3 PBI for DCIS
def _dcis(age: int, extent: int, margin: float, screen: bool) -> dict[str, Any]:
    return {
        "age": age, "menopausal_status": "post" if age >= 50 else "pre",
        "tumor": {"size_mm": extent, "grade": 2, "margin_mm": margin, "dcis_only": True,
                  "screen_detected": screen, "m_category": "M0"},
        "biomarkers": {"er_percent": 90, "pr_percent": 70},
        "history": {"surgery": {"type": "bcs", "axilla": "none"}},
    }  # fmt: skip


@pytest.mark.parametrize(
    ("age", "extent", "margin", "screen", "pbi"),
    [
        (62, 25, 3, True, True),  # ASTRO 2016 suitable at both boundaries
        (62, 26, 3, True, False),  # > 25 mm
        (62, 22, 2.9, True, False),  # margin < 3 mm (and > 20 mm: not the CSCO row either)
        (62, 22, 3, False, False),  # not screen-detected (> 20 mm: not the CSCO row)
        (50, 22, 3, True, True),  # age >= 50
        (49, 22, 3, True, False),
        (64, 10, 5, False, True),  # the CSCO row (<= 20 mm, grade 1-2, >= 50) still applies
    ],
)
def test_partial_breast_rt_for_dcis_in_the_astro_suitable_group(
    age: int, extent: int, margin: float, screen: bool, pbi: bool
) -> None:
    actual = _actual(_dcis(age, extent, margin, screen))
    assert actual["decision_point"] == "dcis"
    assert ("partial_breast_rt" in actual["actions"]) is pbi
