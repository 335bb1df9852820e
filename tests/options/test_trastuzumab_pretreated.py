"""One definition of "pretreated with trastuzumab": the derived fact ``trastuzumab_pretreated``.

It is the stratum of the HER2-positive metastatic rules after trastuzumab (the anchor
``prior_trastuzumab`` of her2_positive.yaml: T-DXd Level I, pyrotinib + capecitabine, T-DM1,
tucatinib, neratinib) and the exclusion of ``course.metastatic.her2_brain_tdxd`` (T-DXd with
brain metastases when the Level I rule does not apply). True: trastuzumab (or a trastuzumab ADC)
for metastatic disease, or a relapse <= 12 months after (neo)adjuvant trastuzumab (CLEOPATRA
required > 12 months disease-free; DESTINY-Breast03 counted <= 6 months; clinical_course.md 1.3).
False only when the record proves neither. Otherwise not recorded: the Level I rule asks for
``treatment.months_since_trastuzumab`` and the brain rule is offered with a caution naming it.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from breastcds.entrypoint import classify
from breastcds.knowledge.facts import extract
from breastcds.model.parse import parse_case
from breastcds.options.engine import DecisionPointOptions, evaluate_options
from breastcds.options.schema import load_kb

KB = load_kb()
TDXD = "her2pos.metastatic.tdxd"
TDXD_BRAIN = "course.metastatic.her2_brain_tdxd"
# the rules whose `when` holds the anchor and that can fire at metastatic line 2
ANCHORED = (
    TDXD,
    "her2pos.metastatic.pyrotinib_capecitabine_after_trastuzumab",
    "her2pos.metastatic.tdm1",
    "her2pos.metastatic.tucatinib_brain",
    "her2pos.metastatic.neratinib_capecitabine",
)
MONTHS = "treatment.months_since_trastuzumab"
THP = {"agents": ["docetaxel", "trastuzumab", "pertuzumab"], "outcome": "progression",
       "months": 14}  # fmt: skip
PACLITAXEL = {"agents": ["paclitaxel"], "outcome": "progression", "months": 6}
TCBH = ["docetaxel", "carboplatin", "trastuzumab"]


def her2_metastatic(treatment: dict[str, Any], *, brain: bool = True,
                    decision_point: str = "metastatic_line_2") -> dict[str, Any]:  # fmt: skip
    return {
        "decision_point": decision_point,
        "patient": {"age_years": 52, "sex": "female", "menopausal_status": "post",
                    "comorbidities": {"interstitial_lung_disease": False}},
        "tumour": {"clinical_m": "M1",
                   "metastatic_sites": ["brain", "liver"] if brain else ["liver"]},
        "biomarkers": {"er_percent": 0, "pr_percent": 0, "her2_ihc": 3},
        "treatment": treatment,
    }  # fmt: skip


def relapse(months_since_diagnosis: float, **treatment: Any) -> dict[str, Any]:
    return {"metastatic_lines": [PACLITAXEL],
            "surgery": {"type": "mastectomy", "axillary": "sentinel_node_biopsy"},
            "recurrence": {"site": "distant", "months_since_diagnosis": months_since_diagnosis,
                           "biopsied": True, "restaged": True},
            **treatment}  # fmt: skip


def evaluated(data: dict[str, Any]) -> tuple[Any, DecisionPointOptions]:
    case = parse_case(data)
    c = classify(case)
    points = evaluate_options(case, c, kb=KB).decision_points
    assert len(points) == 1
    return extract(case, c)["trastuzumab_pretreated"], points[0]


# case -> trastuzumab_pretreated; one case at each branch of the fact
FACT_CASES: dict[str, tuple[dict[str, Any], bool | None]] = {
    "trastuzumab for metastatic disease": ({"metastatic_lines": [THP]}, True),
    "T-DM1 for metastatic disease (a trastuzumab ADC)": (
        {"metastatic_lines": [{"agents": ["trastuzumab emtansine"], "outcome": "progression"}]},
        True),
    "metastatic trastuzumab, adjuvant trastuzumab 30 months before": (
        {"metastatic_lines": [THP], "adjuvant_agents": TCBH, "months_since_trastuzumab": 30},
        True),
    "adjuvant trastuzumab 12 months before": (
        {"metastatic_lines": [PACLITAXEL], "adjuvant_agents": TCBH,
         "months_since_trastuzumab": 12}, True),
    "adjuvant trastuzumab 13 months before": (
        {"metastatic_lines": [PACLITAXEL], "adjuvant_agents": TCBH,
         "months_since_trastuzumab": 13}, False),
    "13 months, the end recorded without the agents": (
        {"metastatic_lines": [PACLITAXEL], "months_since_trastuzumab": 13}, False),
    "adjuvant agents recorded without trastuzumab": (
        {"metastatic_lines": [PACLITAXEL], "adjuvant_agents": ["epirubicin", "cyclophosphamide"]},
        False),
    "adjuvant agents recorded: none given": (
        {"metastatic_lines": [PACLITAXEL], "adjuvant_agents": []}, False),
    "neoadjuvant and adjuvant agents without trastuzumab": (
        {"metastatic_lines": [PACLITAXEL], "adjuvant_agents": ["capecitabine"],
         "neoadjuvant": {"agents": ["epirubicin", "cyclophosphamide", "docetaxel"]}}, False),
    "neoadjuvant trastuzumab, adjuvant agents without it, end not recorded": (
        {"metastatic_lines": [PACLITAXEL], "adjuvant_agents": ["capecitabine"],
         "neoadjuvant": {"agents": ["docetaxel", "trastuzumab", "pertuzumab"]}}, None),
    "nothing recorded of early therapy": ({"metastatic_lines": [PACLITAXEL]}, None),
    "adjuvant trastuzumab, its end not recorded": (
        {"metastatic_lines": [PACLITAXEL], "adjuvant_agents": TCBH}, None),
    "adjuvant agent unknown to the catalogue": (
        {"metastatic_lines": [PACLITAXEL], "adjuvant_agents": ["docetaxel", "zz-123"]}, None),
    "metastatic agent unknown to the catalogue, 13 months": (
        {"metastatic_lines": [{"agents": ["zz-123"], "outcome": "progression"}],
         "adjuvant_agents": TCBH, "months_since_trastuzumab": 13}, None),
    # a relapse during trastuzumab is within the window (clinical_course.md 1.3 "during or ...
    # after"; 2026.12.6: the first-line rules read the same fact, so T-DXd is listed once)
    "trastuzumab taken when the recurrence was found, its end not recorded": (
        relapse(30, adjuvant_agents=TCBH,
                recurrence={"site": "distant", "months_since_diagnosis": 30,
                            "on_therapy": ["trastuzumab"], "biopsied": True,
                            "restaged": True}), True),
    "adjuvant trastuzumab, relapse 12 months after the diagnosis, end not recorded": (
        relapse(12, adjuvant_agents=TCBH), None),
    "relapse 10 months after the diagnosis, adjuvant agents without trastuzumab": (
        relapse(10, adjuvant_agents=["docetaxel", "cyclophosphamide"]), False),
}  # fmt: skip


@pytest.mark.parametrize("name", list(FACT_CASES))
def test_trastuzumab_pretreated_at_each_branch(name: str) -> None:
    data, want = FACT_CASES[name]
    got, _ = evaluated(her2_metastatic(data))
    assert got is want


def test_de_novo_stage_iv_without_metastatic_trastuzumab_is_not_pretreated() -> None:
    got, p = evaluated(her2_metastatic({"de_novo_metastatic": True}, brain=False,
                                       decision_point="metastatic_line_1"))  # fmt: skip
    assert got is False
    assert TDXD in {o.rule_id for o in p.not_offered}
    assert MONTHS not in {q.field for q in p.prompts}


def _tdxd(p: DecisionPointOptions) -> list[tuple[str, list[str]]]:
    """(rule, its 'confirm before use' cautions) of every option offering T-DXd alone."""
    return [
        (o.rule_id, [c for c in o.cautions if c.startswith("confirm before use")])
        for o in (*p.options, *p.discuss)
        if o.agents == ["trastuzumab deruxtecan"]
    ]


@pytest.mark.parametrize("brain", [True, False])
@pytest.mark.parametrize(
    ("months", "pretreated"), [(0, True), (6, True), (12, True), (13, False), (30, False)]
)
def test_both_rules_at_the_12_month_boundary(months: int, pretreated: bool, brain: bool) -> None:
    got, p = evaluated(her2_metastatic(
        {"metastatic_lines": [PACLITAXEL], "adjuvant_agents": TCBH,
         "months_since_trastuzumab": months}, brain=brain))  # fmt: skip
    assert got is pretreated
    if pretreated:
        assert _tdxd(p) == [(TDXD, [])]
        assert set(ANCHORED) - {"her2pos.metastatic.tucatinib_brain"} <= {
            o.rule_id for o in p.options
        }
        if brain:
            assert TDXD_BRAIN in {o.rule_id for o in p.not_offered}
    else:
        assert _tdxd(p) == ([(TDXD_BRAIN, [])] if brain else [])
        assert set(ANCHORED) <= {o.rule_id for o in p.not_offered}
    assert MONTHS not in {q.field for q in p.prompts}


@pytest.mark.parametrize("adjuvant_agents", [["epirubicin", "cyclophosphamide"], []])
def test_adjuvant_agents_recorded_without_trastuzumab_offer_the_brain_rule_plainly(
    adjuvant_agents: list[str],
) -> None:
    got, p = evaluated(her2_metastatic(
        {"metastatic_lines": [PACLITAXEL], "adjuvant_agents": adjuvant_agents}))  # fmt: skip
    assert got is False
    assert _tdxd(p) == [(TDXD_BRAIN, [])]
    assert TDXD in {o.rule_id for o in p.not_offered}
    assert MONTHS not in {q.field for q in p.prompts}


@pytest.mark.parametrize(
    "treatment",
    [{"metastatic_lines": [PACLITAXEL]},
     {"metastatic_lines": [PACLITAXEL], "adjuvant_agents": TCBH}],
    ids=["nothing recorded of early therapy", "adjuvant trastuzumab, end not recorded"],
)  # fmt: skip
def test_history_unknown_asks_and_cautions_never_reads_as_not_pretreated(
    treatment: dict[str, Any],
) -> None:
    """Unknown stays unknown in both rules: the Level I rule is a prompt for the end of
    trastuzumab; the brain rule is offered with a caution naming it (not as if the patient
    were trastuzumab-naive)."""
    got, p = evaluated(her2_metastatic(treatment))
    assert got is None
    [(rule_id, cautions)] = _tdxd(p)
    assert rule_id == TDXD_BRAIN
    assert len(cautions) == 1 and MONTHS in cautions[0]
    prompt = {q.field: q for q in p.prompts}[MONTHS]
    assert set(ANCHORED) <= set(prompt.rule_ids)


def test_history_unknown_without_brain_metastases_asks_for_the_end_of_trastuzumab() -> None:
    got, p = evaluated(her2_metastatic({"metastatic_lines": [PACLITAXEL]}, brain=False))
    assert got is None
    assert _tdxd(p) == []
    assert TDXD in {q.field: q for q in p.prompts}[MONTHS].rule_ids


FIRST_LINE = ("her2pos.metastatic.thp", "her2pos.metastatic.hp_eribulin_or_vinorelbine",
              "her2pos.metastatic.pyrotinib_th", "her2pos.metastatic.tdxd_pertuzumab")  # fmt: skip


@pytest.mark.parametrize(
    ("early", "months", "offered", "caution"),
    [
        # CLEOPATRA: > 12 months disease-free after adjuvant trastuzumab; 12 is "within"
        (TCBH, 12, False, False),
        (TCBH, 13, True, False),
        (TCBH, None, True, True),  # adjuvant trastuzumab, end not recorded: not judged
        (["epirubicin", "cyclophosphamide", "paclitaxel"], None, True, False),  # none given
        ([], None, True, False),  # recorded as none
        (None, None, True, True),  # nothing recorded of early therapy
    ],
)  # fmt: skip
def test_first_line_exclusion_reads_the_same_12_month_window(
    early: list[str] | None, months: float | None, offered: bool, caution: bool
) -> None:
    """The first-line rules' exclusion "relapse within 12 months of adjuvant trastuzumab" is
    trastuzumab_relapse_within_12_months (2026.12.6): a record proving no early trastuzumab
    leaves no caution; an unrecorded end after adjuvant trastuzumab stays a caution."""
    treatment: dict[str, Any] = {
        "surgery": {"type": "mastectomy", "axillary": "sentinel_node_biopsy"},
        "recurrence": {"site": "distant", "months_since_diagnosis": 40, "biopsied": True,
                       "restaged": True},
    }  # fmt: skip
    if early is not None:
        treatment["adjuvant_agents"] = early
    if months is not None:
        treatment["months_since_trastuzumab"] = months
    data = her2_metastatic(treatment, brain=False, decision_point="metastatic_line_1")
    _, p = evaluated(data)
    options = {o.rule_id: o for o in p.options}
    for rule in FIRST_LINE:
        assert (rule in options) is offered, rule
        if offered:
            assert any("12 months" in c for c in options[rule].cautions) is caution, rule


def test_at_line_1_the_first_line_rules_are_not_changed() -> None:
    """The first-line rules (THP ...) are excluded after a relapse <= 12 months after adjuvant
    trastuzumab; T-DXd at line 1 then is the Level I rule."""
    data = her2_metastatic({"adjuvant_agents": TCBH, "months_since_trastuzumab": 6},
                           brain=False, decision_point="metastatic_line_1")  # fmt: skip
    got, p = evaluated(data)
    assert got is True
    assert _tdxd(p) == [(TDXD, [])]
    assert "her2pos.metastatic.thp" in {o.rule_id for o in p.not_offered}


# --------------------------------------------------------------------------------------------
# Property: one T-DXd option per decision point, and the two rules read the fact alike
# --------------------------------------------------------------------------------------------

_LINE_AGENTS = [["docetaxel", "trastuzumab", "pertuzumab"], ["paclitaxel"], ["capecitabine"],
                ["trastuzumab emtansine"], ["trastuzumab deruxtecan"],
                ["pyrotinib", "capecitabine"], ["zz-123"]]  # fmt: skip
_LINES = st.lists(
    st.fixed_dictionaries({"agents": st.sampled_from(_LINE_AGENTS),
                           "outcome": st.sampled_from(["progression", "response"])}),
    max_size=2,
)  # fmt: skip
_EARLY = st.sampled_from([None, [], TCBH, ["epirubicin", "cyclophosphamide"], ["zz-123"]])
_MONTHS = st.sampled_from([None, 0, 6, 12, 13, 30])
_NEO = st.sampled_from([None, ["docetaxel", "trastuzumab", "pertuzumab"], ["paclitaxel"]])
_RELAPSE = st.sampled_from([None, 8, 12, 13, 40])


@st.composite
def her2_metastatic_cases(draw: st.DrawFn) -> dict[str, Any]:
    treatment: dict[str, Any] = {"metastatic_lines": draw(_LINES)}
    for key, value in (("adjuvant_agents", draw(_EARLY)),
                       ("months_since_trastuzumab", draw(_MONTHS))):  # fmt: skip
        if value is not None:
            treatment[key] = value
    neo = draw(_NEO)
    if neo is not None:
        treatment["neoadjuvant"] = {"agents": neo}
    months = draw(_RELAPSE)
    if months is not None:
        treatment["surgery"] = {"type": "mastectomy"}
        treatment["recurrence"] = {"site": "distant", "months_since_diagnosis": months}
    dp = draw(st.sampled_from(["metastatic_line_1", "metastatic_line_2", "metastatic_line_3plus"]))
    return her2_metastatic(treatment, brain=draw(st.booleans()), decision_point=dp)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(her2_metastatic_cases())
def test_the_two_tdxd_rules_never_both_offer_it_and_follow_the_fact(data: dict[str, Any]) -> None:
    """The Level I rule and the brain-metastases rule never both offer T-DXd at one decision
    point; true -> the brain rule is excluded, false -> the Level I rule is not offered and the
    brain rule carries no caution about it, unknown -> the Level I rule is not offered and the
    brain rule, if offered, carries the caution."""
    got, p = evaluated(data)
    found = [(r, cautions) for r, cautions in _tdxd(p) if r in (TDXD, TDXD_BRAIN)]
    assert len(found) <= 1
    rules = {r for r, _ in found}
    if got is True:
        assert TDXD_BRAIN not in rules
    if got is False:
        assert TDXD not in rules
        assert all(not cautions for _, cautions in found)
    if got is None:
        assert TDXD not in rules
        assert all(cautions for r, cautions in found if r == TDXD_BRAIN)
