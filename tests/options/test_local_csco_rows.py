"""CSCO 2026 RT-table rows behind the axilla and post-operative RT rules (issue 16 items 1-2).

Expected levels are the cells of the CSCO Breast Cancer Guidelines 2026 (PMPH, ISBN
978-7-117-39569-4), 三(五) 乳腺癌术后辅助放疗, read in the public OCR transcription named in
docs/csco_grading.md:

* after breast-conserving surgery, row '前哨淋巴结1~2个阳性，未行腋窝淋巴结清扫术':
  Level I whole breast + boost + regional nodal RT incl. the undissected axilla [1B];
  Level II high-tangent whole breast + boost [1B]; Level III whole breast [2B];
* after breast-conserving surgery, row '腋窝淋巴结1~3个阳性，腋窝淋巴结清扫术后':
  Level I whole breast + boost + regional nodal RT [1B];
  row '≥4个阳性': Level I whole breast + boost + complete regional nodal RT [1A];
* after mastectomy, row 'T>5cm，腋窝淋巴结阴性': Level I chest wall [2A] or chest wall +
  regional nodal RT [2A];
* after breast-conserving surgery, row 导管原位癌: Level I whole breast [1A] and whole breast +
  boost [2A], Level II partial-breast RT [2A]; note 1 (boost for intermediate/high-risk DCIS as
  BIG 3-07 defines it: < 50 years, or multifocal, >= 1.5 cm, intermediate-high nuclear grade,
  margin < 10 mm, palpable, necrosis) and note 2 (PBI: low-intermediate grade, >= 50 years,
  <= 2 cm, not with a BRCA mutation).

The grades themselves are pinned with the other local-therapy grades in
``test_csco_levels_local_tnbc_course.GRADES``. Boundaries come from AJCC 8 (pT3 is > 50 mm;
pN1 is 1-3 nodes, pN2 4-9) and the rows themselves (1-2 vs 3 positive sentinel nodes).
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from breastcds.entrypoint import classify
from breastcds.model.parse import parse_case
from breastcds.options.engine import evaluate_options
from tests.options.test_csco_levels_local_tnbc_course import KB, RULES, _offered


def test_three_or_more_positive_sentinel_nodes_have_no_row() -> None:
    # Both tables have rows for 1-2 positive sentinel nodes without dissection only.
    assert RULES["axilla.amaros_rt_3plus_nodes"].grading.status == "not verified"
    assert "axilla.amaros_rt" not in RULES  # split: the old id is retired


def test_amaros_split_parts_offer_what_the_single_rule_offered() -> None:
    a, b = RULES["axilla.amaros_rt_1_2_nodes"], RULES["axilla.amaros_rt_3plus_nodes"]
    assert a.option == b.option
    assert a.decision_points == b.decision_points
    assert a.unless == b.unless


def _adjuvant(
    surgery: str, axillary: str, size_mm: float, nodes: int, sentinel: int | None = None
) -> dict[str, Any]:
    s: dict[str, Any] = {"type": surgery, "axillary": axillary}
    if sentinel is not None:
        s["sentinel_nodes_positive"] = sentinel
    return {
        "patient": {"age_years": 55, "sex": "female", "menopausal_status": "post"},
        "tumour": {"size_mm": size_mm, "clinical_n": "N0" if sentinel is not None else "N1",
                   "nodes_examined": 14 if sentinel is None else 3, "nodes_positive": nodes,
                   "grade": 2, "margin_mm": 3, "clinical_m": "M0"},
        "biomarkers": {"er_percent": 90, "pr_percent": 60, "her2_ihc": 1, "ki67_percent": 20},
        "treatment": {"surgery": s},
    }  # fmt: skip


@pytest.mark.parametrize(
    ("nodes", "rule_id", "evidence"),
    [(3, "local.rt.rni_after_bcs_pn1_alnd", "1B"), (4, "local.rt.rni_after_bcs_pn2", "1A")],
)
def test_nodal_rt_after_bcs_and_dissection_is_graded_by_pn(
    nodes: int, rule_id: str, evidence: str
) -> None:
    # pN1 (3 nodes) vs pN2 (4 nodes): one nodal-RT option each, from its own row
    rni = [o for o in _offered(_adjuvant("breast_conserving", "axillary_dissection", 22, nodes))
           if "regional_nodal_rt" in o.actions]  # fmt: skip
    assert [o.rule_id for o in rni] == [rule_id]
    assert (rni[0].grade.csco_level, rni[0].grade.csco_evidence) == ("I", evidence)


@pytest.mark.parametrize(("size_mm", "offered"), [(50, False), (51, True)])
def test_pmrt_for_node_negative_disease_starts_above_5_cm(size_mm: float, offered: bool) -> None:
    # 50 mm is pT2, 51 mm pT3 (AJCC 8); the mastectomy row is 'T > 5 cm, node-negative'
    ids = {o.rule_id for o in _offered(
        _adjuvant("mastectomy", "sentinel_node_biopsy", size_mm, 0, sentinel=0))}  # fmt: skip
    assert ("local.rt.pmrt_t3_n0" in ids) is offered


def test_pmrt_t3_n1_is_the_pn1_discussion_not_the_node_negative_row() -> None:
    ids = {o.rule_id for o in _offered(_adjuvant("mastectomy", "axillary_dissection", 60, 2))}
    assert "local.rt.pmrt_pn1_discuss" in ids
    assert "local.rt.pmrt_t3_n0" not in ids


@pytest.mark.parametrize(("sentinel", "row"), [(2, True), (3, False)])
def test_one_or_two_positive_sentinel_nodes_show_the_whole_row(sentinel: int, row: bool) -> None:
    # 2 positive sentinel nodes after BCS: the three RT approaches of the row, Level I to III
    graded = {o.rule_id: o.grade.csco_level for o in _offered(
        _adjuvant("breast_conserving", "sentinel_node_biopsy", 18, sentinel, sentinel=sentinel))
        if o.rule_id in {"local.axilla.axillary_rt_amaros_1_2_nodes",
                         "local.rt.high_tangents_sentinel_1_2",
                         "local.axilla.alnd_omission_z0011",
                         "local.rt.whole_breast_adjuvant_sentinel_1_2"}}  # fmt: skip
    expected = {"local.axilla.axillary_rt_amaros_1_2_nodes": "I",
                "local.rt.high_tangents_sentinel_1_2": "II",
                "local.axilla.alnd_omission_z0011": "III",
                "local.rt.whole_breast_adjuvant_sentinel_1_2": "III"}  # fmt: skip
    assert graded == (expected if row else {})


@pytest.mark.parametrize(
    ("sentinel", "part"),
    [(0, "local.rt.whole_breast_adjuvant_other"),
     (1, "local.rt.whole_breast_adjuvant_sentinel_1_2"),
     (2, "local.rt.whole_breast_adjuvant_sentinel_1_2"),
     (3, "local.rt.whole_breast_adjuvant_other")],
)  # fmt: skip
def test_whole_breast_rt_alone_is_graded_in_the_sentinel_1_2_row_only(
    sentinel: int, part: str
) -> None:
    # 三(五) after BCS: whole breast alone is '全乳放疗 [2B]' Level III in the row '1-2 positive
    # sentinel nodes, no axillary dissection' only; 0 (node-negative row) and 3 positive sentinel
    # nodes (no row) keep the ungraded part. Exactly one part offers whole-breast RT.
    wb = [o for o in _offered(
        _adjuvant("breast_conserving", "sentinel_node_biopsy", 18, sentinel, sentinel=sentinel))
        if o.rule_id.startswith("local.rt.whole_breast_adjuvant")]  # fmt: skip
    assert [o.rule_id for o in wb] == [part]
    level = "III" if part.endswith("sentinel_1_2") else None
    assert wb[0].grade.csco_level == level


def test_whole_breast_rt_after_dissection_stays_ungraded() -> None:
    # 1-3 nodes after axillary dissection: the row lists whole breast + boost [2B] (Level II)
    # and + nodal RT (Level I), never whole breast alone
    offered = _offered(_adjuvant("breast_conserving", "axillary_dissection", 22, 2))
    wb = [o.rule_id for o in offered if o.rule_id.startswith("local.rt.whole_breast_adjuvant")]
    assert wb == ["local.rt.whole_breast_adjuvant_other"]


_SURGERY = st.fixed_dictionaries(
    {
        "type": st.sampled_from(["breast_conserving", "mastectomy"]),
        "axillary": st.sampled_from(["sentinel_node_biopsy", "axillary_dissection"]),
    }
)


@st.composite
def _axilla_cases(draw: st.DrawFn) -> dict[str, Any]:
    surgery = dict(draw(_SURGERY))
    nodes = draw(st.sampled_from([None, 0, 1, 2, 3, 4, 9, 10]))
    if surgery["axillary"] == "sentinel_node_biopsy" and nodes is not None:
        surgery["sentinel_nodes_positive"] = nodes
    tumour: dict[str, Any] = {
        "size_mm": draw(st.sampled_from([None, 15, 20, 21, 50, 51, 70])),
        "clinical_size_mm": draw(st.sampled_from([None, 15, 25, 55])),
        "clinical_n": draw(st.sampled_from([None, "N0", "N1", "N2"])),
        "clinical_m": "M0",
        "margin_mm": 3,
        "grade": 2,
    }
    if nodes is not None:
        tumour |= {"nodes_examined": max(nodes, 3), "nodes_positive": nodes}
    return {
        "decision_point": draw(st.sampled_from([None, "axilla", "adjuvant"])),
        "patient": {"age_years": draw(st.sampled_from([45, 60, 72])), "sex": "female",
                    "menopausal_status": "post"},
        "tumour": tumour,
        "biomarkers": {"er_percent": 90, "pr_percent": 60, "her2_ihc": 1, "ki67_percent": 20},
        "treatment": {"surgery": surgery},
    }  # fmt: skip


# Rules that read one stratum each of a CSCO RT row set: never two at once for one case.
EXCLUSIVE = [
    ("axilla.amaros_rt_1_2_nodes", "axilla.amaros_rt_3plus_nodes"),
    ("local.rt.rni_after_bcs_pn1_alnd", "local.rt.rni_after_bcs_pn2"),
    ("local.rt.pmrt_t3_n0", "local.rt.pmrt_pn1_discuss", "local.rt.pmrt_rni_pn2"),
    ("local.rt.high_tangents_sentinel_1_2", "local.rt.rni_after_bcs_pn1_alnd",
     "local.rt.rni_after_bcs_pn2"),
    ("local.rt.whole_breast_adjuvant_sentinel_1_2", "local.rt.whole_breast_adjuvant_other"),
]  # fmt: skip


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_axilla_cases())
def test_rows_are_exclusive_and_the_amaros_split_keeps_its_union(data: dict[str, Any]) -> None:
    k = parse_case(data)
    result = evaluate_options(k, classify(k), kb=KB)
    offered = {o.rule_id for p in result.decision_points
               for o in (*p.options, *p.discuss, *p.not_recommended)}  # fmt: skip
    for group in EXCLUSIVE:
        assert sum(1 for r in group if r in offered) <= 1, (group, offered)
    # The single rule offered axillary RT at the axilla point for >= 1 positive node, cT1-2 cN0;
    # the parts together offer it in exactly those cases (unknown counts excepted: prompts).
    t = data["tumour"]
    at_axilla = any(p.decision_point == "axilla" for p in result.decision_points)
    old = (at_axilla and t.get("nodes_positive") is not None and t["nodes_positive"] >= 1
           and t.get("clinical_n") == "N0"
           and (t.get("clinical_size_mm") or 0) in (15, 25))  # fmt: skip
    parts = {"axilla.amaros_rt_1_2_nodes", "axilla.amaros_rt_3plus_nodes"} & offered
    assert bool(parts) == old, (old, parts, data)
    # The retired local.rt.whole_breast_adjuvant offered whole-breast RT at the adjuvant point
    # after breast-conserving surgery (breast never irradiated); its two parts together offer it
    # in exactly those cases, the remainder with a caution when the sentinel count is missing.
    at_adjuvant = any(p.decision_point == "adjuvant" for p in result.decision_points)
    wb_old = at_adjuvant and data["treatment"]["surgery"]["type"] == "breast_conserving"
    wb = {"local.rt.whole_breast_adjuvant_sentinel_1_2",
          "local.rt.whole_breast_adjuvant_other"} & offered  # fmt: skip
    assert bool(wb) == wb_old, (wb_old, wb, data)


def _dcis(
    age: int, extent_mm: float, grade: int, margin_mm: float, brca: str | None = None
) -> dict[str, Any]:
    bio: dict[str, Any] = {"er_percent": 90}
    if brca is not None:
        bio["germline_brca"] = brca
    return {
        "patient": {"age_years": age, "sex": "female",
                    "menopausal_status": "post" if age >= 50 else "pre"},
        "tumour": {"dcis_only": True, "dcis_extent_mm": extent_mm, "dcis_nuclear_grade": grade,
                   "detection": "screen", "margin_mm": margin_mm, "focality": "unifocal"},
        "biomarkers": bio,
        "treatment": {"surgery": {"type": "breast_conserving", "axillary": "none"}},
    }  # fmt: skip


@pytest.mark.parametrize(
    ("age", "extent_mm", "grade", "brca", "offered"),
    [(50, 20, 2, None, True), (49, 20, 2, None, False), (50, 21, 2, None, False),
     (50, 20, 3, None, False), (50, 20, 2, "brca2", False), (50, 20, 2, "negative", True)],
)  # fmt: skip
def test_partial_breast_rt_for_dcis_follows_note_2(
    age: int, extent_mm: float, grade: int, brca: str | None, offered: bool
) -> None:
    ids = {o.rule_id for o in _offered(_dcis(age, extent_mm, grade, 10, brca))}
    assert "local.rt.whole_breast_dcis" in ids  # Level I [1A] stays the reference option
    assert ("local.rt.partial_breast_dcis" in ids) is offered


@pytest.mark.parametrize(
    ("age", "extent_mm", "grade", "margin_mm", "offered"),
    [(50, 14, 1, 10, False), (49, 14, 1, 10, True), (50, 15, 1, 10, True),
     (50, 14, 2, 10, True), (50, 14, 1, 9.9, True)],
)  # fmt: skip
def test_dcis_boost_follows_the_big_3_07_risk_definition(
    age: int, extent_mm: float, grade: int, margin_mm: float, offered: bool
) -> None:
    boost = [o for o in _offered(_dcis(age, extent_mm, grade, margin_mm))
             if o.rule_id == "local.rt.boost_dcis"]  # fmt: skip
    assert bool(boost) is offered
    if boost:
        assert (boost[0].grade.csco_level, boost[0].grade.csco_evidence) == ("I", "2A")


def _brain(count: int, ecog: int | None) -> dict[str, Any]:
    patient: dict[str, Any] = {"age_years": 70, "sex": "female", "menopausal_status": "post"}
    if ecog is not None:
        patient["ecog"] = ecog
    return {
        "decision_point": "metastatic_line_2",
        "patient": patient,
        "tumour": {
            "clinical_m": "M1",
            "metastatic_sites": ["brain"],
            "brain_metastases_count": count,
        },
        "biomarkers": {
            "er_percent": 0,
            "pr_percent": 0,
            "her2_ihc": 3,
            "germline_brca": "negative",
        },
    }


@pytest.mark.parametrize(
    ("ecog", "rule_id", "level"),
    [
        (3, "local.brain.whole_brain_over_10_ecog_3_4", "I"),
        (2, "local.brain.whole_brain_over_10_other", None),
        (None, "local.brain.whole_brain_over_10_other", None),
    ],
)
def test_whole_brain_rt_for_over_10_lesions_is_level_i_only_with_ps_3_4(
    ecog: int | None, rule_id: str, level: str | None
) -> None:
    # 六(三): with PS 3-4 whole-brain RT is Level I in the diffuse row [1A] and in both
    # limited-number rows [1B]; with PS 0-2 it is Level I (diffuse) or Level II (limited), and
    # the lesion count does not say which. One whole-brain option either way.
    wbrt = [o for o in _offered(_brain(11, ecog)) if "whole_brain_rt" in o.actions]
    assert [o.rule_id for o in wbrt] == [rule_id]
    assert wbrt[0].grade.csco_level == level
    if ecog is None:  # unknown is not negative: offered, with the field to confirm
        assert any("confirm before use" in c for c in wbrt[0].cautions)


def test_ten_lesions_are_not_the_whole_brain_rule() -> None:
    ids = {o.rule_id for o in _offered(_brain(10, 3))}
    assert not ids & {
        "local.brain.whole_brain_over_10_ecog_3_4",
        "local.brain.whole_brain_over_10_other",
    }


@st.composite
def _brain_cases(draw: st.DrawFn) -> dict[str, Any]:
    data = _brain(
        draw(st.sampled_from([1, 4, 5, 10, 11, 30])), draw(st.sampled_from([None, 0, 1, 2, 3, 4]))
    )
    if draw(st.booleans()):
        data["tumour"]["metastatic_sites"] = ["brain", "leptomeninges"]
    return data


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_brain_cases())
def test_whole_brain_split_is_a_partition_of_the_single_rule(data: dict[str, Any]) -> None:
    # The single rule offered whole-brain RT for > 10 lesions without leptomeningeal disease;
    # the two parts offer it in exactly those cases, never both.
    ids = {o.rule_id for o in _offered(data)}
    parts = ids & {
        "local.brain.whole_brain_over_10_ecog_3_4",
        "local.brain.whole_brain_over_10_other",
    }
    t = data["tumour"]
    old = t["brain_metastases_count"] > 10 and "leptomeninges" not in t["metastatic_sites"]
    assert len(parts) == (1 if old else 0), (parts, data)
