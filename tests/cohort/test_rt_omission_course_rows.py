"""The cohort engine agrees with ``assess`` on the course-level RT-omission action (rule
local.rt.omission, fact rt_omission_supported: the omission sets read with adjuvant endocrine
therapy presumed for a hormone receptor-positive tumour unless declined; clinical_course.md
§4.3 / §4.5, ``course_presumptions`` of knowledge/rt_omission.yaml), and the rule fires or misses
as expected at its boundaries, so the equality is not vacuous.

Base row: 72, ER 90 % PR 60 % HER2 1+, pT1 (14 mm) pN0, grade 1, margin 3 mm, Ki-67 10 %, after
breast-conserving surgery: CALGB 9343, PRIME II and LUMINA are met once endocrine therapy is
presumed (rt_omission.md §1).
"""

from __future__ import annotations

from typing import Any

from tests.cohort.expected import hand_built_results

RULE = "local.rt.omission"

_BASE: dict[str, Any] = {
    "decision_point": "adjuvant", "age_years": 72, "sex": "female", "menopausal_status": "post",
    "clinical_m": "M0", "size_mm": 14.0, "clinical_n": "N0", "nodes_examined": 2,
    "nodes_positive": 0, "grade": 1, "lvi": False, "margin_mm": 3.0, "er_percent": 90.0,
    "pr_percent": 60.0, "her2_ihc": 1, "ki67_percent": 10.0, "germline_brca": "negative",
    "surgery_type": "breast_conserving", "axillary_surgery": "sentinel_node_biopsy",
    "declines": "none",
}  # fmt: skip

# (case id, changed columns, offered)
ROWS: list[tuple[str, dict[str, Any], bool]] = [
    ("presumed", {}, True),
    ("planned", {"endocrine_therapy_planned": True}, True),
    ("not-planned", {"endocrine_therapy_planned": False}, False),
    ("declined", {"declines": "endocrine_therapy"}, False),
    ("declined-rt-and-et", {"declines": "radiotherapy;endocrine_therapy"}, False),
    ("er-pr-negative", {"er_percent": 0.0, "pr_percent": 0.0}, False),
    ("er-unrecorded", {"er_percent": None, "pr_percent": None}, False),
    ("on-ink", {"margin_mm": 0.0}, False),
    ("margin-unrecorded", {"margin_mm": None}, False),
    ("mastectomy", {"surgery_type": "mastectomy"}, False),
    ("node-positive", {"nodes_positive": 1}, False),
    ("prime-ii-65-30mm-g3", {"age_years": 65, "size_mm": 30.0, "grade": 3}, True),
    ("prime-ii-64-30mm-g3", {"age_years": 64, "size_mm": 30.0, "grade": 3}, False),
    ("taken", {"endocrine_agents": "letrozole", "endocrine_years_completed": 0.2,
               "endocrine_ongoing": True}, True),
    ("stopped", {"endocrine_agents": "letrozole", "endocrine_years_completed": 0.2,
                 "endocrine_ongoing": False, "endocrine_months_since_end": 1.0}, False),
]  # fmt: skip

# (case id, rt.summary as written, rt.course_summary): the section cannot judge the trials'
# "endocrine therapy planned" unless it is recorded; the course-level reading can.
SUMMARIES = {
    "presumed": ("insufficient_data", "discuss"),
    "taken": ("insufficient_data", "discuss"),
    "planned": ("discuss", "discuss"),
    "not-planned": ("not_supported", "not_supported"),
    "declined": ("insufficient_data", "not_supported"),
    "stopped": ("insufficient_data", "not_supported"),
    "mastectomy": ("not_applicable", "not_applicable"),
}


def test_course_rt_omission_rows_agree_with_assess_and_fire_at_their_boundaries() -> None:
    by_case = hand_built_results([{**_BASE, **cols, "case_id": cid} for cid, cols, _ in ROWS])
    for cid, _cols, offered in ROWS:
        assert (RULE in (by_case[cid]["options.adjuvant"] or [])) is offered, cid
        assert (by_case[cid]["rt.course_summary"] == "discuss") is offered, cid
    for cid, (written, course) in SUMMARIES.items():
        assert (by_case[cid]["rt.summary"], by_case[cid]["rt.course_summary"]) == (written, course)
