"""One prognostic-stage definition, two backends: the AJCC 8 prognostic stage tables of
knowledge/classification/prognostic_stage.yaml (setting rows + the cell lookup over
knowledge/ajcc8_prognostic_stage.yaml) run per patient (``rule_tables.decide``, through
classify/prognostic_stage.py) and compiled over a frame (``rule_tables.to_polars``, as the
cohort engine does): the same stage, deciding row and prompts on random inputs, on the bundled
examples and public vignettes, and after a cell, a setting row or the recurrence-score bound is
changed in a temporary copy of the knowledge.

Expected stages below are quoted from the published tables (as in test_prognostic_stage.py):
SEERp = SEER EOD 2018 tnm_8_path_stage_group_breast_21522 row [T, N, M, grade, HER2, ER, PR,
Oncotype<11, stage].
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import polars as pl
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from breastcds import examples
from breastcds.classify import prognostic_stage as ps
from breastcds.cohort.engine import PROGNOSTIC, _asked, run_batch
from breastcds.concordance import biomarker, course, rt_omission, systemic
from breastcds.entrypoint import assess
from breastcds.knowledge.rule_tables import active, knowledge_from, to_polars
from breastcds.model.case import Case
from breastcds.model.parse import parse_case
from tests.cohort.expected import hand_built_results
from tests.cohort.test_course_columns import _frame, case_to_row
from tests.knowledge.copies import edited_copy

REFERENCE = Path(__file__).resolve().parents[2].parent / "shared" / "reference" / "domain"

T = ["TX", "Tis", "Tis(DCIS)", "T0", "T1mi", "T1a", "T1c", "T1", "T2", "T3", "T4b", "T4d"]
N = ["NX", "N0", "N0(i+)", "N0(mol-)", "N1mi", "N1a", "N1c", "N2a", "N3b"]
M = ["MX", "M0", "M0(i+)", "M1"]
HER2 = [None, "positive", "negative", "pending"]
RECEPTOR = [None, "positive", "low_positive", "negative", "not_recorded"]
# around the recurrence-score bound (11) and across the range
RS = st.one_of(st.none(), st.sampled_from([0, 10, 11, 12, 25]), st.integers(0, 100))

INPUT = st.fixed_dictionaries({
    "t": st.sampled_from(T), "n": st.sampled_from(N), "m": st.sampled_from(M),
    "post_therapy": st.booleans(), "neoadjuvant": st.sampled_from([None, True, False]),
    "grade": st.sampled_from([None, 1, 2, 3]), "her2_status": st.sampled_from(HER2),
    "er_status": st.sampled_from(RECEPTOR), "pr_status": st.sampled_from(RECEPTOR), "rs": RS,
})  # fmt: skip
SCHEMA = {"t": pl.String, "n": pl.String, "m": pl.String, "post_therapy": pl.Boolean,
          "neoadjuvant": pl.Boolean, "grade": pl.Int64, "her2_status": pl.String,
          "er_status": pl.String, "pr_status": pl.String, "rs": pl.Int64}  # fmt: skip


def _patient(table: str, i: dict[str, Any]) -> tuple[Any, ...]:
    prefix = "yp" if i["post_therapy"] else ""
    r = ps.setting_stage(
        table,  # type: ignore[arg-type]
        prefix + i["t"],
        prefix + i["n"],
        i["m"],
        i["grade"],
        i["her2_status"],
        i["er_status"],
        i["pr_status"],
        *((i["rs"], i["neoadjuvant"]) if table == "pathological" else ()),
    )
    return r.stage, r.code, r.row_id, [field for field, _ in r.prompts]


def _compiled(table: str, inputs: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    """The table compiled over a frame of the same inputs (as cohort/engine.py binds them)."""
    t = active()[f"prognostic_stage.{table}"]
    frame = pl.DataFrame(inputs, schema=SCHEMA)
    c = pl.col
    bound = {"t_text": c("t"), "n_text": c("n"), **{k: c(k) for k in SCHEMA}}
    fields = _asked(t)
    out = to_polars(t, bound, ["stage", "code", "row"], asks=fields)
    got = frame.select(
        out["stage"].alias("stage"),
        out["code"].alias("code"),
        out["row"].alias("row"),
        *[out[f"asks:{f}"].alias(f) for f in fields],
    ).to_dicts()
    rows = ps.prognostic_tables().tables[table].rows  # type: ignore[index]
    return [
        (
            g["stage"],
            g["code"],
            None if g["row"] is None else rows[int(g["row"])].row_id(table),  # type: ignore[arg-type]
            [f for f in fields if g[f]],
        )
        for g in got
    ]


@pytest.mark.parametrize("table", ["clinical", "pathological"])
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(inputs=st.lists(INPUT, min_size=1, max_size=30))
def test_per_patient_and_polars_prognostic_tables_agree(
    table: str, inputs: list[dict[str, Any]]
) -> None:
    got = _compiled(table, inputs)
    for i, row in zip(inputs, got, strict=True):
        assert row == _patient(table, i), i


@pytest.mark.parametrize("table", ["clinical", "pathological"])
def test_every_cell_of_both_tables_through_both_backends(table: str) -> None:
    """Each M0 cell (T x N x grade x HER2 x ER x PR, the T/N categories of every group), M1 and
    Tis: the compiled lookup gives the interpreter's stage and row."""
    inputs = [
        {"t": t, "n": n, "m": m, "post_therapy": False, "neoadjuvant": False, "grade": g,
         "her2_status": h, "er_status": e, "pr_status": p, "rs": None}
        for t in ("Tis", "T0", "T1c", "T2", "T3", "T4a")
        for n in ("N0", "N1mi", "N1a", "N2a", "N3a")
        for m in ("M0", "M1") for g in (1, 2, 3) for h in ("positive", "negative")
        for e in ("positive", "negative") for p in ("positive", "negative")
    ]  # fmt: skip
    got = _compiled(table, inputs)
    for i, row in zip(inputs, got, strict=True):
        assert row == _patient(table, i), i
    assigned = [r for r in got if r[0] is not None]
    assert len({r[2] for r in assigned}) == len(ps.prognostic_tables().tables[table].rows)  # type: ignore[index]


# --------------------------------------------------------------------------------------------
# The bundled examples and the public vignettes, through the cohort table
# --------------------------------------------------------------------------------------------


def _vignette_cases() -> list[tuple[str, Case]]:
    cases = [(f"example:{name}", parse_case(examples.load(name))) for name in examples.names()]
    for file, kind in (("biomarker_vignettes_public.json", biomarker),
                       ("course_vignettes_public.json", course),
                       ("rt_vignettes_public.json", rt_omission),
                       ("systemic_vignettes_public.json", systemic)):  # fmt: skip
        for v in json.loads((REFERENCE / file).read_text(encoding="utf-8")):
            if kind.matches(v):
                cases.append((f"{file}:{v['id']}", parse_case(kind.to_case(v))))
    return cases


CASES = _vignette_cases()


def test_examples_and_vignettes_are_found() -> None:
    assert sum(name.startswith("example:") for name, _ in CASES) == len(examples.names())
    assert len(CASES) > 100


def test_examples_and_vignettes_get_the_same_prognostic_stage_from_both_engines() -> None:
    """Each case written as a cohort row: the cohort's prognostic stage, deciding row and
    prompts of both settings equal what assess gives on the case itself."""
    rows = [case_to_row(case) for _, case in CASES]
    result = run_batch(_frame(rows))
    assert result.errors.height == 0, result.errors.to_dicts()
    got = {r["row"]: r for r in result.results.to_dicts()}
    assigned = 0
    for i, (name, case) in enumerate(CASES):
        a = assess(case)
        for setting, _, _, column in PROGNOSTIC:
            s = a.classification.stage_pathological
            if setting == "clinical":
                s = a.classification.stage_clinical
            assert s.prognostic is not None
            assert got[i][column] == s.prognostic.stage, (name, column)
            assert got[i][f"{column}.missing"] == [m.field for m in s.prognostic.missing], name
            assigned += s.prognostic.stage is not None
    assert assigned > 20  # the cases exercise the cell lookup, not only the setting rows


# --------------------------------------------------------------------------------------------
# A changed copy of the knowledge is followed by both engines
# --------------------------------------------------------------------------------------------

# T2 N0 M0, grade 2, HER2-negative (IHC 1+), ER 80 %, PR 50 %, surgery first (no neoadjuvant
# record), pN0 from 3 examined nodes; one row without and one with a recurrence score of 5.
ROW = {"size_mm": 30.0, "nodes_positive": 0, "nodes_examined": 3, "clinical_m": "M0",
       "grade": 2, "her2_ihc": 1, "er_percent": 80.0, "pr_percent": 50.0}  # fmt: skip
CELL = "{t_group: T2, n_group: N0, m: M0, grade: 2, her2: negative, er: positive, pr: positive"


def _both(rows: list[dict[str, Any]]) -> list[tuple[Any, Any]]:
    """(cohort, assess) pathological prognostic stage of each row; hand_built_results also
    checks every other output column against assess."""
    data = [{**r, "case_id": f"P{i}"} for i, r in enumerate(rows)]
    results = hand_built_results(data)
    out = []
    for d in data:
        a = assess(Case.model_validate({
            "tumour": {k: d.get(k) for k in ("size_mm", "nodes_positive", "nodes_examined",
                                             "clinical_m", "grade")},
            "biomarkers": {"her2_ihc": d["her2_ihc"], "er_percent": d["er_percent"],
                           "pr_percent": d["pr_percent"],
                           "genomics": {"oncotype_rs": d.get("oncotype_rs")}},
        }))  # fmt: skip
        out.append((results[d["case_id"]]["stage.prognostic_pathological"],
                    a.codes["stage.prognostic_pathological"]))  # fmt: skip
    return out


def _text_copy(tmp_path: Path, name: str, old: str, new: str) -> Path:
    def edit(_: Any) -> None:
        pass

    copy = edited_copy(tmp_path, name, edit)
    path = copy / name
    text = (Path(ps.__file__).parents[1] / "knowledge" / name).read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")
    return copy


def test_a_cell_changed_in_a_copy_is_followed_by_both_engines(tmp_path: Path) -> None:
    # SEERp ['2','0,0I+,0M+','0,0I+','1-2','0','1','1','*','1A']: T2 N0 G2 HER2- ER+ PR+ is IA.
    assert _both([ROW]) == [("IA", "IA")]
    old = CELL + ", stage: IA"
    copy = _text_copy(tmp_path, "ajcc8_prognostic_stage.yaml", old, CELL + ", stage: IIB")
    with knowledge_from(copy):
        assert _both([ROW]) == [("IIB", "IIB")]  # a deliberate error, followed by both
    assert _both([ROW]) == [("IA", "IA")]


def test_a_setting_row_changed_in_a_copy_is_followed_by_both_engines(tmp_path: Path) -> None:
    """The genomic-profile row widened to T3 (a deliberate error): T3 N0 ER+ HER2- with
    RS 5 becomes IA in both engines."""
    # SEERp ['3','0,0I+,0M+','0,0I+','3','0','1','1','*','2A']: T3 N0 G3 HER2- ER+ PR+ is IIA
    # (the RS note covers T1-T2 N0 only).
    t3 = {**ROW, "size_mm": 60.0, "grade": 3, "oncotype_rs": 5}
    assert _both([t3]) == [("IIA", "IIA")]
    old = "{fact: t_group, op: in, value: [T1, T2]}"
    yaml_name = "classification/prognostic_stage.yaml"
    copy = _text_copy(tmp_path, yaml_name, old, old.replace("T2]", "T2, T3]"))
    with knowledge_from(copy):
        assert _both([t3]) == [("IA", "IA")]


def test_the_recurrence_score_bound_changed_in_a_copy_is_followed_by_both_engines(
    tmp_path: Path,
) -> None:
    # SEERp ['2','0,0I+,0M+','0,0I+','2','0','1','0','NO','2A'] / YES -> 1A: T2 N0 G2 HER2-
    # ER+ PR- is IIA, IA with RS < 11; RS 15 is below a bound moved to 18 (a deliberate error).
    row = {**ROW, "pr_percent": 0.0, "oncotype_rs": 15}
    assert _both([row, {**row, "oncotype_rs": 10}]) == [("IIA", "IIA"), ("IA", "IA")]

    def edit(data: Any) -> None:
        data["parameters"]["oncotype_rs_below"] = 18

    copy = edited_copy(tmp_path, "ajcc8_prognostic_stage.yaml", edit)
    assert yaml.safe_load((copy / "ajcc8_prognostic_stage.yaml").read_text())["parameters"] == {
        "oncotype_rs_below": 18
    }
    with knowledge_from(copy):
        assert _both([row]) == [("IA", "IA")]
