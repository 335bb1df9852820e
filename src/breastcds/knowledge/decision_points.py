"""The decision points of the course of care: the vocabulary the knowledge files name.

Option rules (``knowledge/systemic/*.yaml``), the guards (``knowledge/guards.yaml``) and the
precedence table that infers a case's decision point (``knowledge/decision_points.yaml``) all
name these points; the case model records one as ``model.codes.DecisionPoint`` (the same names,
in the same order; a test keeps them equal). Reference: clinical_course.md section 1.1.
"""

from __future__ import annotations

from typing import Literal

__all__ = ["ALL_DECISION_POINTS", "ALL_POINTS", "COURSE", "EARLY", "METASTATIC", "DecisionPoint"]

DecisionPoint = Literal[
    "surgery", "axilla", "neoadjuvant", "adjuvant", "post_neoadjuvant", "extended_adjuvant",
    "metastatic_line_1", "metastatic_line_2", "metastatic_line_3plus", "locoregional_recurrence",
    "dcis", "follow_up",
]  # fmt: skip
EARLY: tuple[DecisionPoint, ...] = (
    "surgery", "axilla", "neoadjuvant", "adjuvant", "post_neoadjuvant", "extended_adjuvant",
    "follow_up",
)  # fmt: skip
METASTATIC: tuple[DecisionPoint, ...] = (
    "metastatic_line_1", "metastatic_line_2", "metastatic_line_3plus",
)  # fmt: skip
COURSE: tuple[DecisionPoint, ...] = ("locoregional_recurrence", "dcis")
"""Decision points of the course that are neither early primary nor metastatic lines."""
ALL_DECISION_POINTS: tuple[DecisionPoint, ...] = EARLY[:6] + METASTATIC + COURSE + ("follow_up",)
ALL_POINTS: frozenset[str] = frozenset(ALL_DECISION_POINTS)
