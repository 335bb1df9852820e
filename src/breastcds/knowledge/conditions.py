"""Declarative conditions over facts: schema, three-valued evaluator, polars compiler.

A condition is a leaf ``{fact, op, value}`` or a combination ``{all: [...]}``, ``{any: [...]}``,
``{not: ...}``; any node may carry a ``name`` (a criterion name reported instead of its parts).
Evaluation is three-valued (Kleene logic): a leaf whose fact is unknown (None) is *unknown*; an
``all`` is false as soon as one part is false, so a failing criterion decides even when others
are missing; unknown parts are reported with the case field that would decide them. There is no
``eval`` of strings: the evaluator is a small interpreter over the validated tree, and
:func:`to_polars` compiles the same tree to a polars expression (polars' boolean ``&``/``|`` and
comparisons with null follow the same Kleene logic) so a cohort table is evaluated at once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, model_validator

from breastcds.knowledge.facts import FACTS

if TYPE_CHECKING:  # the cohort engine's dependency; one-patient assessment does not load it
    import polars as pl

Op = Literal[
    "eq", "ne", "in", "not_in", "gt", "gte", "lt", "lte", "contains", "contains_any",
    "contains_none", "recorded", "same",
]  # fmt: skip

_OPS_BY_TYPE: dict[str, set[str]] = {
    "number": {"eq", "ne", "in", "not_in", "gt", "gte", "lt", "lte", "recorded", "same"},
    "enum": {"eq", "ne", "in", "not_in", "recorded", "same"},
    "bool": {"eq", "ne", "recorded"},
    "list": {"contains", "contains_any", "contains_none", "recorded"},
}
_SYMBOL = {"eq": "=", "ne": "≠", "gt": ">", "gte": "≥", "lt": "<", "lte": "≤", "in": "in",
           "not_in": "not in", "contains": "includes", "contains_any": "includes any of",
           "contains_none": "includes none of", "recorded": "recorded:",
           "same": "="}  # fmt: skip


class FactLike(Protocol):
    """What validation needs of a fact: its type, allowed values and case field."""

    @property
    def type(self) -> str: ...
    @property
    def values(self) -> tuple[str, ...] | None: ...
    @property
    def field(self) -> str: ...


_PLAN = "_compiled_plan"  # the instance-dict key of Condition.plan


class _PlanOf:
    """A condition's plan with the condition it was compiled for (compared by identity, so
    that comparing two conditions compares their fields, not their plans)."""

    __slots__ = ("owner", "plan")

    def __init__(self, owner: Condition, plan: Plan) -> None:
        self.owner, self.plan = owner, plan


def _scope(info: ValidationInfo) -> Mapping[str, FactLike]:
    """The facts a condition may read: ``FACTS``, or a rule table's own inputs passed as the
    validation context ``{"facts": {...}}`` (knowledge/rule_tables.py)."""
    ctx = info.context
    if isinstance(ctx, dict) and "facts" in ctx:
        scope: Mapping[str, FactLike] = ctx["facts"]
        return scope
    return FACTS


def _field_of(fact: str) -> str:
    """Case field of a registered fact (a rule table's local input names itself)."""
    spec = FACTS.get(fact)
    return spec.field if spec is not None else fact


class Condition(BaseModel):
    """One node of a condition tree (exactly one of fact / all / any / not)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, defer_build=True)

    name: str | None = Field(None, description="criterion name reported for this node")
    name_zh: str | None = Field(
        None,
        description="the name in Simplified Chinese, for a Chinese reader (the knowledge "
        "tests require it wherever a name is given)",
    )
    fact: str | None = None
    op: Op | None = None
    value: Any = None
    all_: list[Condition] | None = Field(None, alias="all")
    any_: list[Condition] | None = Field(None, alias="any")
    not_: Condition | None = Field(None, alias="not")

    @model_validator(mode="after")
    def _shape(self, info: ValidationInfo) -> Condition:
        kinds = [k for k in ("fact", "all_", "any_", "not_") if getattr(self, k) is not None]
        if len(kinds) != 1:
            raise ValueError("a condition has exactly one of: fact, all, any, not")
        if self.fact is not None:
            spec = _scope(info).get(self.fact)
            if spec is None:
                raise ValueError(f"unknown fact {self.fact!r}")
            if self.op is None:
                raise ValueError(f"condition on {self.fact!r} needs an op")
            if self.op not in _OPS_BY_TYPE[spec.type]:
                raise ValueError(f"op {self.op!r} does not apply to {spec.type} fact {self.fact!r}")
            if self.op == "recorded":
                if not isinstance(self.value, bool):
                    raise ValueError(f"{self.fact} recorded: value must be true/false")
            elif self.op == "same":  # equal to another fact of the same type (unknown if either is)
                other = _scope(info).get(self.value) if isinstance(self.value, str) else None
                if other is None or other.type != spec.type:
                    raise ValueError(f"{self.fact} same: {self.value!r} is not a {spec.type} fact")
            else:
                _check_value(self.fact, spec.type, spec.values, self.op, self.value)
        elif self.op is not None or self.value is not None:
            raise ValueError("op/value belong to a fact condition")
        for part in (self.all_, self.any_):
            if part is not None and not part:
                raise ValueError("all/any needs at least one condition")
        return self

    @cached_property
    def text(self) -> str:
        """Human-readable text (see :func:`describe`)."""
        return _describe(self)

    @cached_property
    def fields(self) -> tuple[str, ...]:
        """Case-model fields of every fact this condition reads (sorted)."""
        return tuple(sorted({_field_of(f) for f in self.facts()}))

    @property
    def plan(self) -> Plan:
        """This condition compiled once into closures (:func:`truth`, :func:`evaluate`); the
        condition is immutable, so the plan lives as long as the knowledge object holding it
        (an override of the knowledge brings its own conditions and plans). Kept with the
        object it was compiled for: a ``model_copy`` (e.g. a criterion given its name) copies
        the instance dict but compiles its own plan; pickling leaves it out."""
        hit = self.__dict__.get(_PLAN)
        if not isinstance(hit, _PlanOf) or hit.owner is not self:
            hit = _PlanOf(self, _compile(self))
            self.__dict__[_PLAN] = hit
        return hit.plan

    def __getstate__(self) -> dict[Any, Any]:
        state = super().__getstate__()
        kept = state.get("__dict__")
        if isinstance(kept, dict) and _PLAN in kept:
            state = {**state, "__dict__": {k: v for k, v in kept.items() if k != _PLAN}}
        return state

    def facts(self) -> set[str]:
        """Every fact this condition reads."""
        if self.fact is not None:
            return {self.fact, self.value} if self.op == "same" else {self.fact}
        out: set[str] = set()
        for child in self.children():
            out |= child.facts()
        return out

    def children(self) -> list[Condition]:
        if self.all_ is not None:
            return list(self.all_)
        if self.any_ is not None:
            return list(self.any_)
        if self.not_ is not None:
            return [self.not_]
        return []


def _check_value(
    fact: str, type_: str, allowed: tuple[str, ...] | None, op: str, value: Any
) -> None:
    many = op in ("in", "not_in", "contains_any", "contains_none")
    values = value if many else [value]
    if many and not isinstance(value, list):
        raise ValueError(f"{fact} {op}: value must be a list")
    for v in values:
        if type_ == "number" and (isinstance(v, bool) or not isinstance(v, int | float)):
            raise ValueError(f"{fact} {op}: {v!r} is not a number")
        if type_ == "bool" and not isinstance(v, bool):
            raise ValueError(f"{fact} {op}: {v!r} is not true/false")
        if type_ in ("enum", "list") and not isinstance(v, str):
            raise ValueError(f"{fact} {op}: {v!r} is not a string")
        if type_ == "enum" and allowed is not None and v not in allowed:
            raise ValueError(f"{fact} {op}: {v!r} is not one of {list(allowed)}")


@dataclass(frozen=True)
class Failed:
    """A criterion that is false for this case."""

    name: str
    fields: tuple[str, ...]
    text: str


@dataclass(frozen=True)
class Unknown:
    """A criterion that cannot be judged: the case fields that would decide it."""

    name: str
    fields: tuple[str, ...]
    text: str


@dataclass(frozen=True)
class Outcome:
    value: bool | None
    failed: tuple[Failed, ...] = ()
    unknown: tuple[Unknown, ...] = ()
    passed: tuple[str, ...] = ()


def describe(c: Condition) -> str:
    """Human-readable text of a condition (computed once per condition object)."""
    return c.text


def _describe(c: Condition) -> str:
    if c.fact is not None:
        assert c.op is not None
        return f"{c.fact} {_SYMBOL[c.op]} {_fmt(c.value)}"
    if c.not_ is not None:
        return f"not ({c.not_.text})"
    joiner = " and " if c.all_ is not None else " or "
    return "(" + joiner.join(x.text for x in c.children()) + ")"


def _fmt(v: Any) -> str:
    if type(v) is str:  # the common case first (the same text as below)
        return v
    if isinstance(v, list):
        return "[" + ", ".join(_fmt(x) for x in v) + "]"
    if isinstance(v, bool):
        return "true" if v else "false"
    return f"{v:g}" if isinstance(v, float) else str(v)


def _leaf(c: Condition, facts: Mapping[str, Any]) -> bool | None:
    """The value of one leaf (the reference interpreter of :func:`_leaf_test`)."""
    actual = facts.get(c.fact or "")
    if c.op == "recorded":  # never unknown: whether the fact is known at all
        return (actual is not None) is bool(c.value)
    if actual is None:
        return None
    v = c.value
    if c.op == "same":
        other = facts.get(v)
        return None if other is None else bool(actual == other)
    return _TESTS[c.op or ""](actual, v)


_TESTS: dict[str, Callable[[Any, Any], bool]] = {
    "eq": lambda actual, v: bool(actual == v),
    "ne": lambda actual, v: bool(actual != v),
    "in": lambda actual, v: actual in v,
    "not_in": lambda actual, v: actual not in v,
    "gt": lambda actual, v: bool(actual > v),
    "gte": lambda actual, v: bool(actual >= v),
    "lt": lambda actual, v: bool(actual < v),
    "lte": lambda actual, v: bool(actual <= v),
    "contains": lambda actual, v: v in actual,
    "contains_any": lambda actual, v: any(x in actual for x in v),
    "contains_none": lambda actual, v: not any(x in actual for x in v),
}

Facts = Mapping[str, Any]
Truth = Callable[[Facts], bool | None]
# (value, failed, unknown, passed): the fields of an Outcome, built once at the top
Report = tuple[bool | None, tuple[Failed, ...], tuple[Unknown, ...], tuple[str, ...]]


@dataclass(frozen=True)
class Plan:
    """A condition compiled into closures: ``truth`` (the three-valued value alone) and
    ``report`` (the value with its failed, unknown and passed criteria, as :func:`evaluate`)."""

    truth: Truth
    report: Callable[[Facts], Report]


def _leaf_test(c: Condition) -> Truth:
    """One leaf as a closure over its fact, operator and value."""
    fact, v = c.fact or "", c.value
    if c.op == "recorded":
        want = bool(v)
        return lambda facts: (facts.get(fact) is not None) is want
    if c.op == "same":

        def same(facts: Facts) -> bool | None:
            actual, other = facts.get(fact), facts.get(v)
            return None if actual is None or other is None else bool(actual == other)

        return same
    assert c.op is not None
    test = _TESTS[c.op]

    def leaf(facts: Facts) -> bool | None:
        actual = facts.get(fact)
        return None if actual is None else test(actual, v)

    return leaf


def _compile_truth(c: Condition, parts: tuple[Plan, ...]) -> Truth:
    if c.fact is not None:
        return _leaf_test(c)
    if c.not_ is not None:
        inner = parts[0].truth

        def negation(facts: Facts) -> bool | None:
            value = inner(facts)
            return None if value is None else not value

        return negation
    tests = tuple(p.truth for p in parts)
    decides = c.all_ is None  # Kleene: one false part decides an ``all``, one true an ``any``

    def combined(facts: Facts) -> bool | None:
        unknown = False
        for t in tests:
            value = t(facts)
            if value is decides:
                return decides
            if value is None:
                unknown = True
        return None if unknown else not decides

    return combined


def _failed_text_of(c: Condition) -> Callable[[Facts], str]:
    """:func:`_failed_text` with its constant parts computed once."""
    head = f"requires {describe(c)}; case has "
    names = tuple(sorted(c.facts()))
    if len(names) == 1:
        only = names[0]
        head += f"{only} = "
        return lambda facts: head + _fmt(facts.get(only))
    return lambda facts: head + ", ".join(f"{f} = {_fmt(facts.get(f))}" for f in names)


def _compile(c: Condition) -> Plan:
    """The closures of one condition (children compiled once, through their own ``plan``)."""
    parts = tuple(child.plan for child in c.children())
    truth_of = _compile_truth(c, parts)
    fields = c.fields
    failed_text = _failed_text_of(c)
    if c.name is not None:  # a named node reports itself as one criterion
        name, text = c.name, describe(c)
        reads = tuple((f, _field_of(f)) for f in c.facts())
        passed_named: tuple[str, ...] = (name,)

        def named(facts: Facts) -> Report:
            value = truth_of(facts)
            if value is False:
                return False, (Failed(name, fields, failed_text(facts)),), (), ()
            if value is None:
                missing = tuple(sorted({field for f, field in reads if facts.get(f) is None}))
                return None, (), (Unknown(name, missing, text),), ()
            return True, (), (), passed_named

        return Plan(truth_of, named)
    if c.fact is not None:
        leaf_name = c.fact
        unknown_leaf = (Unknown(leaf_name, fields, describe(c)),)
        passed_leaf: tuple[str, ...] = (leaf_name,)

        def leaf(facts: Facts) -> Report:
            value = truth_of(facts)
            if value is None:
                return None, (), unknown_leaf, ()
            if value is False:
                return False, (Failed(leaf_name, fields, failed_text(facts)),), (), ()
            return True, (), (), passed_leaf

        return Plan(truth_of, leaf)
    if c.not_ is not None:
        inner = parts[0]
        not_name = f"not {c.not_.name or describe(c.not_)}"
        passed_not: tuple[str, ...] = (not_name,)

        def negation(facts: Facts) -> Report:
            value = inner.truth(facts)
            if value is None:
                return None, (), inner.report(facts)[2], ()
            if value is True:
                return False, (Failed(not_name, fields, failed_text(facts)),), (), ()
            return True, (), (), passed_not

        return Plan(truth_of, negation)
    reports = tuple(p.report for p in parts)
    if c.all_ is not None:

        def all_(facts: Facts) -> Report:
            failed: tuple[Failed, ...] = ()
            unknown: tuple[Unknown, ...] = ()
            passed: tuple[str, ...] = ()
            for r in reports:
                value, f, u, p = r(facts)
                if value is False:
                    failed += f
                elif value is None:
                    unknown += u
                else:
                    passed += p
            if failed:
                return False, failed, unknown, passed
            if unknown:
                return None, (), unknown, passed
            return True, (), (), passed

        return Plan(truth_of, all_)
    tests = tuple(p.truth for p in parts)

    def any_(facts: Facts) -> Report:
        values = [t(facts) for t in tests]
        if True in values:  # only the parts that hold are reported
            passed: tuple[str, ...] = ()
            for value, r in zip(values, reports, strict=True):
                if value is True:
                    passed += r(facts)[3]
            return True, (), (), passed
        failed: tuple[Failed, ...] = ()
        unknown: tuple[Unknown, ...] = ()
        for value, r in zip(values, reports, strict=True):
            if value is False:
                failed += r(facts)[1]
            else:
                unknown += r(facts)[2]
        if unknown:
            return None, failed, unknown, ()
        return False, failed, (), ()

    return Plan(truth_of, any_)


def evaluate(c: Condition, facts: Mapping[str, Any]) -> Outcome:
    """Three-valued evaluation with the failed and unknown criteria (by name where given),
    through the condition's compiled :class:`Plan` (the same result as :func:`interpret`)."""
    value, failed, unknown, passed = c.plan.report(facts)
    return Outcome(value, failed, unknown, passed)


def truth(c: Condition, facts: Mapping[str, Any]) -> bool | None:
    """The three-valued value of :func:`evaluate` alone (no criteria reported): the fast path
    of the decision tables and the guards."""
    return c.plan.truth(facts)


def interpret(c: Condition, facts: Mapping[str, Any]) -> Outcome:
    """The reference interpreter of :func:`evaluate`, walking the tree on every call (kept
    to check the compiled plans against: tests/knowledge/test_conditions_compiled.py)."""
    out = _interpret(c, facts)
    if c.name is None:
        return out
    # A named node reports itself as one criterion.
    if out.value is False:
        return Outcome(False, failed=(Failed(c.name, c.fields, _failed_text(c, facts)),))
    if out.value is None:
        return Outcome(None, unknown=(Unknown(c.name, _unknown_fields(c, facts),
                                              describe(c)),))  # fmt: skip
    return Outcome(True, passed=(c.name,))


def _unknown_fields(c: Condition, facts: Mapping[str, Any]) -> tuple[str, ...]:
    return tuple(sorted({_field_of(f) for f in c.facts() if facts.get(f) is None}))


def _failed_text(c: Condition, facts: Mapping[str, Any]) -> str:
    values = ", ".join(f"{f} = {_fmt(facts.get(f))}" for f in sorted(c.facts()))
    return f"requires {describe(c)}; case has {values}"


def _interpret(c: Condition, facts: Mapping[str, Any]) -> Outcome:
    if c.fact is not None:
        value = _leaf(c, facts)
        name = c.name or c.fact
        if value is None:
            return Outcome(None, unknown=(Unknown(name, c.fields, describe(c)),))
        if value is False:
            return Outcome(False, failed=(Failed(name, c.fields, _failed_text(c, facts)),))
        return Outcome(True, passed=(name,))
    if c.not_ is not None:
        inner = interpret(c.not_, facts)
        name = c.name or f"not {c.not_.name or describe(c.not_)}"
        if inner.value is None:
            return Outcome(None, unknown=inner.unknown)
        if inner.value is True:
            return Outcome(False, failed=(Failed(name, c.fields, _failed_text(c, facts)),))
        return Outcome(True, passed=(name,))
    parts = [interpret(child, facts) for child in c.children()]
    failed = tuple(f for p in parts if p.value is False for f in p.failed)
    unknown = tuple(u for p in parts if p.value is None for u in p.unknown)
    passed = tuple(n for p in parts if p.value is True for n in p.passed)
    if c.all_ is not None:
        if failed:
            return Outcome(False, failed=failed, unknown=unknown, passed=passed)
        if unknown:
            return Outcome(None, unknown=unknown, passed=passed)
        return Outcome(True, passed=passed)
    # any
    if passed:
        return Outcome(True, passed=passed)
    if unknown:
        return Outcome(None, failed=failed, unknown=unknown)
    return Outcome(False, failed=failed)


def to_polars(c: Condition, column: Callable[[str], pl.Expr] | None = None) -> pl.Expr:
    """Compile to a polars boolean expression over columns named by fact (null = unknown);
    ``column`` maps a fact to its expression instead (a rule table's inputs)."""
    import polars as pl

    from breastcds.language.expressions import list_contains_any

    if c.fact is not None:
        col = pl.col(c.fact) if column is None else column(c.fact)
        v = c.value
        match c.op:
            case "eq":
                return col.eq(v)
            case "ne":
                return col.ne(v)
            case "in":
                return pl.when(col.is_null()).then(None).otherwise(col.is_in(v))
            case "not_in":
                return pl.when(col.is_null()).then(None).otherwise(~col.is_in(v))
            case "gt":
                return col.gt(v)
            case "gte":
                return col.ge(v)
            case "lt":
                return col.lt(v)
            case "lte":
                return col.le(v)
            case "contains":
                return col.list.contains(v)
            case "contains_any":
                return list_contains_any(col, v)
            case "contains_none":
                return ~list_contains_any(col, v)
            case "recorded":
                return col.is_not_null() if v else col.is_null()
            case "same":
                return col.eq(pl.col(v) if column is None else column(v))
        raise AssertionError(f"unhandled op {c.op}")  # pragma: no cover
    if c.not_ is not None:
        return ~to_polars(c.not_, column)
    exprs = [to_polars(child, column) for child in c.children()]
    if c.all_ is not None:
        return pl.all_horizontal(exprs)
    return pl.any_horizontal(exprs)


def or_into(acc: dict[str, pl.Expr], field: str, e: pl.Expr) -> None:
    """``acc[field] |= e`` (a field reported by several criteria)."""
    acc[field] = acc[field] | e if field in acc else e


def unknown_fields_to_polars(c: Condition) -> dict[str, pl.Expr]:
    """The compiler of :func:`evaluate`'s prompt reporting: case field -> "reported as unknown"
    (to be read where ``c`` itself is unknown) over columns named by fact.

    As the interpreter: a named node reports every unrecorded fact below it; otherwise a leaf
    reports its own field and ``all``/``any``/``not`` collect the reports of their parts that
    are themselves unknown.
    """
    import polars as pl

    out: dict[str, pl.Expr] = {}
    if c.name is not None:
        for f in sorted(c.facts()):
            or_into(out, _field_of(f), pl.col(f).is_null())
        return out
    if c.fact is not None:
        return {_field_of(c.fact): pl.lit(True)}
    if c.not_ is not None:
        return unknown_fields_to_polars(c.not_)
    for child in c.children():
        unknown_here = to_polars(child).is_null()
        for field, e in unknown_fields_to_polars(child).items():
            or_into(out, field, unknown_here & e)
    return out
