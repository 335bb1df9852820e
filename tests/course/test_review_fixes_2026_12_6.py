"""Fixes from the review of the 2026.12.6 changes, each at its boundary.

- clinical_course.md 1.3, trastuzumab row: "relapse during or <= 6 months after (neo)adjuvant
  trastuzumab ... trastuzumab-refractory -> second-line-type therapy (T-DXd)". A relapse found while
  trastuzumab was being taken (recurrence.on_therapy) is within the window whatever else is
  recorded: the Level I T-DXd rule, no first-line regimen (trastuzumab_relapse_within_12_months).
- clinical_course.md 2.3 ("ER-positive: endocrine therapy") at a locoregional recurrence: a
  perimenopausal woman gets the premenopausal regimen (ovarian function not known to have
  ceased), never nothing.
- clinical_course.md 4.3 ("presume endocrine therapy"): endocrine therapy planned and not yet
  started is presumed; "not ongoing" after agents or years were recorded is stopped.
"""

from __future__ import annotations

from typing import Any

import pytest

from breastcds.entrypoint import classify
from breastcds.knowledge.facts import extract
from breastcds.model.parse import parse_case
from breastcds.options.engine import evaluate_options
from breastcds.options.schema import load_kb
from tests.cohort.test_course_columns import cohort_row_as_assess

FIRST_LINE = {"her2pos.metastatic.thp", "her2pos.metastatic.hp_eribulin_or_vinorelbine",
              "her2pos.metastatic.pyrotinib_th", "her2pos.metastatic.tdxd_pertuzumab"}  # fmt: skip


def _point(data: dict[str, Any]) -> Any:
    case = parse_case(data)
    (point,) = evaluate_options(case, classify(case), kb=load_kb()).decision_points
    return point


def _relapse_on(on_therapy: list[str], months_since: float | None = None) -> dict[str, Any]:
    treatment: dict[str, Any] = {
        "surgery": {"type": "mastectomy", "axillary": "sentinel_node_biopsy"},
        "adjuvant_agents": ["docetaxel", "carboplatin", "trastuzumab"],
        "recurrence": {"site": "distant", "months_since_diagnosis": 8, "on_therapy": on_therapy,
                       "biopsied": True, "restaged": True},
    }  # fmt: skip
    if months_since is not None:
        treatment["months_since_trastuzumab"] = months_since
    return {
        "patient": {"age_years": 50, "sex": "female", "menopausal_status": "post",
                    "comorbidities": {"interstitial_lung_disease": False}},
        "tumour": {"clinical_m": "M1", "metastatic_sites": ["liver"]},
        "biomarkers": {"er_percent": 0, "pr_percent": 0, "her2_ihc": 3},
        "treatment": treatment,
    }  # fmt: skip


@pytest.mark.parametrize(
    ("on_therapy", "months_since", "within"),
    [
        (["trastuzumab"], None, True),  # relapse during adjuvant trastuzumab
        (["trastuzumab emtansine"], None, True),  # a trastuzumab ADC
        ([], 13, False),
        ([], None, None),  # adjuvant trastuzumab, end not recorded
    ],
)
def test_relapse_during_trastuzumab_is_within_the_window(
    on_therapy: list[str], months_since: float | None, within: bool | None
) -> None:
    data = _relapse_on(on_therapy, months_since)
    case = parse_case(data)
    assert extract(case, classify(case))["trastuzumab_relapse_within_12_months"] is within
    offered = {o.rule_id for o in _point(data).options}
    assert ("her2pos.metastatic.tdxd" in offered) is (within is True)
    if within:
        assert not FIRST_LINE & offered
    cohort_row_as_assess(case)


def _lrr(menopausal_status: str) -> dict[str, Any]:
    return {
        "patient": {"age_years": 49, "sex": "female", "menopausal_status": menopausal_status,
                    "comorbidities": {"pregnancy": False}},
        "tumour": {"clinical_m": "M0"},
        "biomarkers": {"er_percent": 80, "pr_percent": 50, "her2_ihc": 1},
        "treatment": {"surgery": {"type": "mastectomy", "axillary": "sentinel_node_biopsy"},
                      "radiotherapy_given": False,
                      "endocrine": {"agents": ["tamoxifen"], "years_completed": 5,
                                    "ongoing": False, "months_since_end": 30},
                      "recurrence": {"site": "chest_wall", "months_since_diagnosis": 100,
                                     "on_therapy": [], "biopsied": True, "restaged": True,
                                     "resected": True}},
    }  # fmt: skip


@pytest.mark.parametrize(
    ("status", "rule"),
    [
        ("pre", "course.lrr.endocrine_er_positive_premenopausal"),
        ("peri", "course.lrr.endocrine_er_positive_premenopausal"),
        ("post", "course.lrr.endocrine_er_positive"),
    ],
)
def test_er_positive_locoregional_recurrence_always_gets_endocrine_therapy(
    status: str, rule: str
) -> None:
    point = _point(_lrr(status))
    assert point.decision_point == "locoregional_recurrence"
    assert rule in {o.rule_id for o in point.options}
    cohort_row_as_assess(parse_case(_lrr(status)))


@pytest.mark.parametrize(
    ("endocrine", "planned", "presumed"),
    [
        ({"agents": [], "ongoing": False}, True, True),  # planned, not started yet
        ({"agents": [], "ongoing": False}, False, False),  # not planned
        ({"agents": ["letrozole"], "ongoing": False}, True, False),  # started, then stopped
        # stopped after two years, though once planned
        ({"agents": ["tamoxifen"], "years_completed": 2, "ongoing": False}, True, False),
        ({"ongoing": True}, None, True),
    ],
)
def test_endocrine_therapy_presumed_reads_a_plan_not_yet_started(
    endocrine: dict[str, Any], planned: bool | None, presumed: bool
) -> None:
    treatment: dict[str, Any] = {"endocrine": endocrine}
    if planned is not None:
        treatment["endocrine_therapy_planned"] = planned
    data = {
        "patient": {"age_years": 74, "sex": "female", "menopausal_status": "post"},
        "tumour": {"size_mm": 15, "clinical_t": "T1c", "clinical_n": "N0", "clinical_m": "M0"},
        "biomarkers": {"er_percent": 90, "pr_percent": 50, "her2_ihc": 0},
        "treatment": treatment,
    }  # fmt: skip
    case = parse_case(data)
    assert extract(case, classify(case))["endocrine_therapy_presumed"] is presumed
