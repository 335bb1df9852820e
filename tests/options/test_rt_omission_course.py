"""RT omission on a course case: the course-level action ``rt_omission`` (rule local.rt.omission,
fact rt_omission_supported) judges the omission sets with adjuvant endocrine therapy presumed.

Expected answers from shared/reference/domain/clinical_course.md §4.3 ("RT omission per
rt_omission.md (both presume endocrine therapy)"), §4.5 ("declined ET removes the premise of RT
omission"), §5.1 ("Tumour on ink: RT omission is never judged") and rt_omission.md §1 (CALGB 9343:
age >= 70, <= 20 mm, N0, ER+, margin > 0; PRIME II: age >= 65, <= 30 mm, pN0, HR+, margin >= 1 mm,
not grade 3 with LVI; LUMINA: age >= 55, pT1, grade 1-2, ER >= 1 %, PR > 20 %, HER2-,
Ki-67 <= 13.25 %, margin >= 1 mm) and §2 (declined or stopped: reconsider RT). The course format
carries no endocrine_therapy_planned: the radiotherapy section keeps judging it as not recorded,
and in the same pass reads the presumption the course decision uses, which it shows as such
(``course_decision``); the options read that one result.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from breastcds import assess
from breastcds.concordance.course import evaluate, to_case
from breastcds.knowledge.loader import KnowledgeError, load_yaml
from breastcds.knowledge.schema_rt_omission import parse_rt_omission
from breastcds.radiotherapy.omission import RadiotherapyResult

# 72, ER 90 % PR 60 % HER2 0, pT1 (14 mm) pN0, grade 1, no LVI, margin 3 mm, Ki-67 10 %:
# meets CALGB 9343, PRIME II and LUMINA once endocrine therapy is presumed.
_BASE: dict[str, Any] = {
    "age": 72, "sex": "female", "menopausal_status": "post", "pregnant": False, "ecog": 0,
    "comorbidities": [], "declines": [],
    "tumor": {"size_mm": 14, "clinical_n": "cN0", "nodes_positive": 0, "nodes_examined": 2,
              "grade": 1, "lvi": False, "margin_mm": 3, "m_category": "M0"},
    "biomarkers": {"er_percent": 90, "pr_percent": 60, "her2_ihc": 0,
                   "her2_ihc0_staining": "none", "ki67_percent": 10, "gbrca": "negative"},
    "history": {"surgery": {"type": "bcs", "axilla": "slnb", "sentinel_nodes_positive": 0}},
}  # fmt: skip


def _case(**changes: Any) -> dict[str, Any]:
    case = copy.deepcopy(_BASE)
    for path, value in changes.items():
        *parents, leaf = path.split("__")
        target = case
        for p in parents:
            target = target.setdefault(p, {})
        if value is _DROP:
            target.pop(leaf, None)
        else:
            target[leaf] = value
    return {"id": "boundary", "case": case}


_DROP = object()


def _offered(**changes: Any) -> bool:
    actual = evaluate(_case(**changes))
    assert actual["decision_point"] == "adjuvant"
    return "rt_omission" in actual["actions"]


def test_hormone_receptor_positive_not_declined_endocrine_therapy_is_presumed() -> None:
    assert _offered()


@pytest.mark.parametrize(
    ("age", "offered"),
    [(70, True), (69, False)],
)
def test_calgb_9343_age_boundary_with_presumed_endocrine_therapy(age: int, offered: bool) -> None:
    # CALGB 9343 (and NCCN 2015) alone: PRIME II fails 0.5 mm (< 1 mm), LUMINA, NICE and
    # PRECISION fail grade 3, IDEA fails 0.5 mm (< 2 mm)
    assert _offered(age=age, tumor__size_mm=18, tumor__margin_mm=0.5,
                    tumor__grade=3) is offered  # fmt: skip


@pytest.mark.parametrize(
    ("age", "size", "offered"),
    [(65, 30, True), (64, 30, False), (65, 31, False)],  # PRIME II alone (others: > 20 mm)
)
def test_prime_ii_age_and_size_boundary_with_presumed_endocrine_therapy(
    age: int, size: int, offered: bool
) -> None:
    assert _offered(age=age, tumor__size_mm=size, tumor__grade=3) is offered


@pytest.mark.parametrize(("grade", "offered"), [(2, True), (3, False)])
def test_lumina_grade_boundary_with_presumed_endocrine_therapy(grade: int, offered: bool) -> None:
    # 60: under PRIME II's and CALGB 9343's ages; LUMINA (>= 55, grade 1-2) decides
    assert _offered(age=60, tumor__grade=grade) is offered


def test_nodes_positive_is_never_offered() -> None:
    assert not _offered(tumor__nodes_positive=1, tumor__clinical_n="cN0",
                        history__surgery__sentinel_nodes_positive=1)  # fmt: skip


def test_declined_endocrine_therapy_removes_the_premise() -> None:
    assert not _offered(declines=["endocrine_therapy"])


def test_er_and_pr_negative_is_not_offered() -> None:
    assert not _offered(biomarkers__er_percent=0, biomarkers__pr_percent=0)


def test_a_recorded_ongoing_endocrine_therapy_counts_as_given() -> None:
    ongoing = {"agents": ["letrozole"], "years_completed": 0.2, "ongoing": True}
    assert _offered(history__endocrine=ongoing)


def test_a_recorded_stopped_endocrine_therapy_removes_the_premise() -> None:
    stopped = {"agents": ["letrozole"], "years_completed": 0.2, "ongoing": False,
               "months_since_end": 1}  # fmt: skip
    assert not _offered(history__endocrine=stopped)


def test_tumour_on_ink_is_never_offered() -> None:
    assert not _offered(tumor__margin_mm=0)


def test_mastectomy_is_never_offered() -> None:
    actual = evaluate(_case(history__surgery__type="mastectomy"))
    assert "rt_omission" not in actual["actions"]


def test_a_recurrence_is_never_offered() -> None:
    recurrence = {"site": "ipsilateral_breast", "months_since_diagnosis": 60, "biopsied": True,
                  "restaged": True, "resected": False}  # fmt: skip
    actual = evaluate(_case(history__recurrence=recurrence))
    assert "rt_omission" not in actual["actions"]


def test_unknown_margin_prompts_for_the_margin() -> None:
    actual = evaluate(_case(tumor__margin_mm=_DROP))
    assert "rt_omission" not in actual["actions"]
    assert any("margin" in f for f in actual["missing"]), actual["missing"]


def test_the_radiotherapy_section_still_judges_endocrine_therapy_as_not_recorded() -> None:
    section = assess(to_case(_case())).sections.radiotherapy
    assert section is not None
    assert section.summary.verdict == "insufficient_data"
    assert section.course_summary().verdict == "discuss"  # the course decision's reading
    for s in section.omission:
        if s.id in ("CALGB_9343", "PRIME_II", "LUMINA"):
            assert s.verdict == "insufficient_data"
            assert s.criteria() == ["endocrine_therapy_planned"]


def _one_assessment(case: dict[str, Any]) -> tuple[RadiotherapyResult, set[str]]:
    """The radiotherapy section and the course actions of one assessment of ``case``."""
    a = assess(case)
    actions = {x for p in a.sections.options.decision_points for x in p.actions()}
    return a.sections.radiotherapy, actions


_TAKEN = {"agents": ["letrozole"], "years_completed": 0.2, "ongoing": True}


@pytest.mark.parametrize(
    ("label", "changes", "planned", "offered", "note"),
    [
        # nothing recorded about endocrine therapy: presumed for ER 90 % / PR 60 %
        ("presumed", {}, None, True, "This is a presumption, not a recorded fact"),
        # the course format's endocrine record (ongoing letrozole): counted as taken
        ("taken", {"history__endocrine": _TAKEN}, None, True, "recorded as taken"),
        # the trials' criterion recorded: the section judges it, no course reading is needed
        ("planned", {}, True, True, None),
        ("not planned", {}, False, False, None),
        # declined: no omission on either reading (clinical_course.md 4.5)
        ("declined", {"declines": ["endocrine_therapy"]}, None, False, "declined or stopped"),
    ],
)
def test_the_section_and_the_options_read_one_result(
    label: str, changes: dict[str, Any], planned: bool | None, offered: bool, note: str | None
) -> None:
    case = to_case(_case(**changes))
    if planned is not None:
        case["treatment"]["endocrine_therapy_planned"] = planned
    section, actions = _one_assessment(case)
    assert ("rt_omission" in actions) is offered, label
    assert (section.course_summary().verdict == "discuss") is offered, label
    verdicts = {s.id: s for s in section.omission}
    trials = ("CALGB_9343", "PRIME_II", "LUMINA")
    if planned is None:
        # the trial verdicts stay as written: endocrine_therapy_planned is not recorded, so
        # the section still asks for it (and never reads the presumption as a record)
        assert section.summary.verdict == "insufficient_data", label
        for t in trials:
            assert verdicts[t].verdict == "insufficient_data", (label, t)
            assert verdicts[t].criteria() == ["endocrine_therapy_planned"], (label, t)
        assert "treatment.endocrine_therapy_planned" in {m.field for m in section.missing}
        course = section.course_decision
        assert course is not None, label
        assert [c.name for c in course.criteria] == ["endocrine_therapy_planned"]
        assert note is not None and note in course.criteria[0].note, label
        assert {s.id for s in course.sets} >= set(trials), label
        want = "meets" if offered else "fails"
        assert {s.verdict for s in course.sets} == {want}, label
        assert "course_decision" in section.model_dump(mode="json")
    else:
        # recorded: the section's own verdicts decide, unchanged, and no note is shown
        assert section.course_decision is None, label
        assert "course_decision" not in section.model_dump(mode="json")
        expected = "meets" if planned else "fails"
        for t in trials:
            assert verdicts[t].verdict == expected, (label, t)
        assert section.summary.verdict == ("discuss" if planned else "not_supported")


def test_the_omission_sets_are_judged_once_per_assessment(monkeypatch: pytest.MonkeyPatch) -> None:
    """The options' fact and the section read the one evaluation (no second pass)."""
    from breastcds.radiotherapy import omission

    calls: list[int] = []
    real = omission.evaluate_facts

    def counted(*args: Any, **kwargs: Any) -> omission.RadiotherapyResult:
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(omission, "evaluate_facts", counted)
    section, actions = _one_assessment(to_case(_case()))
    assert "rt_omission" in actions and section.course_decision is not None
    assert len(calls) == 1


def test_presumption_notes_need_an_otherwise_last() -> None:
    data = load_yaml("rt_omission.yaml")
    notes = data["course_presumptions"][0]["notes"]
    assert notes[-1].get("when") is None and all(n.get("when") for n in notes[:-1])
    broken = copy.deepcopy(data)
    broken["course_presumptions"][0]["notes"] = notes[:-1]
    with pytest.raises(KnowledgeError, match="last note has no 'when'"):
        parse_rt_omission(broken)
    broken["course_presumptions"][0]["notes"] = []
    with pytest.raises(KnowledgeError, match="notes"):
        parse_rt_omission(broken)
    twice = copy.deepcopy(data)
    twice["course_presumptions"] *= 2
    with pytest.raises(KnowledgeError, match="given twice"):
        parse_rt_omission(twice)
