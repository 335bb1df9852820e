"""One staging definition, two backends: the per-patient classifier (classify/stage.py,
``rule_tables.decide``) and the cohort columns (cohort/facts.py, ``rule_tables.to_polars``)
run the same tables of knowledge/classification/staging*.yaml; on random T/N/M, size and node
inputs (valid cases only) they give the same T, N, M and anatomic stage in both settings."""

from __future__ import annotations

from typing import Any, get_args

import polars as pl
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from breastcds.classify import stage
from breastcds.cohort import facts as F
from breastcds.model.case import Case, MCategory, NCategory, TCategory
from breastcds.model.codes import MetastaticSite
from breastcds.model.errors import CaseValidationError

T = list(get_args(TCategory))
N = list(get_args(NCategory))
M = list(get_args(MCategory))
SITES = [s.value for s in MetastaticSite]


def _maybe(values: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.none(), values)


# sizes around every pT bound (0, 1, 5, 10, 20, 50 mm) and in between
SIZE = _maybe(st.one_of(st.sampled_from([0, 0.5, 1, 1.01, 5, 5.1, 10, 10.5, 20, 20.1, 50, 50.1]),
                        st.floats(0, 200, allow_nan=False)))  # fmt: skip
COUNT = _maybe(st.integers(0, 30))

PATIENT = st.fixed_dictionaries({
    "neoadjuvant": st.booleans(), "pathological_t": _maybe(st.sampled_from(T)),
    "pathological_n": _maybe(st.sampled_from(N)), "pathological_m": _maybe(st.sampled_from(M)),
    "ypt": _maybe(st.sampled_from(T)), "ypn": _maybe(st.sampled_from(N)),
    "clinical_t": _maybe(st.sampled_from(T)), "clinical_n": _maybe(st.sampled_from(N)),
    "clinical_m": _maybe(st.sampled_from(M)), "size_mm": SIZE, "clinical_size_mm": SIZE,
    "dcis_only": _maybe(st.booleans()), "nodes_positive": COUNT, "nodes_examined": COUNT,
    "nodes_micrometastases_only": _maybe(st.booleans()),
    "metastatic_sites": _maybe(st.lists(st.sampled_from(SITES), max_size=3, unique=True)),
})  # fmt: skip

TUMOUR = ("pathological_t", "pathological_n", "pathological_m", "clinical_t", "clinical_n",
          "clinical_m", "size_mm", "clinical_size_mm", "dcis_only", "nodes_positive",
          "nodes_examined", "nodes_micrometastases_only", "metastatic_sites")  # fmt: skip


def _case(p: dict[str, Any]) -> Case | None:
    tumour = {k: p[k] for k in TUMOUR if p[k] is not None}
    treatment: dict[str, Any] = {}
    if p["neoadjuvant"]:
        treatment["neoadjuvant"] = {"agents": ["paclitaxel"], "ypt": p["ypt"], "ypn": p["ypn"]}
    try:
        return Case.model_validate({"tumour": tumour, "treatment": treatment})
    except (CaseValidationError, ValueError):
        return None


SCHEMA = {
    "neoadjuvant": pl.Boolean, "size_mm": pl.Float64, "clinical_size_mm": pl.Float64,
    "dcis_only": pl.Boolean, "nodes_positive": pl.Int64, "nodes_examined": pl.Int64,
    "nodes_micrometastases_only": pl.Boolean, "metastatic_sites": pl.List(pl.String),
    **{k: pl.String for k in ("pathological_t", "pathological_n", "pathological_m", "ypt", "ypn",
                              "clinical_t", "clinical_n", "clinical_m")},
}  # fmt: skip
COLUMNS = (F.SP_SETTING, F.SP_T, F.SP_N, F.SP_M, F.SP_STAGE, F.SC_T, F.SC_N, F.SC_M, F.SC_STAGE)


def _cohort(patients: list[dict[str, Any]]) -> list[dict[str, Any]]:
    frame = pl.DataFrame(patients, schema=SCHEMA).lazy()
    frame = frame.with_columns(F.stage_columns(pl.col("neoadjuvant").eq(True).fill_null(False)))
    frame = frame.with_columns(
        F.anatomic_stage(pl.col(F.SP_T), pl.col(F.SP_N), pl.col(F.SP_M)).alias(F.SP_STAGE),
        F.anatomic_stage(pl.col(F.SC_T), pl.col(F.SC_N), pl.col(F.SC_M)).alias(F.SC_STAGE),
    )
    return frame.select(COLUMNS).collect().to_dicts()


def _one(case: Case) -> dict[str, Any]:
    p, c = stage.pathological(case), stage.clinical(case)
    return dict(zip(COLUMNS, (p.setting, p.t, p.n, p.m, p.anatomic, c.t, c.n, c.m, c.anatomic),
                    strict=True))  # fmt: skip


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(patients=st.lists(PATIENT, min_size=1, max_size=25))
def test_per_patient_and_polars_staging_agree(patients: list[dict[str, Any]]) -> None:
    cases = [(p, _case(p)) for p in patients]
    valid = [(p, c) for p, c in cases if c is not None]
    assume(valid)
    got = _cohort([p for p, _ in valid])
    for (p, c), row in zip(valid, got, strict=True):
        assert row == _one(c), p


def test_the_tables_decide_every_recorded_category_alone() -> None:
    """Each recorded T/N/M category on its own, through both backends."""
    patients = [
        {**dict.fromkeys(SCHEMA), "neoadjuvant": False, "pathological_t": t, "clinical_t": t,
         "pathological_n": n, "clinical_n": n, "clinical_m": m}
        for t in T for n in N for m in M
    ]  # fmt: skip
    got = _cohort(patients)
    for p, row in zip(patients, got, strict=True):
        case = _case(p)
        assert case is not None
        assert row == _one(case), p
