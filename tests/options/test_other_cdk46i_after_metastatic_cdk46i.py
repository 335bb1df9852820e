"""A different CDK4/6 inhibitor + fulvestrant after progression on a CDK4/6 inhibitor for metastatic
disease (``hrpos.metastatic.other_cdk46i_fulvestrant_after_metastatic_cdk46i``).

CSCO BC 2026 四(四) 1., row 'CDK4/6抑制剂治疗失败': '另一种CDK4/6i+内分泌 [2A]' at Level II;
postMONARCH (Kalinsky, J Clin Oncol 2025;43:1101): abemaciclib + fulvestrant after progression on
a CDK4/6 inhibitor, PFS HR 0.73. The reference (clinical_course.md, agents progressed on) allows a
different CDK4/6 inhibitor, never the same one: the guard given.progressed_agent removes it.
"""

from __future__ import annotations

from typing import Any

import pytest

from breastcds.entrypoint import classify
from breastcds.model.parse import parse_case
from breastcds.options.engine import evaluate_options
from breastcds.options.schema import load_kb
from tests.cohort.test_course_columns import cohort_row_as_assess

RULE = "hrpos.metastatic.other_cdk46i_fulvestrant_after_metastatic_cdk46i"


def _case(first_line: list[str], *, outcome: str = "progression",
          decision_point: str = "metastatic_line_2") -> dict[str, Any]:  # fmt: skip
    return {
        "decision_point": decision_point,
        "patient": {"age_years": 63, "sex": "female", "menopausal_status": "post"},
        "tumour": {"clinical_m": "M1", "metastatic_sites": ["bone"], "visceral_crisis": False},
        "biomarkers": {"er_percent": 90, "pr_percent": 30, "her2_ihc": 0,
                       "her2_ihc0_staining": "none", "pik3ca": "wild_type"},
        "treatment": {"metastatic_lines": [{"agents": first_line, "outcome": outcome,
                                            "months": 14}]},
    }  # fmt: skip


def _option(data: dict[str, Any]) -> list[str] | None:
    case = parse_case(data)
    (point,) = evaluate_options(case, classify(case), kb=load_kb()).decision_points
    found = [o for o in point.options if o.rule_id == RULE]
    return sorted(found[0].agents) if found else None


@pytest.mark.parametrize(
    ("first_line", "agents"),
    [
        (["letrozole", "palbociclib"], ["abemaciclib", "fulvestrant", "ribociclib"]),
        (["letrozole", "ribociclib"], ["abemaciclib", "fulvestrant", "palbociclib"]),
        (["anastrozole", "abemaciclib"], ["fulvestrant", "palbociclib", "ribociclib"]),
        (["letrozole"], None),  # no CDK4/6 inhibitor for metastatic disease
        (["fulvestrant", "palbociclib"], None),  # fulvestrant progressed on too
    ],
)  # fmt: skip
def test_a_different_cdk46_inhibitor_never_the_same(
    first_line: list[str], agents: list[str] | None
) -> None:
    assert _option(_case(first_line)) == agents


def test_not_without_progression_nor_in_visceral_crisis() -> None:
    assert _option(_case(["letrozole", "palbociclib"], outcome="toxicity")) is None
    data = _case(["letrozole", "palbociclib"])
    data["tumour"]["visceral_crisis"] = True
    assert _option(data) is None


def test_the_rule_carries_the_csco_row_grade() -> None:
    (rule,) = [r for r in load_kb().rules if r.id == RULE]
    assert rule.grading.csco is not None
    assert (rule.grading.csco.level, rule.grading.csco.evidence) == ("II", "2A")


@pytest.mark.parametrize(
    "first_line", [["letrozole", "palbociclib"], ["fulvestrant", "palbociclib"]]
)
def test_the_cohort_table_gives_what_assess_gives(first_line: list[str]) -> None:
    cohort_row_as_assess(parse_case(_case(first_line)))
