"""The Dask engine (LocalCluster) gives the local engine's results and errors, row for row."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from breastcds.cohort import dask_engine, engine
from breastcds.cohort.io import CohortInputError
from breastcds.cohort.synthetic import generate
from tests.cohort.expected import ABS_TOL, REL_TOL


def test_dask_localcluster_over_100000_partitioned_rows_equals_local_engine(
    tmp_path: Path,
) -> None:
    cohort = generate(100_000, seed=424242, missing=0.12, invalid_share=0.01)
    parts = tmp_path / "cohort"
    parts.mkdir()
    sizes = (30_000, 25_000, 20_000, 15_000, 10_000)  # uneven partitions: offsets matter
    start = 0
    for i, size in enumerate(sizes):
        cohort.slice(start, size).write_parquet(parts / f"part-{i:02d}.parquet")
        start += size
    assert start == cohort.height

    local = engine.run_file(parts, tmp_path / "local.parquet")
    seen: list[int] = []
    dask = dask_engine.run_file(parts, tmp_path / "dask.parquet", n_workers=2, progress=seen.append)

    assert sorted(seen) == sorted(sizes)
    assert (dask.rows, dask.computed, dask.errors) == (local.rows, local.computed, local.errors)
    assert local.invalid_rows > 0  # the error table is exercised as well
    assert_frame_equal(
        pl.read_parquet(dask.out_path),
        pl.read_parquet(local.out_path),
        rel_tol=REL_TOL,
        abs_tol=ABS_TOL,
    )
    assert_frame_equal(
        pl.read_parquet(dask.errors_path),
        pl.read_parquet(local.errors_path),
        rel_tol=REL_TOL,
        abs_tol=ABS_TOL,
    )
    assert not list(tmp_path.glob("dask.parts-*")), "temporary parts are removed"


def test_dask_engine_refuses_csv(tmp_path: Path) -> None:
    path = tmp_path / "cohort.csv"
    generate(5, seed=1).write_csv(path)
    with pytest.raises(CohortInputError, match="Parquet"):
        dask_engine.run_file(path, tmp_path / "out.parquet")
