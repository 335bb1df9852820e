"""Which missing-data prompts can change an answer (knowledge/prompt_relevance.yaml).

A prompt whose field is listed by a rule whose condition holds is dropped (clinical_course.md
13). :func:`irrelevant` serves the one-patient engine; :func:`dropped_when` gives the polars
expression of the same conditions for the cohort engine.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field

from breastcds.knowledge.conditions import Condition, evaluate, to_polars
from breastcds.knowledge.schema import validate_file

if TYPE_CHECKING:  # polars only for the cohort engine's compiler (one-case start-up)
    import polars as pl


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class RelevanceRule(_Strict):
    id: str = Field(pattern=r"^[a-z0-9_]+$")
    fields: list[str] = Field(min_length=1)
    when: Condition
    reason: str = Field(min_length=10)


class PromptRelevance(_Strict):
    version: int
    reviewed: str
    rules: list[RelevanceRule]


@cache
def relevance() -> PromptRelevance:
    """The packaged prompt-relevance table, validated."""
    return validate_file(PromptRelevance, "prompt_relevance.yaml")


def irrelevant(field: str, facts: Mapping[str, Any]) -> bool:
    """The prompt for ``field`` cannot change an answer for this case."""
    return any(
        field in r.fields and evaluate(r.when, facts).value is True for r in relevance().rules
    )


def dropped_when(field: str) -> pl.Expr:
    """Polars: the prompt for ``field`` is dropped (false where no rule lists the field)."""
    import polars as pl

    exprs = [to_polars(r.when).fill_null(False) for r in relevance().rules if field in r.fields]
    return pl.any_horizontal(exprs) if exprs else pl.lit(False)
