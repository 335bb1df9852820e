"""The decision-point precedence table (knowledge/decision_points.yaml): one interpreter, one
polars compiler.

An ordered table of conditions in the condition language (clinical_course.md 1.1-1.2).
:func:`first_true_row` evaluates it for one case (first row that is true; a row that cannot be
judged is skipped and reported); :func:`to_polars` compiles the same table into one polars
expression for the cohort engine. The ``decision_point`` fact (:mod:`breastcds.knowledge.facts`)
is the case's decision point, else the first true row's; ``course/inference.py`` adds the
reasons shown with it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from breastcds.knowledge.bilingual import EnZh
from breastcds.knowledge.conditions import Condition, Outcome, evaluate
from breastcds.knowledge.loader import KnowledgeError
from breastcds.knowledge.once import once_per_assessment
from breastcds.knowledge.schema import validate_file
from breastcds.model.assessment import Classification
from breastcds.model.case import Case

if TYPE_CHECKING:  # the cohort engine's dependency; one-patient assessment does not load it
    import polars as pl


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Row(_Strict):
    decision_point: str = Field(pattern=r"^[a-z0-9_]+$")
    when: Condition
    reason: EnZh


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


@cache
def precedence() -> Precedence:
    """The packaged precedence table, validated."""
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


@dataclass(frozen=True)
class FirstRow:
    """The first precedence row that holds for one case (None: none holds), its outcome, and
    the rows before it that could not be judged."""

    row: Row | None
    outcome: Outcome | None
    skipped: list[str] = field(default_factory=list)


@once_per_assessment
def first_true_row(case: Case, c: Classification) -> FirstRow:
    """The first precedence row that is true for the case (pure; once per assessment)."""
    from breastcds.knowledge.facts import FACTS

    facts = {name: FACTS[name].extract(case, c) for name in table_facts()}
    skipped: list[str] = []
    for row in precedence().precedence:
        out = evaluate(row.when, facts)
        if out.value is True:
            return FirstRow(row, out, skipped)
        if out.value is None:
            fields = sorted({f for u in out.unknown for f in u.fields})
            skipped.append(f"{row.decision_point} not judged ({', '.join(fields)})")
    return FirstRow(None, None, skipped)


def decision_point(case: Case, c: Classification) -> str | None:
    """The case's decision point, else the first precedence row's (None: cannot be inferred)."""
    if case.decision_point is not None:
        return case.decision_point.value
    row = first_true_row(case, c).row
    return None if row is None else row.decision_point


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


def to_polars() -> pl.Expr:
    """The precedence table as one polars expression (null = cannot be inferred).

    ``when`` treats a null condition as not holding, as :func:`first_true_row` skips a row
    that cannot be judged.
    """
    import polars as pl

    from breastcds.knowledge.conditions import to_polars as compile_condition

    rows = precedence().precedence
    expr: Any = pl.when(compile_condition(rows[0].when)).then(pl.lit(rows[0].decision_point))
    for row in rows[1:]:
        expr = expr.when(compile_condition(row.when)).then(pl.lit(row.decision_point))
    return expr.otherwise(pl.lit(None, dtype=pl.String))  # type: ignore[no-any-return]
