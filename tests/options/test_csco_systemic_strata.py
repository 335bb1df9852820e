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
]  # fmt: skip


@pytest.mark.parametrize(("rule_id", "level", "evidence", "quotes"), PINNED)
def test_pinned_csco_grade(rule_id: str, level: str, evidence: str,
                           quotes: tuple[str, ...]) -> None:  # fmt: skip
    g = RULES[rule_id].grading
    assert g.status == "verified"
    assert g.csco is not None
    assert (g.csco.level, g.csco.evidence) == (level, evidence)
    where = g.verified_in or ""
    assert where.startswith("CSCO BC 2026 (PMPH, ISBN 978-7-117-39569-4)")
    for q in quotes:
        assert q in where, (rule_id, q)


NOT_VERIFIED = [
    "tnbc.metastatic.pembrolizumab_chemo_taxane_not_recorded",  # the row depends on it
    "tnbc.metastatic.sacituzumab_taxane_not_recorded",
]


@pytest.mark.parametrize("rule_id", NOT_VERIFIED)
def test_parts_without_a_row_stay_not_verified(rule_id: str) -> None:
    assert RULES[rule_id].grading.status == "not verified"
    assert RULES[rule_id].grading.csco is None


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


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(cases())
def test_taxane_split_parts_never_fire_together(data: dict[str, Any]) -> None:
    case = parse_case(data)
    result = evaluate_options(case, classify(case), kb=KB)
    for p in result.decision_points:
        offered = {o.rule_id for o in (*p.options, *p.discuss, *p.not_recommended)}
        for family, suffixes in TAXANE_FAMILIES.items():
            assert sum(1 for s in suffixes if family + s in offered) <= 1, (family, offered)


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
        (25, 0, "_other_risk"),  # pT2 N0, G2, Ki-67 10 %: low-risk row, OFS + AI not listed
        (12, 0, "_other_risk"),  # pT1 N0: low-risk row
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
    assert graded is (part == "_node_positive_or_t3")


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
        "ddac_tp", "dose_dense", "ac_t", "tp"]
    assert "overall survival benefit (CITRINE)" in chemo[0].rank_reason.en
    assert "weaker trial result" in chemo[1].rank_reason.en
    assert "lower grade" in chemo[2].rank_reason.en
