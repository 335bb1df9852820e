"""Schemas and loaders for the radiotherapy-after-breast-conserving-surgery knowledge files.

* ``rt_omission.yaml`` — criteria sets for omitting radiotherapy (one per trial or guideline),
  their reported outcomes, guideline positions and caveats.
* ``rt_fractionation.yaml`` — dose-fractionation regimens and criteria sets for
  ultra-hypofractionation, partial-breast irradiation and the tumour-bed boost.

Every criterion is a condition of :mod:`breastcds.knowledge.conditions` (the same language the
cohort engine compiles to polars) and carries the threshold as its source states it. Both files
are validated with pydantic when loaded; a mismatch raises :class:`KnowledgeError` naming the
file and the field.
"""

from __future__ import annotations

from functools import cached_property
from typing import Literal

from pydantic import ConfigDict, Field, ValidationError, model_validator

from breastcds.knowledge.bilingual import Bilingual
from breastcds.knowledge.conditions import Condition
from breastcds.knowledge.grading import RowGrading
from breastcds.knowledge.loader import KnowledgeError, load_yaml
from breastcds.model.validated_cache import packaged

__all__ = [
    "Caveat",
    "CriteriaSet",
    "Criterion",
    "GuidelinePosition",
    "OmissionSet",
    "Outcome",
    "Presumption",
    "PresumptionNote",
    "RecommendationSet",
    "Regimen",
    "RtFractionationKnowledge",
    "RtOmissionKnowledge",
    "Verification",
    "load_rt_fractionation",
    "load_rt_omission",
    "parse_rt_fractionation",
    "parse_rt_omission",
]

OMISSION_FILE = "rt_omission.yaml"
FRACTIONATION_FILE = "rt_fractionation.yaml"


class _Strict(Bilingual):
    """Strict, frozen, and every ``x`` text with its ``x_zh`` (see :mod:`..bilingual`)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, defer_build=True)


class Verification(_Strict):
    """How a rule's source was checked (``verified``: wording and numbers confirmed)."""

    status: Literal["verified", "not_confirmed"]
    checked: str = Field(min_length=5, description="what was read, where")
    note: str | None = None


class Criterion(_Strict):
    """One named entry criterion: the source's wording and its condition over facts.

    ``when`` is ``None`` only when the case model cannot hold the item (``unrecordable`` then
    says what the source requires); such a criterion can never be judged as met.
    """

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    text: str = Field(min_length=3, description="threshold as the source states it, with units")
    text_zh: str | None = None
    when: Condition | None = None
    unrecordable: str | None = None
    unrecordable_zh: str | None = None
    source: str | None = Field(None, description="when it differs from the set's source")
    note: str | None = None
    note_zh: str | None = None

    @model_validator(mode="after")
    def _when_or_unrecordable(self) -> Criterion:
        if (self.when is None) == (self.unrecordable is None):
            raise ValueError(f"criterion {self.name!r}: give exactly one of when / unrecordable")
        return self

    def condition(self) -> Condition | None:
        """The condition, named after the criterion (reported as one criterion)."""
        return self._named_condition

    @cached_property
    def _named_condition(self) -> Condition | None:
        if self.when is None:
            return None
        return self.when.model_copy(update={"name": self.name})


class Outcome(_Strict):
    """A reported outcome: percentages at a time point, without and with radiotherapy."""

    endpoint: str = Field(min_length=3)
    endpoint_zh: str | None = None
    measure: Literal[
        "local_recurrence", "distant_recurrence", "survival", "quality_of_life", "other"
    ] = Field(description="what the endpoint measures (local_recurrence feeds the summary)")
    years: float | None = Field(None, gt=0, description="time point; None = crude, whole follow-up")
    without_rt_percent: float | None = Field(None, ge=0, le=100)
    with_rt_percent: float | None = Field(None, ge=0, le=100)
    note: str | None = None
    note_zh: str | None = None
    source: str = Field(min_length=10)


class CriteriaSet(_Strict):
    """A named set of entry criteria from one trial or guideline (all must hold)."""

    id: str = Field(pattern=r"^[A-Z][A-Z0-9_]*$")
    name: str = Field(min_length=2)
    name_zh: str | None = Field(
        None, description="the name for a Chinese reader (trial names as written)"
    )
    criteria: list[Criterion] = Field(min_length=1)
    source: str = Field(min_length=10)
    verification: Verification
    notes: list[str] = Field(default_factory=list)
    notes_zh: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique_criteria(self) -> CriteriaSet:
        names = [c.name for c in self.criteria]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"set {self.id}: duplicate criterion names {dupes}")
        return self

    def condition(self) -> Condition:
        """All judgeable criteria as one ``all`` condition (for evaluation or polars)."""
        return self._all_condition

    @cached_property
    def _all_condition(self) -> Condition:
        parts = [c for c in (x.condition() for x in self.criteria) if c is not None]
        return Condition.model_validate({"all": parts})

    def unrecordable(self) -> list[Criterion]:
        return [c for c in self.criteria if c.when is None]


OmissionRole = Literal["supports_omission", "ongoing_trial", "rt_benefit_evidence"]


class OmissionSet(CriteriaSet):
    """Entry criteria of an omission trial or guideline, with what it asked and found.

    ``role``: ``supports_omission`` (reported results or guideline text that make omission an
    option to discuss), ``ongoing_trial`` (no result yet), ``rt_benefit_evidence`` (a trial in
    which radiotherapy reduced local recurrence; shown for the size of that reduction).
    """

    kind: Literal["randomised_trial", "prospective_cohort", "guideline"]
    role: OmissionRole
    question: str = Field(min_length=5)
    question_zh: str | None = None
    outcomes: list[Outcome] = Field(default_factory=list)


class GuidelinePosition(_Strict):
    id: str = Field(pattern=r"^[A-Z][A-Z0-9_]*$")
    body: str
    year: int = Field(ge=1990, le=2100)
    text: str = Field(min_length=10)
    text_zh: str | None = None
    set_id: str | None = Field(None, description="the criteria set that encodes this position")
    source: str = Field(min_length=10)
    verification: Verification


class Caveat(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    text: str = Field(min_length=10)
    text_zh: str | None = None
    source: str = Field(min_length=10)


class PresumptionNote(_Strict):
    """What the radiotherapy section says when the course-level reading of a criterion changes
    a set's verdict: the first note whose ``when`` holds (``None``: otherwise)."""

    when: Condition | None = None
    text: str = Field(min_length=10)
    text_zh: str | None = None


class Presumption(_Strict):
    """How the course-level decision reads one criterion of every supporting set that has it.

    The radiotherapy section judges the criterion as written and, in the same pass, with
    ``when`` beside it (e.g. an endocrine therapy presumed rather than recorded as planned); the
    course-of-care action (an options rule reading ``rt_omission_supported``) reads the second.
    ``notes`` say so in the section (never as a recorded fact).
    """

    criterion: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    text: str = Field(min_length=10, description="what the course-level criterion requires")
    text_zh: str | None = None
    when: Condition
    source: str = Field(min_length=10)
    notes: list[PresumptionNote] = Field(min_length=1)

    def condition(self) -> Condition:
        """The presumption's condition, named after the criterion it stands for."""
        return self._named_condition

    @cached_property
    def _named_condition(self) -> Condition:
        return self.when.model_copy(update={"name": self.criterion})

    @model_validator(mode="after")
    def _otherwise_last(self) -> Presumption:
        if any(n.when is None for n in self.notes[:-1]):
            raise ValueError(f"presumption {self.criterion!r}: only the last note may omit 'when'")
        if self.notes[-1].when is not None:
            raise ValueError(f"presumption {self.criterion!r}: the last note has no 'when'")
        return self


class RtOmissionKnowledge(_Strict):
    schema_: Literal["rt_omission/1"] = Field(alias="schema")
    updated: str
    applicability: list[Criterion] = Field(min_length=1)
    sets: list[OmissionSet] = Field(min_length=1)
    guidelines: list[GuidelinePosition] = Field(default_factory=list)
    caveats: list[Caveat] = Field(default_factory=list)
    course_presumptions: list[Presumption] = Field(
        default_factory=list, description="criteria the course-level decision reads otherwise"
    )

    def presumption(self, criterion: str) -> Presumption | None:
        """The course-level reading of the criterion named ``criterion``, if any (both engines
        evaluate it beside the criterion as written, for the supporting sets)."""
        return self._presumptions.get(criterion)

    @cached_property
    def _presumptions(self) -> dict[str, Presumption]:
        return {p.criterion: p for p in self.course_presumptions}

    @model_validator(mode="after")
    def _references(self) -> RtOmissionKnowledge:
        ids = [s.id for s in self.sets]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"duplicate set ids: {dupes}")
        for g in self.guidelines:
            if g.set_id is not None and g.set_id not in ids:
                raise ValueError(f"guideline {g.id}: unknown set_id {g.set_id!r}")
        criteria = {c.name for s in self.sets for c in s.criteria}
        presumed = [p.criterion for p in self.course_presumptions]
        for p in self.course_presumptions:
            if p.criterion not in criteria:
                raise ValueError(f"course presumption: unknown criterion {p.criterion!r}")
            if presumed.count(p.criterion) > 1:
                raise ValueError(f"course presumption: {p.criterion!r} given twice")
        for c in self.applicability:
            if c.when is None:
                raise ValueError(f"applicability criterion {c.name!r} needs a condition")
        return self


class Regimen(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str
    name_zh: str | None = None
    target: Literal["whole_breast", "partial_breast", "tumour_bed_boost"]
    dose_gy: float = Field(gt=0, le=80)
    fractions: int = Field(ge=1, le=40)
    weeks: float = Field(gt=0, le=8)
    evidence: str = Field(min_length=10)
    evidence_zh: str | None = None
    source: str = Field(min_length=10)
    verification: Verification
    grading: RowGrading | None = Field(
        None,
        description=(
            "CSCO grade of the regimen in the RT table row it names (same block as an option "
            "rule's grading, plus the row); None = the table grades no such regimen"
        ),
    )


class RecommendationSet(CriteriaSet):
    """Criteria for a fractionation / partial-breast / boost recommendation.

    ``meaning`` says what *meets* means (e.g. "suitable for partial-breast irradiation").
    """

    topic: Literal["fractionation", "partial_breast", "boost"]
    meaning: str = Field(min_length=5)
    meaning_zh: str | None = None
    regimens: list[str] = Field(default_factory=list)


class RtFractionationKnowledge(_Strict):
    schema_: Literal["rt_fractionation/1"] = Field(alias="schema")
    updated: str
    regimens: list[Regimen] = Field(min_length=1)
    sets: list[RecommendationSet] = Field(min_length=1)
    positions: list[GuidelinePosition] = Field(default_factory=list)

    @model_validator(mode="after")
    def _references(self) -> RtFractionationKnowledge:
        regimen_ids = {r.id for r in self.regimens}
        ids = [s.id for s in self.sets]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"duplicate set ids: {dupes}")
        for s in self.sets:
            unknown = sorted(set(s.regimens) - regimen_ids)
            if unknown:
                raise ValueError(f"set {s.id}: unknown regimens {unknown}")
        return self


def _error(name: str, exc: ValidationError) -> KnowledgeError:
    lines = [f"{'.'.join(str(p) for p in e['loc']) or '(file)'}: {e['msg']}" for e in exc.errors()]
    return KnowledgeError(
        f"knowledge file {name!r} does not match its schema:\n" + "\n".join(lines)
    )


def parse_rt_omission(data: object, name: str = OMISSION_FILE) -> RtOmissionKnowledge:
    """Validate parsed YAML of ``rt_omission.yaml``."""
    try:
        return RtOmissionKnowledge.model_validate(data)
    except ValidationError as exc:
        raise _error(name, exc) from exc


def parse_rt_fractionation(
    data: object, name: str = FRACTIONATION_FILE
) -> RtFractionationKnowledge:
    """Validate parsed YAML of ``rt_fractionation.yaml``."""
    try:
        return RtFractionationKnowledge.model_validate(data)
    except ValidationError as exc:
        raise _error(name, exc) from exc


@packaged("knowledge.rt_omission")
def load_rt_omission() -> RtOmissionKnowledge:
    """The packaged omission knowledge, validated (cached)."""
    return parse_rt_omission(load_yaml(OMISSION_FILE))


@packaged("knowledge.rt_fractionation")
def load_rt_fractionation() -> RtFractionationKnowledge:
    """The packaged fractionation / partial-breast / boost knowledge, validated (cached)."""
    return parse_rt_fractionation(load_yaml(FRACTIONATION_FILE))
