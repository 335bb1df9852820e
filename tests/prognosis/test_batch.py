"""prognosis.batch helpers and a large-input run through the progress-bar path."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest
from typer.testing import CliRunner

from breastcds.cli.main import app
from breastcds.cli.predict_cmd import PROGRESS_MIN_PATIENTS
from breastcds.prognosis import predict as P
from breastcds.prognosis.batch import errors_path_for, parse_years, run_batch


def test_parse_years() -> None:
    assert parse_years("15, 1,5,5") == (1, 5, 15)
    for bad in ("0", "16", "a", "1,,2", ""):
        with pytest.raises(ValueError, match="allowed: integers 1-15"):
            parse_years(bad)


def test_errors_path() -> None:
    assert errors_path_for(Path("/x/res.csv")) == Path("/x/res.errors.csv")
    assert errors_path_for(Path("res.parquet")) == Path("res.errors.csv")


def test_empty_input_writes_header_only(tmp_path: Path) -> None:
    src = tmp_path / "empty.csv"
    src.write_text(",".join(("pid", *P.required_fields("v3.2"))) + "\n")
    summary = run_batch("v3.2", src, tmp_path / "out.csv")
    assert summary.n_patients == 0 and summary.n_result_rows == 0
    assert (tmp_path / "out.csv").read_text().startswith("pid,year,regimen,cum_mort_all")


def test_large_input_with_progress(tmp_path: Path) -> None:
    n = PROGRESS_MIN_PATIENTS + 1000
    rng = np.random.default_rng(7)
    frame = pl.DataFrame(
        {
            "age": rng.integers(25, 86, n),
            "screen": rng.choice([0, 1, 2], n),
            "size": rng.integers(1, 120, n),
            "grade": rng.choice([1, 2, 3, 9], n),
            "nodes": rng.integers(0, 20, n),
            "er": rng.choice([0, 1], n),
            "her2": rng.choice([0, 1, 9], n),
            "ki67": rng.choice([0, 1, 9], n),
            "generation": rng.choice([0, 2, 3], n),
            "horm": rng.choice([0, 1], n),
            "traz": rng.choice([0, 1], n),
            "bis": rng.choice([0, 1], n),
        }
    )
    src = tmp_path / "many.parquet"
    frame.write_parquet(src)
    out = tmp_path / "many.csv"
    result = CliRunner().invoke(
        app, ["predict", str(src), "--out", str(out), "-m", "v2.2", "--years", "10"]
    )
    assert result.exit_code == 0, result.output
    written = pl.read_csv(out)
    assert written.height == n * 24
    # rows are numbered from 1 when there is no pid column
    assert written["pid"][0] == 1 and written["pid"][-1] == n
    # spot check against the array API
    direct = P.v22(P.PredictInputs.from_columns({c: frame[c].to_numpy() for c in frame.columns}))
    surg = written.filter(pl.col("regimen") == "surg")["value"].to_numpy()
    np.testing.assert_allclose(surg, 100 * (1 - direct.cum_mort_all[:, 0, 9]), rtol=0, atol=1e-9)
