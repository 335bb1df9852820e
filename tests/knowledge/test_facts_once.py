"""Within one assessment the facts are extracted once and the answer is the same as without it."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest

import breastcds.capabilities as capabilities
from breastcds import assess, examples
from breastcds.knowledge import facts
from breastcds.model.assessment import Classification
from breastcds.model.case import Case

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


def test_the_answer_is_the_same_without_the_shared_extraction(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    shared = [assess(case, now=NOW).model_dump_json() for case in _example_cases()]
    monkeypatch.setattr(capabilities, "one_extraction", contextlib.nullcontext)
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
