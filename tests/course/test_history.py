"""History facts at the boundaries of clinical_course.md 1.2-1.3 (hand-checked expectations)."""

from __future__ import annotations

from typing import Any

import pytest

from breastcds.entrypoint import classify
from breastcds.knowledge.facts import extract
from breastcds.model import parse_case


def _facts(data: dict[str, Any]) -> dict[str, Any]:
    case = parse_case(data)
    return extract(case, classify(case))


def _relapse(endocrine: dict[str, Any], site: str = "distant") -> dict[str, Any]:
    return {
        "biomarkers": {"er_percent": 90},
        "treatment": {"endocrine": endocrine, "recurrence": {"site": site, "on_therapy": []}},
    }


@pytest.mark.parametrize(
    ("endocrine", "expected"),
    [
        # during ET: < 2 years primary, >= 2 years secondary (ABC 5)
        ({"agents": ["anastrozole"], "years_completed": 1.9, "ongoing": True}, "primary"),
        ({"agents": ["anastrozole"], "years_completed": 2, "ongoing": True}, "secondary"),
        # after ET: <= 12 months secondary, > 12 months sensitive
        ({"agents": ["letrozole"], "years_completed": 5, "ongoing": False,
          "months_since_end": 12}, "secondary"),
        ({"agents": ["letrozole"], "years_completed": 5, "ongoing": False,
          "months_since_end": 13}, "sensitive"),
        # timing not recorded: unknown, never guessed
        ({"agents": ["letrozole"], "years_completed": 5}, None),
        ({"agents": []}, "sensitive"),
        # a record without its agents is not "none given" (README course contract: "a key that
        # is absent or null was not recorded; an empty list means none"): therapy that ended 5
        # months before the relapse is secondary resistance (<= 12 months), not "sensitive"
        ({"months_since_end": 5}, "secondary"),
        ({"years_completed": 1, "ongoing": False}, None),
    ],
)  # fmt: skip
def test_endocrine_resistance_windows(endocrine: dict[str, Any], expected: str | None) -> None:
    assert _facts(_relapse(endocrine))["endocrine_resistance"] == expected


def test_progressed_on_counts_relapse_within_12_months_only() -> None:
    within = {"agents": ["letrozole"], "years_completed": 5, "ongoing": False,
              "months_since_end": 12}  # fmt: skip
    after = {**within, "months_since_end": 13}
    assert _facts(_relapse(within))["progressed_on"] == ["letrozole"]
    assert _facts(_relapse(after))["progressed_on"] == []


def test_progressed_on_unknown_when_er_positive_relapse_timing_missing() -> None:
    facts = _facts({"biomarkers": {"er_percent": 90},
                    "treatment": {"recurrence": {"site": "chest_wall"}}})  # fmt: skip
    assert facts["progressed_on"] is None


def test_on_therapy_at_relapse_counts_as_progression() -> None:
    data = _relapse({"agents": ["anastrozole"], "years_completed": 2.5})
    data["treatment"]["recurrence"]["on_therapy"] = ["anastrozole"]
    facts = _facts(data)
    assert facts["endocrine_resistance"] == "secondary"
    assert facts["progressed_on"] == ["anastrozole"]


def test_metastatic_lines_completed_and_progressed_on() -> None:
    data = {"tumour": {"clinical_m": "M1"}, "treatment": {"metastatic_lines": [
        {"agents": ["letrozole", "palbociclib"], "outcome": "progression"},
        {"agents": ["fulvestrant"], "outcome": "ongoing"}]}}  # fmt: skip
    facts = _facts(data)
    assert facts["completed_metastatic_lines"] == 1
    assert facts["progressed_on"] == ["letrozole", "palbociclib"]
    assert facts["prior_agents"] == ["fulvestrant", "letrozole", "palbociclib"]


def test_trastuzumab_refractory_window_is_6_months() -> None:
    base = {"biomarkers": {"er_percent": 0, "her2_ihc": 3},
            "treatment": {"adjuvant_agents": ["paclitaxel", "trastuzumab", "pertuzumab"],
                          "recurrence": {"site": "distant"}}}  # fmt: skip
    base["treatment"]["months_since_trastuzumab"] = 6
    assert _facts(base)["progressed_on"] == ["pertuzumab", "trastuzumab"]
    base["treatment"]["months_since_trastuzumab"] = 7
    assert _facts(base)["progressed_on"] == []


def test_prior_rt_regions_not_recorded_vs_none() -> None:
    assert _facts({})["prior_rt_regions"] is None
    assert _facts({"treatment": {"radiotherapy_given": False}})["prior_rt_regions"] == []
    given = {"treatment": {"radiotherapy_courses": [{"region": "chest_wall"}]}}
    assert _facts(given)["prior_rt_regions"] == ["chest_wall"]


def test_pregnant_reads_the_older_flag() -> None:
    assert _facts({"patient": {"comorbidities": {"pregnancy": True}}})["pregnant"] is True
    assert _facts({})["pregnant"] is None
    assert _facts({"patient": {"pregnant": False}})["pregnant"] is False


def test_comorbidity_and_declines_facts() -> None:
    facts = _facts({"patient": {"declines": ["chemotherapy"],
                                "comorbidities": {"osteoporosis": True}}})  # fmt: skip
    assert facts["declines"] == ["chemotherapy"]
    assert facts["comorbidity.osteoporosis"] is True
    assert facts["comorbidity.venous_thromboembolism"] is None
    assert _facts({})["declines"] is None


@pytest.mark.parametrize(("months", "expected"), [
    (12, ["cyclophosphamide", "doxorubicin", "paclitaxel"]),  # <= 12 after diagnosis, so after them
    (13, []),  # cannot be shown to be <= 12 months after the chemotherapy ended
])  # fmt: skip
def test_relapse_within_12_months_of_diagnosis_counts_as_progression_on_chemotherapy(
    months: int, expected: list[str]
) -> None:
    """clinical_course.md 1.2 / 3: relapse during or <= 12 months after a (neo)adjuvant agent is
    progression on it (taxane re-challenge only > 12 months after). The diagnosis bounds the end
    of (neo)adjuvant therapy; trastuzumab keeps its own window (months_since_trastuzumab)."""
    recurrence = {"site": "distant", "months_since_diagnosis": months}
    data = {"biomarkers": {"er_percent": 0, "pr_percent": 0, "her2_ihc": 0},
            "treatment": {"adjuvant_agents": ["doxorubicin", "cyclophosphamide", "paclitaxel"],
                          "recurrence": recurrence}}  # fmt: skip
    assert _facts(data)["progressed_on"] == expected
