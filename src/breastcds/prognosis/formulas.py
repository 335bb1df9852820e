"""The NPI and CTS5 formulas of ``knowledge/derived_facts.yaml``, evaluated for given inputs.

The formulas (node stage / category, index, score, groups) are derived facts written once in
the knowledge, with their sources; the cohort engine computes them as fact columns
(:func:`breastcds.language.expressions.to_polars`) and :mod:`.npi` and :mod:`.cts5` evaluate
the same definitions here (:func:`breastcds.language.expressions.evaluate`) for the values
they are given. The definitions in force are the active ones (``knowledge_from`` included).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from breastcds.knowledge import derived
from breastcds.knowledge.drugs import drug_attribute
from breastcds.language.expressions import DrugAttribute, evaluate


class _Given:
    """A reader over given case-field values; a fact is another given value or the active
    derived fact's definition evaluated over the same values."""

    def __init__(self, fields: Mapping[str, Any], facts: Mapping[str, Any]) -> None:
        self._fields = fields
        self._facts = dict(facts)
        self._defs = derived.active()

    def field(self, path: str) -> Any:
        return self._fields.get(path)

    def fact(self, name: str) -> Any:
        if name not in self._facts:
            self._facts[name] = evaluate(self._defs[name].expr, self)
        return self._facts[name]

    def drug(self, agent: str | None, attribute: DrugAttribute) -> str | bool | None:
        return drug_attribute(agent, attribute)


def values(
    names: tuple[str, ...], fields: Mapping[str, Any], facts: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The derived facts ``names`` for the given case-field values (and given facts)."""
    reader = _Given(fields, facts or {})
    return {name: reader.fact(name) for name in names}


def parameter(name: str) -> Any:
    """A parameter of the active derived-fact definitions (e.g. the CTS5 size cap)."""
    return derived.active().parameters[name].value
