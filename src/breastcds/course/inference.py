"""Decision point inferred from the course of care (clinical_course.md 1.1-1.2), with reasons.

The precedence is data (``knowledge/decision_points.yaml``) run by
:mod:`breastcds.knowledge.precedence` (one interpreter, one polars compiler, re-exported here);
:func:`decision_point` adds the reasons a board reads with it. A decision point named by the
case overrides the inference.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from breastcds.knowledge.once import once_per_assessment
from breastcds.knowledge.precedence import (
    fallback,
    fallback_applies,
    first_true_row,
    precedence,
    table_facts,
    to_polars,
)
from breastcds.model.assessment import Classification
from breastcds.model.case import Case

__all__ = [
    "InferredDecisionPoint", "course_summary", "decision_point", "fallback", "fallback_applies",
    "precedence", "table_facts", "to_polars",
]  # fmt: skip

CoursePoint = str


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, defer_build=True)


class InferredDecisionPoint(_Strict):
    """The decision point of one case and why."""

    decision_point: str | None
    inferred: bool = Field(description="False when the case named its decision point")
    reason_en: str
    reason_zh: str
    criteria: list[str] = Field(default_factory=list, description="criteria that decided it")
    skipped: list[str] = Field(
        default_factory=list, description="rows that could not be judged (fields to record)"
    )


@once_per_assessment
def decision_point(case: Case, c: Classification) -> InferredDecisionPoint:
    """The case's decision point, else the first precedence row that holds (pure; once per
    assessment: the ``decision_point`` fact and the options engine share it)."""
    if case.decision_point is not None:
        dp = case.decision_point.value
        return InferredDecisionPoint(
            decision_point=dp,
            inferred=False,
            reason_en=f"{dp}: named by the case",
            reason_zh=f"{dp}:病例指定",
        )
    first = first_true_row(case, c)
    if first.row is not None and first.outcome is not None:
        row = first.row
        summary = course_summary(case, c)
        tail = f" ({summary})" if summary else ""
        return InferredDecisionPoint(
            decision_point=row.decision_point,
            inferred=True,
            reason_en=f"{row.decision_point}: {row.reason.en}{tail}",
            reason_zh=f"{row.decision_point}:{row.reason.zh}{tail}",
            criteria=list(first.outcome.passed),
            skipped=list(first.skipped),
        )
    return InferredDecisionPoint(
        decision_point=None,
        inferred=True,
        reason_en="the decision point cannot be inferred from what is recorded",
        reason_zh="根据现有记录无法推断决策节点",
        skipped=list(first.skipped),
    )


def course_summary(case: Case, c: Classification) -> str:
    """The history facts a board reads first, as recorded (machine codes, units in the text)."""
    t = case.treatment
    parts: list[str] = []
    if t.recurrence is not None and t.recurrence.site is not None:
        when = t.recurrence.months_since_diagnosis
        parts.append(
            f"recurrence: {t.recurrence.site.value}"
            + (f", {when:g} months after diagnosis" if when is not None else "")
        )
    if t.de_novo_metastatic:
        parts.append("de novo stage IV, no prior therapy")
    chemotherapy = chemotherapy_timing(case, c)
    if chemotherapy is not None:
        parts.append(chemotherapy)
    if t.surgery is not None and t.surgery.type is not None:
        parts.append(f"surgery: {t.surgery.type.value}")
    if t.neoadjuvant is not None:
        parts.append("neoadjuvant: " + (", ".join(t.neoadjuvant.agents) or "agents not recorded"))
    regions = [c.region.value for c in t.radiotherapy_courses if c.region is not None]
    if regions:
        parts.append("radiotherapy: " + ", ".join(regions))
    if t.endocrine is not None and t.endocrine.agents:
        years = t.endocrine.years_completed
        parts.append(
            "endocrine: "
            + ", ".join(t.endocrine.agents)
            + (f" {years:g} years" if years is not None else "")
        )
    if t.metastatic_lines:
        parts.append(f"metastatic lines recorded: {len(t.metastatic_lines)}")
    return "; ".join(parts)


def chemotherapy_timing(case: Case, c: Classification) -> str | None:
    """How the relapse windows read the end of (neo)adjuvant chemotherapy (for the reason
    shown with the decision point): recorded, bounded by the diagnosis, or not recorded; None
    without a relapse or when no (neo)adjuvant chemotherapy is recorded (the derived fact
    ``chemotherapy_before_relapse``)."""
    from breastcds.knowledge.facts import FACTS

    t = case.treatment
    rec = t.recurrence
    if rec is None or rec.site is None:
        return None
    if FACTS["chemotherapy_before_relapse"].extract(case, c) is False:
        return None
    if t.months_since_chemotherapy is not None:
        return f"chemotherapy ended {t.months_since_chemotherapy:g} months before the relapse"
    if rec.months_since_diagnosis is not None:
        return (
            "end of chemotherapy not recorded: the relapse windows are bounded by the "
            f"{rec.months_since_diagnosis:g} months since diagnosis (a window holds only when "
            "the diagnosis is within it)"
        )
    return "end of chemotherapy not recorded (treatment.months_since_chemotherapy)"
