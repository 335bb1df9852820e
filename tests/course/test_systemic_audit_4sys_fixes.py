"""Boundary tests of the rules the fourth (systemic) course audit fixed, each on both sides of the
condition that decides it (expected answers from shared/reference/domain/clinical_course.md and
systemic_therapy.md, read through the public course entry point).

- systemic_therapy.md §1 first line ("HER2+ MBC, no prior anti-HER2 for metastatic disease") and
  clinical_course.md §10 DESTINY-Breast09 ("no chemotherapy or anti-HER2 therapy for metastatic
  disease; <= 1 prior endocrine line allowed"): after endocrine-only lines (line 2 or 3+ by the
  count of §1.2) THP is offered, T-DXd + pertuzumab only after at most one endocrine line; after
  chemotherapy or anti-HER2 therapy for metastatic disease neither is
  (her2pos.metastatic.thp_after_endocrine_lines,
  her2pos.metastatic.tdxd_pertuzumab_after_one_endocrine_line).
- clinical_course.md §2.3 (ER-positive locoregional recurrence: endocrine therapy), §4.4 VTE row
  ("AI (with OFS if premenopausal)") and §4.2 (men: never AI monotherapy): an aromatase inhibitor
  or fulvestrant after a locoregional recurrence comes with ovarian function suppression before
  the menopause and with a GnRH agonist in a man; unknown menopausal status is asked
  (course.lrr.endocrine_er_positive{,_premenopausal,_male}).
- clinical_course.md §4.4 osteoporosis row ("tamoxifen is the alternative for extension"):
  tamoxifen beside the extended aromatase inhibitor when osteoporosis is recorded, in the
  population where extension is indicated (node-positive), not without osteoporosis, not
  node-negative, not with venous thromboembolism (hrpos.extended.tamoxifen_osteoporosis).
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.concordance.course_check import boundary_actual


def _actual(case: dict[str, Any]) -> dict[str, Any]:
    return boundary_actual(case, age=61, menopausal_status="post")


def _her2_metastatic(lines: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    case: dict[str, Any] = {
        "tumor": {"m_category": "M1", "metastatic_sites": ["liver", "lung"],
                  "visceral_crisis": False},
        "biomarkers": {"er_percent": 90, "pr_percent": 40, "her2_ihc": 3, "ki67_percent": 30,
                       "gbrca": "negative"},
        "history": {"surgery": {"type": "none", "axilla": "none"}, "metastatic_lines": lines},
    }  # fmt: skip
    case.update(extra)
    return case


def _line(agents: list[str], outcome: str = "progression", months: int = 10) -> dict[str, Any]:
    return {"agents": agents, "outcome": outcome, "months": months}


@pytest.mark.parametrize(
    ("lines", "decision_point", "thp", "tdxd_pertuzumab"),
    [
        ([_line(["letrozole"])], "metastatic_line_2", True, True),
        (
            [_line(["letrozole"]), _line(["fulvestrant"], "ongoing", 2)],
            "metastatic_line_2",
            True,
            False,
        ),
        ([_line(["letrozole"]), _line(["fulvestrant"])], "metastatic_line_3plus", True, False),
        ([_line(["capecitabine"])], "metastatic_line_2", False, False),
        ([_line(["letrozole", "trastuzumab"])], "metastatic_line_2", False, False),
    ],
)
def test_first_line_her2_regimens_after_endocrine_only_lines(
    lines: list[dict[str, Any]], decision_point: str, thp: bool, tdxd_pertuzumab: bool
) -> None:
    actual = _actual(_her2_metastatic(lines))
    assert actual["decision_point"] == decision_point
    agents = set(actual["agents"])
    assert ("pertuzumab" in agents) is (thp or tdxd_pertuzumab)
    assert ({"docetaxel", "trastuzumab", "pertuzumab"} <= agents) is thp
    if not tdxd_pertuzumab and "trastuzumab deruxtecan" in agents:
        # T-DXd alone is the DESTINY-Breast03 option after trastuzumab (not T-DXd + pertuzumab)
        assert "trastuzumab" in {a for line in lines for a in line["agents"]}


def test_t_dxd_plus_pertuzumab_after_one_endocrine_line_is_not_offered_with_ild() -> None:
    ild = ["interstitial_lung_disease"]
    actual = _actual(_her2_metastatic([_line(["letrozole"])], comorbidities=ild))
    assert "trastuzumab deruxtecan" not in actual["agents"]
    assert {"docetaxel", "trastuzumab", "pertuzumab"} <= set(actual["agents"])


def _extension(nodes: int, comorbidities: list[str]) -> dict[str, Any]:
    return {
        "age": 66, "comorbidities": comorbidities,
        "tumor": {"size_mm": 30, "nodes_positive": nodes, "nodes_examined": 14, "grade": 2,
                  "m_category": "M0"},
        "biomarkers": {"er_percent": 90, "pr_percent": 60, "her2_ihc": 0,
                       "her2_ihc0_staining": "none", "ki67_percent": 15},
        "history": {"surgery": {"type": "mastectomy", "axilla": "alnd"},
                    "endocrine": {"agents": ["letrozole"], "years_completed": 5, "ongoing": False,
                                  "months_since_end": 1}},
    }  # fmt: skip


@pytest.mark.parametrize(
    ("nodes", "comorbidities", "tamoxifen"),
    [
        (1, ["osteoporosis"], True),
        (4, ["osteoporosis"], True),
        (1, [], False),
        (0, ["osteoporosis"], False),
        (4, ["osteoporosis", "venous_thromboembolism"], False),
    ],
)
def test_tamoxifen_is_the_alternative_for_extension_with_osteoporosis(
    nodes: int, comorbidities: list[str], tamoxifen: bool
) -> None:
    actual = _actual(_extension(nodes, comorbidities))
    assert actual["decision_point"] == "extended_adjuvant"
    assert ("tamoxifen" in actual["agents"]) is tamoxifen
    if nodes >= 1:
        assert {"anastrozole", "letrozole", "exemestane"} & set(actual["agents"])
    if "osteoporosis" in comorbidities and nodes >= 1:
        assert any("osteopor" in c.lower() for c in actual["cautions"])


def _extension_after_neoadjuvant(ypn: str) -> dict[str, Any]:
    return {
        "age": 60,
        "tumor": {"size_mm": 40, "clinical_n": "cN1", "grade": 2, "m_category": "M0"},
        "biomarkers": {"er_percent": 90, "pr_percent": 60, "her2_ihc": 0,
                       "her2_ihc0_staining": "none", "ki67_percent": 20, "gbrca": "negative"},
        "history": {"neoadjuvant": {"agents": ["epirubicin", "cyclophosphamide", "docetaxel"],
                                    "response": "residual_invasive", "ypT": "ypT2", "ypN": ypn},
                    "surgery": {"type": "mastectomy", "axilla": "alnd"},
                    "endocrine": {"agents": ["letrozole"], "years_completed": 5, "ongoing": False,
                                  "months_since_end": 1}},
    }  # fmt: skip


@pytest.mark.parametrize("ypn", ["ypN1a", "ypN2a", "ypN3a"])
def test_extended_aromatase_inhibitor_after_neoadjuvant_therapy_reads_ypn(ypn: str) -> None:
    # systemic_therapy.md §3 (extension for higher risk: node-positive); after neoadjuvant therapy
    # the pathological N is the recorded ypN (hrpos.extended.ai_node_positive)
    actual = _actual(_extension_after_neoadjuvant(ypn))
    assert actual["decision_point"] == "extended_adjuvant"
    assert {"anastrozole", "letrozole", "exemestane"} <= set(actual["agents"])
    assert "tumour.nodes_positive" not in actual["missing"]


def test_extension_after_neoadjuvant_therapy_with_ypn0_is_node_negative_without_a_count() -> None:
    # ypN0 is a recorded pathological N0 (AJCC 8: no regional node metastasis): the count it
    # implies is 0, so "node-positive" is decided (no) and no count is asked for (2026.12.6;
    # whether an initial cN+ is itself "higher risk" the reference does not say)
    actual = _actual(_extension_after_neoadjuvant("ypN0"))
    assert not {"anastrozole", "letrozole", "exemestane"} & set(actual["agents"])
    assert "tumour.nodes_positive" not in actual["missing"]


def _residual_hr_positive(ypn: str, ki67: int, grade: int = 2) -> dict[str, Any]:
    return {
        "age": 62,
        "tumor": {"size_mm": 30, "clinical_n": "cN1", "grade": grade, "m_category": "M0"},
        "biomarkers": {"er_percent": 90, "pr_percent": 60, "her2_ihc": 0,
                       "her2_ihc0_staining": "none", "ki67_percent": ki67, "gbrca": "negative"},
        "history": {"neoadjuvant": {"agents": ["epirubicin", "cyclophosphamide", "docetaxel"],
                                    "response": "residual_invasive", "ypT": "ypT1c", "ypN": ypn},
                    "surgery": {"type": "mastectomy", "axilla": "alnd"}},
    }  # fmt: skip


@pytest.mark.parametrize(
    ("ypn", "ki67", "grade", "abemaciclib"),
    [
        ("ypN2a", 10, 2, True),  # >= 4 nodes
        ("ypN3a", 10, 2, True),
        ("ypN1a", 20, 2, True),  # 1-3 nodes with Ki-67 >= 20 %
        ("ypN1a", 10, 3, True),  # 1-3 nodes with grade 3
        ("ypN1a", 19, 2, None),  # 1-3 nodes, Ki-67 19 %, grade 2: the size decides (asked)
        ("ypN0", 30, 3, False),
        # ypN1mi reads as 1-3 nodes, as a count of one micrometastatic node does (2026.12.6)
        ("ypN1mi", 10, 3, True),
        ("ypN1mi", 19, 2, None),
    ],
)
def test_adjuvant_abemaciclib_after_neoadjuvant_therapy_reads_ypn(
    ypn: str, ki67: int, grade: int, abemaciclib: bool | None
) -> None:
    # clinical_course.md §10 HR+ HER2- residual disease: ">= 4 positive nodes or other monarchE /
    # NATALEE criteria -> abemaciclib or ribociclib; palbociclib not" (hrpos.adjuvant.abemaciclib)
    actual = _actual(_residual_hr_positive(ypn, ki67, grade))
    assert actual["decision_point"] == "post_neoadjuvant"
    assert "palbociclib" not in actual["agents"]
    if abemaciclib is None:
        assert "abemaciclib" not in actual["agents"]
        assert "tumour.size_mm" in actual["missing"]
    else:
        assert ("abemaciclib" in actual["agents"]) is abemaciclib
    if ypn not in ("ypN0", "ypN1mi"):  # NATALEE's reading of N1mi is not decided here
        assert "ribociclib" in actual["agents"]  # NATALEE: any N+


GNRH = {"goserelin", "leuprorelin", "triptorelin"}
AI_OR_SERD = {"anastrozole", "letrozole", "exemestane", "fulvestrant"}


def _er_positive_chest_wall_recurrence(**patient: Any) -> dict[str, Any]:
    case: dict[str, Any] = {
        "tumor": {"size_mm": 15, "m_category": "M0"},
        "biomarkers": {"er_percent": 90, "pr_percent": 50, "her2_ihc": 1, "ki67_percent": 20,
                       "gbrca": "negative"},
        "history": {"surgery": {"type": "mastectomy", "axilla": "slnb",
                                "sentinel_nodes_positive": 0},
                    "radiotherapy": [],
                    "endocrine": {"agents": ["tamoxifen"], "years_completed": 5, "ongoing": False,
                                  "months_since_end": 30},
                    "recurrence": {"site": "chest_wall", "months_since_diagnosis": 100,
                                   "on_therapy": [], "biopsied": True, "restaged": True,
                                   "resected": True}},
    }  # fmt: skip
    case.update(patient)
    return case


@pytest.mark.parametrize(
    ("patient", "with_gnrh"),
    [
        ({"age": 61, "menopausal_status": "post"}, False),
        ({"age": 44, "menopausal_status": "pre"}, True),
        ({"age": 66, "sex": "male", "menopausal_status": None, "pregnant": None}, True),
    ],
)
def test_endocrine_therapy_after_a_locoregional_recurrence_by_who_the_patient_is(
    patient: dict[str, Any], with_gnrh: bool
) -> None:
    actual = _actual(_er_positive_chest_wall_recurrence(**patient))
    assert actual["decision_point"] == "locoregional_recurrence"
    agents = set(actual["agents"])
    assert AI_OR_SERD & agents
    assert bool(GNRH & agents) is with_gnrh


def test_on_tamoxifen_before_the_menopause_the_change_is_ofs_with_an_ai_or_fulvestrant() -> None:
    case = _er_positive_chest_wall_recurrence(age=44, menopausal_status="pre")
    case["history"]["endocrine"] = {"agents": ["tamoxifen"], "years_completed": 3, "ongoing": True}
    case["history"]["recurrence"]["on_therapy"] = ["tamoxifen"]
    agents = set(_actual(case)["agents"])
    assert "tamoxifen" not in agents
    assert GNRH & agents and AI_OR_SERD & agents


def test_unknown_menopausal_status_at_a_recurrence_is_asked_not_guessed() -> None:
    actual = _actual(_er_positive_chest_wall_recurrence(age=50, menopausal_status=None))
    assert not AI_OR_SERD & set(actual["agents"])
    assert "patient.menopausal_status" in actual["missing"]
