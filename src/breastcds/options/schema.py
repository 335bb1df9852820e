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
from importlib import resources
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from breastcds.knowledge.bilingual import EnZh
from breastcds.knowledge.conditions import Condition
from breastcds.knowledge.decision_points import DecisionPoint
from breastcds.knowledge.drugs import Catalogue, catalogue
from breastcds.knowledge.grading import CscoEvidence as CscoEvidence
from breastcds.knowledge.grading import CscoGrade as CscoGrade
from breastcds.knowledge.grading import CscoLevel as CscoLevel
from breastcds.knowledge.grading import Grading as Grading
from breastcds.knowledge.grading import NccnCategory as NccnCategory
from breastcds.knowledge.loader import KnowledgeError, parse_yaml
from breastcds.model.validated_cache import packaged
from breastcds.options.facts import register_option_facts

Recommendation = Literal["option", "discuss", "avoid"]
Endpoint = Literal["os", "bcss", "dfs", "pfs", "response", "none"]
TrialResult = Literal["benefit", "non_inferior", "single_arm"]
OptionKind = Literal[
    "systemic", "surgery", "axilla", "radiotherapy", "reirradiation", "brain", "recurrence_workup",
    "counselling", "follow_up", "lifestyle",
]  # fmt: skip

# Strength of the trial result an option rests on (lower = stronger): overall survival, then
# breast-cancer-specific survival/mortality, then progression-free or (invasive) disease-free /
# event-free survival, then response (pCR, objective response); "none" = no trial endpoint
# (guideline or consensus only); a rule without an evidence block ranks after all of these.
_ENDPOINT_STRENGTH: dict[str, int] = {
    "os": 0, "bcss": 1, "dfs": 2, "pfs": 2, "response": 3, "none": 4,
}  # fmt: skip
_NO_EVIDENCE_STRENGTH = 5
_RESULT_ORDER = {"benefit": 0, "non_inferior": 1, "single_arm": 2}
ENDPOINT_TEXT: dict[str, tuple[str, str]] = {
    "os": ("overall survival", "总生存"),
    "bcss": ("breast cancer mortality", "乳腺癌特异性死亡"),
    "dfs": ("disease-free survival", "无病生存"),
    "pfs": ("progression-free survival", "无进展生存"),
    "response": ("response (pCR or objective response)", "疗效(pCR或客观缓解)"),
    "none": ("no trial endpoint (guideline or consensus)", "无试验终点(指南或共识)"),
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, defer_build=True)


class Evidence(_Strict):
    """The trial result an option rests on, read from its source's ``key_result``.

    ``endpoint``: the strongest endpoint the named trial showed for this option (``os`` overall
    survival; ``bcss`` breast cancer mortality; ``dfs`` invasive/distant disease-free or
    event-free survival, recurrence; ``pfs``; ``response`` pCR or objective response; ``none``
    when the option rests on a guideline or consensus without a trial endpoint).
    ``result``: ``benefit`` (superiority), ``non_inferior`` (de-escalation shown non-inferior or
    equivalent) or ``single_arm`` (an outcome without a randomised comparator).
    """

    endpoint: Endpoint
    trial: str | None = Field(None, description="the source trial that showed it")
    result: TrialResult = "benefit"

    @model_validator(mode="after")
    def _complete(self) -> Evidence:
        if self.endpoint == "none":
            if self.trial is not None or self.result != "benefit":
                raise ValueError("evidence 'none' names no trial and no trial result")
        elif not self.trial:
            raise ValueError(f"evidence endpoint {self.endpoint!r} needs the trial that showed it")
        return self

    def sort_key(self) -> tuple[int, int]:
        return (_ENDPOINT_STRENGTH[self.endpoint], _RESULT_ORDER[self.result])

    def describe(self, lang: Literal["en", "zh"] = "en") -> str:
        """E.g. 'overall survival benefit (CLEOPATRA)' / '总生存获益(CLEOPATRA)'."""
        en, zh = ENDPOINT_TEXT[self.endpoint]
        if self.endpoint == "none":
            return en if lang == "en" else zh
        if lang == "en":
            how = {"benefit": "benefit", "non_inferior": "non-inferior",
                   "single_arm": "(single-arm)"}[self.result]  # fmt: skip
            return f"{en} {how} ({self.trial})"
        how_zh = {"benefit": "获益", "non_inferior": "非劣效",
                  "single_arm": "(单臂研究)"}[self.result]  # fmt: skip
        return f"{zh}{how_zh}({self.trial})"


def evidence_sort_key(evidence: Evidence | None) -> tuple[int, int]:
    """Sort key of a rule's evidence; a rule without one ranks after every recorded endpoint."""
    return (_NO_EVIDENCE_STRENGTH, 0) if evidence is None else evidence.sort_key()


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
    evidence: Evidence | None = Field(
        None, description="trial endpoint behind the option (kb lint requires it)"
    )
    source: list[Source] = Field(min_length=1)
    text: EnZh
    priority: int = Field(50, ge=0, le=1000, description="order within the same grade")
    since: str = Field(pattern=r"^\d{4}\.\d+\.\d+$", description="knowledge version added")

    def rank_key(self) -> tuple[tuple[int, int], tuple[int, int], int, str]:
        """Order of options at a decision point: grade (CSCO level, then NCCN category;
        verified before not verified), then the strength of the trial result (overall survival
        over breast cancer mortality over PFS/DFS over response), then ``priority``, then id.
        The one ranking used by every engine (single case and cohort)."""
        return (self.grading.sort_key(), evidence_sort_key(self.evidence), self.priority, self.id)

    def facts(self) -> set[str]:
        out = set() if self.when is None else self.when.facts()
        for c in (*self.unless, *self.caution_if):
            out |= c.facts()
        return out


class Pathway(_Strict):
    pathway: str = Field(pattern=r"^[a-z0-9_]+$")
    title: EnZh
    reviewed: str
    anchors: dict[str, object] = Field(
        default_factory=dict, alias="x-conditions", description="YAML anchors reused by rules"
    )
    source_anchors: dict[str, object] = Field(
        default_factory=dict, alias="x-sources", description="YAML anchors of shared sources"
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
    register_option_facts()  # its conditions may read them
    try:
        data = parse_yaml(text)
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
    texts = [(str(f), f.read_text(encoding="utf-8")) for f in sorted(directory.glob("*.yaml"))]
    if not texts:
        raise KnowledgeError(f"{directory}: no pathway files (*.yaml)")
    return build_kb(texts, catalogue(drugs_path))


def load_kb() -> KnowledgeBase:
    """The packaged knowledge base, validated (cached, also between runs), with the facts its
    rules read that another capability computes registered (:func:`register_option_facts`,
    whether the rules are validated now or read from the between-runs cache, which does not
    parse them)."""
    register_option_facts()
    return _packaged_kb()


@packaged("options.kb")
def _packaged_kb() -> KnowledgeBase:
    return build_kb(_packaged_texts(), catalogue())
