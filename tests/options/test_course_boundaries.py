"""Boundaries of the course-aware systemic answer, end to end through ``assess``.

Written from shared/reference/domain/clinical_course.md (not from any listed vignette):
- §1.3: relapse <= 12 months after completing adjuvant endocrine therapy is secondary
  resistance (the aromatase inhibitor relapsed on is not re-offered; fulvestrant-based first
  line; inavolisib triplet if PIK3CA-mutated), > 12 months is endocrine-sensitive;
- §1.3: relapse <= 6 months after (neo)adjuvant trastuzumab is trastuzumab-refractory (T-DXd),
  > 12 months allows first-line pertuzumab-based dual blockade;
- §4.1: chemotherapy from 14 weeks' gestation, none before 14 or from 35 weeks;
- §4.3: ECOG >= 3, no (neo)adjuvant chemotherapy; ECOG 2 may still receive it (with caution).
Cases are written in the course-vignette vocabulary (README.md) and mapped by the concordance
adapter, the same path a user's vignette takes.
"""

from __future__ import annotations

from typing import Any

import pytest

from breastcds import assess
from breastcds.concordance.course import to_case
from breastcds.knowledge.drugs import catalogue

DRUGS = catalogue().by_inn()


def run(case: dict[str, Any]) -> tuple[str, set[str], list[str], str]:
    a = assess(to_case({"id": "t", "case": case}))
    points = list(a.sections.options.decision_points)
    assert len(points) == 1
    p = points[0]
    cautions = " ".join(c.text_en.lower() for c in p.cautions)
    return p.decision_point, set(p.agents()), [x.field for x in p.prompts], cautions


def metastatic_after_letrozole(months_since_end: int) -> dict[str, Any]:
    return {
        "age": 64, "sex": "female", "menopausal_status": "post", "pregnant": False, "ecog": 0,
        "comorbidities": [], "declines": [],
        "tumor": {"m_category": "M1", "metastatic_sites": ["liver"], "visceral_crisis": False},
        "biomarkers": {"er_percent": 90, "pr_percent": 40, "her2_ihc": 1, "pik3ca": "mutated"},
        "history": {
            "surgery": {"type": "mastectomy", "axilla": "slnb", "sentinel_nodes_positive": 0},
            "endocrine": {"agents": ["letrozole"], "years_completed": 5, "ongoing": False,
                          "months_since_end": months_since_end},
            "recurrence": {"site": "distant", "months_since_diagnosis": 60 + months_since_end,
                           "on_therapy": [], "biopsied": True, "restaged": True,
                           "resected": False},
        },
    }  # fmt: skip


@pytest.mark.parametrize("months", [1, 12])
def test_relapse_within_12_months_after_ai_is_endocrine_resistant(months: int) -> None:
    dp, agents, _, _ = run(metastatic_after_letrozole(months))
    assert dp == "metastatic_line_1"
    assert not {"letrozole", "anastrozole"} & agents  # the non-steroidal AI relapsed on
    assert {"inavolisib", "fulvestrant"} <= agents  # INAVO120 population


@pytest.mark.parametrize("months", [13, 30])
def test_relapse_more_than_12_months_after_ai_is_endocrine_sensitive(months: int) -> None:
    dp, agents, _, _ = run(metastatic_after_letrozole(months))
    assert dp == "metastatic_line_1"
    assert "inavolisib" not in agents  # not for endocrine-sensitive relapse
    assert {"letrozole", "anastrozole"} & agents  # AI + CDK4/6 inhibitor as for de novo disease
    assert {"palbociclib", "ribociclib", "abemaciclib"} & agents


def her2_relapse(months_since_trastuzumab: int) -> dict[str, Any]:
    return {
        "age": 55, "sex": "female", "menopausal_status": "post", "pregnant": False, "ecog": 0,
        "comorbidities": [], "declines": [],
        "tumor": {"m_category": "M1", "metastatic_sites": ["lung"], "visceral_crisis": False},
        "biomarkers": {"er_percent": 0, "pr_percent": 0, "her2_ihc": 3},
        "history": {
            "surgery": {"type": "mastectomy", "axilla": "slnb", "sentinel_nodes_positive": 0},
            "adjuvant_agents": ["docetaxel", "carboplatin", "trastuzumab"],
            "months_since_trastuzumab": months_since_trastuzumab,
            "recurrence": {"site": "distant", "months_since_diagnosis": 12
                           + months_since_trastuzumab, "on_therapy": [], "biopsied": True,
                           "restaged": True, "resected": False},
        },
    }  # fmt: skip


def test_relapse_6_months_after_trastuzumab_is_refractory() -> None:
    dp, agents, _, _ = run(her2_relapse(6))
    assert dp == "metastatic_line_1"
    assert "trastuzumab deruxtecan" in agents  # DESTINY-Breast03 eligibility
    assert "pertuzumab" not in agents  # no pertuzumab-based first line


def test_relapse_13_months_after_trastuzumab_allows_dual_blockade() -> None:
    dp, agents, _, _ = run(her2_relapse(13))
    assert dp == "metastatic_line_1"
    assert {"trastuzumab", "pertuzumab"} <= agents  # CLEOPATRA: > 12 months disease-free


def pregnant_before_surgery(weeks: float | None) -> dict[str, Any]:
    return {
        "age": 34, "sex": "female", "menopausal_status": "pre", "pregnant": True,
        "gestation_weeks": weeks, "ecog": 0, "comorbidities": [], "declines": [],
        "tumor": {"size_mm": 30, "clinical_n": "cN1", "grade": 3, "m_category": "M0"},
        "biomarkers": {"er_percent": 0, "pr_percent": 0, "her2_ihc": 3},
        "history": {"surgery": {"type": "none", "axilla": "none"}},
    }  # fmt: skip


@pytest.mark.parametrize(
    ("weeks", "chemotherapy"), [(13, False), (14, True), (34, True), (35, False), (None, False)]
)
def test_pregnancy_chemotherapy_window_and_deferred_anti_her2(
    weeks: float | None, chemotherapy: bool
) -> None:
    dp, agents, prompts, cautions = run(pregnant_before_surgery(weeks))
    assert dp == "neoadjuvant"
    cytotoxic = {a for a in agents if DRUGS[a].chemotherapy}
    assert bool(cytotoxic) is chemotherapy
    assert not {a for a in agents if DRUGS[a].anti_her2}  # deferred until after delivery
    assert "pregnan" in cautions
    assert ("patient.gestation_weeks" in prompts) is (weeks is None)


def adjuvant_her2_negative(ecog: int) -> dict[str, Any]:
    return {
        "age": 72, "sex": "female", "menopausal_status": "post", "pregnant": False,
        "ecog": ecog, "comorbidities": [], "declines": [],
        "tumor": {"size_mm": 30, "nodes_positive": 2, "nodes_examined": 12, "grade": 3,
                  "margin_mm": 3, "m_category": "M0"},
        "biomarkers": {"er_percent": 0, "pr_percent": 0, "her2_ihc": 1},
        "history": {"surgery": {"type": "mastectomy", "axilla": "alnd"}},
    }  # fmt: skip


@pytest.mark.parametrize(("ecog", "chemotherapy"), [(2, True), (3, False)])
def test_ecog_2_vs_3_adjuvant_chemotherapy(ecog: int, chemotherapy: bool) -> None:
    dp, agents, _, cautions = run(adjuvant_her2_negative(ecog))
    assert dp == "adjuvant"
    assert bool({a for a in agents if DRUGS[a].chemotherapy}) is chemotherapy
    assert "ecog" in cautions


def test_man_is_offered_tamoxifen_and_never_asked_for_menopausal_status() -> None:
    case = {
        "age": 61, "sex": "male", "menopausal_status": None, "pregnant": None, "ecog": 0,
        "comorbidities": [], "declines": [],
        "tumor": {"size_mm": 23, "nodes_positive": 0, "nodes_examined": 3, "grade": 2,
                  "m_category": "M0"},
        "biomarkers": {"er_percent": 100, "pr_percent": 80, "her2_ihc": 1, "ki67_percent": 12},
        "history": {"surgery": {"type": "mastectomy", "axilla": "slnb",
                                "sentinel_nodes_positive": 0}},
    }  # fmt: skip
    dp, agents, prompts, _ = run(case)
    assert dp == "adjuvant"
    assert "tamoxifen" in agents
    assert "patient.menopausal_status" not in prompts and "patient.pregnant" not in prompts
    assert not {"zoledronic acid", "clodronic acid"} & agents


def test_unknown_endocrine_timing_prompts_and_withholds_the_agents_it_decides() -> None:
    # §13: an ER+ relapse after adjuvant endocrine therapy with the timing not recorded asks for
    # treatment.endocrine.months_since_end; the prompt replaces the options it decides.
    case = metastatic_after_letrozole(5)
    case["history"]["endocrine"]["months_since_end"] = None
    dp, agents, prompts, _ = run(case)
    assert dp == "metastatic_line_1"
    assert "treatment.endocrine.months_since_end" in prompts
    assert not {"letrozole", "anastrozole"} & agents
    assert "fulvestrant" in agents
