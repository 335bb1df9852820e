"""The decision-point vocabulary of the knowledge files equals the one the case records."""

from __future__ import annotations

from typing import get_args

from breastcds.knowledge.decision_points import (
    ALL_DECISION_POINTS,
    ALL_POINTS,
    COURSE,
    EARLY,
    METASTATIC,
    DecisionPoint,
)
from breastcds.model.codes import DecisionPoint as CaseDecisionPoint


def test_knowledge_and_case_name_the_same_points_in_the_same_order() -> None:
    assert tuple(p.value for p in CaseDecisionPoint) == ALL_DECISION_POINTS
    assert get_args(DecisionPoint) == ALL_DECISION_POINTS
    assert frozenset(ALL_DECISION_POINTS) == ALL_POINTS


def test_every_point_is_early_metastatic_or_course() -> None:
    assert set(EARLY) | set(METASTATIC) | set(COURSE) == ALL_POINTS
    assert not (set(EARLY) & set(METASTATIC) or set(EARLY) & set(COURSE))
