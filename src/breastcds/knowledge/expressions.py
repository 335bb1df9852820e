"""A tiny typed expression language for derived facts: one interpreter, one polars compiler.

A derived fact (``knowledge/derived_facts.yaml``) is an expression over case fields (dotted
paths of the case model) and other facts. Null is "not recorded" and propagates: an arithmetic
or comparison with a null operand is null, ``all``/``any``/``not`` are Kleene logic (as in
:mod:`breastcds.knowledge.conditions`), so a missing input never reads as 0 or false. Nodes
(each a mapping with exactly one operator key):

===================================  =========================================================
``{value: x}``                       a literal (number, text, true/false, null, list of texts)
``{field: a.b.c}``                   a case field (``*`` maps over a list: its items' values)
``{fact: name}``                     another registered fact
``{recorded: e}``                    e is not null (never null)
``{not: e}`` ``{all: [..]}``         Kleene logic
``{any: [..]}``
``{eq|ne|lt|lte|gt|gte: [a, b]}``    comparison (null when an operand is null)
``{in: [e, [v, ..]]}``               membership in literal values (null when e is null)
``{contains_any: [e, [v, ..]]}``     a list holds one of the values (null when e is null)
``{any_agent: [e, flag]}``           an agent of the list is, in the drug catalogue
                                     (knowledge/drugs.yaml), chemotherapy / endocrine /
                                     anti_her2 / adc (null when e is null; an agent the
                                     catalogue does not know does not count)
``{add: [..]}`` ``{sub: [a, b]}``    arithmetic (null when an operand is null)
``{coalesce: [..]}``                 the first operand that is not null
``{cases: [{when, then}..],          the ``then`` of the first ``when`` that is *true*
``else: e}``                         (an unknown ``when`` is passed over, as SQL ``CASE``)
``{lookup: e, table: {k: v}}``       the value the table gives e (null when e is not a key)
``{count: e}``                       the length of a list
``{distinct: e}``                    the sorted distinct recorded entries of a list
===================================  =========================================================

Thresholds are written once as ``{param: name}`` (the file's ``parameters``, each with its
source), resolved when the file is read. :func:`evaluate` interprets a tree for one patient
through a :class:`Reader`; :func:`to_polars` compiles the same tree to one polars expression
given how a field and a fact are columns. There is no ``eval`` of strings.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import reduce
from typing import TYPE_CHECKING, Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, model_validator

from breastcds.knowledge.drugs import catalogue
from breastcds.model.paths import is_case_path

if TYPE_CHECKING:  # the cohort backend's dependency; one-patient assessment does not load it
    import polars as pl

Literal_ = str | int | float | bool | None | list[str]
AgentFlag = Literal["chemotherapy", "endocrine", "anti_her2", "adc"]
_COMPARE = ("eq", "ne", "lt", "lte", "gt", "gte")
_OPS = (
    "value", "field", "fact", "recorded", "not_", "all_", "any_", *_COMPARE, "in_", "add", "sub",
    "coalesce", "cases", "lookup", "count", "distinct", "contains_any", "any_agent",
)  # fmt: skip


class Branch(BaseModel):
    """One branch of ``cases``."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    when: Expr
    then: Expr


class Expr(BaseModel):
    """One node of an expression tree (exactly one operator; see the module docstring)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, defer_build=True)

    value: Literal_ = None
    field: str | None = None
    fact: str | None = None
    recorded: Expr | None = None
    not_: Expr | None = Field(None, alias="not")
    all_: list[Expr] | None = Field(None, alias="all")
    any_: list[Expr] | None = Field(None, alias="any")
    eq: list[Expr] | None = None
    ne: list[Expr] | None = None
    lt: list[Expr] | None = None
    lte: list[Expr] | None = None
    gt: list[Expr] | None = None
    gte: list[Expr] | None = None
    in_: tuple[Expr, list[Literal_]] | None = Field(None, alias="in")
    contains_any: tuple[Expr, list[str]] | None = None
    any_agent: tuple[Expr, AgentFlag] | None = None
    add: list[Expr] | None = None
    sub: list[Expr] | None = None
    coalesce: list[Expr] | None = None
    cases: list[Branch] | None = None
    else_: Expr | None = Field(None, alias="else")
    lookup: Expr | None = None
    table: dict[str | int, Literal_] | None = None
    count: Expr | None = None
    distinct: Expr | None = None

    @model_validator(mode="before")
    @classmethod
    def _literal_shorthand(cls, data: Any) -> Any:
        """A bare scalar stands for ``{value: scalar}`` (``then: 1``)."""
        if data is None or isinstance(data, str | int | float | bool):
            return {"value": data}
        return data

    @model_validator(mode="after")
    def _shape(self) -> Expr:
        set_ = [op for op in _OPS if op in self.model_fields_set]
        if len(set_) != 1:
            raise ValueError(f"an expression has exactly one operator, found {set_ or 'none'}")
        op = set_[0]
        if ("else_" in self.model_fields_set) != (op == "cases"):
            raise ValueError("'else' belongs to 'cases' (and 'cases' needs it)")
        if (self.table is not None) != (op == "lookup"):
            raise ValueError("'table' belongs to 'lookup' (and 'lookup' needs it)")
        if (op in _COMPARE or op == "sub") and len(getattr(self, op)) != 2:
            raise ValueError(f"{op} takes two operands")
        if op in ("all_", "any_", "add", "coalesce", "cases") and not getattr(self, op):
            raise ValueError(f"{op.rstrip('_')} needs at least one operand")
        if self.field is not None and not is_case_path(self.field):
            raise ValueError(f"{self.field!r} is not a field of the case model")
        return self

    @property
    def op(self) -> str:
        return next(op for op in _OPS if op in self.model_fields_set)

    def children(self) -> list[Expr]:
        out: list[Expr] = []
        for op in ("recorded", "not_", "lookup", "count", "distinct", "else_"):
            e = getattr(self, op)
            if e is not None:
                out.append(e)
        for op in ("all_", "any_", *_COMPARE, "add", "sub", "coalesce"):
            out += getattr(self, op) or []
        for pair in (self.in_, self.contains_any, self.any_agent):
            if pair is not None:
                out.append(pair[0])
        for branch in self.cases or []:
            out += [branch.when, branch.then]
        return out

    def facts(self) -> set[str]:
        """Every fact this expression reads."""
        own = {self.fact} if self.fact is not None else set()
        return own.union(*(c.facts() for c in self.children()))

    def fields(self) -> set[str]:
        """Every case field this expression reads."""
        own = {self.field} if self.field is not None else set()
        return own.union(*(c.fields() for c in self.children()))


def resolve_params(node: Any, params: Mapping[str, Any]) -> Any:
    """Replace ``{param: name}`` by the parameter's value (before validation)."""
    if isinstance(node, dict):
        if set(node) == {"param"}:
            if node["param"] not in params:
                raise ValueError(f"unknown parameter {node['param']!r}")
            return params[node["param"]]
        return {k: resolve_params(v, params) for k, v in node.items()}
    if isinstance(node, list):
        return [resolve_params(v, params) for v in node]
    return node


# --------------------------------------------------------------------------------------------
# One patient
# --------------------------------------------------------------------------------------------


class Reader(Protocol):
    """How the interpreter reads a case field and a fact of one patient (None = not recorded)."""

    def field(self, path: str) -> Any: ...
    def fact(self, name: str) -> Any: ...


def read_path(obj: Any, path: str) -> Any:
    """The value at a dotted path of a (pydantic) object; enums as their values, ``*`` maps
    over a list; None as soon as a step is not recorded."""
    head, _, rest = path.partition(".")
    if obj is None:
        return None
    if head == "*":
        return [read_path(item, rest) if rest else _plain(item) for item in obj]
    value = getattr(obj, head)
    return read_path(value, rest) if rest else _plain(value)


def _plain(v: Any) -> Any:
    if isinstance(v, list):
        return [_plain(x) for x in v]
    return getattr(v, "value", v) if not isinstance(v, BaseModel) else v


def _is(agent: str | None, flag: AgentFlag) -> bool:
    d = None if agent is None else catalogue().resolve(agent)
    return d is not None and bool(getattr(d, flag))


def agent_names(flag: AgentFlag) -> list[str]:
    """Every lower-case name (INN, brand, Chinese) the catalogue resolves to a drug with
    ``flag`` (the compiler's form of :meth:`Catalogue.resolve`)."""
    cat = catalogue()
    names = {a.strip().lower() for d in cat.drugs for a in (d.zh, *d.brands, d.inn)}
    return sorted(n for n in names if _is(n, flag))


def _and(values: list[bool | None]) -> bool | None:
    if any(v is False for v in values):
        return False
    return None if any(v is None for v in values) else True


def _or(values: list[bool | None]) -> bool | None:
    if any(v is True for v in values):
        return True
    return None if any(v is None for v in values) else False


def _compare(op: str, a: Any, b: Any) -> bool | None:
    if a is None or b is None:
        return None
    match op:
        case "eq":
            return bool(a == b)
        case "ne":
            return bool(a != b)
        case "lt":
            return bool(a < b)
        case "lte":
            return bool(a <= b)
        case "gt":
            return bool(a > b)
    return bool(a >= b)


def evaluate(e: Expr, read: Reader) -> Any:
    """The value of ``e`` for one patient (None = not recorded / not derivable)."""
    match e.op:
        case "value":
            return list(e.value) if isinstance(e.value, list) else e.value
        case "field":
            assert e.field is not None
            return read.field(e.field)
        case "fact":
            assert e.fact is not None
            return read.fact(e.fact)
        case "recorded":
            assert e.recorded is not None
            return evaluate(e.recorded, read) is not None
        case "not_":
            assert e.not_ is not None
            v = evaluate(e.not_, read)
            return None if v is None else not v
        case "all_":
            return _and([evaluate(x, read) for x in e.all_ or []])
        case "any_":
            return _or([evaluate(x, read) for x in e.any_ or []])
        case "in_":
            assert e.in_ is not None
            v = evaluate(e.in_[0], read)
            return None if v is None else v in e.in_[1]
        case "contains_any":
            assert e.contains_any is not None
            items = evaluate(e.contains_any[0], read)
            return None if items is None else any(x in e.contains_any[1] for x in items)
        case "any_agent":
            assert e.any_agent is not None
            items, flag = evaluate(e.any_agent[0], read), e.any_agent[1]
            return None if items is None else any(_is(a, flag) for a in items)
        case "add" | "sub":
            values = [evaluate(x, read) for x in getattr(e, e.op)]
            if any(v is None for v in values):
                return None
            return sum(values) if e.op == "add" else values[0] - values[1]
        case "coalesce":
            return next((v for v in (evaluate(x, read) for x in e.coalesce or []) if v is not None),
                        None)  # fmt: skip
        case "cases":
            for branch in e.cases or []:
                if evaluate(branch.when, read) is True:
                    return evaluate(branch.then, read)
            return None if e.else_ is None else evaluate(e.else_, read)
        case "lookup":
            assert e.lookup is not None and e.table is not None
            key = evaluate(e.lookup, read)
            return None if key is None else e.table.get(key)
        case "count":
            assert e.count is not None
            items = evaluate(e.count, read)
            return None if items is None else len(items)
        case "distinct":
            assert e.distinct is not None
            items = evaluate(e.distinct, read)
            return None if items is None else sorted({x for x in items if x is not None})
    a, b = (evaluate(x, read) for x in getattr(e, e.op))
    return _compare(e.op, a, b)


# --------------------------------------------------------------------------------------------
# A polars frame
# --------------------------------------------------------------------------------------------


def _literal(v: Literal_) -> pl.Expr:
    import polars as pl

    if isinstance(v, list):
        return pl.lit(v, dtype=pl.List(pl.String))
    return pl.lit(v)


def to_polars(e: Expr, field: Callable[[str], pl.Expr], fact: Callable[[str], pl.Expr]) -> pl.Expr:
    """Compile ``e`` to a polars expression; ``field`` / ``fact`` give the column (expression)
    of a case field / fact (null = not recorded). polars' null logic is the interpreter's."""
    import polars as pl

    def go(x: Expr) -> pl.Expr:
        return to_polars(x, field, fact)

    match e.op:
        case "value":
            return _literal(e.value)
        case "field":
            assert e.field is not None
            return field(e.field)
        case "fact":
            assert e.fact is not None
            return fact(e.fact)
        case "recorded":
            assert e.recorded is not None
            return go(e.recorded).is_not_null()
        case "not_":
            assert e.not_ is not None
            return ~go(e.not_)
        case "all_":
            return pl.all_horizontal([go(x) for x in e.all_ or []])
        case "any_":
            return pl.any_horizontal([go(x) for x in e.any_ or []])
        case "in_":
            assert e.in_ is not None
            v = go(e.in_[0])
            return pl.when(v.is_null()).then(None).otherwise(v.is_in(e.in_[1]))
        case "contains_any":
            assert e.contains_any is not None
            items, wanted = go(e.contains_any[0]), e.contains_any[1]
            hit = items.list.eval(pl.element().is_in(wanted).fill_null(False)).list.any()
            return pl.when(items.is_null()).then(None).otherwise(hit)
        case "any_agent":
            assert e.any_agent is not None
            items, names = go(e.any_agent[0]), agent_names(e.any_agent[1])
            name = pl.element().str.strip_chars().str.to_lowercase()
            hit = items.list.eval(name.is_in(names).fill_null(False)).list.any()
            return pl.when(items.is_null()).then(None).otherwise(hit)
        case "add":
            return reduce(lambda a, b: a + b, [go(x) for x in e.add or []])
        case "sub":
            a, b = (go(x) for x in e.sub or [])
            return a - b
        case "coalesce":
            return pl.coalesce([go(x) for x in e.coalesce or []])
        case "cases":
            chain: Any = None
            for branch in e.cases or []:
                cond, then = go(branch.when), go(branch.then)
                chain = (pl.when(cond) if chain is None else chain.when(cond)).then(then)
            other = pl.lit(None) if e.else_ is None else go(e.else_)
            result: pl.Expr = chain.otherwise(other)
            return result
        case "lookup":
            assert e.lookup is not None and e.table is not None
            values = list(e.table.values())
            kinds = {type(v) for v in values if v is not None}
            dtype = pl.String() if str in kinds else pl.Float64() if float in kinds else pl.Int64()
            return go(e.lookup).replace_strict(
                list(e.table), values, default=None, return_dtype=dtype
            )
        case "count":
            assert e.count is not None
            return go(e.count).list.len()
        case "distinct":
            assert e.distinct is not None
            return go(e.distinct).list.drop_nulls().list.unique().list.sort()
    a, b = (go(x) for x in getattr(e, e.op))
    return {"eq": a.eq, "ne": a.ne, "lt": a.lt, "lte": a.le, "gt": a.gt, "gte": a.ge}[e.op](b)


Branch.model_rebuild()
Expr.model_rebuild()
