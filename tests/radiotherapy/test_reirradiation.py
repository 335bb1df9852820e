"""Tests for breastcds.dose.reirradiation.

Expected doses are hand calculations with EQD2 = D·(d + α/β)/(2 + α/β), d = D/n, shown next
to each assertion. Limits and conditions come from the packaged constraint table, whose
values are checked against the reference (reirradiation.md §2-3: Nieder, cumulative
EQD2 ≤ 67.75 Gy with α/β 2 Gy, interval ≥ 6 months, no single course > 49 Gy EQD2).
"""

from __future__ import annotations

import itertools
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

import breastcds
from breastcds.dose import reirradiation as rr
from breastcds.knowledge.schema_radiotherapy import (
    RadiotherapyKnowledgeError,
    load_alpha_beta_library,
    load_constraint_table,
    parse_alpha_beta_library,
    parse_constraint_table,
)


def cord_plan(**overrides: Any) -> rr.ReirradiationPlan:
    """Prior 30 Gy/10 fx and planned 20 Gy/5 fx to the spinal cord Dmax."""
    data: dict[str, Any] = {
        "courses": [
            {
                "when": "prior",
                "start_date": "2024-12-27",
                "end_date": "2025-01-10",
                "intent": "palliative",
                "technique": "3D-CRT",
                "prescription_dose_gy": 30.0,
                "fractions": 10,
                "target_volumes": ["T6-T8 vertebrae"],
                "organ_doses": [{"organ": "spinal_cord", "metric": "Dmax", "dose_gy": 30.0}],
                "toxicity_grade_after": 0,
            },
            {
                "when": "planned",
                "start_date": "2025-09-01",
                "intent": "palliative",
                "technique": "VMAT",
                "prescription_dose_gy": 20.0,
                "fractions": 5,
                "target_volumes": ["T7 vertebra"],
                "organ_doses": [{"organ": "spinal_cord", "metric": "Dmax", "dose_gy": 20.0}],
                "concurrent_systemic_therapy": "none",
            },
        ],
        "overlap": {
            "geometric_overlap": True,
            "cumulative_toxicity_concern": True,
            "same_organ": True,
        },
        "summation_method": "point_eqd2",
    }
    data.update(overrides)
    return rr.ReirradiationPlan.model_validate(data)


def organ(result: rr.ReirradiationResult, name: str, metric: str) -> rr.OrganAssessment:
    return next(o for o in result.organs if o.organ == name and o.metric == metric)


# ----------------------------------------------------------------------- classification

FLAGS = [True, False, None]


def expected_category(go: bool | None, concern: bool | None, same: bool | None) -> str:
    """The ESTRO-EORTC decision as written in reirradiation.md §1, None = not recorded."""
    if go is True:
        return "reirradiation_type_1"
    if go is None:
        return "insufficient_data"
    if concern is True:
        return "reirradiation_type_2"
    if concern is None:
        return "insufficient_data"
    if same is True:
        return "repeat_organ_irradiation"
    if same is None:
        return "insufficient_data"
    return "repeat_irradiation"


@pytest.mark.parametrize(("go", "concern", "same"), list(itertools.product(FLAGS, FLAGS, FLAGS)))
def test_classification_truth_table(
    go: bool | None, concern: bool | None, same: bool | None
) -> None:
    result = rr.classify(
        rr.Overlap(geometric_overlap=go, cumulative_toxicity_concern=concern, same_organ=same)
    )
    assert result.category == expected_category(go, concern, same)
    assert result.reasons
    assert "Andratschke" in result.source and "2022" in result.source


def test_classification_named_cases() -> None:
    t1 = rr.classify(rr.Overlap(geometric_overlap=True))
    assert t1.category == "reirradiation_type_1"  # overlap decides, other flags irrelevant
    t2 = rr.classify(rr.Overlap(geometric_overlap=False, cumulative_toxicity_concern=True))
    assert t2.category == "reirradiation_type_2"
    roi = rr.classify(
        rr.Overlap(geometric_overlap=False, cumulative_toxicity_concern=False, same_organ=True)
    )
    assert roi.category == "repeat_organ_irradiation"
    rep = rr.classify(
        rr.Overlap(geometric_overlap=False, cumulative_toxicity_concern=False, same_organ=False)
    )
    assert rep.category == "repeat_irradiation"


@pytest.mark.parametrize(
    ("flags", "missing"),
    [
        ({}, "overlap.geometric_overlap"),
        ({"geometric_overlap": False}, "overlap.cumulative_toxicity_concern"),
        (
            {"geometric_overlap": False, "cumulative_toxicity_concern": False},
            "overlap.same_organ",
        ),
    ],
)
def test_insufficient_data_names_the_missing_field(flags: dict[str, bool], missing: str) -> None:
    result = rr.classify(rr.Overlap(**flags))
    assert result.category == "insufficient_data"
    assert result.missing == [missing]


# ----------------------------------------------------------------------- cumulative dose


def test_spinal_cord_within_nieder_limit() -> None:
    result = rr.evaluate(cord_plan())
    cord = organ(result, "spinal_cord", "Dmax")
    # α/β 2 (constraint table): prior 30 Gy/10 fx, d = 3 → 30·(3+2)/4 = 37.5; BED 30·(1+3/2) = 75
    assert cord.alpha_beta_gy == 2.0
    assert cord.eqd2_prior_gy == pytest.approx(37.5)
    assert cord.bed_prior_gy == pytest.approx(75.0)
    # planned 20 Gy/5 fx, d = 4 → 20·6/4 = 30
    assert cord.eqd2_planned_gy == pytest.approx(30.0)
    # no recovery stated → 0 → cumulative 67.5 ≤ 67.75 (Nieder)
    assert cord.recovery_fraction_of_prior == 0.0
    assert cord.recovery_stated is False
    assert "default" in cord.recovery_source
    assert cord.cumulative_eqd2_gy == pytest.approx(67.5)
    assert cord.limit_eqd2_gy == 67.75
    assert cord.verdict == "within"
    assert cord.limit_label == "literature-based, adjustable"
    assert "Nieder" in (cord.limit_source or "")
    # conditions: 2025-01-10 → 2025-09-01 = 234 days = 7.69 months ≥ 6; max course 37.5 ≤ 49
    statuses = {c.kind: c.status for c in cord.conditions}
    assert statuses == {"min_interval_months": "met", "max_single_course_eqd2_gy": "met"}
    assert result.interval_months == pytest.approx(234 / 30.4375)


def test_spinal_cord_exceeds() -> None:
    plan = cord_plan()
    courses = [c.model_dump() for c in plan.courses]
    courses[1]["organ_doses"] = [{"organ": "spinal_cord", "metric": "Dmax", "dose_gy": 21.0}]
    result = rr.evaluate(cord_plan(courses=courses))
    cord = organ(result, "spinal_cord", "Dmax")
    # planned 21 Gy/5 fx, d = 4.2 → 21·6.2/4 = 32.55; cumulative 37.5 + 32.55 = 70.05 > 67.75
    assert cord.eqd2_planned_gy == pytest.approx(32.55)
    assert cord.cumulative_eqd2_gy == pytest.approx(70.05)
    assert cord.verdict == "exceeds"


def test_stated_recovery_is_applied_and_recorded() -> None:
    result = rr.evaluate(cord_plan(recovery_fraction_of_prior=0.25))
    cord = organ(result, "spinal_cord", "Dmax")
    # 37.5 × 0.75 + 30 = 58.125
    assert cord.eqd2_prior_after_recovery_gy == pytest.approx(28.125)
    assert cord.cumulative_eqd2_gy == pytest.approx(58.125)
    assert cord.recovery_fraction_of_prior == 0.25
    assert cord.recovery_stated is True
    assert result.recovery_stated is True
    assert any("25%" in c for c in cord.caveats)
    assert not any("recovery" in m for m in result.missing_reporting_items)


def test_unstated_recovery_is_a_missing_reporting_item() -> None:
    result = rr.evaluate(cord_plan())
    assert any(m.startswith("recovery_fraction_of_prior") for m in result.missing_reporting_items)


def test_short_interval_flags_nieder_condition() -> None:
    plan = cord_plan()
    courses = [c.model_dump() for c in plan.courses]
    courses[1]["start_date"] = date(2025, 4, 1)  # 81 days = 2.66 months after 2025-01-10
    cord = organ(rr.evaluate(cord_plan(courses=courses)), "spinal_cord", "Dmax")
    statuses = {c.kind: c.status for c in cord.conditions}
    assert statuses["min_interval_months"] == "not_met"
    # issue 15 item 4: 30 + 37.5 = 67.5 Gy <= 67.75 Gy, but Nieder supports the limit only
    # with an interval >= 6 months: the limit does not apply, the cord needs individual review.
    assert cord.cumulative_eqd2_gy == pytest.approx(67.5)
    assert cord.verdict == "limit_not_applicable"
    assert cord.individual_review is True
    assert any("does not apply" in r and ">= 6 months" in r for r in cord.reasons)


def test_interval_boundary_six_months_is_met() -> None:
    # reirradiation.md §2: interval >= 6 months ("≥" inclusive). End 2025-01-10; 183 days =
    # 6.01 months (met) vs 182 days = 5.98 months (not met), months = days / 30.4375.
    plan = cord_plan()
    courses = [c.model_dump() for c in plan.courses]
    verdicts = {}
    for start in (date(2025, 7, 11), date(2025, 7, 12)):  # 182 and 183 days after 2025-01-10
        courses[1]["start_date"] = start
        cord = organ(rr.evaluate(cord_plan(courses=courses)), "spinal_cord", "Dmax")
        verdicts[start] = cord.verdict
    assert verdicts == {date(2025, 7, 11): "limit_not_applicable", date(2025, 7, 12): "within"}


def test_single_course_above_nieder_range_makes_the_limit_not_apply() -> None:
    # Nieder: no single course > 98 Gy2 (EQD2 49 Gy, α/β 2). Prior 50 Gy / 25 fx: EQD2 50 Gy
    # (d = 2 Gy) > 49 Gy; planned 4 Gy / 1 fx: 4·(4 + 2)/4 = 6 Gy; cumulative 56 Gy <= 67.75.
    plan = cord_plan()
    courses = [c.model_dump() for c in plan.courses]
    courses[0]["organ_doses"] = [{"organ": "spinal_cord", "metric": "Dmax", "dose_gy": 50.0}]
    courses[0]["fractions"] = 25
    courses[1]["organ_doses"] = [{"organ": "spinal_cord", "metric": "Dmax", "dose_gy": 4.0}]
    courses[1]["fractions"] = 1
    cord = organ(rr.evaluate(cord_plan(courses=courses)), "spinal_cord", "Dmax")
    assert cord.cumulative_eqd2_gy == pytest.approx(56.0)
    assert cord.verdict == "limit_not_applicable"
    assert cord.individual_review is True


def test_condition_not_recorded_is_never_within() -> None:
    plan = cord_plan()
    courses = [c.model_dump() for c in plan.courses]
    courses[1]["start_date"] = None
    cord = organ(rr.evaluate(cord_plan(courses=courses)), "spinal_cord", "Dmax")
    assert cord.verdict == "cannot_assess"
    assert cord.individual_review is True


def test_met_conditions_keep_the_verdict_and_no_review() -> None:
    cord = organ(rr.evaluate(cord_plan()), "spinal_cord", "Dmax")
    assert cord.verdict == "within"  # 7.69 months >= 6; 37.5 <= 49; 67.5 <= 67.75
    assert cord.individual_review is False


@given(
    days=st.integers(min_value=1, max_value=1200),
    prior_gy=st.floats(min_value=1.0, max_value=70.0),
    prior_fx=st.integers(min_value=1, max_value=35),
    planned_gy=st.floats(min_value=1.0, max_value=40.0),
    planned_fx=st.integers(min_value=1, max_value=20),
    record_dates=st.booleans(),
)
def test_a_limit_with_an_unmet_or_unknown_condition_never_reads_within(
    days: int,
    prior_gy: float,
    prior_fx: int,
    planned_gy: float,
    planned_fx: int,
    record_dates: bool,
) -> None:
    from datetime import timedelta

    plan = cord_plan()
    courses = [c.model_dump() for c in plan.courses]
    courses[0].update(
        fractions=prior_fx,
        organ_doses=[{"organ": "spinal_cord", "metric": "Dmax", "dose_gy": prior_gy}],
    )
    courses[1].update(
        start_date=date(2025, 1, 10) + timedelta(days=days) if record_dates else None,
        fractions=planned_fx,
        organ_doses=[{"organ": "spinal_cord", "metric": "Dmax", "dose_gy": planned_gy}],
    )
    cord = organ(rr.evaluate(cord_plan(courses=courses)), "spinal_cord", "Dmax")
    assert cord.conditions  # the table limit carries Nieder's conditions
    unmet = [c for c in cord.conditions if c.status != "met"]
    if unmet:
        assert cord.verdict != "within"
        assert cord.individual_review is True
    if any(c.status == "not_met" for c in cord.conditions):
        assert cord.verdict == "limit_not_applicable"
    if cord.verdict == "within":
        assert all(c.status == "met" for c in cord.conditions)


def test_several_prior_courses_are_summed_in_eqd2() -> None:
    plan = cord_plan()
    courses = [c.model_dump() for c in plan.courses]
    extra = dict(courses[0])
    extra.update(
        start_date=date(2023, 1, 2),
        end_date=date(2023, 1, 6),
        fractions=5,
        organ_doses=[{"organ": "spinal_cord", "metric": "Dmax", "dose_gy": 10.0}],
    )
    courses.insert(0, extra)
    cord = organ(rr.evaluate(cord_plan(courses=courses)), "spinal_cord", "Dmax")
    # extra: 10 Gy/5 fx, d = 2 → 10; prior total 10 + 37.5 = 47.5; BED 20 + 75 = 95
    assert cord.eqd2_prior_gy == pytest.approx(47.5)
    assert cord.bed_prior_gy == pytest.approx(95.0)
    assert cord.cumulative_eqd2_gy == pytest.approx(77.5)
    assert cord.verdict == "exceeds"


def test_not_recorded_prior_dose_is_not_zero() -> None:
    plan = cord_plan()
    courses = [c.model_dump() for c in plan.courses]
    courses[0]["organ_doses"] = None
    result = rr.evaluate(cord_plan(courses=courses))
    cord = organ(result, "spinal_cord", "Dmax")
    assert cord.eqd2_prior_gy is None
    assert cord.cumulative_eqd2_gy is None
    assert cord.verdict == "cannot_assess"
    assert any("courses[0].organ_doses" in r for r in cord.reasons)
    assert "courses[0].organ_doses" in result.missing_reporting_items


def test_recorded_zero_prior_dose_is_zero() -> None:
    plan = cord_plan()
    courses = [c.model_dump() for c in plan.courses]
    courses[0]["organ_doses"] = [{"organ": "spinal_cord", "metric": "Dmax", "dose_gy": 0.0}]
    cord = organ(rr.evaluate(cord_plan(courses=courses)), "spinal_cord", "Dmax")
    assert cord.eqd2_prior_gy == 0.0
    assert cord.cumulative_eqd2_gy == pytest.approx(30.0)
    assert cord.verdict == "within"


def test_organ_missing_from_one_course_cannot_be_assessed() -> None:
    plan = cord_plan()
    courses = [c.model_dump() for c in plan.courses]
    courses[1]["organ_doses"] = [
        {"organ": "spinal_cord", "metric": "Dmax", "dose_gy": 20.0},
        {"organ": "brachial_plexus", "metric": "Dmax", "dose_gy": 20.0},
    ]
    plexus = organ(rr.evaluate(cord_plan(courses=courses)), "brachial_plexus", "Dmax")
    assert plexus.verdict == "cannot_assess"
    assert any(
        "courses[0].organ_doses[organ=brachial_plexus, metric=Dmax]" in r for r in plexus.reasons
    )


def test_missing_fractions_cannot_be_assessed() -> None:
    plan = cord_plan()
    courses = [c.model_dump() for c in plan.courses]
    courses[0]["fractions"] = None
    cord = organ(rr.evaluate(cord_plan(courses=courses)), "spinal_cord", "Dmax")
    assert cord.verdict == "cannot_assess"
    assert any("courses[0].fractions" in r for r in cord.reasons)


def test_unknown_organ_without_alpha_beta_cannot_be_assessed() -> None:
    plan = cord_plan()
    courses = [c.model_dump() for c in plan.courses]
    for c in courses:
        c["organ_doses"] = [{"organ": "oesophagus", "metric": "Dmax", "dose_gy": 10.0}]
    result = rr.evaluate(cord_plan(courses=courses))
    oes = organ(result, "oesophagus", "Dmax")
    assert oes.alpha_beta_gy is None
    assert oes.verdict == "cannot_assess"
    assert any("alpha_beta_gy" in r for r in oes.reasons)
    assert any("cumulative_limit_eqd2_gy" in r for r in oes.reasons)


def test_stated_parameters_override_knowledge() -> None:
    params = [
        {
            "organ": "spinal_cord",
            "metric": "Dmax",
            "alpha_beta_gy": 3.0,
            "cumulative_limit_eqd2_gy": 60.0,
            "rationale": "department protocol",
        }
    ]
    cord = organ(rr.evaluate(cord_plan(organ_parameters=params)), "spinal_cord", "Dmax")
    # α/β 3: prior 30·(3+3)/5 = 36; planned 20·(4+3)/5 = 28; cumulative 64 > 60
    assert cord.alpha_beta_gy == 3.0
    assert cord.cumulative_eqd2_gy == pytest.approx(64.0)
    assert cord.verdict == "exceeds"
    assert cord.limit_basis == "stated"
    assert "department protocol" in (cord.limit_source or "")
    assert any("α/β 2.0 Gy" in c for c in cord.caveats)  # limit was derived at α/β 2
    assert cord.conditions == []  # table conditions belong to the table limit only


def test_heart_has_no_numeric_limit() -> None:
    plan = cord_plan()
    courses = [c.model_dump() for c in plan.courses]
    for c in courses:
        c["organ_doses"] = [{"organ": "heart", "metric": "Dmean", "dose_gy": 4.0}]
    heart = organ(rr.evaluate(cord_plan(courses=courses)), "heart", "Dmean")
    assert heart.limit_eqd2_gy is None
    assert heart.verdict == "cannot_assess"
    assert heart.cumulative_eqd2_gy is not None
    assert any("7.4" in r for r in heart.reasons)  # Darby, N Engl J Med 2013
    assert any("approximation" in c for c in heart.caveats)


def test_lung_mean_is_single_course_reference() -> None:
    plan = cord_plan()
    courses = [c.model_dump() for c in plan.courses]
    for c in courses:
        c["organ_doses"] = [{"organ": "lung", "metric": "Dmean", "dose_gy": 6.0}]
    lung = organ(rr.evaluate(cord_plan(courses=courses)), "lung", "Dmean")
    # α/β 3: 6 Gy/10 fx → 6·3.6/5 = 4.32; 6 Gy/5 fx → 6·4.2/5 = 5.04; sum 9.36 ≤ 20
    assert lung.cumulative_eqd2_gy == pytest.approx(9.36)
    assert lung.verdict == "within"
    assert lung.limit_basis == "single_course_reference"
    assert any("uncertain" in c for c in lung.caveats)


def test_no_prior_course_gives_zero_prior_and_says_so() -> None:
    plan = cord_plan()
    courses = [plan.courses[1].model_dump()]
    result = rr.evaluate(cord_plan(courses=courses))
    cord = organ(result, "spinal_cord", "Dmax")
    assert cord.eqd2_prior_gy == 0.0
    assert cord.bed_prior_gy == 0.0
    assert cord.cumulative_eqd2_gy == pytest.approx(30.0)
    assert result.interval_months is None
    assert any("no prior course" in r for r in result.classification.reasons)


def test_interval_uses_start_date_when_end_not_recorded() -> None:
    plan = cord_plan()
    courses = [c.model_dump() for c in plan.courses]
    courses[0]["end_date"] = None
    result = rr.evaluate(cord_plan(courses=courses))
    # 2024-12-27 → 2025-09-01 = 248 days
    assert result.interval_months == pytest.approx(248 / 30.4375)
    assert "end_date not recorded" in result.interval_detail


def test_interval_not_computable_names_field() -> None:
    plan = cord_plan()
    courses = [c.model_dump() for c in plan.courses]
    courses[1]["start_date"] = None
    result = rr.evaluate(cord_plan(courses=courses))
    assert result.interval_months is None
    assert "courses[1].start_date" in result.interval_detail
    cord = organ(result, "spinal_cord", "Dmax")
    assert {c.kind: c.status for c in cord.conditions}["min_interval_months"] == "not_recorded"


# ----------------------------------------------------------------------- reporting


def test_complete_plan_reports_only_unstated_items() -> None:
    result = rr.evaluate(cord_plan(recovery_fraction_of_prior=0.0))
    assert result.missing_reporting_items == []


def test_missing_reporting_items_listed() -> None:
    plan = rr.ReirradiationPlan.model_validate(
        {"courses": [{"when": "prior"}, {"when": "planned"}]}
    )
    missing = rr.evaluate(plan).missing_reporting_items
    for item in (
        "courses[0].start_date",
        "courses[0].intent",
        "courses[0].technique",
        "courses[0].total_dose_gy",
        "courses[0].fractions",
        "courses[0].target_volumes",
        "courses[0].organ_doses",
        "courses[1].concurrent_systemic_therapy",
        "summation_method",
    ):
        assert item in missing
    assert any("interval" in m for m in missing)
    assert any("toxicity" in m for m in missing)


def test_selection_factors_report_not_recorded() -> None:
    plan = cord_plan(selection={"ecog": 1, "resectable": False})
    factors = {f.name: f for f in rr.evaluate(plan).selection_factors}
    assert factors["ecog"].value == "1" and factors["ecog"].recorded
    assert factors["resectable"].value == "no"
    assert factors["disease_free_interval_months"].value == "not recorded"
    assert not factors["disease_free_interval_months"].recorded
    assert factors["prior_toxicity_grade"].value == "0"  # from courses[0].toxicity_grade_after
    assert factors["interval_since_last_rt_months"].value == "7.7"
    assert factors["meaningful_dose_within_cumulative_limits"].value.startswith("yes")
    assert factors["concurrent_systemic_therapy"].value == "none"


def test_result_serialises_to_json_and_back() -> None:
    result = rr.evaluate(cord_plan())
    text = result.model_dump_json()
    data = json.loads(text)
    assert data["organs"][0]["recovery_fraction_of_prior"] == 0.0
    assert data["organs"][0]["alpha_beta_gy"] == 2.0
    assert rr.ReirradiationResult.model_validate_json(text) == result


# ----------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("patch", "needle"),
    [
        ({"recovery_fraction_of_prior": 1.5}, "recovery_fraction_of_prior"),
        ({"recovery_fraction_of_prior": -0.1}, "recovery_fraction_of_prior"),
        ({"courses": [{"when": "prior", "fractions": 5}]}, "planned"),
        ({"courses": [{"when": "planned", "fractions": 0}]}, "fractions"),
        (
            {
                "courses": [
                    {
                        "when": "planned",
                        "organ_doses": [{"organ": "heart", "metric": "Dmean", "dose_gy": -1}],
                    }
                ]
            },
            "dose_gy",
        ),
        (
            {
                "courses": [
                    {
                        "when": "planned",
                        "organ_doses": [{"organ": "heart", "metric": "V20", "dose_gy": 1}],
                    }
                ]
            },
            "metric",
        ),
        (
            {
                "courses": [
                    {"when": "planned", "start_date": "2025-02-01", "end_date": "2025-01-01"}
                ]
            },
            "end_date",
        ),
        ({"overlap": {"geometric_overlap": "maybe"}}, "geometric_overlap"),
        ({"unknown_field": 1}, "unknown_field"),
    ],
)
def test_invalid_plans_raise_field_named_errors(patch: dict[str, Any], needle: str) -> None:
    with pytest.raises(ValidationError) as info:
        cord_plan(**patch)
    assert needle in str(info.value)


# ----------------------------------------------------------------------- invariants

fractions_st = st.integers(min_value=1, max_value=40)
dose_st = st.floats(min_value=0, max_value=80, allow_nan=False, allow_infinity=False)
ab_st = st.floats(min_value=0.5, max_value=15, allow_nan=False, allow_infinity=False)


def generic_plan(
    prior_dose: float, prior_n: int, planned_dose: float, planned_n: int, ab: float, r: float
) -> rr.ReirradiationPlan:
    return rr.ReirradiationPlan.model_validate(
        {
            "courses": [
                {
                    "when": "prior",
                    "fractions": prior_n,
                    "organ_doses": [{"organ": "oar", "metric": "point", "dose_gy": prior_dose}],
                },
                {
                    "when": "planned",
                    "fractions": planned_n,
                    "organ_doses": [{"organ": "oar", "metric": "point", "dose_gy": planned_dose}],
                },
            ],
            "recovery_fraction_of_prior": r,
            "organ_parameters": [
                {
                    "organ": "oar",
                    "metric": "point",
                    "alpha_beta_gy": ab,
                    "cumulative_limit_eqd2_gy": 100.0,
                }
            ],
        }
    )


@given(
    prior=dose_st,
    pn=fractions_st,
    planned=dose_st,
    qn=fractions_st,
    ab=ab_st,
    r1=st.floats(min_value=0, max_value=1),
    r2=st.floats(min_value=0, max_value=1),
)
def test_cumulative_monotone_in_recovery(
    prior: float, pn: int, planned: float, qn: int, ab: float, r1: float, r2: float
) -> None:
    lo, hi = sorted((r1, r2))
    c_lo = organ(rr.evaluate(generic_plan(prior, pn, planned, qn, ab, lo)), "oar", "point")
    c_hi = organ(rr.evaluate(generic_plan(prior, pn, planned, qn, ab, hi)), "oar", "point")
    assert c_lo.cumulative_eqd2_gy is not None and c_hi.cumulative_eqd2_gy is not None
    assert c_hi.cumulative_eqd2_gy <= c_lo.cumulative_eqd2_gy + 1e-9
    # bounded by planned alone (full recovery) and the undiscounted sum (no recovery)
    assert c_hi.cumulative_eqd2_gy >= (c_hi.eqd2_planned_gy or 0) - 1e-9


@given(pn=fractions_st, qn=fractions_st, ab=ab_st)
def test_two_gy_fractions_sum_to_physical_dose(pn: int, qn: int, ab: float) -> None:
    result = rr.evaluate(generic_plan(2.0 * pn, pn, 2.0 * qn, qn, ab, 0.0))
    oar = organ(result, "oar", "point")
    assert oar.cumulative_eqd2_gy == pytest.approx(2.0 * (pn + qn))


@given(prior=dose_st, pn=fractions_st, planned=dose_st, qn=fractions_st, ab=ab_st)
def test_verdict_consistent_with_limit(
    prior: float, pn: int, planned: float, qn: int, ab: float
) -> None:
    oar = organ(rr.evaluate(generic_plan(prior, pn, planned, qn, ab, 0.0)), "oar", "point")
    assert oar.cumulative_eqd2_gy is not None
    assert (oar.verdict == "within") == (oar.cumulative_eqd2_gy <= 100.0 + 1e-9)


# ----------------------------------------------------------------------- knowledge files


def test_alpha_beta_library_loads_with_sources() -> None:
    lib = load_alpha_beta_library()
    assert lib.default_for("spinal_cord") is not None
    assert lib.default_for("spinal_cord").value_gy == 2.0  # type: ignore[union-attr]
    assert lib.default_for("tumour").value_gy == 10.0  # type: ignore[union-attr]
    start = lib.default_for("breast_cancer")
    assert start is not None and start.value_gy == 3.5  # START 10-year, Haviland 2013
    assert "Lancet Oncol" in start.source and "2013" in start.source
    assert all(len(e.source) > 10 for e in lib.entries)


def test_constraint_table_values_match_reference() -> None:
    table = load_constraint_table()
    cord = table.find("spinal_cord", "Dmax")
    assert cord is not None
    assert cord.limit_eqd2_gy == 67.75 and cord.alpha_beta_gy == 2.0
    # reference: BED 135.5 Gy2 ↔ EQD2 67.75 Gy; 98 Gy2 ↔ 49 Gy
    assert {c.kind: c.value for c in cord.conditions} == {
        "min_interval_months": 6,
        "max_single_course_eqd2_gy": 49.0,
    }
    assert table.label == "literature-based, adjustable"
    assert all(c.source for c in table.constraints)


def test_alpha_beta_schema_rejects_two_defaults() -> None:
    entry = {
        "organ": "lung",
        "tissue": "Lung",
        "endpoint": "late",
        "value_gy": 3.0,
        "default": True,
        "source": "a source long enough",
        "verification": {"status": "convention"},
    }
    data = {
        "schema": "alpha_beta/1",
        "updated": "x",
        "entries": [{**entry, "id": "a"}, {**entry, "id": "b"}],
    }
    with pytest.raises(RadiotherapyKnowledgeError, match="exactly one default"):
        parse_alpha_beta_library(data)


def test_constraint_schema_rejects_limit_with_no_limit_basis() -> None:
    data = {
        "schema": "reirradiation_constraints/1",
        "updated": "x",
        "label": "literature-based, adjustable",
        "constraints": [
            {
                "id": "x",
                "organ": "heart",
                "metric": "Dmean",
                "alpha_beta_gy": 3.0,
                "limit_eqd2_gy": 10.0,
                "basis": "no_limit",
                "description": "a description",
                "source": "a source long enough",
                "verification": {"status": "verified"},
            }
        ],
    }
    with pytest.raises(RadiotherapyKnowledgeError, match="no_limit"):
        parse_constraint_table(data)


def test_constraint_schema_error_names_field_and_value() -> None:
    data = {
        "schema": "reirradiation_constraints/1",
        "updated": "x",
        "label": "literature-based, adjustable",
        "constraints": [
            {
                "id": "x",
                "organ": "heart",
                "metric": "Dmean",
                "alpha_beta_gy": -3.0,
                "basis": "no_limit",
                "description": "a description",
                "source": "a source long enough",
                "verification": {"status": "verified"},
            }
        ],
    }
    with pytest.raises(RadiotherapyKnowledgeError, match=r"alpha_beta_gy.*-3\.0"):
        parse_constraint_table(data)


# ----------------------------------------------------------------------- shipped example


def test_example_plan_evaluates() -> None:
    path = Path(breastcds.__file__).parent / "examples" / "reirradiation_chest_wall.json"
    plan = rr.ReirradiationPlan.model_validate_json(path.read_text(encoding="utf-8"))
    result = rr.evaluate(plan)
    assert result.classification.category == "reirradiation_type_1"
    plexus = organ(result, "brachial_plexus", "Dmax")
    # α/β 2: prior 50 Gy/25 fx → 50 (d = 2); planned 30 Gy/30 fx (1 Gy BID) →
    # 30·(1+2)/4 = 22.5; cumulative 72.5 ≤ 95 (Chen 2017 figure)
    assert plexus.eqd2_prior_gy == pytest.approx(50.0)
    assert plexus.eqd2_planned_gy == pytest.approx(22.5)
    assert plexus.cumulative_eqd2_gy == pytest.approx(72.5)
    assert plexus.verdict == "within"
    assert organ(result, "heart", "Dmean").verdict == "cannot_assess"
    assert organ(result, "chest_wall", "Dmax").verdict == "cannot_assess"
    assert result.interval_months is not None and result.interval_months > 6


# ----------------------------------------------------------------------- CLI adapter


def _cli() -> Any:
    from typer.testing import CliRunner

    from breastcds.cli.main import app

    return CliRunner(), app


def test_cli_json_output_matches_library(tmp_path: Path) -> None:
    runner, app = _cli()
    path = Path(breastcds.__file__).parent / "examples" / "reirradiation_chest_wall.json"
    out = runner.invoke(app, ["reirradiation", str(path), "--format", "json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    expected = rr.evaluate(rr.ReirradiationPlan.model_validate_json(path.read_text("utf-8")))
    assert data == json.loads(expected.model_dump_json())


def test_cli_table_output(tmp_path: Path) -> None:
    runner, app = _cli()
    path = Path(breastcds.__file__).parent / "examples" / "reirradiation_chest_wall.json"
    out = runner.invoke(app, ["reirradiation", str(path)])
    assert out.exit_code == 0, out.output
    assert "reirradiation_type_1" in out.stdout
    assert "brachial_plexus" in out.stdout and "within" in out.stdout


def test_cli_invalid_plan_names_fields_without_traceback(tmp_path: Path) -> None:
    runner, app = _cli()
    bad = tmp_path / "bad.json"
    bad.write_text(
        json.dumps(
            {
                "courses": [{"when": "planned", "fractions": 0}],
                "recovery_fraction_of_prior": 2,
            }
        ),
        encoding="utf-8",
    )
    out = runner.invoke(app, ["reirradiation", str(bad)])
    assert out.exit_code == 2
    text = out.output
    assert "courses.0.fractions" in text and "(value: 0)" in text
    assert "recovery_fraction_of_prior" in text and "(value: 2)" in text
    assert "Traceback" not in text
    assert out.exception is None or isinstance(out.exception, SystemExit)


def test_cli_missing_file(tmp_path: Path) -> None:
    runner, app = _cli()
    out = runner.invoke(app, ["reirradiation", str(tmp_path / "nope.json")])
    assert out.exit_code == 2
    assert "Traceback" not in out.output
