"""Safety invariants of the option engine over generated cases (hypothesis, 2 000 each)."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings

from breastcds.entrypoint import classify
from breastcds.knowledge import facts as fact_registry
from breastcds.knowledge.conditions import evaluate
from breastcds.knowledge.decision_points import EARLY, METASTATIC
from breastcds.model.assessment import Classification
from breastcds.model.case import Case
from breastcds.model.parse import parse_case
from breastcds.options.engine import OfferedOption, OptionsResult, evaluate_options
from breastcds.options.schema import load_kb
from tests.options.strategies import cases

KB = load_kb()
DRUGS = KB.drugs.by_inn()
SETTINGS = settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _run(data: dict[str, Any]) -> tuple[Case, Classification, OptionsResult]:
    case = parse_case(data)
    c = classify(case)
    return case, c, evaluate_options(case, c, kb=KB)


def _recommended(result: OptionsResult) -> list[tuple[str, OfferedOption]]:
    return [(p.decision_point, o) for p in result.decision_points for o in (*p.options, *p.discuss)]


@SETTINGS
@given(cases())
def test_never_anti_her2_for_her2_negative_or_pending(data: dict[str, Any]) -> None:
    _, c, result = _run(data)
    her2 = c.her2
    for dp, o in _recommended(result):
        for inn in o.agents:
            if not DRUGS[inn].anti_her2 or her2.status == "positive":
                continue
            assert DRUGS[inn].her2_low_active, (o.rule_id, inn, her2.category)
            assert her2.category in ("HER2-low", "HER2-ultralow"), (o.rule_id, her2.category)
            assert dp in METASTATIC, (o.rule_id, dp)


@SETTINGS
@given(cases())
def test_never_endocrine_therapy_recommended_unless_er_positive(data: dict[str, Any]) -> None:
    _, c, result = _run(data)
    er = c.er.status
    for _, o in _recommended(result):
        if any(DRUGS[a].endocrine for a in o.agents):
            assert o.recommendation == "option" and er == "positive", (o.rule_id, er)


@SETTINGS
@given(cases())
def test_never_her2_low_adc_in_early_setting(data: dict[str, Any]) -> None:
    _, c, result = _run(data)
    her2 = c.her2
    for dp, o in _recommended(result):
        if dp in EARLY:
            low_adcs = [a for a in o.agents if DRUGS[a].her2_low_active]
            assert not low_adcs or her2.status == "positive", (o.rule_id, dp, her2.category)


@SETTINGS
@given(cases())
def test_never_an_option_whose_deciding_input_is_missing(data: dict[str, Any]) -> None:
    case, c, result = _run(data)
    facts = fact_registry.extract(case, c)
    for _, o in _recommended(result):
        if o.pathway == "guards":  # an action a patient guard adds (knowledge/guards.yaml)
            continue
        rule = KB.rule(o.rule_id)
        if rule.when is not None:
            assert evaluate(rule.when, facts).value is True, o.rule_id
    if c.her2.status == "pending":
        assert not any(DRUGS[a].anti_her2 for _, o in _recommended(result) for a in o.agents)


@SETTINGS
@given(cases())
def test_every_option_carries_a_source_and_a_grade(data: dict[str, Any]) -> None:
    _, _, result = _run(data)
    for p in result.decision_points:
        for o in (*p.options, *p.discuss, *p.not_recommended):
            assert o.sources and all(s.strip() for s in o.sources), o.rule_id
            assert o.grade.status in ("verified", "not verified"), o.rule_id
            assert o.grade.label.strip(), o.rule_id
            if o.grade.status == "verified":
                assert o.grade.verified_in and (o.grade.csco_level or o.grade.nccn), o.rule_id
