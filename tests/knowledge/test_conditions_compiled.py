"""The compiled condition plans (``Condition.plan``) agree with the reference interpreter.

``evaluate`` and ``truth`` run closures compiled once per condition; ``interpret`` walks the
tree on every call, as the evaluator always did. They must give the same outcome (value, failed,
unknown and passed criteria with their texts and fields, in order) on every input: random
condition trees (named nodes, every operator, unknown facts) and every condition of the packaged
knowledge over the facts of the bundled examples and of generated cases.
"""

from __future__ import annotations

import pickle
from collections.abc import Iterator
from functools import cache
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from breastcds import examples
from breastcds.course.cautions import course_cautions
from breastcds.course.inference import precedence
from breastcds.entrypoint import classify
from breastcds.knowledge.conditions import Condition, evaluate, interpret, truth
from breastcds.knowledge.facts import extract
from breastcds.knowledge.schema_rt_omission import load_rt_omission
from breastcds.model.parse import parse_case
from breastcds.options.guards import load_guards
from breastcds.options.schema import load_kb
from tests.knowledge.test_conditions import trees
from tests.options.strategies import cases

LEAVES: list[dict[str, Any]] = [
    {"fact": "age", "op": "gte", "value": 70},
    {"fact": "age", "op": "same", "value": "ecog"},
    {"fact": "grade", "op": "in", "value": [1, 2]},
    {"fact": "grade", "op": "not_in", "value": [3]},
    {"fact": "lvi", "op": "eq", "value": True},
    {"fact": "lvi", "op": "recorded", "value": False},
    {"fact": "her2.category", "op": "ne", "value": "HER2-positive"},
    {"fact": "ki67_percent", "op": "lt", "value": 14.5},
    {"fact": "margin_mm", "op": "lte", "value": 2},
    {"fact": "margin_mm", "op": "gt", "value": 0},
    {"fact": "metastatic_sites", "op": "contains", "value": "bone"},
    {"fact": "metastatic_sites", "op": "contains_any", "value": ["brain", "liver"]},
    {"fact": "metastatic_sites", "op": "contains_none", "value": ["lung"]},
    {"fact": "metastatic_sites", "op": "recorded", "value": True},
]


def _named(node: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[dict[str, Any]]:
    """A node, sometimes carrying a criterion name (a named node reports itself)."""
    return st.one_of(node, node.map(lambda n: {**n, "name": f"criterion {len(str(n))}"}))


facts_rows = st.fixed_dictionaries(
    {
        "age": st.one_of(st.none(), st.integers(60, 80)),
        "ecog": st.one_of(st.none(), st.sampled_from([0, 70])),
        "grade": st.one_of(st.none(), st.integers(1, 3)),
        "lvi": st.one_of(st.none(), st.booleans()),
        "her2.category": st.one_of(st.none(), st.sampled_from(["HER2-low", "HER2-positive"])),
        "ki67_percent": st.one_of(st.none(), st.sampled_from([5.0, 14.5, 30.0])),
        "margin_mm": st.one_of(st.none(), st.sampled_from([0, 1.5, 2, 3.0])),
        "metastatic_sites": st.one_of(
            st.none(), st.lists(st.sampled_from(["bone", "brain", "liver", "lung"]), max_size=3)
        ),
    }
)


@settings(max_examples=400, deadline=None)
@given(trees(LEAVES, _named, max_leaves=8), facts_rows)
def test_compiled_plan_equals_the_interpreter_on_random_trees(
    tree: dict[str, Any], facts: dict[str, Any]
) -> None:
    c = Condition.model_validate(tree)
    expected = interpret(c, facts)
    assert evaluate(c, facts) == expected
    assert truth(c, facts) is expected.value


def _conditions(x: object) -> Iterator[Condition]:
    """Every condition tree held by a knowledge object (models, lists, dicts walked)."""
    if isinstance(x, Condition):
        yield x
    elif isinstance(x, BaseModel):
        for name in type(x).model_fields:
            yield from _conditions(getattr(x, name))
    elif isinstance(x, list | tuple):
        for item in x:
            yield from _conditions(item)
    elif isinstance(x, dict):
        for item in x.values():
            yield from _conditions(item)


@cache
def knowledge_conditions() -> tuple[Condition, ...]:
    """The conditions of the option rules, guards, decision-point precedence, course cautions
    and RT-omission sets (the knowledge read over the case facts)."""
    sources: list[object] = [
        list(load_kb().pathways),
        load_guards(),
        precedence(),
        course_cautions(),
        load_rt_omission(),
    ]
    found = [c for s in sources for c in _conditions(s)]
    assert len(found) > 300  # the walk reaches the rules (a model change would show here)
    return tuple(found)


def _facts(case: dict[str, Any]) -> dict[str, Any]:
    valid = parse_case(case)
    return extract(valid, classify(valid))


def _agree(facts: dict[str, Any]) -> None:
    for c in knowledge_conditions():
        expected = interpret(c, facts)
        assert evaluate(c, facts) == expected, c.text
        assert truth(c, facts) is expected.value, c.text


def test_every_knowledge_condition_agrees_on_the_bundled_examples() -> None:
    for name in examples.names():
        _agree(_facts(examples.load(name)))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_every_knowledge_condition_agrees_on_generated_cases(case: dict[str, Any]) -> None:
    _agree(_facts(case))


def test_a_named_copy_compiles_its_own_plan() -> None:
    """``model_copy`` copies the instance dict; the copy must not report with the original's
    plan (the RT-omission criteria are named copies of their conditions)."""
    plain = Condition.model_validate({"all": [LEAVES[0], LEAVES[4]]})
    facts = {"age": 75, "lvi": None}
    assert [u.name for u in evaluate(plain, facts).unknown] == ["lvi"]
    named = plain.model_copy(update={"name": "older with LVI"})
    assert evaluate(named, facts) == interpret(named, facts)
    assert [u.name for u in evaluate(named, facts).unknown] == ["older with LVI"]


def test_a_compiled_condition_pickles_without_its_plan() -> None:
    """The validated knowledge may be pickled (a cache between runs): closures are left out
    and compiled again after loading."""
    c = Condition.model_validate({"any": [LEAVES[1], LEAVES[11]]})
    facts = {"age": 70, "ecog": 70, "metastatic_sites": ["lung"]}
    before = evaluate(c, facts)
    back = pickle.loads(pickle.dumps(c))
    assert back == c
    assert evaluate(back, facts) == before == interpret(back, facts)


def test_conditions_compare_by_their_fields_whether_compiled_or_not() -> None:
    a, b = (Condition.model_validate({"not": LEAVES[0]}) for _ in range(2))
    evaluate(a, {"age": 71})
    assert a == b and b == a
    assert hash(a) == hash(b)
    assert a != Condition.model_validate({"not": LEAVES[4]})
