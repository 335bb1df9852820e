"""The prognosis section through ``breastcds.assess``: official reference values, NPI and CTS5
hand calculations, not-applicable states, the renderer and the plot command.

Reference: /work/shared/reference/predict (outputs of the official R code ``benefits32`` /
``benefits22`` on patients_public.csv). The cases below are written so that their PREDICT inputs
equal a reference row; only regimens whose treatment flags match that row are compared.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from typer.testing import CliRunner

from breastcds import assess, examples
from breastcds.cli.main import app
from breastcds.prognosis.section import PrognosisSection

TOL_PCT = 1e-7  # the reference tolerance 1e-9 on probabilities, on the percent scale

# S1-0003: age 60, screen 2, size 95, grade 3, nodes 3, ER+, PR 9, HER2 0, Ki-67 0;
# generation 3, horm 1, traz 1, bis 1, radio 0, heart 1 Gy, smoker 1.
CASE_S1_0003: dict[str, Any] = {
    "case_id": "S1-0003",
    "patient": {
        "age_years": 60,
        "sex": "female",
        "menopausal_status": "post",
        "comorbidities": {"current_smoker": True},
    },
    "tumour": {
        "size_mm": 95,
        "grade": 3,
        "nodes_examined": 12,
        "nodes_positive": 3,
        "clinical_m": "M0",
    },
    "biomarkers": {
        "er_percent": 90,
        "her2_ihc": 0,
        "her2_ihc0_staining": "none",
        "ki67_percent": 5,
    },
    "treatment": {"surgery": {"type": "mastectomy", "axillary": "axillary_dissection"}},
}

# S1-0012: age 38, screen 1, size 77, grade 9, nodes 21, ER-, PR-, HER2+, Ki-67 0;
# generation 3, traz 1, bis 0, smoker 0.
CASE_S1_0012: dict[str, Any] = {
    "case_id": "S1-0012",
    "patient": {
        "age_years": 38,
        "sex": "female",
        "menopausal_status": "pre",
        "comorbidities": {"current_smoker": False},
    },
    "tumour": {
        "size_mm": 77,
        "nodes_examined": 25,
        "nodes_positive": 21,
        "clinical_m": "M0",
        "detection": "screen",
    },
    "biomarkers": {"er_percent": 0, "pr_percent": 0, "her2_ihc": 3, "ki67_percent": 5},
    "treatment": {"surgery": {"type": "mastectomy", "axillary": "axillary_dissection"}},
}


def prognosis_of(case: dict[str, Any]) -> PrognosisSection:
    section = assess(case).sections.prognosis
    assert isinstance(section, PrognosisSection)
    return section


@pytest.fixture(scope="module")
def ref_v3(reference_dir: Path) -> pl.DataFrame:
    return pl.read_csv(reference_dir / "predict" / "predict_v3_public.csv")


@pytest.fixture(scope="module")
def ref_v22(reference_dir: Path) -> pl.DataFrame:
    return pl.read_csv(reference_dir / "predict" / "predict_v22_public.csv")


def _ref(ref: pl.DataFrame, pid: str, regimen: str, year: int, column: str) -> float:
    row = ref.filter(
        (pl.col("pid") == pid) & (pl.col("regimen") == regimen) & (pl.col("year") == year)
    )
    assert row.height == 1, (pid, regimen, year)
    return float(row[column][0])


def test_reference_row_inputs_are_those_of_the_case(reference_dir: Path) -> None:
    patients = pl.read_csv(reference_dir / "predict" / "patients_public.csv")
    for case, pid in ((CASE_S1_0003, "S1-0003"), (CASE_S1_0012, "S1-0012")):
        row = patients.filter(pl.col("pid") == pid).row(0, named=True)
        inputs = prognosis_of(case).predict_v32.inputs
        for name in ("age", "screen", "size", "grade", "nodes", "er", "pr", "her2", "ki67"):
            assert inputs[name] == row[name], (pid, name)
        assert inputs["smoker"] == row["smoker"]


@pytest.mark.parametrize(
    ("case", "pid", "regimens"),
    [
        (CASE_S1_0003, "S1-0003", ["s", "h", "hc", "hcb"]),
        (CASE_S1_0012, "S1-0012", ["s", "c", "ct"]),
    ],
)
def test_v32_reproduces_the_official_reference(
    ref_v3: pl.DataFrame, case: dict[str, Any], pid: str, regimens: list[str]
) -> None:
    v32 = prognosis_of(case).predict_v32
    assert v32.status == "computed" and v32.model == "PREDICT v3.2"
    assert [o.regimen for o in v32.outcomes] == regimens
    for o in v32.outcomes:
        assert o.model == "PREDICT v3.2"
        for year in (5, 10, 15):
            all_ = _ref(ref_v3, pid, o.regimen, year, "cum_mort_all")
            breast = _ref(ref_v3, pid, o.regimen, year, "cum_mort_breast")
            other = _ref(ref_v3, pid, o.regimen, year, "cum_mort_other")
            assert abs(o.overall_survival_pct[year] - 100 * (1 - all_)) <= TOL_PCT
            assert o.breast_cancer_mortality_pct is not None
            assert o.other_mortality_pct is not None
            assert abs(o.breast_cancer_mortality_pct[year] - 100 * breast) <= TOL_PCT
            assert abs(o.other_mortality_pct[year] - 100 * other) <= TOL_PCT
    # surgery-only 10-year all-cause mortality, the headline figure
    s10 = _ref(ref_v3, pid, "s", 10, "cum_mort_all")
    assert abs(v32.outcomes[0].overall_survival_pct[10] - 100 * (1 - s10)) <= TOL_PCT
    # incremental benefit of each step = difference of the reference mortalities
    for prev, cur in zip(v32.outcomes, v32.outcomes[1:], strict=False):
        assert cur.added_benefit_pp is not None
        for year in (5, 10, 15):
            expected = 100 * (
                _ref(ref_v3, pid, prev.regimen, year, "cum_mort_all")
                - _ref(ref_v3, pid, cur.regimen, year, "cum_mort_all")
            )
            assert abs(cur.added_benefit_pp[year] - expected) <= TOL_PCT


@pytest.mark.parametrize(
    ("case", "pid", "regimens"),
    [
        (CASE_S1_0003, "S1-0003", ["surg", "h", "hc", "hcb"]),
        (CASE_S1_0012, "S1-0012", ["surg", "c", "ct"]),
    ],
)
def test_v22_reproduces_the_official_reference(
    ref_v22: pl.DataFrame, case: dict[str, Any], pid: str, regimens: list[str]
) -> None:
    v22 = prognosis_of(case).predict_v22
    assert v22.status == "computed" and v22.model == "PREDICT v2.2"
    assert [o.regimen for o in v22.outcomes] == regimens
    surgery = v22.outcomes[0]
    for year in (5, 10, 15):
        expected_os = _ref(ref_v22, pid, "surg", year, "value")  # OS %, surgery only
        assert abs(surgery.overall_survival_pct[year] - expected_os) <= TOL_PCT
        for o in v22.outcomes[1:]:
            assert o.total_benefit_pp is not None
            expected = _ref(ref_v22, pid, o.regimen, year, "value")  # benefit over surgery, pp
            assert abs(o.total_benefit_pp[year] - expected) <= TOL_PCT


def test_curves_years_1_to_15_in_the_json() -> None:
    data = json.loads(assess(CASE_S1_0003).model_dump_json())["sections"]["prognosis"]
    curves = data["predict_v32"]["curves"]
    assert [c["regimen"] for c in curves] == ["s", "h", "hc", "hcb"]
    for c in curves:
        assert c["model"] == "PREDICT v3.2"
        assert c["years"] == list(range(1, 16)) and len(c["overall_survival_pct"]) == 15
    assert data["predict_v22"]["curves"][0]["model"] == "PREDICT v2.2"
    assert data["mapping"], "mapping statements are part of the section"


def test_npi_and_cts5_hand_calculations_through_assess() -> None:
    s = prognosis_of(CASE_S1_0003)
    # NPI = 95/50 + node stage 2 (1-3 nodes) + grade 3 = 1.9 + 2 + 3 = 6.9 -> very poor (> 6.4)
    assert s.npi.status == "computed" and s.npi.index == pytest.approx(6.9, abs=1e-12)
    assert (s.npi.group, s.npi.group_classic) == ("very poor", "poor")
    # CTS5: 3 nodes -> category 2; size capped at 30 mm:
    # 0.438*2 + 0.988*(0.093*30 - 0.001*900 + 0.375*3 + 0.017*60)
    # = 0.876 + 0.988*(2.79 - 0.9 + 1.125 + 1.02) = 0.876 + 0.988*4.035 = 4.86258 -> high
    assert s.cts5.status == "computed"
    assert s.cts5.score == pytest.approx(4.86258, abs=1e-9)
    assert s.cts5.risk_group == "high" and s.cts5.risk_band_pct == (10.0, None)
    assert "after 5 years of endocrine therapy" in s.cts5.applies

    e = prognosis_of(examples.load("her2-0-early-luminal-a"))
    # NPI = 14/50 + 1 + 1 = 2.28 -> excellent; CTS5 = 0.988*(1.302 - 0.196 + 0.375 + 1.088)
    assert e.npi.index == pytest.approx(2.28, abs=1e-12) and e.npi.group == "excellent"
    assert e.cts5.score == pytest.approx(0.988 * 2.569, abs=1e-9) and e.cts5.risk_group == "low"


def test_cts5_not_applicable_for_er_negative() -> None:
    s = prognosis_of(CASE_S1_0012)
    assert s.cts5.status == "not_applicable"
    assert any("ER-negative" in r for r in s.cts5.reasons)
    assert s.npi.status == "needs_data"  # grade not recorded: NPI has no unknown grade
    assert [m.field for m in s.npi.missing] == ["tumour.grade"]


def test_smoking_not_recorded_v32_needs_it_v22_alongside() -> None:
    s = prognosis_of(examples.load("her2-0-early-luminal-a"))
    assert s.status == "needs_data" and s.predict_v32.status == "needs_data"
    assert [m.field for m in s.predict_v32.missing] == ["patient.comorbidities.current_smoker"]
    assert s.predict_v22.status == "computed"


@pytest.mark.parametrize(
    ("over", "words"),
    [
        ({"patient": {**CASE_S1_0003["patient"], "sex": "male"}}, "male"),
        ({"patient": {**CASE_S1_0003["patient"], "age_years": 20}}, "age 20"),
        (
            {
                "tumour": {
                    **CASE_S1_0003["tumour"],
                    "clinical_m": "M1",
                    "metastatic_sites": ["liver"],
                }
            },
            "metastatic",
        ),
        ({"treatment": {"neoadjuvant": {"agents": ["epirubicin"]}}}, "neoadjuvant"),
    ],
)
def test_not_applicable_states_through_assess(over: dict[str, Any], words: str) -> None:
    s = prognosis_of({**CASE_S1_0003, **over})
    assert s.status == "not_applicable"
    assert s.predict_v32.status == s.predict_v22.status == "not_applicable"
    assert any(words in r for r in s.reasons)
    assert s.predict_v32.outcomes == [] and s.predict_v32.curves == []


def test_dcis_only_not_applicable_through_assess() -> None:
    case = {**CASE_S1_0003, "tumour": {"dcis_only": True, "nodes_positive": 0}}
    s = prognosis_of(case)
    assert s.status == "not_applicable" and any("DCIS" in r for r in s.reasons)
    assert s.npi.status == "not_applicable" and s.cts5.status == "not_applicable"


runner = CliRunner()


def test_assess_renders_the_prognosis_tables_en_and_zh() -> None:
    en = runner.invoke(app, ["assess", "--example", "her2-0-early-luminal-a"])
    assert en.exit_code == 0, en.output
    assert "PREDICT v2.2" in en.output and "surgery only" in en.output
    assert "patient.comorbidities.current_smoker" in en.output
    zh = runner.invoke(app, ["assess", "--example", "her2-0-early-luminal-a", "--lang", "zh"])
    assert zh.exit_code == 0 and "仅手术" in zh.output and "预后" in zh.output


@pytest.mark.parametrize("suffix", [".png", ".svg"])
def test_prognosis_plot_writes_a_file(tmp_path: Path, suffix: str) -> None:
    case = tmp_path / "case.json"
    case.write_text(json.dumps(CASE_S1_0003), encoding="utf-8")
    out = tmp_path / f"curves{suffix}"
    result = runner.invoke(app, ["prognosis-plot", str(case), "--out", str(out)])
    assert result.exit_code == 0, result.output
    data = out.read_bytes()
    assert len(data) > 1000
    assert data.startswith(b"\x89PNG") if suffix == ".png" else b"<svg" in data


def test_prognosis_plot_refuses_a_not_applicable_case(tmp_path: Path) -> None:
    out = tmp_path / "x.png"
    result = runner.invoke(
        app, ["prognosis-plot", "--example", "her2-low-metastatic", "--out", str(out)]
    )
    assert result.exit_code == 2 and "metastatic" in result.output
    assert not out.exists()


def test_radiotherapy_step_when_the_case_records_a_mean_heart_dose() -> None:
    case = {**CASE_S1_0003, "treatment": {**CASE_S1_0003["treatment"], "mean_heart_dose_gy": 2.0}}
    v32 = prognosis_of(case).predict_v32
    assert [o.regimen for o in v32.outcomes] == ["s", "h", "hc", "hcb", "rhcb"]
    assert v32.outcomes[-1].added == "radiotherapy"
    assert v32.inputs["heart_gy"] == 2.0 and v32.inputs["radio"] == 1
    # radiotherapy does not change surgery only or the earlier steps (same as without a dose)
    without = prognosis_of(CASE_S1_0003).predict_v32
    assert [o.overall_survival_pct for o in v32.outcomes[:4]] == [
        o.overall_survival_pct for o in without.outcomes
    ]
