"""`breastcds predict` end to end on the reference patients (typer CliRunner)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest
from typer.testing import CliRunner

from breastcds.cli.main import app

TOL = 1e-9
runner = CliRunner()


@pytest.fixture(scope="module")
def predict_dir(reference_dir: Path) -> Path:
    return reference_dir / "predict"


def _run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["predict", *args])
    return result.exit_code, result.output


def test_v32_csv_matches_reference(predict_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "v3.csv"
    code, output = _run(str(predict_dir / "patients_public.csv"), "--out", str(out))
    assert code == 0, output
    assert "60 of 60 patients computed" in output
    ours = pl.read_csv(out)
    ref = pl.read_csv(predict_dir / "predict_v3_public.csv")
    assert ours.columns == ref.columns
    # same rows in the same order (pid, year, regimen)
    assert ours.select("pid", "year", "regimen").equals(ref.select("pid", "year", "regimen"))
    for column in ("cum_mort_all", "cum_mort_breast", "cum_mort_other"):
        diff = np.abs(ours[column].to_numpy() - ref[column].to_numpy())
        assert diff.max() <= TOL, column
    errors = pl.read_csv(tmp_path / "v3.errors.csv")
    assert errors.height == 0


def test_v22_parquet_matches_reference_except_h10_quirk(predict_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "v22.parquet"
    code, output = _run(
        str(predict_dir / "patients_public.csv"), "--out", str(out), "--model", "v2.2"
    )
    assert code == 0, output
    ours = pl.read_parquet(out)
    ref = pl.read_csv(predict_dir / "predict_v22_public.csv")
    assert ours.columns == ref.columns
    assert ours.select("pid", "year", "regimen").equals(ref.select("pid", "year", "regimen"))
    patients = pl.read_csv(predict_dir / "patients_public.csv")
    endocrine = patients.select("pid", (pl.col("er") == 1) & (pl.col("horm") == 1)).rename(
        {"er": "endocrine"}
    )
    joined = ref.join(endocrine, on="pid", how="left", maintain_order="left")
    # official-code quirk rows (h10 regimens without an endocrine effect) are not reproduced
    quirk = (joined["regimen"].str.starts_with("h10") & ~joined["endocrine"]).to_numpy()
    diff = np.abs(ours["value"].to_numpy() - ref["value"].to_numpy())
    assert quirk.sum() > 0
    assert diff[~quirk].max() <= TOL


def test_invalid_rows_reported_and_valid_rows_computed(predict_dir: Path, tmp_path: Path) -> None:
    patients = pl.read_csv(predict_dir / "patients_public.csv", infer_schema=False)
    bad = patients.with_columns(
        pl.when(pl.int_range(pl.len()) == 2)
        .then(pl.lit("90"))
        .otherwise(pl.col("age"))
        .alias("age"),
        pl.when(pl.int_range(pl.len()) == 4)
        .then(pl.lit("x"))
        .otherwise(pl.col("grade"))
        .alias("grade"),
        pl.when(pl.int_range(pl.len()) == 6).then(None).otherwise(pl.col("size")).alias("size"),
    )
    src = tmp_path / "bad.csv"
    bad.write_csv(src)
    out = tmp_path / "res.csv"
    code, output = _run(str(src), "--out", str(out), "--years", "10,5")
    assert code == 0, output
    assert "57 of 60 patients computed" in output
    assert "3 patient(s) not applicable" in output
    assert "row 3 (pid S1-0002): age=90 is not allowed; allowed: [25, 85]" in output
    errors = pl.read_csv(tmp_path / "res.errors.csv", infer_schema=False)
    assert errors.select("pid", "row", "field", "value").rows() == [
        ("S1-0002", "3", "age", "90"),
        ("S1-0004", "5", "grade", "x"),
        ("S1-0006", "7", "size", None),
    ]
    assert errors["allowed"].to_list() == ["[25, 85]", "one of 1, 2, 3, 9", "(0, 500]"]
    ours = pl.read_csv(out)
    assert sorted(set(ours["year"].to_list())) == [5, 10]
    assert set(ours["pid"].to_list()) == set(patients["pid"].to_list()) - {
        "S1-0002", "S1-0004", "S1-0006",
    }  # fmt: skip
    ref = pl.read_csv(predict_dir / "predict_v3_public.csv")
    joined = ours.join(ref, on=["pid", "year", "regimen"], how="left", suffix="_ref")
    assert joined.height == 57 * 47 * 2
    diff = np.abs(joined["cum_mort_all"].to_numpy() - joined["cum_mort_all_ref"].to_numpy())
    assert diff.max() <= TOL


def test_missing_column_and_bad_options_fail_cleanly(predict_dir: Path, tmp_path: Path) -> None:
    patients = pl.read_csv(predict_dir / "patients_public.csv").drop("smoker")
    src = tmp_path / "no_smoker.parquet"
    patients.write_parquet(src)
    code, output = _run(str(src), "--out", str(tmp_path / "o.csv"))
    assert code == 2
    assert "missing column(s) smoker" in output
    # v2.2 does not need smoker
    code, output = _run(str(src), "--out", str(tmp_path / "o.csv"), "-m", "v2.2")
    assert code == 0, output
    code, output = _run(str(src), "--out", str(tmp_path / "o.csv"), "--years", "0,5")
    assert code == 2 and "'0' is not allowed; allowed: integers 1-15" in output
    code, output = _run(str(src), "--out", str(tmp_path / "o.txt"))
    assert code == 2 and "--out must end in .csv or .parquet" in output
    code, output = _run(str(src), "--out", str(tmp_path / "o.csv"), "-m", "v9")
    assert code == 2 and "--model must be 'v3.2' or 'v2.2'" in output
