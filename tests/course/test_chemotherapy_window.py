"""The end of (neo)adjuvant chemotherapy in the relapse windows (clinical_course.md 1.2, 1.3).

Expectations from the reference text at its boundaries:
- 1.3 chemotherapy row: relapse during or <= 6 months after (neo)adjuvant chemotherapy counts as a
  chemotherapy line for DESTINY-Breast04 eligibility (Modi, N Engl J Med 2022; ENHERTU label:
  "recurrence during or within 6 months of completing adjuvant chemotherapy"), while 1.2 keeps
  the line number (metastatic line 1).
- 1.2 / 3: relapse during or <= 12 months after a (neo)adjuvant agent is progression on it.
- The recorded end decides; without it the diagnosis bounds it in one direction only (chemotherapy
  ends after the diagnosis, so a relapse <= N months after the diagnosis is <= N months after the
  end; a later relapse is not judged).
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from breastcds.course.inference import decision_point
from breastcds.entrypoint import classify
from breastcds.knowledge.facts import extract
from breastcds.model import parse_case
from breastcds.model.errors import CaseValidationError
from breastcds.options.engine import evaluate_options

WINDOW = "relapse_within_6_months_of_chemotherapy"
AC_T = ["doxorubicin", "cyclophosphamide", "paclitaxel"]


def _case(
    since_chemo: float | None = None,
    since_diagnosis: float | None = None,
    *,
    er: float = 0,
    agents: list[str] | None = None,
    on_therapy: list[str] | None = None,
    endocrine: dict[str, Any] | None = None,
) -> dict[str, Any]:
    treatment: dict[str, Any] = {
        "surgery": {"type": "mastectomy", "axillary": "sentinel_node_biopsy"},
        "adjuvant_agents": AC_T if agents is None else agents,
        "recurrence": {"site": "distant", "months_since_diagnosis": since_diagnosis,
                       "on_therapy": on_therapy or [], "biopsied": True, "restaged": True},
    }  # fmt: skip
    if since_chemo is not None:
        treatment["months_since_chemotherapy"] = since_chemo
    if endocrine is not None:
        treatment["endocrine"] = endocrine
    return {
        "patient": {"age_years": 60, "sex": "female", "menopausal_status": "post"},
        "tumour": {"clinical_m": "M1", "metastatic_sites": ["lung"]},
        "biomarkers": {"er_percent": er, "pr_percent": er, "her2_ihc": 1, "pdl1_cps": 1,
                       "germline_brca": "negative"},
        "treatment": treatment,
    }  # fmt: skip


def _facts(data: dict[str, Any]) -> dict[str, Any]:
    case = parse_case(data)
    return extract(case, classify(case))


def _agents(data: dict[str, Any]) -> set[str]:
    case = parse_case(data)
    (point,) = evaluate_options(case, classify(case)).decision_points
    return {a for o in point.options for a in o.agents}


@pytest.mark.parametrize(
    ("since_chemo", "since_diagnosis", "expected"),
    [
        (6, 20, True),  # <= 6 months after the end: inclusive
        (6.5, 20, False),  # just over 6 months
        (None, 6, True),  # end not recorded, 6 months after diagnosis bounds it
        (None, 7, None),  # end not recorded, diagnosis too far back to bound it: not judged
        (None, None, None),
        (0, 9, True),
    ],
)  # fmt: skip
def test_db04_window_at_its_boundary(
    since_chemo: float | None, since_diagnosis: float | None, expected: bool | None
) -> None:
    assert _facts(_case(since_chemo, since_diagnosis))[WINDOW] is expected


def test_relapse_during_chemotherapy_counts() -> None:
    data = _case(None, 30, on_therapy=["capecitabine"], agents=["capecitabine"])
    assert _facts(data)[WINDOW] is True


def test_recorded_end_of_chemotherapy_shows_chemotherapy_was_given() -> None:
    """Only the end of chemotherapy recorded (no agent record): the window is read from it, not
    left unknown for want of the agents."""
    data = _case(4, 30)
    del data["treatment"]["adjuvant_agents"]
    assert _facts(data)[WINDOW] is True
    data["treatment"]["months_since_chemotherapy"] = 10
    assert _facts(data)[WINDOW] is False


def test_no_chemotherapy_given_is_not_the_window() -> None:
    assert _facts(_case(None, 3, agents=[]))[WINDOW] is False
    assert _facts(_case(None, 3, agents=["trastuzumab"]))[WINDOW] is False


def test_progression_on_chemotherapy_uses_the_recorded_end_over_the_diagnosis() -> None:
    """12 months after the end (30 after diagnosis) is progression on the agents; 13 is not."""
    assert _facts(_case(12, 30))["progressed_on"] == sorted(AC_T)
    assert _facts(_case(13, 30))["progressed_on"] == []
    # the old bound is kept as the fallback: <= 12 months after diagnosis
    assert _facts(_case(None, 12))["progressed_on"] == sorted(AC_T)


def test_tdxd_is_a_first_line_option_in_the_window_and_not_outside_it() -> None:
    inside, outside = _case(4, 20), _case(7, 20)
    assert decision_point(parse_case(inside), classify(parse_case(inside))).decision_point == (
        "metastatic_line_1"
    )
    assert "trastuzumab deruxtecan" in _agents(inside)
    assert "trastuzumab deruxtecan" not in _agents(outside)


def test_hr_positive_needs_endocrine_resistance_for_tdxd_in_line_1() -> None:
    """DESTINY-Breast04: HR-positive patients had progressed on or were ineligible for ET."""
    resistant = {"agents": ["anastrozole"], "years_completed": 1, "ongoing": True}
    sensitive = {"agents": ["anastrozole"], "years_completed": 5, "ongoing": False,
                 "months_since_end": 24}  # fmt: skip
    assert "trastuzumab deruxtecan" in _agents(_case(3, 20, er=80, endocrine=resistant))
    assert "trastuzumab deruxtecan" not in _agents(_case(3, 20, er=80, endocrine=sensitive))


def test_reason_says_how_the_end_of_chemotherapy_was_read() -> None:
    recorded = parse_case(_case(4, 20))
    bounded = parse_case(_case(None, 6))
    assert (
        "chemotherapy ended 4 months before"
        in decision_point(recorded, classify(recorded)).reason_en
    )
    assert (
        "bounded by the 6 months since diagnosis"
        in decision_point(bounded, classify(bounded)).reason_en
    )


@pytest.mark.parametrize("value", [-1, 601])
def test_months_since_chemotherapy_range(value: float) -> None:
    with pytest.raises(CaseValidationError, match="months_since_chemotherapy"):
        parse_case(_case(value, None))


def test_chemotherapy_cannot_end_before_the_diagnosis() -> None:
    with pytest.raises(CaseValidationError, match=r"exceeds recurrence\.months_since_diagnosis"):
        parse_case(_case(10, 8))


def test_end_of_chemotherapy_without_chemotherapy_is_a_contradiction() -> None:
    data = {"treatment": {"adjuvant_chemotherapy_done": False, "months_since_chemotherapy": 3}}
    with pytest.raises(CaseValidationError, match="adjuvant_chemotherapy_done is false"):
        parse_case(data)


@pytest.mark.parametrize(("since_diagnosis", "refractory"), [(6, True), (7, False)])
def test_trastuzumab_window_bounded_by_the_diagnosis_when_its_end_is_not_recorded(
    since_diagnosis: float, refractory: bool
) -> None:
    """DESTINY-Breast03 window (<= 6 months after (neo)adjuvant trastuzumab): a relapse <= 6
    months after the diagnosis is <= 6 months after trastuzumab ended; later, not judged."""
    data = _case(None, since_diagnosis, agents=["paclitaxel", "trastuzumab"])
    data["biomarkers"]["her2_ihc"] = 3
    assert ("trastuzumab" in _facts(data)["progressed_on"]) is refractory


@settings(max_examples=60, deadline=None)
@given(
    since_chemo=st.one_of(st.none(), st.floats(0, 60)),
    extra=st.floats(0, 60),
    agents=st.sampled_from([AC_T, ["capecitabine"], ["trastuzumab"], []]),
)
def test_db04_window_never_opens_beyond_6_months_or_without_chemotherapy(
    since_chemo: float | None, extra: float, agents: list[str]
) -> None:
    """Invariant: True only with chemotherapy given (a cytotoxic agent, or a recorded end of
    chemotherapy, which shows it was given) and an end <= 6 months before the relapse (recorded,
    or proved by the diagnosis); a recorded end decides over the diagnosis."""
    since_diagnosis = (since_chemo or 0) + extra
    value = _facts(_case(since_chemo, since_diagnosis, agents=agents))[WINDOW]
    chemo = agents in (AC_T, ["capecitabine"]) or since_chemo is not None
    if not chemo:
        assert value is False
    elif since_chemo is not None:
        assert value is (since_chemo <= 6)
    else:
        assert value is (True if since_diagnosis <= 6 else None)
