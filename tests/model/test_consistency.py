"""The case model's consistency checks (knowledge/consistency.yaml, model/consistency.py): one
definition run by two backends. The case model (one patient) and the cohort validation (polars)
refuse the same contradictions with the same field and the same words, and a check changed in a
copy of the knowledge is followed by both."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from breastcds.cohort.engine import run_batch
from breastcds.cohort.validate import prepare
from breastcds.knowledge.rule_tables import knowledge_from
from breastcds.model import CaseValidationError, parse_case
from breastcds.model.consistency import (
    Check,
    ChecksError,
    active,
    checks_from,
    load_checks,
)
from breastcds.model.paths import is_case_path
from tests.knowledge.copies import edited_copy

TODAY = dt.date(2026, 11, 25)


def _issues(case: dict[str, Any]) -> list[tuple[str, str]]:
    try:
        parse_case(case, today=TODAY)
    except CaseValidationError as exc:
        return [(i.field, i.message) for i in exc.issues]
    return []


def _cohort(row: dict[str, Any]) -> list[tuple[str, str]]:
    _, errors = prepare(pl.DataFrame([{"case_id": "x", **row}]))
    return [(e["column"], e["problem"]) for e in errors.to_dicts()]


# (case, the same patient as a cohort row, the field / column named, the expected message).
# Messages written out from the checks' templates with the values of the case.
BOTH = [
    ({"tumour": {"nodes_positive": 12, "nodes_examined": 10}},
     {"nodes_positive": "12", "nodes_examined": "10"}, "tumour.nodes_positive", "nodes_positive",
     "nodes_positive (12) exceeds nodes_examined (10); allowed: 0 to nodes_examined (10)"),
    ({"tumour": {"nodes_positive": 0, "nodes_micrometastases_only": True}},
     {"nodes_positive": "0", "nodes_micrometastases_only": "true"},
     "tumour.nodes_micrometastases_only", "nodes_micrometastases_only",
     "nodes_micrometastases_only is true but nodes_positive is 0; count the micrometastatic "
     "nodes in nodes_positive, or leave nodes_positive unrecorded"),
    ({"tumour": {"dcis_only": True, "size_mm": 12.5}}, {"dcis_only": "true", "size_mm": "12.5"},
     "tumour.size_mm", "size_mm",
     "an invasive size is recorded but dcis_only is true (pure DCIS has no invasive focus); "
     "allowed with dcis_only: size_mm not recorded or 0"),
    ({"tumour": {"metastatic_sites": ["liver"], "pathological_m": "cM0(i+)"}},
     {"metastatic_sites": "liver", "pathological_m": "cM0(i+)"},
     "tumour.metastatic_sites", "metastatic_sites",
     "metastatic sites are recorded but pathological_m is cM0(i+)"),
    ({"tumour": {"metastatic_sites": [], "clinical_m": "M1"}},
     {"metastatic_sites": "none", "clinical_m": "M1"}, "tumour.metastatic_sites",
     "metastatic_sites", "metastatic_sites is empty (none found) but M is M1"),
    ({"patient": {"sex": "male", "comorbidities": {"pregnancy": True}}},
     {"sex": "male", "pregnancy": "true"}, "patient.comorbidities.pregnancy", "pregnancy",
     "comorbidities.pregnancy is true but sex is male"),
    # consistency.declines_listed_once: the cohort's own check for a list column went
    ({"patient": {"declines": ["chemotherapy", "surgery", "chemotherapy"]}},
     {"declines": "chemotherapy;surgery;chemotherapy"}, "patient.declines", "declines",
     "a declined class is listed twice"),
    ({"biomarkers": {"her2_ihc": 2, "her2_ihc0_staining": "none"}},
     {"her2_ihc": "2", "her2_ihc0_staining": "none"}, "biomarkers.her2_ihc0_staining",
     "her2_ihc0_staining",
     "IHC 0 staining detail is recorded but her2_ihc is 2; allowed only with her2_ihc 0"),
    ({"biomarkers": {"her2_ish_recount": {"ratio": 2.1, "her2_copies": 4.5}}},
     {"her2_ish_recount_ratio": "2.1", "her2_ish_recount_copies": "4.5"},
     "biomarkers.her2_ish_recount", "her2_ish_recount_ratio",
     "an ISH recount is recorded without a first count"),
    ({"treatment": {"adjuvant_chemotherapy_done": False, "months_since_chemotherapy": 7.5}},
     {"adjuvant_chemotherapy_done": "false", "months_since_chemotherapy": "7.5"},
     "treatment.months_since_chemotherapy", "months_since_chemotherapy",
     "months_since_chemotherapy is recorded but adjuvant_chemotherapy_done is false and no "
     "neoadjuvant therapy is recorded"),
    ({"treatment": {"months_since_chemotherapy": 4, "months_since_curative_therapy": 7,
                    "adjuvant_chemotherapy_done": True}},
     {"months_since_chemotherapy": "4", "months_since_curative_therapy": "7",
      "adjuvant_chemotherapy_done": "true"},
     "treatment.months_since_curative_therapy", "months_since_curative_therapy",
     "months_since_curative_therapy (7) exceeds months_since_chemotherapy (4): curative therapy "
     "ends no earlier than its chemotherapy; allowed: 0 to months_since_chemotherapy (4)"),
    ({"treatment": {"months_since_curative_therapy": 9,
                    "recurrence": {"site": "distant", "months_since_diagnosis": 8}}},
     {"months_since_curative_therapy": "9", "recurrence_site": "distant",
      "recurrence_months_since_diagnosis": "8"},
     "treatment.months_since_curative_therapy", "months_since_curative_therapy",
     "months_since_curative_therapy (9) exceeds recurrence.months_since_diagnosis (8): curative "
     "therapy cannot end before the diagnosis; allowed: 0 to recurrence.months_since_diagnosis "
     "(8)"),
    ({"treatment": {"de_novo_metastatic": True, "months_since_curative_therapy": 3},
      "tumour": {"clinical_m": "M1"}},
     {"de_novo_metastatic": "true", "months_since_curative_therapy": "3", "clinical_m": "M1"},
     "treatment.de_novo_metastatic", "de_novo_metastatic",
     "de_novo_metastatic is true but months_since_curative_therapy records therapy or a "
     "recurrence before the metastatic diagnosis"),
    ({"treatment": {"de_novo_metastatic": True}, "tumour": {"clinical_m": "M0"}},
     None, "treatment.de_novo_metastatic", None,
     "de_novo_metastatic is true but the M category is M0 (stage IV is M1)"),
]  # fmt: skip


@pytest.mark.parametrize(("case", "row", "field", "column", "message"), BOTH)
def test_both_engines_refuse_with_the_same_field_and_words(
    case: dict[str, Any], row: dict[str, Any] | None, field: str, column: str | None, message: str
) -> None:
    assert _issues(case) == [(field, message)]
    if row is not None:  # the cohort table holds these fields
        assert _cohort(row) == [(column, message)]


def test_unknown_is_never_a_contradiction() -> None:
    assert _issues({"tumour": {"nodes_positive": 12}}) == []
    assert _issues({"tumour": {"nodes_micrometastases_only": True}}) == []
    assert _issues({"treatment": {"months_since_chemotherapy": 7}}) == []
    assert _cohort({"nodes_positive": "12", "nodes_micrometastases_only": "true"}) == []


def test_old_case_json_stays_readable() -> None:
    """The stored flag comorbidities.pregnancy (kept for old cases) still reads and agrees."""
    old = parse_case({"patient": {"comorbidities": {"pregnancy": True}}}, today=TODAY)
    assert old.patient.comorbidities.pregnancy is True
    assert _issues({"patient": {"pregnant": False, "comorbidities": {"pregnancy": True}}}) == [
        ("patient.pregnant", "pregnant is false but comorbidities.pregnancy is true")
    ]


def test_checks_name_case_paths_inside_their_record() -> None:
    for check in active().checks:
        assert check.id.startswith("consistency.")
        assert all(is_case_path(i.field) for i in check.inputs), check.id


def test_a_malformed_check_is_refused_with_its_id() -> None:
    good = active().checks[0].model_dump(by_alias=True, exclude_none=True)
    with pytest.raises(ValueError, match="not an input"):
        Check.model_validate({**good, "message": "{nobody}"})
    with pytest.raises(ValueError, match="the condition names"):
        Check.model_validate({**good, "when": {"recorded": {"fact": "nobody"}}})
    with pytest.raises(ValueError, match="reads its inputs only"):
        Check.model_validate({**good, "when": {"recorded": {"field": "patient.age"}}})


def _mutated(tmp_path: Path, limit: int) -> Path:
    """A copy of the knowledge whose nodes check allows at most ``limit`` positive nodes."""

    def edit(data: Any) -> None:
        (check,) = [
            c for c in data["checks"] if c["id"] == "consistency.nodes_positive_le_examined"
        ]
        check["when"] = {"gt": [{"fact": "positive"}, limit]}
        check["message"] = f"nodes_positive ({{positive}}) above {limit}; allowed: 0 to {limit}"

    return edited_copy(tmp_path, "consistency.yaml", edit)


def test_a_check_changed_in_a_copy_is_followed_by_both_engines(tmp_path: Path) -> None:
    case = {"tumour": {"nodes_positive": 8, "nodes_examined": 20}}
    row = {"case_id": "x", "nodes_positive": "8", "nodes_examined": "20"}
    assert _issues(case) == []
    assert run_batch(pl.DataFrame([row])).results.height == 1
    directory = _mutated(tmp_path, 5)
    expected = "nodes_positive (8) above 5; allowed: 0 to 5"
    with knowledge_from(directory):
        assert _issues(case) == [("tumour.nodes_positive", expected)]
        res = run_batch(pl.DataFrame([row]))
        assert res.results.height == 0
        assert res.errors.select("column", "problem").rows() == [("nodes_positive", expected)]
    assert _issues(case) == []  # the packaged checks again
    with checks_from(directory):  # the checks alone
        assert _issues(case) == [("tumour.nodes_positive", expected)]


def test_a_broken_copy_is_refused(tmp_path: Path) -> None:
    (tmp_path / "consistency.yaml").write_text("checks: [{id: x}]", encoding="utf-8")
    with pytest.raises(ChecksError, match=r"consistency\.yaml"):
        load_checks(tmp_path)


# --------------------------------------------------------------------------------------------
# One rule language: every check through the language's interpreter and its polars compiler
# --------------------------------------------------------------------------------------------


def _leaf_annotation(path: str) -> Any:
    """The annotation of the case-model field at ``path`` (records followed by name)."""
    from pydantic import BaseModel

    from breastcds.model.case import Case
    from breastcds.model.paths import _models_in

    model: type[BaseModel] = Case
    *records, leaf = path.split(".")
    for part in records:
        model = _models_in(model.model_fields[part].annotation)[0][0]
    return model.model_fields[leaf].annotation


def _kind(path: str) -> tuple[str, tuple[Any, ...]]:
    """(kind, values to draw from) of one input: bool, number, text (enum), list, record."""
    import enum
    import typing

    from breastcds.model.paths import _models_in

    annotation = _leaf_annotation(path)
    models, listed = _models_in(annotation)
    if models and not listed:
        return "record", (True,)
    args = [a for a in typing.get_args(annotation) if a is not type(None)] or [annotation]
    inner = args[0]
    if typing.get_origin(inner) in (list, tuple) or listed:
        item = typing.get_args(inner)[0] if typing.get_args(inner) else str
        words = tuple(e.value for e in item) if isinstance(item, type) and issubclass(
            item, enum.Enum) else ("brain", "liver", "leptomeninges", "whole_breast")  # fmt: skip
        return "list", words
    if inner is bool:
        return "bool", (True, False)
    if isinstance(inner, type) and issubclass(inner, enum.Enum):
        return "text", tuple(e.value for e in inner)
    if typing.get_origin(inner) is typing.Literal:
        return "text", typing.get_args(inner)
    return "number", (0, 1, 2, 5, 12, 12.5)  # counts, months, mm (Annotated with ge/le)


_DTYPES = {"record": pl.Boolean(), "bool": pl.Boolean(), "number": pl.Float64(),
           "text": pl.String(), "list": pl.List(pl.String())}  # fmt: skip


def _value(kind: str, pool: tuple[Any, ...]) -> Any:
    from hypothesis import strategies as st

    if kind == "list":
        return st.one_of(st.none(), st.lists(st.sampled_from(pool), max_size=3))
    return st.one_of(st.none(), st.sampled_from(pool))


@pytest.mark.parametrize("check", active().checks, ids=lambda c: c.id)
def test_every_check_is_one_rule_run_by_the_interpreter_and_the_compiler(check: Check) -> None:
    """The check's condition on random inputs (not recorded included): the language's
    interpreter (what the case model runs) and its compiler (what the cohort runs) fail the
    same rows."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from breastcds.language.expressions import evaluate
    from breastcds.model.consistency import _Inputs, to_polars

    kinds = {i.input: _kind(i.field) for i in check.inputs}
    row = st.fixed_dictionaries({n: _value(*k) for n, k in kinds.items()})

    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.lists(row, min_size=1, max_size=20))
    def run(rows: list[dict[str, Any]]) -> None:
        one = [evaluate(check.when, _Inputs(r)) is True for r in rows]
        schema = {n: _DTYPES[k[0]] for n, k in kinds.items()}
        frame = pl.DataFrame(rows, schema=schema)
        fails = frame.select(to_polars(check, {n: pl.col(n) for n in kinds}).alias("f"))
        assert fails["f"].to_list() == one, rows

    run()
