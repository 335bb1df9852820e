"""``trastuzumab_pretreated`` (and its early part ``trastuzumab_relapse_within_12_months``)
through the cohort table: at each branch of the fact the cohort engine's fact columns equal the
case extractor's, and the options and prompts of the row equal what ``assess`` gives (the T-DXd
rules her2pos.metastatic.tdxd and course.metastatic.her2_brain_tdxd read the fact)."""

from __future__ import annotations

from typing import Any

import pytest

from breastcds.model.parse import parse_case
from tests.cohort.test_course_columns import _facts, case_to_row, cohort_row_as_assess

NAMES = ["trastuzumab_pretreated", "trastuzumab_relapse_within_12_months",
         "prior_metastatic_trastuzumab"]  # fmt: skip
THP = {"agents": ["docetaxel", "trastuzumab", "pertuzumab"], "outcome": "progression",
       "months": 14}  # fmt: skip
PACLITAXEL = {"agents": ["paclitaxel"], "outcome": "progression", "months": 6}
TCBH = ["docetaxel", "carboplatin", "trastuzumab"]


def her2_brain(treatment: dict[str, Any], decision_point: str | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "patient": {"age_years": 52, "sex": "female", "menopausal_status": "post",
                    "comorbidities": {"interstitial_lung_disease": False}},
        "tumour": {"clinical_m": "M1", "metastatic_sites": ["brain", "liver"]},
        "biomarkers": {"er_percent": 0, "pr_percent": 0, "her2_ihc": 3},
        "treatment": treatment,
    }  # fmt: skip
    if decision_point is not None:
        data["decision_point"] = decision_point
    return data


# case -> (trastuzumab_pretreated, trastuzumab_relapse_within_12_months)
CASES: dict[str, tuple[dict[str, Any], bool | None, bool | None]] = {
    "true by a metastatic trastuzumab line": (
        her2_brain({"metastatic_lines": [THP]}), True, None),
    "true at 12 months": (
        her2_brain({"metastatic_lines": [PACLITAXEL], "adjuvant_agents": TCBH,
                    "months_since_trastuzumab": 12.0}), True, True),
    "false at 13 months": (
        her2_brain({"metastatic_lines": [PACLITAXEL], "adjuvant_agents": TCBH,
                    "months_since_trastuzumab": 13.0}), False, False),
    "false by recorded adjuvant agents without trastuzumab": (
        her2_brain({"metastatic_lines": [PACLITAXEL],
                    "adjuvant_agents": ["epirubicin", "cyclophosphamide"]}), False, False),
    "false by adjuvant agents recorded as none": (
        her2_brain({"metastatic_lines": [PACLITAXEL], "adjuvant_agents": []}), False, False),
    "false by de novo stage IV": (
        her2_brain({"de_novo_metastatic": True}, "metastatic_line_1"), False, False),
    "unknown: nothing recorded of early therapy": (
        her2_brain({"metastatic_lines": [PACLITAXEL]}), None, None),
    "unknown: adjuvant trastuzumab, its end not recorded": (
        her2_brain({"metastatic_lines": [PACLITAXEL], "adjuvant_agents": TCBH}), None, None),
    "unknown: neoadjuvant trastuzumab, adjuvant agents without it": (
        her2_brain({"metastatic_lines": [PACLITAXEL], "adjuvant_agents": ["capecitabine"],
                    "surgery": {"type": "mastectomy"},
                    "neoadjuvant": {"agents": ["docetaxel", "trastuzumab", "pertuzumab"]}}),
        None, None),
}  # fmt: skip


@pytest.mark.parametrize("name", list(CASES))
def test_cohort_fact_and_options_equal_assess_at_each_branch(name: str) -> None:
    data, pretreated, early = CASES[name]
    case = parse_case(data)
    got, want = _facts(case_to_row(case), NAMES)
    assert got == want
    assert got["trastuzumab_pretreated"] is pretreated
    assert got["trastuzumab_relapse_within_12_months"] is early
    cohort_row_as_assess(case)
