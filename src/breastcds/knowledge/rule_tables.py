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
``{param: name}`` names a threshold of ``knowledge/biomarkers.yaml`` (``parameters``; or of
another knowledge file as ``file.yaml#path``, e.g. the PREDICT input limits), so each threshold
has one place and one source.

For staging a table may also: give an output an input's value (``{input: name}``); read
another table's output as an input (``from: {table, output, inputs}``: chained, run by both
backends); generate rows from a list in another knowledge file (a ``lookup`` row, e.g. the
AJCC anatomic stage groups, first match wins); and have ``variants`` that bind the same rows
to other case fields (``<id>.<variant>``, texts naming the bound field as ``{<input>_field}``,
``missing`` as ``{field_of: input}``).

Two backends share the validated tree: :func:`decide` (one patient: outputs, reasons, comments,
missing fields) and :func:`to_polars` (one polars expression per output; a cohort table is
evaluated at once). This is the CQL-to-ELM design: one definition, interpreted per patient or
compiled over a population. :func:`load_tables` reads the tables from a directory (the packaged
one by default) and :func:`knowledge_from` makes such a directory the active knowledge.
"""

from __future__ import annotations

import string
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from itertools import product
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, cast

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from breastcds.knowledge.conditions import Condition, evaluate, truth
from breastcds.knowledge.loader import KnowledgeError, load_yaml, parse_yaml
from breastcds.knowledge.schema import BiomarkerKnowledge, biomarkers
from breastcds.model import consistency
from breastcds.model.overridable import Overridable

if TYPE_CHECKING:  # the cohort backend's dependency; one-patient assessment does not load it
    import polars as pl

TABLE_FILES = ("classification/her2_ish_group.yaml", "classification/her2.yaml",
               "classification/receptors.yaml", "classification/ki67.yaml",
               "classification/subtype.yaml", "classification/staging.yaml",
               "classification/staging_settings.yaml",
               "classification/predict_mapping.yaml",
               "classification/prognostic_stage.yaml",
               "classification/prognostic_scores.yaml")  # fmt: skip
OutputValue = str | int | bool | None
_MAX_TABULATED = 4096  # input combinations of a table decided once and looked up
_MAX_DENSE = 1 << 20  # keys of a lookup compiled as an array (else a hash map)
_MAX_MEMO = 4096  # decisions of a table with numeric inputs remembered by their inputs


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class Ref(_Strict):
    """An output that takes the value of an input (``{input: name}``): e.g. a recorded
    category used as it is."""

    input: str


class Chain(_Strict):
    """An input that is an output of an earlier table run on this table's inputs
    (``from: {table: t_group, output: group, inputs: {t: recorded}}``)."""

    table: str
    output: str
    inputs: dict[str, str] = Field(description="that table's input -> this table's input")


class Input(_Strict):
    """A named input of a table: its type, allowed values and the case field it comes from."""

    name: str
    type: Literal["number", "enum", "bool", "list"]
    field: str = Field(description="case-model field a prompt for this input names")
    values: tuple[str, ...] | None = None
    required: bool = Field(False, description="never unknown (a status with its own code)")
    from_: Chain | None = Field(None, alias="from")

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, defer_build=True)


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


class Lookup(_Strict):
    """The rows of a ``lookup`` (entries of a list in another knowledge file), run as one
    indexed step by both backends. An entry matches when each matched input is one of the
    values its column lists (``None``: the wildcard, any value, not recorded included; a listed
    value never matches an input that is not recorded); the first matching entry in list order
    gives the outputs (``then``); when none matches, the next row is tried."""

    inputs: tuple[str, ...]
    entries: tuple[tuple[tuple[Any, ...] | None, ...], ...]
    then: tuple[dict[str, OutputValue], ...]

    @cached_property
    def codes(self) -> tuple[dict[Any, int], ...]:
        """Per matched input: the values the entries list, numbered 0..k-1 (k stands for any
        other value, k + 1 for not recorded)."""
        out: list[dict[Any, int]] = []
        for i in range(len(self.inputs)):
            seen: dict[Any, int] = {}
            for entry in self.entries:
                for v in entry[i] or ():
                    seen.setdefault(v, len(seen))
            out.append(seen)
        return tuple(out)

    @cached_property
    def radix(self) -> tuple[int, ...]:
        """The place value of each input's code in a key (mixed radix)."""
        out, place = [], 1
        for codes in self.codes:
            out.append(place)
            place *= len(codes) + 2
        return tuple(out)

    @cached_property
    def index(self) -> dict[int, int]:
        """Key (the inputs' codes) -> the first matching entry."""
        found: dict[int, int] = {}
        for e, entry in enumerate(self.entries):
            choices = [
                range(len(codes) + 2) if allowed is None else [codes[v] for v in allowed]
                for allowed, codes in zip(entry, self.codes, strict=True)
            ]
            for combo in product(*choices):
                found.setdefault(sum(c * p for c, p in zip(combo, self.radix, strict=True)), e)
        return found

    @cached_property
    def allowed(self) -> tuple[tuple[frozenset[Any] | None, ...], ...]:
        """Per entry, per matched input: the values it lists (None: the wildcard)."""
        return tuple(
            tuple(None if a is None else frozenset(a) for a in entry) for entry in self.entries
        )

    def find(self, facts: Mapping[str, Any]) -> int | None:
        """The first entry matching the input values (None: none matches). One patient scans
        the entries in order (a listed value never matches a value not recorded); building
        the key index (``index``, which the polars compiler needs) would cost a one-case run
        more than every scan it saves (``tests/knowledge/test_rule_tables.py`` checks the
        two agree on every key)."""
        values = [facts.get(name) for name in self.inputs]
        for e, entry in enumerate(self.allowed):
            if all(
                a is None or (v is not None and v in a) for a, v in zip(entry, values, strict=True)
            ):
                return e
        return None

    def find_indexed(self, facts: Mapping[str, Any]) -> int | None:
        """``find`` through the key index (the polars compiler's reading of the entries)."""
        key = 0
        for name, codes, place in zip(self.inputs, self.codes, self.radix, strict=True):
            v = facts.get(name)
            key += (len(codes) + 1 if v is None else codes.get(v, len(codes))) * place
        return self.index.get(key)

    @cached_property
    def dense(self) -> list[int | None] | None:
        """The first matching entry of every key (None: none), when there are few keys."""
        size = len(self.codes[-1]) + 2 if self.codes else 1
        size *= self.radix[-1] if self.radix else 1
        if size > _MAX_DENSE:
            return None
        out: list[int | None] = [None] * size
        for key, entry in self.index.items():
            out[key] = entry
        return out

    def to_polars(self, inputs: Mapping[str, pl.Expr]) -> pl.Expr:
        """The first matching entry's position per row (null: none matches)."""
        import polars as pl

        key: Any = pl.lit(0, pl.Int64)
        for name, codes, place in zip(self.inputs, self.codes, self.radix, strict=True):
            x = inputs[name]
            code = (
                pl.when(x.is_null())
                .then(pl.lit(len(codes) + 1, pl.Int64))
                .otherwise(x.replace_strict(list(codes), list(codes.values()),
                                            default=len(codes), return_dtype=pl.Int64))
            )  # fmt: skip
            key = key + code * place
        if self.dense is not None:  # an array indexed by the key
            return pl.lit(pl.Series(self.dense, dtype=pl.Int64)).gather(key)
        keys = list(self.index)
        return cast("pl.Expr", key).replace_strict(
            keys, [self.index[k] for k in keys], default=None, return_dtype=pl.Int64
        )


class Row(_Strict):
    when: Condition | None = None
    lookup: Lookup | None = None
    then: dict[str, OutputValue | Ref] = {}
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
    parameters: dict[str, str] = Field(
        {}, description="local name -> biomarkers.yaml path, or file.yaml#path"
    )
    inputs: tuple[Input, ...]
    outputs: dict[str, tuple[OutputValue, ...]]
    defaults: dict[str, OutputValue | Ref] = {}
    if_unknown: Row
    rows: tuple[Row, ...] = Field(min_length=1)
    params: dict[str, float] = Field({}, description="resolved parameter values (at load)")
    #: set at load: the tables of the chained inputs (``from``), by input name
    chained: dict[str, Table] = Field({}, exclude=True)

    @cached_property
    def domain(self) -> tuple[tuple[str, tuple[Any, ...]], ...] | None:
        """The inputs (not chained) and their possible values, not recorded included, when
        they are all finite (enum with values, bool) and few: such a table is tabulated."""
        base = [i for i in self.inputs if i.from_ is None]
        values: list[tuple[str, tuple[Any, ...]]] = []
        for i in base:
            if i.type == "bool":
                values.append((i.name, (True, False, None)))
            elif i.type == "enum" and i.values is not None:
                values.append((i.name, (*i.values, None)))
            else:
                return None
        size = 1
        for _, v in values:
            size *= len(v)
        return tuple(values) if size <= _MAX_TABULATED else None

    @cached_property
    def memo_names(self) -> tuple[str, ...] | None:
        """The inputs a decision is remembered by (:attr:`memo`): every input not chained, when
        none is a list (a chained input follows from them); None otherwise."""
        base = [i for i in self.inputs if i.from_ is None]
        return None if any(i.type == "list" for i in base) else tuple(i.name for i in base)

    @cached_property
    def chain_steps(self) -> tuple[tuple[Table, tuple[tuple[str, str], ...],
                                         tuple[tuple[str, str], ...]], ...]:  # fmt: skip
        """The chained inputs (``from``) grouped by the table and inputs they read, each group
        decided once, at its first member: (table, (its input, this input) pairs, (this input,
        its output) pairs)."""
        groups: dict[tuple[str, tuple[tuple[str, str], ...]], list[tuple[str, str]]] = {}
        for i in self.inputs:
            if i.from_ is not None:
                key = (i.from_.table, tuple(i.from_.inputs.items()))
                groups.setdefault(key, []).append((i.name, i.from_.output))
        return tuple((self.chained[outs[0][0]], bound, tuple(outs))
                     for (_, bound), outs in groups.items())  # fmt: skip

    @cached_property
    def text_env(self) -> dict[str, Any]:
        """What texts may name besides the inputs: the parameters and ``{<input>_field}``."""
        return {**self.params, **{f"{i.name}_field": i.field for i in self.inputs}}

    @cached_property
    def memo(self) -> dict[tuple[Any, ...], Decision]:
        """Decisions by input values (filled on use; at most :data:`_MAX_MEMO`, then emptied):
        a decision is a function of the inputs alone."""
        return {}

    @model_validator(mode="after")
    def _complete(self) -> Table:
        names = {i.name for i in self.inputs}
        fields = {i.field for i in self.inputs}
        scope = names | {f"{n}_field" for n in names} | set(self.params)
        _check_rows(self.rows, "rows")
        for where, row, merged in _leaves(self):
            for out, allowed in self.outputs.items():
                if out not in merged:
                    raise ValueError(f"{self.id} {where}: output {out!r} is not set")
                value = merged[out]
                if isinstance(value, Ref):
                    if value.input not in names:
                        raise ValueError(f"{self.id} {where}: {out} takes unknown input {value}")
                    values = self.input(value.input).values
                    if values is None or not set(values) <= set(allowed):
                        raise ValueError(
                            f"{self.id} {where}: {out} takes input {value.input!r} whose values "
                            f"{values} are not all in {allowed}"
                        )
                elif value not in allowed:
                    raise ValueError(f"{self.id} {where}: {out}={value!r} not in {allowed}")
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
        if row.lookup is not None:
            if last or row.when is not None or row.rows or row.then:
                raise ValueError(f"{where}[{i}]: a lookup row stands alone and is not the last")
            continue
        if last and row.when is not None:
            raise ValueError(f"{where}: the last row has no condition (the table always decides)")
        if not last and row.when is None:
            raise ValueError(f"{where}[{i}]: only the last row may omit its condition")
        if row.rows:
            _check_rows(row.rows, f"{where}[{i}].rows")


def _leaves(table: Table) -> Iterator[tuple[str, Row, dict[str, OutputValue | Ref]]]:
    """Every way a table can end (leaf rows and if_unknown handlers) with merged outputs and
    all texts met on the way (as one synthetic row for the checks)."""

    def walk(
        rows: Sequence[Row], path: str, merged: dict[str, OutputValue | Ref], texts: Row
    ) -> Iterator[tuple[str, Row, dict[str, OutputValue | Ref]]]:
        for i, row in enumerate(rows):
            here = f"{path}[{i}]"
            if row.lookup is not None:
                for then in dict.fromkeys(tuple(sorted(t.items(), key=str)) for t in
                                          row.lookup.then):  # fmt: skip
                    yield f"{here}.lookup", _join(texts, row), {**merged, **dict(then)}
                continue
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


def _resolve(node: Any, params: Mapping[str, Any], key: str = "param") -> Any:
    """Replace ``{param: name}`` by the parameter's value (threshold from biomarkers.yaml), or
    with ``key="field_of"`` ``{field_of: input}`` by that input's case field (a row shared by
    several tables, or a table's variants, names the field of its own binding)."""
    if isinstance(node, dict):
        if set(node) == {key}:
            name = node[key]
            if name not in params:
                what = "parameter" if key == "param" else f"input in {key}:"
                raise KnowledgeError(f"unknown {what} {name!r}")
            return params[name]
        return {k: _resolve(v, params, key) for k, v in node.items()}
    if isinstance(node, list):
        return [_resolve(v, params, key) for v in node]
    return node


def _param(kb: BiomarkerKnowledge, path: str, read: Callable[[str], Any] | None = None) -> float:
    """A threshold named by its path in biomarkers.yaml (``er.low_positive_max``), or in
    another knowledge file as ``file.yaml#path`` (e.g. the PREDICT input limits of
    ``predict_coefficients.yaml#input_limits.age_years.max``), read from the same directory."""
    node: Any = kb
    where = "biomarkers.yaml"
    if "#" in path:
        where, path = path.split("#", 1)
        if read is None:
            raise KnowledgeError(f"parameter {where}#{path}: needs a knowledge directory")
        node = read(where)
    for part in path.split("."):
        node = node.get(part) if isinstance(node, dict) else getattr(node, part, None)
    if isinstance(node, bool) or not isinstance(node, int | float):
        raise KnowledgeError(f"parameter path {path!r} is not a number in {where}")
    return float(node)


def _chain_inputs(inputs: list[Any], known: Mapping[str, Table]) -> list[Any]:
    """Complete chained inputs (``from``): the field (of the first input it reads) and the
    values (the other table's output values) unless given; check the chain."""
    out: list[Any] = []
    seen: dict[str, Any] = {}
    for raw in inputs:
        item = dict(raw)
        chain = item.get("from")
        if isinstance(chain, dict):
            other = known.get(str(chain.get("table")))
            if other is None:
                raise KnowledgeError(f"input {item.get('name')!r}: table {chain.get('table')!r} "
                                     "is not defined before this one")  # fmt: skip
            output = chain.get("output")
            bound = dict(chain.get("inputs") or {})
            if output not in other.outputs:
                raise KnowledgeError(f"input {item.get('name')!r}: {other.id} has no output "
                                     f"{output!r}")  # fmt: skip
            unknown = [k for k in bound if k not in {i.name for i in other.inputs}]
            unbound = [v for v in bound.values() if v not in seen]
            if unknown or unbound or not bound:
                raise KnowledgeError(f"input {item.get('name')!r}: {other.id} inputs {unknown} "
                                     f"unknown or {unbound} not earlier inputs")  # fmt: skip
            item.setdefault("field", seen[next(iter(bound.values()))].get("field"))
            allowed = [v for v in other.outputs[str(output)] if v is not None]
            kinds = {type(v) for v in allowed}
            kind = "bool" if kinds <= {bool} else "number" if kinds <= {int} else "enum"
            item.setdefault("type", kind)
            if kind == "enum":
                item.setdefault("values", [str(v) for v in allowed])
        seen[str(item.get("name"))] = item
        out.append(item)
    return out


def _lookup_rows(spec: Any, read: Callable[[str], Any], where: str) -> dict[str, Any]:
    """A ``lookup`` row: the entries of a list in another knowledge file (``rows``: its key, or
    a dotted path to it), in its order, matched on the ``match`` columns (column -> input). An
    entry's column holds a value or a list of values; the ``wildcard`` value stands for any
    value (also not recorded); ``ranges`` names further values that stand for a list (e.g.
    ``T0-T1: [T0, T1]``). ``then`` maps outputs to entry keys; ``index`` names an output taking
    the entry's position in the list. Run as one indexed step (:class:`Lookup`)."""
    if not isinstance(spec, dict) or not {"file", "rows", "match", "then"} <= set(spec):
        raise KnowledgeError(f"{where}: a lookup names file, rows, match and then")
    data: Any = read(str(spec["file"]))
    for part in str(spec["rows"]).split("."):
        data = data.get(part) if isinstance(data, dict) else None
    entries = data
    if not isinstance(entries, list) or not entries:
        raise KnowledgeError(f"{where}: {spec['file']} has no list {spec['rows']!r}")
    wildcard = spec.get("wildcard")
    ranges = dict(spec.get("ranges") or {})
    match = dict(spec["match"])
    matched: list[list[Any]] = []
    then: list[dict[str, Any]] = []
    for position, entry in enumerate(entries):
        columns: list[Any] = []
        for column in match:
            value = entry.get(column)
            values = value if isinstance(value, list) else [value]
            if wildcard is not None and wildcard in values:
                columns.append(None)
                continue
            aliases = dict(ranges.get(column) or {})
            columns.append([x for v in values for x in aliases.get(v, [v])])
        matched.append(columns)
        out = {name: entry.get(key) for name, key in dict(spec["then"]).items()}
        if spec.get("index") is not None:  # as text: one of the output's values
            out[str(spec["index"])] = str(position)
        then.append(out)
    return {"lookup": {"inputs": list(match.values()), "entries": matched, "then": then}}


def _expand(rows: Any, read: Callable[[str], Any] | None, where: str,
            found: dict[str, dict[Any, None]]) -> Any:  # fmt: skip
    if not isinstance(rows, list):
        return rows
    out: list[Any] = []
    for row in rows:
        if isinstance(row, dict) and "lookup" in row:
            if read is None:
                raise KnowledgeError(f"{where}: a lookup row needs a knowledge directory")
            generated = _lookup_rows(row["lookup"], read, where)
            for then in generated["lookup"]["then"]:
                for k, v in then.items():
                    found.setdefault(k, {})[v] = None
            out.append(generated)
        elif isinstance(row, dict) and "rows" in row:
            out.append({**row, "rows": _expand(row["rows"], read, where, found)})
        else:
            out.append(row)
    return out


def parse_table(
    data: Any,
    kb: BiomarkerKnowledge,
    name: str,
    known: Mapping[str, Table] | None = None,
    read: Callable[[str], Any] | None = None,
) -> Table:
    """Validate one table file (parameters resolved against ``kb``; chained inputs against
    the ``known`` tables; lookup rows read with ``read``)."""
    if not isinstance(data, dict):
        raise KnowledgeError(f"knowledge file {name!r}: a table is a mapping")
    given = dict(data.get("parameters") or {})
    params = {k: _param(kb, v, read) for k, v in given.items()}
    # keys "x-..." only hold YAML anchors written once and used by several rows
    body = {k: v for k, v in data.items() if not str(k).startswith("x-")}
    inputs = _chain_inputs(list(body.get("inputs") or []), known or {})
    fields = {str(i.get("name")): str(i.get("field")) for i in inputs}
    found: dict[str, dict[Any, None]] = {}
    rows = _expand(body.get("rows"), read, f"knowledge file {name!r}", found)
    outputs = dict(body.get("outputs") or {})
    for out, spec in outputs.items():  # {values_of: input}: that (chained) input's values
        if isinstance(spec, dict) and set(spec) == {"values_of"}:
            source = next((i for i in inputs if i.get("name") == spec["values_of"]), None)
            if source is None or not isinstance(source.get("values"), list):
                raise KnowledgeError(f"knowledge file {name!r}: output {out!r} takes the values "
                                     f"of {spec['values_of']!r}, not an enum input")  # fmt: skip
            outputs[out] = [*source["values"], None]
    for out, values in found.items():  # a lookup's values are allowed values of its outputs
        if isinstance(outputs.get(out), list):
            outputs[out] = [*outputs[out], *(v for v in values if v not in outputs[out])]
    body = {**body, "inputs": inputs, "rows": rows, "outputs": outputs}
    raw = _resolve(_resolve({**body, "params": params}, params), fields, "field_of")
    try:
        scope = {i["name"]: Input.model_validate(i) for i in raw.get("inputs") or []}
        table = Table.model_validate(raw, context={"facts": scope})
    except ValidationError as exc:
        raise KnowledgeError(f"knowledge file {name!r} does not match its schema: {exc}") from exc
    chained = {i.name: (known or {})[i.from_.table] for i in table.inputs if i.from_}
    return table.model_copy(update={"chained": chained}) if chained else table


def _variants(item: Any) -> list[Any]:
    """A table with ``variants`` (name -> {input: case field}) is one table per variant, id
    ``<id>.<name>``: the same rows bound to other case fields (e.g. pT, ypT and cT)."""
    if not isinstance(item, dict) or "variants" not in item:
        return [item]
    out = []
    for variant, fields in dict(item["variants"] or {}).items():
        names = {i.get("name") for i in item.get("inputs") or []}
        if not set(fields) <= names:
            raise KnowledgeError(f"table {item.get('id')!r} variant {variant!r}: unknown inputs "
                                 f"{sorted(set(fields) - names)}")  # fmt: skip
        inputs = [{**i, "field": fields[i["name"]]} if i.get("name") in fields else i
                  for i in item.get("inputs") or []]  # fmt: skip
        body = {k: v for k, v in item.items() if k != "variants"}
        out.append({**body, "id": f"{item.get('id')}.{variant}", "inputs": inputs})
    return out


def load_tables(directory: Path | None = None) -> RuleTables:
    """The classification tables of ``directory`` (default: the packaged knowledge), with the
    thresholds of that directory's ``biomarkers.yaml``."""
    read: Callable[[str], Any]
    if directory is None:
        kb = biomarkers()
        read = load_yaml
    else:
        try:
            kb = BiomarkerKnowledge.model_validate(_read(directory, "biomarkers.yaml"))
        except ValidationError as exc:
            raise KnowledgeError(f"biomarkers.yaml in {directory}: {exc}") from exc

        def read(name: str) -> Any:
            return _read(directory, name)

    files = {name: read(name) for name in TABLE_FILES}
    tables: dict[str, Table] = {}
    for name, data in files.items():
        if not isinstance(data, dict) or not isinstance(data.get("tables"), list):
            raise KnowledgeError(f"knowledge file {name!r}: expected a list 'tables'")
        for item in (v for i in data["tables"] for v in _variants(i)):
            table = parse_table(item, kb, name, tables, read)
            if table.id in tables:
                raise KnowledgeError(f"knowledge file {name!r}: table {table.id!r} twice")
            tables[table.id] = table
    return RuleTables(tables, kb)


def _read(directory: Path, name: str) -> Any:
    try:
        return parse_yaml((directory / name).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise KnowledgeError(f"knowledge file {name!r} in {directory}: {exc}") from exc


_TABLES: Overridable[RuleTables] = Overridable(load_tables)


def active() -> RuleTables:
    """The tables both engines run: the packaged ones unless :func:`knowledge_from` is active."""
    return _TABLES.active()


@contextmanager
def knowledge_from(directory: Path) -> Iterator[RuleTables]:
    """Run both engines on the tables (and thresholds) of another knowledge directory, and on
    its derived-fact definitions (knowledge/derived.py) and its case-model consistency checks
    (``consistency.yaml``)."""
    from breastcds.knowledge import derived

    with (
        _TABLES.overriding(load_tables(directory)) as tables,
        derived.overriding(derived.load(directory)),
        consistency.checks_from(directory),
    ):
        yield tables


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
    return c is None or truth(c, facts) is True


def _render(text: Text, env: Mapping[str, Any]) -> Said | None:
    if not _holds(text.when, env):
        return None
    parts: list[Said] = []
    for part in text.parts:  # with ``first``, later parts are not rendered
        said = _render(part, env)
        if said is not None:
            parts.append(said)
            if text.first:
                break
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
    """Run ``table`` for one patient: ``facts`` by input name (None = not recorded; an input
    not given is not recorded); ``upstream``: the missing fields of inputs that are results of
    other tables. Chained inputs (``from``) are computed here from the others. A table with
    few possible inputs (:attr:`Table.domain`) decides each combination once; others remember
    their latest decisions by input values (:attr:`Table.memo`)."""
    names = table.memo_names
    if names is None or upstream is not None:
        return _decide(table, facts, upstream)
    values = tuple(map(facts.get, names))
    key = (*values, *map(type, values))  # 3 and 3.0 are equal but shown differently
    try:
        found = table.memo.get(key)
    except TypeError:  # an unhashable value (not a valid input): decided, not remembered
        return _decide(table, facts, None)
    if found is None:
        if len(table.memo) >= _MAX_MEMO and table.domain is None:
            table.memo.clear()
        found = table.memo[key] = _decide(table, facts, None)
    return found


def _decide(
    table: Table, facts: Mapping[str, Any], upstream: Mapping[str, Sequence[Prompt]] | None
) -> Decision:
    facts = _with_chained(table, facts)
    shown = {k: ", ".join(v) if isinstance(v, list | tuple) else v for k, v in facts.items()}
    env = {**table.text_env, **shown}
    outputs: dict[str, OutputValue] = {k: _value(v, facts) for k, v in table.defaults.items()}
    reasons: list[Said] = []
    comments: list[Said] = []
    missing: list[Prompt] = []

    def apply(row: Row, unknown_of: Condition | None = None) -> None:
        outputs.update({k: _value(v, facts) for k, v in row.then.items()})
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
            if row.lookup is not None:
                hit = row.lookup.find(facts)
                if hit is None:
                    continue
                outputs.update(row.lookup.then[hit])
                return False
            if row.when is not None:
                value = truth(row.when, facts)
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


def _value(v: OutputValue | Ref, facts: Mapping[str, Any]) -> OutputValue:
    return cast(OutputValue, facts.get(v.input)) if isinstance(v, Ref) else v


def _with_chained(table: Table, facts: Mapping[str, Any]) -> Mapping[str, Any]:
    if not table.chained:
        return facts
    out = dict(facts)
    for other, bound, outputs in table.chain_steps:  # one decision per table and inputs
        d = decide(other, {k: out.get(v) for k, v in bound})
        for name, output in outputs:
            out[name] = d.outputs[output]
    return out


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
        unknown = c.fact not in known or (c.op == "same" and c.value not in known)
        return c.op != "recorded" and unknown
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
    asks: Sequence[str] = (),
) -> dict[str, pl.Expr]:
    """One polars expression per output (and ``"missing"``: the first case field a result asks
    for, when ``missing``; ``"asks:<field>"``: whether the result asks for that case field, for
    each field of ``asks``), over ``inputs`` (input name -> expression; null = not recorded)."""
    names = list(outputs if outputs is not None else table.outputs)
    extra = [*(["missing"] if missing else []), *(f"asks:{f}" for f in asks)]
    if table.domain is not None:
        return _tabulated(table, inputs, [*names, *extra])
    compiler = _Compiler(table, _chained_exprs(table, inputs))
    return {out: compiler.output(out) for out in [*names, *extra]}


class _Compiler:
    """Nested when/then chains mirroring the rows (a row's sub-rows are its ``then``); a
    condition that may be undecided gets its ``if_unknown`` branch first (polars treats a
    null condition as false, the interpreter stops there: the same answer)."""

    def __init__(self, table: Table, inputs: Mapping[str, pl.Expr]) -> None:
        self.table = table
        self.inputs = inputs
        self.hits: dict[int, pl.Expr] = {}

    def cond(self, c: Condition) -> pl.Expr:
        from breastcds.knowledge.conditions import to_polars as condition_to_polars

        return condition_to_polars(c, self.inputs.__getitem__)

    def output(self, out: str) -> pl.Expr:
        required = frozenset(i.name for i in self.table.inputs if i.required)
        return self.rows(out, self.table.rows, dict(self.table.defaults), (), required)

    def value(self, out: str, merged: Mapping[str, OutputValue | Ref],
              items: Sequence[Missing]) -> pl.Expr:  # fmt: skip
        import polars as pl

        if out == "missing":
            return _first_missing(items, self.cond)
        if out.startswith("asks:"):
            return _asks(out.removeprefix("asks:"), items, self.cond)
        value = merged[out]
        dtype = _dtype(self.table.outputs[out])
        if isinstance(value, Ref):
            return self.inputs[value.input].cast(dtype)
        return pl.lit(value, dtype)

    def entry_value(self, out: str, lookup: Lookup, hit: pl.Expr,
                    merged: Mapping[str, OutputValue | Ref],
                    items: Sequence[Missing]) -> pl.Expr:  # fmt: skip
        """An output of the matching lookup entry (the entries set it, else the row path)."""
        if out == "missing" or out.startswith("asks:") or out not in lookup.then[0]:
            return self.value(out, merged, items)
        import polars as pl

        values = pl.Series(
            [then[out] for then in lookup.then], dtype=_dtype(self.table.outputs[out])
        )
        return pl.lit(values).gather(hit)

    def rows(self, out: str, rows: Sequence[Row], merged: dict[str, OutputValue | Ref],
             items: tuple[Missing, ...], known: frozenset[str]) -> pl.Expr:  # fmt: skip
        import polars as pl

        chain: Any = None
        for row in rows:
            if row.lookup is not None:
                hit = self.hits.get(id(row.lookup))
                if hit is None:  # one expression for every output (computed once)
                    hit = self.hits[id(row.lookup)] = row.lookup.to_polars(self.inputs)
                body = self.entry_value(out, row.lookup, hit, merged, items)
                cond = hit.is_not_null()
                chain = (pl.when(cond) if chain is None else chain.when(cond)).then(body)
                continue
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
                elif out.startswith("asks:") and not h.missing:
                    h_value = _null_field(out.removeprefix("asks:"), row.when, self.table,
                                          self.inputs)  # fmt: skip
                else:
                    h_value = self.value(out, {**merged, **h.then}, (*items, *h.missing))
                chain = (pl.when(cond.is_null()) if chain is None
                         else chain.when(cond.is_null())).then(h_value)  # fmt: skip
            chain = (pl.when(cond) if chain is None else chain.when(cond)).then(body)
            if row.when.fact is not None and row.when.op == "recorded" and not row.when.value:
                known = known | {row.when.fact}  # later rows: this input is recorded
        raise AssertionError("validated rows end unconditionally")  # pragma: no cover


def _key_part(v: Any) -> str:
    return "\x00" if v is None else ("true" if v else "false") if isinstance(v, bool) else str(v)


def _tabulated(
    table: Table, inputs: Mapping[str, pl.Expr], names: Sequence[str]
) -> dict[str, pl.Expr]:
    """A table with a small finite domain compiled as a lookup: every combination of its
    inputs decided once by :func:`decide` (the same answers by construction), looked up with
    ``replace_strict`` on the inputs' values (an input not given is not recorded)."""
    import polars as pl

    assert table.domain is not None
    names_in = [name for name, _ in table.domain]
    parts = [
        (inputs[n].cast(pl.String) if n in inputs else pl.lit(None, pl.String)).fill_null("\x00")
        for n in names_in
    ]
    if not parts:  # a table without inputs always decides the same
        key = pl.lit("")
    else:
        key = parts[0] if len(parts) == 1 else pl.concat_str(parts, separator="\x1f")
    combos = list(product(*(values for _, values in table.domain)))
    keys = ["\x1f".join(_key_part(v) for v in combo) for combo in combos]
    decisions = [decide(table, dict(zip(names_in, combo, strict=True))) for combo in combos]
    out: dict[str, pl.Expr] = {}
    for name in names:
        if name == "missing":
            values: list[Any] = [d.missing[0].field if d.missing else None for d in decisions]
            dtype: pl.DataType = pl.String()
        elif name.startswith("asks:"):
            field = name.removeprefix("asks:")
            values = [any(p.field == field for p in d.missing) for d in decisions]
            dtype = pl.Boolean()
        else:
            values = [d.outputs[name] for d in decisions]
            dtype = _dtype(table.outputs[name])
        out[name] = key.replace_strict(keys, values, default=None, return_dtype=dtype)
    return out


def _chained_exprs(table: Table, inputs: Mapping[str, pl.Expr]) -> dict[str, pl.Expr]:
    """Every input as an expression: those not given are not recorded (null), chained
    ones not given are the other table compiled over this table's input expressions
    (:func:`chained_columns` computes them once, as columns of an earlier step)."""
    import polars as pl

    out: dict[str, pl.Expr] = {}
    for i in table.inputs:
        if i.name in inputs:  # a chained input given is taken as given (an earlier column)
            out[i.name] = inputs[i.name]
        elif i.from_ is not None:
            given = {k: out[v] for k, v in i.from_.inputs.items()}
            other = table.chained[i.name]
            out[i.name] = to_polars(other, given, [i.from_.output])[i.from_.output]
        else:
            dtypes = {"number": pl.Float64(), "enum": pl.String(), "bool": pl.Boolean(),
                      "list": pl.List(pl.String())}  # fmt: skip
            out[i.name] = pl.lit(None, dtypes[i.type])
    return out


def chained_steps(
    table: Table,
    inputs: Mapping[str, pl.Expr],
    outputs: Sequence[str],
    column: Callable[[str], str],
) -> list[list[pl.Expr]]:
    """The chained inputs of ``table`` (``from``) that ``outputs`` (and the ``missing`` fields)
    read, compiled over ``inputs`` as columns named ``column(input)``, one step (a
    ``with_columns``) per level of the chain, each level reading the columns of the one before:
    a cohort evaluates each chained table once per row and passes the columns to
    :func:`to_polars`."""
    import polars as pl

    needed = _needed(table, outputs)
    given = _chained_exprs(table, inputs)  # the inputs not chained, null when not given
    level: dict[str, int] = {}
    for i in table.inputs:
        if i.from_ is not None and i.name in needed:
            level[i.name] = 1 + max(level.get(v, 0) for v in i.from_.inputs.values())
    steps: list[list[pl.Expr]] = []
    for depth in sorted(set(level.values())):
        step: list[pl.Expr] = []
        for name in (n for n, d in level.items() if d == depth):
            chain = table.input(name).from_
            assert chain is not None
            bound = {k: given[v] for k, v in chain.inputs.items()}
            out = to_polars(table.chained[name], bound, [chain.output])[chain.output]
            step.append(out.alias(column(name)))
        steps.append(step)
        given.update({n: pl.col(column(n)) for n, d in level.items() if d == depth})
    return steps


def _needed(table: Table, outputs: Sequence[str]) -> set[str]:
    """The inputs the compiled ``outputs`` read (row conditions, values taken from an input,
    the conditions of ``missing`` fields, lookups), with the inputs the chained ones read."""
    names: set[str] = set()

    def take(values: Mapping[str, OutputValue | Ref]) -> None:
        names.update(v.input for k, v in values.items() if k in outputs and isinstance(v, Ref))

    def walk(rows: Sequence[Row | None]) -> None:
        for row in rows:
            if row is None:
                continue
            names.update(row.when.facts() if row.when is not None else ())
            names.update(f for m in row.missing if m.when is not None for f in m.when.facts())
            names.update(row.lookup.inputs if row.lookup is not None else ())
            take(row.then)
            walk((row.if_unknown, *row.rows))

    take(table.defaults)
    walk((table.if_unknown, *table.rows))
    inputs = {i.name: i for i in table.inputs}
    pending = list(names)
    while pending:
        i = inputs.get(pending.pop())
        for name in i.from_.inputs.values() if i is not None and i.from_ is not None else ():
            if name not in names:
                names.add(name)
                pending.append(name)
    return names


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


def _asks(field: str, items: Sequence[Missing], cond: Any) -> pl.Expr:
    """Whether one of the ``missing`` items naming ``field`` holds."""
    import polars as pl

    flags = [pl.lit(True) if m.when is None else cond(m.when).fill_null(False)
             for m in items if m.field == field]  # fmt: skip
    return pl.any_horizontal(flags) if flags else pl.lit(False)


def _null_field(field: str, c: Condition, table: Table, inputs: Mapping[str, pl.Expr]) -> pl.Expr:
    """Whether an input of ``c`` whose case field is ``field`` is not recorded (the prompts of
    an undecided row without its own ``missing``)."""
    import polars as pl

    flags = [inputs[n].is_null() for n in sorted(c.facts()) if table.input(n).field == field]
    return pl.any_horizontal(flags) if flags else pl.lit(False)


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
