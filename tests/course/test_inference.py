"""Decision point inferred from the course (clinical_course.md 1.1 precedence, 1.2 lines)."""

from __future__ import annotations

from typing import Any

import pytest

from breastcds.course.inference import decision_point, precedence
from breastcds.entrypoint import classify
from breastcds.model import parse_case

BCS = {"type": "breast_conserving", "axillary": "sentinel_node_biopsy"}


def _dp(data: dict[str, Any]) -> str | None:
    case = parse_case(data)
    return decision_point(case, classify(case)).decision_point


def test_worked_inference_of_the_reference() -> None:
    # 1.4: BCS + SLNB, nothing else -> adjuvant
    assert _dp({"treatment": {"surgery": BCS}}) == "adjuvant"
    # neoadjuvant then mastectomy -> post_neoadjuvant
    neo = {"agents": ["docetaxel", "carboplatin", "trastuzumab", "pertuzumab"],
           "response": "residual_invasive"}  # fmt: skip
    assert (
        _dp({"treatment": {"neoadjuvant": neo, "surgery": {"type": "mastectomy"}}})
        == "post_neoadjuvant"
    )
    # five years of letrozole, no event -> extended_adjuvant; plus axillary relapse -> LRR
    five = {"surgery": BCS, "endocrine": {"agents": ["letrozole"], "years_completed": 5}}
    assert _dp({"treatment": five}) == "extended_adjuvant"
    relapse = {**five, "recurrence": {"site": "regional_nodes"}}
    assert _dp({"treatment": relapse}) == "locoregional_recurrence"
    # metastases in year 3 of anastrozole -> metastatic_line_1
    assert (
        _dp(
            {
                "treatment": {
                    "surgery": BCS,
                    "recurrence": {"site": "distant"},
                    "endocrine": {"agents": ["anastrozole"], "years_completed": 3, "ongoing": True},
                }
            }
        )
        == "metastatic_line_1"
    )
    # pure DCIS after BCS -> dcis
    assert _dp({"tumour": {"dcis_only": True}, "treatment": {"surgery": BCS}}) == "dcis"
    # no surgery yet -> neoadjuvant
    assert _dp({"tumour": {"clinical_m": "M0"}}) == "neoadjuvant"


def test_endocrine_years_boundary_5_vs_4_9() -> None:
    def case(years: float) -> dict[str, Any]:
        return {
            "treatment": {
                "surgery": BCS,
                "endocrine": {"agents": ["tamoxifen"], "years_completed": years},
            }
        }

    assert _dp(case(5)) == "extended_adjuvant"
    assert _dp(case(4.9)) == "adjuvant"


def test_trastuzumab_course_completed_needs_the_time_since_it() -> None:
    base = {"surgery": BCS, "adjuvant_agents": ["paclitaxel", "trastuzumab"]}
    assert _dp({"treatment": base}) == "adjuvant"
    assert _dp({"treatment": {**base, "months_since_trastuzumab": 2}}) == "extended_adjuvant"


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        ([], "metastatic_line_1"),
        ([{"agents": ["letrozole", "palbociclib"], "outcome": "ongoing"}], "metastatic_line_1"),
        ([{"agents": ["letrozole", "palbociclib"], "outcome": "progression"}],
         "metastatic_line_2"),
        ([{"agents": ["letrozole", "palbociclib"], "outcome": "toxicity"}], "metastatic_line_2"),
        ([{"agents": ["letrozole"], "outcome": "progression"},
          {"agents": ["paclitaxel"], "outcome": "progression"}], "metastatic_line_3plus"),
        ([{"agents": ["letrozole"], "outcome": "progression"},
          {"agents": ["paclitaxel"], "outcome": "ongoing"}], "metastatic_line_2"),
    ],
)  # fmt: skip
def test_metastatic_line_counts_completed_lines(lines: list[Any], expected: str) -> None:
    assert _dp({"tumour": {"clinical_m": "M1"},
                "treatment": {"metastatic_lines": lines}}) == expected  # fmt: skip


def test_recurrence_outranks_the_primary_pathway() -> None:
    # a chest-wall recurrence in a DCIS / extended-adjuvant history is still LRR
    recurrence = {"site": "ipsilateral_breast"}
    data = {"tumour": {"dcis_only": True}, "treatment": {"surgery": BCS, "recurrence": recurrence}}
    assert _dp(data) == "locoregional_recurrence"
    # distant outranks locoregional
    recurrence["site"] = "distant"
    assert _dp(data) == "metastatic_line_1"


def test_named_decision_point_overrides() -> None:
    case = parse_case(
        {"decision_point": "adjuvant", "treatment": {"recurrence": {"site": "distant"}}}
    )
    out = decision_point(case, classify(case))
    assert out.decision_point == "adjuvant" and out.inferred is False


def test_reason_is_bilingual_and_names_the_criteria() -> None:
    case = parse_case({"treatment": {"surgery": BCS}})
    out = decision_point(case, classify(case))
    assert out.inferred and "no neoadjuvant" in out.reason_en and out.reason_zh
    assert "surgery done" in out.criteria


def test_table_covers_every_course_decision_point() -> None:
    points = {row.decision_point for row in precedence().precedence}
    assert points == {"metastatic_line_1", "metastatic_line_2", "metastatic_line_3plus",
                      "locoregional_recurrence", "dcis", "extended_adjuvant",
                      "post_neoadjuvant", "adjuvant", "neoadjuvant"}  # fmt: skip


def test_options_section_carries_the_inferred_point_and_reason() -> None:
    from breastcds import assess

    a = assess({"treatment": {"surgery": BCS, "recurrence": {"site": "chest_wall"}}})
    [p] = a.sections.options.decision_points
    assert (p.decision_point, p.inferred) == ("locoregional_recurrence", True)
    assert p.reason_en and "locoregional" in p.reason_en
