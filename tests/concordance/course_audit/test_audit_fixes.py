"""Boundary tests of the rules the course audit fixed, each at the value that fires it and the one
that just misses it (expected answers from shared/reference/domain/clinical_course.md).

- §3 anthracycline row ("not re-offered at recurrence or after surgery"): an anthracycline given
  as adjuvant therapy is not re-offered at the adjuvant decision point (guard
  given.prior_anthracycline, now also at adjuvant and extended_adjuvant).
- §4.1 trimester table (not limited to early disease): 14-34 weeks allows AC/EC and weekly
  paclitaxel in advanced disease too (course.pregnancy.chemotherapy_metastatic) and weekly
  paclitaxel for HER2-positive stage I, trastuzumab after delivery
  (course.pregnancy.weekly_paclitaxel_her2_stage_i).
- §9 fertility: premenopausal up to 45 years before chemotherapy, also when the chemotherapy is
  for a locoregional recurrence (guard fertility.counselling_before_chemotherapy_at_recurrence).
- §5.2 Z0011 (BCS + whole-breast RT, cT1-2 cN0, 1-2 positive sentinel nodes): outside it (T3, or
  whole-breast RT declined) a positive sentinel node gets axillary dissection
  (local.axilla.alnd_outside_z0011_after_bcs).
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from breastcds.concordance.course import evaluate

ANTHRACYCLINES = {"doxorubicin", "epirubicin"}
HER2_DIRECTED = {"trastuzumab", "pertuzumab", "trastuzumab emtansine", "trastuzumab deruxtecan"}


def _vignette(case: dict[str, Any]) -> dict[str, Any]:
    base: dict[str, Any] = {
        "age": 45, "sex": "female", "menopausal_status": "pre", "pregnant": False, "ecog": 0,
        "comorbidities": [], "declines": [],
    }  # fmt: skip
    base.update(copy.deepcopy(case))
    return {"id": "boundary", "case": base}


def _actual(case: dict[str, Any]) -> dict[str, Any]:
    return evaluate(_vignette(case))


# ---------------------------------------------------------------- §3 prior anthracycline (adjuvant)
_OLYMPIA = {
    "tumor": {"size_mm": 30, "clinical_n": "cN1", "nodes_positive": 5, "nodes_examined": 14,
              "grade": 2, "m_category": "M0"},
    "biomarkers": {"er_percent": 90, "pr_percent": 60, "her2_ihc": 0,
                   "her2_ihc0_staining": "none", "ki67_percent": 10, "gbrca": "BRCA2"},
    "history": {"surgery": {"type": "mastectomy", "axilla": "alnd"},
                "adjuvant_agents": ["epirubicin", "cyclophosphamide", "docetaxel"]},
}  # fmt: skip


def test_an_adjuvant_anthracycline_already_given_is_not_re_offered_after_surgery() -> None:
    given = _actual(_OLYMPIA)
    assert given["decision_point"] == "adjuvant"
    assert not ANTHRACYCLINES & set(given["agents"])
    assert "olaparib" in given["agents"]  # OlympiA: gBRCA, >= 4 nodes after adjuvant chemotherapy
    none_given = copy.deepcopy(_OLYMPIA)
    none_given["history"]["adjuvant_agents"] = []
    assert ANTHRACYCLINES & set(_actual(none_given)["agents"])  # >= 4 nodes: chemotherapy


# ---------------------------------------------------------------- §4.1 pregnancy, advanced disease
def _pregnant_her2_metastatic(weeks: int) -> dict[str, Any]:
    return {
        "age": 31, "pregnant": True, "gestation_weeks": weeks,
        "tumor": {"m_category": "M1", "metastatic_sites": ["liver"], "visceral_crisis": False},
        "biomarkers": {"er_percent": 0, "pr_percent": 0, "her2_ihc": 3, "ki67_percent": 40,
                       "gbrca": "negative"},
        "history": {"surgery": {"type": "none", "axilla": "none"}},
    }  # fmt: skip


@pytest.mark.parametrize(
    ("weeks", "chemotherapy"), [(13, False), (14, True), (24, True), (34, True), (35, False)]
)
def test_pregnant_advanced_disease_gets_chemotherapy_only_from_14_to_34_weeks(
    weeks: int, chemotherapy: bool
) -> None:
    actual = _actual(_pregnant_her2_metastatic(weeks))
    assert actual["decision_point"] == "metastatic_line_1"
    offered = set(actual["agents"])
    assert bool(offered & {"doxorubicin", "epirubicin", "paclitaxel"}) is chemotherapy
    assert not offered & HER2_DIRECTED  # deferred until after delivery at any week
    assert "defer_until_after_delivery" in actual["actions"]


def _pregnant_her2_stage_i(nodes_positive: int, her2_ihc: int) -> dict[str, Any]:
    return {
        "age": 33, "pregnant": True, "gestation_weeks": 20,
        "tumor": {"size_mm": 9, "clinical_n": "cN0", "nodes_positive": nodes_positive,
                  "nodes_examined": 2, "grade": 3, "margin_mm": 3, "m_category": "M0"},
        "biomarkers": {"er_percent": 0, "pr_percent": 0, "her2_ihc": her2_ihc, "ki67_percent": 40,
                       "gbrca": "negative"},
        "history": {"surgery": {"type": "bcs", "axilla": "slnb",
                                "sentinel_nodes_positive": nodes_positive}},
    }  # fmt: skip


def test_pregnant_her2_positive_stage_i_gets_weekly_paclitaxel_and_trastuzumab_after_delivery() -> (
    None
):
    stage_i = _actual(_pregnant_her2_stage_i(nodes_positive=0, her2_ihc=3))
    assert "paclitaxel" in stage_i["agents"]
    assert not set(stage_i["agents"]) & HER2_DIRECTED
    assert not ANTHRACYCLINES & set(stage_i["agents"])  # weekly paclitaxel, not AC, in stage I
    stage_ii = _actual(_pregnant_her2_stage_i(nodes_positive=1, her2_ihc=3))
    assert ANTHRACYCLINES & set(stage_ii["agents"])  # pN1: stage II, AC/EC allowed (existing rule)


# ---------------------------------------------------------------- §5.2 outside Z0011
def _one_positive_sentinel(size_mm: int, declines: list[str]) -> dict[str, Any]:
    return {
        "age": 60, "menopausal_status": "post", "declines": declines,
        "tumor": {"size_mm": size_mm, "clinical_n": "cN0", "nodes_positive": 1,
                  "nodes_examined": 2, "grade": 2, "margin_mm": 3, "m_category": "M0"},
        "biomarkers": {"er_percent": 90, "pr_percent": 60, "her2_ihc": 0,
                       "her2_ihc0_staining": "none", "ki67_percent": 10, "gbrca": "negative"},
        "history": {"surgery": {"type": "bcs", "axilla": "slnb", "sentinel_nodes_positive": 1}},
    }  # fmt: skip


@pytest.mark.parametrize(
    ("size_mm", "declines", "dissection"),
    [(50, [], False), (51, [], True), (18, ["radiotherapy"], True), (18, [], False)],
)
def test_positive_sentinel_node_outside_z0011_gets_axillary_dissection(
    size_mm: int, declines: list[str], dissection: bool
) -> None:
    actions = set(_actual(_one_positive_sentinel(size_mm, declines))["actions"])
    assert ("alnd" in actions) is dissection
    assert ("alnd_omission" in actions) is not dissection


# ---------------------------------------------------------------- §9 fertility at a recurrence
def _tnbc_chest_wall_recurrence(age: int, menopausal: str, declines: list[str]) -> dict[str, Any]:
    return {
        "age": age, "menopausal_status": menopausal, "declines": declines,
        "tumor": {"size_mm": 12, "grade": 3, "m_category": "M0"},
        "biomarkers": {"er_percent": 0, "pr_percent": 0, "her2_ihc": 0,
                       "her2_ihc0_staining": "none", "ki67_percent": 60, "gbrca": "negative"},
        "history": {"surgery": {"type": "mastectomy", "axilla": "slnb",
                                "sentinel_nodes_positive": 0},
                    "radiotherapy": [],
                    "recurrence": {"site": "chest_wall", "months_since_diagnosis": 30,
                                   "on_therapy": [], "biopsied": True, "restaged": True,
                                   "resected": True}},
    }  # fmt: skip


@pytest.mark.parametrize(
    ("age", "menopausal", "declines", "counselling"),
    [
        (45, "pre", [], True),
        (46, "pre", [], False),
        (44, "post", [], False),
    ],
)
def test_fertility_counselling_before_chemotherapy_for_a_locoregional_recurrence(
    age: int, menopausal: str, declines: list[str], counselling: bool
) -> None:
    actual = _actual(_tnbc_chest_wall_recurrence(age, menopausal, declines))
    assert actual["decision_point"] == "locoregional_recurrence"
    assert ("fertility_preservation_counselling" in actual["actions"]) is counselling
