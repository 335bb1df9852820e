"""Classification decision tables (knowledge/rule_tables.py): schema checks at load, and one
definition run by both engines - a threshold changed in a copy of the knowledge is followed by
the per-patient classifiers and by the cohort engine alike."""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import polars as pl
import pytest
import yaml

import breastcds.knowledge
from breastcds.classify import her2, ki67, receptors, stage
from breastcds.cohort.engine import run_batch
from breastcds.cohort.synthetic import generate
from breastcds.knowledge.loader import KnowledgeError, load_yaml
from breastcds.knowledge.rule_tables import (
    TABLE_FILES,
    active,
    decide,
    knowledge_from,
    load_tables,
    parse_table,
)
from breastcds.model.case import Biomarkers, Case, IshResult

PACKAGED = Path(breastcds.knowledge.__file__).parent


def _copy(tmp_path: Path) -> Path:
    target = tmp_path / "knowledge"
    shutil.copytree(PACKAGED, target, ignore=shutil.ignore_patterns("__pycache__", "*.py"))
    return target


def _edit_biomarkers(directory: Path, section: str, key: str, value: float) -> None:
    path = directory / "biomarkers.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data[section][key] = value
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


# The boundary cases. Packaged thresholds (reference: shared/reference/domain/biomarkers.md):
# ISH ratio >= 2.0 with >= 4 copies is group 1 (IHC 2+: positive); ER 1-10 % is low positive;
# Ki-67 <= 5 % is low. The copy moves each bound past the case:
#   ratio cut-off 2.0 -> 2.2: ratio 2.1 with 4.5 copies is group 4 (4 <= copies < 6, ratio
#     below the cut-off); with IHC 2+ the additional count is needed: pending;
#   ER low-positive upper bound 10 -> 15: ER 12 % becomes low positive;
#   Ki-67 low bound 5 -> 10: Ki-67 8 % becomes low.
ROW: dict[str, Any] = {
    "her2_ihc": 2, "her2_ish_ratio": 2.1, "her2_ish_copies": 4.5, "her2_ihc0_staining": None,
    "her2_ish_recount_ratio": None, "her2_ish_recount_copies": None,
    "her2_single_probe_copies": None, "er_percent": 12.0, "ki67_percent": 8.0,
}  # fmt: skip
PACKAGED_ANSWER = {"her2.status": "positive", "her2.ish_group": 1, "er.status": "positive",
                   "ki67.group": "intermediate"}  # fmt: skip
MUTATED_ANSWER = {"her2.status": "pending", "her2.ish_group": 4, "er.status": "low_positive",
                  "ki67.group": "low"}  # fmt: skip


def _one_patient() -> dict[str, Any]:
    b = Biomarkers(her2_ihc=2, her2_ish=IshResult(ratio=2.1, her2_copies=4.5))
    h = her2.classify(b)
    return {
        "her2.status": h.status,
        "her2.ish_group": h.ish_group,
        "er.status": receptors.er(12.0).status,
        "ki67.group": ki67.classify(8.0).group,
    }


def _cohort(
    row: dict[str, Any] = ROW, codes: Sequence[str] = tuple(PACKAGED_ANSWER)
) -> dict[str, Any]:
    """The cohort engine's answer (``codes``) on four generated rows set to ``row``."""
    frame = generate(4, seed=20261205, missing=0.0)
    frame = frame.with_columns([pl.lit(v, dtype=frame.schema[k]).alias(k) for k, v in row.items()])
    result = run_batch(frame)
    assert result.results.height == 4, result.errors
    out: dict[str, Any] = {}
    for code in codes:
        values = set(result.results[code].to_list())
        assert len(values) == 1, (code, values)
        out[code] = values.pop()
    return out


def test_both_engines_follow_thresholds_changed_in_a_copy_of_the_knowledge(
    tmp_path: Path,
) -> None:
    assert _one_patient() == PACKAGED_ANSWER
    assert _cohort() == PACKAGED_ANSWER
    copy = _copy(tmp_path)
    _edit_biomarkers(copy, "her2", "ish_ratio_cutoff", 2.2)
    _edit_biomarkers(copy, "hormone_receptors", "low_positive_max_percent", 15.0)
    _edit_biomarkers(copy, "ki67", "low_max_percent", 10.0)
    with knowledge_from(copy):
        assert _one_patient() == MUTATED_ANSWER
        assert _cohort() == MUTATED_ANSWER
    # the installed files are untouched and active again
    assert _one_patient() == PACKAGED_ANSWER
    assert yaml.safe_load((PACKAGED / "biomarkers.yaml").read_text())["her2"][
        "ish_ratio_cutoff"
    ] == pytest.approx(2.0, abs=0)


def test_a_row_changed_in_a_copied_table_is_followed_by_both_engines(tmp_path: Path) -> None:
    """Not only thresholds: the tables themselves are read from the copy."""
    copy = _copy(tmp_path)
    path = copy / "classification/ki67.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("then: {group: intermediate}",
                                                 "then: {group: high}"),
        encoding="utf-8",
    )  # fmt: skip
    with knowledge_from(copy):
        assert ki67.classify(8.0).group == "high"
        assert _cohort()["ki67.group"] == "high"


def _table(**changes: Any) -> dict[str, Any]:
    data = yaml.safe_load((PACKAGED / "classification/ki67.yaml").read_text(encoding="utf-8"))
    table: dict[str, Any] = data["tables"][0]
    table.update(changes)
    return table


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"rows": [{"when": {"fact": "percent", "op": "lte", "value": 5},
                    "then": {"group": "low"}}]}, "last row has no condition"),
        ({"rows": [{"then": {"group": "lowish"}}]}, "not in"),
        ({"rows": [{"then": {}}]}, "is not set"),
        ({"rows": [{"when": {"fact": "ki67", "op": "lte", "value": 5}, "then": {"group": "low"}},
                   {"then": {"group": "high"}}]}, "unknown fact"),
        ({"rows": [{"then": {"group": "low"}, "reasons": [{"en": "{size}", "zh": "{size}"}]}]},
         "not an input/parameter"),
        ({"parameters": {"low_max": "ki67.no_such_threshold"}}, "not a number"),
        ({"parameters": {"low_max": "predict_coefficients.yaml#input_limits.age_years"}},
         "not a number in predict_coefficients.yaml"),
        ({"rows": [{"then": {"group": "low"},
                    "missing": [{"field": "tumour.size_mm", "reason": {"en": "x", "zh": "x"}}]}]},
         "not an input's field"),
    ],
)  # fmt: skip
def test_a_malformed_table_is_refused_at_load_naming_the_problem(
    changes: dict[str, Any], message: str
) -> None:
    with pytest.raises(KnowledgeError, match=message):
        parse_table(_table(**changes), active().biomarkers, "ki67.yaml", read=load_yaml)


def test_every_packaged_table_cites_its_source_and_loads() -> None:
    tables = load_tables()
    assert len(TABLE_FILES) == 10
    assert set(tables.tables) >= PREDICT_TABLES | PROGNOSTIC_TABLES
    scores = {t for t in tables.tables if t.startswith(("npi_", "cts5_"))}
    assert set(tables.tables) - PREDICT_TABLES - PROGNOSTIC_TABLES - scores == {
        "her2_ish_group", "her2", "receptor_status", "ki67_group", "subtype", "pt_from_size",
        "pn_from_nodes", "t_group", "n_group", "m_group", "t_derived", "t_category.pathological",
        "t_category.post_neoadjuvant", "t_category.clinical", "n_category.pathological",
        "n_category.post_neoadjuvant", "cn_category", "m_category", "anatomic_stage",
    }  # fmt: skip
    for t in tables.tables.values():
        assert any(s in t.source for s in ("ASCO/CAP", "Ki67", "St Gallen", "AJCC",
                                           "WintonCentre", "Galea", "Dowsett")), t.id  # fmt: skip


#: The AJCC prognostic stage groups (knowledge/classification/prognostic_stage.yaml).
PROGNOSTIC_TABLES = {"prognostic_t_note", "prognostic_n_group", "prognostic_m_group",
                     "prognostic_her2", "prognostic_receptor", "prognostic_sign",
                     "prognostic_cell.clinical", "prognostic_cell.pathological",
                     "prognostic_stage.clinical", "prognostic_stage.pathological"}  # fmt: skip

#: The PREDICT input mapping (knowledge/classification/predict_mapping.yaml), a table per input.
PREDICT_TABLES = {"predict_screen", "predict_grade", "predict_er", "predict_pr", "predict_her2",
                  "predict_ki67", "predict_nodes", "predict_size", "predict_smoker",
                  "predict_population_sex", "predict_population_metastatic",
                  "predict_population_dcis", "predict_population_bilateral",
                  "predict_population_neoadjuvant", "predict_population_surgery",
                  "predict_population_size", "predict_population_age",
                  "predict_population_size_range",
                  "predict_population_nodes_range", "predict_component_endocrine",
                  "predict_component_chemotherapy", "predict_component_trastuzumab",
                  "predict_component_bisphosphonate", "predict_component_radiotherapy",
                  "predict_component_radiotherapy_v22"}  # fmt: skip


def test_an_undecidable_row_stops_the_table_with_the_fields_that_decide_it() -> None:
    """Unknown is not negative: ER+ HER2- with PR 30 % and no Ki-67 is not Luminal A-like."""
    t = active()["subtype"]
    facts = {"er_status": "positive", "pr_status": "positive", "her2_status": "negative",
             "pr_percent": 30.0, "ki67_percent": None, "oncotype_rs": None,
             "mammaprint": None, "prosigna_risk": None}  # fmt: skip
    d = decide(t, facts)
    assert d.outputs["subtype"] == "pending" and d.unknown
    assert [m.field for m in d.missing] == ["biomarkers.ki67_percent"]
    assert all(m.reason.zh for m in d.missing) and all(r.zh for r in d.reasons)
    # one high-risk feature decides although Ki-67 is unknown (Kleene "any")
    d = decide(t, {**facts, "pr_percent": 10.0})
    assert d.outputs["subtype"] == "luminal_b_her2_negative" and not d.missing


# Staging: pT from size, AJCC 8th ed. (reference: shared/reference/domain/biomarkers.md §6):
# T1c is > 10-20 mm and T2 > 20-50 mm, so a 22 mm invasive tumour with 0 of 5 nodes involved
# and M0 is pT2 pN0 M0: anatomic stage IIA (row anat-IIA-b). The copy moves the T1c upper
# bound in the pt_from_size table from 20 to 25 mm: the same tumour is pT1c, stage IA
# (row anat-IA); the recorded pT2 now contradicts the size (asked, not used).
STAGE_ROW: dict[str, Any] = {
    "size_mm": 22.0, "dcis_only": False, "nodes_positive": 0, "nodes_examined": 5,
    "nodes_micrometastases_only": False, "clinical_m": "M0", "pathological_t": None,
    "pathological_n": None, "pathological_m": None, "metastatic_sites": "none",
    "neoadjuvant": False, "ypt": None, "ypn": None, "neoadjuvant_agents": None,
    "neoadjuvant_response": None,
}  # fmt: skip
STAGE_PACKAGED = {"stage.t": "T2", "stage.n": "N0", "stage.anatomic": "IIA"}
STAGE_MUTATED = {"stage.t": "T1c", "stage.n": "N0", "stage.anatomic": "IA"}


def _stage_one_patient() -> dict[str, Any]:
    tumour = {"size_mm": 22, "nodes_positive": 0, "nodes_examined": 5, "clinical_m": "M0"}
    s = stage.pathological(Case.model_validate({"tumour": tumour}))
    return {"stage.t": s.t, "stage.n": s.n, "stage.anatomic": s.anatomic}


def _stage_cohort() -> dict[str, Any]:
    return _cohort(STAGE_ROW, tuple(STAGE_PACKAGED))


def test_both_engines_follow_a_staging_threshold_changed_in_a_copy_of_the_knowledge(
    tmp_path: Path,
) -> None:
    assert _stage_one_patient() == STAGE_PACKAGED
    assert _stage_cohort() == STAGE_PACKAGED
    copy = _copy(tmp_path)
    path = copy / "classification/staging.yaml"
    text = path.read_text(encoding="utf-8")
    bound = "{when: {fact: size, op: lte, value: 20}, then: {category: T1c}}"
    assert text.count(bound) == 1
    path.write_text(text.replace(bound, bound.replace("20", "25")), encoding="utf-8")
    with knowledge_from(copy):
        assert _stage_one_patient() == STAGE_MUTATED
        assert _stage_cohort() == STAGE_MUTATED
        # the recorded category is checked against the mutated bound too
        tumour = {"size_mm": 22, "pathological_t": "T2", "nodes_positive": 0, "clinical_m": "M0"}
        s = stage.pathological(Case.model_validate({"tumour": tumour}))
        assert s.t is None and [m.field for m in s.missing] == ["tumour.pathological_t"]
    assert _stage_one_patient() == STAGE_PACKAGED


def test_an_anatomic_stage_row_changed_in_a_copy_is_followed_by_both_engines(
    tmp_path: Path,
) -> None:
    """The first-match walk over ajcc8_anatomic_stage.yaml is the table's: a row edited in a
    copy (T2 N0 M0 moved from IIA to IIB, a deliberate error) changes both engines."""
    copy = _copy(tmp_path)
    path = copy / "ajcc8_anatomic_stage.yaml"
    row = "{id: anat-IIA-b, t: [T2], n: [N0], m: M0, stage: IIA}"
    text = path.read_text(encoding="utf-8")
    assert text.count(row) == 1
    path.write_text(text.replace(row, row.replace("IIA}", "IIB}")), encoding="utf-8")
    with knowledge_from(copy):
        assert _stage_one_patient()["stage.anatomic"] == "IIB"
        assert _stage_cohort()["stage.anatomic"] == "IIB"


def test_staging_tables_keep_prompts_naming_the_setting_field() -> None:
    """Variants bind one set of rows to each setting's case fields."""
    t = active()
    d = decide(t["n_category.post_neoadjuvant"], {"recorded": None, "nodes": 0, "examined": 0})
    assert d.outputs["category"] is None
    assert [m.field for m in d.missing] == ["treatment.neoadjuvant.ypn"]
    d = decide(t["t_category.clinical"], {"recorded": "T1c", "size": 35.0})
    assert d.outputs["category"] is None
    assert [m.field for m in d.missing] == ["tumour.clinical_t"]
    assert d.missing[0].reason.en == (
        "recorded T1c contradicts tumour.clinical_size_mm (T2); correct one"
    )


def test_a_lookup_scanned_for_one_patient_equals_its_key_index() -> None:
    """One patient scans a lookup's entries in order (``Lookup.find``); the polars compiler
    reads the key index (``Lookup.index``). For every packaged lookup, combinations of each
    input's listed values, one value no entry lists and 'not recorded' give the same entry
    both ways: every combination of a small lookup, 20 000 seeded random ones of a large one
    (the prognostic cells have 71 680), plus each entry's own first listed values."""
    import random
    from itertools import product

    lookups = [
        row.lookup
        for table in load_tables().tables.values()
        for row in table.rows
        if row.lookup is not None
    ]
    assert lookups, "the staging tables hold lookups"
    rng = random.Random(20261205)
    for lookup in lookups:
        domains = [[*codes, "__not_listed__", None] for codes in lookup.codes]
        size = 1
        for d in domains:
            size *= len(d)
        combos: list[tuple[Any, ...]]
        if size <= 20_000:
            combos = list(product(*domains))
        else:
            combos = [tuple(rng.choice(d) for d in domains) for _ in range(20_000)]
        combos += [tuple(None if a is None else a[0] for a in e) for e in lookup.entries]
        for combo in combos:
            facts = dict(zip(lookup.inputs, combo, strict=True))
            assert lookup.find(facts) == lookup.find_indexed(facts), facts
