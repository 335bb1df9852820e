"""Derived facts (knowledge/derived_facts.yaml): one definition, two backends.

* every packaged derived fact gives the same value through the interpreter (one patient) and
  the polars compiler (a cohort), on random inputs where any field or fact may be not recorded
  (None), 0, false or an empty list - and "not recorded" stays distinct from those;
* a CPS+EG points value changed in a temporary copy of the knowledge is followed by both
  engines;
* a malformed definition is refused at load, naming the problem.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import polars as pl
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import breastcds.knowledge
from breastcds.cohort import facts as F
from breastcds.cohort.schema import row_to_case
from breastcds.cohort.synthetic import generate
from breastcds.cohort.validate import prepare
from breastcds.entrypoint import classify
from breastcds.knowledge import derived
from breastcds.knowledge.drugs import drug_attribute, drug_table
from breastcds.knowledge.facts import FACTS
from breastcds.knowledge.loader import KnowledgeError
from breastcds.knowledge.rule_tables import knowledge_from
from breastcds.language.expressions import (
    DrugAttribute,
    Expr,
    class_table,
    evaluate,
    to_polars,
)

PACKAGED = Path(breastcds.knowledge.__file__).parent
DEFS = derived.active()


def _literals(e: Expr) -> set[str]:
    """Text literals an expression compares with (so random inputs hit its branches)."""
    out: set[str] = set()
    if isinstance(e.value, str):
        out.add(e.value)
    if isinstance(e.value, list):
        out |= set(e.value)
    out |= {k for k in (e.table or {}) if isinstance(k, str)}
    for pair in (e.in_, e.contains_any):
        if pair is not None:
            out |= {v for v in pair[1] if isinstance(v, str)}
    if e.agent_in_class is not None or e.drug is not None:
        # agents of the class (as written), others, one the catalogue does not know
        wanted = e.agent_in_class[1] if e.agent_in_class is not None else "taxane"
        hits = [n for n, v in class_table(drug_table, wanted).items() if v]
        out |= {*hits[:2], " Paclitaxel", "Tamoxifen", "letrozole", "palbociclib",
                "trastuzumab", "trastuzumab deruxtecan", "no-such-agent"}  # fmt: skip
    if e.starts_with is not None:
        out.add(e.starts_with[1])
    for child in e.children():
        out |= _literals(child)
    return out


def _values(dtype: pl.DataType, words: list[str]) -> st.SearchStrategy[Any]:
    if dtype == pl.Boolean():
        return st.sampled_from([None, True, False])
    if dtype == pl.Int64():
        return st.sampled_from([None, 0, 1, 2, 3, 5])
    if dtype == pl.Float64():
        return st.sampled_from([None, 0.0, 1.0, 5.5, 6.0, 6.5, 12.0, 24.0])
    if isinstance(dtype, pl.List) and isinstance(dtype.inner, pl.Struct):  # records
        record = st.fixed_dictionaries(
            {f.name: _values(f.dtype, words) for f in dtype.inner.fields}
        )
        return st.one_of(st.none(), st.lists(record, max_size=3))
    if isinstance(dtype, pl.List):
        return st.one_of(st.none(), st.lists(st.sampled_from([None, *words]), max_size=3))
    return st.sampled_from([None, *words])


class _Row:
    """A Reader over one drawn row (fields and facts by name)."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.values = values

    def field(self, path: str) -> Any:
        return self.values[f"field:{path}"]

    def fact(self, name: str) -> Any:
        return self.values[f"fact:{name}"]

    def drug(self, agent: str | None, attribute: DrugAttribute) -> str | bool | None:
        return drug_attribute(agent, attribute)


def _inputs(fact: derived.DerivedFact) -> dict[str, pl.DataType]:
    """Columns of every field and (non-derived) fact the definition reads, with their types."""
    cols: dict[str, pl.DataType] = {}
    pending = [fact.expr]
    while pending:
        e = pending.pop()
        for path in e.fields():
            cols[f"field:{path}"] = F._dtype_of(path)
        for name in e.facts():
            if name in DEFS.by_name:
                pending.append(DEFS[name].expr)
            else:  # numbers drawn as integers: grades, counts (the lookups' keys)
                t = FACTS[name].type
                cols[f"fact:{name}"] = pl.Int64() if t == "number" else derived.dtype(t)
    return cols


@st.composite
def _case(draw: st.DrawFn, fact: derived.DerivedFact) -> dict[str, Any]:
    words = sorted(_literals(fact.expr) | {"other"})
    for name in fact.expr.facts():
        if FACTS[name].values:
            words += list(FACTS[name].values or ())
    return {col: draw(_values(dtype, words)) for col, dtype in _inputs(fact).items()}


class _Inline(_Row):
    """Derived facts read by a definition are computed from the row too."""

    def fact(self, name: str) -> Any:
        if name in DEFS.by_name:
            return evaluate(DEFS[name].expr, self)
        return super().fact(name)


def _interpret(fact: derived.DerivedFact, row: dict[str, Any]) -> Any:
    return evaluate(fact.expr, _Inline(row))


def _compile(fact: derived.DerivedFact, rows: list[dict[str, Any]]) -> list[Any]:
    schema = _inputs(fact)
    frame = pl.DataFrame(rows, schema=schema) if schema else pl.DataFrame({"_": [0] * len(rows)})

    def fact_column(name: str) -> pl.Expr:
        if name in DEFS.by_name:
            return to_polars(
                DEFS[name].expr, lambda p: pl.col(f"field:{p}"), fact_column, drug_table
            )
        return pl.col(f"fact:{name}")

    expr = to_polars(fact.expr, lambda p: pl.col(f"field:{p}"), fact_column, drug_table)
    out = frame.select(expr.cast(derived.dtype(fact.type)).alias("v"))
    return out["v"].to_list()


def _same(a: Any, b: Any) -> bool:
    """Equal, and "not recorded" only where the other is (None is never 0, false or [])."""
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return abs(a - b) <= 1e-9 * max(1.0, abs(a))  # integer points: exact in practice
    return bool(a == b)


@pytest.mark.parametrize("name", [f.name for f in DEFS.facts])
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_interpreter_and_polars_compiler_agree_on_random_inputs(name: str, data: Any) -> None:
    fact = DEFS[name]
    rows = data.draw(st.lists(_case(fact), min_size=1, max_size=12))
    got = _compile(fact, rows)
    for row, table_value in zip(rows, got, strict=True):
        want = _interpret(fact, row)
        assert _same(table_value, want), f"{name} {row}: polars {table_value!r}, one {want!r}"


def test_not_recorded_stays_distinct_from_zero_and_false() -> None:
    """Hand-checked: no neoadjuvant record -> CPS+EG not recorded (not 0); a missing grade
    makes the score not recorded; no surgery recorded -> surgery_done false (the table's own
    rule: absent = not yet), never None."""
    cps = DEFS["cps_eg_score"]
    base = {"field:treatment.neoadjuvant": True, "fact:clinical_stage_anatomic": "IIA",
            "fact:stage_anatomic": "IA", "fact:er.status": "positive", "fact:grade": 2}  # fmt: skip
    assert _interpret(cps, base) == 0  # 0 + 0 + 0 + 0
    assert _compile(cps, [base]) == [0.0]
    for key, value in (("field:treatment.neoadjuvant", None), ("fact:grade", None),
                       ("fact:stage_anatomic", "IV")):  # fmt: skip
        row = {**base, key: value}
        assert _interpret(cps, row) is None
        assert _compile(cps, [row]) == [None]
    done = DEFS["surgery_done"]
    assert _interpret(done, {"field:treatment.surgery.type": None}) is False
    assert _compile(done, [{"field:treatment.surgery.type": None}]) == [False]


def _copy(tmp_path: Path) -> Path:
    target = tmp_path / "knowledge"
    shutil.copytree(PACKAGED, target, ignore=shutil.ignore_patterns("__pycache__", "*.py"))
    return target


def _both_engines(frame: pl.DataFrame) -> tuple[list[Any], list[Any]]:
    valid, _ = prepare(frame)
    table = F.with_facts(valid.lazy()).select("cps_eg_score").collect()["cps_eg_score"]
    one = []
    for row in valid.to_dicts():
        case = row_to_case(row)
        one.append(FACTS["cps_eg_score"].extract(case, classify(case)))
    return table.to_list(), one


def test_both_engines_follow_a_cps_eg_points_value_changed_in_a_copy(tmp_path: Path) -> None:
    """Grade 3 scores 1 point (Jeruss 2008); the copy gives it 2: every scored grade-3 row
    gains exactly one point, in both engines, and no other row changes."""
    frame = generate(3_000, seed=14, missing=0.1)
    table, one = _both_engines(frame)
    assert [None if v is None else float(v) for v in one] == table
    valid, _ = prepare(frame)
    grade3 = [g == 3 for g in valid["grade"].to_list()]
    assert sum(1 for v, g in zip(one, grade3, strict=True) if v is not None and g) >= 1
    copy = _copy(tmp_path)
    path = copy / derived.DERIVED_FILE
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["parameters"]["cps_eg_grade_points"]["value"][3] = 2
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with knowledge_from(copy):
        table2, one2 = _both_engines(frame)
    assert [None if v is None else float(v) for v in one2] == table2
    for before, after, g in zip(one, one2, grade3, strict=True):
        assert after == (None if before is None else before + (1 if g else 0))
    assert _both_engines(frame)[1] == one  # the packaged definitions are active again


def test_a_malformed_definition_is_refused_at_load_naming_the_problem() -> None:
    data = yaml.safe_load((PACKAGED / derived.DERIVED_FILE).read_text(encoding="utf-8"))
    data["facts"][0]["expr"] = {"fact": "no_such_fact"}
    with pytest.raises(KnowledgeError, match="no_such_fact"):
        derived.parse(data)
    data["facts"][0]["expr"] = {"field": "patient.no_such_field"}
    with pytest.raises(KnowledgeError, match="no_such_field"):
        derived.parse(data)
    data["facts"][0]["expr"] = {"lt": [{"value": 1}]}
    with pytest.raises(KnowledgeError, match="two operands"):
        derived.parse(data)


def test_every_parameter_cites_its_source() -> None:
    for name, p in DEFS.parameters.items():
        assert len(p.source) >= 10, name


def _fact_by_both_engines(
    frame: pl.DataFrame, names: list[str]
) -> tuple[dict[str, list[Any]], dict[str, list[Any]]]:
    """(cohort engine column, one-patient engine values) of each named fact."""
    valid, _ = prepare(frame)
    table = F.with_facts(valid.lazy()).select(names).collect()
    one: dict[str, list[Any]] = {n: [] for n in names}
    for row in valid.to_dicts():
        case = row_to_case(row)
        c = classify(case)
        for n in names:
            one[n].append(FACTS[n].extract(case, c))
    return {n: table[n].to_list() for n in names}, one


def _numbers(values: list[Any]) -> list[float | None]:
    return [None if v is None else float(v) for v in values]


def test_both_engines_follow_a_list_fact_definition_changed_in_a_copy(tmp_path: Path) -> None:
    """metastatic_chemotherapy_lines counts the lines holding a cytotoxic agent; the copy makes
    it count the lines holding an endocrine agent (agent_in_class over the lines' agents): in
    both engines it then equals metastatic_endocrine_lines row by row, and the packaged
    definition is back after the block."""
    frame = generate(2_000, seed=141, missing=0.1)
    names = ["metastatic_chemotherapy_lines", "metastatic_endocrine_lines"]
    table, one = _fact_by_both_engines(frame, names)
    for n in names:
        assert _numbers(table[n]) == _numbers(one[n]), n
    differ = sum(1 for a, b in zip(*[one[n] for n in names], strict=True) if a != b)
    assert differ >= 10  # the generated lines hold both kinds
    copy = _copy(tmp_path)
    path = copy / derived.DERIVED_FILE
    text = path.read_text(encoding="utf-8")
    old = ("then: {count_where: [{field: treatment.metastatic_lines}, "
           "{agent_in_class: [{item: agents}, chemotherapy]}]}")  # fmt: skip
    assert text.count(old) == 1
    path.write_text(text.replace(old, old.replace("chemotherapy]", "endocrine]")), "utf-8")
    with knowledge_from(copy):
        table2, one2 = _fact_by_both_engines(frame, names)
    for n in names:
        assert _numbers(table2[n]) == _numbers(one2[n]), n
    assert one2["metastatic_chemotherapy_lines"] == one["metastatic_endocrine_lines"]
    assert _fact_by_both_engines(frame, names)[1] == one


def test_both_engines_follow_a_relapse_window_changed_in_a_copy(tmp_path: Path) -> None:
    """taxane_failure reads the 12-month window after (neo)adjuvant chemotherapy (CSCO BC 2026
    四(三) note 2); with 24 months in a copy, the rows that change are rows whose chemotherapy
    ended 12 < months <= 24 before, from false to true (a taxane given) or to not recorded
    (whether one was given is not), the same in both engines."""
    frame = generate(3_000, seed=142, missing=0.1)
    cycle = [None, 6.0, 12.0, 12.5, 18.0, 24.0, 30.0]  # the end of chemotherapy, months before
    frame = frame.with_columns(
        pl.Series("months_since_chemotherapy", [cycle[i % 7] for i in range(frame.height)])
    )
    name = "taxane_failure"
    table, one = _fact_by_both_engines(frame, [name])
    assert table[name] == one[name]
    copy = _copy(tmp_path)
    path = copy / derived.DERIVED_FILE
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["parameters"]["chemotherapy_relapse_window_months"]["value"] = 24
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with knowledge_from(copy):
        table2, one2 = _fact_by_both_engines(frame, [name])
    assert table2[name] == one2[name]
    valid, _ = prepare(frame)
    months = valid["months_since_chemotherapy"].to_list()
    # without the end of chemotherapy, the window falls back to the months from diagnosis to
    # the relapse (a relapse within the window of diagnosis was within it of chemotherapy too)
    relapse = valid["recurrence_months_since_diagnosis"].to_list()
    changed = [i for i, (a, b) in enumerate(zip(one[name], one2[name], strict=True)) if a != b]
    assert changed, "the generated cohort has (neo)adjuvant taxanes ending 12-24 months before"
    for i in changed:  # false -> true (a taxane given), or unknown (whether one was given)
        by_chemotherapy = one[name][i] is False and months[i] is not None and 12 < months[i] <= 24
        by_relapse = (
            one[name][i] is None and months[i] is None
            and relapse[i] is not None and 12 < relapse[i] <= 24
        )  # fmt: skip
        assert by_chemotherapy or by_relapse, (i, one[name][i], months[i], relapse[i])
    assert any(one2[name][i] is True for i in changed)
