"""Patient and course guards (knowledge/guards.yaml, breastcds.options.guards).

Expected behaviour is read from shared/reference/domain/clinical_course.md: §3 (treatment
already given), §4.1 (pregnancy by gestational age: no chemotherapy before 14 weeks or from
35 weeks; anti-HER2, endocrine, targeted agents, ADCs and RT deferred until after delivery),
§4.2 (men: never AI monotherapy, never asked for menopausal status, no adjuvant bone agent),
§4.3 (ECOG >= 3: no (neo)adjuvant chemotherapy; ECOG 2: caution), §4.4 (LVEF < 50 %: no
anthracycline; ILD: no deruxtecan ADC), §4.5 (a declined class is never offered), §14.

The guard is a pure function of (options offered by the rules, facts): the tests build the
options from the packaged rules as if every rule at the decision point had matched, and draw the
patient facts.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from breastcds.knowledge.conditions import Outcome
from breastcds.knowledge.decision_points import ALL_DECISION_POINTS
from breastcds.knowledge.drugs import catalogue
from breastcds.options import engine
from breastcds.options.guards import apply_guards, load_guards
from breastcds.options.schema import load_kb

CAT = catalogue()
DRUGS = CAT.by_inn()
CURATIVE = ("neoadjuvant", "adjuvant", "post_neoadjuvant", "extended_adjuvant")
POINTS = [dp for dp in ALL_DECISION_POINTS if dp != "follow_up"]


def family(inn: str) -> str:
    return CAT.family_of(DRUGS[inn])


def group(inn: str) -> str:
    return DRUGS[inn].group


def all_offered(dp: str, systemic_only: bool = False) -> engine.DecisionPointOptions:
    """Every option rule of the decision point, as if each had matched."""
    kb = load_kb()
    rules = [r for r in kb.rules if dp in r.decision_points and r.recommendation != "avoid"
             and (r.option.kind == "systemic" or not systemic_only)]  # fmt: skip
    why = engine.RankReason(en="test", zh="测试")
    opts = [engine._offered(r, kb, Outcome(True), [], i + 1, why) for i, r in enumerate(rules)]
    return engine.DecisionPointOptions(
        decision_point=dp,
        inferred=True,
        options=[o for o in opts if o.recommendation == "option"],
        discuss=[o for o in opts if o.recommendation == "discuss"],
        prompts=[engine.Prompt(field="patient.menopausal_status", reason="r", rule_ids=["x"])],
    )


def guarded(dp: str, **facts: Any) -> engine.DecisionPointOptions:
    return apply_guards(all_offered(dp), facts)


def agents(r: engine.DecisionPointOptions) -> set[str]:
    return {a for o in [*r.options, *r.discuss] for a in o.agents}


def actions(r: engine.DecisionPointOptions) -> set[str]:
    return {a for o in [*r.options, *r.discuss] for a in o.actions}


def cytotoxic(r: engine.DecisionPointOptions) -> set[str]:
    return {a for a in agents(r) if family(a) == "cytotoxic"}


def stems(r: engine.DecisionPointOptions) -> str:
    return " ".join(c.text_en.lower() for c in r.cautions)


# ----------------------------------------------------------------------------- the data


def test_guard_file_loads_and_every_guard_cites_a_source() -> None:
    gs = load_guards()
    assert len(gs.guards) >= 25
    for g in gs.guards:
        assert g.source and g.verification.note
        if g.caution is not None:
            assert g.caution.en.strip() and g.caution.zh.strip()
        if g.reason is not None:
            assert g.reason.en.strip() and g.reason.zh.strip()


# ----------------------------------------------------------------------------- §4.1 pregnancy


@pytest.mark.parametrize(
    ("weeks", "chemotherapy"),
    [(13, False), (13.9, False), (14, True), (26, True), (34, True), (34.9, True), (35, False)],
)
def test_chemotherapy_by_gestational_age(weeks: float, chemotherapy: bool) -> None:
    # §4.1: chemotherapy from 14 weeks; no start of chemotherapy from 35 weeks.
    r = guarded("neoadjuvant", pregnant=True, gestation_weeks=weeks, sex="female")
    assert bool(cytotoxic(r)) is chemotherapy
    assert "defer_until_after_delivery" in actions(r)
    assert "pregnan" in stems(r)


def test_pregnancy_defers_anti_her2_endocrine_and_names_the_week() -> None:
    r = guarded("neoadjuvant", pregnant=True, gestation_weeks=26, sex="female")
    deferred = {"her2_directed", "endocrine"}
    assert not [a for a in agents(r) if family(a) in deferred]
    reasons = [b for n in r.blocked for b in n.because]
    assert any("trastuzumab" in b and "deferred until after delivery" in b and "26 weeks" in b
               for b in reasons)  # fmt: skip
    # anthracycline-based chemotherapy stays available at 14-34 weeks (Loibl 2023)
    assert {"doxorubicin", "epirubicin"} & agents(r)


def test_unknown_gestational_age_prompts_and_withholds_chemotherapy() -> None:
    r = guarded("neoadjuvant", pregnant=True, sex="female")
    assert not cytotoxic(r)
    assert "patient.gestation_weeks" in [p.field for p in r.prompts]


def test_premenopausal_woman_is_asked_whether_pregnant() -> None:
    r = guarded("adjuvant", sex="female", menopausal_status="pre")
    assert "patient.pregnant" in [p.field for p in r.prompts]
    r = guarded("adjuvant", sex="female", menopausal_status="post")
    assert "patient.pregnant" not in [p.field for p in r.prompts]
    r = guarded("adjuvant", sex="female", menopausal_status="pre", pregnant=False)
    assert "patient.pregnant" not in [p.field for p in r.prompts]


# ----------------------------------------------------------------------------- §4.2 men


def test_man_never_gets_ai_monotherapy_nor_a_menopausal_prompt() -> None:
    for dp in ("adjuvant", "metastatic_line_1", "extended_adjuvant"):
        r = guarded(dp, sex="male")
        for o in r.options:
            groups = {group(a) for a in o.agents}
            assert not ("aromatase_inhibitor" in groups and "gnrh_agonist" not in groups), o
        assert "patient.menopausal_status" not in [p.field for p in r.prompts]
    adj = guarded("adjuvant", sex="male")
    assert not [a for a in agents(adj) if group(a) == "bone_modifying_agent"]


# ----------------------------------------------------------------------------- §4.3 ECOG


@pytest.mark.parametrize(("ecog", "chemotherapy"), [(0, True), (1, True), (2, True), (3, False),
                                                    (4, False)])  # fmt: skip
def test_no_curative_chemotherapy_from_ecog_3(ecog: int, chemotherapy: bool) -> None:
    r = guarded("adjuvant", ecog=ecog, age=70)
    assert bool(cytotoxic(r)) is chemotherapy
    assert ("ecog" in stems(r)) is (ecog >= 2)


def test_ecog_prompt_at_75_when_chemotherapy_is_considered() -> None:
    assert "patient.ecog" in [p.field for p in guarded("adjuvant", age=75).prompts]
    assert "patient.ecog" not in [p.field for p in guarded("adjuvant", age=74).prompts]
    assert "patient.ecog" not in [p.field for p in guarded("adjuvant", age=80, ecog=1).prompts]


def test_geriatric_assessment_from_65_when_chemotherapy_is_considered() -> None:
    def added(age: int) -> set[str]:  # actions the guards add to the systemic options
        r = apply_guards(all_offered("adjuvant", systemic_only=True), {"age": age, "ecog": 0})
        return {a for o in r.options if o.pathway == "guards" for a in o.actions}

    assert "geriatric_assessment" in added(65)
    assert "geriatric_assessment" not in added(64)


# ----------------------------------------------------------------------------- §4.4, §4.5


def test_lvef_removes_anthracyclines_keeps_other_chemotherapy() -> None:
    r = guarded("adjuvant", **{"comorbidity.cardiac_dysfunction": True})
    assert not {"doxorubicin", "epirubicin"} & agents(r)
    assert {"docetaxel", "cyclophosphamide"} <= agents(r)
    assert "lvef" in stems(r)


def test_ild_removes_deruxtecan_adcs_only() -> None:
    r = guarded("metastatic_line_2", **{"comorbidity.interstitial_lung_disease": True})
    assert not {"trastuzumab deruxtecan", "datopotamab deruxtecan"} & agents(r)
    assert "interstitial" in stems(r)


def test_declined_class_is_not_offered_and_cautioned() -> None:
    r = guarded("adjuvant", declines=["chemotherapy"])
    assert not cytotoxic(r)
    assert "declin" in stems(r)


# ----------------------------------------------------------------------------- §3 given before


def test_progressed_agent_is_not_reoffered_but_a_different_cdk46_inhibitor_is() -> None:
    r = guarded("metastatic_line_2", progressed_on=["letrozole", "palbociclib"],
                prior_agents=["letrozole", "palbociclib"])  # fmt: skip
    assert not {"letrozole", "anastrozole", "palbociclib"} & agents(r)  # NSAI class (BOLERO-2)
    assert {"ribociclib", "abemaciclib"} & agents(r)  # postMONARCH


def test_trastuzumab_continues_beyond_progression_only_with_tucatinib() -> None:
    r = guarded("metastatic_line_2", progressed_on=["trastuzumab", "pertuzumab", "docetaxel"])
    with_tucatinib = [o for o in r.options if "tucatinib" in o.agents]
    assert with_tucatinib and all("trastuzumab" in o.agents for o in with_tucatinib)
    others = [o for o in r.options if "tucatinib" not in o.agents]
    assert not any("trastuzumab" in o.agents for o in others)


# ----------------------------------------------------------------------------- properties

GENERIC = sorted(DRUGS)
DECLINABLE = ["chemotherapy", "endocrine_therapy", "radiotherapy", "anti_her2_therapy",
              "mastectomy", "surgery"]  # fmt: skip
facts_strategy = st.fixed_dictionaries(
    {},
    optional={
        "sex": st.sampled_from(["female", "male"]),
        "menopausal_status": st.sampled_from(["pre", "post"]),
        "pregnant": st.booleans(),
        "gestation_weeks": st.floats(0, 45),
        "age": st.integers(18, 95),
        "ecog": st.integers(0, 4),
        "declines": st.lists(st.sampled_from(DECLINABLE), unique=True),
        "progressed_on": st.lists(st.sampled_from(GENERIC), max_size=5, unique=True),
        "prior_agents": st.lists(st.sampled_from(GENERIC), max_size=6, unique=True),
        "comorbidity.cardiac_dysfunction": st.booleans(),
        "comorbidity.interstitial_lung_disease": st.booleans(),
    },
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(dp=st.sampled_from(POINTS), facts=facts_strategy)
def test_guard_invariants(dp: str, facts: dict[str, Any]) -> None:
    before = all_offered(dp)
    after = apply_guards(before, facts)
    offered = agents(after)
    # guards only take away (or add the actions they name)
    assert offered <= agents(before)
    if facts.get("pregnant") is True:
        deferred = {"cdk46_inhibitor", "pi3k_akt_mtor_inhibitor", "parp_inhibitor",
                    "checkpoint_inhibitor", "trop2_adc", "her2_adc"}  # fmt: skip
        deferred_families = ("her2_directed", "endocrine")
        assert not [a for a in offered if family(a) in deferred_families or group(a) in deferred]
        w = facts.get("gestation_weeks")
        if w is None or w < 14 or w >= 35:
            assert not [a for a in offered if family(a) == "cytotoxic"]
        assert not {"whole_breast_rt", "post_mastectomy_rt", "regional_nodal_rt",
                    "partial_breast_rt", "reirradiation"} & actions(after)  # fmt: skip
    for o in after.options + after.discuss:
        for a in facts.get("progressed_on", []):
            if dp.startswith("metastatic") or dp == "locoregional_recurrence":
                assert a not in o.agents or (a == "trastuzumab" and "tucatinib" in o.agents)
    if facts.get("sex") == "male":
        for o in after.options + after.discuss:
            groups = {group(a) for a in o.agents}
            assert not ("aromatase_inhibitor" in groups and "gnrh_agonist" not in groups)
        assert "patient.menopausal_status" not in [p.field for p in after.prompts]
    declined = {"chemotherapy": "cytotoxic", "endocrine_therapy": "endocrine",
                "anti_her2_therapy": "her2_directed"}  # fmt: skip
    for d in facts.get("declines", []):
        if d in declined:
            assert not [a for a in offered if family(a) == declined[d]]
    if facts.get("comorbidity.interstitial_lung_disease") is True:
        assert not [a for a in offered if DRUGS[a].deruxtecan]
    if facts.get("comorbidity.cardiac_dysfunction") is True:
        assert not [a for a in offered if group(a) == "anthracycline"]
    if (facts.get("ecog") or 0) >= 3 and dp in CURATIVE:
        assert not [a for a in offered if family(a) == "cytotoxic"]
    # every removed option is kept with its reason
    gone = {o.rule_id for o in before.options + before.discuss} - {
        o.rule_id for o in after.options + after.discuss
    }
    assert gone <= {b.rule_id for b in after.blocked}
    assert all(b.because for b in after.blocked)


def test_trastuzumab_is_not_spared_when_its_named_partner_is_removed_too() -> None:
    """clinical_course.md §3: trastuzumab may continue beyond progression *with a new partner*
    (HER2CLIMB: tucatinib + trastuzumab + capecitabine). After progression on tucatinib as well,
    what is left of that regimen (trastuzumab + capecitabine) is not the named re-challenge.
    (Found by test_guard_invariants.)"""
    after = guarded("metastatic_line_3plus", progressed_on=["trastuzumab", "tucatinib"])
    for o in after.options + after.discuss:
        assert "tucatinib" not in o.agents
        assert "trastuzumab" not in o.agents, o.rule_id
    spared = guarded("metastatic_line_3plus", progressed_on=["trastuzumab"])
    assert any({"trastuzumab", "tucatinib"} <= set(o.agents) for o in spared.options)
