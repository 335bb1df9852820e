"""Agents CSCO BC 2026 lists that the drug catalogue lacked, and the rules it grades for them.

Read in the CSCO BC guideline 2026 (PMPH, ISBN 978-7-117-39569-4), public OCR transcriptions
(docs/csco_grading.md, "Third pass"):
- 四(四) 1. 解救内分泌治疗: 'AI+西达本胺/恩替司他 [1B]' (tamoxifen failure row) and
  '甾体AI+西达本胺/恩替司他 [1B]' (non-steroidal AI failure row), both Level II; no other row;
- 四(三) 2. 解救化疗: taxane-sensitive row Level II '氟唑帕利+阿帕替尼 [1B]',
  '紫杉类+贝伐珠单抗 [2A]', Level III '氟唑帕利 [2A]'; taxane-failure row Level I
  '有BRCA突变：氟唑帕利 + 阿帕替尼 [1A]', Level II '卡培他滨+贝伐珠单抗 [2B]', '氟唑帕利 [1B]';
- 五(三) 骨改良药物推荐: Level I '伊班膦酸 [2A]', Level II '负荷剂量伊班膦酸 [2A]', Level III
  '氯膦酸二钠 [2B]' (ibandronate re-read: Level I, see the log).
Taxane failure (四(三) note 2) is relapse <= 12 months after the end of (neo)adjuvant therapy;
13 months is taxane-sensitive.
"""

from __future__ import annotations

from typing import Any

import pytest

from breastcds.entrypoint import classify
from breastcds.knowledge.drugs import catalogue
from breastcds.model.parse import parse_case
from breastcds.options.engine import evaluate_options
from breastcds.options.schema import load_kb
from tests.options.csco_pins import assert_pinned

KB = load_kb()
RULES = {r.id: r for r in KB.rules}

PINNED: list[tuple[str, str, str, tuple[str, ...]]] = [
    ("hrpos.metastatic.tucidinostat_exemestane_after_tamoxifen_or_nsai_failure", "II", "1B",
     ("四(四)", "AI+西达本胺/恩替司他 [1B]", "甾体AI+西达本胺/恩替司他 [1B]", "Level II")),
    ("tnbc.metastatic.fuzuloparib_apatinib_gbrca_taxane_failure", "I", "1A",
     ("四(三)", "紫杉类治疗失败", "氟唑帕利 + 阿帕替尼 [1A]", "Level I column")),
    ("tnbc.metastatic.fuzuloparib_apatinib_gbrca_taxane_sensitive", "II", "1B",
     ("四(三)", "紫杉类治疗敏感", "氟唑帕利+阿帕替尼 [1B]", "Level II column")),
    ("tnbc.metastatic.fuzuloparib_gbrca_taxane_failure", "II", "1B",
     ("紫杉类治疗失败", "氟唑帕利 [1B]", "Level II column")),
    ("tnbc.metastatic.fuzuloparib_gbrca_taxane_sensitive", "III", "2A",
     ("紫杉类治疗敏感", "氟唑帕利 [2A]", "Level III column")),
    ("tnbc.metastatic.taxane_bevacizumab_taxane_sensitive", "II", "2A",
     ("紫杉类治疗敏感", "紫杉类+贝伐珠单抗 [2A]", "Level II column")),
    ("tnbc.metastatic.capecitabine_bevacizumab_taxane_failure", "II", "2B",
     ("紫杉类治疗失败", "卡培他滨+贝伐珠单抗 [2B]", "Level II column")),
    ("course.metastatic.bone_modifying_agent_ibandronate", "I", "2A",
     ("五(三)", "伊班膦酸 [2A]", "Level I column")),
    ("course.metastatic.bone_modifying_agent_ibandronate_loading_dose", "II", "2A",
     ("五(三)", "负荷剂量伊班膦酸 [2A]", "Level II column")),
    ("course.metastatic.bone_modifying_agent_clodronate", "III", "2B",
     ("五(三)", "氯膦酸二钠 [2B]", "Level III column")),
]  # fmt: skip


@pytest.mark.parametrize(("rule_id", "level", "evidence", "quotes"), PINNED)
def test_pinned_csco_grade(rule_id: str, level: str, evidence: str,
                           quotes: tuple[str, ...]) -> None:  # fmt: skip
    assert_pinned(RULES[rule_id], level, evidence, quotes)


def test_new_rules_name_their_primary_trial_and_version() -> None:
    trials = {
        "hrpos.metastatic.tucidinostat_exemestane_after_tamoxifen_or_nsai_failure": "ACE",
        "tnbc.metastatic.fuzuloparib_apatinib_gbrca_taxane_failure": "FABULOUS",
        "tnbc.metastatic.fuzuloparib_gbrca_taxane_sensitive": "FABULOUS",
        "tnbc.metastatic.taxane_bevacizumab_taxane_sensitive": "E2100",
        "tnbc.metastatic.capecitabine_bevacizumab_taxane_failure": "RIBBON-1",
    }
    for rule_id, trial in trials.items():
        rule = RULES[rule_id]
        assert [s.trial for s in rule.source] == [trial]
        assert rule.evidence.trial == trial
        assert rule.since == "2026.12.4"
    assert RULES["hrpos.metastatic.tucidinostat_exemestane_after_tamoxifen_or_nsai_failure"
                 ].source[0].journal == "Lancet Oncol"  # fmt: skip


def test_catalogue_names_match_the_csco_text_and_accept_the_former_names() -> None:
    cat = catalogue()
    # Chinese generic names as printed in the 2026 book (四(三) 2., 四(四) 1. and its notes)
    expected = {"fuzuloparib": ("氟唑帕利", "parp_inhibitor"),
                "tucidinostat": ("西达本胺", "hdac_inhibitor"),
                "bevacizumab": ("贝伐珠单抗", "anti_angiogenic"),
                "rivoceranib": ("阿帕替尼", "anti_angiogenic")}  # fmt: skip
    by_inn = cat.by_inn()
    for inn, (zh, group) in expected.items():
        assert (by_inn[inn].zh, by_inn[inn].group) == (zh, group)
        assert cat.family_of(by_inn[inn]) == "targeted"
        assert cat.resolve(zh) is by_inn[inn]
    for former, inn in {"fluzoparib": "fuzuloparib", "apatinib": "rivoceranib",
                        "chidamide": "tucidinostat"}.items():  # fmt: skip
        resolved = cat.resolve(former)
        assert resolved is not None and resolved.inn == inn


def _point(data: dict[str, Any]) -> Any:
    case = parse_case(data)
    (point,) = evaluate_options(case, classify(case), kb=KB).decision_points
    return point


_HR_MBC: dict[str, Any] = {
    "patient": {"age_years": 66, "sex": "female", "menopausal_status": "post"},
    "tumour": {"clinical_m": "M1", "metastatic_sites": ["bone"], "visceral_crisis": False},
    "biomarkers": {"er_percent": 90, "pr_percent": 40, "her2_ihc": 0,
                   "her2_ihc0_staining": "none"},
}  # fmt: skip
TUC = "hrpos.metastatic.tucidinostat_exemestane_after_tamoxifen_or_nsai_failure"


@pytest.mark.parametrize(
    ("agents", "offered"),
    [
        (["tamoxifen"], True),  # TAM failure row: 'AI+西达本胺' Level II
        (["letrozole"], True),  # non-steroidal AI failure row: '甾体AI+西达本胺' Level II
        (["exemestane"], False),  # steroidal AI failure row lists no HDAC inhibitor
        (["letrozole", "palbociclib"], False),  # CDK4/6 inhibitor failure row: not listed
        (["fulvestrant"], False),  # fulvestrant failure is no row
    ],
)
def test_tucidinostat_follows_the_row_of_the_agent_that_failed(
    agents: list[str], offered: bool
) -> None:
    data = {**_HR_MBC, "decision_point": "metastatic_line_2",
            "treatment": {"metastatic_lines": [{"agents": agents, "outcome": "progression",
                                                "months": 12}]}}  # fmt: skip
    point = _point(data)
    assert (TUC in {o.rule_id for o in point.options}) is offered


def test_tucidinostat_after_a_relapse_on_adjuvant_tamoxifen_is_a_first_line_option() -> None:
    data = {**_HR_MBC, "decision_point": "metastatic_line_1",
            "treatment": {"endocrine": {"agents": ["tamoxifen"], "years_completed": 3,
                                        "ongoing": True},
                          "recurrence": {"site": "distant", "on_therapy": ["tamoxifen"],
                                         "biopsied": True, "restaged": True}}}  # fmt: skip
    option = {o.rule_id: o for o in _point(data).options}[TUC]
    assert set(option.agents) == {"tucidinostat", "exemestane"}
    assert (option.grade.csco_level, option.grade.csco_evidence) == ("II", "1B")


def test_tucidinostat_is_not_for_premenopausal_patients_without_ovarian_suppression() -> None:
    data = {**_HR_MBC, "patient": {"age_years": 44, "sex": "female", "menopausal_status": "pre"},
            "decision_point": "metastatic_line_2",
            "treatment": {"metastatic_lines": [{"agents": ["tamoxifen"], "outcome": "progression",
                                                "months": 12}]}}  # fmt: skip
    assert TUC not in {o.rule_id for o in _point(data).options}


_TNBC: dict[str, Any] = {
    "decision_point": "metastatic_line_1",
    "patient": {"age_years": 39, "sex": "female", "menopausal_status": "pre"},
    "tumour": {"clinical_m": "M1", "metastatic_sites": ["lung"]},
}


def _tnbc_after_adjuvant_act(months: float | None, brca: str) -> dict[str, Any]:
    treatment: dict[str, Any] = {
        "surgery": {"type": "mastectomy", "axillary": "sentinel_node_biopsy"},
        "adjuvant_agents": ["doxorubicin", "cyclophosphamide", "paclitaxel"],
        "recurrence": {"site": "distant", "months_since_diagnosis": 30, "biopsied": True,
                       "restaged": True},
    }  # fmt: skip
    if months is not None:
        treatment["months_since_chemotherapy"] = months
    return {**_TNBC, "treatment": treatment,
            "biomarkers": {"er_percent": 0, "pr_percent": 0, "her2_ihc": 0,
                           "her2_ihc0_staining": "none", "pdl1_cps": 2,
                           "germline_brca": brca}}  # fmt: skip


NEW_TNBC = {
    "tnbc.metastatic.fuzuloparib_apatinib_gbrca_taxane_failure": ("I", "1A"),
    "tnbc.metastatic.fuzuloparib_gbrca_taxane_failure": ("II", "1B"),
    "tnbc.metastatic.capecitabine_bevacizumab_taxane_failure": ("II", "2B"),
    "tnbc.metastatic.fuzuloparib_apatinib_gbrca_taxane_sensitive": ("II", "1B"),
    "tnbc.metastatic.fuzuloparib_gbrca_taxane_sensitive": ("III", "2A"),
    "tnbc.metastatic.taxane_bevacizumab_taxane_sensitive": ("II", "2A"),
}


@pytest.mark.parametrize(
    ("months", "brca", "expected"),
    [
        # relapse 12 months after adjuvant AC-T: taxane failure row
        (12.0, "brca1", {"tnbc.metastatic.fuzuloparib_apatinib_gbrca_taxane_failure",
                         "tnbc.metastatic.fuzuloparib_gbrca_taxane_failure",
                         "tnbc.metastatic.capecitabine_bevacizumab_taxane_failure"}),
        # 13 months: taxane-sensitive row
        (13.0, "brca2", {"tnbc.metastatic.fuzuloparib_apatinib_gbrca_taxane_sensitive",
                         "tnbc.metastatic.fuzuloparib_gbrca_taxane_sensitive",
                         "tnbc.metastatic.taxane_bevacizumab_taxane_sensitive"}),
        # no germline BRCA mutation: no fuzuloparib (FABULOUS, table note '#')
        (12.0, "negative", {"tnbc.metastatic.capecitabine_bevacizumab_taxane_failure"}),
        (13.0, "negative", {"tnbc.metastatic.taxane_bevacizumab_taxane_sensitive"}),
        # end of chemotherapy not recorded: the row is unknown, nothing new offered
        (None, "brca1", set()),
    ],
)  # fmt: skip
def test_fuzuloparib_and_bevacizumab_follow_the_taxane_row(
    months: float | None, brca: str, expected: set[str]
) -> None:
    point = _point(_tnbc_after_adjuvant_act(months, brca))
    offered = {o.rule_id: o for o in point.options}
    assert set(offered) & set(NEW_TNBC) == expected
    for rule_id in expected:
        grade = offered[rule_id].grade
        assert (grade.csco_level, grade.csco_evidence) == NEW_TNBC[rule_id]
    if months is None:
        assert "treatment.months_since_chemotherapy" in {p.field for p in point.prompts}


def test_pregnancy_defers_the_new_targeted_agents() -> None:
    """The pregnancy guard (clinical_course.md §4.1) defers the new HDAC-inhibitor and
    anti-angiogenic groups like the other targeted groups: no option keeps apatinib or
    bevacizumab alone after its partner was removed."""
    data = _tnbc_after_adjuvant_act(13.0, "brca1")
    not_pregnant = {a for o in _point(data).options for a in o.agents}
    assert {"fuzuloparib", "rivoceranib", "bevacizumab"} <= not_pregnant
    data["patient"] = {**data["patient"], "pregnant": True, "gestation_weeks": 20}
    agents = {a for o in _point(data).options for a in o.agents}
    assert not agents & {"fuzuloparib", "rivoceranib", "bevacizumab", "tucidinostat"}
