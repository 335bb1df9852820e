"""DCIS endocrine therapy follows the surgery (clinical_course.md 5.4; docs/options.md).

The reference gives endocrine therapy for ER-positive DCIS "after BCS" (NSABP B-24, Fisher,
Lancet 1999; NSABP B-35, Margolese, Lancet 2016; TAM-01): those trials protected a conserved
breast. After mastectomy no ipsilateral breast remains; NCCN DCIS lists only counselling on
contralateral risk reduction, so tamoxifen is a point for discussion there, never an option.
"""

from __future__ import annotations

from typing import Any

import pytest

from breastcds.entrypoint import classify
from breastcds.model import parse_case
from breastcds.options.engine import DecisionPointOptions, evaluate_options


def _point(surgery: str | None, er: float = 95, menopause: str = "post") -> DecisionPointOptions:
    data: dict[str, Any] = {
        "patient": {"age_years": 62, "sex": "female", "menopausal_status": menopause},
        "tumour": {"dcis_only": True, "dcis_extent_mm": 15, "dcis_nuclear_grade": 2,
                   "margin_mm": 5, "clinical_m": "M0"},
        "biomarkers": {"er_percent": er},
    }  # fmt: skip
    if surgery is not None:
        data["treatment"] = {"surgery": {"type": surgery}}
    case = parse_case(data)
    (point,) = evaluate_options(case, classify(case)).decision_points
    assert point.decision_point == "dcis"
    return point


def _ids(options: list[Any]) -> set[str]:
    return {o.rule_id for o in options}


def test_after_breast_conserving_surgery_tamoxifen_and_anastrozole_are_options() -> None:
    point = _point("breast_conserving")
    assert {"tamoxifen", "anastrozole"} <= set(point.agents())
    assert "course.dcis.contralateral_risk_reduction_after_mastectomy" not in _ids(point.discuss)


def test_premenopausal_after_bcs_tamoxifen_only() -> None:
    agents = set(_point("breast_conserving", menopause="pre").agents())
    assert "tamoxifen" in agents and "anastrozole" not in agents


def test_after_mastectomy_no_endocrine_option_only_a_contralateral_discussion() -> None:
    point = _point("mastectomy")
    assert not {"tamoxifen", "anastrozole"} & set(point.agents())
    assert "course.dcis.contralateral_risk_reduction_after_mastectomy" in _ids(point.discuss)


@pytest.mark.parametrize("surgery", ["breast_conserving", "mastectomy"])
def test_er_negative_dcis_gets_no_endocrine_therapy_whatever_the_surgery(surgery: str) -> None:
    point = _point(surgery, er=0)
    assert not {"tamoxifen", "anastrozole"} & set(point.agents())
    assert not _ids(point.discuss) & {"course.dcis.contralateral_risk_reduction_after_mastectomy"}


def test_before_surgery_no_endocrine_option() -> None:
    assert not {"tamoxifen", "anastrozole"} & set(_point("none").agents())
