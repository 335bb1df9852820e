"""Ovarian function suppression (OFS) in HR-positive advanced disease (since 2026.12.6).

Sources (the boundaries below are written from them, not from one case):
- ESO-ESMO ABC 5 (Cardoso et al., Ann Oncol 2020;31:1623): premenopausal women with HR-positive
  advanced disease receive OFS/ablation combined with endocrine therapy as for postmenopausal
  women; OFS is the backbone kept across lines, not the agent that failed.
- CSCO BC 2026 四(四) 1. table note 1: premenopausal patients follow the postmenopausal table
  after effective OFS.
- clinical_course.md section 11: GnRH agonists (goserelin, leuprorelin, triptorelin) are "OFS;
  GnRH with AI in men", endocrine agents only "when given as endocrine therapy".

Decided: GnRH agonists are never in ``progressed_on`` (they stay in ``prior_agents``); the
metastatic exemestane-based rules (everolimus + exemestane, BOLERO-2; tucidinostat + exemestane,
ACE) read ``postmenopausal_or_ovarian_suppression``: postmenopausal, or pre/perimenopausal with
OFS recorded (a GnRH agonist in a metastatic line, at the recurrence, or in the ongoing
endocrine record); pre/perimenopausal without such a record -> false; men -> false (their own
GnRH agonist + AI rule); menopausal status not recorded -> unknown.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from breastcds.entrypoint import classify
from breastcds.knowledge.drugs import catalogue
from breastcds.knowledge.facts import extract
from breastcds.model.parse import parse_case
from breastcds.options.engine import evaluate_options
from breastcds.options.schema import load_kb
from tests.cohort.test_course_columns import _facts, case_to_row, cohort_row_as_assess

KB = load_kb()
FACT = "postmenopausal_or_ovarian_suppression"
EVE = "hrpos.metastatic.everolimus_exemestane_other"
EVE_NSAI = "hrpos.metastatic.everolimus_exemestane_after_tamoxifen_or_nsai_failure"
TUC = "hrpos.metastatic.tucidinostat_exemestane_after_tamoxifen_or_nsai_failure"
FUL = "hrpos.metastatic.fulvestrant_other"
MALE = "course.male.metastatic_endocrine"
GNRH = {d.inn for d in catalogue().drugs if d.drug_class == "ovarian_function_suppression"}


def mbc(patient: dict[str, Any], lines: list[list[str]], **treatment: Any) -> dict[str, Any]:
    return {
        "patient": {"age_years": 42, "ecog": 0, **patient},
        "tumour": {"clinical_m": "M1", "metastatic_sites": ["bone", "liver"],
                   "visceral_crisis": False},
        "biomarkers": {"er_percent": 90, "pr_percent": 50, "her2_ihc": 1,
                       "germline_brca": "negative", "pik3ca": "wild_type", "esr1": "wild_type"},
        "treatment": {"metastatic_lines": [{"agents": a, "outcome": "progression", "months": 20}
                                           for a in lines], **treatment},
    }  # fmt: skip


PRE = {"sex": "female", "menopausal_status": "pre"}
POST = {"sex": "female", "menopausal_status": "post", "age_years": 66}
MAN = {"sex": "male", "age_years": 64}
OFS_AI_CDK = ["goserelin", "letrozole", "ribociclib"]


def point(data: dict[str, Any]) -> Any:
    case = parse_case(data)
    (p,) = evaluate_options(case, classify(case), kb=KB).decision_points
    return p


def facts(data: dict[str, Any]) -> dict[str, Any]:
    case = parse_case(data)
    return dict(extract(case, classify(case)))


def offered(data: dict[str, Any]) -> dict[str, Any]:
    return {o.rule_id: o for o in point(data).options}


def test_premenopausal_with_ofs_after_ai_cdk46i_gets_everolimus_exemestane_with_ofs() -> None:
    data = mbc(PRE, [OFS_AI_CDK])
    f = facts(data)
    assert f["progressed_on"] == ["letrozole", "ribociclib"]
    assert "goserelin" in f["prior_agents"]
    assert f[FACT] is True
    got = offered(data)
    assert point(data).decision_point == "metastatic_line_2"
    assert "with OFS if premenopausal" in got[EVE].regimen
    assert set(got[EVE].agents) == {"everolimus", "exemestane"}
    assert "with OFS if premenopausal" in got[FUL].regimen
    assert "ovarian function suppression" in got[EVE].text_en
    assert "卵巢功能抑制" in got[EVE].text_zh


@pytest.mark.parametrize("gnrh", sorted(GNRH))
def test_perimenopausal_with_any_gnrh_agonist_in_a_line_counts_as_suppressed(gnrh: str) -> None:
    data = mbc(
        {"sex": "female", "menopausal_status": "peri"}, [[gnrh, "anastrozole", "palbociclib"]]
    )
    f = facts(data)
    assert f[FACT] is True
    assert gnrh not in f["progressed_on"]
    assert EVE in offered(data)


def test_ovarian_suppression_ongoing_at_relapse_opens_tucidinostat_at_line_1() -> None:
    # adjuvant OFS + tamoxifen, relapse in year 3 while on it (secondary resistance): failure is
    # tamoxifen, the suppression continues (ACE row 'TAM failure' via CSCO note 1)
    data = mbc(
        PRE,
        [],
        endocrine={"agents": ["goserelin", "tamoxifen"], "years_completed": 3, "ongoing": True},
        surgery={"type": "mastectomy"},
        recurrence={
            "site": "distant",
            "on_therapy": ["goserelin", "tamoxifen"],
            "months_since_diagnosis": 36,
            "biopsied": True,
            "restaged": True,
        },
    )
    f = facts(data)
    assert f["progressed_on"] == ["tamoxifen"]
    assert f[FACT] is True
    got = offered(data)
    assert point(data).decision_point == "metastatic_line_1"
    assert TUC in got
    assert "with OFS if premenopausal" in got[TUC].regimen


def test_adjuvant_ofs_finished_before_relapse_is_not_current_suppression() -> None:
    data = mbc(
        PRE,
        [["tamoxifen"]],
        endocrine={
            "agents": ["goserelin", "tamoxifen"],
            "years_completed": 5,
            "ongoing": False,
            "months_since_end": 30,
        },
        surgery={"type": "mastectomy"},
        recurrence={
            "site": "distant",
            "on_therapy": [],
            "months_since_diagnosis": 90,
            "biopsied": True,
            "restaged": True,
        },
    )
    assert facts(data)[FACT] is False


def test_premenopausal_without_ofs_record_gets_no_exemestane_based_option() -> None:
    data = mbc(PRE, [["tamoxifen"], ["capecitabine"]])
    f = facts(data)
    assert f[FACT] is False
    got = offered(data)
    assert not {EVE, EVE_NSAI, TUC} & set(got)
    no = {o.rule_id for o in point(data).not_offered}
    assert EVE_NSAI in no or EVE in no


def test_postmenopausal_unchanged() -> None:
    data = mbc(POST, [["letrozole", "palbociclib"]])
    f = facts(data)
    assert f[FACT] is True
    assert f["progressed_on"] == ["letrozole", "palbociclib"]
    assert EVE in offered(data)


def test_menopausal_status_not_recorded_is_unknown_not_negative() -> None:
    data = mbc({"sex": "female"}, [OFS_AI_CDK])
    assert facts(data)[FACT] is None
    assert EVE not in offered(data)
    assert "patient.menopausal_status" in {p.field for p in point(data).prompts}


def test_men_keep_their_gnrh_agonist_ai_rule_and_the_gnrh_agonist_is_not_failed() -> None:
    data = mbc(MAN, [["goserelin", "letrozole", "palbociclib"]])
    f = facts(data)
    assert f[FACT] is False
    assert "goserelin" not in f["progressed_on"]
    got = offered(data)
    assert EVE not in got and TUC not in got
    male = got[MALE]
    # the re-offer guard removes what failed (letrozole, palbociclib) and the non-steroidal AIs,
    # never the GnRH agonist that an AI needs in a man (clinical_course.md 4.2)
    assert "goserelin" in male.agents
    assert not {"letrozole", "anastrozole", "palbociclib"} & set(male.agents)


COHORT_CASES: dict[str, dict[str, Any]] = {
    "premenopausal, OFS in line 1": mbc(PRE, [OFS_AI_CDK]),
    "premenopausal, no OFS record": mbc(PRE, [["tamoxifen"], ["capecitabine"]]),
    "postmenopausal": mbc(POST, [["letrozole", "palbociclib"]]),
    "status not recorded": mbc({"sex": "female"}, [OFS_AI_CDK]),
    "man": mbc(MAN, [["goserelin", "letrozole", "palbociclib"]]),
    "OFS ongoing at relapse": mbc(
        PRE, [], endocrine={"agents": ["goserelin", "tamoxifen"], "years_completed": 3,
                            "ongoing": True},
        surgery={"type": "mastectomy"},
        recurrence={"site": "distant", "on_therapy": ["goserelin", "tamoxifen"],
                    "months_since_diagnosis": 36, "biopsied": True, "restaged": True}),
}  # fmt: skip


@pytest.mark.parametrize("name", list(COHORT_CASES))
def test_cohort_facts_and_options_equal_assess(name: str) -> None:
    case = parse_case(COHORT_CASES[name])
    got, want = _facts(case_to_row(case), [FACT, "progressed_on", "prior_agents"])
    assert got == want
    cohort_row_as_assess(case)


AGENTS = sorted({d.inn for d in catalogue().drugs})


@settings(max_examples=60, deadline=None)
@given(lines=st.lists(st.lists(st.sampled_from(AGENTS), min_size=1, max_size=4, unique=True),
                      min_size=1, max_size=3),
       status=st.sampled_from(["pre", "peri", "post"]))  # fmt: skip
def test_no_gnrh_agonist_is_ever_progressed_on(lines: list[list[str]], status: str) -> None:
    f = facts(mbc({"sex": "female", "menopausal_status": status}, lines))
    progressed = set(f["progressed_on"])
    assert not progressed & GNRH
    given_agents = {a for line in lines for a in line}
    assert progressed == given_agents - GNRH
    assert given_agents <= set(f["prior_agents"])
    suppressed = bool(given_agents & GNRH)
    assert f[FACT] is (True if status == "post" else suppressed)
