"""The condition language: schema checks, Kleene three-valued logic, polars agreement."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from breastcds.knowledge.conditions import Condition, evaluate, to_polars


def cond(data: dict[str, Any]) -> Condition:
    return Condition.model_validate(data)


@pytest.mark.parametrize(
    "bad",
    [
        {"fact": "no_such_fact", "op": "eq", "value": 1},
        {"fact": "age", "op": "contains", "value": 1},  # op not for numbers
        {"fact": "age", "op": "gte", "value": "seventy"},
        {"fact": "her2.category", "op": "eq", "value": "HER2-lowish"},  # not an allowed value
        {"fact": "lvi", "op": "eq", "value": 1},  # bool fact needs true/false
        {"fact": "age", "op": "in", "value": 3},  # in needs a list
        {"fact": "age"},  # no op
        {"all": []},
        {
            "fact": "age",
            "op": "gte",
            "value": 70,
            "all": [{"fact": "lvi", "op": "eq", "value": True}],
        },
        {"fact": "age", "op": "gte", "value": 70, "extra": 1},
    ],
)
def test_schema_rejects_malformed_conditions(bad: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        cond(bad)


AGE70 = {"fact": "age", "op": "gte", "value": 70}
GRADE12 = {"fact": "grade", "op": "in", "value": [1, 2]}


def test_kleene_all() -> None:
    c = cond({"all": [AGE70, GRADE12]})
    assert evaluate(c, {"age": 70, "grade": 2}).value is True
    assert evaluate(c, {"age": 69, "grade": None}).value is False  # a failure decides
    out = evaluate(c, {"age": 75, "grade": None})
    assert out.value is None
    assert [u.fields for u in out.unknown] == [("tumour.grade",)]


def test_kleene_any_and_not() -> None:
    c = cond({"any": [AGE70, GRADE12]})
    assert evaluate(c, {"age": 50, "grade": 1}).value is True
    assert evaluate(c, {"age": 50, "grade": None}).value is None
    assert evaluate(c, {"age": None, "grade": 1}).value is True  # one true part decides
    n = cond({"not": AGE70})
    assert evaluate(n, {"age": 80}).value is False
    assert evaluate(n, {"age": None}).value is None


def test_named_criterion_reports_itself() -> None:
    g3_lvi = {
        "all": [
            {"fact": "grade", "op": "eq", "value": 3},
            {"fact": "lvi", "op": "eq", "value": True},
        ]
    }
    c = cond({"all": [AGE70, {"name": "grade3_and_lvi", "not": g3_lvi}]})
    out = evaluate(c, {"age": 65, "grade": 3, "lvi": True})
    assert [f.name for f in out.failed] == ["age", "grade3_and_lvi"]
    out = evaluate(c, {"age": 75, "grade": 3, "lvi": None})
    assert out.value is None and [u.name for u in out.unknown] == ["grade3_and_lvi"]
    assert out.unknown[0].fields == ("tumour.lvi",)


def test_list_ops() -> None:
    c = cond({"fact": "metastatic_sites", "op": "contains_any", "value": ["liver", "lung"]})
    assert evaluate(c, {"metastatic_sites": ["bone", "liver"]}).value is True
    assert evaluate(c, {"metastatic_sites": []}).value is False
    assert evaluate(c, {"metastatic_sites": None}).value is None


# --- the python evaluator and the polars compilation agree, nulls included -------------------

LEAVES = [
    AGE70,
    GRADE12,
    {"fact": "lvi", "op": "eq", "value": True},
    {"fact": "her2.category", "op": "in", "value": ["HER2-low", "HER2-ultralow"]},
    {"fact": "her2.category", "op": "not_in", "value": ["HER2-positive"]},
    {"fact": "ki67_percent", "op": "lt", "value": 14},
    {"fact": "margin_mm", "op": "gt", "value": 0},
    {"fact": "menopausal_status", "op": "ne", "value": "pre"},
]


Node = Callable[[st.SearchStrategy[dict[str, Any]]], st.SearchStrategy[dict[str, Any]]]


def trees(
    leaves: list[dict[str, Any]] = LEAVES, node: Node = lambda s: s, max_leaves: int = 6
) -> st.SearchStrategy[dict[str, Any]]:
    """Random condition trees over ``leaves``; ``node`` may decorate every node (a name)."""
    return st.recursive(
        node(st.sampled_from(leaves)),
        lambda children: node(
            st.one_of(
                st.lists(children, min_size=1, max_size=3).map(lambda xs: {"all": xs}),
                st.lists(children, min_size=1, max_size=3).map(lambda xs: {"any": xs}),
                children.map(lambda x: {"not": x}),
            )
        ),
        max_leaves=max_leaves,
    )


rows = st.fixed_dictionaries(
    {
        "age": st.one_of(st.none(), st.integers(20, 90)),
        "grade": st.one_of(st.none(), st.integers(1, 3)),
        "lvi": st.one_of(st.none(), st.booleans()),
        "her2.category": st.one_of(
            st.none(), st.sampled_from(["HER2-0", "HER2-ultralow", "HER2-low", "HER2-positive"])
        ),
        "ki67_percent": st.one_of(st.none(), st.floats(0, 100)),
        "margin_mm": st.one_of(st.none(), st.floats(0, 10)),
        "menopausal_status": st.one_of(st.none(), st.sampled_from(["pre", "peri", "post"])),
    }
)


@settings(max_examples=300, deadline=None)
@given(trees(), st.lists(rows, min_size=1, max_size=20))
def test_polars_compilation_equals_evaluator(
    tree: dict[str, Any], data: list[dict[str, Any]]
) -> None:
    c = cond(tree)
    schema = {
        "age": pl.Int64, "grade": pl.Int64, "lvi": pl.Boolean, "her2.category": pl.String,
        "ki67_percent": pl.Float64, "margin_mm": pl.Float64, "menopausal_status": pl.String,
    }  # fmt: skip
    frame = pl.DataFrame(data, schema=schema)
    compiled = frame.select(to_polars(c).alias("v"))["v"].to_list()
    assert compiled == [evaluate(c, row).value for row in data]
