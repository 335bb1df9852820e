"""CSCO grades of the fourth pass (cscosys): the capivasertib review fix, the HR-positive adjuvant
chemotherapy rows, and HR-positive salvage chemotherapy through the cross-reference of 四(四) 2.

Read in the CSCO BC guideline 2026 (PMPH, ISBN 978-7-117-39569-4), both public OCR
transcriptions (docs/csco_grading.md, "Fourth pass"):
- 四(四) 1. 解救内分泌治疗: '卡匹色替*+氟维司群' Level I in the rows non-steroidal AI failure [1B],
  steroidal AI failure [1B] and CDK4/6 inhibitor failure [1A]; the rows endocrine-naive and
  TAM治疗失败 do not list it;
- 三(四) 1. 辅助化疗: high risk (>= 4 nodes, or 1-3 nodes with other high-risk factors) Level I
  'AC-T[1A] ddAC-ddT[2A]'; row 2 (1-3 nodes without other risk factors, or node-negative with high
  Ki-67, tumour > 2 cm or age < 35) Level I 'AC[1A] TC×4[1A]';
- 四(四) 2. (HR-positive salvage chemotherapy: regimens as in 四(三)); 四(三) 2. single-agent
  chemotherapy [2A] in the Level II column of both taxane rows.
"""

from __future__ import annotations

from typing import Any

import pytest

from breastcds.entrypoint import classify
from breastcds.model.parse import parse_case
from breastcds.options.engine import evaluate_options
from breastcds.options.schema import load_kb
from tests.options.csco_pins import assert_not_verified, assert_pinned

KB = load_kb()
RULES = {r.id: r for r in KB.rules}

ROW2 = "淋巴结1~3个阳性但无其他危险因素，或淋巴结阴性"
PINNED: list[tuple[str, str, str | None, tuple[str, ...]]] = [
    ("hrpos.metastatic.capivasertib_after_cdk46i_failure", "I", "1A",
     ("四(四)", "CDK4/6抑制剂治疗失败", "卡匹色替*+氟维司群[1A]", "Level I column")),
    ("hrpos.metastatic.capivasertib_after_ai_failure", "I", "1B",
     ("非甾体AI治疗失败", "甾体AI治疗失败", "3.卡匹色替*+氟维司群[1B]", "TAM治疗失败")),
    ("hrpos.adjuvant.chemo_n0_rs26_size_over_20mm_or_age_under_35", "I", "1A",
     ("三(四)", ROW2, "AC[1A] TC×4[1A]", "Level I column")),
    ("hrpos.adjuvant.chemo_n0_rs16_25_age50_size_over_20mm_or_age_under_35", "I", "1A",
     ("三(四)", ROW2, "AC[1A] TC×4[1A]", "Level I column")),
    ("hrpos.adjuvant.chemo_n1_premenopausal_pn1", "I", None,
     ("三(四)", "淋巴结1~3个阳性并伴有其他高危因素", "AC-T[1A] ddAC-ddT[2A]", ROW2,
      "AC[1A] TC×4[1A]")),
    ("hrpos.adjuvant.chemo_n1_rs26_pn1", "I", None,
     ("三(四)", "AC-T[1A] ddAC-ddT[2A]", "AC[1A] TC×4[1A]")),
    ("hrpos.metastatic.chemotherapy_endocrine_refractory", "II", "2A",
     ("四(四) 2.", "详见本章（三）", "5.单药化疗[2A]", "4.其他单药化疗[2A]", "Level II column")),
]  # fmt: skip
UNGRADED = [
    "hrpos.metastatic.capivasertib_progression_not_recorded",
    "hrpos.adjuvant.chemo_n0_rs26_other",
    "hrpos.adjuvant.chemo_n0_rs16_25_age50_other",
    "hrpos.adjuvant.chemo_n1_premenopausal_pn1mi",
    "hrpos.adjuvant.chemo_n1_rs26_pn1mi",
]


@pytest.mark.parametrize(("rule_id", "level", "evidence", "quotes"), PINNED)
def test_pinned_csco_grade(rule_id: str, level: str, evidence: str | None,
                           quotes: tuple[str, ...]) -> None:  # fmt: skip
    assert_pinned(RULES[rule_id], level, evidence, quotes)


@pytest.mark.parametrize("rule_id", UNGRADED)
def test_remainders_stay_ungraded(rule_id: str) -> None:
    assert_not_verified(RULES[rule_id])


def test_the_retired_ids_are_gone() -> None:
    for old in ("hrpos.metastatic.capivasertib", "hrpos.adjuvant.chemo_n0_rs26",
                "hrpos.adjuvant.chemo_n0_rs16_25_age50", "hrpos.adjuvant.chemo_n1_premenopausal",
                "hrpos.adjuvant.chemo_n1_rs26"):  # fmt: skip
        assert old not in RULES


def _point(data: dict[str, Any]) -> Any:
    case = parse_case(data)
    (point,) = evaluate_options(case, classify(case), kb=KB).decision_points
    return point


def _offered(data: dict[str, Any]) -> dict[str, Any]:
    point = _point(data)
    return {o.rule_id: o for o in (*point.options, *point.discuss)}


# ---------------------------------------------------------------- capivasertib (review fix)
_HR_MBC_LINE2: dict[str, Any] = {
    "decision_point": "metastatic_line_2",
    "patient": {"age_years": 64, "sex": "female", "menopausal_status": "post"},
    "tumour": {"clinical_m": "M1", "metastatic_sites": ["bone"], "visceral_crisis": False},
    "biomarkers": {"er_percent": 90, "pr_percent": 30, "her2_ihc": 0,
                   "her2_ihc0_staining": "none", "pik3ca": "mutated"},
}  # fmt: skip
CAPI = "hrpos.metastatic.capivasertib_"


def _after_adjuvant_anastrozole(line_1: list[str], months_since_end: float | None) -> dict:
    endocrine: dict[str, Any] = {"agents": ["anastrozole"], "years_completed": 5, "ongoing": False}
    if months_since_end is not None:
        endocrine["months_since_end"] = months_since_end
    return {
        **_HR_MBC_LINE2,
        "treatment": {
            "adjuvant_agents": ["anastrozole"],
            "endocrine": endocrine,
            "recurrence": {"site": "distant", "on_therapy": [], "biopsied": True, "restaged": True},
            "metastatic_lines": [{"agents": line_1, "outcome": "progression", "months": 11}],
        },
    }


@pytest.mark.parametrize(
    ("line_1", "months_since_end", "part", "grade"),
    [
        # relapse 30 months after adjuvant anastrozole (no AI failure, note 10), then progression on
        # tamoxifen: the TAM治疗失败 row, which does not list capivasertib (the review case)
        (["tamoxifen"], 30.0, None, None),
        # the same relapse 12 months after the AI: non-steroidal AI failure row, [1B]
        (["tamoxifen"], 12.0, "after_ai_failure", ("I", "1B")),
        (["exemestane"], 30.0, "after_ai_failure", ("I", "1B")),  # steroidal AI failure row
        (["letrozole", "palbociclib"], 30.0, "after_cdk46i_failure", ("I", "1A")),
        (["fulvestrant"], 30.0, None, None),  # fulvestrant failure alone: no capivasertib row
        (["capecitabine"], None, "progression_not_recorded", (None, None)),  # timing unknown
    ],
)  # fmt: skip
def test_capivasertib_follows_the_row_of_the_agent_that_failed(
    line_1: list[str],
    months_since_end: float | None,
    part: str | None,
    grade: tuple[str | None, str | None] | None,
) -> None:
    offered = _offered(_after_adjuvant_anastrozole(line_1, months_since_end))
    parts = {rid for rid in offered if rid.startswith(CAPI)}
    if part is None:
        assert parts == set()
        return
    assert parts == {CAPI + part}
    option = offered[CAPI + part]
    assert set(option.agents) == {"capivasertib", "fulvestrant"}
    assert grade is not None
    assert (option.grade.csco_level, option.grade.csco_evidence) == grade


def test_after_fulvestrant_and_a_cdk46_inhibitor_the_graded_part_is_blocked_not_dropped() -> None:
    # the CDK4/6 inhibitor failure row lists capivasertib + fulvestrant, but fulvestrant itself
    # failed: the guard given.progressed_agent blocks the option and says why
    point = _point(_after_adjuvant_anastrozole(["fulvestrant", "ribociclib"], 30.0))
    assert not {o.rule_id for o in point.options if o.rule_id.startswith(CAPI)}
    (blocked,) = [b for b in point.blocked if b.rule_id.startswith(CAPI)]
    assert blocked.rule_id == CAPI + "after_cdk46i_failure"
    assert "fulvestrant" in blocked.because[0]


def test_capivasertib_needs_a_pathway_alteration() -> None:
    data = _after_adjuvant_anastrozole(["letrozole", "palbociclib"], 30.0)
    data["biomarkers"] = {**data["biomarkers"], "pik3ca": "wild_type", "akt1": "wild_type",
                          "pten": "wild_type"}  # fmt: skip
    assert not {rid for rid in _offered(data) if rid.startswith(CAPI)}


# ---------------------------------------------------------------- adjuvant chemotherapy rows
def _adjuvant(age: int, menopause: str, size_mm: float, nodes: int, rs: int,
              micrometastases: bool | None = None) -> dict[str, Any]:  # fmt: skip
    tumour: dict[str, Any] = {"size_mm": size_mm, "nodes_examined": 12, "nodes_positive": nodes,
                              "grade": 2, "clinical_m": "M0"}  # fmt: skip
    if micrometastases is not None:
        tumour["nodes_micrometastases_only"] = micrometastases
    return {"decision_point": "adjuvant",
            "patient": {"age_years": age, "sex": "female", "menopausal_status": menopause},
            "tumour": tumour,
            "biomarkers": {"er_percent": 90, "pr_percent": 40, "her2_ihc": 0,
                           "her2_ihc0_staining": "none", "ki67_percent": 10,
                           "genomics": {"oncotype_rs": rs}}}  # fmt: skip


N0_RS26 = "hrpos.adjuvant.chemo_n0_rs26_"
N0_RS16 = "hrpos.adjuvant.chemo_n0_rs16_25_age50_"


@pytest.mark.parametrize(
    ("age", "size_mm", "rs", "offered"),
    [
        # '肿瘤>2cm': 21 mm is row 2 (Level I), 20 mm is not (no row without high Ki-67)
        (55, 21.0, 28, N0_RS26 + "size_over_20mm_or_age_under_35"),
        (55, 20.0, 28, N0_RS26 + "other"),
        # '年龄<35岁': 34 is row 2, 35 is not
        (34, 15.0, 28, N0_RS26 + "size_over_20mm_or_age_under_35"),
        (35, 15.0, 28, N0_RS26 + "other"),
        # TAILORx RS 16-25 at age <= 50: the same row criteria
        (45, 21.0, 20, N0_RS16 + "size_over_20mm_or_age_under_35"),
        (45, 20.0, 20, N0_RS16 + "other"),
    ],
)  # fmt: skip
def test_node_negative_chemotherapy_is_graded_in_csco_row_2_only(
    age: int, size_mm: float, rs: int, offered: str
) -> None:
    menopause = "pre" if age < 50 else "post"
    got = {rid for rid in _offered(_adjuvant(age, menopause, size_mm, 0, rs))
           if rid.startswith((N0_RS26, N0_RS16))}  # fmt: skip
    assert got == {offered}
    graded = offered.endswith("size_over_20mm_or_age_under_35")
    assert (RULES[offered].grading.status == "verified") is graded


@pytest.mark.parametrize(
    ("micrometastases", "suffix"),
    [(None, "pn1"), (False, "pn1"), (True, "pn1mi")],  # micrometastases only: pN1mi, no row
)
def test_one_to_three_nodes_are_graded_unless_micrometastases_only(
    micrometastases: bool | None, suffix: str
) -> None:
    # premenopausal with RS 30: chemotherapy once, by the RS >= 26 part (RxPONDER, the source of
    # the premenopausal part, enrolled RS <= 25 only); with RS 20 by the premenopausal part
    offered = _offered(_adjuvant(42, "pre", 18.0, 2, 30, micrometastases))
    got = {rid for rid in offered if rid.startswith("hrpos.adjuvant.chemo_n1_")}
    assert got == {f"hrpos.adjuvant.chemo_n1_rs26_{suffix}"}
    level = offered[f"hrpos.adjuvant.chemo_n1_rs26_{suffix}"].grade.csco_level
    assert level == ("I" if suffix == "pn1" else None)
    offered = _offered(_adjuvant(42, "pre", 18.0, 2, 20, micrometastases))
    got = {rid for rid in offered if rid.startswith("hrpos.adjuvant.chemo_n1_")}
    assert got == {f"hrpos.adjuvant.chemo_n1_premenopausal_{suffix}"}
    level = offered[f"hrpos.adjuvant.chemo_n1_premenopausal_{suffix}"].grade.csco_level
    assert level == ("I" if suffix == "pn1" else None)


def test_graded_adjuvant_chemotherapy_ranks_above_the_ungraded_options() -> None:
    # premenopausal pN1 (2 nodes): the chemotherapy part (RS >= 26 with RS 30, premenopausal with
    # RS 20) is Level I; every option without a verified level ranks below it (grade before
    # trial result, issue 16 item 3)
    for rs, part in ((30, "rs26"), (20, "premenopausal")):
        point = _point(_adjuvant(42, "pre", 18.0, 2, rs))
        ids = [o.rule_id for o in point.options]
        chemo = ids.index(f"hrpos.adjuvant.chemo_n1_{part}_pn1")
        ungraded = [i for i, o in enumerate(point.options) if o.grade.csco_level is None]
        assert ungraded and chemo < min(ungraded)
        assert point.options[chemo].rank_reason.en.startswith("CSCO level I (")


# ---------------------------------------------------------------- HR-positive salvage chemotherapy
def test_endocrine_refractory_chemotherapy_is_level_ii_and_ranks_by_it() -> None:
    lines = [
        {"agents": ["letrozole", "palbociclib"], "outcome": "progression", "months": 18},
        {"agents": ["fulvestrant", "everolimus"], "outcome": "progression", "months": 5},
    ]
    wild = {m: "wild_type" for m in ("pik3ca", "akt1", "pten", "esr1")}
    data = {**_HR_MBC_LINE2, "decision_point": "metastatic_line_3plus",
            "biomarkers": {**_HR_MBC_LINE2["biomarkers"], **wild, "germline_brca": "negative"},
            "treatment": {"metastatic_lines": lines}}  # fmt: skip
    point = _point(data)
    by_id = {o.rule_id: o for o in point.options}
    option = by_id["hrpos.metastatic.chemotherapy_endocrine_refractory"]
    assert (option.grade.csco_level, option.grade.csco_evidence) == ("II", "2A")
    ids = [o.rule_id for o in point.options]
    pos = ids.index(option.rule_id)
    for i, o in enumerate(point.options):
        if o.grade.csco_level is None:
            assert i > pos, (o.rule_id, ids)
        if o.grade.csco_level == "I":
            assert i < pos, (o.rule_id, ids)


# ------------------------------------------------------- pT2 N0 with a clinical risk factor
@pytest.mark.parametrize(
    ("grade", "ki67", "graded"),
    [(3, 10, True), (2, 20, True), (2, 19, False), (2, None, False)],
)
def test_pt2_n0_with_g3_or_ki67_20_is_the_intermediate_row(
    grade: int, ki67: int | None, graded: bool
) -> None:
    # 三(四) 2. '中复发风险: 3.T2N0且伴临床危险因素' (note: T >= 5 cm, G3, Ki-67 >= 20 %):
    # AI [2A] Level II (postmenopausal); OFS + AI [2A] Level II and TAM [2B] Level III
    # (premenopausal). Without a factor the row depends on a genomic high risk the table does not
    # define: ungraded part.
    biomarkers: dict[str, Any] = {"er_percent": 90, "pr_percent": 40, "her2_ihc": 0,
                                  "her2_ihc0_staining": "none"}  # fmt: skip
    if ki67 is not None:
        biomarkers["ki67_percent"] = ki67
    tumour = {"size_mm": 30, "nodes_examined": 3, "nodes_positive": 0, "grade": grade,
              "clinical_m": "M0"}  # fmt: skip
    post = _offered(
        {
            "decision_point": "adjuvant",
            "tumour": tumour,
            "biomarkers": biomarkers,
            "patient": {"age_years": 61, "sex": "female", "menopausal_status": "post"},
        }
    )
    pre = _offered({"decision_point": "adjuvant", "tumour": tumour, "biomarkers": biomarkers,
                    "patient": {"age_years": 41, "sex": "female", "menopausal_status": "pre",
                                "comorbidities": {"venous_thromboembolism": True}}})  # fmt: skip
    expected = {
        "hrpos.adjuvant.ai_postmenopausal_": (post, ("II", "2A")),
        "hrpos.adjuvant.tamoxifen_premenopausal_": (pre, ("III", "2B")),
        "course.vte.premenopausal_ofs_ai_": (pre, ("II", "2A")),
    }
    for family, (offered, grade_expected) in expected.items():
        parts = {rid for rid in offered if rid.startswith(family)}
        if graded:
            assert parts == {family + "t2n0_clinical_risk_factor"}, parts
            got = offered[family + "t2n0_clinical_risk_factor"].grade
            assert (got.csco_level, got.csco_evidence) == grade_expected
        else:
            assert parts == {family + "risk_row_not_placed"}, parts
