"""The assessment: one structured result with stable machine codes, reasons and provenance."""

from __future__ import annotations

from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field


class _Result(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)


class MissingInput(_Result):
    """A missing-data prompt: the exact case field that would change the answer."""

    field: str
    reason: str


class Warning_(_Result):
    """An accepted but implausible or noteworthy input."""

    field: str
    message: str


Her2Status = Literal["positive", "negative", "pending"]
Her2Category = Literal["HER2-0", "HER2-ultralow", "HER2-low", "HER2-positive", "pending"]


class Her2Result(_Result):
    status: Her2Status
    category: Her2Category
    ish_group: int | None = Field(
        None, description="ASCO/CAP dual-probe ISH group (1-5) of the first count, when ISH decided"
    )
    ish_group_recount: int | None = None
    reasons: list[str]
    missing: list[MissingInput] = Field(default_factory=list)
    comments: list[str] = Field(default_factory=list)
    source: str


ReceptorStatus = Literal["positive", "low_positive", "negative", "not_recorded"]


class ReceptorResult(_Result):
    receptor: Literal["ER", "PR"]
    status: ReceptorStatus
    percent: float | None
    reasons: list[str]
    source: str


Ki67Group = Literal["low", "intermediate", "high", "not_recorded"]


class Ki67Result(_Result):
    percent: float | None
    group: Ki67Group = Field(description="IKWG 2021: <=5 low, >=30 high, between not reliable")
    reasons: list[str]
    source: str


Subtype = Literal[
    "luminal_a",
    "luminal_b_her2_negative",
    "luminal_b_her2_positive",
    "her2_enriched",
    "triple_negative",
    "flag_er_low",
    "unclassified",
    "pending",
]


class SubtypeResult(_Result):
    subtype: Subtype
    ki67_cutoff_percent: float
    reasons: list[str]
    missing: list[MissingInput] = Field(default_factory=list)
    source: str


class PrognosticStageResult(_Result):
    stage: str | None
    status: Literal["assigned", "not_assignable", "not_applicable"]
    reasons: list[str]
    missing: list[MissingInput] = Field(default_factory=list)
    row_id: str | None = None
    source: str


class StageResult(_Result):
    """AJCC 8th edition staging of one setting (pathological or clinical)."""

    setting: Literal["pathological", "clinical", "post_neoadjuvant"]
    t: str | None
    n: str | None
    m: str | None
    t_origin: Literal["recorded", "derived", "missing"]
    n_origin: Literal["recorded", "derived", "missing"]
    m_origin: Literal["recorded", "derived", "missing"]
    anatomic: str | None
    anatomic_row_id: str | None = None
    prognostic: PrognosticStageResult | None = None
    reasons: list[str]
    missing: list[MissingInput] = Field(default_factory=list)
    source: str


class Classification(_Result):
    her2: Her2Result
    er: ReceptorResult
    pr: ReceptorResult
    ki67: Ki67Result
    subtype: SubtypeResult
    stage_pathological: StageResult
    stage_clinical: StageResult


class Citation(_Result):
    rule: str
    source: str


class Provenance(_Result):
    breastcds_version: str
    knowledge_version: str
    case_schema_version: str
    assessed_at: str = Field(description="UTC timestamp, ISO 8601")
    sources: list[Citation]


SectionsT = TypeVar("SectionsT")


class AssessmentOf(_Result, Generic[SectionsT]):
    """The envelope of one assessment, generic in the type of its sections.

    The typed result of :func:`breastcds.assess` is ``breastcds.capabilities.Assessment``
    (sections typed by capability, one field each); :class:`AssessmentRecord` reads back an
    assessment stored by any version (sections as plain JSON, nothing dropped). The section
    models live with their capabilities, above this layer, hence the parameter.
    """

    case_id: str | None
    codes: dict[str, str | int | float | None] = Field(
        description="stable machine codes, e.g. 'her2.category', 'subtype', 'stage.anatomic'"
    )
    classification: Classification
    sections: SectionsT = Field(
        description="capability sections (options, radiotherapy, reirradiation, prognosis); "
        "a section that does not apply to the case is left out"
    )
    warnings: list[Warning_] = Field(default_factory=list)
    missing: list[MissingInput] = Field(default_factory=list)
    provenance: Provenance

    def sections_json(self) -> dict[str, Any]:
        """The present sections by name, as JSON data (in the order of the assessment)."""
        s: Any = self.sections
        data = s.model_dump(mode="json") if isinstance(s, BaseModel) else dict(s)
        return {
            k: v.model_dump(mode="json") if isinstance(v, BaseModel) else v
            for k, v in data.items()
            if v is not None
        }


class AssessmentRecord(AssessmentOf[dict[str, Any]]):
    """An assessment read back from storage (any version): sections kept as plain JSON, so a
    section whose shape has changed since, or one this version does not know, is not lost."""
