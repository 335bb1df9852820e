"""Parse every cohort column to its type and check each row as the case model would.

:func:`prepare` takes a raw batch (any column types: text from CSV, numbers/booleans/lists from
Parquet or NDJSON) and returns the normalised valid rows and a per-row error table
(``row, case_id, column, value, problem``). A row is valid exactly when the case model accepts
the case of that row (:func:`breastcds.cohort.schema.row_to_case`), apart from the
cohort-only structure checks listed in :data:`STRUCTURE_CHECKS` (details given without the
record they belong to, which the case model could not hold). Ranges and allowed values are read
from the case model itself (:class:`breastcds.cohort.schema.Column`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import polars as pl

from breastcds.cohort.schema import COLUMNS, MAX_LINES, NO_SITES, Column

ROW = "row"
ERROR_SCHEMA: dict[str, pl.DataType] = {
    "row": pl.Int64(), "case_id": pl.String(), "column": pl.String(), "value": pl.String(),
    "problem": pl.String(),
}  # fmt: skip
_TRUE = ["true", "t", "yes", "y", "1"]
_FALSE = ["false", "f", "no", "n", "0"]
_INTEGER_TYPES = (pl.Int8, pl.Int16, pl.Int32, pl.Int64, pl.UInt8, pl.UInt16, pl.UInt32,
                  pl.UInt64)  # fmt: skip

#: Cohort-only checks: items the flat table can state but the case model could not hold.
STRUCTURE_CHECKS = (
    "neoadjuvant details (agents, response, ypT, ypN) need neoadjuvant = true",
    "a metastatic line's outcome or months need that line's agents",
    "metastatic line k needs line k-1",
    f"'{NO_SITES}' in metastatic_sites or declines stands alone",
)


def canonical_dtype(col: Column) -> pl.DataType:
    if col.kind == "int":
        return pl.Int64()
    if col.kind == "float":
        return pl.Float64()
    if col.kind == "bool":
        return pl.Boolean()
    if col.kind in ("list", "enum_list"):
        return pl.List(pl.String())
    return pl.String()


def _raw(name: str) -> str:
    return f"__raw.{name}"


def _text(expr: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    """Text of a raw value for the error table."""
    if isinstance(dtype, pl.List):
        return expr.cast(pl.List(pl.String)).list.join(";")
    return expr.cast(pl.String)


def _blank_to_null(e: pl.Expr) -> pl.Expr:
    s = e.str.strip_chars()
    return pl.when(s.str.len_chars() == 0).then(None).otherwise(s)


def _parse(col: Column, dtype: pl.DataType) -> tuple[pl.Expr, pl.Expr]:
    """(canonical value, parse problem or null) of one column from its raw dtype."""
    raw = pl.col(_raw(col.name))
    is_text = dtype == pl.String
    present = raw.is_not_null()
    if is_text:
        present = _blank_to_null(raw).is_not_null()
    if col.kind in ("int", "float"):
        if is_text:
            value = _blank_to_null(raw).cast(pl.Float64, strict=False)
        elif dtype == pl.Boolean or dtype == pl.Null or dtype.is_numeric():
            value = raw.cast(pl.Float64)
        else:
            value = pl.lit(None, pl.Float64)
        bad = present & (value.is_null() | value.is_nan() | value.is_infinite())
        problem: Any = pl.when(bad).then(pl.lit("not a number"))
        if col.kind == "int":
            fractional = value.is_not_null() & ~bad & (value != value.floor())
            problem = problem.when(fractional).then(pl.lit("not a whole number"))
            if isinstance(dtype, _INTEGER_TYPES):
                value = raw.cast(pl.Int64)
            else:
                value = pl.when(bad | fractional).then(None).otherwise(value).cast(pl.Int64)
        else:
            value = pl.when(bad).then(None).otherwise(value)
        return value, problem.otherwise(None)
    if col.kind == "bool":
        if dtype == pl.Boolean or dtype == pl.Null:
            return raw.cast(pl.Boolean), pl.lit(None, pl.String)
        text = (_blank_to_null(raw) if is_text else raw.cast(pl.String)).str.to_lowercase()
        value = pl.when(text.is_in(_TRUE)).then(True).when(text.is_in(_FALSE)).then(False)
        problem = pl.when(present & value.is_null()).then(pl.lit("not true/false"))
        return value.otherwise(None).cast(pl.Boolean), problem.otherwise(None)
    if col.kind in ("list", "enum_list"):
        if isinstance(dtype, pl.List) or dtype == pl.Null:
            items = raw.cast(pl.List(pl.String))
        else:
            items = raw.cast(pl.String).str.split(";")
        value = items.list.eval(pl.element().str.strip_chars()).list.eval(
            pl.element().filter(pl.element().str.len_chars() > 0)
        )
        return value, pl.lit(None, pl.String)
    # enum / text
    value = _blank_to_null(raw.cast(pl.String))
    return value, pl.lit(None, pl.String)


def _range_problem(col: Column) -> pl.Expr | None:
    b = col.bounds
    if not b:
        return None
    v = pl.col(col.name)
    out = pl.lit(False)
    if "ge" in b:
        out = out | (v < b["ge"])
    if "gt" in b:
        out = out | (v <= b["gt"])
    if "le" in b:
        out = out | (v > b["le"])
    if "lt" in b:
        out = out | (v >= b["lt"])
    return pl.when(out).then(pl.lit(f"outside the allowed range ({col.allowed()})")).otherwise(None)


def _value_problem(col: Column) -> pl.Expr | None:
    v = pl.col(col.name)
    if col.kind == "enum" and col.values is not None:
        return (
            pl.when(v.is_not_null() & ~v.is_in(list(col.values)))
            .then(pl.lit(f"not an allowed value; allowed: {col.allowed()}"))
            .otherwise(None)
        )
    if col.kind == "enum_list" and col.values is not None:
        bad = v.list.eval(~pl.element().is_in(list(col.values))).list.any()
        alone = v.list.contains(NO_SITES) & (v.list.len() > 1)
        return (
            pl.when(bad)
            .then(pl.lit(f"not an allowed value; allowed: {col.allowed()}"))
            .when(alone)
            .then(pl.lit(f"'{NO_SITES}' cannot be combined with other entries"))
            .otherwise(None)
        )
    return _range_problem(col)


@dataclass(frozen=True)
class Check:
    """One row check: the column it names and an expression giving the problem (or null)."""

    column: str
    problem: pl.Expr


def _check(column: str, condition: pl.Expr, problem: pl.Expr) -> Check:
    return Check(column, pl.when(condition).then(problem).otherwise(None))


def _consistency() -> list[Check]:
    """Contradictions the case model rejects (model/case.py validators), per named column."""
    c = pl.col
    lit = pl.lit
    sites = c("metastatic_sites")
    has_sites = sites.list.len().gt(0) & ~sites.list.contains(NO_SITES)
    no_sites = sites.list.contains(NO_SITES)
    checks = [
        _check(
            "nodes_positive",
            c("nodes_positive") > c("nodes_examined"),
            pl.format(
                "nodes_positive ({}) exceeds nodes_examined ({})",
                c("nodes_positive"),
                c("nodes_examined"),
            ),
        ),
        _check(
            "nodes_micrometastases_only",
            c("nodes_micrometastases_only").eq(True) & c("nodes_positive").eq(0),
            lit("nodes_micrometastases_only is true but nodes_positive is 0"),
        ),
        _check(
            "size_mm",
            c("dcis_only").eq(True) & c("size_mm").ne(0),
            lit("an invasive size is recorded but dcis_only is true"),
        ),
        _check(
            "pregnancy",
            c("pregnancy").eq(True) & c("sex").eq("male"),
            lit("pregnant is true but sex is male"),
        ),
        _check(
            "her2_ihc0_staining",
            c("her2_ihc0_staining").is_not_null() & c("her2_ihc").ne(0),
            pl.format("IHC 0 staining detail is recorded but her2_ihc is {}", c("her2_ihc")),
        ),
    ]
    checks.append(
        _check(
            "months_since_chemotherapy",
            c("months_since_chemotherapy").is_not_null()
            & c("adjuvant_chemotherapy_done").eq(False)
            & c("neoadjuvant").ne_missing(True),
            lit(
                "months_since_chemotherapy is recorded but adjuvant_chemotherapy_done is false "
                "and no neoadjuvant therapy is recorded"
            ),
        )
    )
    for m in ("clinical_m", "pathological_m"):
        checks.append(
            _check(
                "metastatic_sites",
                has_sites & c(m).is_in(["M0", "cM0(i+)"]),
                pl.format(f"metastatic sites are recorded but {m} is {{}}", c(m)),
            )
        )
    checks.append(
        _check(
            "metastatic_sites",
            no_sites & (c("clinical_m").eq("M1") | c("pathological_m").eq("M1")),
            lit(f"metastatic_sites is '{NO_SITES}' (none found) but M is M1"),
        )
    )
    for prefix in ("her2_ish", "her2_ish_recount"):
        ratio, copies = c(f"{prefix}_ratio"), c(f"{prefix}_copies")
        checks.append(
            _check(
                f"{prefix}_copies",
                ratio.is_not_null() & copies.is_null(),
                lit(f"{prefix}_ratio is given without {prefix}_copies"),
            )
        )
        checks.append(
            _check(
                f"{prefix}_ratio",
                copies.is_not_null() & ratio.is_null(),
                lit(f"{prefix}_copies is given without {prefix}_ratio"),
            )
        )
    recount = c("her2_ish_recount_ratio").is_not_null() | c("her2_ish_recount_copies").is_not_null()
    first = c("her2_ish_ratio").is_not_null() | c("her2_ish_copies").is_not_null()
    checks.append(
        _check(
            "her2_ish_recount_ratio",
            recount & ~first,
            lit("an ISH recount is recorded without a first count"),
        )
    )
    checks += _patient_and_tumour_record_checks()
    # cohort-only structure (see STRUCTURE_CHECKS)
    for name in ("neoadjuvant_agents", "neoadjuvant_response", "ypt", "ypn"):
        checks.append(
            _check(
                name,
                c(name).is_not_null() & c("neoadjuvant").ne_missing(True),
                lit(f"{name} is given but neoadjuvant is not true"),
            )
        )
    for k in range(1, MAX_LINES + 1):
        agents = c(f"metastatic_line{k}_agents")
        for part in ("outcome", "months"):
            name = f"metastatic_line{k}_{part}"
            checks.append(
                _check(
                    name,
                    c(name).is_not_null() & agents.is_null(),
                    lit(f"{name} is given without metastatic_line{k}_agents"),
                )
            )
        if k > 1:
            checks.append(
                _check(
                    f"metastatic_line{k}_agents",
                    agents.is_not_null() & c(f"metastatic_line{k - 1}_agents").is_null(),
                    lit(f"metastatic line {k} is given without line {k - 1}"),
                )
            )
    return checks  # fmt: skip


def _patient_and_tumour_record_checks() -> list[Check]:
    """model/case.py ``Patient._consistent``, ``Tumour._course`` and ``SurgeryRecord`` checks
    on the columns added for pregnancy, declines, brain metastases, DCIS and sentinel nodes."""
    c = pl.col
    lit = pl.lit
    pregnant = pl.coalesce(c("pregnant"), c("pregnancy"))
    sites = c("metastatic_sites")
    brain = (
        pl.when(sites.is_null())
        .then(None)
        .otherwise(sites.list.eval(pl.element().is_in(["brain", "leptomeninges"])).list.any())
    )
    count = c("brain_metastases_count")
    checks = [
        _check(
            "pregnant",
            c("pregnant").is_not_null()
            & c("pregnancy").is_not_null()
            & c("pregnant").ne(c("pregnancy")),
            lit("pregnant and pregnancy (older column) disagree"),
        ),
        _check(
            "pregnant",
            c("pregnant").eq(True) & c("sex").eq("male"),
            lit("pregnant is true but sex is male"),
        ),
        _check(
            "gestation_weeks",
            c("gestation_weeks").is_not_null() & pregnant.ne_missing(True),
            lit("gestation_weeks is recorded but pregnant is not true"),
        ),
        _check(
            "declines",
            c("declines").list.len().ne(c("declines").list.n_unique()),
            lit("a declined class is listed twice"),
        ),
        _check(
            "brain_metastases_count",
            (count > 0) & brain.eq(False),
            pl.format("brain_metastases_count is {} but metastatic_sites has no brain site", count),
        ),
        _check(
            "brain_metastases_count",
            count.eq(0) & brain.eq(True),
            lit("brain_metastases_count is 0 but a brain site is listed"),
        ),
        _check(
            "brain_metastases_symptomatic",
            c("brain_metastases_symptomatic").eq(True) & (count.eq(0) | brain.eq(False)),
            lit("symptomatic brain metastases are recorded but no brain metastasis is"),
        ),
        _check(
            "sentinel_nodes_positive",
            c("sentinel_nodes_positive").is_not_null() & c("axillary_surgery").eq("none"),
            lit("sentinel node results are recorded but the axillary procedure is none"),
        ),
    ]
    for name in ("dcis_extent_mm", "dcis_nuclear_grade"):
        checks.append(
            _check(
                name,
                c(name).is_not_null() & c("dcis_only").ne_missing(True),
                lit(f"{name} is recorded but dcis_only is not true"),
            )
        )
    return checks  # fmt: skip


def prepare(raw: pl.DataFrame, row_offset: int = 0) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(valid normalised rows with ``row``, error table) of one raw batch.

    ``row`` numbers the input rows from ``row_offset`` (0-based, in input order). Columns the
    input lacks are null (not recorded); columns the schema does not know are ignored.
    """
    schema = raw.schema
    present = [col for col in COLUMNS if col.name in schema]
    frame = raw.select(
        pl.int_range(pl.len(), dtype=pl.Int64).add(row_offset).alias(ROW),
        *[pl.col(col.name).alias(_raw(col.name)) for col in present],
    )
    parsed: list[pl.Expr] = []
    checks: list[Check] = []
    for col in COLUMNS:
        if col.name in schema:
            value, problem = _parse(col, schema[col.name])
            checks.append(Check(col.name, problem))
        else:
            value = pl.lit(None)
        parsed.append(value.cast(canonical_dtype(col)).alias(col.name))
    frame = frame.with_columns(parsed)
    for col in COLUMNS:
        vp = _value_problem(col)
        if vp is not None:
            checks.append(Check(col.name, vp))
    checks += _consistency()
    names = [f"__check{i}" for i in range(len(checks))]
    frame = frame.with_columns(
        [ch.problem.cast(pl.String).alias(n) for ch, n in zip(checks, names, strict=True)]
    )
    invalid = (
        pl.any_horizontal([pl.col(n).is_not_null() for n in names]) if names else pl.lit(False)
    )
    frame = frame.with_columns(invalid.alias("__invalid"))
    bad = frame.filter(pl.col("__invalid"))
    errors = _errors(bad, checks, names, schema)
    valid = frame.filter(~pl.col("__invalid")).select(ROW, *[col.name for col in COLUMNS])
    return valid, errors


def _errors(
    bad: pl.DataFrame, checks: list[Check], names: list[str], schema: pl.Schema
) -> pl.DataFrame:
    if bad.height == 0:
        return pl.DataFrame(schema=ERROR_SCHEMA)
    parts = []
    for ch, n in zip(checks, names, strict=True):
        raw_name = _raw(ch.column)
        value = (
            _text(pl.col(raw_name), schema[ch.column])
            if ch.column in schema
            else pl.lit(None, pl.String)
        )
        parts.append(
            bad.filter(pl.col(n).is_not_null()).select(
                pl.col(ROW).alias("row"),
                pl.col("case_id"),
                pl.lit(ch.column).alias("column"),
                value.alias("value"),
                pl.col(n).alias("problem"),
            )
        )
    return pl.concat(parts).sort("row", maintain_order=True)
