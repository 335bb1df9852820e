"""Radiotherapy after breast-conserving surgery: every criteria set at its boundaries.

Expected verdicts are the published entry criteria as their sources state them (the ``source``
of each set in knowledge/rt_omission.yaml and rt_fractionation.yaml), written here by hand:
"≥" inclusive, "<" exclusive, "no ink on tumour" = margin > 0 mm, "not recorded" = unknown.
Cases go through the public ``breastcds.assess``.
"""

from __future__ import annotations

from typing import Any

import polars as pl
import pytest

from breastcds import assess
from breastcds.knowledge import conditions
from breastcds.knowledge.loader import KnowledgeError
from breastcds.knowledge.schema_rt_omission import (
    load_rt_fractionation,
    load_rt_omission,
    parse_rt_omission,
)
from breastcds.radiotherapy import omission
from breastcds.radiotherapy.omission import RadiotherapyResult, SetResult

# A low-risk patient after BCS that meets CALGB 9343, PRIME II, LUMINA, NCCN and NICE.
BASE: dict[str, Any] = {
    "age": 72,
    "menopausal_status": "post",
    "size_mm": 12,
    "nodes_positive": 0,
    "grade": 1,
    "lvi": False,
    "er_percent": 95,
    "pr_percent": 80,
    "her2_ihc": 0,
    "ki67_percent": 8,
    "margin_mm": 3,
    "endocrine_therapy_planned": True,
    "focality": "unifocal",
    "histology": "ductal_nst",
    "oncotype_rs": 10,
    "prosigna_ror": 30,
    "germline_brca": "negative",
    "surgery": "breast_conserving",
}


def case(**overrides: Any) -> dict[str, Any]:
    """A case-model dict from BASE with overrides (None = not recorded)."""
    v = {**BASE, **overrides}

    def keep(d: dict[str, Any]) -> dict[str, Any]:
        return {k: x for k, x in d.items() if x is not None}

    genomics = keep({"oncotype_rs": v["oncotype_rs"], "prosigna_ror": v["prosigna_ror"]})
    return {
        "patient": keep({"age_years": v["age"], "menopausal_status": v["menopausal_status"]}),
        "tumour": keep(
            {
                "size_mm": v["size_mm"],
                "nodes_positive": v["nodes_positive"],
                "grade": v["grade"],
                "lvi": v["lvi"],
                "margin_mm": v["margin_mm"],
                "focality": v["focality"],
                "histology": v["histology"],
            }
        ),
        "biomarkers": keep(
            {
                "er_percent": v["er_percent"],
                "pr_percent": v["pr_percent"],
                "her2_ihc": v["her2_ihc"],
                "ki67_percent": v["ki67_percent"],
                "genomics": genomics,
                "germline_brca": v["germline_brca"],
            }
        ),
        "treatment": keep(
            {
                "surgery": None if v["surgery"] is None else {"type": v["surgery"]},
                "endocrine_therapy_planned": v["endocrine_therapy_planned"],
            }
        ),
    }


def section(**overrides: Any) -> RadiotherapyResult:
    result = assess(case(**overrides)).sections.radiotherapy
    assert isinstance(result, RadiotherapyResult)
    return result


def one(set_id: str, **overrides: Any) -> SetResult:
    r = section(**overrides)
    sets = r.omission + (r.fractionation.sets if r.fractionation else [])
    return next(s for s in sets if s.id == set_id)


MEETS, FAILS, UNKNOWN = "meets", "fails", "insufficient_data"

# (set, overrides, expected verdict, expected deciding criteria)
BOUNDARIES: list[tuple[str, dict[str, Any], str, list[str]]] = [
    # CALGB 9343 (Hughes, JCO 2013): age ≥ 70, T1 ≤ 20 mm, N0, ER+, no ink on tumour, tamoxifen
    ("CALGB_9343", {}, MEETS, []),
    ("CALGB_9343", {"age": 70}, MEETS, []),
    ("CALGB_9343", {"age": 69}, FAILS, ["age"]),
    ("CALGB_9343", {"size_mm": 20}, MEETS, []),
    ("CALGB_9343", {"size_mm": 20.5}, FAILS, ["size_mm"]),
    ("CALGB_9343", {"nodes_positive": 1}, FAILS, ["nodes_positive"]),
    ("CALGB_9343", {"er_percent": 1}, MEETS, []),
    ("CALGB_9343", {"er_percent": 0}, FAILS, ["er_percent"]),
    ("CALGB_9343", {"er_percent": None}, UNKNOWN, ["er_percent"]),
    ("CALGB_9343", {"margin_mm": 0}, FAILS, ["margin_mm"]),
    ("CALGB_9343", {"margin_mm": 0.1}, MEETS, []),
    ("CALGB_9343", {"endocrine_therapy_planned": False}, FAILS, ["endocrine_therapy_planned"]),
    ("CALGB_9343", {"endocrine_therapy_planned": None}, UNKNOWN, ["endocrine_therapy_planned"]),
    ("CALGB_9343", {"grade": 3, "lvi": True, "her2_ihc": 3}, MEETS, []),  # not criteria
    # PRIME II (Kunkler, Lancet Oncol 2015): ≥ 65, ≤ 30 mm, N0, HR+, ≥ 1 mm, not G3 + LVI, ET
    ("PRIME_II", {"age": 65}, MEETS, []),
    ("PRIME_II", {"age": 64}, FAILS, ["age"]),
    ("PRIME_II", {"size_mm": 30}, MEETS, []),
    ("PRIME_II", {"size_mm": 31}, FAILS, ["size_mm"]),
    ("PRIME_II", {"er_percent": 0, "pr_percent": 1}, MEETS, []),
    ("PRIME_II", {"er_percent": None, "pr_percent": 80}, MEETS, []),
    ("PRIME_II", {"er_percent": 0, "pr_percent": 0}, FAILS, ["hormone_receptor"]),
    ("PRIME_II", {"er_percent": 0, "pr_percent": None}, UNKNOWN, ["hormone_receptor"]),
    ("PRIME_II", {"margin_mm": 1}, MEETS, []),
    ("PRIME_II", {"margin_mm": 0.9}, FAILS, ["margin_mm"]),
    ("PRIME_II", {"grade": 3, "lvi": False}, MEETS, []),
    ("PRIME_II", {"grade": 2, "lvi": True}, MEETS, []),
    ("PRIME_II", {"grade": 3, "lvi": True}, FAILS, ["grade3_and_lvi"]),
    ("PRIME_II", {"grade": 1, "lvi": None}, UNKNOWN, ["grade3_and_lvi"]),
    ("PRIME_II", {"grade": None, "lvi": False}, UNKNOWN, ["grade3_and_lvi"]),
    ("PRIME_II", {"grade": 3, "lvi": True, "age": 60}, FAILS, ["age", "grade3_and_lvi"]),
    ("PRIME_II", {"her2_ihc": 3, "ki67_percent": None}, MEETS, []),  # not criteria
    # LUMINA (Whelan, NEJM 2023): ≥ 55, T1, N0, G1-2, ER ≥ 1, PR > 20, HER2-, Ki67 ≤ 13.25, ≥ 1 mm
    ("LUMINA", {"age": 55}, MEETS, []),
    ("LUMINA", {"age": 54}, FAILS, ["age"]),
    ("LUMINA", {"size_mm": 20}, MEETS, []),
    ("LUMINA", {"size_mm": 21}, FAILS, ["size_mm"]),
    ("LUMINA", {"grade": 2}, MEETS, []),
    ("LUMINA", {"grade": 3}, FAILS, ["grade"]),
    ("LUMINA", {"pr_percent": 21}, MEETS, []),
    ("LUMINA", {"pr_percent": 20}, FAILS, ["pr_percent"]),
    ("LUMINA", {"ki67_percent": 13}, MEETS, []),
    ("LUMINA", {"ki67_percent": 13.25}, MEETS, []),
    ("LUMINA", {"ki67_percent": 14}, FAILS, ["ki67_percent"]),
    ("LUMINA", {"ki67_percent": None}, UNKNOWN, ["ki67_percent"]),
    ("LUMINA", {"her2_ihc": 3}, FAILS, ["her2_negative"]),
    ("LUMINA", {"her2_ihc": None}, UNKNOWN, ["her2_negative"]),
    ("LUMINA", {"margin_mm": 1}, MEETS, []),
    ("LUMINA", {"margin_mm": 0.5}, FAILS, ["margin_mm"]),
    ("LUMINA", {"lvi": None}, MEETS, []),  # LVI is not a LUMINA criterion
    # IDEA (Jagsi, JCO 2024): postmenopausal 50-69, pT1 N0 unifocal, ER+ PR+ HER2-, RS ≤ 18, ≥ 2 mm
    ("IDEA", {"age": 50}, MEETS, []),
    ("IDEA", {"age": 69}, MEETS, []),
    ("IDEA", {"age": 49}, FAILS, ["age"]),
    ("IDEA", {"age": 70}, FAILS, ["age"]),
    ("IDEA", {"age": 60, "margin_mm": 2}, MEETS, []),
    ("IDEA", {"age": 60, "margin_mm": 1.9}, FAILS, ["margin_mm"]),
    ("IDEA", {"age": 60, "oncotype_rs": 18}, MEETS, []),
    ("IDEA", {"age": 60, "oncotype_rs": 19}, FAILS, ["oncotype_rs"]),
    ("IDEA", {"age": 60, "oncotype_rs": None}, UNKNOWN, ["oncotype_rs"]),
    ("IDEA", {"age": 60, "pr_percent": 0}, FAILS, ["pr_percent"]),
    ("IDEA", {"age": 60, "focality": "multifocal"}, FAILS, ["focality"]),
    ("IDEA", {"age": 60, "menopausal_status": "pre"}, FAILS, ["menopausal_status"]),
    ("IDEA", {"age": 60, "menopausal_status": None}, UNKNOWN, ["menopausal_status"]),
    # PRECISION (NCT02653755): 50-75 inclusive, ≤ 20 mm, G1-2, ER ≥ 10 or PR+, HER2-, ROR ≤ 40
    ("PRECISION", {"age": 75}, MEETS, []),
    ("PRECISION", {"age": 76}, FAILS, ["age"]),
    ("PRECISION", {"er_percent": 10, "pr_percent": 0}, MEETS, []),
    ("PRECISION", {"er_percent": 9, "pr_percent": 0}, FAILS, ["hormone_receptor"]),
    ("PRECISION", {"prosigna_ror": 40}, MEETS, []),
    ("PRECISION", {"prosigna_ror": 41}, FAILS, ["prosigna_ror"]),
    ("PRECISION", {"margin_mm": 0}, FAILS, ["margin_mm"]),
    # EXPERT (NCT02889874): PAM50 luminal A is not in the case model -> never "meets"
    ("EXPERT", {}, UNKNOWN, ["pam50_luminal_a"]),
    ("EXPERT", {"prosigna_ror": 60}, UNKNOWN, ["pam50_luminal_a"]),
    ("EXPERT", {"prosigna_ror": 61}, FAILS, ["prosigna_ror"]),
    ("EXPERT", {"age": 49}, FAILS, ["age"]),
    # DEBRA (NRG-BR007): ≥ 50 and < 70, pT1 pN0, HR+ HER2-, RS ≤ 18, no ink on tumour
    ("DEBRA", {"age": 69}, MEETS, []),
    ("DEBRA", {"age": 70}, FAILS, ["age"]),
    ("DEBRA", {"age": 50}, MEETS, []),
    ("DEBRA", {"age": 49}, FAILS, ["age"]),
    ("DEBRA", {"age": 60, "margin_mm": 0}, FAILS, ["margin_mm"]),
    # EUROPA (Meattini, Lancet Oncol 2024): ≥ 70, pT1ab any grade or pT1c G1-2, ER/PgR ≥ 10 %
    ("EUROPA", {}, MEETS, []),
    ("EUROPA", {"size_mm": 10, "grade": 3}, MEETS, []),
    ("EUROPA", {"size_mm": 15, "grade": 3}, FAILS, ["size_mm"]),
    ("EUROPA", {"er_percent": 9}, FAILS, ["er_percent"]),
    ("EUROPA", {"ki67_percent": 20}, MEETS, []),
    ("EUROPA", {"ki67_percent": 21}, FAILS, ["ki67_percent"]),
    # NSABP B-21 (Fisher, JCO 2002): ≤ 10 mm, node-negative
    ("NSABP_B21", {"size_mm": 10}, MEETS, []),
    ("NSABP_B21", {"size_mm": 11}, FAILS, ["size_mm"]),
    # Toronto-BC (Fyles, NEJM 2004): ≥ 50, ≤ 5 cm, node-negative, tamoxifen
    ("TORONTO_BC", {"size_mm": 50}, MEETS, []),
    ("TORONTO_BC", {"size_mm": 51}, FAILS, ["size_mm"]),
    ("TORONTO_BC", {"age": 49}, FAILS, ["age"]),
    # ABCSG 8A (Pötter, IJROBP 2007): postmenopausal, < 3 cm, G1-2, N0, HR+, ET
    ("ABCSG_8A", {"size_mm": 29.9}, MEETS, []),
    ("ABCSG_8A", {"size_mm": 30}, FAILS, ["size_mm"]),
    # NCCN v2.2015: ≥ 70, cN0, ER+, T1, negative margin, ET (category 1)
    ("NCCN_2015", {"age": 70}, MEETS, []),
    ("NCCN_2015", {"age": 69}, FAILS, ["age"]),
    ("NCCN_2015", {"margin_mm": 0}, FAILS, ["margin_mm"]),
    # NICE NG101 2018: ≥ 65, T1N0, ER+, HER2-, G1-2, clear margins, ET ≥ 5 years
    ("NICE_NG101_2018", {"age": 65}, MEETS, []),
    ("NICE_NG101_2018", {"age": 64}, FAILS, ["age"]),
    ("NICE_NG101_2018", {"grade": 3}, FAILS, ["grade"]),
    ("NICE_NG101_2018", {"her2_ihc": 3}, FAILS, ["her2_negative"]),
    # FAST-Forward (Murray Brunt, Lancet 2020): ≥ 18, pT1-3, pN0-1
    ("FAST_FORWARD", {}, MEETS, []),
    ("FAST_FORWARD", {"nodes_positive": 3}, MEETS, []),
    ("FAST_FORWARD", {"nodes_positive": 4}, FAILS, ["n_category"]),
    # ASTRO 2023 PBI (recommended): ≥ 40, G1-2, ER+, ≤ 20 mm, N0, negative margin, no LVI ...
    ("PBI_ASTRO_2023", {"age": 40}, MEETS, []),
    ("PBI_ASTRO_2023", {"age": 39}, FAILS, ["age"]),
    ("PBI_ASTRO_2023", {"size_mm": 21}, FAILS, ["size_mm"]),
    ("PBI_ASTRO_2023", {"lvi": True}, FAILS, ["lvi"]),
    ("PBI_ASTRO_2023", {"histology": "lobular"}, FAILS, ["histology"]),
    ("PBI_ASTRO_2023", {"germline_brca": "brca2"}, FAILS, ["germline_brca"]),
    ("PBI_ASTRO_2023", {"germline_brca": None}, UNKNOWN, ["germline_brca"]),
    # GEC-ESTRO low risk (Polgár 2010): age > 50, ≤ 30 mm, ≥ 2 mm, no LVI, unifocal, pN0; EIC n/a
    ("PBI_GEC_ESTRO_2010", {}, UNKNOWN, ["eic"]),
    ("PBI_GEC_ESTRO_2010", {"age": 50}, FAILS, ["age"]),
    ("PBI_GEC_ESTRO_2010", {"size_mm": 31}, FAILS, ["size_mm"]),
    ("PBI_GEC_ESTRO_2010", {"margin_mm": 1.9}, FAILS, ["margin_mm"]),
    # IMPORT LOW (Coles, Lancet 2017): ≥ 50, unifocal IDC ≤ 30 mm, 0-3 nodes, ≥ 2 mm
    ("IMPORT_LOW", {"nodes_positive": 3, "size_mm": 30, "margin_mm": 2}, MEETS, []),
    ("IMPORT_LOW", {"nodes_positive": 4}, FAILS, ["nodes_positive"]),
    ("IMPORT_LOW", {"histology": "lobular"}, FAILS, ["histology"]),
    # ASTRO 2018 boost: recommended ≤ 50, 51-70 with high grade, or positive margin
    ("BOOST_RECOMMENDED_ASTRO_2018", {"age": 50}, MEETS, []),
    ("BOOST_RECOMMENDED_ASTRO_2018", {"age": 51, "grade": 1}, FAILS, ["boost_indication"]),
    ("BOOST_RECOMMENDED_ASTRO_2018", {"age": 70, "grade": 3}, MEETS, []),
    ("BOOST_RECOMMENDED_ASTRO_2018", {"age": 72, "grade": 3}, FAILS, ["boost_indication"]),
    ("BOOST_RECOMMENDED_ASTRO_2018", {"age": 72, "margin_mm": 0}, MEETS, []),
    ("BOOST_RECOMMENDED_ASTRO_2018", {"age": 60, "grade": None}, UNKNOWN, ["boost_indication"]),
    # ASTRO 2018 boost omission: > 70, HR+, G1-2, margins ≥ 2 mm
    ("BOOST_OMISSION_ASTRO_2018", {"age": 71, "grade": 2, "margin_mm": 2}, MEETS, []),
    ("BOOST_OMISSION_ASTRO_2018", {"age": 70}, FAILS, ["age"]),
    ("BOOST_OMISSION_ASTRO_2018", {"margin_mm": 1.5}, FAILS, ["margin_mm"]),
]


@pytest.mark.parametrize(("set_id", "overrides", "verdict", "criteria"), BOUNDARIES)
def test_boundary(
    set_id: str, overrides: dict[str, Any], verdict: str, criteria: list[str]
) -> None:
    result = one(set_id, **overrides)
    assert result.verdict == verdict, (result.failed, result.unknown)
    assert sorted(result.criteria()) == sorted(criteria)


def test_every_set_is_exercised_at_a_boundary() -> None:
    ids = {s.id for s in load_rt_omission().sets} | {s.id for s in load_rt_fractionation().sets}
    tested = {b[0] for b in BOUNDARIES}
    assert ids - tested == {"HYPOFRACTIONATION_ASTRO_2018"}  # no patient criterion but invasive


def test_failed_criterion_reports_patient_value_and_threshold() -> None:
    r = one("PRIME_II", size_mm=31)
    (failed,) = r.failed
    assert failed.name == "size_mm"
    assert failed.values == {"size_mm": 31}
    assert "30 mm" in failed.requirement


def test_insufficient_data_names_the_fields_that_decide() -> None:
    r = one("LUMINA", ki67_percent=None, her2_ihc=None)
    assert r.verdict == UNKNOWN
    fields = {f for c in r.unknown for f in c.missing_fields}
    assert fields == {"biomarkers.ki67_percent", "biomarkers.her2_ihc"}


def test_a_failing_criterion_decides_even_when_others_are_missing() -> None:
    r = one("CALGB_9343", age=65, er_percent=None, margin_mm=None)
    assert r.verdict == FAILS
    assert r.criteria() == ["age"]
    assert {c.name for c in r.unknown} == {"er_percent", "margin_mm"}


# --- summary ----------------------------------------------------------------------------------


def test_summary_discuss_lists_sets_and_expected_local_recurrence() -> None:
    s = section().summary
    assert s.verdict == "discuss"
    assert {"CALGB_9343", "PRIME_II", "LUMINA", "NCCN_2015", "NICE_NG101_2018"} <= set(s.meets)
    assert "EUROPA" not in s.meets and "TORONTO_BC" not in s.meets  # not supporting omission
    # CALGB 9343 10-year locoregional recurrence 10 % vs 2 % (Hughes, JCO 2013)
    assert "10 % without vs 2 % with RT" in s.text


def test_summary_not_supported_names_closest_set_and_its_failure() -> None:
    s = section(age=60, size_mm=25).summary
    assert s.verdict == "not_supported"
    # sets failing on exactly one criterion: PRIME II (age), LUMINA/IDEA/PRECISION (size)
    assert s.closest in {"PRIME_II", "LUMINA", "IDEA", "PRECISION"}
    assert len(s.closest_failed) == 1


def test_summary_insufficient_when_endocrine_therapy_not_recorded() -> None:
    r = section(endocrine_therapy_planned=None)
    assert r.summary.verdict == "insufficient_data"
    assert "treatment.endocrine_therapy_planned" in {m.field for m in r.missing}


def test_caveat_omission_presumes_endocrine_therapy_adherence() -> None:
    r = section()
    assert any("endocrine therapy" in c.text and "reconsidered" in c.text for c in r.caveats)
    assert {g.body for g in r.guideline_positions} >= {"NCCN", "NICE"}


# --- applicability ----------------------------------------------------------------------------


def test_not_applicable_after_mastectomy() -> None:
    r = section(surgery="mastectomy")
    assert not r.applicable and r.omission == []
    assert r.summary.verdict == "not_applicable"
    assert "breast-conserving" in (r.not_applicable_reason or "")


def test_surgery_not_recorded_asks_for_it() -> None:
    r = section(surgery=None)
    assert not r.applicable
    assert [m.field for m in r.missing] == ["treatment.surgery.type"]


def test_not_applicable_for_pure_dcis_or_metastatic_disease() -> None:
    dcis = case(size_mm=None)
    dcis["tumour"]["dcis_only"] = True
    assert not assess(dcis).sections.radiotherapy.applicable
    m1 = case()
    m1["tumour"] |= {"clinical_m": "M1", "metastatic_sites": ["bone"]}
    r = assess(m1).sections.radiotherapy
    assert not r.applicable and "metastases" in (r.not_applicable_reason or "")


def test_unrecorded_invasiveness_and_m_are_stated_assumptions() -> None:
    r = section(size_mm=None)
    assert r.applicable
    assert any("invasive" in a for a in r.assumptions)


def test_section_is_the_public_evaluate() -> None:
    from breastcds.entrypoint import classify
    from breastcds.model.parse import parse_case

    valid = parse_case(case())
    assert assess(case()).sections.radiotherapy == omission.evaluate(valid, classify(valid))


# --- knowledge --------------------------------------------------------------------------------


def test_every_set_cites_a_source_and_was_verified() -> None:
    for s in [*load_rt_omission().sets, *load_rt_fractionation().sets]:
        assert len(s.source) >= 10 and s.verification.status == "verified", s.id


def test_vignette_trials_use_the_contract_criterion_names() -> None:
    contract = {
        "age", "size_mm", "nodes_positive", "grade", "er_percent", "pr_percent",
        "hormone_receptor", "grade3_and_lvi", "her2_negative", "ki67_percent", "margin_mm",
        "endocrine_therapy_planned",
    }  # fmt: skip
    for s in load_rt_omission().sets:
        if s.id in ("CALGB_9343", "PRIME_II", "LUMINA"):
            assert {c.name for c in s.criteria} <= contract, s.id


def _raw() -> dict[str, Any]:
    import copy

    from breastcds.knowledge.loader import load_yaml

    return copy.deepcopy(load_yaml("rt_omission.yaml"))


def test_schema_rejects_unknown_fact() -> None:
    raw = _raw()
    raw["sets"][0]["criteria"][0]["when"] = {"fact": "age_in_years", "op": "gte", "value": 70}
    with pytest.raises(KnowledgeError, match="unknown fact"):
        parse_rt_omission(raw)


def test_schema_rejects_set_without_source_or_duplicate_criterion() -> None:
    raw = _raw()
    del raw["sets"][0]["source"]
    with pytest.raises(KnowledgeError, match="source"):
        parse_rt_omission(raw)
    raw = _raw()
    raw["sets"][0]["criteria"].append(raw["sets"][0]["criteria"][0])
    with pytest.raises(KnowledgeError, match="duplicate criterion"):
        parse_rt_omission(raw)


def test_criteria_compile_to_polars_with_the_same_answers() -> None:
    """The cohort engine can run the same criteria: polars agrees with the evaluator."""
    from breastcds.entrypoint import classify
    from breastcds.knowledge.facts import extract
    from breastcds.model.parse import parse_case

    variants = [{}, {"age": 64}, {"er_percent": None}, {"grade": 3, "lvi": True},
                {"lvi": None}, {"margin_mm": 0}, {"her2_ihc": None, "size_mm": 25}]  # fmt: skip
    rows = []
    for v in variants:
        valid = parse_case(case(**v))
        rows.append(extract(valid, classify(valid)))
    for s in load_rt_omission().sets:
        cond = s.condition()
        names = sorted(cond.facts())
        frame = pl.DataFrame([{n: r[n] for n in names} for r in rows])
        compiled = frame.select(cond_out=conditions.to_polars(cond))["cond_out"].to_list()
        expected = [conditions.evaluate(cond, r).value for r in rows]
        assert compiled == expected, s.id
