"""Cautions due to the course of care (knowledge/course_cautions.yaml; clinical_course.md 2.2).

Evaluated with the condition language at the decision point, as the option rules are.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from breastcds.knowledge.bilingual import EnZh
from breastcds.knowledge.conditions import Condition, evaluate
from breastcds.knowledge.schema import validate_file
from breastcds.model.case import Case
from breastcds.model.validated_cache import packaged


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class CourseCaution(_Strict):
    factor: str = Field(pattern=r"^[a-z0-9_]+$")
    decision_points: list[str] = Field(min_length=1)
    when: Condition
    text: EnZh
    source: str = Field(min_length=10)


class CourseCautions(_Strict):
    version: int
    reviewed: str
    cautions: list[CourseCaution]


@packaged("course.cautions")
def course_cautions() -> CourseCautions:
    """The packaged course cautions, validated."""
    return validate_file(CourseCautions, "course_cautions.yaml")


def prior_radiotherapy(case: Case) -> str:
    """'whole_breast 40.05 Gy / 15 fractions, 70 months ago; ...' (what is recorded)."""
    parts = []
    for course in case.treatment.radiotherapy_courses:
        bits = [course.region_described() or "region not recorded"]
        if course.total_dose_gy is not None:
            dose = f"{course.total_dose_gy:g} Gy"
            if course.fractions is not None:
                dose += f" / {course.fractions} fractions"
            bits.append(dose)
        if course.months_ago is not None:
            bits.append(f"{course.months_ago:g} months ago")
        parts.append(" ".join(bits[:2]) + (f", {bits[2]}" if len(bits) > 2 else ""))
    return "; ".join(parts) or "details not recorded"


def applicable(
    dp: str, case: Case, facts: Mapping[str, Any]
) -> list[tuple[CourseCaution, str, str]]:
    """(caution, text en, text zh) of every course caution that holds at ``dp``."""
    out = []
    for caution in course_cautions().cautions:
        if dp in caution.decision_points and evaluate(caution.when, facts).value is True:
            fill = {"prior_radiotherapy": prior_radiotherapy(case)}
            out.append((caution, caution.text.en.format(**fill), caution.text.zh.format(**fill)))
    return out
