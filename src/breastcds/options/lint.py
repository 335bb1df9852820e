"""Knowledge-base lint for the treatment-option rules (``breastcds kb lint``).

Fails on: a pathway file that does not validate (a rule without source or grading, an unknown
fact, a bad operator or value — the schema rejects them), an agent missing from the drug
catalogue, a verified grade whose ``verified_in`` does not name the guideline and its version
(year), text that is not bilingual (English with Latin letters, Chinese with CJK characters), a
rule without an evidence endpoint or whose evidence names a trial absent from its sources, a
safety contradiction (a HER2-directed agent whose rule does not require HER2-positive disease —
HER2-low ADCs: HER2-low/ultralow metastatic only; an endocrine agent whose rule does not require
ER-positive disease; a HER2-low ADC at an early decision point), contradictory rules (an
option and an "avoid" rule for the same agent and decision point that can apply to the same case),
and, when coverage fixtures are given, a rule without a fixture that fires it and one that just
misses it (exactly one failed criterion), or a fixture whose stated expectation does not hold.
"""

from __future__ import annotations

import itertools
import random
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from breastcds.knowledge.conditions import Condition, evaluate
from breastcds.knowledge.decision_points import EARLY, METASTATIC
from breastcds.knowledge.facts import FACTS
from breastcds.knowledge.grading import where_errors
from breastcds.knowledge.loader import KnowledgeError
from breastcds.model.assessment import Classification
from breastcds.model.case import Case
from breastcds.options.schema import KnowledgeBase, Rule, load_kb, load_kb_dir


@dataclass
class LintReport:
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    rules: int = 0
    fixtures: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors


def requires(cond: Condition | None, fact: str, allowed: set[str]) -> bool:
    """True when ``cond`` can only be true if ``fact`` takes a value in ``allowed``."""
    if cond is None:
        return False
    if cond.fact is not None:
        if cond.fact != fact:
            return False
        if cond.op == "eq":
            return cond.value in allowed
        if cond.op == "in":
            return set(cond.value) <= allowed
        return False
    if cond.all_ is not None:
        return any(requires(c, fact, allowed) for c in cond.all_)
    if cond.any_ is not None:
        return all(requires(c, fact, allowed) for c in cond.any_)
    return False


def safety_errors(kb: KnowledgeBase) -> list[str]:
    drugs = kb.drugs.by_inn()
    errors: list[str] = []
    for r in kb.rules:
        if r.recommendation == "avoid":
            continue
        her2_pos = requires(r.when, "her2.status", {"positive"}) or requires(
            r.when, "her2.category", {"HER2-positive"}
        )
        for inn in r.option.agents:
            d = drugs[inn]
            early = [dp for dp in r.decision_points if dp in EARLY]
            if d.anti_her2 and not her2_pos:
                low_ok = (
                    d.her2_low_active
                    and not early
                    and all(dp in METASTATIC for dp in r.decision_points)
                    and requires(r.when, "her2.category", {"HER2-low", "HER2-ultralow"})
                )
                if not low_ok:
                    errors.append(
                        f"rule {r.id!r}: HER2-directed {inn} but the rule does not require "
                        "HER2-positive disease (HER2-low ADCs: HER2-low/ultralow, metastatic only)"
                    )
            if d.her2_low_active and early and not her2_pos:
                errors.append(f"rule {r.id!r}: HER2-low ADC {inn} at early decision points {early}")
            if (
                d.endocrine
                and r.recommendation == "option"
                and not requires(r.when, "er.status", {"positive"})
            ):
                errors.append(
                    f"rule {r.id!r}: endocrine agent {inn} but the rule does not require "
                    "ER-positive disease"
                )
    return errors


_CJK = re.compile(r"[\u4e00-\u9fff]")
_LATIN = re.compile(r"[A-Za-z]")


def grading_errors(kb: KnowledgeBase) -> list[str]:
    """A verified grade must say in which guideline (name and version year) it was read."""
    errors: list[str] = []
    for r in kb.rules:
        errors += where_errors(f"rule {r.id!r}", r.grading)
    return errors


def regimen_grading_errors() -> list[str]:
    """The graded radiotherapy regimens (``rt_fractionation.yaml``): a verified grade names
    the guideline, its year and section, and the table row it belongs to (the schema checks
    the row when the file is loaded)."""
    from breastcds.knowledge.schema_rt_omission import load_rt_fractionation

    errors: list[str] = []
    for g in load_rt_fractionation().regimens:
        if g.grading is not None:
            errors += where_errors(f"regimen {g.id!r} (rt_fractionation.yaml)", g.grading)
    return errors


def regimen_grading_notes() -> list[str]:
    """How many radiotherapy regimens carry a verified CSCO level (information)."""
    from breastcds.knowledge.schema_rt_omission import load_rt_fractionation

    regimens = load_rt_fractionation().regimens
    graded = [g for g in regimens if g.grading is not None and g.grading.csco is not None]
    return [
        f"{len(graded)} of {len(regimens)} radiotherapy regimens (rt_fractionation.yaml) "
        "carry a verified CSCO level (not counted among the option rules)"
    ]


def text_errors(kb: KnowledgeBase) -> list[str]:
    """Every rule and pathway title in English (Latin letters) and Chinese (CJK characters)."""
    errors: list[str] = []
    items = [(f"pathway {p.pathway!r} title", p.title) for p in kb.pathways]
    items += [(f"rule {r.id!r} text", r.text) for r in kb.rules]
    for what, t in items:
        if not _CJK.search(t.zh):
            errors.append(f"{what}: zh has no Chinese characters: {t.zh!r}")
        if not _LATIN.search(t.en):
            errors.append(f"{what}: en has no English text: {t.en!r}")
    for r in kb.rules:
        for where, cond in (("when", r.when), *(("unless", c) for c in r.unless),
                            *(("caution_if", c) for c in r.caution_if)):  # fmt: skip
            for name in _names_without_zh(cond):
                errors.append(f"rule {r.id!r} {where}: condition name {name!r} needs name_zh")
    return errors


def _names_without_zh(cond: Condition | None) -> list[str]:
    """Names of a condition tree shown to a reader (matched / failed criteria) without their
    Simplified Chinese (``name_zh``)."""
    if cond is None:
        return []
    out = [cond.name] if cond.name and not (cond.name_zh or "").strip() else []
    for c in (*(cond.all_ or []), *(cond.any_ or []), *([cond.not_] if cond.not_ else [])):
        out += _names_without_zh(c)
    return out


def evidence_errors(kb: KnowledgeBase) -> list[str]:
    """Every rule records the trial endpoint it rests on (or ``none``), naming a source trial."""
    errors: list[str] = []
    for r in kb.rules:
        ev = r.evidence
        if ev is None:
            errors.append(
                f"rule {r.id!r}: no evidence endpoint (evidence: {{endpoint: "
                "os|bcss|dfs|pfs|response|none, trial: <a source trial>})"
            )
            continue
        trials = [s.trial for s in r.source if s.trial]
        if ev.trial is not None and ev.trial not in trials:
            errors.append(
                f"rule {r.id!r}: evidence trial {ev.trial!r} is not one of its sources {trials}"
            )
    return errors


def grading_notes(kb: KnowledgeBase) -> list[str]:
    """How many option rules carry a verified CSCO level (information, not an error)."""
    options = [r for r in kb.rules if r.recommendation == "option"]
    csco = [r for r in options if r.grading.csco is not None]
    share = 100.0 * len(csco) / len(options) if options else 0.0
    return [
        f"{len(csco)} of {len(options)} option rules carry a verified CSCO level ({share:.0f} %)"
    ]


def _constants(cond: Condition | None) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = {}
    if cond is None:
        return out
    if cond.fact is not None:
        vals = cond.value if isinstance(cond.value, list) else [cond.value]
        out.setdefault(cond.fact, []).extend(vals)
        return out
    for child in cond.children():
        for k, v in _constants(child).items():
            out.setdefault(k, []).extend(v)
    return out


def _domain(fact: str, constants: list[Any]) -> list[Any]:
    spec = FACTS[fact]
    if spec.type == "bool":
        return [True, False]
    if spec.type == "enum":
        return list(spec.values or sorted({str(c) for c in constants}))
    if spec.type == "number":
        nums = sorted({float(c) for c in constants})
        return sorted({x + d for x in nums for d in (-1.0, 0.0, 1.0)} | {0.0})
    uniq = sorted({str(c) for c in constants})
    return [[], *([u] for u in uniq), uniq]


def witness(a: Condition | None, b: Condition | None, samples: int = 4000) -> dict[str, Any] | None:
    """A fact assignment on which both conditions are true, or None if none was found."""
    consts: dict[str, list[Any]] = {}
    for c in (a, b):
        for k, v in _constants(c).items():
            consts.setdefault(k, []).extend(v)
    names = sorted(consts)
    domains = [_domain(n, consts[n]) for n in names]
    size = 1
    for d in domains:
        size *= len(d)
    combos: Iterable[tuple[Any, ...]]
    if size <= samples:
        combos = itertools.product(*domains)
    else:
        rng = random.Random(20261125)
        combos = (tuple(rng.choice(d) for d in domains) for _ in range(samples))
    for combo in combos:
        facts = dict(zip(names, combo, strict=True))
        ok_a = a is None or evaluate(a, facts).value is True
        if ok_a and (b is None or evaluate(b, facts).value is True):
            return facts
    return None


def contradiction_errors(kb: KnowledgeBase) -> list[str]:
    errors: list[str] = []
    avoid = [r for r in kb.rules if r.recommendation == "avoid"]
    for r in kb.rules:
        if r.recommendation != "option":
            continue
        for x in avoid:
            shared_dp = set(r.decision_points) & set(x.decision_points)
            shared_agents = set(r.option.agents) & set(x.option.agents)
            if not shared_dp or not shared_agents:
                continue
            w = witness(r.when, x.when)
            if w is not None:
                errors.append(
                    f"contradiction: option {r.id!r} and avoid-rule {x.id!r} both apply to "
                    f"{sorted(shared_agents)} at {sorted(shared_dp)} (e.g. {w})"
                )
    return errors


@dataclass(frozen=True)
class Fixture:
    id: str
    case: dict[str, Any]
    fires: tuple[str, ...]
    misses: tuple[str, ...]
    origin: str


def read_fixtures(path: Path) -> list[Fixture]:
    files = sorted(path.glob("*.yaml")) if path.is_dir() else [path]
    out: list[Fixture] = []
    for f in files:
        data = yaml.safe_load(f.read_text(encoding="utf-8")) or []
        for item in data:
            out.append(
                Fixture(
                    id=str(item["id"]),
                    case=item["case"],
                    fires=tuple(item.get("fires") or []),
                    misses=tuple(item.get("misses") or []),
                    origin=str(f),
                )
            )
    return out


Classifier = Callable[[Case], Classification]
"""Classifies a fixture case (``entrypoint.classify``, passed in by the adapter)."""


def coverage_errors(
    kb: KnowledgeBase, fixtures: list[Fixture], classify: Classifier
) -> tuple[list[str], list[str]]:
    """(errors, notes): every stated expectation must hold; every rule fired and just missed."""
    from breastcds.model.parse import parse_case
    from breastcds.options.engine import evaluate_options

    errors: list[str] = []
    notes: list[str] = []
    ids = {r.id for r in kb.rules}
    fired: set[str] = set()
    missed: set[str] = set()
    for fx in fixtures:
        case = parse_case(fx.case)
        result = evaluate_options(case, classify(case), kb=kb)
        offered = {
            o.rule_id
            for p in result.decision_points
            for o in (*p.options, *p.discuss, *p.not_recommended)
        }
        near = {n.rule_id for p in result.decision_points for n in p.not_offered if n.near_miss}
        for rid in (*fx.fires, *fx.misses):
            if rid not in ids:
                errors.append(f"{fx.origin} fixture {fx.id!r}: unknown rule {rid!r}")
        for rid in fx.fires:
            if rid in offered:
                fired.add(rid)
            elif rid in ids:
                errors.append(f"fixture {fx.id!r} should fire {rid!r} but does not")
        for rid in fx.misses:
            if rid in near:
                missed.add(rid)
            elif rid in ids:
                errors.append(f"fixture {fx.id!r} should just miss {rid!r} but does not")
    for r in kb.rules:
        if r.id not in fired:
            errors.append(f"rule {r.id!r} has no fixture that fires it")
        if r.id not in missed:
            if _can_miss(r):
                errors.append(f"rule {r.id!r} has no fixture that just misses it")
            else:
                notes.append(f"rule {r.id!r} has no condition (always applies at its points)")
    return errors, notes


def _can_miss(rule: Rule) -> bool:
    return rule.when is not None or bool(rule.unless)


def lint(
    kb_dir: Path | None = None,
    coverage: Path | None = None,
    drugs: Path | None = None,
    classify: Classifier | None = None,
) -> LintReport:
    """Lint the packaged knowledge base (or ``kb_dir``), optionally with coverage fixtures.

    Coverage needs ``classify`` (the engine's classification, given by the adapter: this
    capability does not import the engine above it).
    """
    if coverage is not None and classify is None:
        raise ValueError("lint(coverage=...) needs classify (e.g. breastcds.entrypoint.classify)")
    report = LintReport()
    try:
        kb = load_kb() if kb_dir is None else load_kb_dir(kb_dir, drugs)
    except KnowledgeError as exc:
        report.errors.append(str(exc))
        return report
    report.rules = len(kb.rules)
    report.errors += grading_errors(kb)
    if kb_dir is None:  # the packaged radiotherapy knowledge goes with the packaged rules
        report.errors += regimen_grading_errors()
        report.notes += regimen_grading_notes()
    report.errors += text_errors(kb)
    report.errors += evidence_errors(kb)
    report.notes += grading_notes(kb)
    report.errors += safety_errors(kb)
    report.errors += contradiction_errors(kb)
    if coverage is not None and classify is not None:
        fixtures = read_fixtures(coverage)
        report.fixtures = len(fixtures)
        errors, notes = coverage_errors(kb, fixtures, classify)
        report.errors += errors
        report.notes += notes
    else:
        report.notes.append("coverage not checked (give the fixtures path)")
    return report
