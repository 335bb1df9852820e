"""Read cohort tables lazily: Parquet (file or directory of partitions), CSV, NDJSON.

Nothing is loaded until the engine collects; the local engine streams the scan in batches
(``LazyFrame.collect_batches``), so the whole table never needs to fit in memory. CSV is read
as text (no type guessing): :mod:`.validate` parses every column with the cohort schema and
reports what does not parse in the error table.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from breastcds.cohort.schema import BY_NAME

SUFFIXES = {".parquet": "parquet", ".pq": "parquet", ".csv": "csv", ".ndjson": "ndjson",
            ".jsonl": "ndjson"}  # fmt: skip


class CohortInputError(ValueError):
    """The input file cannot be read as a cohort table (format, missing file)."""


def input_format(path: Path) -> str:
    """'parquet', 'csv' or 'ndjson' from the suffix (a directory is a Parquet dataset)."""
    if path.is_dir():
        return "parquet"
    fmt = SUFFIXES.get(path.suffix.lower())
    if fmt is None:
        raise CohortInputError(
            f"{path}: unknown input format {path.suffix!r}; use .parquet, .csv or .ndjson"
        )
    return fmt


def scan(path: Path | str) -> pl.LazyFrame:
    """A lazy scan of the cohort table at ``path`` (columns as stored; CSV as text)."""
    p = Path(path)
    if not p.exists():
        raise CohortInputError(f"{p}: no such file or directory")
    fmt = input_format(p)
    if fmt == "parquet":
        source = str(p / "**" / "*.parquet") if p.is_dir() else str(p)
        return pl.scan_parquet(source)
    if fmt == "csv":
        return pl.scan_csv(p, infer_schema=False)
    return pl.scan_ndjson(p, infer_schema_length=None)


def unknown_columns(schema: pl.Schema | dict[str, pl.DataType]) -> list[str]:
    """Columns of the input that are not cohort columns (ignored; reported by the CLI)."""
    return [name for name in schema if name not in BY_NAME]


def count_rows(path: Path | str) -> int:
    """Number of rows of the table (metadata only for Parquet)."""
    return int(scan(path).select(pl.len()).collect().item())
