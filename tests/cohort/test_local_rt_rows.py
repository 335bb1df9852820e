"""The cohort engine agrees with ``assess`` on the local-therapy rules graded from the CSCO 2026
RT tables (三(五)), at their boundaries: 1-2 vs 3 positive sentinel nodes (high tangents, the
Z0011 omission and whole-breast RT alone, split by that row), pT2 (50 mm) vs pT3
(51 mm) node-negative after mastectomy, pN1 vs pN2 after breast-conserving surgery.

The rows are built by hand so that each rule surely fires in one row and just misses in the
next; the test also checks that it does fire, so the equality is not vacuous. Rules that read a
field the flat cohort table has no column for (DCIS extent and nuclear grade, brain-metastasis
count: ``cohort.facts.NO_COLUMN``) are unknown in both engines and are not listed here.
"""

from __future__ import annotations

from typing import Any

from tests.cohort.expected import hand_built_results

_BASE: dict[str, Any] = {
    "age_years": 58, "sex": "female", "menopausal_status": "post", "clinical_m": "M0",
    "grade": 2, "margin_mm": 3.0, "er_percent": 90.0, "pr_percent": 60.0, "her2_ihc": 1,
    "ki67_percent": 20.0, "germline_brca": "negative",
}  # fmt: skip

# (case id, columns, {decision point: rule ids that must be offered / must not be offered})
ROWS: list[tuple[str, dict[str, Any], str, set[str], set[str]]] = [
    ("bcs-sln2", {"decision_point": "adjuvant", "size_mm": 18.0, "clinical_n": "N0",
                  "nodes_examined": 3, "nodes_positive": 2, "surgery_type": "breast_conserving",
                  "axillary_surgery": "sentinel_node_biopsy"},
     "adjuvant", {"local.rt.high_tangents_sentinel_1_2", "local.axilla.alnd_omission_z0011",
                  "local.axilla.axillary_rt_amaros_1_2_nodes",
                  "local.rt.whole_breast_adjuvant_sentinel_1_2"},
     {"local.rt.whole_breast_adjuvant_other"}),
    ("bcs-sln3", {"decision_point": "adjuvant", "size_mm": 18.0, "clinical_n": "N0",
                  "nodes_examined": 4, "nodes_positive": 3, "surgery_type": "breast_conserving",
                  "axillary_surgery": "sentinel_node_biopsy"},
     "adjuvant", {"local.axilla.axillary_rt_amaros_3plus_nodes",
                  "local.rt.whole_breast_adjuvant_other"},
     {"local.rt.high_tangents_sentinel_1_2", "local.axilla.alnd_omission_z0011",
      "local.rt.whole_breast_adjuvant_sentinel_1_2"}),
    ("mast-51mm-pN0", {"decision_point": "adjuvant", "size_mm": 51.0, "nodes_examined": 3,
                       "nodes_positive": 0, "surgery_type": "mastectomy",
                       "axillary_surgery": "sentinel_node_biopsy"},
     "adjuvant", {"local.rt.pmrt_t3_n0"}, set()),
    ("mast-50mm-pN0", {"decision_point": "adjuvant", "size_mm": 50.0, "nodes_examined": 3,
                       "nodes_positive": 0, "surgery_type": "mastectomy",
                       "axillary_surgery": "sentinel_node_biopsy"},
     "adjuvant", set(), {"local.rt.pmrt_t3_n0"}),
    ("bcs-alnd-pN2", {"decision_point": "adjuvant", "size_mm": 22.0, "clinical_n": "N1",
                      "nodes_examined": 14, "nodes_positive": 4,
                      "surgery_type": "breast_conserving",
                      "axillary_surgery": "axillary_dissection"},
     "adjuvant", {"local.rt.rni_after_bcs_pn2"}, set()),
    ("axilla-sln2", {"decision_point": "axilla", "clinical_size_mm": 18.0, "clinical_n": "N0",
                     "nodes_examined": 2, "nodes_positive": 2, "surgery_type": "breast_conserving",
                     "axillary_surgery": "sentinel_node_biopsy"},
     "axilla", {"axilla.amaros_rt_1_2_nodes", "axilla.no_alnd_z0011"},
     {"axilla.amaros_rt_3plus_nodes"}),
    ("axilla-sln3", {"decision_point": "axilla", "clinical_size_mm": 18.0, "clinical_n": "N0",
                     "nodes_examined": 4, "nodes_positive": 3, "surgery_type": "breast_conserving",
                     "axillary_surgery": "sentinel_node_biopsy"},
     "axilla", {"axilla.amaros_rt_3plus_nodes"},
     {"axilla.amaros_rt_1_2_nodes", "axilla.no_alnd_z0011"}),
]  # fmt: skip


def test_local_rt_rows_agree_with_assess_and_fire_at_their_boundaries() -> None:
    by_case = hand_built_results([{**_BASE, **cols, "case_id": cid} for cid, cols, *_ in ROWS])
    for cid, _cols, point, must, must_not in ROWS:
        offered = set(by_case[cid][f"options.{point}"] or [])
        assert must <= offered, (cid, must - offered)
        assert not (must_not & offered), (cid, must_not & offered)
