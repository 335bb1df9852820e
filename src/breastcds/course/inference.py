"""Decision point inferred from the course of care (clinical_course.md 1.1-1.2).

The precedence is data (``knowledge/decision_points.yaml``): an ordered table of conditions in
the condition language. :func:`decision_point` evaluates it for one case (first row that is
true; a row that cannot be judged is skipped and reported); :func:`to_polars` compiles the same
table into one polars expression for the cohort engine. A decision point named by the case
overrides the inference.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from breastcds.knowledge.conditions import Condition, evaluate
from breastcds.knowledge.loader import KnowledgeError
from breastcds.knowledge.once import once_per_assessment
from breastcds.knowledge.schema import validate_file
from breastcds.model.assessment import Classification
from breastcds.model.case import Case

if TYPE_CHECKING:  # the cohort engine's dependency; one-patient assessment does not load it
    import polars as pl

CoursePoint = str


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, defer_build=True)


class Reason(_Strict):
    en: str = Field(min_length=1)
    zh: str = Field(min_length=1)


class Row(_Strict):
    decision_point: str = Field(pattern=r"^[a-z0-9_]+$")
    when: Condition
    reason: Reason


class FallbackRow(_Strict):
    """Decision points that apply when none is named or inferred (``when``: first true row)."""

    when: Condition | None = None
    decision_points: list[str] = Field(min_length=1)


class Precedence(_Strict):
    version: int
    reviewed: str
    source: list[dict[str, Any]] = Field(min_length=1)
    anchors: dict[str, object] = Field(default_factory=dict, alias="x-conditions")
    precedence: list[Row] = Field(min_length=1)
    fallback: list[FallbackRow] = Field(min_length=1)

    @model_validator(mode="after")
    def _fallback_ends_unconditionally(self) -> Precedence:
        conds = [row.when is None for row in self.fallback]
        if conds[-1] is False or any(conds[:-1]):
            raise ValueError("fallback: only the last row, and it always, has no condition")
        return self


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


@cache
def precedence() -> Precedence:
    """The packaged precedence table, validated."""
    import breastcds.options.facts_systemic  # noqa: F401  (registers the course facts)

    table = validate_file(Precedence, "decision_points.yaml")
    from breastcds.knowledge.decision_points import ALL_POINTS

    named = [row.decision_point for row in table.precedence]
    named += [dp for row in table.fallback for dp in row.decision_points]
    for dp in named:
        if dp not in ALL_POINTS:
            raise KnowledgeError(f"knowledge/decision_points.yaml: unknown decision point {dp!r}")
    return table


def table_facts() -> set[str]:
    """Every fact the precedence table reads."""
    out: set[str] = set()
    for row in precedence().precedence:
        out |= row.when.facts()
    return out


def fallback(facts: Mapping[str, Any]) -> list[str]:
    """The decision points that apply when none is named or inferred (first true row)."""
    for row in precedence().fallback:
        if row.when is None or evaluate(row.when, facts).value is True:
            return list(row.decision_points)
    raise AssertionError("the validated fallback ends unconditionally")  # pragma: no cover


def fallback_applies(dp: str) -> pl.Expr:
    """Polars: ``dp`` is one of the fallback's decision points (a null condition does not hold,
    as :func:`fallback` passes over a row that cannot be judged)."""
    import polars as pl

    from breastcds.knowledge.conditions import to_polars as compile_condition

    expr: Any = None
    for row in precedence().fallback:
        applies = pl.lit(dp in row.decision_points)
        if row.when is None:
            return applies if expr is None else expr.otherwise(applies)
        cond = compile_condition(row.when)
        expr = (pl.when(cond) if expr is None else expr.when(cond)).then(applies)
    raise AssertionError("the validated fallback ends unconditionally")  # pragma: no cover


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
    from breastcds.knowledge.facts import FACTS

    facts = {name: FACTS[name].extract(case, c) for name in table_facts()}
    skipped: list[str] = []
    for row in precedence().precedence:
        out = evaluate(row.when, facts)
        if out.value is True:
            summary = course_summary(case)
            tail = f" ({summary})" if summary else ""
            return InferredDecisionPoint(
                decision_point=row.decision_point,
                inferred=True,
                reason_en=f"{row.decision_point}: {row.reason.en}{tail}",
                reason_zh=f"{row.decision_point}:{row.reason.zh}{tail}",
                criteria=list(out.passed),
                skipped=skipped,
            )
        if out.value is None:
            fields = sorted({f for u in out.unknown for f in u.fields})
            skipped.append(f"{row.decision_point} not judged ({', '.join(fields)})")
    return InferredDecisionPoint(
        decision_point=None,
        inferred=True,
        reason_en="the decision point cannot be inferred from what is recorded",
        reason_zh="根据现有记录无法推断决策节点",
        skipped=skipped,
    )


def course_summary(case: Case) -> str:
    """The history facts a board reads first, as recorded (machine codes, units in the text)."""
    t = case.treatment
    parts: list[str] = []
    if t.recurrence is not None and t.recurrence.site is not None:
        when = t.recurrence.months_since_diagnosis
        parts.append(
            f"recurrence: {t.recurrence.site.value}"
            + (f", {when:g} months after diagnosis" if when is not None else "")
        )
    from breastcds.course.history import chemotherapy_timing

    if t.de_novo_metastatic:
        parts.append("de novo stage IV, no prior therapy")
    chemotherapy = chemotherapy_timing(case)
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


def to_polars() -> pl.Expr:
    """The precedence table as one polars expression (null = cannot be inferred).

    ``when`` treats a null condition as not holding, as :func:`decision_point` skips a row
    that cannot be judged.
    """
    import polars as pl

    from breastcds.knowledge.conditions import to_polars as compile_condition

    rows = precedence().precedence
    expr: Any = pl.when(compile_condition(rows[0].when)).then(pl.lit(rows[0].decision_point))
    for row in rows[1:]:
        expr = expr.when(compile_condition(row.when)).then(pl.lit(row.decision_point))
    return expr.otherwise(pl.lit(None, dtype=pl.String))  # type: ignore[no-any-return]
