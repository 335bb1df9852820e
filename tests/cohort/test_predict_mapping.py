"""The PREDICT input mapping as data (knowledge/classification/predict_mapping.yaml, run by
rule_tables): the prognosis section (one patient) and the cohort engine (polars) run the same
tables. A size of 0 mm asks for the invasive size in both; a threshold changed in a copy of the
knowledge is followed by both."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from breastcds import assess
from breastcds.cohort import engine
from breastcds.cohort.validate import prepare
from breastcds.entrypoint import classify
from breastcds.knowledge.rule_tables import knowledge_from
from breastcds.model.parse import parse_case
from breastcds.prognosis.mapping import map_case
from breastcds.prognosis.predict import PredictInputs
from breastcds.prognosis.section import run_model
from tests.cohort.expected import expected
from tests.knowledge.copies import edited_copy

# An ER-positive, HER2-negative woman with every PREDICT v3.2 input recorded.
ROW: dict[str, Any] = {
    "case_id": "p", "sex": "female", "age_years": "58", "menopausal_status": "post",
    "size_mm": "22", "grade": "2", "nodes_positive": "2", "nodes_examined": "12",
    "er_percent": "90", "pr_percent": "60", "her2_ihc": "1", "ki67_percent": "20",
    "detection": "symptomatic", "current_smoker": "false", "surgery_type": "breast_conserving",
}  # fmt: skip


def _case(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "patient": {"sex": "female", "age_years": int(row["age_years"]),
                    "menopausal_status": "post", "comorbidities": {"current_smoker": False}},
        "tumour": {"size_mm": float(row["size_mm"]), "grade": 2, "nodes_positive": 2,
                   "nodes_examined": 12, "detection": "symptomatic"},
        "biomarkers": {"er_percent": 90, "pr_percent": 60, "her2_ihc": 1,
                       "ki67_percent": float(row["ki67_percent"])},
        "treatment": {"surgery": {"type": "breast_conserving"}},
    }  # fmt: skip


def _cohort_inputs(row: dict[str, Any]) -> dict[str, Any]:
    valid, _ = prepare(pl.DataFrame([row]))
    frame = engine.evaluate(valid.lazy()).collect()
    return {k: frame[f"__p.{k}"][0] for k in ("size", "grade", "nodes", "er", "ki67", "screen")}


def test_size_zero_asks_for_a_size_above_zero_in_both_engines() -> None:
    row = {**ROW, "size_mm": "0"}
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no log(0) anywhere
        a = assess(_case(row))
        res = engine.run_batch(pl.DataFrame([row])).results.to_dicts()[0]
    p = a.sections.prognosis.predict_v32
    assert p.status == "needs_data"
    [asked] = [m for m in p.missing if m.field == "tumour.size_mm"]
    assert "> 0 mm" in asked.reason
    assert res["predict.status"] == "needs_data"
    assert res["predict.missing"] == ["tumour.size_mm"]
    assert res["predict.os.10y"] is None
    valid, _ = prepare(pl.DataFrame([row]))
    assert expected(valid.to_dicts()[0])["predict.missing"] == res["predict.missing"]


def test_the_smallest_positive_size_computes_without_overflow() -> None:
    """Any size in the official (0, 500] mm range gives finite figures: ln(size) - ln(100)
    in v2.2 (the reference's ln(size/100) underflows to ln(0) for a subnormal size)."""
    x = PredictInputs.from_columns({
        "age": 58.0, "screen": 0.0, "size": 5e-324, "grade": 2.0, "nodes": 2.0, "er": 1.0,
        "pr": 1.0, "her2": 0.0, "ki67": 1.0, "generation": 3.0, "horm": 1.0, "traz": 0.0,
        "bis": 1.0, "radio": 0.0, "heart_gy": 0.0, "smoker": 0.0,
    })  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for model in ("v2.2", "v3.2"):
            assert np.isfinite(run_model(model, x).cum_mort_all).all()


def _mutated(tmp_path: Path, above: float) -> Path:
    """A copy of the knowledge where Ki-67 counts as positive for PREDICT above ``above`` %."""

    def edit(data: Any) -> None:
        (table,) = [t for t in data["tables"] if t["id"] == "predict_ki67"]
        positive = table["rows"][1]
        assert positive["when"] == {"fact": "percent", "op": "gt", "value": 10}
        positive["when"]["value"] = above

    return edited_copy(tmp_path, "classification/predict_mapping.yaml", edit)


def test_a_mapping_threshold_changed_in_a_copy_is_followed_by_both_engines(
    tmp_path: Path,
) -> None:
    case = parse_case(_case(ROW))
    # packaged: Ki-67 20 % is more than 10 %: positive (1)
    assert map_case(case, classify(case)).values["ki67"] == 1
    assert _cohort_inputs(ROW)["ki67"] == 1
    with knowledge_from(_mutated(tmp_path, 25)):
        # the copy: positive only above 25 %, so 20 % is negative (0) in both engines
        assert map_case(case, classify(case)).values["ki67"] == 0
        assert _cohort_inputs(ROW)["ki67"] == 0
        res = engine.run_batch(pl.DataFrame([ROW])).results.to_dicts()[0]
        valid, _ = prepare(pl.DataFrame([ROW]))
        want = expected(valid.to_dicts()[0])
        assert abs(res["predict.os.10y"] - want["predict.os.10y"]) <= 1e-12
    assert _cohort_inputs(ROW)["ki67"] == 1  # the packaged tables again


def test_the_engines_map_the_same_inputs() -> None:
    case = parse_case(_case(ROW))
    per_patient = map_case(case, classify(case)).values
    cohort = _cohort_inputs(ROW)
    assert {k: per_patient[k] for k in cohort} == cohort
