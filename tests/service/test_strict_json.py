"""The stored answer is strict JSON, written by pydantic-core's encoder: the same text as the
standard library's compact encoder, and no NaN or infinity ever reaches storage."""

from __future__ import annotations

import json

import pytest

from breastcds import assess, examples
from breastcds.service.api import InputError, strict_json_text


@pytest.mark.parametrize("name", examples.names())
def test_same_text_as_the_standard_encoder(name: str) -> None:
    # One assessment, dumped both ways (two assess calls may straddle a second of assessed_at).
    assessment = assess(examples.load(name))
    envelope = {"id": "x", "assessment": assessment.model_dump()}
    expected = {"id": "x", "assessment": assessment.model_dump(mode="json")}
    assert json.loads(strict_json_text(envelope)) == expected
    assert strict_json_text(envelope) == json.dumps(
        {"id": "x", "assessment": json.loads(strict_json_text(envelope))["assessment"]},
        ensure_ascii=False,
        separators=(",", ":"),
    )


@pytest.mark.parametrize("name", examples.names())
def test_a_model_is_encoded_as_its_dump(name: str) -> None:
    # The service puts the Assessment model itself in the envelope (no model_dump per request).
    assessment = assess(examples.load(name))
    assert strict_json_text({"id": "x", "assessment": assessment}) == strict_json_text(
        {"id": "x", "assessment": assessment.model_dump()}
    )


def test_the_words_nan_and_infinity_in_text_are_text() -> None:
    assert strict_json_text({"note": "NaN and Infinity"}) == '{"note":"NaN and Infinity"}'


@pytest.mark.parametrize("bad", [float("inf"), float("-inf"), float("nan")])
def test_a_non_finite_value_is_refused_naming_its_path(bad: float) -> None:
    with pytest.raises(InputError) as info:
        strict_json_text({"assessment": {"organs": [{"eqd2_gy": 1.0}, {"eqd2_gy": bad}]}})
    assert info.value.errors[0].field == "assessment.organs.1.eqd2_gy"


def test_an_absent_section_is_left_out_of_the_text() -> None:
    # Sections leaves an absent capability out (the re-irradiation section without a plan).
    case = examples.load("chest-wall-recurrence-reirradiation")
    with_plan = json.loads(strict_json_text({"assessment": assess(case)}))
    del case["reirradiation"]
    without = json.loads(strict_json_text({"assessment": assess(case)}))
    assert "reirradiation" in with_plan["assessment"]["sections"]
    assert "reirradiation" not in without["assessment"]["sections"]
    assert set(without["assessment"]["sections"]) == {"options", "radiotherapy", "prognosis"}
