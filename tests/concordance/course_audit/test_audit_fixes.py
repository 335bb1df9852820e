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

from tests.concordance.course_check import boundary_actual

ANTHRACYCLINES = {"doxorubicin", "epirubicin"}
HER2_DIRECTED = {"trastuzumab", "pertuzumab", "trastuzumab emtansine", "trastuzumab deruxtecan"}


def _actual(case: dict[str, Any]) -> dict[str, Any]:
    return boundary_actual(case, age=45, menopausal_status="pre")


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
        (35, "pre", ["chemotherapy"], False),  # TNBC: nothing gonadotoxic left (review item)
    ],
)
def test_fertility_counselling_before_chemotherapy_for_a_locoregional_recurrence(
    age: int, menopausal: str, declines: list[str], counselling: bool
) -> None:
    actual = _actual(_tnbc_chest_wall_recurrence(age, menopausal, declines))
    assert actual["decision_point"] == "locoregional_recurrence"
    assert ("fertility_preservation_counselling" in actual["actions"]) is counselling


# ------------------------------------------------- §9 fertility with chemotherapy declined (review)
def _premenopausal_before_surgery(er_percent: int, declines: list[str]) -> dict[str, Any]:
    return {
        "age": 32, "menopausal_status": "pre", "declines": declines,
        "tumor": {"size_mm": 28, "clinical_n": "cN0", "grade": 3, "m_category": "M0"},
        "biomarkers": {"er_percent": er_percent, "pr_percent": 0 if er_percent == 0 else 40,
                       "her2_ihc": 0, "her2_ihc0_staining": "none", "ki67_percent": 50,
                       "gbrca": "negative"},
        "history": {"surgery": {"type": "none", "axilla": "none"}},
    }  # fmt: skip


@pytest.mark.parametrize(
    ("er_percent", "declines", "counselling"),
    [
        (0, [], True),  # TNBC, chemotherapy ahead
        (0, ["chemotherapy"], False),  # no gonadotoxic therapy left
        (90, ["chemotherapy"], True),  # prolonged endocrine therapy still ahead (§9)
        (90, ["chemotherapy", "endocrine_therapy"], False),
    ],
)
def test_fertility_counselling_needs_gonadotoxic_therapy_ahead(
    er_percent: int, declines: list[str], counselling: bool
) -> None:
    """clinical_course.md §9: counselling before gonadotoxic therapy (chemotherapy; prolonged
    endocrine therapy delays pregnancy), premenopausal up to 45 years."""
    actual = _actual(_premenopausal_before_surgery(er_percent, declines))
    assert actual["decision_point"] == "neoadjuvant"
    assert ("fertility_preservation_counselling" in actual["actions"]) is counselling


# ------------------------------------------------- §1.1 / §1.4 de novo M1: no recurrence prompt
def _metastatic_er_positive(surgery: str, recurrence: dict[str, Any] | None) -> dict[str, Any]:
    history: dict[str, Any] = {"surgery": {"type": surgery, "axilla": "none"}}
    if recurrence is not None:
        history["recurrence"] = recurrence
    return {
        "age": 60, "menopausal_status": "post",
        "tumor": {"m_category": "M1", "metastatic_sites": ["bone"], "visceral_crisis": False},
        "biomarkers": {"er_percent": 90, "pr_percent": 60, "her2_ihc": 0,
                       "her2_ihc0_staining": "none", "ki67_percent": 15, "gbrca": "negative",
                       "pik3ca": "wild_type", "esr1": "wild_type"},
        "history": history,
    }  # fmt: skip


def test_de_novo_metastatic_disease_is_not_asked_for_a_recurrence_site() -> None:
    """§1.1 row 1 / §1.4 'de novo M1, no therapy': a never-treated primary has no recurrence to
    biopsy, and no adjuvant therapy; a distant recurrence after surgery keeps its work-up."""
    de_novo = _actual(_metastatic_er_positive("none", None))
    assert de_novo["decision_point"] == "metastatic_line_1"
    assert "treatment.recurrence.site" not in de_novo["missing"]
    assert "treatment.adjuvant_agents" not in de_novo["missing"]
    assert "biopsy_recurrence" not in de_novo["actions"]
    relapse = _actual(_metastatic_er_positive(
        "mastectomy", {"site": "distant", "months_since_diagnosis": 60, "on_therapy": [],
                       "restaged": True}))  # fmt: skip
    assert relapse["decision_point"] == "metastatic_line_1"
    assert "biopsy_recurrence" in relapse["actions"]  # biopsied not recorded: work-up due


# ------------------------------------------------- §10 ASCENT-03 (relapse >= 6 months after cure)
def _tnbc_first_line(recurrence_months: int | None) -> dict[str, Any]:
    history: dict[str, Any] = {"surgery": {"type": "none", "axilla": "none"}}
    if recurrence_months is not None:
        history = {
            "surgery": {"type": "mastectomy", "axilla": "alnd"},
            "adjuvant_agents": ["doxorubicin", "cyclophosphamide", "paclitaxel"],
            "recurrence": {"site": "distant", "months_since_diagnosis": recurrence_months,
                           "on_therapy": [], "biopsied": True, "restaged": True},
        }  # fmt: skip
    return {
        "age": 50, "menopausal_status": "post",
        "tumor": {"m_category": "M1", "metastatic_sites": ["lung"], "visceral_crisis": False},
        "biomarkers": {"er_percent": 0, "pr_percent": 0, "her2_ihc": 0,
                       "her2_ihc0_staining": "none", "ki67_percent": 60, "gbrca": "negative",
                       "pdl1_cps": 3},
        "history": history,
    }  # fmt: skip


@pytest.mark.parametrize(("recurrence_months", "trop2_first_line"), [(None, True), (6, False)])
def test_first_line_trop2_adc_needs_relapse_six_months_after_curative_chemotherapy(
    recurrence_months: int | None, trop2_first_line: bool
) -> None:
    """§10 ASCENT-03 / TROPION-Breast02: first line for TNBC not a PD-(L)1 candidate, relapse
    >= 6 months after curative therapy; a relapse 6 months after diagnosis fell during or <= 6
    months after the adjuvant chemotherapy (chemotherapy ends after the diagnosis)."""
    actual = _actual(_tnbc_first_line(recurrence_months))
    assert actual["decision_point"] == "metastatic_line_1"
    trop2 = {"sacituzumab govitecan", "datopotamab deruxtecan"}
    assert bool(trop2 & set(actual["agents"])) is trop2_first_line


# ------------------------------------------------- §1.3 / §3: an adjuvant AI counts as a prior AI
def _line_two_after_fulvestrant_palbociclib(adjuvant_agent: str) -> dict[str, Any]:
    return {
        "age": 64, "menopausal_status": "post",
        "tumor": {"m_category": "M1", "metastatic_sites": ["liver", "bone"],
                  "visceral_crisis": False},
        "biomarkers": {"er_percent": 90, "pr_percent": 60, "her2_ihc": 0,
                       "her2_ihc0_staining": "none", "ki67_percent": 15, "gbrca": "negative",
                       "pik3ca": "wild_type", "esr1": "wild_type"},
        "history": {
            "surgery": {"type": "mastectomy", "axilla": "alnd"},
            "endocrine": {"agents": [adjuvant_agent], "years_completed": 2, "ongoing": True},
            "recurrence": {"site": "distant", "months_since_diagnosis": 30,
                           "on_therapy": [adjuvant_agent], "biopsied": True, "restaged": True},
            "metastatic_lines": [{"agents": ["fulvestrant", "palbociclib"],
                                  "outcome": "progression", "months": 16}],
        },
    }  # fmt: skip


@pytest.mark.parametrize(
    ("adjuvant_agent", "everolimus"), [("anastrozole", True), ("tamoxifen", False)]
)
def test_relapse_on_an_adjuvant_aromatase_inhibitor_counts_as_a_prior_ai(
    adjuvant_agent: str, everolimus: bool
) -> None:
    """§3 relapse-on-NSAI row (exemestane preferably with everolimus, BOLERO-2): the adjuvant AI
    is recorded in history.endocrine, not among the non-endocrine adjuvant agents."""
    actual = _actual(_line_two_after_fulvestrant_palbociclib(adjuvant_agent))
    assert actual["decision_point"] == "metastatic_line_2"
    assert ("everolimus" in actual["agents"]) is everolimus
    assert not {"anastrozole", "fulvestrant", "palbociclib"} & set(actual["agents"])
