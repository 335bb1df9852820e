"""The cohort engine over Parquet partitions with Dask (LocalCluster by default).

``dask.dataframe.read_parquet`` splits the input into partitions (one per file / row group);
each partition becomes one task that runs :func:`breastcds.cohort.engine.run_batch` - the same
compiled expressions as the local engine - with rows numbered from the partition's offset in the
whole table, and writes its results as one Parquet part. The client then concatenates the parts
in partition order into the results file and gathers the (small) error tables, so the output is
identical to the local engine's.

With ``scheduler`` (an address such as ``tcp://10.0.0.5:8786``) the tasks run on that cluster;
the workers must then see the input and the output directory at the same paths (a shared file
system). Without it a ``LocalCluster`` with one single-threaded worker process per core is
started and closed.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import dask.dataframe as dd
import polars as pl
import pyarrow.parquet as pq  # type: ignore[import-untyped]
from dask.delayed import delayed
from distributed import Client, LocalCluster, as_completed

from breastcds.cohort.engine import RunSummary, empty_results, errors_path_for, run_batch
from breastcds.cohort.io import CohortInputError, input_format
from breastcds.cohort.validate import ERROR_SCHEMA

#: rows per ``run_batch`` call inside a partition (bounds a worker's memory)
SUB_BATCH = 100_000


def _run_partition(part: Any, offset: int, out_path: str) -> tuple[int, int, pl.DataFrame]:
    """Run one partition (pandas, pyarrow-backed); write its results; return counts + errors."""
    raw = pl.from_pandas(part, include_index=False)
    results: list[pl.DataFrame] = []
    errors: list[pl.DataFrame] = []
    for start in range(0, raw.height, SUB_BATCH):
        res = run_batch(raw.slice(start, SUB_BATCH), offset + start)
        results.append(res.results)
        errors.append(res.errors)
    if not results:
        res = run_batch(raw, offset)
        results, errors = [res.results], [res.errors]
    frame = pl.concat(results)
    frame.write_parquet(out_path)
    return raw.height, frame.height, pl.concat(errors)


def _client(scheduler: str | None, n_workers: int | None) -> tuple[Client, LocalCluster | None]:
    if scheduler:
        return Client(scheduler), None  # type: ignore[no-untyped-call]
    workers = n_workers or max(1, os.cpu_count() or 1)
    cluster = LocalCluster(  # type: ignore[no-untyped-call]
        n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
    )
    return Client(cluster), cluster  # type: ignore[no-untyped-call]


def run_file(
    path: Path | str,
    out_path: Path | str,
    *,
    scheduler: str | None = None,
    n_workers: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> RunSummary:
    """Run the cohort at ``path`` (Parquet file or directory) on Dask; write Parquet results.

    The input's own files / row groups are the partitions (``dask.dataframe.read_parquet``).
    ``progress`` is called with the number of input rows of each finished partition.
    """
    src = Path(path)
    if not src.exists():
        raise CohortInputError(f"{src}: no such file or directory")
    if input_format(src) != "parquet":
        raise CohortInputError(
            f"{src}: the Dask engine reads Parquet (a file or a directory of partitions); "
            "convert the table first (e.g. with polars) or use --engine local"
        )
    out = Path(out_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    client, cluster = _client(scheduler, n_workers)
    parts_dir = Path(tempfile.mkdtemp(prefix=out.stem + ".parts-", dir=out.parent))
    try:
        # the same files in the same order as the local engine's scan (io.scan)
        source = str(src / "**" / "*.parquet") if src.is_dir() else str(src)
        ddf = dd.read_parquet(source, dtype_backend="pyarrow")
        sizes = client.compute(ddf.map_partitions(len))  # type: ignore[no-untyped-call]
        lengths = [int(n) for n in sizes.result()]
        offsets = [sum(lengths[:i]) for i in range(len(lengths))]
        parts = ddf.to_delayed()
        names = [str(parts_dir / f"part-{i:06d}.parquet") for i in range(len(parts))]
        tasks = [
            delayed(_run_partition)(part, offset, name)
            for part, offset, name in zip(parts, offsets, names, strict=True)
        ]
        futures = client.compute(tasks)  # type: ignore[no-untyped-call]
        outcome: dict[int, tuple[int, int, pl.DataFrame]] = {}
        index = {f.key: i for i, f in enumerate(futures)}
        for future in as_completed(futures):  # type: ignore[no-untyped-call]
            value = future.result()
            outcome[index[future.key]] = value
            if progress is not None:
                progress(value[0])
        rows = sum(v[0] for v in outcome.values())
        computed = sum(v[1] for v in outcome.values())
        _concat(names, out)
        errors = [outcome[i][2] for i in sorted(outcome)]
        err = pl.concat(errors) if errors else pl.DataFrame(schema=ERROR_SCHEMA)
        err_path = errors_path_for(out)
        err.write_parquet(err_path)
    finally:
        client.close()  # type: ignore[no-untyped-call]
        if cluster is not None:
            cluster.close()
        shutil.rmtree(parts_dir, ignore_errors=True)
    return RunSummary(
        rows=rows,
        computed=computed,
        invalid_rows=rows - computed,
        errors=err.height,
        out_path=out,
        errors_path=err_path,
    )


def _concat(parts: list[str], out: Path) -> None:
    """Concatenate Parquet parts (same schema) into ``out`` in order, streaming."""
    writer: pq.ParquetWriter | None = None
    try:
        for name in parts:
            table = pq.read_table(name)
            if writer is None:
                writer = pq.ParquetWriter(out, table.schema)
            writer.write_table(table)
        if writer is None:
            empty_results().write_parquet(out)
    finally:
        if writer is not None:
            writer.close()
