"""Treatment-option engine (pure): rules x facts -> options per decision point.

For each decision point (the case's, or every applicable one when it is not given):
- an ``option`` rule whose ``when`` is true and no ``unless`` exclusion is true is offered, with
  the criteria it matched, cautions for exclusions that cannot be judged, its grade and sources;
  options are ranked by grade (CSCO level, then NCCN category), then by the strength of the
  trial result (overall survival > breast cancer mortality > PFS/DFS > response), then the
  rule's priority (:meth:`Rule.rank_key`); each option carries the reason for its place;
- a rule whose ``when`` is false is "not offered" with the failed criteria (near-misses);
- a rule whose ``when`` is unknown is never offered: it becomes a missing-data prompt naming the
  exact case field (HER2 prompts name the field the HER2 classification asks for, e.g.
  ``biomarkers.her2_ish``);
- a safety guard drops HER2-directed agents unless HER2 is positive (HER2-low ADCs: HER2-low or
  -ultralow, metastatic) and endocrine agents unless ER is positive — defence in depth behind
  the knowledge-base lint, reported as ``blocked``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, cast

from pydantic import BaseModel, ConfigDict, Field

from breastcds.course import cautions as course_cautions
from breastcds.course import prompts as prompt_relevance
from breastcds.course.inference import decision_point as infer_decision_point
from breastcds.course.inference import fallback
from breastcds.knowledge import facts as fact_registry
from breastcds.knowledge.conditions import Condition, Outcome, Unknown, describe
from breastcds.knowledge.decision_points import EARLY, METASTATIC, DecisionPoint
from breastcds.knowledge.loader import knowledge_version
from breastcds.model.assessment import Classification
from breastcds.model.case import Case
from breastcds.options.ranking import rank_reason
from breastcds.options.schema import KnowledgeBase, Rule, load_kb


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Grade(_Out):
    status: str
    csco_level: str | None = None
    csco_evidence: str | None = None
    nccn: str | None = None
    verified_in: str | None = None
    label: str
    label_zh: str | None = Field(None, description="None only in results stored before it existed")


class RankReason(_Out):
    """Why the option sits at its rank: its grade, its trial result, and the key that placed it
    below the option above it (same list)."""

    en: str
    zh: str


class OfferedOption(_Out):
    rule_id: str
    pathway: str
    recommendation: str
    kind: str
    regimen: str
    agents: list[str]
    agents_zh: list[str]
    actions: list[str] = Field(default_factory=list, description="action codes")
    text_en: str
    text_zh: str
    grade: Grade
    rank: int
    rank_reason: RankReason | None = Field(
        None, description="always set by the engine; None only in results stored before it existed"
    )
    matched: list[str] = Field(default_factory=list)
    cautions: list[str] = Field(default_factory=list)
    sources: list[str]


class NotOffered(_Out):
    rule_id: str
    regimen: str
    agents: list[str]
    because: list[str]
    near_miss: bool = Field(description="exactly one criterion failed")


class Caution(_Out):
    """A patient factor that changed or qualified the options (clinical_course.md 14)."""

    factor: str = Field(description="the patient factor, e.g. 'pregnancy', 'lvef'")
    text_en: str
    text_zh: str
    source: str


class Prompt(_Out):
    field: str
    reason: str
    rule_ids: list[str]


class DecisionPointOptions(_Out):
    decision_point: str
    inferred: bool = Field(description="True when the case did not name its decision point")
    options: list[OfferedOption] = Field(default_factory=list)
    discuss: list[OfferedOption] = Field(default_factory=list)
    not_recommended: list[OfferedOption] = Field(default_factory=list)
    not_offered: list[NotOffered] = Field(default_factory=list)
    blocked: list[NotOffered] = Field(default_factory=list)
    prompts: list[Prompt] = Field(default_factory=list)
    conflicts: list[str] = Field(default_factory=list)
    cautions: list[Caution] = Field(default_factory=list)
    reason_en: str | None = Field(None, description="why this decision point (inferred)")
    reason_zh: str | None = None

    def agents(self) -> list[str]:
        """Every agent of every option offered here (INN, sorted)."""
        return sorted({a for o in self.options for a in o.agents})

    def actions(self) -> list[str]:
        """Every action of every option offered here (codes, sorted)."""
        return sorted({a for o in self.options for a in o.actions})


class OptionsResult(_Out):
    knowledge_version: str
    decision_points: list[DecisionPointOptions]


def decision_points(case: Case, facts: Mapping[str, Any]) -> tuple[list[DecisionPoint], bool]:
    """The case's decision point, else the one inferred from the course (``decision_point``
    fact, clinical_course.md 1.1), else (not inferable) the applicable ones (the ``fallback``
    of knowledge/decision_points.yaml)."""
    if case.decision_point is not None:
        return [case.decision_point.value], False
    inferred = facts.get("decision_point")
    if isinstance(inferred, str):
        return [cast(DecisionPoint, inferred)], True
    return [cast(DecisionPoint, dp) for dp in fallback(facts)], True


def _grade(rule: Rule) -> Grade:
    g = rule.grading
    return Grade(
        status=g.status,
        csco_level=g.csco.level if g.csco else None,
        csco_evidence=g.csco.evidence if g.csco else None,
        nccn=g.nccn,
        verified_in=g.verified_in,
        label=g.label(),
        label_zh=g.label_zh(),
    )


def _her2_fields(c: Classification) -> tuple[str, ...]:
    return tuple(m.field for m in c.her2.missing)


def _refine(fields: tuple[str, ...], c: Classification) -> tuple[str, ...]:
    """Name the exact field the classification asks for (HER2 status or category pending ->
    its missing fields, e.g. the IHC-0 staining detail that separates HER2-0 from ultralow)."""
    out: list[str] = []
    for f in fields:
        undecided = c.her2.status == "pending" or c.her2.category == "pending"
        if f.startswith("biomarkers.her2") and undecided and c.her2.missing:
            out.extend(_her2_fields(c))
        else:
            out.append(f)
    return tuple(dict.fromkeys(out))


def _guard(rule: Rule, kb: KnowledgeBase, facts: Mapping[str, Any], dp: str) -> str | None:
    """Safety guard (independent of the rule text): a reason to block, or None.

    "avoid" rules name what is *not* recommended and are never blocked.
    """
    if rule.recommendation == "avoid":
        return None
    drugs = kb.drugs.by_inn()
    her2_status = facts.get("her2.status")
    category = facts.get("her2.category")
    for inn in rule.option.agents:
        d = drugs[inn]
        if d.anti_her2 and her2_status != "positive":
            low_ok = (
                d.her2_low_active and category in ("HER2-low", "HER2-ultralow") and dp in METASTATIC
            )
            if not low_ok:
                return f"{inn} is HER2-directed and HER2 is {category or 'not known'}"
        if d.endocrine and rule.recommendation == "option" and facts.get("er.status") != "positive":
            return f"{inn} is endocrine therapy and ER is {facts.get('er.status') or 'not known'}"
    return None


@dataclass
class _Compiled:
    """What the engine reads of one knowledge base, indexed once (the knowledge is immutable):
    the rules of each decision point in file order, each rule's pathway, grade, sources and
    agents in Chinese, and the rank reasons already written (a pure function of two rules)."""

    kb: KnowledgeBase
    at: dict[str, tuple[Rule, ...]]
    by_id: dict[str, Rule]
    pathway: dict[str, str]
    grade: dict[str, Grade]
    sources: dict[str, tuple[str, ...]]
    agents_zh: dict[str, tuple[str, ...]]
    reasons: dict[tuple[int, int], RankReason] = field(default_factory=dict)

    def rank_reason(self, rule: Rule, prev: Rule | None) -> RankReason:
        key = (id(rule), id(prev))  # both held by the knowledge base this index keeps
        hit = self.reasons.get(key)
        if hit is None:
            en, zh = rank_reason(rule, prev)
            hit = self.reasons[key] = RankReason(en=en, zh=zh)
        return hit


_COMPILED: dict[int, _Compiled] = {}


def _compiled(kb: KnowledgeBase) -> _Compiled:
    """The index of ``kb``, built on first use and kept with the knowledge base itself (so an
    override of the knowledge gets its own)."""
    hit = _COMPILED.get(id(kb))
    if hit is not None and hit.kb is kb:
        return hit
    if len(_COMPILED) >= 16:  # knowledge bases built by tests: keep the cache small
        _COMPILED.clear()
    rules = kb.rules
    drugs = kb.drugs.by_inn()
    pathway: dict[str, str] = {}
    for p in kb.pathways:
        for r in p.rules:
            pathway.setdefault(r.id, p.pathway)
    at: dict[str, list[Rule]] = {}
    for r in rules:
        for dp in dict.fromkeys(r.decision_points):
            at.setdefault(dp, []).append(r)
    hit = _Compiled(
        kb=kb,
        at={dp: tuple(rs) for dp, rs in at.items()},
        by_id={r.id: r for r in rules},
        pathway=pathway,
        grade={r.id: _grade(r) for r in rules},
        sources={r.id: tuple(s.cite() for s in r.source) for r in rules},
        agents_zh={r.id: tuple(drugs[a].zh for a in r.option.agents) for r in rules},
    )
    _COMPILED[id(kb)] = hit
    return hit


def _offered(rule: Rule, kb: KnowledgeBase, outcome: Outcome, cautions: list[str],
             rank: int, reason: RankReason | None = None) -> OfferedOption:  # fmt: skip
    ix = _compiled(kb)
    return OfferedOption(
        rule_id=rule.id,
        pathway=ix.pathway[rule.id],
        recommendation=rule.recommendation,
        kind=rule.option.kind,
        regimen=rule.option.regimen,
        agents=list(rule.option.agents),
        agents_zh=list(ix.agents_zh[rule.id]),
        actions=list(rule.option.actions),
        text_en=rule.text.en,
        text_zh=rule.text.zh,
        grade=ix.grade[rule.id],
        rank=rank,
        rank_reason=reason,
        matched=list(outcome.passed),
        cautions=cautions,
        sources=list(ix.sources[rule.id]),
    )


def _unless(rule: Rule, facts: Mapping[str, Any]) -> tuple[list[str], list[str]]:
    """(exclusions that apply, cautions for exclusions that cannot be judged)."""
    excluded: list[str] = []
    cautions: list[str] = []
    for cond in rule.unless:
        value = cond.plan.truth(facts)
        if value is True:
            excluded.append(f"excluded: {cond.name or describe(cond)}")
        elif value is None:
            unknown = cond.plan.report(facts)[2]
            fields = sorted({f for u in unknown for f in u.fields})
            label = cond.name or describe(cond)
            cautions.append(f"confirm before use: not {label} ({', '.join(fields)})")
    for cond in rule.caution_if:
        if cond.plan.truth(facts) is True:
            cautions.append(f"relative contraindication: {cond.name or describe(cond)}")
    return excluded, cautions


def _at(dp: DecisionPoint, inferred: bool, case: Case, c: Classification,
        facts: Mapping[str, Any], kb: KnowledgeBase) -> DecisionPointOptions:  # fmt: skip
    metastatic = facts.get("metastatic")
    conflict = None
    if dp in METASTATIC and metastatic is False:
        conflict = f"decision point {dp} but the case is staged M0"
    elif dp in EARLY and dp != "follow_up" and metastatic is True:
        conflict = f"decision point {dp} but the case is staged M1 (metastatic)"
    if conflict is not None:
        return DecisionPointOptions(decision_point=dp, inferred=inferred, conflicts=[conflict])
    ix = _compiled(kb)
    offered: list[tuple[Rule, tuple[str, ...], list[str]]] = []
    not_offered: list[NotOffered] = []
    blocked: list[NotOffered] = []
    prompts: dict[str, tuple[list[str], list[str]]] = {}
    for rule in ix.at.get(dp, ()):  # only the rules of this decision point
        passed: tuple[str, ...] = ()
        if rule.when is not None:
            value, failed, unknown, passed = rule.when.plan.report(facts)
            if value is None:
                if rule.recommendation == "option":
                    _prompt(rule, unknown, c, prompts)
                continue
            if value is False:
                not_offered.append(_missed(rule, [f.text for f in failed]))
                continue
        excluded, cautions = _unless(rule, facts)
        if excluded:
            not_offered.append(_missed(rule, excluded))
            continue
        reason = _guard(rule, kb, facts, dp)
        if reason is not None:
            blocked.append(_missed(rule, [f"safety guard: {reason}"]))
            continue
        offered.append((rule, passed, cautions))
    offered.sort(key=lambda t: t[0].rank_key())
    above: dict[str, Rule] = {}  # the option ranked just above, per list (option/discuss/avoid)
    ranked = []
    for i, (r, passed, cau) in enumerate(offered):
        why = ix.rank_reason(r, above.get(r.recommendation))
        above[r.recommendation] = r
        ranked.append(_offered(r, kb, Outcome(True, passed=passed), cau, i + 1, why))
    return DecisionPointOptions(
        decision_point=dp,
        inferred=inferred,
        options=[o for o in ranked if o.recommendation == "option"],
        discuss=[o for o in ranked if o.recommendation == "discuss"],
        not_recommended=[o for o in ranked if o.recommendation == "avoid"],
        not_offered=not_offered,
        blocked=blocked,
        prompts=[
            Prompt(field=f, reason="; ".join(dict.fromkeys(reasons)), rule_ids=ids)
            for f, (reasons, ids) in sorted(prompts.items())
            if not prompt_relevance.irrelevant(f, facts)
        ],
    )


def _prompt(rule: Rule, unknown: tuple[Unknown, ...], c: Classification,
            prompts: dict[str, tuple[list[str], list[str]]]) -> None:  # fmt: skip
    """The missing-data prompts of an option rule that cannot be judged, by case field."""
    for u in unknown:
        for f in _refine(u.fields, c):
            reasons, ids = prompts.setdefault(f, ([], []))
            reasons.append(f"{rule.option.regimen}: {u.text}")
            ids.append(rule.id)


def _missed(rule: Rule, because: list[str]) -> NotOffered:
    return NotOffered(
        rule_id=rule.id,
        regimen=rule.option.regimen,
        agents=list(rule.option.agents),
        because=because,
        near_miss=len(because) == 1,
    )


def evaluate_options(
    case: Case, classification: Classification, kb: KnowledgeBase | None = None
) -> OptionsResult:
    """Options for every decision point of one classified case (pure; no I/O once loaded)."""
    kb = kb or load_kb()
    facts = fact_registry.extract(case, classification)
    points, inferred = decision_points(case, facts)
    why = infer_decision_point(case, classification)
    out: list[DecisionPointOptions] = []
    for dp in points:
        result = _at(dp, inferred, case, classification, facts, kb)
        if why.decision_point == dp:
            result = result.model_copy(update={"reason_en": why.reason_en,
                                               "reason_zh": why.reason_zh})  # fmt: skip
        result = _course_cautions(result, case, facts)
        out.append(after_rules(result, case, classification, facts, kb))
    return OptionsResult(knowledge_version=knowledge_version(), decision_points=out)


def _course_cautions(result: DecisionPointOptions, case: Case,
                     facts: Mapping[str, Any]) -> DecisionPointOptions:  # fmt: skip
    """Add the cautions of the course itself (knowledge/course_cautions.yaml)."""
    found = course_cautions.applicable(result.decision_point, case, facts)
    if not found:
        return result
    extra = [Caution(factor=c.factor, text_en=en, text_zh=zh, source=c.source)
             for c, en, zh in found]  # fmt: skip
    return result.model_copy(update={"cautions": [*result.cautions, *extra]})


def after_rules(result: DecisionPointOptions, case: Case, classification: Classification,
                facts: Mapping[str, Any], kb: KnowledgeBase) -> DecisionPointOptions:  # fmt: skip
    """The one step applied per decision point after the rules: the patient and course guards
    (knowledge/guards.yaml) block options, add cautions, actions and prompts."""
    from breastcds.options.guards import apply_guards

    del case, classification
    return _explain_ranks(apply_guards(result, facts), kb)


def _explain_ranks(result: DecisionPointOptions, kb: KnowledgeBase) -> DecisionPointOptions:
    """Rank reasons again once the guards have run: an option the guards blocked is no longer
    the one "above" the next (the first option left reads "Ranked first."). Ranks keep their
    order; an action a guard added keeps its own reason."""
    ix = _compiled(kb)
    rules = ix.by_id
    update: dict[str, list[OfferedOption]] = {}
    for name in ("options", "discuss", "not_recommended"):
        prev: Rule | None = None
        items: list[OfferedOption] = []
        for o in cast(list[OfferedOption], getattr(result, name)):
            rule = rules.get(o.rule_id)
            if rule is not None:
                why = ix.rank_reason(rule, prev)
                prev = rule
                if o.rank_reason is None or o.rank_reason.en != why.en:
                    o = o.model_copy(update={"rank_reason": why})
            items.append(o)
        update[name] = items
    return result.model_copy(update=update)


def condition_text(cond: Condition | None) -> str:
    """Readable text of a rule condition (for ``kb rule``)."""
    return "always" if cond is None else describe(cond)
