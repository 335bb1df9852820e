"""Schemas of the biomarker and stage-group knowledge files (validated when first loaded)."""

from __future__ import annotations

from typing import Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from breastcds.knowledge.loader import KnowledgeError, load_yaml
from breastcds.model.validated_cache import packaged

_M = TypeVar("_M", bound=BaseModel)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class Her2Knowledge(_Strict):
    source: str
    ish_ratio_cutoff: float
    ish_copies_cutoff_low: float
    ish_copies_cutoff_high: float
    single_probe_positive_copies: float
    single_probe_negative_copies: float
    categories_source: dict[str, str]


class ReceptorKnowledge(_Strict):
    source: str
    positive_min_percent: float
    low_positive_max_percent: float


class Ki67Knowledge(_Strict):
    source: str
    low_max_percent: float
    high_min_percent: float


class SubtypeKnowledge(_Strict):
    source: str
    ki67_high_min_percent: float
    pr_high_min_percent: float
    oncotype_high_min_rs: int


class BiomarkerKnowledge(_Strict):
    her2: Her2Knowledge
    hormone_receptors: ReceptorKnowledge
    ki67: Ki67Knowledge
    subtype: SubtypeKnowledge


class StageRow(_Strict):
    id: str
    t: list[str] = Field(min_length=1)
    n: list[str] = Field(min_length=1)
    m: Literal["M0", "M1"]
    stage: str


class StageTable(_Strict):
    table: str
    version: str
    source: str
    rows: list[StageRow]


@packaged("knowledge.biomarkers")
def biomarkers() -> BiomarkerKnowledge:
    """Validated biomarkers.yaml."""
    return validate_file(BiomarkerKnowledge, "biomarkers.yaml")


@packaged("knowledge.anatomic_stage")
def anatomic_stage_table() -> StageTable:
    """Validated ajcc8_anatomic_stage.yaml."""
    return validate_file(StageTable, "ajcc8_anatomic_stage.yaml")


def validate_file(model: type[_M], name: str) -> _M:
    """A packaged knowledge file validated against its schema (KnowledgeError naming the file)."""
    try:
        return model.model_validate(load_yaml(name))
    except ValidationError as exc:
        raise KnowledgeError(f"knowledge file {name!r} does not match its schema: {exc}") from exc
