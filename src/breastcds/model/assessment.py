"""The assessment: one structured result with stable machine codes, reasons and provenance."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class _Result(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


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


class Assessment(_Result):
    """The one result of :func:`breastcds.assess`. Later capabilities add sections."""

    case_id: str | None
    codes: dict[str, str | int | float | None] = Field(
        description="stable machine codes, e.g. 'her2.category', 'subtype', 'stage.anatomic'"
    )
    classification: Classification
    sections: dict[str, Any] = Field(
        default_factory=dict,
        description="capability sections (options, radiotherapy, reirradiation, prognosis)",
    )
    warnings: list[Warning_] = Field(default_factory=list)
    missing: list[MissingInput] = Field(default_factory=list)
    provenance: Provenance
