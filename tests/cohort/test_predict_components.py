"""Which treatments PREDICT shows, as data (the ``predict_component_*`` tables of
knowledge/classification/predict_mapping.yaml): the prognosis section (one patient) and the
cohort engine (the regimen, compiled) run the same tables, and follow a row changed in a copy
of the knowledge.

Expected values from the official R code (WintonCentre/predict-v30-r, commit 42223bc,
R/benefits32.R): h <- ifelse(horm==1 & er==1, ...), t <- ifelse(her2==1 & traz==1, ...),
b <- ifelse(bis==1, ...) "# Only applicable to menopausal women.", r with radio==1 and
log(r.other) x heart.gy; regimen names put the letters in the order r-h-c-t-b ("rhctb").
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl
import pytest

from breastcds import assess
from breastcds.cohort import engine
from breastcds.cohort.validate import prepare
from breastcds.entrypoint import classify
from breastcds.knowledge.loader import KnowledgeError
from breastcds.knowledge.rule_tables import active, knowledge_from
from breastcds.model.parse import parse_case
from breastcds.prognosis.mapping import (
    COMPONENT_PREFIX,
    LETTER,
    ORDER,
    component_tables,
    map_case,
)
from tests.cohort.expected import expected
from tests.knowledge.copies import edited_copy

# An ER-positive, HER2-negative perimenopausal woman with every PREDICT v3.2 input recorded and
# a mean heart dose of 2 Gy.
ROW: dict[str, Any] = {
    "case_id": "p", "sex": "female", "age_years": "48", "menopausal_status": "peri",
    "size_mm": "22", "grade": "2", "nodes_positive": "2", "nodes_examined": "12",
    "er_percent": "90", "pr_percent": "60", "her2_ihc": "1", "ki67_percent": "20",
    "detection": "symptomatic", "current_smoker": "false", "surgery_type": "breast_conserving",
    "mean_heart_dose_gy": "2",
}  # fmt: skip

CASE: dict[str, Any] = {
    "patient": {"sex": "female", "age_years": 48, "menopausal_status": "peri",
                "comorbidities": {"current_smoker": False}},
    "tumour": {"size_mm": 22.0, "grade": 2, "nodes_positive": 2, "nodes_examined": 12,
               "detection": "symptomatic"},
    "biomarkers": {"er_percent": 90, "pr_percent": 60, "her2_ihc": 1, "ki67_percent": 20.0},
    "treatment": {"surgery": {"type": "breast_conserving"}, "mean_heart_dose_gy": 2.0},
}  # fmt: skip


def _one_patient() -> tuple[dict[str, str], str]:
    """v3.2 component statuses and the full regimen of the section's last step."""
    p = assess(CASE).sections.prognosis.predict_v32
    return {c.treatment: c.status for c in p.components}, p.outcomes[-1].regimen


def _cohort() -> dict[str, Any]:
    return engine.run_batch(pl.DataFrame([ROW])).results.to_dicts()[0]


def _bisphosphonate_also_perimenopausal(tmp_path: Path) -> Path:
    """A copy whose bisphosphonate table includes perimenopausal women (packaged: not shown,
    'Only applicable to menopausal women', R/benefits32.R)."""

    def edit(data: Any) -> None:
        (table,) = [t for t in data["tables"] if t["id"] == "predict_component_bisphosphonate"]
        peri = table["rows"][-1]
        assert peri["then"] == {"status": "not_applicable", "letter": None}
        assert peri["reasons"][0]["en"].startswith("perimenopausal; ")
        peri["then"] = {"status": "included", "letter": "b"}

    return edited_copy(tmp_path, "classification/predict_mapping.yaml", edit)


def test_a_component_row_changed_in_a_copy_is_followed_by_both_engines(tmp_path: Path) -> None:
    # packaged: ER+ (h), chemotherapy always (c), HER2-negative (no t), perimenopausal (no b),
    # heart dose 2 Gy within 0-50 Gy (r): regimen "rhc" in the official letter order
    statuses, regimen = _one_patient()
    assert statuses == {"endocrine": "included", "chemotherapy": "included",
                        "trastuzumab": "not_applicable", "bisphosphonate": "not_applicable",
                        "radiotherapy": "included"}  # fmt: skip
    assert regimen == "rhc"
    got = _cohort()
    assert got["predict.regimen"] == "rhc"
    with knowledge_from(_bisphosphonate_also_perimenopausal(tmp_path)):
        statuses, regimen = _one_patient()
        assert statuses["bisphosphonate"] == "included"
        assert regimen == "rhcb"
        got = _cohort()
        assert got["predict.regimen"] == "rhcb"
        valid, _ = prepare(pl.DataFrame([ROW]))
        want = expected(valid.to_dicts()[0])
        assert want["predict.regimen"] == "rhcb"
        for y in (5, 10, 15):  # the same core on the same inputs: equal within 1e-12
            assert abs(got[f"predict.os.{y}y"] - want[f"predict.os.{y}y"]) <= 1e-12
            # bisphosphonate (log HR -0.198 on breast mortality) only adds survival
            assert got[f"predict.benefit.{y}y"] > 0
    assert _cohort()["predict.regimen"] == "rhc"  # the packaged tables again


def test_a_component_table_with_a_wrong_regimen_letter_is_refused_by_both_engines(
    tmp_path: Path,
) -> None:
    def edit(data: Any) -> None:
        (table,) = [t for t in data["tables"] if t["id"] == "predict_component_endocrine"]
        table["outputs"]["letter"] = ["x", None]
        table["rows"][0]["rows"][1]["then"]["letter"] = "x"

    with knowledge_from(edited_copy(tmp_path, "classification/predict_mapping.yaml", edit)):
        with pytest.raises(KnowledgeError, match=r"predict_component_endocrine.*'h'"):
            assess(CASE)
        with pytest.raises(KnowledgeError, match=r"predict_component_endocrine.*'h'"):
            _cohort()


def test_every_treatment_once_per_model_with_the_official_letter() -> None:
    tables = component_tables()
    assert [t.table.id for t in tables] == [
        "predict_component_endocrine", "predict_component_chemotherapy",
        "predict_component_trastuzumab", "predict_component_bisphosphonate",
        "predict_component_radiotherapy", "predict_component_radiotherapy_v22",
    ]  # fmt: skip
    for model in ("v2.2", "v3.2"):
        assert tuple(t.treatment for t in tables if model in t.models) == ORDER
    for t in tables:
        assert "WintonCentre/predict-v30-r" in t.table.source, t.table.id
        assert t.letter in (LETTER[t.treatment], None)
    # v2.2 has no radiotherapy term (R/benefits22.R: r.enabled <- 0): never included
    (v22,) = [t for t in tables if t.models == ("v2.2",)]
    assert v22.treatment == "radiotherapy" and v22.letter is None
    assert all(n.startswith(COMPONENT_PREFIX) for n in (t.table.id for t in tables))
    assert len([n for n in active().tables if n.startswith(COMPONENT_PREFIX)]) == len(tables)


@pytest.mark.parametrize(
    ("over", "component", "status", "field"),
    [
        ({"biomarkers": {"pr_percent": 60, "her2_ihc": 1}}, "endocrine", "needs_data",
         "biomarkers.er_percent"),
        ({"biomarkers": {"er_percent": 90, "pr_percent": 60, "her2_ihc": 2}}, "trastuzumab",
         "needs_data", "biomarkers.her2_*"),
        ({"patient": {"sex": "female", "age_years": 48,
                      "comorbidities": {"current_smoker": False}}},
         "bisphosphonate", "needs_data", "patient.menopausal_status"),
        ({"treatment": {"surgery": {"type": "breast_conserving"}}}, "radiotherapy",
         "needs_data", "treatment.mean_heart_dose_gy"),
        ({"treatment": {"surgery": {"type": "breast_conserving"}, "mean_heart_dose_gy": 55.0}},
         "radiotherapy", "not_applicable", None),
    ],
)  # fmt: skip
def test_a_component_that_cannot_be_judged_names_the_case_field(
    over: dict[str, Any], component: str, status: str, field: str | None
) -> None:
    case = parse_case({**CASE, **over})
    m = map_case(case, classify(case))
    (c,) = [c for c in m.components if c.treatment == component and "v3.2" in c.models]
    assert c.status == status
    assert c.missing == (() if field is None else (field,))
    assert component not in m.included("v3.2")
