"""Schema of the treatment-option knowledge base, validated when it is loaded.

A pathway file (``knowledge/systemic/<pathway>.yaml``) holds rules. A rule names its decision
points, a ``when`` condition in the condition language (:mod:`breastcds.knowledge.conditions`;
its inputs are the *deciding* inputs: unknown -> a missing-data prompt, never an option),
optional ``unless`` exclusions (known true -> not offered; unknown -> a caution on the option),
the option (regimen, agents by INN), its grading (CSCO level/evidence, NCCN category, or
"not verified"), at least one source and the text in English and Simplified Chinese.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

import breastcds.options.facts_course  # (registers the course-rule facts)
import breastcds.options.facts_systemic  # noqa: F401  (registers the history facts)
from breastcds.knowledge.conditions import Condition
from breastcds.knowledge.loader import KnowledgeError
from breastcds.options.drugs import Catalogue, catalogue

DecisionPoint = Literal[
    "surgery", "axilla", "neoadjuvant", "adjuvant", "post_neoadjuvant", "extended_adjuvant",
    "metastatic_line_1", "metastatic_line_2", "metastatic_line_3plus", "locoregional_recurrence",
    "dcis", "follow_up",
]  # fmt: skip
EARLY: tuple[DecisionPoint, ...] = (
    "surgery", "axilla", "neoadjuvant", "adjuvant", "post_neoadjuvant", "extended_adjuvant",
    "follow_up",
)  # fmt: skip
METASTATIC: tuple[DecisionPoint, ...] = (
    "metastatic_line_1", "metastatic_line_2", "metastatic_line_3plus",
)  # fmt: skip
COURSE: tuple[DecisionPoint, ...] = ("locoregional_recurrence", "dcis")
"""Decision points of the course that are neither early primary nor metastatic lines."""
ALL_DECISION_POINTS: tuple[DecisionPoint, ...] = (
    EARLY[:6] + METASTATIC + COURSE + ("follow_up",)
)
ALL_POINTS: frozenset[str] = frozenset(ALL_DECISION_POINTS)

CscoLevel = Literal["I", "II", "III"]
CscoEvidence = Literal["1A", "1B", "2A", "2B", "3"]
NccnCategory = Literal["1", "2A", "2B", "3"]
Recommendation = Literal["option", "discuss", "avoid"]
OptionKind = Literal[
    "systemic", "surgery", "axilla", "radiotherapy", "reirradiation", "brain", "recurrence_workup",
    "counselling", "follow_up", "lifestyle",
]  # fmt: skip

_CSCO_ORDER = {"I": 0, "II": 1, "III": 2}
_NCCN_ORDER = {"1": 0, "2A": 1, "2B": 2, "3": 3}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Text(_Strict):
    en: str = Field(min_length=1)
    zh: str = Field(min_length=1)


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


class Source(_Strict):
    """A guideline (+ year) and/or a trial (+ journal, year, key result)."""

    guideline: str | None = None
    trial: str | None = None
    journal: str | None = None
    year: int = Field(ge=1950, le=2100)
    key_result: str | None = None

    @model_validator(mode="after")
    def _complete(self) -> Source:
        if not self.guideline and not self.trial:
            raise ValueError("a source names a guideline or a trial")
        if self.trial and not (self.journal and self.key_result):
            raise ValueError(f"trial source {self.trial!r} needs journal and key_result")
        return self

    def cite(self) -> str:
        head = self.trial or self.guideline or ""
        where = ", ".join(x for x in (self.journal, str(self.year)) if x)
        text = f"{head} ({where})" if self.trial else f"{head} {self.year}"
        if self.trial and self.guideline:
            text += f"; {self.guideline}"
        return f"{text}: {self.key_result}" if self.key_result else text


class Option(_Strict):
    regimen: str = Field(min_length=1)
    agents: list[str] = Field(default_factory=list, description="every agent, INN lower case")
    actions: list[str] = Field(
        default_factory=list, description="action codes (knowledge/actions.yaml)"
    )
    kind: OptionKind = "systemic"


class Rule(_Strict):
    id: str = Field(pattern=r"^[a-z0-9_]+(\.[a-z0-9_]+)+$")
    decision_points: list[DecisionPoint] = Field(min_length=1)
    recommendation: Recommendation = "option"
    when: Condition | None = Field(None, description="deciding conditions; None = always")
    unless: list[Condition] = Field(
        default_factory=list, description="exclusions: true -> not offered; unknown -> caution"
    )
    caution_if: list[Condition] = Field(
        default_factory=list, description="relative contraindications: true -> caution shown"
    )
    option: Option
    grading: Grading
    source: list[Source] = Field(min_length=1)
    text: Text
    priority: int = Field(50, ge=0, le=1000, description="order within the same grade")
    since: str = Field(pattern=r"^\d{4}\.\d+\.\d+$", description="knowledge version added")

    def facts(self) -> set[str]:
        out = set() if self.when is None else self.when.facts()
        for c in (*self.unless, *self.caution_if):
            out |= c.facts()
        return out


class Pathway(_Strict):
    pathway: str = Field(pattern=r"^[a-z0-9_]+$")
    title: Text
    reviewed: str
    anchors: dict[str, object] = Field(
        default_factory=dict, alias="x-conditions", description="YAML anchors reused by rules"
    )
    rules: list[Rule] = Field(min_length=1)


@dataclass(frozen=True)
class KnowledgeBase:
    pathways: tuple[Pathway, ...]
    drugs: Catalogue

    @property
    def rules(self) -> tuple[Rule, ...]:
        return tuple(r for p in self.pathways for r in p.rules)

    def rule(self, rule_id: str) -> Rule:
        for r in self.rules:
            if r.id == rule_id:
                return r
        raise KeyError(f"no rule {rule_id!r}")

    def pathway_of(self, rule_id: str) -> str:
        for p in self.pathways:
            if any(r.id == rule_id for r in p.rules):
                return p.pathway
        raise KeyError(f"no rule {rule_id!r}")


def parse_pathway(text: str, origin: str) -> Pathway:
    """Validate one pathway file; errors name the file and the rule."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise KnowledgeError(f"{origin}: not valid YAML: {exc}") from exc
    try:
        return Pathway.model_validate(data)
    except ValidationError as exc:
        raise KnowledgeError(f"{origin}: {_describe(exc, data)}") from exc


def _describe(exc: ValidationError, data: object) -> str:
    lines = []
    for err in exc.errors():
        loc = list(err["loc"])
        where = ".".join(str(p) for p in loc)
        in_rule = len(loc) >= 2 and loc[0] == "rules" and isinstance(loc[1], int)
        if in_rule and isinstance(data, dict) and isinstance(loc[1], int):
            rules = data.get("rules") or []
            if loc[1] < len(rules) and isinstance(rules[loc[1]], dict):
                where = f"rule {rules[loc[1]].get('id', loc[1])!r}: " + ".".join(
                    str(p) for p in loc[2:]
                )
        lines.append(f"{where}: {err['msg']}")
    return "; ".join(lines)


def check_agents(kb: KnowledgeBase) -> list[str]:
    """Agents that are not INNs of the catalogue, and unknown action codes, as messages."""
    from breastcds.options.actions import load_actions

    known = kb.drugs.by_inn()
    actions = load_actions().by_code()
    return [
        f"rule {r.id!r}: agent {a!r} is not an INN in drugs.yaml"
        for r in kb.rules
        for a in r.option.agents
        if a not in known
    ] + [
        f"rule {r.id!r}: action {a!r} is not defined in actions.yaml"
        for r in kb.rules
        for a in r.option.actions
        if a not in actions
    ]


def _packaged_texts() -> list[tuple[str, str]]:
    folder = resources.files("breastcds.knowledge").joinpath("systemic")
    return sorted(
        (f"knowledge/systemic/{f.name}", f.read_text(encoding="utf-8"))
        for f in folder.iterdir()
        if f.name.endswith(".yaml")
    )


def build_kb(texts: list[tuple[str, str]], drugs: Catalogue) -> KnowledgeBase:
    pathways = tuple(parse_pathway(text, origin) for origin, text in texts)
    seen: dict[str, str] = {}
    for origin, p in zip((o for o, _ in texts), pathways, strict=True):
        for r in p.rules:
            if r.id in seen:
                raise KnowledgeError(f"{origin}: rule id {r.id!r} already used in {seen[r.id]}")
            seen[r.id] = origin
    kb = KnowledgeBase(pathways=pathways, drugs=drugs)
    problems = check_agents(kb)
    if problems:
        raise KnowledgeError("; ".join(problems))
    return kb


def load_kb_dir(directory: Path, drugs_path: Path | None = None) -> KnowledgeBase:
    """Load and validate a knowledge directory (pathway YAML files) — used by lint and tests."""
    texts = [
        (str(f), f.read_text(encoding="utf-8")) for f in sorted(directory.glob("*.yaml"))
    ]
    if not texts:
        raise KnowledgeError(f"{directory}: no pathway files (*.yaml)")
    return build_kb(texts, catalogue(drugs_path))


@cache
def load_kb() -> KnowledgeBase:
    """The packaged knowledge base, validated (cached)."""
    return build_kb(_packaged_texts(), catalogue())
