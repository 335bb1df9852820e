"""NPI and CTS5 population reasons and prompts as data (the ``npi_*`` / ``cts5_*`` tables of
knowledge/classification/prognostic_scores.yaml): the prognosis section (one patient,
prognosis/scores.py) and the cohort engine (compiled) run the same tables; a bound changed in a
copy of the knowledge is followed by both."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from breastcds import assess, examples
from breastcds.cohort import engine
from breastcds.cohort.schema import COLUMNS
from breastcds.cohort.validate import canonical_dtype, prepare
from breastcds.concordance import course
from breastcds.knowledge.rule_tables import knowledge_from
from breastcds.model.parse import parse_case
from breastcds.prognosis.cts5 import RISK_BAND_PCT
from breastcds.prognosis.scores import VALUES
from tests.cohort.expected import expected
from tests.cohort.strategies import SIMPLE
from tests.cohort.test_course_columns import VIGNETTES, case_to_row
from tests.knowledge.copies import edited_copy

SCORE_COLUMNS = (
    *(f"{s}.{k}" for s in ("npi", "cts5") for k in ("status", "not_applicable", "missing")),
    *VALUES["npi"], *VALUES["cts5"],
)  # fmt: skip

#: An ER-positive woman after breast-conserving surgery with every NPI and CTS5 input.
ROW: dict[str, Any] = {
    "case_id": "s", "sex": "female", "age_years": 58, "menopausal_status": "post",
    "size_mm": 22.0, "grade": 2, "nodes_positive": 2, "nodes_examined": 12,
    "er_percent": 90.0, "pr_percent": 60.0, "her2_ihc": 1, "ki67_percent": 20.0,
    "surgery_type": "breast_conserving",
}  # fmt: skip

_SCORE_INPUTS = (
    "sex", "age_years", "metastatic_sites", "clinical_m", "pathological_m", "dcis_only",
    "surgery_type", "decision_point", "size_mm", "nodes_positive", "grade", "er_percent",
)  # fmt: skip


def _frame(rows: list[dict[str, Any]]) -> pl.DataFrame:
    schema = {c.name: canonical_dtype(c) if c.kind not in ("list", "enum_list") else pl.String()
              for c in COLUMNS}  # fmt: skip
    return pl.DataFrame(rows, schema=schema)


def _both(rows: list[dict[str, Any]]) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(cohort engine, assess) score columns of each valid row."""
    frame = _frame([{**r, "case_id": r.get("case_id") or f"S{i}"} for i, r in enumerate(rows)])
    results = {r["row"]: r for r in engine.run_batch(frame).results.to_dicts()}
    valid, _ = prepare(frame)
    out = []
    for row in valid.to_dicts():
        want, got = expected(row), results[row["row"]]
        out.append(({k: got[k] for k in SCORE_COLUMNS}, {k: want[k] for k in SCORE_COLUMNS}))
    return out


def test_a_complete_row_computes_both_scores_in_both_engines() -> None:
    [(got, want)] = _both([ROW])
    assert got == want
    assert got["npi.status"] == got["cts5.status"] == "computed"


def test_every_population_reason_is_coded_in_both_engines_in_file_order() -> None:
    """A man with distant metastases, pure DCIS, after neoadjuvant therapy, without surgery,
    ER-negative: every population reason at once."""
    row = {**ROW, "sex": "male", "metastatic_sites": "bone", "clinical_m": "M1",
           "dcis_only": True, "size_mm": None, "neoadjuvant": True, "surgery_type": "none",
           "er_percent": 0.0, "pr_percent": 0.0, "menopausal_status": None}  # fmt: skip
    [(got, want)] = _both([row])
    assert got == want
    common = ["male", "metastatic", "dcis_only", "neoadjuvant", "no_surgery"]
    assert got["npi.not_applicable"] == common
    assert got["cts5.not_applicable"] == [*common, "er_negative"]
    assert got["npi.missing"] is None


def test_missing_inputs_are_asked_for_in_table_order_in_both_engines() -> None:
    """Sex, ER, age, size, grade and nodes not recorded (nothing rules the scores out)."""
    unrecorded = ("sex", "er_percent", "pr_percent", "age_years", "size_mm", "grade",
                  "nodes_positive", "nodes_examined")  # fmt: skip
    row = {**ROW, **dict.fromkeys(unrecorded)}
    [(got, want)] = _both([row])
    assert got == want
    assert got["npi.status"] == "needs_data"
    assert got["npi.missing"] == ["patient.sex", "tumour.size_mm", "tumour.nodes_positive",
                                  "tumour.grade"]  # fmt: skip
    assert got["cts5.missing"] == [
        "patient.sex", "biomarkers.er_percent", "patient.age_years", "tumour.size_mm",
        "tumour.grade", "tumour.nodes_positive",
    ]  # fmt: skip


def test_values_of_a_batch_equal_the_correctly_rounded_formula() -> None:
    """NPI = (size + 50 x (stage + grade)) / 50 in both engines over a batch: 1 mm, 1 node,
    grade 2 is 201 / 50 = 4.02 (polars' column-by-scalar division, a product with the
    reciprocal, would give 4.0200000000000005); 20 mm, 0 nodes, grade 2 is exactly 3.4, "good"
    (Blamey 2007: good > 2.4-3.4)."""
    rows = [{**ROW, "size_mm": 1.0, "nodes_positive": 1, "grade": 2}] * 3
    rows += [{**ROW, "size_mm": 20.0, "nodes_positive": 0, "grade": 2}] * 3
    pairs = _both(rows)
    assert all(got == want for got, want in pairs)
    # one correctly rounded IEEE-754 division each (the same on every machine)
    assert [p[0]["npi.index"] for p in pairs] == [201 / 50] * 3 + [170 / 50] * 3
    assert [p[0]["npi.group"] for p in pairs][3:] == ["good"] * 3


def test_an_invasive_size_of_0_mm_is_an_input_reason_after_the_prompts() -> None:
    zero = {**ROW, "size_mm": 0.0}
    [(got, want)] = _both([zero])
    assert got == want
    assert got["npi.not_applicable"] == ["size_zero"]
    assert got["cts5.not_applicable"] == ["size_or_age_zero"]
    # a missing input comes first: the score needs data, the size reason waits
    [(got, want)] = _both([{**zero, "grade": None}])
    assert got == want
    assert (got["npi.status"], got["npi.missing"]) == ("needs_data", ["tumour.grade"])


@st.composite
def _score_rows(draw: st.DrawFn) -> dict[str, Any]:
    row: dict[str, Any] = {**ROW}
    for name in _SCORE_INPUTS:
        if draw(st.booleans()):
            row[name] = draw(SIMPLE[name])
    row["neoadjuvant"] = draw(st.sampled_from([None, None, None, False, True]))
    return row


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(drawn=st.lists(_score_rows(), min_size=1, max_size=8))
def test_scores_agree_on_random_rows_with_missing_values(drawn: list[dict[str, Any]]) -> None:
    for got, want in _both(drawn):
        assert got == want


def test_bundled_examples_and_course_vignettes_agree() -> None:
    """Every bundled example and public course vignette the flat table can hold."""
    cases = [parse_case(examples.load(n)) for n in examples.names()]
    cases += [parse_case(course.to_case(v)) for v in json.loads(VIGNETTES.read_text("utf-8"))]
    rows = [{**case_to_row(c), "case_id": f"C{i}"} for i, c in enumerate(cases)]
    pairs = _both(rows)
    assert len(pairs) >= 30
    for got, want in pairs:
        assert got == want
    statuses = {p[0]["npi.status"] for p in pairs} | {p[0]["cts5.status"] for p in pairs}
    assert statuses == {"computed", "not_applicable", "needs_data"}


def _size_bound(tmp_path: Path, bound: float) -> Path:
    """A copy of the knowledge where NPI is not applicable to invasive sizes <= ``bound`` mm
    (packaged: <= 0, an invasive tumour is needed)."""

    def edit(data: Any) -> None:
        (table,) = [t for t in data["tables"] if t["id"] == "npi_input_size"]
        row = table["rows"][1]
        assert row["when"] == {"fact": "size", "op": "lte", "value": 0}
        row["when"]["value"] = bound

    return edited_copy(tmp_path, "classification/prognostic_scores.yaml", edit)


def test_a_bound_changed_in_a_copy_is_followed_by_both_engines(tmp_path: Path) -> None:
    row = {**ROW, "size_mm": 5.0}
    [(got, _)] = _both([row])
    assert got["npi.status"] == "computed"
    with knowledge_from(_size_bound(tmp_path, 5)):
        [(got, want)] = _both([row])
        assert got == want
        assert (got["npi.status"], got["npi.not_applicable"]) == ("not_applicable", ["size_zero"])
        npi = assess(_case(row)).sections.prognosis.npi
        assert npi.reasons == ["invasive size 5 mm: NPI needs > 0"]
        assert got["cts5.status"] == "computed"  # CTS5 has its own tables
    [(got, _)] = _both([row])
    assert got["npi.status"] == "computed"  # the packaged tables again


def _case(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "patient": {"sex": "female", "age_years": row["age_years"], "menopausal_status": "post"},
        "tumour": {"size_mm": row["size_mm"], "grade": row["grade"],
                   "nodes_positive": row["nodes_positive"], "nodes_examined": 12},
        "biomarkers": {"er_percent": row["er_percent"], "pr_percent": 60, "her2_ihc": 1},
        "treatment": {"surgery": {"type": "breast_conserving"}},
    }  # fmt: skip


def _cts5_low_upper(tmp_path: Path, bound: float) -> Path:
    """A copy of the knowledge whose CTS5 low-risk group ends below ``bound`` (packaged: 3.13,
    Dowsett et al., J Clin Oncol 2018)."""

    def edit(data: Any) -> None:
        assert data["parameters"]["cts5_low_upper"]["value"] == pytest.approx(3.13, abs=0)
        data["parameters"]["cts5_low_upper"]["value"] = bound

    return edited_copy(tmp_path, "derived_facts.yaml", edit)


def test_a_formula_bound_changed_in_a_copy_is_followed_by_both_engines(tmp_path: Path) -> None:
    """CTS5 of 60 years, 20 mm, grade 2, node-negative: 0.988 x (0.093 x 20 - 0.001 x 400 +
    0.375 x 2 + 0.017 x 60) = 0.988 x 3.23 = 3.19124, intermediate (3.13-3.86); with the low
    group raised to < 3.5 in a copy it is low in both engines."""
    row = {**ROW, "age_years": 60, "size_mm": 20.0, "nodes_positive": 0, "grade": 2}
    [(got, want)] = _both([row])
    assert got == want
    assert got["cts5.score"] == pytest.approx(3.19124, rel=1e-12)
    assert got["cts5.risk_group"] == "intermediate"
    with knowledge_from(_cts5_low_upper(tmp_path, 3.5)):
        [(got, want)] = _both([row])
        assert got == want
        assert got["cts5.risk_group"] == "low"
        cts5 = assess(_case(row)).sections.prognosis.cts5
        assert (cts5.risk_group, cts5.risk_band_pct) == ("low", RISK_BAND_PCT["low"])
    [(got, _)] = _both([row])
    assert got["cts5.risk_group"] == "intermediate"  # the packaged definitions again
