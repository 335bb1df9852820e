"""Derived facts: facts defined as expressions in the knowledge, registered here, once.

``knowledge/derived_facts.yaml`` defines facts over case fields and other facts in the
expression language of :mod:`breastcds.language.expressions` (thresholds as ``parameters``
with their source). :func:`register_all` registers each with the fact registry when
:mod:`breastcds.knowledge.facts` loads this module (the registry's one place); a patient's
value is the interpreter's (:func:`breastcds.language.expressions.evaluate` over the case), a
cohort's the compiler's (:func:`to_polars`, the cohort engine binding fields to its columns). The
definitions in force are the packaged ones, or another knowledge directory's inside
:func:`breastcds.knowledge.rule_tables.knowledge_from` (both engines follow it).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, get_args

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from breastcds.knowledge.drugs import DrugClass, drug_attribute, drug_table
from breastcds.knowledge.facts import FACTS, Fact, FactType, register
from breastcds.knowledge.loader import KnowledgeError, load_yaml, parse_yaml
from breastcds.language.expressions import (
    AgentFlag,
    DrugAttribute,
    Expr,
    evaluate,
    read_path,
    resolve_params,
)
from breastcds.model.assessment import Classification
from breastcds.model.case import Case
from breastcds.model.overridable import Overridable
from breastcds.model.paths import is_case_path

if TYPE_CHECKING:  # the cohort backend's dependency; one-patient assessment does not load it
    import polars as pl

DERIVED_FILE = "derived_facts.yaml"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class Parameter(_Strict):
    """A threshold or points table, written once, with its source."""

    value: Any
    source: str = Field(min_length=10)


class DerivedFact(_Strict):
    """One fact defined by an expression."""

    name: str = Field(pattern=r"^[a-z0-9_.]+$")
    type: FactType
    field: str = Field(description="case-model field a missing-data prompt names")
    description: str = Field(min_length=3)
    values: tuple[str, ...] | None = None
    source: str | None = None
    expr: Expr

    @field_validator("field")
    @classmethod
    def _path(cls, v: str) -> str:
        if not is_case_path(v):
            raise ValueError(f"{v!r} is not a field of the case model")
        return v


class DerivedFacts(_Strict):
    version: int
    reviewed: str
    parameters: dict[str, Parameter] = {}
    facts: tuple[DerivedFact, ...]

    def __getitem__(self, name: str) -> DerivedFact:
        return self.by_name[name]

    @cached_property
    def by_name(self) -> Mapping[str, DerivedFact]:
        """The facts by name (built once: every derived fact of every case is looked up here)."""
        return {f.name: f for f in self.facts}


def parse(data: Any, name: str = DERIVED_FILE) -> DerivedFacts:
    """Validate a derived-facts file: parameters resolved, every fact read is registered (or
    defined earlier in the file), every field a case field."""
    if not isinstance(data, dict):
        raise KnowledgeError(f"knowledge file {name!r}: expected a mapping")
    try:
        params = {k: Parameter.model_validate(v) for k, v in (data.get("parameters") or {}).items()}
        raw = resolve_params(
            {k: v for k, v in data.items() if k != "parameters"},
            {k: p.value for k, p in params.items()},
        )
        out = DerivedFacts.model_validate({**raw, "parameters": params})
    except (ValidationError, ValueError) as exc:
        raise KnowledgeError(f"knowledge file {name!r} does not match its schema: {exc}") from exc
    known = set(FACTS)
    for fact in out.facts:
        try:
            check_names(fact.expr)
            fact.expr.check_scopes(is_case_path)
        except ValueError as exc:
            raise KnowledgeError(f"knowledge file {name!r}: {fact.name}: {exc}") from exc
        unknown = fact.expr.facts() - known
        if unknown:
            raise KnowledgeError(f"knowledge file {name!r}: {fact.name} reads unknown facts "
                                 f"{sorted(unknown)}")  # fmt: skip
        known.add(fact.name)
    return out


def check_names(expr: Expr) -> None:
    """Refuse a field that is not a case path and a drug class the catalogue does not have."""
    for node in expr.nodes():
        if node.field is not None and not is_case_path(node.field):
            raise ValueError(f"{node.field!r} is not a field of the case model")
        wanted = node.agent_in_class[1] if node.agent_in_class is not None else None
        flags = list(get_args(AgentFlag))
        if wanted is not None and wanted not in (*flags, *get_args(DrugClass)):
            raise ValueError(
                f"agent_in_class: {wanted!r} is neither a drug class of knowledge/drugs.py "
                f"nor one of {flags}"
            )


_DERIVED: Overridable[DerivedFacts] = Overridable(lambda: parse(load_yaml(DERIVED_FILE)))


def active() -> DerivedFacts:
    """The derived facts both engines compute (the packaged ones unless overridden)."""
    return _DERIVED.active()


def load(directory: Path) -> DerivedFacts:
    """The derived facts of another knowledge directory (same names and types required)."""
    try:
        data = parse_yaml((directory / DERIVED_FILE).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise KnowledgeError(f"knowledge file {DERIVED_FILE!r} in {directory}: {exc}") from exc
    out = parse(data, f"{directory / DERIVED_FILE}")
    packaged = _DERIVED.packaged()
    shape = {(f.name, f.type, f.field) for f in packaged.facts}
    if {(f.name, f.type, f.field) for f in out.facts} != shape:
        raise KnowledgeError(f"{directory / DERIVED_FILE}: facts differ from the packaged ones "
                             "(names, types or fields); only definitions may change")  # fmt: skip
    return out


def overriding(facts: DerivedFacts) -> AbstractContextManager[DerivedFacts]:
    """Compute the derived facts from ``facts`` inside this block (both engines)."""
    return _DERIVED.overriding(facts)


# --------------------------------------------------------------------------------------------
# One patient
# --------------------------------------------------------------------------------------------


@dataclass
class CaseReader:
    """Fields and facts of one classified case, for the interpreter (facts read once)."""

    case: Case
    classification: Classification

    def field(self, path: str) -> Any:
        return read_path(self.case, path)

    def fact(self, name: str) -> Any:
        return FACTS[name].extract(self.case, self.classification)

    def drug(self, agent: str | None, attribute: DrugAttribute) -> str | bool | None:
        return drug_attribute(agent, attribute)


def _extractor(name: str) -> Callable[[Case, Classification], Any]:
    def extract(case: Case, c: Classification) -> Any:
        return evaluate(active()[name].expr, CaseReader(case, c))

    return extract


def register_all() -> None:
    """Register every packaged derived fact (done once, when this module is loaded by the
    fact registry)."""
    for f in _DERIVED.packaged().facts:
        register(Fact(f.name, f.type, f.field, f.description, _extractor(f.name), f.values))


# --------------------------------------------------------------------------------------------
# A polars frame
# --------------------------------------------------------------------------------------------


def column_steps(
    field: Callable[[str], pl.Expr], fact: Callable[[str], pl.Expr]
) -> list[list[pl.Expr]]:
    """Every derived fact as a polars column, in steps (each a ``with_columns``): a derived
    fact read by another is computed once, in an earlier step, and read as its column
    (``field``: a case field's column; ``fact``: a registered fact's column)."""
    from breastcds.language.expressions import to_polars

    defs = active()
    depth: dict[str, int] = {}
    for f in defs.facts:  # a fact reads only facts defined before it (checked by parse)
        reads = [depth[n] + 1 for n in f.expr.facts() if n in depth]
        depth[f.name] = max(reads, default=0)
    steps: list[list[pl.Expr]] = [[] for _ in range(max(depth.values(), default=-1) + 1)]
    for f in defs.facts:
        column = to_polars(f.expr, field, fact, drug_table).cast(dtype(f.type)).alias(f.name)
        steps[depth[f.name]].append(column)
    return steps


def dtype(type_: FactType) -> pl.DataType:
    """The polars type of a fact's column."""
    import polars as pl

    return {"number": pl.Float64(), "bool": pl.Boolean(), "enum": pl.String(),
            "list": pl.List(pl.String())}[type_]  # fmt: skip


register_all()
