"""CSCO 2026 levels of the triple-negative, local-therapy and course-specific rules.

Expected levels are read from the CSCO Breast Cancer Guidelines 2026 (PMPH, ISBN
978-7-117-39569-4) in a public OCR transcription of the book (docs/csco_grading.md says which);
each case below quotes the table row and cell. Where a rule spanned CSCO strata with different
levels it was split along them; the end-to-end tests check that each stratum gets the part
graded from its own row, and that the parts together still offer what the single rule offered.
"""

from __future__ import annotations

from typing import Any

import pytest

from breastcds.entrypoint import classify
from breastcds.model.parse import parse_case
from breastcds.options.engine import OfferedOption, evaluate_options
from breastcds.options.schema import load_kb
from tests.options.csco_pins import assert_not_verified, assert_pinned

KB = load_kb()
RULES = {r.id: r for r in KB.rules}

# (rule id, CSCO level, evidence category or None when it differs by row, text of the cell read)
GRADES = [
    # 二(四) 新辅助治疗后三阴性患者的辅助治疗, 2. without immunotherapy, non-pCR:
    # '卡培他滨 [1A]', Level I
    ("tnbc.post_neoadjuvant.capecitabine_no_immunotherapy", "I", "1A", "卡培他滨 [1A]"),
    # same table, 1. with immunotherapy, non-pCR, Level II: 'PD-1抑制剂联合卡培他滨 [2A]'
    ("tnbc.post_neoadjuvant.capecitabine_with_pd1", "II", "2A", "PD-1抑制剂联合卡培他滨 [2A]"),
    ("tnbc.post_neoadjuvant.olaparib_gbrca_with_pd1", "II", "2A", "PD-1抑制剂联合奥拉帕利"),
    # 三(三) 1. initial adjuvant therapy, 'node-positive or > 2 cm': Level I 'ddAC-ddT [1A]',
    # Level II 'AC-T [1A]'; 'tumour <= 2 cm and node-negative': Level I 'TC×4 [1A]', 'AC [1A]'
    ("tnbc.adjuvant.chemotherapy_high_risk_dose_dense", "I", "1A", "ddAC-ddT [1A]"),
    ("tnbc.adjuvant.chemotherapy_high_risk_ac_t", "II", "1A", "AC-T [1A]"),
    ("tnbc.adjuvant.chemotherapy_lower_risk_tc_ac", "I", "1A", "TC×4 [1A]"),
    ("tnbc.adjuvant.chemotherapy_lower_risk_act_tc6", "II", "2A", "TC×6 [2A]"),
    # 三(五) RT after breast-conserving surgery, row DCIS: '全乳放疗 [1A]', Level I
    ("local.rt.whole_breast_dcis", "I", "1A", "全乳放疗 [1A]"),
    # 三(五) RT after neoadjuvant therapy: 'cN0, ypN0, BCS' Level I '全乳放疗 [1A]';
    # 'cN2-3, cT4, ypN+' mastectomy Level I [2A]; 'T1-3, cN1, ypN0' mastectomy Level II [2B]
    ("local.rt.whole_breast_after_neoadjuvant_cn0_ypn0", "I", "1A", "全乳放疗 [1A]"),
    ("local.rt.pmrt_rni_after_neoadjuvant_cn2_ct4_ypn", "I", "2A", "complete regional nodal RT"),
    ("local.rt.pmrt_rni_after_neoadjuvant_ct3_cn1", "II", "2B", "T1-3, cN1, ypN0"),
    ("local.rt.rni_after_neoadjuvant_bcs_cn1_t3_t4", "II", "2B", "cN1, ypN0"),
    # 三(五) row '1-2 positive sentinel nodes, no axillary dissection': nodal RT incl. axilla [1B]
    ("local.axilla.axillary_rt_amaros_1_2_nodes", "I", "1B", "1-2 positive sentinel nodes"),
    # 六(三) brain-metastasis local therapy: leptomeningeal row '全脑放疗 [1B]' Level I;
    # limited-number rows list SRS/FSRT at Level I with [1A] or [1B] by row
    ("local.brain.whole_brain_leptomeningeal", "I", "1B", "全脑放疗 [1B]"),
    ("local.brain.stereotactic_1_to_4", "I", None, "SRS (< 3 cm) or FSRT [1A]"),
    # 五(三) bone-modifying agents: Level I '地舒单抗 [1A]', '唑来膦酸 [1A]';
    # Level II '帕米膦酸二钠 [1B]'
    ("course.metastatic.bone_modifying_agent_denosumab_zoledronic", "I", "1A", "唑来膦酸 [1A]"),
    ("course.metastatic.bone_modifying_agent_pamidronate", "II", "1B", "帕米膦酸二钠 [1B]"),
    # 四(四) endocrine salvage: TAM-failure row '氟维司群+CDK4/6i [1B]' Level II; inavolisib
    # triplet [1A] Level I after TAM/AI failure (the AI-failure rows '氟维司群+CDK4/6i [1A]',
    # Level I, are hrpos.metastatic.fulvestrant_cdk46i_after_ai_failure: test_grading_csco.py)
    ("course.metastatic.fulvestrant_cdk46i_endocrine_resistant_after_tamoxifen", "II", "1B",
     "氟维司群+CDK4/6i [1B]"),
    ("course.metastatic.inavolisib_endocrine_resistant_no_prior_cdk46i", "I", "1A",
     "伊那利塞+哌柏西利+氟维司群 [1A]"),
    # 四(二) trastuzumab-failure row, Level II: '维迪西妥单抗（肝转移） [2A]'
    ("course.her2pos.disitamab_vedotin_liver_no_prior_tki", "II", "2A",
     "维迪西妥单抗（肝转移） [2A]"),
    # 三(四) 2. premenopausal adjuvant endocrine therapy: 'OFS+AI [2A]' Level II in the high- and
    # intermediate-risk rows (node-positive or T3-4 N0 is in one of them whatever the risk factors)
    ("course.vte.premenopausal_ofs_ai_node_positive_or_t3", "II", "2A", "OFS+AI [2A]"),
    # 四(五) HER-2 low / HR-positive, CDK4/6i-treated row, Level II: '德达博妥单抗 [2A]'
    ("course.hrpos.datopotamab_tropion01_her2_low_after_cdk46i", "II", "2A", "德达博妥单抗 [2A]"),
    # 三(五) after BCS, row 'SLN 1-2 positive, no ALND': Level III '全乳放疗 [2B]', Level II
    # high tangents + boost [1B], Level I nodal RT incl. the axilla [1B] (both tables)
    ("local.axilla.alnd_omission_z0011", "III", "2B", "全乳放疗 [2B]"),
    ("axilla.no_alnd_z0011", "III", "2B", "全乳放疗 [2B]"),
    ("local.rt.high_tangents_sentinel_1_2", "II", "1B", "高切线野全乳放疗+瘤床加量 [1B]"),
    ("axilla.amaros_rt_1_2_nodes", "I", "1B", "包括腋窝淋巴结 [1B]"),
    # after BCS, '1-3 nodes after ALND' Level I [1B]; after mastectomy, 'T > 5 cm N0' Level I [2A]
    ("local.rt.rni_after_bcs_pn1_alnd", "I", "1B", "腋窝淋巴结1~3个阳性，腋窝淋巴结清扫术后"),
    # same row 'SLN 1-2 positive, no ALND': whole breast alone '全乳放疗 [2B]', Level III
    ("local.rt.whole_breast_adjuvant_sentinel_1_2", "III", "2B",
     "'全乳放疗 [2B]' (whole breast alone)"),
    ("local.rt.pmrt_t3_n0", "I", "2A", "胸壁+区域淋巴结放疗 [2A]"),
    # row 导管原位癌: Level I '全乳放疗+瘤床加量 [2A]', Level II '部分乳腺照射 [2A]'
    ("local.rt.boost_dcis", "I", "2A", "全乳放疗+瘤床加量 [2A]"),
    ("local.rt.partial_breast_dcis", "II", "2A", "部分乳腺照射 [2A]"),
    # 六(三) with PS 3-4 whole-brain RT is Level I in every row ([1A] diffuse, [1B] limited)
    ("local.brain.whole_brain_over_10_ecog_3_4", "I", None, "短程全脑放疗 [1B]"),
]  # fmt: skip


@pytest.mark.parametrize(("rule_id", "level", "evidence", "cell"), GRADES)
def test_grade_is_the_level_of_the_row_read(
    rule_id: str, level: str, evidence: str | None, cell: str
) -> None:
    assert_pinned(RULES[rule_id], level, evidence, (cell,))


@pytest.mark.parametrize(
    "rule_id",
    [
        "local.axilla.axillary_rt_amaros_3plus_nodes",  # >= 3 positive sentinel nodes: no row
        "local.brain.whole_brain_over_10_other",  # 'limited number': by feasibility, not count
        "local.brain.srs_5_to_10",
        "local.rt.rni_after_neoadjuvant_bcs_ct4_cn0",  # cN0 ypN0 row lists no nodal RT
        # whole breast alone: no other invasive row lists it (whole breast + boost is Level I)
        "local.rt.whole_breast_adjuvant_other",
        "course.metastatic.inavolisib_endocrine_resistant_after_cdk46i",  # not in that row
        "course.her2pos.disitamab_vedotin_liver_after_tki",  # not in the TKI-failure row
        "surgery.bcs_radiotherapy",  # the CSCO book has no surgery table
        "followup.mammography",  # no follow-up schedule with levels
    ],
)
def test_parts_without_a_row_stay_not_verified(rule_id: str) -> None:
    assert_not_verified(RULES[rule_id])


def _offered(case: dict[str, Any]) -> list[OfferedOption]:
    k = parse_case(case)
    result = evaluate_options(k, classify(k), kb=KB)
    return [o for p in result.decision_points for o in (*p.options, *p.discuss)]


def _tnbc_residual(agents: list[str], brca: str = "negative") -> dict[str, Any]:
    return {
        "decision_point": "post_neoadjuvant",
        "patient": {"age_years": 44, "sex": "female", "menopausal_status": "pre"},
        "tumour": {"clinical_size_mm": 35, "clinical_n": "N1", "clinical_m": "M0"},
        "biomarkers": {"er_percent": 0, "pr_percent": 0, "her2_ihc": 0,
                       "her2_ihc0_staining": "none", "germline_brca": brca},
        "treatment": {"neoadjuvant": {"agents": agents, "response": "residual_invasive",
                                      "ypt": "T1c", "ypn": "N0"}},
    }  # fmt: skip


KEYNOTE522 = ["pembrolizumab", "carboplatin", "paclitaxel", "epirubicin", "cyclophosphamide"]
CHEMO_ONLY = ["carboplatin", "paclitaxel", "epirubicin", "cyclophosphamide"]


@pytest.mark.parametrize(
    ("agents", "level", "evidence"),
    [(CHEMO_ONLY, "I", "1A"), (KEYNOTE522, "II", "2A")],
)
def test_capecitabine_after_residual_disease_takes_the_level_of_its_stratum(
    agents: list[str], level: str, evidence: str
) -> None:
    # 二(四): without immunotherapy 'capecitabine [1A]' Level I; after a neoadjuvant PD-1
    # inhibitor 'PD-1 inhibitor + capecitabine [2A]' Level II. One capecitabine option either way.
    cape = [o for o in _offered(_tnbc_residual(agents)) if o.agents == ["capecitabine"]]
    assert len(cape) == 1
    assert (cape[0].grade.csco_level, cape[0].grade.csco_evidence) == (level, evidence)


def test_split_adjuvant_chemotherapy_offers_the_same_agents_in_both_risk_rows() -> None:
    # The former single rule offered anthracycline/taxane chemotherapy with these five agents;
    # the high-risk row adds the CSCO-listed platinum regimens ddAC-TP (Level I) and TP (Level II),
    # so carboplatin is offered there only.
    before = {"doxorubicin", "epirubicin", "cyclophosphamide", "paclitaxel", "docetaxel"}
    for size_mm, ids, added in (
        (15, {"tnbc.adjuvant.chemotherapy_lower_risk_tc_ac",
              "tnbc.adjuvant.chemotherapy_lower_risk_act_tc6"}, set()),
        (25, {"tnbc.adjuvant.chemotherapy_high_risk_dose_dense",
              "tnbc.adjuvant.chemotherapy_high_risk_ac_t",
              "tnbc.adjuvant.chemotherapy_high_risk_ddac_tp",
              "tnbc.adjuvant.chemotherapy_high_risk_tp"}, {"carboplatin"}),
    ):  # fmt: skip
        case = {
            "decision_point": "adjuvant",
            "patient": {"age_years": 50, "sex": "female", "menopausal_status": "post"},
            "tumour": {"size_mm": size_mm, "nodes_examined": 2, "nodes_positive": 0,
                       "grade": 3, "clinical_m": "M0"},
            "biomarkers": {"er_percent": 0, "pr_percent": 0, "her2_ihc": 0,
                           "her2_ihc0_staining": "none", "germline_brca": "negative"},
        }  # fmt: skip
        chemo = [o for o in _offered(case) if o.rule_id.startswith("tnbc.adjuvant.chemotherapy")]
        assert {o.rule_id for o in chemo} == ids
        assert set().union(*(o.agents for o in chemo)) == before | added


def _after_neoadjuvant_mastectomy(ypn: str | None) -> dict[str, Any]:
    neo: dict[str, Any] = {"agents": ["docetaxel", "carboplatin", "trastuzumab", "pertuzumab"],
                           "response": "pcr" if ypn == "N0" else "residual_invasive"}  # fmt: skip
    if ypn is not None:
        neo["ypn"] = ypn
    return {
        "decision_point": "post_neoadjuvant",
        "patient": {"age_years": 48, "sex": "female", "menopausal_status": "pre"},
        "tumour": {"clinical_size_mm": 60, "clinical_n": "N1", "clinical_m": "M0"},
        "biomarkers": {"er_percent": 0, "pr_percent": 0, "her2_ihc": 3},
        "treatment": {"neoadjuvant": neo,
                      "surgery": {"type": "mastectomy", "axillary": "axillary_dissection"}},
    }  # fmt: skip


@pytest.mark.parametrize(("ypn", "level", "evidence"), [("N0", "II", "2B"), ("N1a", "I", "2A")])
def test_pmrt_after_neoadjuvant_ct3_cn1_is_graded_by_ypn(
    ypn: str, level: str, evidence: str
) -> None:
    # 三(五) after neoadjuvant therapy: 'T1-3, cN1, ypN0' mastectomy Level II [2B];
    # 'ypN+' Level I [2A]. cT3 cN1 (clinical stage IIIA) was one rule before.
    pmrt = [o for o in _offered(_after_neoadjuvant_mastectomy(ypn))
            if "post_mastectomy_rt" in o.actions]  # fmt: skip
    assert len(pmrt) == 1
    assert (pmrt[0].grade.csco_level, pmrt[0].grade.csco_evidence) == (level, evidence)


def test_ypn_unrecorded_still_offers_pmrt_with_a_caution() -> None:
    # Unknown is not negative: the ypN0 part is offered with 'confirm before use', as the
    # single rule offered it; the ypN+ part cannot be judged.
    pmrt = [o for o in _offered(_after_neoadjuvant_mastectomy(None))
            if "post_mastectomy_rt" in o.actions]  # fmt: skip
    assert [o.rule_id for o in pmrt] == ["local.rt.pmrt_rni_after_neoadjuvant_ct3_cn1"]
    assert any("confirm before use" in c for c in pmrt[0].cautions)


def test_bone_metastases_offer_the_agents_of_the_table_graded_apart() -> None:
    """CSCO BC 2026 五(三): Level I denosumab [1A], zoledronic acid [1A], ibandronate [2A];
    Level II loading-dose ibandronate [2A], pamidronate [1B]; Level III clodronate [2B]."""
    case = {
        "decision_point": "metastatic_line_1",
        "patient": {"age_years": 60, "sex": "female", "menopausal_status": "post"},
        "tumour": {"clinical_m": "M1", "metastatic_sites": ["bone"]},
        "biomarkers": {"er_percent": 90, "pr_percent": 40, "her2_ihc": 1},
    }
    bma = {o.rule_id: o for o in _offered(case) if "bone_modifying_agent" in o.rule_id}
    grades = {k: (o.grade.csco_level, o.grade.csco_evidence) for k, o in bma.items()}
    assert grades == {
        "course.metastatic.bone_modifying_agent_denosumab_zoledronic": ("I", "1A"),
        "course.metastatic.bone_modifying_agent_pamidronate": ("II", "1B"),
        "course.metastatic.bone_modifying_agent_ibandronate": ("I", "2A"),
        "course.metastatic.bone_modifying_agent_ibandronate_loading_dose": ("II", "2A"),
        "course.metastatic.bone_modifying_agent_clodronate": ("III", "2B"),
    }
    agents = set().union(*(o.agents for o in bma.values()))
    assert agents == {"denosumab", "zoledronic acid", "pamidronic acid", "ibandronic acid",
                      "clodronic acid"}  # fmt: skip


def test_leptomeningeal_disease_takes_the_whole_brain_row() -> None:
    case = {
        "decision_point": "metastatic_line_2",
        "patient": {"age_years": 66, "sex": "female", "menopausal_status": "post"},
        "tumour": {"clinical_m": "M1", "metastatic_sites": ["brain", "leptomeninges"],
                   "brain_metastases_count": 2},
        "biomarkers": {"er_percent": 0, "pr_percent": 0, "her2_ihc": 3,
                       "germline_brca": "negative"},
    }  # fmt: skip
    by_id = {o.rule_id: o for o in _offered(case)}
    assert by_id["local.brain.whole_brain_leptomeningeal"].grade.csco_level == "I"
    # SRS is still offered for the parenchymal lesions, but without the limited-number grade
    assert by_id["local.brain.stereotactic_1_to_4_leptomeningeal"].grade.status == "not verified"
    assert "local.brain.stereotactic_1_to_4" not in by_id


def test_an_option_the_guards_block_is_not_named_above_the_next() -> None:
    # First line after relapse on adjuvant letrozole with progression on fulvestrant +
    # palbociclib recorded: the non-steroidal-AI relapse guard blocks the AI + CDK4/6 inhibitor
    # options that ranked first, so the first option left is the one ranked first.
    case = {
        "decision_point": "metastatic_line_1",
        "patient": {"age_years": 60, "sex": "female", "menopausal_status": "post"},
        "tumour": {"clinical_m": "M1", "metastatic_sites": ["liver"]},
        "biomarkers": {"er_percent": 90, "pr_percent": 50, "her2_ihc": 0,
                       "her2_ihc0_staining": "none", "pik3ca": "wild_type"},
        "treatment": {
            "endocrine": {"agents": ["letrozole"], "years_completed": 3, "ongoing": True},
            "recurrence": {"site": "distant", "on_therapy": ["letrozole"], "biopsied": True,
                           "restaged": True},
            "metastatic_lines": [{"agents": ["fulvestrant", "palbociclib"],
                                  "outcome": "progression", "months": 3}],
        },
    }  # fmt: skip
    k = parse_case(case)
    point = evaluate_options(k, classify(k), kb=KB).decision_points[0]
    assert "hrpos.metastatic.ai_cdk46i_after_nsai_or_cdk46i_failure" in {
        b.rule_id for b in point.blocked
    }
    first = point.options[0]
    assert first.rank_reason is not None
    assert first.rank_reason.en.endswith("Ranked first.")
    assert first.rank_reason.zh.endswith("排名第一。")
    for o in point.options[1:]:
        assert o.rank_reason is not None
        assert not o.rank_reason.en.endswith("Ranked first.")


def test_the_exclusion_of_a_graded_part_reads_in_chinese() -> None:
    # A split part excluded by its 'unless' is listed as not offered, "excluded: <name>"; the
    # Chinese report shows the condition's name_zh (knowledge/systemic/course_systemic.yaml).
    from breastcds.i18n import text

    zh = text("excluded: HER2-low after a CDK4/6 inhibitor (graded part)", "zh")
    assert zh == "符合排除条件：CDK4/6抑制剂治疗后的HER2低表达（已分级部分）"
