"""CSCO levels of the HER2-positive, HER2-low and HR-positive option rules, read in the CSCO BC
guideline 2026 (中国临床肿瘤学会（CSCO）乳腺癌诊疗指南2026, PMPH, ISBN 978-7-117-39569-4).

Each expected grade quotes the table row it was read from (docs/csco_grading.md has the full
log). Rules split along CSCO strata are checked to stay a partition: for any case at most one
part of a split family is offered, and the union of the parts offers what the rule offered.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from breastcds.entrypoint import classify
from breastcds.model.parse import parse_case
from breastcds.options.engine import evaluate_options
from breastcds.options.schema import load_kb
from tests.options.csco_pins import assert_not_verified, assert_pinned
from tests.options.strategies import cases

KB = load_kb()
RULES = {r.id: r for r in KB.rules}

# (rule id, level, evidence category or None = not recorded, words the verified_in must quote)
PINNED: list[tuple[str, str, str | None, tuple[str, ...]]] = [
    # 四(五) 2. HER-2低表达/激素受体阳性, row "CDK4/6i经治": "1.T-DXd [1A]" (Level I column)
    ("her2low.metastatic.tdxd_db06_after_cdk46i", "I", "1A",
     ("四(五)", "CDK4/6i经治", "T-DXd [1A]")),
    ("her2low.metastatic.tdxd_db04_hr_positive_after_cdk46i", "I", "1A", ("四(五)", "CDK4/6i经治")),
    # same row, Level II column: "2.戈沙妥珠单抗 [2A]"
    ("hrpos.metastatic.sacituzumab_her2_low", "II", "2A", ("四(五)", "戈沙妥珠单抗 [2A]")),
    # 三(二) 1. initial therapy, row "腋窝淋巴结阴性，肿瘤>2cm且伴高危因素，如 1.ER阴性":
    # Level I "1.AC-TH[2A] 2.TCbH[2A]"
    ("her2pos.adjuvant.th_other_n0_over_20mm_er_negative", "I", "2A", ("三(二)", "AC-TH [2A]")),
    # 三(二) 2. 后续强化: "淋巴结阳性、H辅助治疗后 | 序贯奈拉替尼[1A]" (Level I);
    # "淋巴结阳性、HP辅助治疗后 | 序贯奈拉替尼2A" (Level III)
    ("her2pos.extended.neratinib_node_positive_after_h", "I", "1A",
     ("三(二)", "序贯奈拉替尼 [1A]")),
    ("her2pos.extended.neratinib_node_positive_after_hp", "III", "2A",
     ("三(二)", "序贯奈拉替尼 [2A]")),
    # 四(二) row 曲妥珠单抗治疗失败: Level II "2.吡咯替尼+卡培他滨[1B]";
    # row TKI治疗失败: Level III "2.另一类TKI+化疗[2A]"
    ("her2pos.metastatic.pyrotinib_capecitabine_after_trastuzumab",
     "II", "1B", ("四(二)", "吡咯替尼+卡培他滨 [1B]")),
    ("her2pos.metastatic.pyrotinib_capecitabine_after_other_tki",
     "III", "2A", ("四(二)", "另一类TKI+化疗 [2A]")),
    # 四(二): "TKI联合其他化疗[2B]" (trastuzumab failure) and "另一类TKI+化疗[2A]" (TKI
    # failure), both Level III: the level is recorded, the evidence category is not
    ("her2pos.metastatic.tucatinib_pretreated", "III", None,
     ("TKI联合其他化疗 [2B]", "另一类TKI+化疗 [2A]")),
    # 四(四) 1. rows 未经内分泌治疗 and TAM治疗失败: Level I "AI+CDK4/6i[1A]"
    ("hrpos.metastatic.ai_cdk46i_no_ai_failure", "I", "1A",
     ("四(四)", "AI+CDK4/6i [1A]", "TAM治疗失败")),
    ("hrpos.metastatic.ofs_ai_cdk46i_no_ai_failure", "I", "1A", ("四(四)", "note 1")),
    ("hrpos.metastatic.dalpiciclib_ai_no_ai_failure", "I", "1A", ("四(四)", "达尔西利")),
    # 四(四) rows 非甾体AI治疗失败 and 甾体AI治疗失败: Level I "1.氟维司群+CDK4/6i[1A]";
    # rows 未经内分泌治疗 [2A] and TAM治疗失败 [1B]: Level II
    ("hrpos.metastatic.fulvestrant_cdk46i_after_ai_failure",
     "I", "1A", ("四(四)", "氟维司群+CDK4/6i [1A]")),
    ("hrpos.metastatic.fulvestrant_cdk46i_no_ai_failure", "II", None, ("四(四)", "[2A]", "[1B]")),
    # 四(四) rows TAM / 非甾体AI / 甾体AI治疗失败: Level III "氟维司群[2A]"
    ("hrpos.metastatic.fulvestrant_after_tamoxifen_or_ai_failure",
     "III", "2A", ("四(四)", "氟维司群 [2A]")),
    # 四(四): TAM failure "AI+依维莫司[2A]", non-steroidal AI failure "甾体AI+依维莫司[2A]" (Level
    # II)
    ("hrpos.metastatic.everolimus_exemestane_after_tamoxifen_or_nsai_failure",
     "II", "2A", ("AI+依维莫司 [2A]", "甾体AI+依维莫司 [2A]")),
    # 四(四) row 甾体AI治疗失败: Level II "2.非甾体AI+CDK4/6i[2A]"
    ("hrpos.metastatic.ai_cdk46i_after_steroidal_ai_failure", "II", "2A",
     ("甾体AI治疗失败", "非甾体AI+CDK4/6i [2A]")),
    ("hrpos.metastatic.ofs_ai_cdk46i_after_steroidal_ai_failure", "II", "2A",
     ("甾体AI治疗失败", "note 1")),
    ("hrpos.metastatic.dalpiciclib_ai_after_steroidal_ai_failure", "II", "2A",
     ("甾体AI治疗失败",)),
    # 三(四) 2. premenopausal extension: "完成初始TAM5年治疗 | 1.未绝经患者延长TAM[1A]" (Level I);
    # "完成OFS+TAM/OFS+AI初始5年治疗 | 未绝经者使用TAM[2B]" (Level II)
    ("hrpos.extended.tamoxifen_10y_after_tamoxifen", "I", "1A",
     ("三(四)", "未绝经患者延长TAM [1A]")),
    ("hrpos.extended.tamoxifen_10y_after_ofs", "II", "2B", ("三(四)", "未绝经者使用TAM [2B]")),
    # 三(四) 2. 绝经后 (1) 初始治疗: low risk "1.T1N0" -> "AI[1A]" Level I; high risk "2.AI[2A]"
    # and intermediate risk "AI[2A]" in the Level II column
    ("hrpos.adjuvant.ai_postmenopausal_low_risk", "I", "1A", ("绝经后", "T1N0", "AI [1A]")),
    ("hrpos.adjuvant.ai_postmenopausal_higher_risk", "II", "2A", ("绝经后", "AI [2A]")),
    # 三(四) 2. 绝经前 (1) 初始治疗: low risk "TAM[1A" Level I; high "3.TAM[2B]" and
    # intermediate "TAM[2B" Level III; OFS+AI [2A] Level II in the high and intermediate rows
    ("hrpos.adjuvant.tamoxifen_premenopausal_low_risk", "I", "1A", ("绝经前", "TAM [1A]")),
    ("hrpos.adjuvant.tamoxifen_premenopausal_higher_risk", "III", "2B", ("绝经前", "TAM [2B]")),
    ("hrpos.adjuvant.ofs_exemestane_node_positive_or_t3", "II", "2A", ("绝经前", "OFS+AI [2A]")),
    # 四(四) 1. row CDK4/6抑制剂治疗失败, Level II: "1.另一种CDK4/6i+内分泌[2A]
    # 2.其他靶向药+内分泌[2A]" (third pass; note 5(10) names alpelisib there, BYLieve)
    ("hrpos.metastatic.fulvestrant_cdk46i_after_cdk46i_failure", "II", "2A",
     ("四(四)", "CDK4/6抑制剂治疗失败", "另一种CDK4/6i+内分泌 [2A]")),
    ("hrpos.metastatic.alpelisib_after_cdk46i_failure", "II", "2A",
     ("四(四)", "CDK4/6抑制剂治疗失败", "其他靶向药+内分泌 [2A]", "阿培利司")),
]  # fmt: skip


@pytest.mark.parametrize(("rule_id", "level", "evidence", "quotes"), PINNED)
def test_pinned_csco_grade(rule_id: str, level: str, evidence: str | None,
                           quotes: tuple[str, ...]) -> None:  # fmt: skip
    assert_pinned(RULES[rule_id], level, evidence, quotes)


# Parts whose row gives no level (or different levels) stay "not verified".
NOT_VERIFIED = [
    "her2low.metastatic.tdxd_db04_other",  # 四(五) 1. HR-negative: text only, no level
    "her2low.metastatic.tdxd_db06_cdk46i_naive",  # 四(五) CDK4/6i未经治 row: T-DXd not listed
    "her2pos.adjuvant.th_other_remaining",  # rows with different levels / AC-TH not listed
    "her2pos.extended.neratinib_not_node_positive",  # 三(二) 2. has node-positive rows only
    "her2pos.metastatic.pyrotinib_capecitabine_after_early_pyrotinib",  # the same TKI again
    "hrpos.metastatic.ai_cdk46i_after_nsai_or_cdk46i_failure",  # not listed after NSAI failure
    "hrpos.extended.tamoxifen_10y_prior_therapy_not_recorded",  # the row depends on it
    # pT2 N0 without G3 / Ki-67 >= 20 % (low or intermediate by genomics), pN1mi, T/N unknown
    "hrpos.adjuvant.ai_postmenopausal_risk_row_not_placed",
    "hrpos.adjuvant.tamoxifen_premenopausal_risk_row_not_placed",
    "hrpos.adjuvant.ofs_exemestane_row_not_placed",  # low risk: OFS + AI not listed
    "hrpos.metastatic.fulvestrant_other",  # not listed after CDK4/6 inhibitor failure
    "hrpos.metastatic.everolimus_exemestane_other",  # not listed after steroidal AI failure
    "hrpos.metastatic.sacituzumab_her2_zero_or_ultralow",  # HER-2-0 has no row
    # third pass: fulvestrant failure without an AI is no row; alpelisib not in the AI rows
    "hrpos.metastatic.fulvestrant_cdk46i_after_fulvestrant_failure_or_not_recorded",
    "hrpos.metastatic.alpelisib_other",
]


@pytest.mark.parametrize("rule_id", NOT_VERIFIED)
def test_parts_without_a_row_level_stay_not_verified(rule_id: str) -> None:
    assert_not_verified(RULES[rule_id])


FAMILIES: dict[str, list[str]] = {
    "her2low.metastatic.tdxd_db04": ["_hr_positive_after_cdk46i", "_other"],
    "her2low.metastatic.tdxd_db06": ["_after_cdk46i", "_cdk46i_naive"],
    "her2pos.adjuvant.th_other": ["_n0_over_20mm_er_negative", "_remaining"],
    "her2pos.extended.neratinib": [
        "_node_positive_after_h", "_node_positive_after_hp", "_not_node_positive"],
    "her2pos.metastatic.pyrotinib_capecitabine": [
        "_after_trastuzumab", "_after_other_tki", "_after_early_pyrotinib"],
    "hrpos.metastatic.ai_cdk46i": [
        "_no_ai_failure", "_after_steroidal_ai_failure", "_after_nsai_or_cdk46i_failure"],
    "hrpos.metastatic.ofs_ai_cdk46i": [
        "_no_ai_failure", "_after_steroidal_ai_failure", "_after_nsai_or_cdk46i_failure"],
    "hrpos.metastatic.dalpiciclib_ai": [
        "_no_ai_failure", "_after_steroidal_ai_failure", "_after_nsai_or_cdk46i_failure"],
    "hrpos.metastatic.fulvestrant_cdk46i": [
        "_after_ai_failure", "_no_ai_failure", "_after_cdk46i_failure",
        "_after_fulvestrant_failure_or_not_recorded"],
    "hrpos.metastatic.alpelisib": ["_after_cdk46i_failure", "_other"],
    "hrpos.metastatic.fulvestrant": ["_after_tamoxifen_or_ai_failure", "_other"],
    "hrpos.metastatic.everolimus_exemestane": ["_after_tamoxifen_or_nsai_failure", "_other"],
    "hrpos.metastatic.sacituzumab": ["_her2_low", "_her2_zero_or_ultralow"],
    "hrpos.extended.tamoxifen_10y": [
        "_after_tamoxifen", "_after_ofs", "_prior_therapy_not_recorded"],
    # fourth pass: pT2 N0 with G3 or Ki-67 >= 20 % (intermediate row) split off the remainder
    "hrpos.adjuvant.ai_postmenopausal": [
        "_low_risk", "_higher_risk", "_t2n0_clinical_risk_factor", "_risk_row_not_placed"],
    "hrpos.adjuvant.tamoxifen_premenopausal": [
        "_low_risk", "_higher_risk", "_t2n0_clinical_risk_factor", "_risk_row_not_placed"],
    "hrpos.adjuvant.ofs_exemestane": [
        "_node_positive_or_t3", "_t2n0_clinical_risk_factor", "_row_not_placed"],
    # fourth pass (cscosys): the capivasertib review fix and the adjuvant chemotherapy rows
    "hrpos.metastatic.capivasertib": [
        "_after_cdk46i_failure", "_after_ai_failure", "_progression_not_recorded"],
    "hrpos.adjuvant.chemo_n0_rs26": ["_size_over_20mm_or_age_under_35", "_other"],
    "hrpos.adjuvant.chemo_n0_rs16_25_age50": ["_size_over_20mm_or_age_under_35", "_other"],
    "hrpos.adjuvant.chemo_n1_premenopausal": ["_pn1", "_pn1mi"],
    "hrpos.adjuvant.chemo_n1_rs26": ["_pn1", "_pn1mi"],
}  # fmt: skip


def test_split_families_name_existing_rules_with_one_option() -> None:
    for old, suffixes in FAMILIES.items():
        assert old not in RULES, f"{old} was split; its id is retired"
        parts = [RULES[old + s] for s in suffixes]
        first = parts[0]
        for p in parts[1:]:
            assert p.option == first.option
            assert p.decision_points == first.decision_points
            assert p.unless == first.unless
            assert p.text == first.text


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_split_parts_never_fire_together(data: dict[str, Any]) -> None:
    """The parts of a split are disjoint: a case is in one CSCO stratum at a time."""
    case = parse_case(data)
    result = evaluate_options(case, classify(case), kb=KB)
    for p in result.decision_points:
        offered = {o.rule_id for o in (*p.options, *p.discuss, *p.not_recommended)}
        for old, suffixes in FAMILIES.items():
            assert sum(1 for s in suffixes if old + s in offered) <= 1, (old, offered)


# Worked cases (one per stratum): the part offered is the one the CSCO row names.
def _offered(data: dict[str, Any]) -> set[str]:
    case = parse_case(data)
    result = evaluate_options(case, classify(case), kb=KB)
    return {o.rule_id for p in result.decision_points for o in (*p.options, *p.discuss)}


_HRPOS_MBC = {"patient": {"age_years": 64, "sex": "female", "menopausal_status": "post"},
              "tumour": {"clinical_m": "M1", "metastatic_sites": ["bone"],
                         "visceral_crisis": False},
              "biomarkers": {"er_percent": 90, "pr_percent": 40, "her2_ihc": 0,
                             "her2_ihc0_staining": "none"}}  # fmt: skip


def test_de_novo_hr_positive_first_line_is_the_endocrine_naive_row() -> None:
    # 四(四) row 未经内分泌治疗: AI+CDK4/6i [1A] Level I; 氟维司群+CDK4/6i [2A] Level II
    offered = _offered({**_HRPOS_MBC, "decision_point": "metastatic_line_1"})
    assert "hrpos.metastatic.ai_cdk46i_no_ai_failure" in offered
    assert "hrpos.metastatic.fulvestrant_cdk46i_no_ai_failure" in offered
    assert "hrpos.metastatic.fulvestrant_cdk46i_after_ai_failure" not in offered


def test_progression_on_letrozole_is_the_non_steroidal_ai_failure_row() -> None:
    # 四(四) row 非甾体AI治疗失败: 氟维司群+CDK4/6i [1A] Level I, 甾体AI+依维莫司 [2A] Level II,
    # 氟维司群 [2A] Level III
    data = {**_HRPOS_MBC, "decision_point": "metastatic_line_2",
            "treatment": {"metastatic_lines": [
                {"agents": ["letrozole"], "outcome": "progression", "months": 15}]}}  # fmt: skip
    offered = _offered(data)
    assert {
        "hrpos.metastatic.fulvestrant_cdk46i_after_ai_failure",
        "hrpos.metastatic.everolimus_exemestane_after_tamoxifen_or_nsai_failure",
        "hrpos.metastatic.fulvestrant_after_tamoxifen_or_ai_failure",
    } <= offered
    grades = {rid: RULES[rid].grading.csco for rid in offered if rid.startswith("hrpos.metastatic")}
    assert grades["hrpos.metastatic.fulvestrant_cdk46i_after_ai_failure"].level == "I"  # type: ignore[union-attr]


def test_progression_on_a_cdk46_inhibitor_leaves_fulvestrant_alone_ungraded() -> None:
    # 四(四) row CDK4/6抑制剂治疗失败 lists capivasertib + fulvestrant (Level I), another CDK4/6i
    # + ET (Level II), progestins (Level III): fulvestrant alone is not a row entry there.
    data = {**_HRPOS_MBC, "decision_point": "metastatic_line_2",
            "treatment": {"metastatic_lines": [
                {"agents": ["letrozole", "palbociclib"], "outcome": "progression",
                 "months": 14}]}}  # fmt: skip
    offered = _offered(data)
    assert "hrpos.metastatic.fulvestrant_other" in offered
    assert "hrpos.metastatic.fulvestrant_after_tamoxifen_or_ai_failure" not in offered


_ADJUVANT_POST = {"decision_point": "adjuvant",
                  "patient": {"age_years": 62, "sex": "female", "menopausal_status": "post"},
                  "biomarkers": {"er_percent": 90, "pr_percent": 50, "her2_ihc": 0,
                                 "her2_ihc0_staining": "none"}}  # fmt: skip


def test_adjuvant_endocrine_option_stays_offered_when_t_or_n_is_not_recorded() -> None:
    # pN not recorded: the CSCO risk row is unknown, the ungraded part offers the AI as before
    offered = _offered({**_ADJUVANT_POST, "tumour": {"size_mm": 25, "clinical_m": "M0"}})
    assert "hrpos.adjuvant.ai_postmenopausal_risk_row_not_placed" in offered
    assert "hrpos.adjuvant.ai_postmenopausal_low_risk" not in offered


def test_pt1_n0_is_the_low_risk_row_and_pn1_the_higher_rows() -> None:
    # 三(四) 2.: "低复发风险的患者: 1.T1N0" (AI [1A] Level I); 1-3 nodes is intermediate or high
    base = _ADJUVANT_POST
    t1n0 = _offered({**base, "tumour": {"size_mm": 18, "nodes_examined": 2, "nodes_positive": 0,
                                        "clinical_m": "M0"}})  # fmt: skip
    t1n1 = _offered({**base, "tumour": {"size_mm": 18, "nodes_examined": 10, "nodes_positive": 1,
                                        "clinical_m": "M0"}})  # fmt: skip
    assert "hrpos.adjuvant.ai_postmenopausal_low_risk" in t1n0
    assert "hrpos.adjuvant.ai_postmenopausal_higher_risk" in t1n1
