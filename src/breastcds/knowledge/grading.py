"""A guideline grade as the knowledge files record it: verified (CSCO level and evidence
category, or NCCN category, with where it was read) or explicitly ``not verified``.

One model for every file that carries a grade: the treatment-option rules
(``knowledge/systemic/*.yaml``, :class:`Grading`) and the radiotherapy regimens of
``knowledge/rt_fractionation.yaml`` (:class:`RowGrading`: the same block plus the CSCO table row
the grade belongs to). Sources: CSCO Breast Cancer Guidelines 2026; docs/csco_grading.md says
when a grade is recorded.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from breastcds.knowledge.bilingual import Bilingual

__all__ = [
    "CscoEvidence",
    "CscoGrade",
    "CscoLevel",
    "Grading",
    "NccnCategory",
    "RowGrading",
    "regimen_grade_text",
    "where_errors",
]

CscoLevel = Literal["I", "II", "III"]
CscoEvidence = Literal["1A", "1B", "2A", "2B", "3"]
NccnCategory = Literal["1", "2A", "2B", "3"]

_CSCO_ORDER = {"I": 0, "II": 1, "III": 2}
_NCCN_ORDER = {"1": 0, "2A": 1, "2B": 2, "3": 3}
_YEAR = re.compile(r"\b(19|20)\d{2}\b")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class CscoGrade(_Strict):
    level: CscoLevel
    evidence: CscoEvidence | None = Field(
        None, description="evidence category; None = not verified"
    )


class Grading(_Strict):
    """A grade is either verified (with where) or explicitly ``not verified``."""

    status: Literal["verified", "not verified"]
    csco: CscoGrade | None = None
    nccn: NccnCategory | None = None
    verified_in: str | None = Field(None, description="where the grade was read (guideline text)")

    @model_validator(mode="after")
    def _consistent(self) -> Grading:
        if self.status == "verified":
            if self.csco is None and self.nccn is None:
                raise ValueError("a verified grading needs a CSCO or NCCN grade")
            if not self.verified_in:
                raise ValueError("a verified grading must say where it was verified (verified_in)")
        elif self.csco is not None or self.nccn is not None:
            raise ValueError("a 'not verified' grading must not carry a CSCO/NCCN grade")
        return self

    def sort_key(self) -> tuple[int, int]:
        csco = _CSCO_ORDER[self.csco.level] if self.csco else 3
        nccn = _NCCN_ORDER[self.nccn] if self.nccn else 4
        return (csco, nccn)

    def label_zh(self) -> str:
        """The grade in Chinese, e.g. 'CSCO I级推荐(证据类别1A)'."""
        if self.status == "not verified":
            return "推荐级别未核实"
        parts = []
        if self.csco is not None:
            ev = f"证据类别{self.csco.evidence}" if self.csco.evidence else "证据类别未核实"
            parts.append(f"CSCO {self.csco.level}级推荐({ev})")
        if self.nccn is not None:
            parts.append(f"NCCN {self.nccn}类")
        return ";".join(parts)

    def label(self) -> str:
        if self.status == "not verified":
            return "grade not verified"
        parts = []
        if self.csco is not None:
            ev = self.csco.evidence or "evidence category not verified"
            parts.append(f"CSCO level {self.csco.level} ({ev})")
        if self.nccn is not None:
            parts.append(f"NCCN category {self.nccn}")
        return "; ".join(parts)


class RowGrading(Grading, Bilingual):
    """A grade that holds in one row of a guideline table only (a radiotherapy regimen: CSCO
    grades it in one stratum of the RT table); ``row`` names the stratum in English and
    Chinese and is required when the grade is verified."""

    row: str | None = Field(None, description="the table row (stratum) the grade belongs to")
    row_zh: str | None = None

    @model_validator(mode="after")
    def _row_named(self) -> RowGrading:
        if self.status == "verified" and not (self.row or "").strip():
            raise ValueError("a verified grade of a regimen must name its table row (row)")
        return self

    def label_with_row(self, lang: str = "en") -> str:
        """The grade and, when verified, its row: 'CSCO level II (2A) — row: ...'."""
        if lang == "zh":
            row = f"（适用分层：{self.row_zh}）" if self.row_zh else ""
            return self.label_zh() + row
        return self.label() + (f" (row: {self.row})" if self.row else "")


def where_errors(owner: str, grading: Grading) -> list[str]:
    """A verified grade must say in which guideline (name and version year) it was read."""
    if grading.status != "verified":
        return []
    where = grading.verified_in or ""
    errors: list[str] = []
    for body, present in (("CSCO", grading.csco is not None), ("NCCN", grading.nccn is not None)):
        if present and not (body in where and _YEAR.search(where)):
            errors.append(
                f"{owner}: verified {body} grade but verified_in does not name the "
                f"{body} guideline with its year and section: {where!r}"
            )
    return errors


def regimen_grade_text(grading: RowGrading | Mapping[str, Any] | None, lang: str = "en") -> str:
    """The verified grade of a regimen with its row, for a reader ('' when not graded).

    Accepts the model or its JSON (a stored result); ``lang`` is ``en`` or ``zh``.
    """
    if grading is None:
        return ""
    g = grading if isinstance(grading, RowGrading) else RowGrading.model_validate(grading)
    if g.status != "verified":
        return ""
    return g.label_with_row(lang)
