"""Strict input (issue 17): numbers are numbers, text is storable, every list is bounded.

Each test is one finding of the service probe replayed on the library: lax parsing read
``er_percent: true`` as 1 % (ER-low) and ``her2_ihc: true`` as IHC 1+ (HER2-low).
"""

from __future__ import annotations

import copy
import json
import math
from typing import Any

import pytest
from hypothesis import Phase, given, settings
from hypothesis import strategies as st

from breastcds import assess, examples
from breastcds.model.errors import CaseValidationError
from breastcds.model.parse import parse_case
from breastcds.model.strict import LIST_BOUNDS, MAX_MAGNITUDE


def _issues(case: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(CaseValidationError) as info:
        parse_case(case)
    return {i.field: i.message for i in info.value.issues}


@pytest.mark.parametrize(
    ("section", "field", "value"),
    [
        ("biomarkers", "er_percent", True),
        ("biomarkers", "her2_ihc", True),
        ("biomarkers", "pr_percent", False),
        ("patient", "age_years", True),
        ("biomarkers", "er_percent", "90"),
        ("tumour", "size_mm", "12"),
    ],
)
def test_a_boolean_or_text_is_not_a_number(section: str, field: str, value: Any) -> None:
    issues = _issues({section: {field: value}})
    assert f"{section}.{field}" in issues
    assert "must be a number" in issues[f"{section}.{field}"]


@pytest.mark.parametrize(
    ("path", "value", "kind"),
    [
        # The schemathesis probe's finding: lax parsing read 0.0 as "not biopsied".
        ("treatment.recurrence.biopsied", 0.0, "a number"),
        ("patient.pregnant", 1, "a number"),
        ("patient.comorbidities.diabetes", 1, "a number"),
        ("tumour.lvi", "yes", "text"),
        ("tumour.lvi", "false", "text"),
    ],
)
def test_a_number_or_text_is_not_true_or_false(path: str, value: Any, kind: str) -> None:
    *parents, field = path.split(".")
    case: dict[str, Any] = {field: value}
    for parent in reversed(parents):
        case = {parent: case}
    issues = _issues(case)
    assert path in issues, issues
    assert issues[path] == f"must be true or false, not {kind}"


@pytest.mark.parametrize("value", [float("inf"), float("-inf"), float("nan")])
def test_non_finite_numbers_are_refused(value: float) -> None:
    assert "biomarkers.ki67_percent" in _issues({"biomarkers": {"ki67_percent": value}})


def test_json_1e400_is_infinite_and_refused() -> None:
    # Python's json reads 1e400 as inf; the model must not accept it.
    case = json.loads('{"treatment": {"months_since_trastuzumab": 1e400}}')
    assert math.isinf(case["treatment"]["months_since_trastuzumab"])
    assert "treatment.months_since_trastuzumab" in _issues(case)


def _with_reirradiation(dose: Any) -> dict[str, Any]:
    case = examples.load("chest-wall-recurrence-reirradiation")
    case = copy.deepcopy(case)
    case["reirradiation"]["courses"][0]["organ_doses"][0]["dose_gy"] = dose
    return case


def test_organ_dose_1e160_gy_is_refused_with_its_range() -> None:
    issues = _issues(_with_reirradiation(1e160))
    (field, message), *_ = issues.items()
    assert field == "reirradiation.courses.0.organ_doses.0.dose_gy"
    assert "<= 500" in message


def test_organ_dose_true_is_refused() -> None:
    issues = _issues(_with_reirradiation(True))
    assert "reirradiation.courses.0.organ_doses.0.dose_gy" in issues


@pytest.mark.parametrize("text", ["\ud800", "a\udfffb", "nul\x00"])
def test_text_must_be_storable(text: str) -> None:
    issues = _issues({"case_id": text})
    assert "valid Unicode without NUL" in issues["case_id"]


def test_text_in_lists_is_checked_with_its_index() -> None:
    issues = _issues({"treatment": {"adjuvant_agents": ["docetaxel", "x\ud800"]}})
    assert "treatment.adjuvant_agents.1" in issues


def test_75000_metastatic_lines_are_refused_naming_the_field() -> None:
    lines = [{"agents": ["capecitabine"], "outcome": "progression"}] * 75_000
    issues = _issues({"treatment": {"metastatic_lines": lines}})
    assert issues["treatment.metastatic_lines"].startswith("too many entries: 75000")
    assert f"at most {LIST_BOUNDS['metastatic_lines']}" in issues["treatment.metastatic_lines"]


def test_the_bounds_leave_room_for_a_long_real_history() -> None:
    # 12 metastatic lines of 4 agents and 8 radiotherapy courses: a long but real record.
    lines = [{"agents": ["a", "b", "c", "d"], "months": 3.0}] * 12
    courses = [{"total_dose_gy": 30.0, "fractions": 10}] * 8
    parse_case({"treatment": {"metastatic_lines": lines, "radiotherapy_courses": courses}})


def test_a_huge_unbounded_number_is_refused() -> None:
    case = _with_reirradiation(10.0)
    case["reirradiation"]["selection"]["disease_free_interval_months"] = MAX_MAGNITUDE * 10
    assert any(k.endswith("disease_free_interval_months") for k in _issues(case))


def test_bundled_examples_still_parse() -> None:
    for name in examples.names():
        parse_case(examples.load(name))


_EXAMPLES = [examples.load(name) for name in examples.names()]
# Values that lax parsing used to coerce or that storage cannot hold, and ordinary ones.
_TRICKY: list[Any] = [
    True, False, None, 0, -1, 1, 2.5, 1e160, -1e160, 1e400, float("nan"), "", "1", "true",
    "\ud800", "a\x00b", "x" * 3000, [], [None], [True], {}, {"x": 1}, [{}] * 100,
]  # fmt: skip
_values = (
    st.sampled_from(_TRICKY)
    | st.floats()
    | st.integers()
    | st.text(max_size=8)
    | st.lists(st.sampled_from(_TRICKY), max_size=3)
)


@st.composite
def _mutated(draw: st.DrawFn) -> dict[str, Any]:
    """A bundled example with one field (at any depth) replaced by an arbitrary value."""
    case = copy.deepcopy(_EXAMPLES[draw(st.integers(0, len(_EXAMPLES) - 1))])
    node: Any = case
    for _ in range(6):
        keys = list(node) if isinstance(node, dict) else list(range(len(node)))
        if not keys:
            break
        key = keys[draw(st.integers(0, len(keys) - 1))]
        child = node[key]
        if isinstance(child, dict | list) and child and draw(st.booleans()):
            node = child
            continue
        node[key] = draw(_values)
        break
    return case


# Fuzzing budget (issue 17: at least 10 000 generated cases in CI without an unexpected error,
# with tests/service/test_schemathesis.py): validation is fast, so most cases stop there;
# a smaller share runs the whole assessment.
PARSE_EXAMPLES = 8000
ASSESS_EXAMPLES = 800


@settings(max_examples=PARSE_EXAMPLES, deadline=None, database=None, phases=[Phase.generate])
@given(case=_mutated())
def test_fuzzed_cases_validate_or_are_refused_by_field(case: dict[str, Any]) -> None:
    """Hypothesis over the case model: any input is accepted or refused with named fields (no
    other exception); an accepted case serialises to strict JSON."""
    try:
        parsed = parse_case(case)
    except CaseValidationError as exc:
        assert exc.issues and all(i.field for i in exc.issues)
        return
    json.dumps(parsed.model_dump(mode="json"), allow_nan=False)


@settings(max_examples=ASSESS_EXAMPLES, deadline=None, database=None, phases=[Phase.generate])
@given(case=_mutated())
def test_fuzzed_cases_are_assessed_or_refused_by_field(case: dict[str, Any]) -> None:
    """The same over the whole assessment: every result serialises to strict JSON (no NaN or
    Infinity reaches storage)."""
    try:
        result = assess(case)
    except CaseValidationError as exc:
        assert exc.issues and all(i.field for i in exc.issues)
        return
    json.dumps(result.model_dump(mode="json"), allow_nan=False)
