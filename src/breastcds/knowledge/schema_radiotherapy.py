"""Schemas and loaders for the radiotherapy knowledge files.

* ``alpha_beta.yaml`` — α/β library (tissue, endpoint, value, source, verification).
* ``reirradiation_constraints.yaml`` — cumulative organ-at-risk constraints for
  re-irradiation (literature-based, adjustable).

Both files are validated with pydantic when loaded; a file that does not match its schema
raises :class:`RadiotherapyKnowledgeError` naming the file and the offending field.
"""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field, ValidationError, model_validator

from breastcds.knowledge.bilingual import Bilingual
from breastcds.knowledge.loader import KnowledgeError, load_yaml
from breastcds.model.reirradiation import METRIC_PATTERN, ORGAN_PATTERN
from breastcds.model.validated_cache import packaged

__all__ = [
    "AlphaBetaEntry",
    "AlphaBetaLibrary",
    "ConstraintCondition",
    "ConstraintEntry",
    "ConstraintTable",
    "RadiotherapyKnowledgeError",
    "Verification",
    "load_alpha_beta_library",
    "load_constraint_table",
    "parse_alpha_beta_library",
    "parse_constraint_table",
]


class RadiotherapyKnowledgeError(KnowledgeError):
    """A radiotherapy knowledge file is missing, not YAML, or does not match its schema."""


class _Strict(Bilingual):
    """Strict, frozen, and every ``x`` text with its ``x_zh`` (see :mod:`..bilingual`)."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class Verification(_Strict):
    status: Literal["verified", "convention", "not_confirmed"]
    checked: str | None = None
    note: str | None = None


class AlphaBetaEntry(_Strict):
    id: str = Field(min_length=1)
    organ: str = Field(pattern=ORGAN_PATTERN)
    tissue: str = Field(min_length=1)
    endpoint: str = Field(min_length=1)
    value_gy: float = Field(gt=0, allow_inf_nan=False)
    ci95_gy: tuple[float, float] | None = None
    alternatives_gy: list[float] = Field(default_factory=list)
    default: bool
    source: str = Field(min_length=10)
    verification: Verification


class AlphaBetaLibrary(_Strict):
    schema_: Literal["alpha_beta/1"] = Field(alias="schema")
    updated: str
    entries: list[AlphaBetaEntry] = Field(min_length=1)

    @model_validator(mode="after")
    def _one_default_per_organ(self) -> AlphaBetaLibrary:
        ids = [e.id for e in self.entries]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"duplicate α/β entry ids: {dupes}")
        organs = sorted({e.organ for e in self.entries})
        for organ in organs:
            n_default = sum(1 for e in self.entries if e.organ == organ and e.default)
            if n_default != 1:
                raise ValueError(
                    f"organ {organ!r} must have exactly one default α/β entry, has {n_default}"
                )
        return self

    def default_for(self, organ: str) -> AlphaBetaEntry | None:
        """The default α/β entry for an organ key, or None when the library has none."""
        for entry in self.entries:
            if entry.organ == organ and entry.default:
                return entry
        return None


class ConstraintCondition(_Strict):
    kind: Literal["min_interval_months", "max_single_course_eqd2_gy"]
    value: float = Field(ge=0, allow_inf_nan=False)


class ConstraintEntry(_Strict):
    id: str = Field(min_length=1)
    organ: str = Field(pattern=ORGAN_PATTERN)
    metric: str = Field(pattern=METRIC_PATTERN)
    alpha_beta_gy: float = Field(gt=0, allow_inf_nan=False)
    limit_eqd2_gy: float | None = Field(default=None, gt=0, allow_inf_nan=False)
    basis: Literal["cumulative", "single_course_reference", "no_limit"]
    description: str = Field(min_length=10)
    description_zh: str | None = None
    conditions: list[ConstraintCondition] = Field(default_factory=list)
    caveats: list[str] = Field(default_factory=list)
    caveats_zh: list[str] = Field(default_factory=list)
    source: str = Field(min_length=10)
    verification: Verification

    @model_validator(mode="after")
    def _limit_matches_basis(self) -> ConstraintEntry:
        if self.basis == "no_limit" and self.limit_eqd2_gy is not None:
            raise ValueError(f"{self.id}: basis 'no_limit' must have limit_eqd2_gy null")
        if self.basis != "no_limit" and self.limit_eqd2_gy is None:
            raise ValueError(f"{self.id}: basis {self.basis!r} needs a numeric limit_eqd2_gy")
        return self


class ConstraintTable(_Strict):
    schema_: Literal["reirradiation_constraints/1"] = Field(alias="schema")
    updated: str
    label: Literal["literature-based, adjustable"]
    constraints: list[ConstraintEntry] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> ConstraintTable:
        keys = [(c.organ, c.metric) for c in self.constraints]
        dupes = sorted({k for k in keys if keys.count(k) > 1})
        if dupes:
            raise ValueError(f"more than one constraint for (organ, metric): {dupes}")
        return self

    def find(self, organ: str, metric: str) -> ConstraintEntry | None:
        """The constraint for an organ and dose metric, or None when the table has none."""
        for entry in self.constraints:
            if entry.organ == organ and entry.metric == metric:
                return entry
        return None


def _format_errors(name: str, exc: ValidationError) -> str:
    parts = []
    for err in exc.errors():
        loc = ".".join(str(x) for x in err["loc"]) or "(root)"
        parts.append(f"{loc}: {err['msg']} (got {err.get('input')!r})")
    return f"knowledge file {name!r} does not match its schema: " + "; ".join(parts)


def parse_alpha_beta_library(data: object, name: str = "alpha_beta.yaml") -> AlphaBetaLibrary:
    """Validate parsed YAML data as an α/β library."""
    try:
        return AlphaBetaLibrary.model_validate(data)
    except ValidationError as exc:
        raise RadiotherapyKnowledgeError(_format_errors(name, exc)) from exc


def parse_constraint_table(
    data: object, name: str = "reirradiation_constraints.yaml"
) -> ConstraintTable:
    """Validate parsed YAML data as a re-irradiation constraint table."""
    try:
        return ConstraintTable.model_validate(data)
    except ValidationError as exc:
        raise RadiotherapyKnowledgeError(_format_errors(name, exc)) from exc


@packaged("knowledge.alpha_beta")
def load_alpha_beta_library() -> AlphaBetaLibrary:
    """The packaged α/β library (``knowledge/alpha_beta.yaml``), validated and cached."""
    return parse_alpha_beta_library(load_yaml("alpha_beta.yaml"))


@packaged("knowledge.reirradiation_constraints")
def load_constraint_table() -> ConstraintTable:
    """The packaged constraint table (``knowledge/reirradiation_constraints.yaml``)."""
    return parse_constraint_table(load_yaml("reirradiation_constraints.yaml"))
