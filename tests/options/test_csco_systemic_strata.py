"""Systemic rules split along CSCO 2026 strata (csco1 splits of 2026-12-05, second pass).

Levels are read in the CSCO BC guideline 2026 (PMPH, ISBN 978-7-117-39569-4), public OCR
transcription (docs/csco_grading.md). Triple-negative metastatic tables 四(三) are stratified by
'taxane-sensitive' / 'taxane failure' (note 2), the fact ``taxane_failure``: each family below
has one part per value of that fact (true / false / not recorded), so exactly one part can hold
whenever the other criteria hold, and the parts keep the other criteria of the single rule.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from breastcds.entrypoint import classify
from breastcds.knowledge.conditions import Condition, evaluate
from breastcds.knowledge.facts import extract
from breastcds.model.parse import parse_case
from breastcds.options.engine import evaluate_options
from breastcds.options.schema import Rule, load_kb
from tests.options.csco_pins import assert_not_verified, assert_pinned
from tests.options.strategies import cases

KB = load_kb()
RULES = {r.id: r for r in KB.rules}

# (rule id, level, evidence category, words the verified_in must quote)
PINNED: list[tuple[str, str, str, tuple[str, ...]]] = [
    # 四(三) 1. 免疫联合治疗, row 紫杉类治疗敏感, Level II:
    # "1.紫杉醇+PD-1抑制剂[1B] 2.GP+PD-1抑制剂[1B]"
    ("tnbc.metastatic.pembrolizumab_chemo_taxane_sensitive", "II", "1B",
     ("四(三)", "紫杉类治疗敏感", "紫杉醇+PD-1抑制剂 [1B]", "GP+PD-1抑制剂 [1B]")),
    # same table, row 紫杉类治疗失败: Level I "GP+PD-1抑制剂[1A]"
    ("tnbc.metastatic.pembrolizumab_chemo_taxane_failure", "I", "1A",
     ("四(三)", "紫杉类治疗失败", "GP+PD-1抑制剂 [1A]")),
    # 四(三) 2. 解救化疗, row 紫杉类治疗失败, Level I single agents "2.戈沙妥珠单抗[1B]";
    # row 紫杉类治疗敏感, Level II "2.戈沙妥珠单抗(1B)"
    ("tnbc.metastatic.sacituzumab_taxane_failure", "I", "1B",
     ("四(三)", "紫杉类治疗失败", "戈沙妥珠单抗 [1B]")),
    ("tnbc.metastatic.sacituzumab_taxane_sensitive", "II", "1B",
     ("四(三)", "紫杉类治疗敏感", "戈沙妥珠单抗 [1B]")),
    # 三(三) 1. 初始治疗, row "1.淋巴结阳性 2.肿瘤>2cm": Level I "1. ddAC-TP²[1A]",
    # Level II "2.TP[2A]" (new CSCO-listed regimens)
    ("tnbc.adjuvant.chemotherapy_high_risk_ddac_tp", "I", "1A", ("三(三)", "ddAC-TP [1A]")),
    ("tnbc.adjuvant.chemotherapy_high_risk_tp", "II", "2A", ("三(三)", "TP [2A]")),
    # 三(四) 2. 绝经前 (1) 初始治疗: high risk Level III "2.OFS+TAM[2A"; intermediate risk
    # Level II "2. OFS+TAM[1B]"
    ("hrpos.adjuvant.ofs_tamoxifen_high_risk_row", "III", "2A", ("绝经前", "OFS+TAM [2A]")),
    ("hrpos.adjuvant.ofs_tamoxifen_intermediate_risk_row", "II", "1B",
     ("绝经前", "OFS+TAM [1B]")),
    # 四(五) 2. HER-2低表达/激素受体阳性, row CDK4/6i经治: Level I "1.T-DXd²[1A]"
    ("course.her2low.tdxd_db04_early_relapse_hr_positive_after_cdk46i", "I", "1A",
     ("四(五)", "CDK4/6i经治", "T-DXd [1A]")),
    # 二(五) 1. HR-positive neoadjuvant chemotherapy: Level I "AT方案[2A] TAC方案[2A]";
    # Level II "以蒽环和紫杉为主的其他方案 AC-T方案[1B]"
    ("hrpos.neoadjuvant.chemotherapy_locally_advanced_at_tac", "I", "2A",
     ("二(五)", "AT方案 [2A] TAC方案 [2A]")),
    ("hrpos.neoadjuvant.chemotherapy_locally_advanced_ac_t", "II", "1B",
     ("二(五)", "AC-T方案 [1B]")),
    # 四(三) 2. 解救化疗: taxane-sensitive Level I "1.紫杉类+卡培他滨[1A] 2.紫杉类+吉西他滨[1A]";
    # taxane failure Level I "2.铂类联合方案[1A]", "3.卡培他滨联合方案[1A]", Level II
    # "2.艾立布林[1A]" (new CSCO-listed regimens)
    ("tnbc.metastatic.taxane_doublet_taxane_sensitive", "I", "1A",
     ("紫杉类治疗敏感", "紫杉类+卡培他滨 [1A]")),
    ("tnbc.metastatic.platinum_doublet_taxane_failure", "I", "1A",
     ("紫杉类治疗失败", "铂类联合方案 [1A]")),
    ("tnbc.metastatic.capecitabine_doublet_taxane_failure", "I", "1A",
     ("紫杉类治疗失败", "卡培他滨联合方案 [1A]")),
    ("tnbc.metastatic.eribulin_taxane_failure", "II", "1A", ("紫杉类治疗失败", "艾立布林 [1A]")),
    # 四(二) row 曲妥珠单抗治疗敏感: Level II "2.HP+其他化疗[2A] 化疗包括艾立布林、长春瑞滨"
    ("her2pos.metastatic.hp_eribulin_or_vinorelbine", "II", "2A",
     ("四(二)", "HP+其他化疗 [2A]")),
    # 四(二) trastuzumab-failure row Level III "2.奈拉替尼+卡培他滨[2A"; TKI-failure row Level III
    # "2.另一类TKI+化疗[2A]"
    ("her2pos.metastatic.neratinib_capecitabine", "III", "2A",
     ("四(二)", "奈拉替尼+卡培他滨 [2A]", "另一类TKI+化疗 [2A]")),
    # 二(五) 2. 新辅助内分泌治疗, row 绝经前: Level II "2.OFS+AI[1B]" (new CSCO-listed regimen)
    ("hrpos.neoadjuvant.ofs_ai_premenopausal", "II", "1B", ("二(五)", "绝经前", "OFS+AI [1B]")),
]  # fmt: skip


@pytest.mark.parametrize(("rule_id", "level", "evidence", "quotes"), PINNED)
def test_pinned_csco_grade(rule_id: str, level: str, evidence: str,
                           quotes: tuple[str, ...]) -> None:  # fmt: skip
    assert_pinned(RULES[rule_id], level, evidence, quotes)


NOT_VERIFIED = [
    "course.her2low.tdxd_db04_early_relapse_other",  # HR-negative: 四(五) 1. text only
    "hrpos.adjuvant.ofs_tamoxifen_other",  # low risk (not listed), pN1mi, pT2 N0 w/o factor
    "tnbc.metastatic.pembrolizumab_chemo_taxane_not_recorded",  # the row depends on it
    "tnbc.metastatic.sacituzumab_taxane_not_recorded",
]


@pytest.mark.parametrize("rule_id", NOT_VERIFIED)
def test_parts_without_a_row_stay_not_verified(rule_id: str) -> None:
    assert_not_verified(RULES[rule_id])


# family -> (taxane failure part, taxane-sensitive part, not-recorded part)
TAXANE_FAMILIES: dict[str, tuple[str, str, str]] = {
    "tnbc.metastatic.pembrolizumab_chemo": (
        "_taxane_failure", "_taxane_sensitive", "_taxane_not_recorded"),
    "tnbc.metastatic.sacituzumab": (
        "_taxane_failure", "_taxane_sensitive", "_taxane_not_recorded"),
}  # fmt: skip
TAXANES = {"paclitaxel", "docetaxel"}


def _without_stratum(rule: Rule) -> list[Condition]:
    """The rule's criteria other than its taxane_failure leaf."""
    assert rule.when.all_ is not None
    parts = [c for c in rule.when.all_ if c.fact != "taxane_failure"]
    assert len(parts) == len(rule.when.all_) - 1
    return parts


@pytest.mark.parametrize("family", sorted(TAXANE_FAMILIES))
def test_taxane_split_keeps_the_other_criteria_and_the_agents(family: str) -> None:
    failure, sensitive, unknown = (RULES[family + s] for s in TAXANE_FAMILIES[family])
    assert family not in RULES, "the split retires the single rule's id"
    assert _without_stratum(failure) == _without_stratum(sensitive) == _without_stratum(unknown)
    assert sensitive.option == unknown.option
    assert sensitive.decision_points == failure.decision_points == unknown.decision_points
    # after taxane failure the part offers the single rule's agents except the taxanes (the
    # CSCO row lists no taxane there; guard given.progressed_agent removed them already)
    assert set(failure.option.agents) == set(sensitive.option.agents) - TAXANES


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(cases())
def test_exactly_one_taxane_stratum_leaf_holds(data: dict[str, Any]) -> None:
    """True / false / not recorded: the three leaves partition every case."""
    case = parse_case(data)
    facts = extract(case, classify(case))
    for family, suffixes in TAXANE_FAMILIES.items():
        leaves = []
        for s in suffixes:
            when = RULES[family + s].when
            assert when.all_ is not None
            leaves += [c for c in when.all_ if c.fact == "taxane_failure"]
        assert sum(1 for c in leaves if evaluate(c, facts).value is True) == 1


# Every family split in this pass (the VTE pair is the renamed 2026-12-05 split).
ALL_FAMILIES: dict[str, tuple[str, ...]] = {
    **TAXANE_FAMILIES,
    "hrpos.adjuvant.ofs_tamoxifen": ("_high_risk_row", "_intermediate_risk_row", "_other"),
    "course.vte.premenopausal_ofs_ai": (
        "_node_positive_or_t3",
        "_t2n0_clinical_risk_factor",
        "_risk_row_not_placed",
    ),
    "course.her2low.tdxd_db04_early_relapse": ("_hr_positive_after_cdk46i", "_other"),
}


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(cases())
def test_split_parts_never_fire_together(data: dict[str, Any]) -> None:
    case = parse_case(data)
    result = evaluate_options(case, classify(case), kb=KB)
    for p in result.decision_points:
        offered = {o.rule_id for o in (*p.options, *p.discuss, *p.not_recommended)}
        for family, suffixes in ALL_FAMILIES.items():
            assert sum(1 for s in suffixes if family + s in offered) <= 1, (family, offered)


@pytest.mark.parametrize("family", ["hrpos.adjuvant.ofs_tamoxifen",
                                    "course.vte.premenopausal_ofs_ai",
                                    "course.her2low.tdxd_db04_early_relapse"])  # fmt: skip
def test_risk_row_split_keeps_the_option_and_retires_the_old_id(family: str) -> None:
    parts = [RULES[family + s] for s in ALL_FAMILIES[family]]
    assert family not in RULES
    for p in parts[1:]:
        assert p.option == parts[0].option
        assert p.decision_points == parts[0].decision_points


_TNBC_MBC: dict[str, Any] = {
    "decision_point": "metastatic_line_1",
    "patient": {"age_years": 47, "sex": "female", "menopausal_status": "pre"},
    "tumour": {"clinical_m": "M1", "metastatic_sites": ["lung"]},
    "biomarkers": {"er_percent": 0, "pr_percent": 0, "her2_ihc": 0,
                   "her2_ihc0_staining": "none", "pdl1_cps": 15, "germline_brca": "negative"},
}  # fmt: skip


def _after_adjuvant_act(months_since_chemotherapy: float | None) -> dict[str, Any]:
    treatment: dict[str, Any] = {
        "surgery": {"type": "mastectomy", "axillary": "sentinel_node_biopsy"},
        "adjuvant_agents": ["doxorubicin", "cyclophosphamide", "paclitaxel"],
        "recurrence": {"site": "distant", "months_since_diagnosis": 40, "biopsied": True,
                       "restaged": True},
    }  # fmt: skip
    if months_since_chemotherapy is not None:
        treatment["months_since_chemotherapy"] = months_since_chemotherapy
    return {**_TNBC_MBC, "treatment": treatment}


def _point(data: dict[str, Any]) -> Any:
    case = parse_case(data)
    (point,) = evaluate_options(case, classify(case), kb=KB).decision_points
    return point


@pytest.mark.parametrize(
    ("months", "part", "agents"),
    [
        # 12 months after the end of adjuvant AC-T: taxane failure (<= 12 months): GP + PD-1
        (12.0, "_taxane_failure", {"pembrolizumab", "gemcitabine", "carboplatin"}),
        # 13 months: taxane-sensitive (note 2: re-use after a relapse > 1 year after)
        (13.0, "_taxane_sensitive", {"pembrolizumab", "paclitaxel", "gemcitabine", "carboplatin"}),
    ],
)
def test_first_line_pd1_combination_follows_the_taxane_row(
    months: float, part: str, agents: set[str]
) -> None:
    point = _point(_after_adjuvant_act(months))
    ids = {o.rule_id: o for o in point.options}
    offered = [i for i in ids if i.startswith("tnbc.metastatic.pembrolizumab_chemo")]
    assert offered == ["tnbc.metastatic.pembrolizumab_chemo" + part]
    assert set(ids[offered[0]].agents) == agents


def test_end_of_chemotherapy_not_recorded_offers_ungraded_and_prompts_for_it() -> None:
    point = _point(_after_adjuvant_act(None))
    offered = {o.rule_id for o in point.options}
    assert "tnbc.metastatic.pembrolizumab_chemo_taxane_not_recorded" in offered
    assert "treatment.months_since_chemotherapy" in {p.field for p in point.prompts}


# CSCO BC 2026 三(四) 2. 绝经前 (1) 初始治疗: intermediate risk is "1~3 nodes without a clinical
# risk factor; T3-4 N0; T2 N0 with a clinical risk factor (T >= 5 cm, G3, Ki-67 >= 20 %) or a
# high genomic risk"; low risk is "T1 N0; T2 N0 without them" (TAM [1A] only, no OFS + AI).
_VTE_PRE: dict[str, Any] = {
    "decision_point": "adjuvant",
    "patient": {"age_years": 42, "sex": "female", "menopausal_status": "pre",
                "comorbidities": {"venous_thromboembolism": True}},
    "biomarkers": {"er_percent": 90, "pr_percent": 60, "her2_ihc": 0, "ki67_percent": 10},
}  # fmt: skip


@pytest.mark.parametrize(
    ("size_mm", "nodes_positive", "part"),
    [
        # pT2 N0, G2, Ki-67 10 %: low or intermediate by a genomic result, not placed
        (25, 0, "_risk_row_not_placed"),
        (12, 0, "_risk_row_not_placed"),  # pT1 N0: low-risk row, OFS + AI not listed
        (55, 0, "_node_positive_or_t3"),  # pT3 N0: intermediate-risk row, OFS+AI [2A] Level II
        (25, 2, "_node_positive_or_t3"),  # pN1: intermediate or high row, Level II either way
    ],
)
def test_vte_ofs_ai_is_graded_only_in_the_intermediate_and_high_rows(
    size_mm: int, nodes_positive: int, part: str
) -> None:
    data = {**_VTE_PRE, "tumour": {"size_mm": size_mm, "nodes_examined": 8,
                                   "nodes_positive": nodes_positive, "grade": 2,
                                   "clinical_m": "M0"}}  # fmt: skip
    offered = {o.rule_id for o in _point(data).options}
    vte = sorted(i for i in offered if i.startswith("course.vte.premenopausal_ofs_ai"))
    assert vte == ["course.vte.premenopausal_ofs_ai" + part]
    graded = RULES["course.vte.premenopausal_ofs_ai" + part].grading.status == "verified"
    assert graded is (part != "_risk_row_not_placed")


def test_high_risk_tnbc_adjuvant_regimens_rank_by_grade_then_trial_result() -> None:
    """Node-positive TNBC after surgery: Level I before Level II; within Level I the CITRINE
    overall-survival result (ddAC-TP) before the EBCTCG breast-cancer-mortality result
    (ddAC-ddT); within Level II the EBCTCG result (AC-T) before PATTERN's DFS (TP)."""
    data = {
        "decision_point": "adjuvant",
        "patient": {"age_years": 45, "sex": "female", "menopausal_status": "pre"},
        "tumour": {"size_mm": 18, "nodes_examined": 12, "nodes_positive": 2, "grade": 3,
                   "clinical_m": "M0"},
        "biomarkers": {"er_percent": 0, "pr_percent": 0, "her2_ihc": 0,
                       "her2_ihc0_staining": "none", "germline_brca": "negative"},
    }  # fmt: skip
    chemo = [o for o in _point(data).options if o.rule_id.startswith("tnbc.adjuvant.chemo")]
    assert [o.rule_id.removeprefix("tnbc.adjuvant.chemotherapy_high_risk_") for o in chemo] == [
        "ddac_tp",
        "dose_dense",
        "ac_t",
        "tp",
    ]
    assert "overall survival benefit (CITRINE)" in chemo[0].rank_reason.en
    assert "weaker trial result" in chemo[1].rank_reason.en
    assert "lower grade" in chemo[2].rank_reason.en


_PRE_N1: dict[str, Any] = {
    "decision_point": "adjuvant",
    "patient": {"age_years": 40, "sex": "female", "menopausal_status": "pre"},
    "biomarkers": {"er_percent": 90, "pr_percent": 40, "her2_ihc": 1},
}  # fmt: skip


@pytest.mark.parametrize(
    ("size_mm", "grade", "ki67", "part"),
    [
        (22, 2, 19, "_intermediate_risk_row"),  # 1-3 nodes, no factor
        (22, 2, 20, "_high_risk_row"),  # Ki-67 >= 20 % is a clinical risk factor
        (22, 3, 10, "_high_risk_row"),  # G3
        (50, 2, 10, "_high_risk_row"),  # T >= 5 cm
        (22, 2, None, "_other"),  # Ki-67 not recorded: row undetermined, still offered
    ],
)
def test_ofs_tamoxifen_follows_the_premenopausal_risk_row(
    size_mm: int, grade: int, ki67: int | None, part: str
) -> None:
    biomarkers = dict(_PRE_N1["biomarkers"])
    if ki67 is not None:
        biomarkers["ki67_percent"] = ki67
    data = {**_PRE_N1, "biomarkers": biomarkers,
            "tumour": {"size_mm": size_mm, "nodes_examined": 12, "nodes_positive": 2,
                       "grade": grade, "clinical_m": "M0"}}  # fmt: skip
    point = _point(data)
    offered = [o.rule_id for o in point.options if o.rule_id.startswith("hrpos.adjuvant.ofs_tam")]
    assert offered == ["hrpos.adjuvant.ofs_tamoxifen" + part]
    if ki67 is None:
        assert "biomarkers.ki67_percent" in {p.field for p in point.prompts}


def test_hr_positive_neoadjuvant_chemotherapy_split_by_regimen_keeps_the_agents() -> None:
    """The single rule offered anthracycline/taxane chemotherapy with five agents; the two
    regimen parts have the same conditions and together offer the same agents."""
    before = {"doxorubicin", "epirubicin", "cyclophosphamide", "docetaxel", "paclitaxel"}
    parts = [RULES["hrpos.neoadjuvant.chemotherapy_locally_advanced" + s]
             for s in ("_at_tac", "_ac_t")]  # fmt: skip
    assert "hrpos.neoadjuvant.chemotherapy_locally_advanced" not in RULES
    assert parts[0].when == parts[1].when
    assert set().union(*(p.option.agents for p in parts)) == before
    data = {
        "decision_point": "neoadjuvant",
        "patient": {"age_years": 58, "sex": "female", "menopausal_status": "post"},
        "tumour": {"clinical_size_mm": 40, "clinical_n": "N2", "clinical_m": "M0"},
        "biomarkers": {"er_percent": 90, "pr_percent": 50, "her2_ihc": 1},
    }  # fmt: skip
    ids = [o.rule_id for o in _point(data).options]
    at_tac = ids.index("hrpos.neoadjuvant.chemotherapy_locally_advanced_at_tac")
    assert at_tac < ids.index("hrpos.neoadjuvant.chemotherapy_locally_advanced_ac_t")


_FAILURE_COMBOS = {"tnbc.metastatic.platinum_doublet_taxane_failure",
                   "tnbc.metastatic.capecitabine_doublet_taxane_failure",
                   "tnbc.metastatic.eribulin_taxane_failure"}  # fmt: skip


@pytest.mark.parametrize(
    ("months", "expected"),
    [
        (12.0, _FAILURE_COMBOS),  # relapse <= 12 months after adjuvant taxane: failure row
        (13.0, {"tnbc.metastatic.taxane_doublet_taxane_sensitive"}),  # taxane-sensitive row
        (None, set()),  # not recorded: no new combination offered, a prompt instead
    ],
)
def test_salvage_combinations_follow_the_taxane_row(
    months: float | None, expected: set[str]
) -> None:
    point = _point(_after_adjuvant_act(months))
    new = _FAILURE_COMBOS | {"tnbc.metastatic.taxane_doublet_taxane_sensitive"}
    assert {o.rule_id for o in point.options} & new == expected
    if months is None:
        assert "treatment.months_since_chemotherapy" in {p.field for p in point.prompts}
