"""The re-irradiation section of assess is the public reirradiation.evaluate of the case's plan."""

from __future__ import annotations

from breastcds import assess, examples
from breastcds.dose import reirradiation


def test_section_present_only_with_a_plan() -> None:
    case = examples.load("chest-wall-recurrence-reirradiation")
    a = assess(case)
    direct = reirradiation.evaluate(
        reirradiation.ReirradiationPlan.model_validate(case["reirradiation"])
    )
    assert a.sections.reirradiation == direct
    del case["reirradiation"]
    without = assess(case)
    assert without.sections.reirradiation is None
    assert "reirradiation" not in without.model_dump(mode="json")["sections"]  # left out


def test_invalid_plan_is_a_field_error() -> None:
    import pytest

    from breastcds.model import CaseValidationError

    case = examples.load("chest-wall-recurrence-reirradiation")
    case["reirradiation"]["recovery_fraction_of_prior"] = 1.5
    with pytest.raises(CaseValidationError) as info:
        assess(case)
    assert "reirradiation.recovery_fraction_of_prior" in {i.field for i in info.value.issues}
