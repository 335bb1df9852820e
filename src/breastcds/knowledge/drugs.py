"""The drug catalogue (knowledge/drugs.yaml): INN, class, flags, Chinese generic name, aliases."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from breastcds.knowledge.loader import KnowledgeError, parse_yaml, read_text
from breastcds.language.expressions import DrugAttribute
from breastcds.model.validated_cache import packaged

DrugClass = Literal[
    "taxane", "anthracycline", "alkylating_agent", "platinum", "antimetabolite",
    "microtubule_inhibitor", "anti_her2_antibody", "anti_her2_adc", "anti_her2_tki", "serm",
    "aromatase_inhibitor", "serd", "ovarian_function_suppression", "cdk46_inhibitor",
    "pi3k_inhibitor", "akt_inhibitor", "mtor_inhibitor", "parp_inhibitor", "checkpoint_inhibitor",
    "trop2_adc", "bisphosphonate", "rankl_inhibitor", "hdac_inhibitor", "anti_vegf_antibody",
    "vegfr_tki",
]  # fmt: skip

#: The classes of clinical_course.md §11 (``group`` of a drug), read by the guards.
DrugGroup = Literal[
    "anthracycline", "taxane", "platinum", "other_cytotoxic", "anti_her2_antibody", "her2_adc",
    "her2_tki", "serm", "aromatase_inhibitor", "serd", "gnrh_agonist", "cdk46_inhibitor",
    "pi3k_akt_mtor_inhibitor", "parp_inhibitor", "checkpoint_inhibitor", "trop2_adc",
    "bone_modifying_agent", "hdac_inhibitor", "anti_angiogenic",
]  # fmt: skip

#: Families of groups (clinical_course.md §11: "cytotoxic" = the first four rows, "endocrine" =
#: SERM + AIs + SERDs + GnRH agonists, "HER2-directed" = antibodies + HER2 ADCs + HER2 TKIs).
DrugFamily = Literal[
    "cytotoxic", "her2_directed", "endocrine", "targeted", "immunotherapy", "supportive"
]


class Group(BaseModel):
    """One class of clinical_course.md §11 with its family and bilingual label."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    id: DrugGroup
    family: DrugFamily
    en: str = Field(min_length=1)
    zh: str = Field(min_length=1)


class Drug(BaseModel):
    """One catalogue entry; ``inn`` is the WHO international non-proprietary name, lower case."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, defer_build=True)

    inn: str
    drug_class: DrugClass = Field(alias="class")
    group: DrugGroup
    ai_type: Literal["non_steroidal", "steroidal"] | None = None
    deruxtecan: bool = False
    abbreviation: str
    brands: list[str] = Field(default_factory=list)
    zh: str = Field(min_length=1, description="Simplified Chinese generic name")
    anti_her2: bool = False
    endocrine: bool = False
    adc: bool = False
    chemotherapy: bool = False
    her2_low_active: bool = False

    @field_validator("inn")
    @classmethod
    def _lower(cls, v: str) -> str:
        if v != v.lower() or not v.strip():
            raise ValueError(f"INN must be lower case: {v!r}")
        return v


class Catalogue(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    version: int
    groups: list[Group]
    drugs: list[Drug]

    def group(self, group_id: str) -> Group:
        return next(g for g in self.groups if g.id == group_id)

    def family_of(self, drug: Drug) -> DrugFamily:
        return _index(self)[2][drug.group]

    def by_inn(self) -> dict[str, Drug]:
        return _index(self)[0]

    def resolve(self, name: str) -> Drug | None:
        """A drug by INN, brand alias or Chinese name (case-insensitive); None if unknown."""
        return _index(self)[1].get(name.strip().lower())


_Index = tuple[dict[str, Drug], dict[str, Drug], dict[str, DrugFamily]]
_INDEX: dict[int, tuple[Catalogue, _Index]] = {}


def _index(cat: Catalogue) -> _Index:
    """(by INN, by any lower-case name, family by group) for one catalogue object (built once;
    the guards ask for a drug's family thousands of times per assessment)."""
    hit = _INDEX.get(id(cat))
    if hit is None or hit[0] is not cat:
        by_inn = {d.inn: d for d in cat.drugs}
        names: dict[str, Drug] = {}
        for d in cat.drugs:
            for alias in (d.zh, *d.brands, d.inn):
                names[alias.strip().lower()] = d
        hit = (cat, (by_inn, names, {g.id: g.family for g in cat.groups}))
        _INDEX[id(cat)] = hit
    return hit[1]


def parse_catalogue(text: str, origin: str) -> Catalogue:
    try:
        data = parse_yaml(text)
        cat = Catalogue.model_validate(data)
    except (yaml.YAMLError, ValidationError) as exc:
        raise KnowledgeError(f"{origin}: {exc}") from exc
    group_ids = [g.id for g in cat.groups]
    if len(set(group_ids)) != len(group_ids):
        raise KnowledgeError(f"{origin}: duplicate group id")
    for d in cat.drugs:
        if d.group not in group_ids:
            raise KnowledgeError(f"{origin}: drug {d.inn!r}: group {d.group!r} is not listed")
        if (d.ai_type is not None) != (d.group == "aromatase_inhibitor"):
            raise KnowledgeError(f"{origin}: drug {d.inn!r}: ai_type is for aromatase inhibitors")
    seen: set[str] = set()
    for d in cat.drugs:
        if d.inn in seen:
            raise KnowledgeError(f"{origin}: duplicate drug {d.inn!r}")
        seen.add(d.inn)
    return cat


@cache
def catalogue(path: Path | None = None) -> Catalogue:
    """The packaged catalogue (or one read from ``path``), validated and cached."""
    if path is None:
        return _packaged_catalogue()
    return parse_catalogue(path.read_text(encoding="utf-8"), str(path))


@packaged("knowledge.drugs")
def _packaged_catalogue() -> Catalogue:
    return parse_catalogue(read_text("drugs.yaml"), "knowledge/drugs.yaml")


# The catalogue as the rule language reads it (language/expressions.py: ``drug`` and
# ``agent_in_class``, for one patient and compiled for a cohort).


def drug_attribute(agent: str | None, attribute: DrugAttribute) -> str | bool | None:
    """What the catalogue says of an agent (None: not recorded or not in the catalogue)."""
    d = None if agent is None else catalogue().resolve(agent)
    if d is None:
        return None
    value: str | bool = d.drug_class if attribute == "class" else getattr(d, attribute)
    return value


def drug_table(attribute: DrugAttribute) -> dict[str, str | bool]:
    """Every lower-case name (INN, brand, Chinese) the catalogue knows -> the attribute of
    the drug it resolves to (the compiler's form of :meth:`Catalogue.resolve`)."""
    cat = catalogue()
    names = sorted({a.strip().lower() for d in cat.drugs for a in (d.zh, *d.brands, d.inn)})
    table: dict[str, str | bool] = {}
    for n in names:
        v = drug_attribute(n, attribute)
        if v is not None:
            table[n] = v
    return table
