"""Patient and course guards, applied once per decision point after the option rules.

Driven by ``knowledge/guards.yaml`` (schema below; reference: clinical_course.md §1.3, §3, §4,
§13): a guard whose condition holds removes agents or actions (an option that loses every agent
of one of its drug families, or every action, is moved to ``blocked`` with the reason, so the
tumour board sees why it is absent; otherwise it stays with its remaining alternatives), adds
cautions (one per patient factor), actions (e.g. ``defer_until_after_delivery``) and
missing-data prompts, and suppresses prompts that do not apply (menopausal status in men).

The decision logic is written once, over an abstract boolean algebra (:class:`Algebra`): the
one-patient engine runs it with three-valued Python values (:func:`apply_guards`), the cohort
engine with polars expressions (:func:`breastcds.cohort.engine` via :func:`blocked_expr`,
:func:`prompt_exprs`, :func:`added_action_exprs`), so both engines apply the same guard data.
A condition that cannot be judged (a fact not recorded) never activates a guard; guards that
need a recorded fact say so with ``if_unknown`` and a prompt.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import cache
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from breastcds.knowledge.bilingual import EnZh
from breastcds.knowledge.conditions import Condition, truth
from breastcds.knowledge.decision_points import ALL_DECISION_POINTS, DecisionPoint
from breastcds.knowledge.drugs import Catalogue, Drug, DrugFamily, DrugGroup, catalogue
from breastcds.knowledge.facts import FACTS
from breastcds.knowledge.loader import KnowledgeError, parse_yaml, read_text
from breastcds.model.validated_cache import packaged
from breastcds.options.actions import ActionClass, load_actions
from breastcds.options.schema import Source

if TYPE_CHECKING:
    from breastcds.options.engine import DecisionPointOptions, OfferedOption

B = TypeVar("B")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, defer_build=True)


class Selector(_Strict):
    """Agents and actions a guard acts on."""

    families: list[DrugFamily] = Field(default_factory=list)
    groups: list[DrugGroup] = Field(default_factory=list)
    agents: list[str] = Field(default_factory=list, description="INN")
    ai_types: list[Literal["non_steroidal", "steroidal"]] = Field(default_factory=list)
    deruxtecan: bool = False
    agents_from_fact: str | None = Field(None, description="a list fact of INNs")
    from_fact_families: list[DrugFamily] = Field(
        default_factory=list, description="only the agents of the fact in these families"
    )
    action_classes: list[ActionClass] = Field(default_factory=list)
    actions: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _fact(self) -> Selector:
        f = self.agents_from_fact
        if f is not None and (f not in FACTS or FACTS[f].type != "list"):
            raise ValueError(f"agents_from_fact: {f!r} is not a registered list fact")
        return self

    def static_agent(self, d: Drug, cat: Catalogue) -> bool:
        """Selected whatever the case (families, groups, agents, AI type, deruxtecan flag)."""
        return (
            cat.family_of(d) in self.families
            or d.group in self.groups
            or d.inn in self.agents
            or (d.ai_type is not None and d.ai_type in self.ai_types)
            or (self.deruxtecan and d.deruxtecan)
        )

    def action(self, code: str, action_class: str | None) -> bool:
        return code in self.actions or (
            action_class is not None and action_class in self.action_classes
        )


class Partner(_Strict):
    groups: list[DrugGroup] = Field(min_length=1)
    partners: list[DrugGroup] = Field(min_length=1)


class GuardException(_Strict):
    """A re-challenge the guideline names; ``spare`` is executable (see the YAML header)."""

    name: str = Field(min_length=3)
    name_zh: str | None = Field(None, description="the name in Simplified Chinese")
    spare: list[str] = Field(default_factory=list)
    with_any: list[str] = Field(default_factory=list)
    text: EnZh
    source: list[Source] = Field(default_factory=list)

    @model_validator(mode="after")
    def _pair(self) -> GuardException:
        if bool(self.spare) != bool(self.with_any):
            raise ValueError(f"exception {self.name!r}: spare and with_any go together")
        return self


class PromptSpec(_Strict):
    field: str = Field(min_length=3)
    reason: str = Field(min_length=3)
    reason_zh: str | None = Field(None, description="the reason in Simplified Chinese")


class Verification(_Strict):
    status: Literal["verified", "reference", "not_confirmed"]
    note: str = Field(min_length=3)


class Guard(_Strict):
    id: str = Field(pattern=r"^[a-z0-9_]+(\.[a-z0-9_]+)+$")
    section: str
    factor: str
    decision_points: list[DecisionPoint] | None = None
    when: Condition | None = None
    if_unknown: str | None = None
    if_present: Selector | None = None
    remove: Selector | None = None
    require_partner: Partner | None = None
    reason: EnZh | None = None
    caution: EnZh | None = None
    add_actions: list[str] = Field(default_factory=list)
    add_actions_when: Literal["removed", "active"] = Field(
        "removed", description="add the actions when the guard removed something, or always"
    )
    prompt: PromptSpec | None = None
    suppress_prompts: list[str] = Field(default_factory=list)
    exceptions: list[GuardException] = Field(default_factory=list)
    source: list[Source] = Field(min_length=1)
    verification: Verification

    @model_validator(mode="after")
    def _effects(self) -> Guard:
        effects = (self.remove, self.require_partner, self.caution, self.prompt)
        if all(e is None for e in effects) and not (self.add_actions or self.suppress_prompts):
            raise ValueError(f"guard {self.id}: no effect")
        if (self.remove is not None or self.require_partner is not None) and self.reason is None:
            raise ValueError(f"guard {self.id}: a removing guard states its reason")
        if self.if_unknown is not None and self.if_unknown not in FACTS:
            raise ValueError(f"guard {self.id}: if_unknown names no fact: {self.if_unknown!r}")
        return self

    def facts(self) -> set[str]:
        out = set() if self.when is None else self.when.facts()
        if self.if_unknown:
            out.add(self.if_unknown)
        if self.remove is not None and self.remove.agents_from_fact:
            out.add(self.remove.agents_from_fact)
        return out

    def at(self, dp: str) -> bool:
        return self.decision_points is None or dp in self.decision_points


class GuardSet(_Strict):
    schema_: Literal["guards/1"] = Field(alias="schema")
    reviewed: str
    guards: list[Guard] = Field(min_length=1)

    def facts(self) -> set[str]:
        return {f for g in self.guards for f in g.facts()}


def parse_guards(text: str, origin: str, drugs: Catalogue | None = None) -> GuardSet:
    """Validate a guard file; agents must be INNs of the drug catalogue."""
    try:
        gs = GuardSet.model_validate(parse_yaml(text))
    except (yaml.YAMLError, ValidationError) as exc:
        raise KnowledgeError(f"{origin}: {exc}") from exc
    known = (drugs or catalogue()).by_inn()
    ids: set[str] = set()
    for g in gs.guards:
        if g.id in ids:
            raise KnowledgeError(f"{origin}: duplicate guard {g.id!r}")
        ids.add(g.id)
        names = list(g.remove.agents if g.remove else [])
        for e in g.exceptions:
            names += e.spare + e.with_any
        for a in names:
            if a not in known:
                raise KnowledgeError(f"{origin}: guard {g.id}: {a!r} is not an INN in drugs.yaml")
        codes = list(g.add_actions) + list(g.remove.actions if g.remove else [])
        for code in codes:
            if code not in action_classes():
                raise KnowledgeError(f"{origin}: guard {g.id}: unknown action {code!r}")
    return gs


@packaged("options.guards")
def load_guards() -> GuardSet:
    """The packaged guards (knowledge/guards.yaml), validated (cached)."""
    return parse_guards(read_text("guards.yaml"), "knowledge/guards.yaml")


@cache
def action_classes() -> dict[str, str]:
    """Action code -> class (knowledge/actions.yaml)."""
    return {code: str(a.action_class) for code, a in load_actions().by_code().items()}


# --------------------------------------------------------------------------------------------
# The decision logic, written once over a boolean algebra
# --------------------------------------------------------------------------------------------


class Algebra(Generic[B]):
    """Booleans of one engine: Python values for one case, polars expressions for a cohort.

    ``holds`` is true only when a condition is known to be true; ``offered`` says whether the
    rules (before any guard) offered an option rule at this decision point.
    """

    def const(self, value: bool) -> B:
        raise NotImplementedError

    def and_(self, xs: Sequence[B]) -> B:
        raise NotImplementedError

    def or_(self, xs: Sequence[B]) -> B:
        raise NotImplementedError

    def not_(self, x: B) -> B:
        raise NotImplementedError

    def holds(self, cond: Condition) -> B:
        raise NotImplementedError

    def unknown(self, fact: str) -> B:
        raise NotImplementedError

    def contains(self, fact: str, item: str) -> B:
        raise NotImplementedError

    def offered(self, rule_id: str) -> B:
        raise NotImplementedError

    def known_false(self, x: B) -> bool:
        """``x`` is false for this case already (never for a cohort expression): the work
        that could only AND with it is skipped."""
        return False

    def active(self, g: Guard, dp: str, present: Sequence[OptionShape]) -> B:
        """Whether guard ``g`` applies (an engine may precompute it once per guard)."""
        return active(g, dp, self, present)


class OptionShape:
    """What the guards read of one option: its rule id, agents and actions."""

    def __init__(self, rule_id: str, agents: Sequence[str], actions: Sequence[str]) -> None:
        self.rule_id = rule_id
        self.agents = tuple(agents)
        self.actions = tuple(actions)


def active(g: Guard, dp: str, alg: Algebra[B], present: Sequence[OptionShape]) -> B:
    """The guard applies at this decision point (``present``: the options the rules offered)."""
    if not g.at(dp):
        return alg.const(False)
    parts: list[B] = []
    if g.when is not None:
        parts.append(alg.holds(g.when))
    if g.if_unknown is not None:
        parts.append(alg.unknown(g.if_unknown))
    if g.if_present is not None:
        sel = g.if_present
        hits = [o for o in present if _touches(sel, o)]
        parts.append(alg.or_([alg.offered(o.rule_id) for o in hits]))
    return alg.and_(parts) if parts else alg.const(True)


# What a selector picks of the catalogue does not depend on the case: memoised by the selector
# and catalogue objects (kept in the value, so their ids stay theirs) and the agents or actions.
_STATIC: dict[tuple[Any, ...], tuple[Selector, Catalogue, Any]] = {}


def _static(sel: Selector, cat: Catalogue, key: tuple[Any, ...],
            compute: Callable[[], Any]) -> Any:  # fmt: skip
    full = (id(sel), id(cat), *key)
    hit = _STATIC.get(full)
    if hit is None or hit[0] is not sel or hit[1] is not cat:
        if len(_STATIC) >= 100_000:  # selectors of knowledge built by tests: stay bounded
            _STATIC.clear()
        hit = _STATIC[full] = (sel, cat, compute())
    return hit[2]


def _touches(sel: Selector, o: OptionShape) -> bool:
    cat = catalogue()

    def compute() -> bool:
        drugs = cat.by_inn()
        classes = action_classes()
        return any(sel.static_agent(drugs[a], cat) for a in o.agents if a in drugs) or any(
            sel.action(a, classes.get(a)) for a in o.actions
        )

    return bool(_static(sel, cat, ("touches", o.agents, o.actions), compute))


def removed_agent(g: Guard, agent: str, o: OptionShape, alg: Algebra[B]) -> B:
    """This guard (if active) removes ``agent`` from option ``o``.

    A named exception spares ``agent`` only while one of its partners stays in the option: the
    partner must be present and not itself removed by this guard (HER2CLIMB spares trastuzumab
    beyond progression *with tucatinib*; after progression on tucatinib too, trastuzumab +
    capecitabine is not that re-challenge).
    """
    if g.remove is None:
        return alg.const(False)
    spared: list[B] = []
    for e in g.exceptions:
        if agent in e.spare:
            spared += [alg.not_(_removed_by_selection(g, p, alg)) for p in e.with_any
                       if p in o.agents]  # fmt: skip
    raw = _removed_by_selection(g, agent, alg)
    return alg.and_([raw, alg.not_(alg.or_(spared))]) if spared else raw


def _removed_by_selection(g: Guard, agent: str, alg: Algebra[B]) -> B:
    """The guard's selection (classes, agents, agents named by a fact) covers ``agent``."""
    sel = g.remove
    if sel is None:
        return alg.const(False)
    cat = catalogue()

    def compute() -> bool | None:
        """True: selected whatever the case; None: the case's fact decides; False: never."""
        d = cat.by_inn().get(agent)
        if d is not None and sel.static_agent(d, cat):
            return True
        if sel.agents_from_fact is not None:
            families = sel.from_fact_families
            return False if families and (d is None or cat.family_of(d) not in families) else None
        return False

    static = _static(sel, cat, ("removes", agent), compute)
    if static is None and sel.agents_from_fact is not None:
        return alg.contains(sel.agents_from_fact, agent)
    return alg.const(bool(static))


def removed_action(g: Guard, code: str) -> bool:
    return g.remove is not None and g.remove.action(code, action_classes().get(code))


_FAMILIES: dict[tuple[int, tuple[str, ...]], tuple[Catalogue, dict[str, list[str]]]] = {}


def _families(o: OptionShape) -> dict[str, list[str]]:
    """The option's agents by drug family (catalogue order of first appearance; memoised by
    the agents, not to be changed by the caller)."""
    cat = catalogue()
    key = (id(cat), o.agents)
    hit = _FAMILIES.get(key)
    if hit is None or hit[0] is not cat:
        drugs = cat.by_inn()
        out: dict[str, list[str]] = {}
        for a in o.agents:
            if a in drugs:
                out.setdefault(cat.family_of(drugs[a]), []).append(a)
        if len(_FAMILIES) >= 100_000:
            _FAMILIES.clear()
        hit = _FAMILIES[key] = (cat, out)
    return hit[1]


def blocks(g: Guard, o: OptionShape, dp: str, alg: Algebra[B],
           present: Sequence[OptionShape]) -> B:  # fmt: skip
    """This guard removes option ``o`` as a whole (see the module docstring)."""
    act = alg.active(g, dp, present)
    if alg.known_false(act):
        return act
    reasons: list[B] = []
    if g.remove is not None:
        for agents in _families(o).values():
            reasons.append(alg.and_([removed_agent(g, a, o, alg) for a in agents]))
        if o.actions and not o.agents and all(removed_action(g, a) for a in o.actions):
            reasons.append(alg.const(True))
    if g.require_partner is not None:
        cat = catalogue()
        drugs = cat.by_inn()
        groups = {drugs[a].group for a in o.agents if a in drugs}
        if groups & set(g.require_partner.groups) and not groups & set(g.require_partner.partners):
            reasons.append(alg.const(True))
    return alg.and_([act, alg.or_(reasons)]) if reasons else alg.const(False)


def blocked_by_all(guards: Iterable[Guard], o: OptionShape, dp: str, alg: Algebra[B],
                   present: Sequence[OptionShape]) -> B:  # fmt: skip
    """Some guard removes option ``o``, or the guards together leave none of one family.

    Removal accumulates across guards: an agent removed by any active guard is gone.
    """
    guards = list(guards)
    whole = [blocks(g, o, dp, alg, present) for g in guards]
    removing = [g for g in guards if g.remove is not None
                and not alg.known_false(alg.active(g, dp, present))]  # fmt: skip
    together: list[B] = []
    for agents in _families(o).values():
        together.append(
            alg.and_([
                alg.or_([alg.and_([alg.active(g, dp, present), removed_agent(g, a, o, alg)])
                         for g in removing])
                for a in agents
            ])
        )  # fmt: skip
    return alg.or_(whole + together)


def agent_removed(guards: Iterable[Guard], agent: str, o: OptionShape, dp: str,
                  alg: Algebra[B], present: Sequence[OptionShape]) -> B:  # fmt: skip
    return alg.or_([
        alg.and_([alg.active(g, dp, present), removed_agent(g, agent, o, alg)])
        for g in guards if g.remove is not None
    ])  # fmt: skip


def removed_something(g: Guard, dp: str, alg: Algebra[B],
                      present: Sequence[OptionShape]) -> B:  # fmt: skip
    """The guard is active and took an agent or action out of an offered option (or, with
    ``add_actions_when: active``, simply active)."""
    if g.remove is None or g.add_actions_when == "active":
        return alg.active(g, dp, present)
    hits: list[B] = []
    for o in present:
        parts = [removed_agent(g, a, o, alg) for a in o.agents]
        parts += [alg.const(removed_action(g, a)) for a in o.actions]
        hits.append(alg.and_([alg.offered(o.rule_id), alg.or_(parts)]))
    return alg.and_([alg.active(g, dp, present), alg.or_(hits)])


class Decision(Generic[B]):
    """The guards' booleans at one decision point (both engines read these)."""

    def __init__(self) -> None:
        self.blocked: dict[str, B] = {}
        self.prompts: dict[str, B] = {}
        self.suppressed: dict[str, B] = {}
        self.added: list[tuple[Guard, str, B]] = []


def decide(gs: GuardSet, dp: str, shapes: Sequence[OptionShape],
           alg: Algebra[B]) -> Decision[B]:  # fmt: skip
    """Which options the guards remove, which prompts they add or suppress, which actions they
    add, for the options ``shapes`` the rules offered at ``dp`` (``alg.offered`` says which)."""
    out: Decision[B] = Decision()
    # A guard known to be inactive for this case adds nothing below (each of its terms is ANDed
    # with its activity); the cohort's expressions are never known false, so it keeps them all.
    guards = [g for g in gs.guards
              if g.at(dp) and not alg.known_false(alg.active(g, dp, shapes))]  # fmt: skip
    for o in shapes:
        out.blocked[o.rule_id] = alg.and_(
            [alg.offered(o.rule_id), blocked_by_all(guards, o, dp, alg, shapes)]
        )
    for g in guards:
        for f in g.suppress_prompts:
            prev = out.suppressed.get(f)
            act = alg.active(g, dp, shapes)
            out.suppressed[f] = act if prev is None else alg.or_([prev, act])
    for g in guards:
        if g.prompt is not None:
            f = g.prompt.field
            on = alg.active(g, dp, shapes)
            if f in out.suppressed:
                on = alg.and_([on, alg.not_(out.suppressed[f])])
            prev = out.prompts.get(f)
            out.prompts[f] = on if prev is None else alg.or_([prev, on])
    earlier: dict[str, list[B]] = {}
    for g in guards:
        for code in g.add_actions:
            kept_with = [
                alg.and_([
                    alg.offered(o.rule_id),
                    alg.not_(out.blocked[o.rule_id]),
                    alg.not_(alg.or_([alg.active(h, dp, shapes) for h in guards
                                      if removed_action(h, code)])),
                ])
                for o in shapes if code in o.actions
            ]  # fmt: skip
            flag = alg.and_([
                removed_something(g, dp, alg, shapes),
                alg.not_(alg.or_(kept_with)),
                alg.not_(alg.or_(earlier.get(code, []))),
                # a guard that removes the action wins over one that adds it
                alg.not_(alg.or_([alg.active(h, dp, shapes) for h in guards
                                  if removed_action(h, code)])),
            ])  # fmt: skip
            earlier.setdefault(code, []).append(flag)
            out.added.append((g, code, flag))
    return out


# --------------------------------------------------------------------------------------------
# One patient: three-valued Python values
# --------------------------------------------------------------------------------------------


class PyAlgebra(Algebra[bool]):
    """Known-true booleans over a fact mapping (unknown counts as not holding)."""

    def __init__(self, facts: Mapping[str, Any], offered_ids: Iterable[str]) -> None:
        self.facts = facts
        self.offered_ids = set(offered_ids)
        self._active: dict[tuple[int, str, int], tuple[Guard, Sequence[OptionShape], bool]] = {}

    def active(self, g: Guard, dp: str, present: Sequence[OptionShape]) -> bool:
        """Computed once per guard: the facts and the offered options of one case do not
        change while its guards are decided (``decide`` asks for each guard many times)."""
        key = (id(g), dp, id(present))
        hit = self._active.get(key)
        if hit is None:  # the guard and the options are kept with the value: ids stay unique
            hit = (g, present, active(g, dp, self, present))
            self._active[key] = hit
        return hit[2]

    def const(self, value: bool) -> bool:
        return value

    def and_(self, xs: Sequence[bool]) -> bool:
        return all(xs)

    def or_(self, xs: Sequence[bool]) -> bool:
        return any(xs)

    def not_(self, x: bool) -> bool:
        return not x

    def holds(self, cond: Condition) -> bool:
        return truth(cond, self.facts) is True

    def unknown(self, fact: str) -> bool:
        return self.facts.get(fact) is None

    def contains(self, fact: str, item: str) -> bool:
        value = self.facts.get(fact)
        return value is not None and item in value

    def offered(self, rule_id: str) -> bool:
        return rule_id in self.offered_ids

    def known_false(self, x: bool) -> bool:
        return not x


def _fill(text: str, facts: Mapping[str, Any], zh: bool = False) -> str:
    """A guard text with the gestational age and ECOG filled in (in Chinese for ``zh``)."""
    weeks = facts.get("gestation_weeks")
    ecog = facts.get("ecog")
    gestation = ""
    if weeks is not None:
        gestation = f"（孕{weeks:g}周）" if zh else f", {weeks:g} weeks"
    unknown = "未记录" if zh else "not recorded"
    return text.replace("{gestation}", gestation).replace(
        "{ecog}", unknown if ecog is None else f"{ecog:g}"
    )


def _shape(o: OfferedOption) -> OptionShape:
    return OptionShape(o.rule_id, o.agents, o.actions)


def apply_guards(result: DecisionPointOptions, facts: Mapping[str, Any],
                 guards: GuardSet | None = None) -> DecisionPointOptions:  # fmt: skip
    """The guarded options of one decision point (pure)."""
    from breastcds.options.engine import Caution, NotOffered, Prompt

    gs = guards or load_guards()
    dp = result.decision_point
    if dp not in ALL_DECISION_POINTS or result.conflicts:
        return result
    candidates = list(result.options) + list(result.discuss)
    present = [_shape(o) for o in result.options]  # what the rules offered (as the cohort)
    alg = PyAlgebra(facts, [o.rule_id for o in result.options])
    d = decide(gs, dp, present, alg)
    on = [g for g in gs.guards if g.at(dp) and alg.active(g, dp, present)]
    kept: list[OfferedOption] = []
    blocked = list(result.blocked)
    for o in candidates:
        shape = _shape(o)
        if o.rule_id in d.blocked:
            stop = d.blocked[o.rule_id]
        else:  # a "discuss" option: the same test, against what the rules offered (a guard
            # that is not active here blocks nothing)
            stop = blocked_by_all(on, shape, dp, alg, present)
        if stop:
            why = [g for g in on if blocks(g, shape, dp, alg, present)] or [
                g for g in on if any(removed_agent(g, a, shape, alg) for a in o.agents)
            ]
            blocked.append(
                NotOffered(
                    rule_id=o.rule_id,
                    regimen=o.regimen,
                    agents=list(o.agents),
                    because=[
                        f"{_named(g, o, shape, alg)}: "
                        + _fill(g.reason.en if g.reason else g.id, facts)
                        for g in why
                    ],
                    near_miss=len(why) == 1,
                )
            )
            continue
        drop = {a for a in o.agents if agent_removed(on, a, shape, dp, alg, present)}
        drop_actions = {a for a in o.actions if any(removed_action(g, a) for g in on)}
        if drop or drop_actions:
            because = [
                _fill(g.reason.en, facts)
                for g in on
                if g.reason is not None
                and (any(removed_agent(g, a, shape, alg) for a in drop)
                     or any(removed_action(g, a) for a in drop_actions))
            ]  # fmt: skip
            note = f"without {', '.join(sorted(drop | drop_actions))}: " + "; ".join(because)
            o = o.model_copy(
                update={
                    "agents": [a for a in o.agents if a not in drop],
                    "agents_zh": [z for a, z in zip(o.agents, o.agents_zh, strict=True)
                                  if a not in drop],
                    "actions": [a for a in o.actions if a not in drop_actions],
                    "cautions": [*o.cautions, note],
                }
            )  # fmt: skip
        kept.append(o)
    cautions = list(result.cautions)
    seen = {c.factor for c in cautions}
    for g in on:
        if g.caution is not None and g.factor not in seen:
            seen.add(g.factor)
            cautions.append(
                Caution(
                    factor=g.factor,
                    text_en=_fill(g.caution.en, facts),
                    text_zh=_fill(g.caution.zh, facts, zh=True),
                    source="; ".join(s.cite() for s in g.source),
                )
            )
    suppressed = {f for f, flag in d.suppressed.items() if flag}
    prompts = [p for p in result.prompts if p.field not in suppressed]
    have = {p.field for p in prompts}
    for f, flag in d.prompts.items():
        if flag and f not in have:
            ids = [g.id for g in on if g.prompt is not None and g.prompt.field == f]
            reason = next(g.prompt.reason for g in on if g.prompt is not None
                          and g.prompt.field == f)  # fmt: skip
            prompts.append(Prompt(field=f, reason=reason, rule_ids=ids))
    prompts.sort(key=lambda p: p.field)
    chosen = [(g, code) for g, code, flag in d.added if flag]
    added = [_action_option(g, code, len(kept) + i + 1) for i, (g, code) in enumerate(chosen)]
    kept_ids = {o.rule_id for o in kept}
    return result.model_copy(
        update={
            "options": [o for o in kept if o.recommendation == "option"] + added,
            "discuss": [o for o in kept if o.recommendation == "discuss"],
            "blocked": blocked,
            "cautions": cautions,
            "prompts": prompts,
            "not_offered": [n for n in result.not_offered if n.rule_id not in kept_ids],
        }
    )


def _named(g: Guard, o: OfferedOption, shape: OptionShape, alg: Algebra[bool]) -> str:
    """What of the option the guard takes away (the agents or actions), for its reason."""
    hit = [a for a in o.agents if removed_agent(g, a, shape, alg)]
    hit += [a for a in o.actions if removed_action(g, a)]
    return ", ".join(hit or o.agents or [o.regimen])


def _action_option(g: Guard, code: str, rank: int) -> OfferedOption:
    """An action a guard adds, as an offered option (rule id ``guard.<id>.<action>``)."""
    from breastcds.options.engine import Grade, OfferedOption, RankReason

    a = load_actions().by_code()[code]  # guard actions are checked against the vocabulary
    label_en, label_zh, kind = a.en, a.zh, str(a.action_class)
    return OfferedOption(
        rule_id=action_rule_id(g, code),
        pathway="guards",
        recommendation="option",
        kind=kind,
        regimen=label_en,
        agents=[],
        agents_zh=[],
        actions=[code],
        text_en=label_en,
        text_zh=label_zh,
        grade=Grade(status="not verified", label="grade not verified"),
        rank=rank,
        rank_reason=RankReason(
            en="an action the patient's situation calls for (patient guard), after the options",
            zh="患者情况所需的处理（患者保护规则），列于治疗方案之后",
        ),
        sources=[s.cite() for s in g.source],
    )


def action_rule_id(g: Guard, code: str) -> str:
    return f"{g.id}.{code}"


# --------------------------------------------------------------------------------------------
# Cohort: the same functions over polars expressions (used by breastcds.cohort.engine)
# --------------------------------------------------------------------------------------------


def polars_algebra(offered: Callable[[str], Any],
                   active_flag: Callable[[Guard], Any] | None = None) -> Algebra[Any]:  # fmt: skip
    """The algebra over polars expressions; ``offered(rule_id)`` is the rule's offered flag,
    ``active_flag(guard)`` a precomputed column of :func:`active` (optional)."""
    import polars as pl

    from breastcds.knowledge.conditions import to_polars

    class _Pl(Algebra[Any]):
        """Expressions, with constants kept as Python booleans and folded away."""

        def const(self, value: bool) -> Any:
            return value

        def and_(self, xs: Sequence[Any]) -> Any:
            if any(x is False for x in xs):
                return False
            rest = [x for x in xs if x is not True]
            return True if not rest else rest[0] if len(rest) == 1 else pl.all_horizontal(rest)

        def or_(self, xs: Sequence[Any]) -> Any:
            if any(x is True for x in xs):
                return True
            rest = [x for x in xs if x is not False]
            return False if not rest else rest[0] if len(rest) == 1 else pl.any_horizontal(rest)

        def not_(self, x: Any) -> Any:
            return (not x) if isinstance(x, bool) else ~x

        def holds(self, cond: Condition) -> Any:
            return to_polars(cond).fill_null(False)

        def unknown(self, fact: str) -> Any:
            return pl.col(fact).is_null()

        def contains(self, fact: str, item: str) -> Any:
            return pl.col(fact).list.contains(item).fill_null(False)

        def offered(self, rule_id: str) -> Any:
            return offered(rule_id).fill_null(False)

        def active(self, g: Guard, dp: str, present: Sequence[OptionShape]) -> Any:
            if active_flag is None:
                return active(g, dp, self, present)
            return active_flag(g)

    return _Pl()


def as_expr(x: Any) -> Any:
    """A polars expression for a value of :func:`polars_algebra` (folded constants included)."""
    import polars as pl

    return pl.lit(x) if isinstance(x, bool) else x
