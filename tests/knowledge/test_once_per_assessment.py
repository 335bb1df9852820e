"""Within one assessment the facts are extracted once, the decision point is inferred once and
the RT-omission criteria are evaluated once, and the answer is the same as without the memo."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest

import breastcds.capabilities as capabilities
from breastcds import assess, examples
from breastcds.course import inference
from breastcds.knowledge import facts
from breastcds.model.assessment import Classification
from breastcds.model.case import Case
from breastcds.radiotherapy import omission

NOW = dt.datetime(2026, 12, 5, tzinfo=dt.UTC)


def _example_cases() -> list[dict[str, Any]]:
    return [examples.load(name) for name in examples.names()]


@pytest.fixture
def probe() -> Iterator[list[int]]:
    """A registered fact that counts how often the facts of a case are extracted."""
    calls: list[int] = []

    def count(_: Case, __: Classification) -> None:
        calls.append(1)
        return None

    facts.register(facts.Fact("zz_probe", "bool", "case_id", "extraction counter", count, None))
    try:
        yield calls
    finally:
        del facts.FACTS["zz_probe"]


def test_one_assessment_extracts_the_facts_once(probe: list[int]) -> None:
    cases = _example_cases()
    assert cases
    for case in cases:
        probe.clear()
        assess(case, now=NOW)
        assert len(probe) == 1, case["case_id"]


def _counting(monkeypatch: pytest.MonkeyPatch, module: Any, name: str) -> list[int]:
    """Count the results built by ``module.name`` (each computation builds exactly one)."""
    calls: list[int] = []
    model = getattr(module, name)

    def build(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return model(*args, **kwargs)

    monkeypatch.setattr(module, name, build)
    return calls


def test_one_assessment_infers_the_decision_point_once(monkeypatch: pytest.MonkeyPatch) -> None:
    # read by the `decision_point` fact and by the options engine (its reason)
    built = _counting(monkeypatch, inference, "InferredDecisionPoint")
    for case in _example_cases():
        built.clear()
        assess(case, now=NOW)
        assert len(built) == 1, case["case_id"]


def test_one_assessment_evaluates_the_rt_omission_once(monkeypatch: pytest.MonkeyPatch) -> None:
    # read by the `rt_omission_supported` fact and by the radiotherapy section
    built = _counting(monkeypatch, omission, "RadiotherapyResult")
    for case in _example_cases():
        built.clear()
        assess(case, now=NOW)
        assert len(built) == 1, case["case_id"]


def test_the_answer_is_the_same_without_the_shared_extraction(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    shared = [assess(case, now=NOW).model_dump_json() for case in _example_cases()]
    monkeypatch.setattr(capabilities, "one_assessment", contextlib.nullcontext)
    separate = [assess(case, now=NOW).model_dump_json() for case in _example_cases()]
    assert shared == separate


def test_outside_an_assessment_each_call_extracts_anew(probe: list[int]) -> None:
    case = Case.model_validate(_example_cases()[0])
    from breastcds.entrypoint import classify

    c = classify(case)
    first = facts.extract(case, c)
    first["age"] = "changed by the caller"
    assert facts.extract(case, c)["age"] != "changed by the caller"
    assert len(probe) == 2


def test_outside_an_assessment_the_decision_point_is_inferred_anew(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    built = _counting(monkeypatch, inference, "InferredDecisionPoint")
    case = Case.model_validate(_example_cases()[0])
    from breastcds.entrypoint import classify

    c = classify(case)
    assert inference.decision_point(case, c) == inference.decision_point(case, c)
    assert len(built) == 2
