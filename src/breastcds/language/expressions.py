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
``{drug: [e, attribute]}``           what the drug catalogue (knowledge/drugs.yaml) says of
                                     the agent named e (INN, brand or Chinese name): its
                                     ``inn``, ``class``, or the flag ``chemotherapy`` /
                                     ``endocrine`` / ``anti_her2`` / ``adc`` (null when e is
                                     null or the catalogue does not know the agent)
``{agent_in_class: [e, c]}``         an agent of the list e is of the drug class c (or has the
                                     flag c), Kleene: an agent the catalogue does not know is
                                     unknown, so without a match the answer is null
``{lower: e}``                       text in lower case, surrounding space removed
``{starts_with: [e, "text"]}``       text begins with "text" (null when e is null)
``{add: [..]}`` ``{sub: [a, b]}``    arithmetic (null when an operand is null)
``{coalesce: [..]}``                 the first operand that is not null
``{cases: [{when, then}..],          the ``then`` of the first ``when`` that is *true*
``else: e}``                         (an unknown ``when`` is passed over, as SQL ``CASE``)
``{lookup: e, table: {k: v}}``       the value the table gives e (null when e is not a key)
``{count: e}``                       the length of a list
``{distinct: e}``                    the sorted distinct recorded entries of a list
``{concat: [..]}``                   the lists one after the other (null when one is null)
``{flatten: e}``                     a list of lists as one list
``{last: e}``                        the last item of a list (null when empty)
``{get: [e, name]}``                 a field of a record (null when e is null)
===================================  =========================================================

Lists of records (the metastatic lines, a list of agents) are bound one item at a time: inside
``pred``/``each`` below ``{item: name}`` is a field of the item (``{item: .}`` the item itself;
in nested bindings the innermost item). A binding reads only its item (no field or fact):

===================================  =========================================================
``{some: [list, pred]}``             Kleene "any": true when pred is true for an item, else
                                     null when it is null for one, else false (empty: false)
``{every: [list, pred]}``            Kleene "all" (empty: true)
``{count_where: [list, pred]}``      items for which pred is true (null when pred is null for
                                     one: an unknown item is not counted as "no")
``{filter: [list, pred]}``           the items for which pred is true
``{map: [list, each]}``              each item's value of ``each``
===================================  =========================================================

Every list operator gives null for a null list ("not recorded" is never "none").

Thresholds are written once as ``{param: name}`` (the file's ``parameters``, each with its
source), resolved when the file is read. :func:`evaluate` interprets a tree for one patient
through a :class:`Reader`; :func:`to_polars` compiles the same tree to one polars expression
given how a field and a fact are columns. There is no ``eval`` of strings.

The language imports nothing of the package (ground layer: the case model runs it for its
consistency checks). What the knowledge gives it is passed in: the drug catalogue (the reader's
``drug`` for one patient, ``drug_table`` for the compiler) and the case paths a tree may name
(checked by the loader of the file holding it, :meth:`Expr.check_scopes` for bound items).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from functools import reduce
from typing import TYPE_CHECKING, Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, model_validator

if TYPE_CHECKING:  # the cohort backend's dependency; one-patient assessment does not load it
    import polars as pl

Literal_ = str | int | float | bool | None | list[str]
AgentFlag = Literal["chemotherapy", "endocrine", "anti_her2", "adc"]
DrugAttribute = Literal["inn", "class", "chemotherapy", "endocrine", "anti_her2", "adc"]
_FLAGS: tuple[AgentFlag, ...] = ("chemotherapy", "endocrine", "anti_her2", "adc")
_COMPARE = ("eq", "ne", "lt", "lte", "gt", "gte")
_BINDINGS = ("some", "every", "count_where", "filter", "map_")
_OPS = (
    "value", "field", "fact", "recorded", "not_", "all_", "any_", *_COMPARE, "in_", "add", "sub",
    "coalesce", "cases", "lookup", "count", "distinct", "contains_any", "drug", "agent_in_class",
    "lower", "starts_with", "concat", "flatten", "last", "get", "item", *_BINDINGS,
)  # fmt: skip
#: Operators whose one operand is an expression.
_UNARY = ("recorded", "not_", "lookup", "count", "distinct", "else_", "lower", "flatten", "last")
#: Operators whose operand is a list of expressions.
_NARY = ("all_", "any_", *_COMPARE, "add", "sub", "coalesce", "concat")
#: Operators whose operand is (expression, literal).
_PAIRS = ("in_", "contains_any", "drug", "agent_in_class", "starts_with", "get")


class Branch(BaseModel):
    """One branch of ``cases``."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    when: Expr
    then: Expr


# Each node's operator and binding, found once (read at every evaluation; the node is immutable).
# Keyed by id and holding the node itself, so an id is never reused while its entry lives.
_SHAPE: dict[int, tuple[Expr, str, tuple[Expr, Expr] | None]] = {}


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
    drug: tuple[Expr, DrugAttribute] | None = None
    agent_in_class: tuple[Expr, str] | None = None
    lower: Expr | None = None
    starts_with: tuple[Expr, str] | None = None
    concat: list[Expr] | None = None
    flatten: Expr | None = None
    last: Expr | None = None
    get: tuple[Expr, str] | None = None
    item: str | None = Field(None, pattern=r"^(\.|[a-z0-9_]+(\.[a-z0-9_]+)*)$")
    some: tuple[Expr, Expr] | None = None
    every: tuple[Expr, Expr] | None = None
    count_where: tuple[Expr, Expr] | None = None
    filter: tuple[Expr, Expr] | None = None
    map_: tuple[Expr, Expr] | None = Field(None, alias="map")
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
        if op in ("all_", "any_", "add", "coalesce", "cases", "concat") and not getattr(self, op):
            raise ValueError(f"{op.rstrip('_')} needs at least one operand")
        return self

    @property
    def op(self) -> str:
        return self._shape_of()[1]

    def _shape_of(self) -> tuple[Expr, str, tuple[Expr, Expr] | None]:
        """(node, operator, binding), found on first use and kept in ``_SHAPE``."""
        hit = _SHAPE.get(id(self))
        if hit is None or hit[0] is not self:
            hit = _SHAPE[id(self)] = (self, next(op for op in _OPS if op in self.model_fields_set),
                                      next((getattr(self, b) for b in _BINDINGS
                                            if getattr(self, b) is not None), None))  # fmt: skip
        return hit

    def children(self) -> list[Expr]:
        """The operands, bindings' lists and bodies included."""
        out: list[Expr] = []
        for op in _UNARY:
            e = getattr(self, op)
            if e is not None:
                out.append(e)
        for op in _NARY:
            out += getattr(self, op) or []
        for op in _PAIRS:
            pair = getattr(self, op)
            if pair is not None:
                out.append(pair[0])
        for op in _BINDINGS:
            out += list(getattr(self, op) or ())
        for branch in self.cases or []:
            out += [branch.when, branch.then]
        return out

    def binding(self) -> tuple[Expr, Expr] | None:
        """(list, body) when this node binds the items of a list."""
        return self._shape_of()[2]

    def uses_item(self) -> bool:
        """The expression reads the item of the innermost binding (a nested binding's body
        reads its own item, its list the enclosing one's)."""
        if self.item is not None:
            return True
        bound = self.binding()
        if bound is not None:
            return bound[0].uses_item()
        return any(c.uses_item() for c in self.children())

    def nodes(self) -> Iterator[Expr]:
        """This node and every node below it."""
        yield self
        for child in self.children():
            yield from child.nodes()

    def check_scopes(
        self, is_path: Callable[[str], bool], list_path: str | None = None, bound: bool = False
    ) -> None:
        """Refuse ``item`` outside a binding, a field or fact inside one, and an item field
        that the bound list's records do not have (``is_path``: whether a case path exists;
        ``list_path``: the case path of the bound list's items when it is a case field, e.g.
        ``treatment.metastatic_lines.*``)."""
        if self.item is not None:
            if not bound:
                raise ValueError(f"item {self.item!r} outside some/every/count_where/filter/map")
            if self.item != "." and list_path is not None:
                path = f"{list_path}.{self.item}"
                if not is_path(path):
                    raise ValueError(f"item {self.item!r}: {path!r} is not a field of the case "
                                     "model")  # fmt: skip
        if bound and (self.field is not None or self.fact is not None):
            raise ValueError(f"{self.field or self.fact!r} read inside a binding: a binding "
                             "reads only its item")  # fmt: skip
        pair = self.binding()
        if pair is not None:
            items, body = pair
            items.check_scopes(is_path, list_path, bound)
            body.check_scopes(is_path, _items_path(items, list_path), True)
            return
        for child in self.children():
            child.check_scopes(is_path, list_path, bound)

    def facts(self) -> set[str]:
        """Every fact this expression reads."""
        own = {self.fact} if self.fact is not None else set()
        return own.union(*(c.facts() for c in self.children()))

    def fields(self) -> set[str]:
        """Every case field this expression reads."""
        own = {self.field} if self.field is not None else set()
        return own.union(*(c.fields() for c in self.children()))


def _items_path(items: Expr, enclosing: str | None) -> str | None:
    """The case path of a bound list's items (``a.b.*``), when the list is a case field or an
    item field of an enclosing binding over case records; else None."""
    if items.field is not None:
        return f"{items.field}.*"
    if items.item is not None and items.item != "." and enclosing is not None:
        return f"{enclosing}.{items.item}.*"
    return None


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
    """How the interpreter reads a case field and a fact of one patient (None = not recorded),
    and what the drug catalogue says of an agent (``drug``: None when the agent is not
    recorded or not in the catalogue)."""

    def field(self, path: str) -> Any: ...
    def fact(self, name: str) -> Any: ...
    def drug(self, agent: str | None, attribute: DrugAttribute) -> str | bool | None: ...


#: The compiler's form of :meth:`Reader.drug`: every lower-case name (INN, brand, Chinese) the
#: catalogue knows -> the attribute of the drug it resolves to (names it does not know absent).
DrugTable = Callable[[DrugAttribute], Mapping[str, str | bool]]


def read_path(obj: Any, path: str) -> Any:
    """The value at a dotted path of a (pydantic) object or mapping; enums as their values,
    ``*`` maps over a list; None as soon as a step is not recorded."""
    head, _, rest = path.partition(".")
    if obj is None:
        return None
    if head == "*":
        return [read_path(item, rest) if rest else _plain(item) for item in obj]
    value = obj.get(head) if isinstance(obj, Mapping) else getattr(obj, head)
    return read_path(value, rest) if rest else _plain(value)


def _plain(v: Any) -> Any:
    if isinstance(v, list):
        return [_plain(x) for x in v]
    return getattr(v, "value", v) if not isinstance(v, BaseModel) else v


def _in_class(read: Reader, agent: str | None, wanted: str) -> bool | None:
    """The agent is of the drug class (or has the flag) ``wanted``; None when not known."""
    if wanted in _FLAGS:
        flag = read.drug(agent, wanted)  # one of _FLAGS
        return None if flag is None else bool(flag)
    cls = read.drug(agent, "class")
    return None if cls is None else cls == wanted


def class_table(drug_table: DrugTable, wanted: str) -> dict[str, bool]:
    """Every lower-case name the catalogue knows -> whether its drug is of class ``wanted``
    (or has the flag ``wanted``)."""
    if wanted in _FLAGS:
        flags = drug_table(wanted)  # one of _FLAGS
        return {n: bool(flags.get(n)) for n in drug_table("inn")}
    classes = drug_table("class")
    return {n: classes.get(n) == wanted for n in drug_table("inn")}


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


_NO_ITEM: Any = object()


def evaluate(e: Expr, read: Reader, item: Any = _NO_ITEM) -> Any:
    """The value of ``e`` for one patient (None = not recorded / not derivable); ``item``: the
    item of the innermost binding."""

    def go(x: Expr) -> Any:
        return evaluate(x, read, item)

    pair = e.binding()
    if pair is not None:
        return _bound(e.op, go(pair[0]), lambda it: evaluate(pair[1], read, it))
    match e.op:
        case "value":
            return list(e.value) if isinstance(e.value, list) else e.value
        case "field":
            assert e.field is not None
            return read.field(e.field)
        case "fact":
            assert e.fact is not None
            return read.fact(e.fact)
        case "item":
            assert e.item is not None and item is not _NO_ITEM
            return _plain(item) if e.item == "." else read_path(item, e.item)
        case "recorded":
            assert e.recorded is not None
            return go(e.recorded) is not None
        case "not_":
            assert e.not_ is not None
            v = go(e.not_)
            return None if v is None else not v
        case "all_":
            return _and([go(x) for x in e.all_ or []])
        case "any_":
            return _or([go(x) for x in e.any_ or []])
        case "in_":
            assert e.in_ is not None
            v = go(e.in_[0])
            return None if v is None else v in e.in_[1]
        case "contains_any":
            assert e.contains_any is not None
            items = go(e.contains_any[0])
            return None if items is None else any(x in e.contains_any[1] for x in items)
        case "drug":
            assert e.drug is not None
            return read.drug(go(e.drug[0]), e.drug[1])
        case "agent_in_class":
            assert e.agent_in_class is not None
            agents, wanted = go(e.agent_in_class[0]), e.agent_in_class[1]
            return None if agents is None else _or([_in_class(read, a, wanted) for a in agents])
        case "lower":
            assert e.lower is not None
            v = go(e.lower)
            return None if v is None else str(v).strip().lower()
        case "starts_with":
            assert e.starts_with is not None
            v = go(e.starts_with[0])
            return None if v is None else str(v).startswith(e.starts_with[1])
        case "concat":
            lists = [go(x) for x in e.concat or []]
            return None if any(v is None for v in lists) else [x for v in lists for x in v]
        case "flatten":
            assert e.flatten is not None
            v = go(e.flatten)
            return None if v is None else [x for inner in v if inner is not None for x in inner]
        case "last":
            assert e.last is not None
            v = go(e.last)
            return v[-1] if v else None
        case "get":
            assert e.get is not None
            return read_path(go(e.get[0]), e.get[1])
        case "add" | "sub":
            values = [go(x) for x in getattr(e, e.op)]
            if any(v is None for v in values):
                return None
            return sum(values) if e.op == "add" else values[0] - values[1]
        case "coalesce":
            return next((v for v in (go(x) for x in e.coalesce or []) if v is not None), None)
        case "cases":
            for branch in e.cases or []:
                if go(branch.when) is True:
                    return go(branch.then)
            return None if e.else_ is None else go(e.else_)
        case "lookup":
            assert e.lookup is not None and e.table is not None
            key = go(e.lookup)
            return None if key is None else e.table.get(key)
        case "count":
            assert e.count is not None
            items = go(e.count)
            return None if items is None else len(items)
        case "distinct":
            assert e.distinct is not None
            items = go(e.distinct)
            return None if items is None else sorted({x for x in items if x is not None})
    a, b = (go(x) for x in getattr(e, e.op))
    return _compare(e.op, a, b)


def _bound(op: str, items: list[Any] | None, body: Callable[[Any], Any]) -> Any:
    """A binding over the items of a list (null list: null)."""
    if items is None:
        return None
    values = [body(it) for it in items]
    match op:
        case "some":
            return _or(values)
        case "every":
            return _and(values)
        case "count_where":
            return None if any(v is None for v in values) else sum(1 for v in values if v)
        case "filter":
            return [it for it, v in zip(items, values, strict=True) if v is True]
    return values


# --------------------------------------------------------------------------------------------
# A polars frame
# --------------------------------------------------------------------------------------------


def _literal(v: Literal_) -> pl.Expr:
    import polars as pl

    if isinstance(v, list):
        return pl.lit(v, dtype=pl.List(pl.String))
    return pl.lit(v)


def _replace(x: pl.Expr, table: Mapping[str, Any], dtype: pl.DataType) -> pl.Expr:
    """A catalogue table applied to agent names (lower case, space removed; null: unknown)."""
    name = x.str.strip_chars().str.to_lowercase()
    return name.replace_strict(list(table), list(table.values()), default=None,
                               return_dtype=dtype)  # fmt: skip


def _kleene_any(hits: pl.Expr) -> pl.Expr:
    """Kleene "any" of a list of booleans (null list: null)."""
    import polars as pl

    return (
        pl.when(hits.is_null()).then(None)
        .when(hits.list.contains(True)).then(True)
        .when(hits.list.eval(pl.element().is_null()).list.any()).then(None)
        .otherwise(False)
    )  # fmt: skip


def to_polars(
    e: Expr,
    field: Callable[[str], pl.Expr],
    fact: Callable[[str], pl.Expr],
    drug_table: DrugTable | None = None,
) -> pl.Expr:
    """Compile ``e`` to a polars expression; ``field`` / ``fact`` give the column (expression)
    of a case field / fact (null = not recorded), ``drug_table`` the drug catalogue (needed by
    ``drug`` and ``agent_in_class``). polars' null logic is the interpreter's; a binding is
    ``list.eval`` over the list column, its item ``pl.element()``."""
    import polars as pl

    def go(x: Expr) -> pl.Expr:
        return to_polars(x, field, fact, drug_table)

    def drugs() -> DrugTable:
        if drug_table is None:
            raise ValueError(f"{e.op}: compiled without the drug catalogue (drug_table)")
        return drug_table

    pair = e.binding()
    if pair is not None:
        items, body = go(pair[0]), go(pair[1])
        if not pair[1].uses_item():  # a constant body, one value per item
            body = pl.when(pl.element().is_null() | pl.element().is_not_null()).then(body)
        each = items.list.eval(body)
        match e.op:
            case "some":
                return _kleene_any(each)
            case "every":
                return ~_kleene_any(each.list.eval(~pl.element()))
            case "count_where":
                unknown = each.list.eval(pl.element().is_null()).list.any()
                return pl.when(unknown).then(None).otherwise(each.list.sum().cast(pl.Int64))
            case "filter":
                return items.list.eval(pl.element().filter(body.fill_null(False)))
        return each
    match e.op:
        case "value":
            return _literal(e.value)
        case "field":
            assert e.field is not None
            return field(e.field)
        case "fact":
            assert e.fact is not None
            return fact(e.fact)
        case "item":
            assert e.item is not None
            out = pl.element()
            for name in [] if e.item == "." else e.item.split("."):
                out = out.struct.field(name)
            return out
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
        case "drug":
            assert e.drug is not None
            attribute = e.drug[1]
            kind: pl.DataType = pl.String() if attribute in ("inn", "class") else pl.Boolean()
            return _replace(go(e.drug[0]), drugs()(attribute), kind)
        case "agent_in_class":
            assert e.agent_in_class is not None
            table = class_table(drugs(), e.agent_in_class[1])
            hits = go(e.agent_in_class[0]).list.eval(_replace(pl.element(), table, pl.Boolean()))
            return _kleene_any(hits)
        case "lower":
            assert e.lower is not None
            return go(e.lower).str.strip_chars().str.to_lowercase()
        case "starts_with":
            assert e.starts_with is not None
            return go(e.starts_with[0]).str.starts_with(e.starts_with[1])
        case "concat":
            return pl.concat_list([go(x) for x in e.concat or []])
        case "flatten":
            assert e.flatten is not None
            inner = pl.element().list.explode(keep_nulls=False, empty_as_null=False)
            return go(e.flatten).list.eval(inner)
        case "last":
            assert e.last is not None
            return go(e.last).list.last()
        case "get":
            assert e.get is not None
            out = go(e.get[0])
            for name in e.get[1].split("."):
                out = out.struct.field(name)
            return out
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
