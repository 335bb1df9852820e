"""Parse every cohort column to its type and check each row as the case model would.

:func:`prepare` takes a raw batch (any column types: text from CSV, numbers/booleans/lists from
Parquet or NDJSON) and returns the normalised valid rows and a per-row error table
(``row, case_id, column, value, problem``). A row is valid exactly when the case model accepts
the case of that row (:func:`breastcds.cohort.schema.row_to_case`), apart from the
cohort-only structure checks listed in :data:`STRUCTURE_CHECKS` (details given without the
record they belong to, which the case model could not hold). Ranges and allowed values are read
from the case model itself (:class:`breastcds.cohort.schema.Column`); the contradictions between
fields are the case model's own checks (``knowledge/consistency.yaml``, compiled by
:func:`breastcds.model.consistency.to_polars`, their messages rendered by the same function).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import polars as pl

from breastcds.cohort.schema import COLUMNS, MAX_LINES, NO_SITES, Column
from breastcds.model import consistency

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
    f"'{NO_SITES}' in metastatic_sites, declines, adjuvant_agents, endocrine_agents or "
    "recurrence_on_therapy stands alone",
    "endocrine details (years, ongoing, months since end) need endocrine_agents",
    "recurrence details (months, agents taken, biopsied, restaged, resected) need recurrence_site",
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
        # an entry listed twice: the case model's checks (consistency.declines_listed_once)
        return (
            pl.when(bad)
            .then(pl.lit(f"not an allowed value; allowed: {col.allowed()}"))
            .when(alone)
            .then(pl.lit(f"'{NO_SITES}' cannot be combined with other entries"))
            .otherwise(None)
        )
    if col.kind == "list" and col.none_is_empty:
        alone = v.list.contains(NO_SITES) & (v.list.len() > 1)
        return (
            pl.when(alone)
            .then(pl.lit(f"'{NO_SITES}' cannot be combined with other entries"))
            .otherwise(None)
        )
    return _range_problem(col)


@dataclass(frozen=True)
class Check:
    """One row check: the column it names and an expression giving the problem (or null).

    A consistency check of the case model (``rule``) marks its failing rows with its id; the
    message is rendered from the row's values by the rule's own function (:func:`_errors`)."""

    column: str
    problem: pl.Expr
    rule: consistency.Check | None = None
    inputs: Mapping[str, pl.Expr | None] | None = None


def _check(column: str, condition: pl.Expr, problem: pl.Expr) -> Check:
    return Check(column, pl.when(condition).then(problem).otherwise(None))


def case_values() -> dict[str, pl.Expr]:
    """Case path -> expression of the case model's value from the flat columns (the inverse
    of :func:`breastcds.cohort.schema.row_to_case_dict`; null = not recorded)."""
    c = pl.col
    out: dict[str, pl.Expr] = {col.case_field: c(col.name) for col in COLUMNS}
    # 'none' alone is the case model's [] (staged, no distant site found; none taken...)
    for col in COLUMNS:
        if col.none_is_empty or (col.kind == "enum_list" and NO_SITES in (col.values or ())):
            out[col.case_field] = c(col.name).list.eval(
                pl.element().filter(pl.element() != NO_SITES)
            )
    # records the flat table creates: neoadjuvant = true; an ISH count when either number is
    # given; the endocrine record with its agents, the recurrence record with its site
    out["treatment.neoadjuvant"] = pl.when(c("neoadjuvant").eq(True)).then(True).otherwise(None)
    for path, column in (("treatment.endocrine", "endocrine_agents"),
                         ("treatment.recurrence", "recurrence_site")):  # fmt: skip
        out[path] = pl.when(c(column).is_not_null()).then(True).otherwise(None)
    for prefix, path in (("her2_ish", "biomarkers.her2_ish"),
                         ("her2_ish_recount", "biomarkers.her2_ish_recount")):  # fmt: skip
        given = c(f"{prefix}_ratio").is_not_null() | c(f"{prefix}_copies").is_not_null()
        out[path] = pl.when(given).then(True).otherwise(None)
    courses = pl.List(pl.String)
    out["treatment.radiotherapy_courses"] = pl.concat_list(
        pl.when(c("prior_breast_radiotherapy").eq(True))
        .then(pl.lit(["whole_breast"], courses))
        .otherwise(pl.lit([], courses)),
        c("prior_radiotherapy_regions").fill_null(pl.lit([], courses)),
    )
    return out


def _consistency_checks() -> list[Check]:
    """The case model's consistency checks (knowledge/consistency.yaml), compiled over the
    columns; a check none of whose fields the table holds cannot fail and is left out."""
    values = case_values()
    checks = []
    for rule in consistency.active().checks:
        inputs = {i.input: values.get(i.field) for i in rule.inputs}
        if all(e is None for e in inputs.values()):
            continue
        named = [_column_of(f) for f in (rule.field, *(i.field for i in rule.inputs))]
        column = next(name for name in named if name is not None)
        fails = consistency.to_polars(rule, inputs)
        checks.append(
            Check(column, pl.when(fails).then(pl.lit(rule.id)).otherwise(None), rule, inputs)
        )
    return checks


def _column_of(case_field: str) -> str | None:
    """The column holding ``case_field`` (for a record: its first column), if any."""
    exact = (col.name for col in COLUMNS if col.case_field == case_field)
    inside = (col.name for col in COLUMNS if col.case_field.startswith(case_field + "."))
    return next(exact, None) or next(inside, None)


def _structure() -> list[Check]:
    """Cohort-only checks (see STRUCTURE_CHECKS) and the ISH pairs the case model requires."""
    c = pl.col
    lit = pl.lit
    checks = []
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
    for name in ("neoadjuvant_agents", "neoadjuvant_response", "ypt", "ypn"):
        checks.append(
            _check(
                name,
                c(name).is_not_null() & c("neoadjuvant").ne_missing(True),
                lit(f"{name} is given but neoadjuvant is not true"),
            )
        )
    for record, names in (
        ("endocrine_agents", ("endocrine_years_completed", "endocrine_ongoing",
                              "endocrine_months_since_end")),
        ("recurrence_site", ("recurrence_months_since_diagnosis",
                             "recurrence_months_since_last_radiotherapy", "recurrence_on_therapy",
                             "recurrence_biopsied", "recurrence_restaged", "recurrence_resected")),
    ):  # fmt: skip
        for name in names:
            checks.append(
                _check(
                    name,
                    c(name).is_not_null() & c(record).is_null(),
                    lit(f"{name} is given without {record}"),
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
    return checks


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
    checks += _consistency_checks() + _structure()
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


def _messages(ch: Check, failing: pl.DataFrame) -> list[str]:
    """The consistency check's message for each failing row, from the row's case values."""
    assert ch.rule is not None and ch.inputs is not None
    rule = ch.rule
    exprs = [(e if e is not None else pl.lit(None)).alias(k) for k, e in ch.inputs.items()]
    return [
        consistency.message(rule, values) for values in failing.select(exprs).iter_rows(named=True)
    ]


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
        failing = bad.filter(pl.col(n).is_not_null())
        part = failing.select(
            pl.col(ROW).alias("row"),
            pl.col("case_id"),
            pl.lit(ch.column).alias("column"),
            value.alias("value"),
            pl.col(n).alias("problem"),
        )
        if ch.rule is not None and ch.inputs is not None and failing.height:
            part = part.with_columns(pl.Series("problem", _messages(ch, failing), pl.String))
        parts.append(part)
    return pl.concat(parts).sort("row", maintain_order=True)
