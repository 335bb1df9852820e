"""Radiotherapy after breast-conserving surgery: omission, fractionation, PBI and boost criteria.

Pure core: :func:`evaluate` reads the case's facts and judges every criteria set of
``knowledge/rt_omission.yaml`` and ``knowledge/rt_fractionation.yaml`` with the three-valued
condition language (:mod:`breastcds.knowledge.conditions`):

* ``meets`` — every criterion holds;
* ``fails`` — at least one criterion is false (each with the patient's value and the threshold),
  even when other criteria cannot be judged;
* ``insufficient_data`` — nothing fails but a deciding field is not recorded (the case fields
  that would decide are named). ``None`` is never read as negative or zero.

The summary says whether omission is a reasonable option to discuss (meets at least one set
whose role is ``supports_omission``: a reported trial or a guideline), cannot be judged yet, or
is not supported (then the closest set and what it fails on). Sources: each set's ``source``.

One pass serves the section and the course-of-care decision (options rule ``local.rt.omission``,
fact ``rt_omission_supported``): a criterion named by a ``course_presumptions`` entry of the
knowledge (adjuvant endocrine therapy presumed for a hormone receptor-positive tumour unless
declined or stopped: clinical_course.md 4.3 / 4.5) is evaluated once, beside the criterion as
written. The sets' verdicts stay as written; when the presumed reading changes a supporting
set's verdict, :attr:`RadiotherapyResult.course_decision` carries the course-level summary with
the knowledge's note, and :meth:`RadiotherapyResult.course_summary` is what the options read.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from breastcds.knowledge import conditions
from breastcds.knowledge.facts import LazyFacts
from breastcds.knowledge.once import once_per_assessment
from breastcds.knowledge.schema_rt_omission import (
    Caveat,
    CriteriaSet,
    GuidelinePosition,
    OmissionRole,
    OmissionSet,
    Outcome,
    Presumption,
    RecommendationSet,
    Regimen,
    RtFractionationKnowledge,
    RtOmissionKnowledge,
    load_rt_fractionation,
    load_rt_omission,
)
from breastcds.model.assessment import Classification, MissingInput
from breastcds.model.case import Case

__all__ = [
    "CourseDecision",
    "CourseSet",
    "CriterionResult",
    "FractionationResult",
    "PresumedCriterion",
    "RadiotherapyResult",
    "SetResult",
    "Summary",
    "Verdict",
    "evaluate",
    "evaluate_facts",
    "evaluate_set",
]

Verdict = Literal["meets", "fails", "insufficient_data"]
SummaryVerdict = Literal["discuss", "insufficient_data", "not_supported", "not_applicable"]


class _Result(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)


class CriterionResult(_Result):
    """One criterion that fails or cannot be judged.

    ``requirement`` is the threshold as the source states it; ``values`` the patient's values of
    the facts it reads (None = not recorded); ``missing_fields`` the case fields to record.
    """

    name: str
    requirement: str
    values: dict[str, Any]
    missing_fields: list[str] = Field(default_factory=list)


class SetResult(_Result):
    id: str
    name: str
    verdict: Verdict
    failed: list[CriterionResult] = Field(default_factory=list)
    unknown: list[CriterionResult] = Field(
        default_factory=list, description="criteria not judged (with fails: also not recorded)"
    )
    passed: list[str] = Field(default_factory=list)
    role: OmissionRole | None = None
    question: str | None = None
    meaning: str | None = None
    outcomes: list[Outcome] = Field(default_factory=list)
    regimens: list[str] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)
    source: str

    def criteria(self) -> list[str]:
        """The deciding criteria: failed ones for ``fails``, unjudged ones otherwise."""
        group = self.failed if self.verdict == "fails" else self.unknown
        return [c.name for c in group]


class Summary(_Result):
    verdict: SummaryVerdict
    text: str
    meets: list[str] = Field(default_factory=list, description="supporting sets met (ids)")
    pending: list[str] = Field(
        default_factory=list, description="supporting sets not judged for missing data (ids)"
    )
    closest: str | None = Field(None, description="when not supported: the nearest set (id)")
    closest_failed: list[str] = Field(default_factory=list)


class FractionationResult(_Result):
    regimens: list[Regimen]
    sets: list[SetResult]
    positions: list[GuidelinePosition]


class PresumedCriterion(_Result):
    """A criterion the course-level decision reads by a presumption, not by the record.

    ``requirement`` is the presumption's text, ``values`` the facts it reads, ``value`` its
    three-valued outcome (None = cannot tell), ``note`` what the section says about it.
    """

    name: str
    requirement: str
    values: dict[str, Any]
    value: bool | None
    note: str


class CourseSet(_Result):
    """A supporting set whose verdict the course-level reading changes (the section's verdict
    of the set, as written, stays in ``omission``)."""

    id: str
    name: str
    verdict: Verdict


class CourseDecision(_Result):
    """How the course-of-care decision (options rule ``local.rt.omission``) reads the omission
    sets, when a presumed criterion changes the verdict of a supporting set.

    ``summary`` is the course-level summary; ``missing_fields`` the fields it asks for when it
    cannot yet judge. The section's own verdicts and prompts are unchanged.
    """

    criteria: list[PresumedCriterion]
    sets: list[CourseSet]
    summary: Summary
    missing_fields: list[str] = Field(default_factory=list)


def _absent(v: object) -> bool:
    return v is None


class RadiotherapyResult(_Result):
    """The ``radiotherapy`` section: omission criteria sets, summary, fractionation/PBI/boost."""

    applicable: bool
    not_applicable_reason: str | None = None
    assumptions: list[str] = Field(default_factory=list)
    summary: Summary
    omission: list[SetResult] = Field(default_factory=list)
    guideline_positions: list[GuidelinePosition] = Field(default_factory=list)
    caveats: list[Caveat] = Field(default_factory=list)
    fractionation: FractionationResult | None = None
    missing: list[MissingInput] = Field(default_factory=list)
    knowledge: str
    # Left out of the JSON when absent (no presumption changes a verdict): the section's JSON
    # is then as it was before the course-level reading was part of the section.
    course_decision: CourseDecision | None = Field(default=None, exclude_if=_absent)

    def course_summary(self) -> Summary:
        """The summary the course-of-care decision reads (fact ``rt_omission_supported``):
        the course-level one when a presumption changes a supporting set's verdict, else the
        section's (the verdicts are then the same)."""
        return self.summary if self.course_decision is None else self.course_decision.summary


def _values(names: Sequence[str], facts: Mapping[str, Any]) -> dict[str, Any]:
    return {n: facts.get(n) for n in sorted(names)}


def evaluate_set(s: CriteriaSet, facts: Mapping[str, Any]) -> SetResult:
    """Judge one criteria set against a fact mapping (pure)."""
    by_name = {c.name: c for c in s.criteria}
    outcome = conditions.evaluate(s.condition(), facts)

    def result(name: str, fields: Sequence[str]) -> CriterionResult:
        criterion = by_name[name]
        cond = criterion.condition()
        used = sorted(cond.facts()) if cond is not None else []
        return CriterionResult(
            name=name,
            requirement=criterion.text,
            values=_values(used, facts),
            missing_fields=list(fields),
        )

    failed = [result(f.name, ()) for f in outcome.failed]
    unknown = [result(u.name, u.fields) for u in outcome.unknown]
    unknown += [
        CriterionResult(name=c.name, requirement=c.text, values={},
                        missing_fields=[f"(not in the case model) {c.unrecordable}"])
        for c in s.unrecordable()
    ]  # fmt: skip
    verdict: Verdict = "fails" if failed else ("insufficient_data" if unknown else "meets")
    extra: dict[str, Any] = {}
    if isinstance(s, OmissionSet):
        extra = {"role": s.role, "question": s.question, "outcomes": s.outcomes}
    elif isinstance(s, RecommendationSet):
        extra = {"meaning": s.meaning, "regimens": s.regimens}
    return SetResult(
        id=s.id,
        name=s.name,
        verdict=verdict,
        failed=failed,
        unknown=unknown,
        passed=list(outcome.passed),
        notes=list(s.notes),
        source=s.source,
        **extra,
    )


def _applicability(
    k: RtOmissionKnowledge, facts: Mapping[str, Any]
) -> tuple[str | None, list[str], list[MissingInput]]:
    """(not-applicable reason or None, assumptions made, missing prompts)."""
    assumptions: list[str] = []
    for criterion in k.applicability:
        cond = criterion.condition()
        assert cond is not None  # schema: applicability criteria always have a condition
        out = conditions.evaluate(cond, facts)
        if out.value is False:
            return f"not applicable: requires {criterion.text}", [], []
        if out.value is None:
            if criterion.note and criterion.note.startswith("assumed"):
                assumptions.append(f"{criterion.text} — {criterion.note}")
                continue
            fields = sorted({f for u in out.unknown for f in u.fields})
            prompts = [MissingInput(field=f, reason=f"needed to know whether {criterion.text}")
                       for f in fields]  # fmt: skip
            return f"cannot tell whether {criterion.text}: not recorded", [], prompts
    return None, assumptions, []


def _fmt_pct(v: float | None) -> str:
    return "—" if v is None else f"{v:g} %"


def outcome_text(o: Outcome) -> str:
    """'10-yr local or regional recurrence 10 % without vs 2 % with RT' (units: percent)."""
    when = f"{o.years:g}-yr " if o.years is not None else ""
    if o.without_rt_percent is None and o.with_rt_percent is None:
        return f"{when}{o.endpoint}: {o.note or 'not reported'}"
    if o.with_rt_percent is None:
        return f"{when}{o.endpoint} {_fmt_pct(o.without_rt_percent)} without RT"
    return (
        f"{when}{o.endpoint} {_fmt_pct(o.without_rt_percent)} without vs "
        f"{_fmt_pct(o.with_rt_percent)} with RT"
    )


def _pending_fields(pending: Sequence[SetResult]) -> list[str]:
    return sorted({f for r in pending for c in r.unknown for f in c.missing_fields})


def _summary(results: Sequence[SetResult], sets: Mapping[str, OmissionSet]) -> Summary:
    support = [r for r in results if r.role == "supports_omission"]
    met = [r for r in support if r.verdict == "meets"]
    if met:
        expected = []
        for r in met:
            local = [o for o in sets[r.id].outcomes if o.measure == "local_recurrence"]
            if local:  # the longest reported follow-up (crude whole-follow-up figures last)
                latest = max(local, key=lambda o: -1.0 if o.years is None else o.years)
                expected.append(f"{r.name}: {outcome_text(latest)}")
        text = (
            "RT omission is a reasonable option to discuss (meets: "
            + ", ".join(r.name for r in met)
            + ")"
        )
        if expected:
            text += "; expected local recurrence — " + "; ".join(expected)
        return Summary(verdict="discuss", text=text, meets=[r.id for r in met])
    pending = [r for r in support if r.verdict == "insufficient_data"]
    if pending:
        fields = _pending_fields(pending)
        text = (
            "cannot yet judge RT omission: no set is met or failed on recorded data alone "
            f"({', '.join(r.name for r in pending)}); record: {', '.join(fields)}"
        )
        return Summary(verdict="insufficient_data", text=text, pending=[r.id for r in pending])
    closest = min(support, key=lambda r: len(r.failed)) if support else None
    if closest is None:  # pragma: no cover - knowledge always has supporting sets
        return Summary(verdict="not_supported", text="RT omission not supported")
    fails = "; ".join(c.requirement for c in closest.failed)
    return Summary(
        verdict="not_supported",
        text=(
            "RT omission not supported (fails every trial and guideline set; closest: "
            f"{closest.name} — fails {fails})"
        ),
        closest=closest.id,
        closest_failed=[c.name for c in closest.failed],
    )


def _missing(results: Sequence[SetResult]) -> list[MissingInput]:
    out: dict[str, MissingInput] = {}
    for r in results:
        if r.role != "supports_omission" or r.verdict != "insufficient_data":
            continue
        for c in r.unknown:
            for f in c.missing_fields:
                if f not in out and not f.startswith("(not in the case model)"):
                    out[f] = MissingInput(field=f, reason=f"decides {r.name}: {c.requirement}")
    return list(out.values())


#: A criterion's three-valued outcome and its result (for the failed / unknown lists).
Reading = tuple[bool | None, CriterionResult]


def _presumed(p: Presumption, facts: Mapping[str, Any]) -> tuple[PresumedCriterion, Reading]:
    """The presumption judged once (pure): the reported criterion and, for the sets, the
    criterion result it stands for (with the fields to record when it cannot tell)."""
    cond = p.condition()
    out = conditions.evaluate(cond, facts)
    values = _values(sorted(cond.facts()), facts)
    notes = [n for n in p.notes if n.when is None or conditions.truth(n.when, facts) is True]
    reported = PresumedCriterion(
        name=p.criterion, requirement=p.text, values=values, value=out.value, note=notes[0].text
    )
    fields = sorted({f for u in out.unknown for f in u.fields}) if out.value is None else []
    result = CriterionResult(name=p.criterion, requirement=p.text, values=values,
                             missing_fields=fields)  # fmt: skip
    return reported, (out.value, result)


def _read_with(r: SetResult, s: OmissionSet, readings: Mapping[str, Reading]) -> SetResult:
    """The set's result with each presumed criterion in place of the one as written (pure; no
    criterion is evaluated again)."""
    order = {c.name: i for i, c in enumerate(s.criteria)}
    failed = [c for c in r.failed if c.name not in readings]
    unknown = [c for c in r.unknown if c.name not in readings]
    passed = [n for n in r.passed if n not in readings]
    for name, (value, result) in readings.items():
        if value is False:
            failed.append(result)
        elif value is None:
            unknown.append(result)
        else:
            passed.append(name)
    unrecordable = {c.name for c in s.unrecordable()}
    failed.sort(key=lambda c: order[c.name])
    unknown.sort(key=lambda c: (c.name in unrecordable, order[c.name]))
    passed.sort(key=order.__getitem__)
    verdict: Verdict = "fails" if failed else ("insufficient_data" if unknown else "meets")
    return r.model_copy(
        update={"verdict": verdict, "failed": failed, "unknown": unknown, "passed": passed}
    )


def _course_decision(
    k: RtOmissionKnowledge, results: Sequence[SetResult], facts: Mapping[str, Any]
) -> CourseDecision | None:
    """The course-level reading of the supporting sets, when a presumption changes a verdict
    (each presumption evaluated once; knowledge ``course_presumptions``)."""
    by_id = {s.id: s for s in k.sets}
    judged: dict[str, tuple[PresumedCriterion, Reading]] = {}
    course: list[SetResult] = []
    changed: list[SetResult] = []
    for r in results:
        s = by_id[r.id]
        presumed = [p for c in s.criteria if (p := k.presumption(c.name)) is not None]
        if r.role != "supports_omission" or not presumed:
            course.append(r)
            continue
        for p in presumed:
            if p.criterion not in judged:
                judged[p.criterion] = _presumed(p, facts)
        read = _read_with(r, s, {p.criterion: judged[p.criterion][1] for p in presumed})
        course.append(read)
        if read.verdict != r.verdict:
            changed.append(read)
    if not changed:
        return None
    summary = _summary(course, by_id)
    pending = [r for r in course if r.role == "supports_omission" and r.id in summary.pending]
    return CourseDecision(
        criteria=[reported for reported, _ in judged.values()],
        sets=[CourseSet(id=r.id, name=r.name, verdict=r.verdict) for r in changed],
        summary=summary,
        missing_fields=_pending_fields(pending),
    )


def evaluate_facts(
    facts: Mapping[str, Any],
    knowledge: RtOmissionKnowledge | None = None,
    fractionation: RtFractionationKnowledge | None = None,
) -> RadiotherapyResult:
    """Evaluate every criteria set against a fact mapping (pure; knowledge defaults to packaged)."""
    k = knowledge or load_rt_omission()
    fr = fractionation or load_rt_fractionation()
    stamp = f"{k.schema_} ({k.updated}); {fr.schema_} ({fr.updated})"
    reason, assumptions, prompts = _applicability(k, facts)
    if reason is not None:
        return RadiotherapyResult(
            applicable=False,
            not_applicable_reason=reason,
            summary=Summary(verdict="not_applicable", text=reason),
            missing=prompts,
            knowledge=stamp,
        )
    results = [evaluate_set(s, facts) for s in k.sets]
    by_id = {s.id: s for s in k.sets}
    return RadiotherapyResult(
        applicable=True,
        assumptions=assumptions,
        summary=_summary(results, by_id),
        omission=results,
        guideline_positions=list(k.guidelines),
        caveats=list(k.caveats),
        fractionation=FractionationResult(
            regimens=list(fr.regimens),
            sets=[evaluate_set(s, facts) for s in fr.sets],
            positions=list(fr.positions),
        ),
        missing=_missing(results),
        knowledge=stamp,
        course_decision=_course_decision(k, results, facts),
    )


@once_per_assessment
def evaluate(case: Case, classification: Classification) -> RadiotherapyResult:
    """Radiotherapy-after-BCS assessment of one validated, classified case (pure; once per
    assessment). The section and the course-level fact ``rt_omission_supported`` (its
    :meth:`RadiotherapyResult.course_summary`) read this one result.

    The facts are read lazily (a fact may call this while the case's facts are being extracted).
    """
    return evaluate_facts(LazyFacts(case, classification))
