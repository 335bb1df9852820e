"""The PREDICT input mapping as data (knowledge/classification/predict_mapping.yaml, run by
rule_tables): the prognosis section (one patient) and the cohort engine (polars) run the same
tables. A size of 0 mm asks for the invasive size in both; a threshold changed in a copy of the
knowledge is followed by both."""

from __future__ import annotations

import math
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from breastcds import assess
from breastcds.cohort import engine
from breastcds.cohort.schema import COLUMNS
from breastcds.cohort.validate import canonical_dtype, prepare
from breastcds.entrypoint import classify
from breastcds.knowledge.rule_tables import knowledge_from
from breastcds.model.parse import parse_case
from breastcds.prognosis.mapping import input_limits, map_case
from breastcds.prognosis.predict import PredictInputs
from breastcds.prognosis.section import run_model
from tests.cohort.expected import ABS_TOL, REL_TOL, expected
from tests.cohort.strategies import SIMPLE
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


# --------------------------------------------------------------------------------------------
# Who PREDICT is for (the predict_population_* tables), run by both engines
# --------------------------------------------------------------------------------------------


def _lowered_upper_age(tmp_path: Path, age_max: int) -> Path:
    """A copy of the knowledge whose PREDICT upper age bound is ``age_max`` years (packaged:
    85, WintonCentre/predict-v21-main state/config.cljs)."""

    def edit(data: Any) -> None:
        assert data["input_limits"]["age_years"]["max"] == 85
        data["input_limits"]["age_years"]["max"] = age_max

    return edited_copy(tmp_path, "predict_coefficients.yaml", edit)


def _cohort_predict(row: dict[str, Any]) -> dict[str, Any]:
    res = engine.run_batch(pl.DataFrame([row])).results.to_dicts()[0]
    return {k: res[k] for k in ("predict.status", "predict.not_applicable", "predict.missing")}


def test_an_upper_age_bound_changed_in_a_copy_is_followed_by_both_engines(
    tmp_path: Path,
) -> None:
    row = {**ROW, "age_years": "82"}
    case = parse_case(_case(row))
    # packaged: 82 is within the official 25-85 years
    assert map_case(case, classify(case)).status == "mapped"
    assert _cohort_predict(row)["predict.status"] == "computed"
    with knowledge_from(_lowered_upper_age(tmp_path, 80)):
        m = map_case(case, classify(case))
        assert m.status == "not_applicable"
        assert m.reason_codes == ("age_range",)
        assert m.reasons[0].startswith(
            "age 82 years is outside the official input range [25, 80] years"
        )
        assert _cohort_predict(row) == {
            "predict.status": "not_applicable",
            "predict.not_applicable": ["age_range"],
            "predict.missing": None,
        }
        valid, _ = prepare(pl.DataFrame([row]))
        assert expected(valid.to_dicts()[0])["predict.not_applicable"] == ["age_range"]
    assert _cohort_predict(row)["predict.status"] == "computed"  # the packaged bound again


def test_every_population_reason_is_coded_and_worded_in_both_engines() -> None:
    """A man with distant metastases, pure DCIS in both breasts after neoadjuvant therapy,
    without surgery, aged 90: every reason at once, in the order of the knowledge file."""
    row = {**ROW, "sex": "male", "age_years": "90", "metastatic_sites": "bone",
           "clinical_m": "M1", "dcis_only": "true", "laterality": "bilateral",
           "neoadjuvant": "true", "surgery_type": "none", "size_mm": None,
           "menopausal_status": None}  # fmt: skip
    valid, errors = prepare(pl.DataFrame([row]))
    assert errors.height == 0, errors.to_dicts()
    want = expected(valid.to_dicts()[0])
    got = _cohort_predict(row)
    # no_size is not a reason for pure DCIS (its own reason); size_range needs a size
    codes = ["male", "metastatic", "dcis_only", "bilateral", "neoadjuvant", "no_surgery",
             "age_range"]  # fmt: skip
    assert got["predict.not_applicable"] == want["predict.not_applicable"] == codes


_POPULATION_COLUMNS = (
    "sex", "age_years", "metastatic_sites", "clinical_m", "pathological_m", "dcis_only",
    "laterality", "surgery_type", "decision_point", "size_mm", "nodes_positive",
    "nodes_micrometastases_only", "mean_heart_dose_gy", "er_percent", "current_smoker",
    "menopausal_status", "grade", "detection", "her2_ihc", "her2_ihc0_staining",
)  # fmt: skip
_PREDICT_COLUMNS = ("predict.status", "predict.not_applicable", "predict.missing",
                    "predict.regimen", "predict.os.10y", "predict.benefit.15y")  # fmt: skip


#: ROW with typed values (as the hypothesis strategies draw them)
_TYPED: dict[str, Any] = {
    **ROW, "age_years": 58, "size_mm": 22.0, "grade": 2, "nodes_positive": 2,
    "nodes_examined": 12, "er_percent": 90.0, "pr_percent": 60.0, "her2_ihc": 1,
    "ki67_percent": 20.0, "current_smoker": False,
}  # fmt: skip


def _typed_frame(rows: list[dict[str, Any]]) -> pl.DataFrame:
    schema = {c.name: canonical_dtype(c) if c.kind not in ("list", "enum_list") else pl.String()
              for c in COLUMNS}  # fmt: skip
    return pl.DataFrame(rows, schema=schema)


@st.composite
def _population_rows(draw: st.DrawFn) -> dict[str, Any]:
    row: dict[str, Any] = {**_TYPED}
    for name in _POPULATION_COLUMNS:
        if draw(st.booleans()):
            row[name] = draw(SIMPLE[name])
    row["neoadjuvant"] = draw(st.sampled_from([None, None, None, False, True]))
    return row


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(drawn=st.lists(_population_rows(), min_size=1, max_size=8))
def test_population_and_prompts_agree_on_random_rows_with_missing_values(
    drawn: list[dict[str, Any]],
) -> None:
    frame = _typed_frame([{**r, "case_id": f"P{i}"} for i, r in enumerate(drawn)])
    results = {r["row"]: r for r in engine.run_batch(frame).results.to_dicts()}
    valid, _ = prepare(frame)
    for row in valid.to_dicts():
        want, got = expected(row), results[row["row"]]
        for col in _PREDICT_COLUMNS:
            w, g = want[col], got[col]
            if isinstance(w, float) and isinstance(g, float):
                assert math.isclose(w, g, rel_tol=REL_TOL, abs_tol=ABS_TOL), (row, col)
            else:
                assert w == g, (row, col, w, g)


def test_an_upper_age_bound_widened_in_a_copy_is_followed_by_the_core_and_both_engines(
    tmp_path: Path,
) -> None:
    """The core's own input validation reads the active knowledge's limits (passed in by
    section.run_model), so a copy may widen a range, not only narrow it."""
    row = {**ROW, "age_years": "88"}
    case = parse_case(_case(row))
    assert _cohort_predict(row)["predict.not_applicable"] == ["age_range"]  # packaged: 25-85
    x = map_case(parse_case(_case(ROW)), classify(parse_case(_case(ROW)))).inputs("v3.2")
    x = PredictInputs.from_columns({**{k: getattr(x, k) for k in _V32}, "age": 88.0})
    assert not run_model_ok(x)  # the packaged limits refuse 88 years
    with knowledge_from(_lowered_upper_age(tmp_path, 90)):
        assert input_limits()["age_years"]["max"] == 90
        assert run_model_ok(x)
        p = assess(_case(row)).sections.prognosis
        assert (p.predict_v32.status, p.predict_v22.status) == ("computed", "computed")
        res = engine.run_batch(pl.DataFrame([row])).results.to_dicts()[0]
        assert res["predict.status"] == "computed"
        want = p.predict_v32.outcomes[-1].overall_survival_pct[10]
        assert math.isclose(res["predict.os.10y"], want, rel_tol=REL_TOL, abs_tol=ABS_TOL)
        assert map_case(case, classify(case)).status == "mapped"
    assert not run_model_ok(x)  # the packaged limits again


_V32 = ("age", "screen", "size", "grade", "nodes", "er", "pr", "her2", "ki67", "generation",
        "horm", "traz", "bis", "radio", "heart_gy", "smoker")  # fmt: skip


def run_model_ok(x: PredictInputs) -> bool:
    """Whether section.run_model (the core with the active limits) accepts ``x``."""
    try:
        run_model("v3.2", x)
    except ValueError:
        return False
    return True


def test_every_input_limit_the_core_validates_is_read_by_a_table() -> None:
    """The core's limits come from the tables only (none falls back to the package)."""
    assert input_limits() == {
        "age_years": {"min": 25, "max": 85}, "size_mm": {"min_exclusive": 0, "max": 500},
        "nodes": {"min": 0, "max": 100}, "heart_gy": {"min": 0, "max": 50},
    }  # fmt: skip
