"""The cohort table: column mapping, parsing, the per-row error table, file formats, CLI."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl
import pytest
from polars.testing import assert_frame_equal
from typer.testing import CliRunner

from breastcds.cli.main import app
from breastcds.cohort import engine
from breastcds.cohort.schema import (
    BY_NAME,
    COLUMNS,
    column_reference,
    json_schema,
    row_model,
    row_to_case,
    row_to_case_dict,
)
from breastcds.cohort.synthetic import generate
from breastcds.cohort.validate import prepare
from tests.cohort.expected import ABS_TOL, REL_TOL

REPO = Path(__file__).resolve().parents[2]

#: one allowed value per column kind, to follow each column into the case model
_SAMPLE: dict[str, Any] = {"int": 2, "float": 3.5, "bool": True, "text": "X-1", "list": "docetaxel"}


def _sample(name: str) -> Any:
    col = BY_NAME[name]
    if col.values is not None:
        return col.values[1] if col.kind == "enum_list" else col.values[0]
    return _SAMPLE[col.kind]


def _at(data: Any, path: str) -> Any:
    for part in path.split("."):
        if isinstance(data, list):  # an index, or '*' (the first item)
            data = data[int(part) if part.isdigit() else 0]
        else:
            data = data.get(part)
        if data is None:
            return None
    return data


@pytest.mark.parametrize("name", [c.name for c in COLUMNS])
def test_every_column_lands_on_its_documented_case_field(name: str) -> None:
    col = BY_NAME[name]
    row: dict[str, Any] = {name: _sample(name)}
    if name.startswith("metastatic_line"):  # a line needs its agents and the lines before
        for k in range(1, int(name[len("metastatic_line")]) + 1):
            row.setdefault(f"metastatic_line{k}_agents", "docetaxel")
    if name.startswith(("neoadjuvant_", "ypt", "ypn")):
        row["neoadjuvant"] = True
    if name.startswith("endocrine_"):  # a record exists with its agents / its site
        row.setdefault("endocrine_agents", "tamoxifen")
    if name.startswith("recurrence_"):
        row.setdefault("recurrence_site", "chest_wall")
    needs: dict[str, dict[str, Any]] = {  # items valid only with another one
        "gestation_weeks": {"pregnant": True},
        "dcis_extent_mm": {"dcis_only": True},
        "dcis_nuclear_grade": {"dcis_only": True},
        "brain_metastases_count": {"metastatic_sites": "brain"},
    }
    row |= needs.get(name, {})
    if name.startswith("her2_ish"):
        prefix = name.rsplit("_", 1)[0]
        row |= {f"{prefix}_ratio": 1.5, f"{prefix}_copies": 3.5}
        if "recount" in name:
            row |= {"her2_ish_ratio": 1.5, "her2_ish_copies": 3.5}
    data = row_to_case_dict(row)
    landed = _at(data, col.case_field)
    assert landed is not None, f"{name} did not reach {col.case_field}"
    if col.kind in ("int", "float", "text", "enum") and not name.startswith("her2_ish"):
        assert landed == row[name]
    row_to_case(row)  # and the case model accepts it


def test_json_schema_and_row_model_share_the_case_model_bounds() -> None:
    schema = json_schema()
    assert schema["properties"]["er_percent"]["anyOf"][0]["maximum"] == 100
    assert schema["properties"]["age_years"]["anyOf"][0]["maximum"] == 120
    model = row_model()
    for row in generate(50, seed=3).to_dicts():
        model.model_validate(row)


def test_docs_embed_the_current_column_reference() -> None:
    text = (REPO / "docs" / "cohort.md").read_text(encoding="utf-8")
    assert column_reference() in text, "regenerate the table with `breastcds cohort schema`"


def test_error_table_names_row_column_value_problem_and_valid_rows_still_compute() -> None:
    raw = pl.DataFrame(
        {
            "case_id": ["ok", "bad-age", "bad-nodes", "bad-ihc0", "bad-number", "ok2"],
            "age_years": ["60", "130", "55", "50", "x", "70"],
            "nodes_positive": ["0", "1", "9", "0", "0", None],
            "nodes_examined": ["3", "3", "4", None, None, None],
            "her2_ihc": ["1", "0", "0", "2", "0", None],
            "her2_ihc0_staining": [None, None, None, "none", None, None],
            "er_percent": ["90", "90", "90", "90", "90", None],
        }
    )
    res = engine.run_batch(raw)
    assert res.results["case_id"].to_list() == ["ok", "ok2"]
    assert res.results["row"].to_list() == [0, 5]
    got = {(r["case_id"], r["column"], r["value"]): r["problem"] for r in res.errors.to_dicts()}
    assert got == {
        ("bad-age", "age_years", "130"): "outside the allowed range (integer >= 0 and <= 120)",
        ("bad-nodes", "nodes_positive", "9"): (
            "nodes_positive (9) exceeds nodes_examined (4); allowed: 0 to nodes_examined (4)"
        ),
        ("bad-ihc0", "her2_ihc0_staining", "none"): (
            "IHC 0 staining detail is recorded but her2_ihc is 2; allowed only with her2_ihc 0"
        ),
        ("bad-number", "age_years", "x"): "not a number",
    }


def test_not_recorded_stays_unknown_never_zero() -> None:
    common = {"sex": "female", "age_years": "55", "size_mm": "15", "nodes_positive": "0",
              "current_smoker": "false"}  # fmt: skip
    raw = pl.DataFrame(
        {"case_id": ["blank", "zero"], "er_percent": [None, "0"]}
        | {k: [v, v] for k, v in common.items()}
    )
    res = engine.run_batch(raw).results.to_dicts()
    blank, zero = res
    assert blank["er.status"] == "not_recorded"
    assert zero["er.status"] == "negative"
    assert blank["subtype"] == "pending"
    assert blank["predict.status"] == "needs_data"
    assert blank["predict.missing"] == ["biomarkers.er_percent"]
    assert zero["predict.status"] == "computed"


def test_parquet_csv_and_ndjson_inputs_give_the_same_results(tmp_path: Path) -> None:
    cohort = generate(400, seed=11, missing=0.2)
    paths = {
        "parquet": tmp_path / "c.parquet",
        "csv": tmp_path / "c.csv",
        "ndjson": tmp_path / "c.ndjson",
    }
    cohort.write_parquet(paths["parquet"])
    cohort.write_csv(paths["csv"])
    cohort.write_ndjson(paths["ndjson"])
    out = {}
    for fmt, path in paths.items():
        summary = engine.run_file(path, tmp_path / f"r-{fmt}.parquet", batch_size=150)
        assert summary.rows == 400 and summary.errors == 0
        out[fmt] = pl.read_parquet(summary.out_path)
    assert_frame_equal(out["csv"], out["parquet"], rel_tol=REL_TOL, abs_tol=ABS_TOL)
    assert_frame_equal(out["ndjson"], out["parquet"], rel_tol=REL_TOL, abs_tol=ABS_TOL)


def test_batches_do_not_change_results(tmp_path: Path) -> None:
    cohort = generate(1_000, seed=12, invalid_share=0.05)
    path = tmp_path / "c.parquet"
    cohort.write_parquet(path)
    one = engine.run_batch(cohort)
    streamed = engine.run_file(path, tmp_path / "r.parquet", batch_size=77)
    assert_frame_equal(
        pl.read_parquet(streamed.out_path), one.results, rel_tol=REL_TOL, abs_tol=ABS_TOL
    )
    assert_frame_equal(
        pl.read_parquet(streamed.errors_path), one.errors, rel_tol=REL_TOL, abs_tol=ABS_TOL
    )
    valid, errors = prepare(cohort)
    assert valid.height + errors["row"].n_unique() == cohort.height


def test_cli_synth_run_screen_summary(tmp_path: Path) -> None:
    runner = CliRunner()
    cohort = tmp_path / "c.parquet"
    results = tmp_path / "r.parquet"
    r = runner.invoke(app, ["cohort", "synth", "3000", "--out", str(cohort), "--seed", "5"])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["cohort", "run", str(cohort), "--out", str(results), "-q"])
    assert r.exit_code == 0, r.output
    assert pl.read_parquet(results).height == 3000
    meeting = tmp_path / "m.csv"
    r = runner.invoke(
        app, ["cohort", "screen", str(cohort), "--trial", "lumina", "--out", str(meeting)]
    )
    assert r.exit_code == 0, r.output
    assert "LUMINA" in r.output and "meets" in r.output
    expected = pl.read_parquet(results).filter(pl.col("rt.LUMINA.verdict") == "meets")
    assert pl.read_csv(meeting)["case_id"].to_list() == expected["case_id"].to_list()
    plot = tmp_path / "p.png"
    r = runner.invoke(app, ["cohort", "summary", str(results), "--plot", str(plot)])
    assert r.exit_code == 0, r.output
    assert "HER2 category" in r.output and plot.stat().st_size > 0
    r = runner.invoke(app, ["cohort", "screen", str(cohort), "--trial", "NOPE"])
    assert r.exit_code == 2 and "unknown criteria set" in r.output
