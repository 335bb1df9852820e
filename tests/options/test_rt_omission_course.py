"""RT omission on a course case: the course-level action ``rt_omission`` (rule local.rt.omission,
fact rt_omission_supported) judges the omission sets with adjuvant endocrine therapy presumed.

Expected answers from shared/reference/domain/clinical_course.md §4.3 ("RT omission per
rt_omission.md (both presume endocrine therapy)"), §4.5 ("declined ET removes the premise of RT
omission"), §5.1 ("Tumour on ink: RT omission is never judged") and rt_omission.md §1 (CALGB 9343:
age >= 70, <= 20 mm, N0, ER+, margin > 0; PRIME II: age >= 65, <= 30 mm, pN0, HR+, margin >= 1 mm,
not grade 3 with LVI; LUMINA: age >= 55, pT1, grade 1-2, ER >= 1 %, PR > 20 %, HER2-,
Ki-67 <= 13.25 %, margin >= 1 mm) and §2 (declined or stopped: reconsider RT). The course format
carries no endocrine_therapy_planned: the radiotherapy section keeps judging it as not recorded.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from breastcds import assess
from breastcds.concordance.course import evaluate, to_case
from breastcds.knowledge.loader import load_yaml
from breastcds.knowledge.schema_rt_omission import parse_rt_omission

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
    for s in section.omission:
        if s.id in ("CALGB_9343", "PRIME_II", "LUMINA"):
            assert s.verdict == "insufficient_data"
            assert s.criteria() == ["endocrine_therapy_planned"]


def test_course_sets_read_the_presumption_even_after_the_written_sets_were_evaluated() -> None:
    k = parse_rt_omission(load_yaml("rt_omission.yaml"))  # a fresh copy: nothing computed yet
    written = {s.id: s.condition().facts() for s in k.sets}  # computes each set's condition
    for s in k.course_sets():
        if "endocrine_therapy_planned" in written[s.id]:
            assert "endocrine_therapy_planned" not in s.condition().facts(), s.id
            assert "endocrine_therapy_presumed" in s.condition().facts(), s.id
    assert any("endocrine_therapy_planned" in f for f in written.values())
    assert all("endocrine_therapy_presumed" not in f for f in written.values())
