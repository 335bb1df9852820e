"""File adapter for batch PREDICT runs: patients CSV/Parquet in, long-format results out.

Input columns and codes are those of the project's PREDICT reference ``patients_public.csv``
(``pid`` optional: without it rows are numbered from 1). Output is the long format of the
reference files:

* v3.2: ``pid, year, regimen, cum_mort_all, cum_mort_breast, cum_mort_other`` (0-1);
* v2.2: ``pid, year, regimen, value`` where ``surg`` is overall survival in % and every other
  regimen the overall-survival benefit over surgery only in percentage points.

Rows are ordered by patient, then year, then regimen (official regimen order). Rows with
invalid inputs are not written to the results; one line per offending value goes to the
errors file (``pid, row, field, value, allowed, message``), and the valid rows are computed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import polars as pl

from breastcds.prognosis import predict as P

V22_COLUMNS = ("pid", "year", "regimen", "value")
V32_COLUMNS = ("pid", "year", "regimen", "cum_mort_all", "cum_mort_breast", "cum_mort_other")
ERROR_COLUMNS = ("pid", "row", "field", "value", "allowed", "message")


@dataclass(frozen=True)
class PatientTable:
    """Patient identifiers, numeric inputs and the raw text of every required column."""

    pids: list[str]
    inputs: P.PredictInputs
    raw: pl.DataFrame


@dataclass(frozen=True)
class BatchSummary:
    """What a batch run did."""

    model: P.Model
    n_patients: int
    n_computed: int
    n_not_applicable: int
    n_result_rows: int
    out_path: Path
    errors_path: Path
    first_errors: tuple[str, ...]


def errors_path_for(out_path: Path) -> Path:
    """``results.csv`` -> ``results.errors.csv`` (also for ``.parquet`` outputs)."""
    return out_path.with_name(out_path.stem + ".errors.csv")


def parse_years(text: str) -> tuple[int, ...]:
    """``"1,5,10,15"`` -> (1, 5, 10, 15); each year must be an integer 1-15."""
    years: list[int] = []
    for part in text.split(","):
        item = part.strip()
        if not item.isdigit() or not 1 <= int(item) <= P.N_YEARS:
            raise ValueError(
                f"years: {item!r} is not allowed; allowed: integers 1-15, e.g. 1,5,10,15"
            )
        if int(item) not in years:
            years.append(int(item))
    if not years:
        raise ValueError("years: give at least one year between 1 and 15")
    return tuple(sorted(years))


def _read_frame(path: Path) -> pl.DataFrame:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return pl.read_csv(path, infer_schema=False)
    if suffix in (".parquet", ".pq"):
        return pl.read_parquet(path)
    raise ValueError(f"{path}: patients file must end in .csv or .parquet, not {path.suffix!r}")


def read_patients(path: Path, model: P.Model) -> PatientTable:
    """Read a patients CSV/Parquet file; a missing required column raises ``ValueError``.

    Values that are empty or not numbers become NaN (then reported per row by validation);
    their original text is kept in ``raw`` for the error report.
    """
    frame = _read_frame(path)
    needed = P.required_fields(model)
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise ValueError(
            f"{path}: missing column(s) {', '.join(missing)}; {model} needs " + ", ".join(needed)
        )
    if "pid" in frame.columns:
        pids = frame["pid"].cast(pl.String).fill_null("").to_list()
    else:
        pids = [str(i + 1) for i in range(frame.height)]
    columns = {
        c: frame[c].cast(pl.Float64, strict=False).fill_null(np.nan).to_numpy() for c in needed
    }
    raw = frame.select([pl.col(c).cast(pl.String) for c in needed])
    return PatientTable(pids=pids, inputs=P.PredictInputs.from_columns(columns), raw=raw)


@lru_cache(maxsize=8)
def _year_regimen_columns(
    years: tuple[int, ...], names: tuple[str, ...], n_patients: int
) -> tuple[pl.Series, pl.Series]:
    """The year and regimen columns of ``n_patients`` patients (the same for every full chunk,
    so built once): pid, year, regimen order."""
    n_reg = len(names)
    year = np.tile(np.repeat(np.asarray(years, dtype=np.int64), n_reg), n_patients)
    regimen = pl.Series("regimen", names, dtype=pl.String).gather(
        np.tile(np.arange(n_reg), len(years) * n_patients)
    )
    return pl.Series("year", year), regimen


def result_frame(
    result: P.PredictResult, pids: Sequence[str], years: Sequence[int]
) -> pl.DataFrame:
    """Long-format frame of one result (applicable rows only), as in the reference files."""
    rows = np.flatnonzero(result.applicable)
    every_row = rows.size == result.applicable.size  # the usual case: no invalid row
    names = result.regimens
    year_idx = np.asarray(years, dtype=np.int64) - 1
    n_reg, n_year = len(names), len(year_idx)
    per_patient = n_reg * n_year
    chunk_pids = list(pids) if every_row else [pids[int(i)] for i in rows]
    pid_series = pl.Series("pid", chunk_pids, dtype=pl.String)
    repeat_idx = np.repeat(np.arange(rows.size), per_patient)

    def values(arr: P.FloatArray) -> P.FloatArray:
        # (rows, R, 15) -> (rows, Y, R) -> flat in pid, year, regimen order
        picked = arr[:, :, year_idx] if every_row else arr[rows][:, :, year_idx]
        return np.ascontiguousarray(picked.transpose(0, 2, 1)).reshape(-1)

    # string columns by gathering from the short lists of names (no per-row Python strings)
    year, regimen = _year_regimen_columns(tuple(years), tuple(names), int(rows.size))
    base = {"pid": pid_series.gather(repeat_idx), "year": year, "regimen": regimen}
    if result.model == "v3.2":
        return pl.DataFrame(
            {
                **base,
                "cum_mort_all": values(result.cum_mort_all),
                "cum_mort_breast": values(result.cum_mort_breast),
                "cum_mort_other": values(result.cum_mort_other),
            }
        )
    # v2.2 convention of the official web tool output: surg = OS %, others = benefit in pp
    benefit = 100.0 * result.os_benefit
    benefit[:, 0, :] = 100.0 * (1.0 - result.cum_mort_all[:, 0, :])
    return pl.DataFrame({**base, "value": values(benefit)})


def errors_frame(errors: Sequence[P.InputError], table: PatientTable) -> pl.DataFrame:
    """One line per invalid value: pid, 1-based data row, field, value as given, allowed."""
    return pl.DataFrame(
        {
            "pid": [table.pids[e.row] for e in errors],
            "row": [e.row + 1 for e in errors],
            "field": [e.field for e in errors],
            "value": [_raw_text(table.raw, e) for e in errors],
            "allowed": [e.allowed for e in errors],
            "message": [e.message for e in errors],
        },
        schema=dict.fromkeys(ERROR_COLUMNS, pl.String) | {"row": pl.Int64},
    )


def _raw_text(raw: pl.DataFrame, error: P.InputError) -> str | None:
    """The value as given in the file; None when the cell was empty (not recorded)."""
    value = raw[error.field][error.row]
    return None if value is None else str(value)


def run_batch(
    model: P.Model,
    patients_path: Path,
    out_path: Path,
    years: Sequence[int] = (1, 5, 10, 15),
    chunk_size: int = P.DEFAULT_CHUNK,
    progress: Callable[[int, int], None] | None = None,
) -> BatchSummary:
    """Compute ``model`` for every patient of ``patients_path`` and write ``out_path``.

    CSV output is written chunk by chunk; Parquet output is assembled in memory and written
    once. ``progress(done, total)`` is called with patient counts after each chunk.
    """
    out_suffix = out_path.suffix.lower()
    if out_suffix not in (".csv", ".parquet"):
        raise ValueError(f"--out must end in .csv or .parquet, not {out_path.suffix!r}")
    table = read_patients(patients_path, model)
    errors: list[P.InputError] = []
    parts: list[pl.DataFrame] = []
    n_rows = 0
    n_computed = 0
    out_path.parent.mkdir(parents=True, exist_ok=True)
    handle = out_path.open("w", encoding="utf-8", newline="") if out_suffix == ".csv" else None
    try:
        for start, result in P.iter_chunks(model, table.inputs, chunk_size):
            errors.extend(result.errors)
            chunk_pids = table.pids[start : start + result.applicable.shape[0]]
            frame = result_frame(result, chunk_pids, years)
            n_rows += frame.height
            n_computed += int(result.applicable.sum())
            if handle is not None:
                frame.write_csv(handle, include_header=start == 0)
            else:
                parts.append(frame)
            if progress is not None:
                progress(start + result.applicable.shape[0], len(table.inputs))
        if handle is None:
            columns = V32_COLUMNS if model == "v3.2" else V22_COLUMNS
            whole = pl.concat(parts) if parts else pl.DataFrame(schema=dict.fromkeys(columns))
            # zstd level 1: as small as the default level on these columns, ~25 % less CPU
            whole.write_parquet(out_path, compression="zstd", compression_level=1)
        elif len(table.inputs) == 0:
            handle.write(",".join(V32_COLUMNS if model == "v3.2" else V22_COLUMNS) + "\n")
    finally:
        if handle is not None:
            handle.close()
    err_path = errors_path_for(out_path)
    errors_frame(errors, table).write_csv(err_path)
    bad_rows = {e.row for e in errors}
    return BatchSummary(
        model=model,
        n_patients=len(table.inputs),
        n_computed=n_computed,
        n_not_applicable=len(bad_rows),
        n_result_rows=n_rows,
        out_path=out_path,
        errors_path=err_path,
        first_errors=tuple(
            f"row {e.row + 1} (pid {table.pids[e.row]}): {e.message}" for e in errors[:5]
        ),
    )
