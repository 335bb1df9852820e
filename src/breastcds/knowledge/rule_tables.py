"""Classification decision tables: one definition, run per patient or compiled for a cohort.

A table (an item of ``tables`` in ``knowledge/classification/*.yaml``) maps named inputs to
named outputs by ordered rows; the first row whose condition holds decides. A row may hold
sub-rows (a decision tree: entering a row commits to it, its sub-rows refine it), and along
the path the rows contribute outputs (``then``, inner rows override outer ones), reasons and
comments (en and zh templates, optionally conditional) and the case fields a pending result
asks for (``missing``). The last row of every list has no condition, so a table always
decides.

Conditions are :class:`breastcds.knowledge.conditions.Condition` trees over the table's own
inputs, evaluated three-valued: a row whose condition cannot be decided (an input it needs is
not recorded) stops the table with the row's ``if_unknown`` (else the table's) outputs, reasons
and the missing case fields - never a guess. Thresholds are not written in the tables: a value
``{param: name}`` names a threshold of ``knowledge/biomarkers.yaml`` (``parameters``), so each
threshold has one place and one source.

Two backends share the validated tree: :func:`decide` (one patient: outputs, reasons, comments,
missing fields) and :func:`to_polars` (one polars expression per output; a cohort table is
evaluated at once). This is the CQL-to-ELM design: one definition, interpreted per patient or
compiled over a population. :func:`load_tables` reads the tables from a directory (the packaged
one by default) and :func:`knowledge_from` makes such a directory the active knowledge.
"""

from __future__ import annotations

import string
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from breastcds.knowledge.conditions import Condition, evaluate
from breastcds.knowledge.loader import KnowledgeError, load_yaml, parse_yaml
from breastcds.knowledge.schema import BiomarkerKnowledge, biomarkers
from breastcds.model import consistency

if TYPE_CHECKING:  # the cohort backend's dependency; one-patient assessment does not load it
    import polars as pl

TABLE_FILES = ("classification/her2_ish_group.yaml", "classification/her2.yaml",
               "classification/receptors.yaml", "classification/ki67.yaml",
               "classification/subtype.yaml", "classification/staging.yaml",
               "classification/predict_mapping.yaml")  # fmt: skip
OutputValue = str | int | bool | None


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Input(_Strict):
    """A named input of a table: its type, allowed values and the case field it comes from."""

    name: str
    type: Literal["number", "enum", "bool"]
    field: str = Field(description="case-model field a prompt for this input names")
    values: tuple[str, ...] | None = None
    required: bool = Field(False, description="never unknown (a status with its own code)")


class Text(_Strict):
    """A reason or comment: en and zh templates over the inputs and parameters.

    ``when``: included only when the condition holds. ``parts``: further texts joined after
    the template with ``separator`` (those whose condition holds; only the first with
    ``first``)."""

    en: str
    zh: str
    when: Condition | None = None
    parts: tuple[Text, ...] = ()
    separator: str = "; "
    first: bool = False


class Missing(_Strict):
    """A case field the result asks for, with the reason (when ``when`` holds, if given)."""

    field: str
    reason: Text
    when: Condition | None = None


class Row(_Strict):
    when: Condition | None = None
    then: dict[str, OutputValue] = {}
    reasons: tuple[Text, ...] = ()
    comments: tuple[Text, ...] = ()
    missing: tuple[Missing, ...] = ()
    missing_from: str | None = Field(None, description="input whose own missing fields apply")
    if_unknown: Row | None = None
    rows: tuple[Row, ...] = ()


class Table(_Strict):
    """One decision table (see the module docstring)."""

    id: str
    title: str
    source: str
    parameters: dict[str, str] = Field({}, description="local name -> biomarkers.yaml path")
    inputs: tuple[Input, ...]
    outputs: dict[str, tuple[OutputValue, ...]]
    defaults: dict[str, OutputValue] = {}
    if_unknown: Row
    rows: tuple[Row, ...] = Field(min_length=1)
    params: dict[str, float] = Field({}, description="resolved parameter values (at load)")

    @model_validator(mode="after")
    def _complete(self) -> Table:
        names = {i.name for i in self.inputs}
        fields = {i.field for i in self.inputs}
        scope = names | set(self.params)
        _check_rows(self.rows, "rows")
        for where, row, merged in _leaves(self):
            for out, allowed in self.outputs.items():
                if out not in merged:
                    raise ValueError(f"{self.id} {where}: output {out!r} is not set")
                if merged[out] not in allowed:
                    raise ValueError(f"{self.id} {where}: {out}={merged[out]!r} not in {allowed}")
            extra = set(merged) - set(self.outputs)
            if extra:
                raise ValueError(f"{self.id} {where}: unknown outputs {sorted(extra)}")
            for text in (*row.reasons, *row.comments, *(m.reason for m in row.missing)):
                _check_template(text, scope, f"{self.id} {where}")
            for m in row.missing:
                if m.field not in fields:
                    raise ValueError(f"{self.id} {where}: {m.field!r} is not an input's field")
            if row.missing_from is not None and row.missing_from not in names:
                raise ValueError(f"{self.id} {where}: missing_from {row.missing_from!r}")
        return self

    def input(self, name: str) -> Input:
        return next(i for i in self.inputs if i.name == name)


def _check_rows(rows: Sequence[Row], where: str) -> None:
    for i, row in enumerate(rows):
        last = i == len(rows) - 1
        if last and row.when is not None:
            raise ValueError(f"{where}: the last row has no condition (the table always decides)")
        if not last and row.when is None:
            raise ValueError(f"{where}[{i}]: only the last row may omit its condition")
        if row.rows:
            _check_rows(row.rows, f"{where}[{i}].rows")


def _leaves(table: Table) -> Iterator[tuple[str, Row, dict[str, OutputValue]]]:
    """Every way a table can end (leaf rows and if_unknown handlers) with merged outputs and
    all texts met on the way (as one synthetic row for the checks)."""

    def walk(
        rows: Sequence[Row], path: str, merged: dict[str, OutputValue], texts: Row
    ) -> Iterator[tuple[str, Row, dict[str, OutputValue]]]:
        for i, row in enumerate(rows):
            here = f"{path}[{i}]"
            handler = row.if_unknown or table.if_unknown
            if row.when is not None:
                yield here + ".if_unknown", _join(texts, handler), {**merged, **handler.then}
            inner = {**merged, **row.then}
            if row.rows:
                yield from walk(row.rows, here + ".rows", inner, _join(texts, row))
            else:
                yield here, _join(texts, row), inner

    yield "if_unknown", table.if_unknown, {**table.defaults, **table.if_unknown.then}
    yield from walk(table.rows, "rows", dict(table.defaults), Row())


def _join(a: Row, b: Row) -> Row:
    return Row(
        reasons=(*a.reasons, *b.reasons),
        comments=(*a.comments, *b.comments),
        missing=(*a.missing, *b.missing),
        missing_from=b.missing_from or a.missing_from,
    )


def _check_template(text: Text, scope: set[str], where: str) -> None:
    for template in (text.en, text.zh):
        for _, name, _, _ in string.Formatter().parse(template):
            if name is not None and name not in scope:
                raise ValueError(f"{where}: template names {name!r}, not an input/parameter")
    for part in text.parts:
        _check_template(part, scope, where)


# --------------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RuleTables:
    """The validated tables by id, with the biomarker thresholds they were resolved against."""

    tables: Mapping[str, Table]
    biomarkers: BiomarkerKnowledge

    def __getitem__(self, table_id: str) -> Table:
        return self.tables[table_id]


def _resolve(node: Any, params: dict[str, float]) -> Any:
    """Replace ``{param: name}`` by the parameter's value (threshold from biomarkers.yaml)."""
    if isinstance(node, dict):
        if set(node) == {"param"}:
            name = node["param"]
            if name not in params:
                raise KnowledgeError(f"unknown parameter {name!r}")
            return params[name]
        return {k: _resolve(v, params) for k, v in node.items()}
    if isinstance(node, list):
        return [_resolve(v, params) for v in node]
    return node


def _param(kb: BiomarkerKnowledge, path: str) -> float:
    node: Any = kb
    for part in path.split("."):
        node = getattr(node, part, None)
    if isinstance(node, bool) or not isinstance(node, int | float):
        raise KnowledgeError(f"parameter path {path!r} is not a number in biomarkers.yaml")
    return float(node)


def parse_table(data: Any, kb: BiomarkerKnowledge, name: str) -> Table:
    """Validate one table file (parameters resolved against ``kb``)."""
    if not isinstance(data, dict):
        raise KnowledgeError(f"knowledge file {name!r}: a table is a mapping")
    params = {k: _param(kb, v) for k, v in dict(data.get("parameters") or {}).items()}
    # keys "x-..." only hold YAML anchors written once and used by several rows
    body = {k: v for k, v in data.items() if not str(k).startswith("x-")}
    raw = _resolve({**body, "params": params}, params)
    scope = {i["name"]: Input.model_validate(i) for i in raw.get("inputs") or []}
    try:
        return Table.model_validate(raw, context={"facts": scope})
    except ValidationError as exc:
        raise KnowledgeError(f"knowledge file {name!r} does not match its schema: {exc}") from exc


def load_tables(directory: Path | None = None) -> RuleTables:
    """The classification tables of ``directory`` (default: the packaged knowledge), with the
    thresholds of that directory's ``biomarkers.yaml``."""
    if directory is None:
        kb = biomarkers()
        files = {name: load_yaml(name) for name in TABLE_FILES}
    else:
        try:
            kb = BiomarkerKnowledge.model_validate(_read(directory, "biomarkers.yaml"))
        except ValidationError as exc:
            raise KnowledgeError(f"biomarkers.yaml in {directory}: {exc}") from exc
        files = {name: _read(directory, name) for name in TABLE_FILES}
    tables: dict[str, Table] = {}
    for name, data in files.items():
        if not isinstance(data, dict) or not isinstance(data.get("tables"), list):
            raise KnowledgeError(f"knowledge file {name!r}: expected a list 'tables'")
        for item in data["tables"]:
            table = parse_table(item, kb, name)
            if table.id in tables:
                raise KnowledgeError(f"knowledge file {name!r}: table {table.id!r} twice")
            tables[table.id] = table
    return RuleTables(tables, kb)


def _read(directory: Path, name: str) -> Any:
    try:
        return parse_yaml((directory / name).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise KnowledgeError(f"knowledge file {name!r} in {directory}: {exc}") from exc


_override: list[RuleTables] = []


@cache
def _packaged() -> RuleTables:
    return load_tables()


def active() -> RuleTables:
    """The tables both engines run: the packaged ones unless :func:`knowledge_from` is active."""
    return _override[-1] if _override else _packaged()


@contextmanager
def knowledge_from(directory: Path) -> Iterator[RuleTables]:
    """Run both engines on the tables (and thresholds) of another knowledge directory, and on
    its derived-fact definitions (knowledge/derived.py) and its case-model consistency checks
    (``consistency.yaml``)."""
    from breastcds.knowledge import derived

    _override.append(load_tables(directory))
    try:
        with derived.overriding(derived.load(directory)), consistency.checks_from(directory):
            yield _override[-1]
    finally:
        _override.pop()


# --------------------------------------------------------------------------------------------
# One patient
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Said:
    """A rendered reason or comment."""

    en: str
    zh: str


@dataclass(frozen=True)
class Prompt:
    """A case field the result asks for."""

    field: str
    reason: Said


@dataclass(frozen=True)
class Decision:
    outputs: Mapping[str, OutputValue]
    reasons: tuple[Said, ...]
    comments: tuple[Said, ...]
    missing: tuple[Prompt, ...]
    unknown: bool  # a condition could not be decided (the if_unknown path)


def _holds(c: Condition | None, facts: Mapping[str, Any]) -> bool:
    return c is None or evaluate(c, facts).value is True


def _render(text: Text, env: Mapping[str, Any]) -> Said | None:
    if not _holds(text.when, env):
        return None
    parts = [p for p in (_render(t, env) for t in text.parts) if p is not None]
    if text.first:
        parts = parts[:1]
    if text.en:  # a text with an empty template only groups its parts
        parts.insert(0, Said(text.en.format_map(env), text.zh.format_map(env)))
    if not parts:
        return None
    return Said(text.separator.join(p.en for p in parts), text.separator.join(p.zh for p in parts))


def decide(
    table: Table,
    facts: Mapping[str, Any],
    upstream: Mapping[str, Sequence[Prompt]] | None = None,
) -> Decision:
    """Run ``table`` for one patient: ``facts`` by input name (None = not recorded);
    ``upstream``: the missing fields of inputs that are results of other tables."""
    env = {**table.params, **facts}
    outputs: dict[str, OutputValue] = dict(table.defaults)
    reasons: list[Said] = []
    comments: list[Said] = []
    missing: list[Prompt] = []

    def apply(row: Row, unknown_of: Condition | None = None) -> None:
        outputs.update(row.then)
        reasons.extend(s for s in (_render(t, env) for t in row.reasons) if s is not None)
        comments.extend(s for s in (_render(t, env) for t in row.comments) if s is not None)
        for m in row.missing:
            if _holds(m.when, env):
                said = _render(m.reason, env)
                missing.append(Prompt(m.field, said or Said("", "")))
        if row.missing_from is not None:
            missing.extend((upstream or {}).get(row.missing_from, ()))
        if unknown_of is not None and not row.missing:
            for u in evaluate(unknown_of, facts).unknown:
                inp = table.input(u.name)
                text = f"{u.text}: not recorded"
                missing.append(Prompt(inp.field, Said(text, f"{u.text}：未记录")))

    def visit(rows: Sequence[Row]) -> bool:
        for row in rows:
            if row.when is not None:
                value = evaluate(row.when, facts).value
                if value is None:
                    apply(row.if_unknown or table.if_unknown, row.when)
                    return True
                if not value:
                    continue
            apply(row)
            return visit(row.rows) if row.rows else False
        raise AssertionError("validated tables end with an unconditional row")  # pragma: no cover

    unknown = visit(table.rows)
    return Decision(outputs, tuple(reasons), tuple(comments), tuple(missing), unknown)


# --------------------------------------------------------------------------------------------
# A polars frame
# --------------------------------------------------------------------------------------------


def _dtype(values: Sequence[OutputValue]) -> pl.DataType:
    import polars as pl

    kinds = {type(v) for v in values if v is not None}
    if kinds <= {bool}:
        return pl.Boolean()
    if kinds <= {int}:
        return pl.Int64()
    return pl.String()


def _asserted(c: Condition) -> set[str]:
    """Inputs certainly recorded when ``c`` holds."""
    if c.fact is not None:
        return set() if (c.op == "recorded" and c.value is False) else {c.fact}
    if c.all_ is not None:
        return set().union(*(_asserted(x) for x in c.all_))
    return set()


def _may_be_unknown(c: Condition, known: frozenset[str]) -> bool:
    """Whether ``c`` can be undecided when the ``known`` inputs are recorded (conservative)."""
    if c.fact is not None:
        return c.op != "recorded" and c.fact not in known
    if c.not_ is not None:
        return _may_be_unknown(c.not_, known)
    if c.all_ is not None:
        guarded = {x.fact for x in c.all_ if x.op == "recorded" and x.value is True and x.fact}
        return any(_may_be_unknown(x, known | guarded) for x in c.all_)
    return any(_may_be_unknown(x, known) for x in c.children())


def to_polars(
    table: Table,
    inputs: Mapping[str, pl.Expr],
    outputs: Sequence[str] | None = None,
    *,
    missing: bool = False,
) -> dict[str, pl.Expr]:
    """One polars expression per output (and ``"missing"``: the first case field a result asks
    for, when ``missing``), over ``inputs`` (input name -> expression; null = not recorded)."""
    names = list(outputs if outputs is not None else table.outputs)
    compiler = _Compiler(table, inputs)
    result = {out: compiler.output(out) for out in names}
    if missing:
        result["missing"] = compiler.output("missing")
    return result


class _Compiler:
    """Nested when/then chains mirroring the rows (a row's sub-rows are its ``then``); a
    condition that may be undecided gets its ``if_unknown`` branch first (polars treats a
    null condition as false, the interpreter stops there: the same answer)."""

    def __init__(self, table: Table, inputs: Mapping[str, pl.Expr]) -> None:
        self.table = table
        self.inputs = inputs

    def cond(self, c: Condition) -> pl.Expr:
        from breastcds.knowledge.conditions import to_polars as condition_to_polars

        return condition_to_polars(c, self.inputs.__getitem__)

    def output(self, out: str) -> pl.Expr:
        required = frozenset(i.name for i in self.table.inputs if i.required)
        return self.rows(out, self.table.rows, dict(self.table.defaults), (), required)

    def value(self, out: str, merged: Mapping[str, OutputValue],
              items: Sequence[Missing]) -> pl.Expr:  # fmt: skip
        import polars as pl

        if out == "missing":
            return _first_missing(items, self.cond)
        return pl.lit(merged[out], _dtype(self.table.outputs[out]))

    def rows(self, out: str, rows: Sequence[Row], merged: dict[str, OutputValue],
             items: tuple[Missing, ...], known: frozenset[str]) -> pl.Expr:  # fmt: skip
        import polars as pl

        chain: Any = None
        for row in rows:
            inner, inner_items = {**merged, **row.then}, (*items, *row.missing)
            if row.rows:
                body = self.rows(out, row.rows, inner, inner_items, known | _asserted_or(row))
            else:
                body = self.value(out, inner, inner_items)
            if row.when is None:
                return body if chain is None else chain.otherwise(body)
            cond = self.cond(row.when)
            if _may_be_unknown(row.when, known):
                h = row.if_unknown or self.table.if_unknown
                if out == "missing" and not h.missing:
                    h_value = _first_null_field(row.when, self.table, self.inputs)
                else:
                    h_value = self.value(out, {**merged, **h.then}, (*items, *h.missing))
                chain = (pl.when(cond.is_null()) if chain is None
                         else chain.when(cond.is_null())).then(h_value)  # fmt: skip
            chain = (pl.when(cond) if chain is None else chain.when(cond)).then(body)
            if row.when.fact is not None and row.when.op == "recorded" and not row.when.value:
                known = known | {row.when.fact}  # later rows: this input is recorded
        raise AssertionError("validated rows end unconditionally")  # pragma: no cover


def _first_missing(items: Sequence[Missing], cond: Any) -> pl.Expr:
    """The field of the first ``missing`` item whose condition holds (null: none)."""
    import polars as pl

    expr: Any = None
    for m in items:
        value = pl.lit(m.field)
        if m.when is None:
            return value if expr is None else expr.otherwise(value)
        c = cond(m.when)
        expr = pl.when(c).then(value) if expr is None else expr.when(c).then(value)
    none = pl.lit(None, pl.String)
    return none if expr is None else expr.otherwise(none)


def _asserted_or(row: Row) -> frozenset[str]:
    return frozenset(_asserted(row.when)) if row.when is not None else frozenset()


def _first_null_field(c: Condition, table: Table, inputs: Mapping[str, pl.Expr]) -> pl.Expr:
    import polars as pl

    expr: Any = None
    for name in sorted(c.facts()):
        cond = inputs[name].is_null()
        field = pl.lit(table.input(name).field)
        expr = pl.when(cond).then(field) if expr is None else expr.when(cond).then(field)
    result: pl.Expr = expr.otherwise(pl.lit(None, pl.String))
    return result
