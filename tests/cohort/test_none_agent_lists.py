"""``none`` alone in an agent-list column is the case model's ``[]`` (recorded, none given); an
empty cell is null (not recorded). Both engines read it so: ``row_to_case`` (what ``assess``
gets) and the cohort engine's case-field binding, for every column whose spec sets
``none_is_empty`` (adjuvant_agents, endocrine_agents, recurrence_on_therapy).

The agent lists without ``none``: ``neoadjuvant_agents`` (the case model's neoadjuvant record
holds ``[]`` by default, no "not recorded") and the metastatic line agents (a line exists only
with its agents)."""

from __future__ import annotations

from typing import Any

import pytest

from breastcds.cohort.schema import COLUMNS, NO_SITES, row_to_case
from breastcds.cohort.validate import prepare
from breastcds.model.case import Case
from breastcds.model.parse import parse_case
from tests.cohort.test_course_columns import _at, _facts, _frame, case_to_row, cohort_row_as_assess

NONE_IS_EMPTY = {col.name: col.case_field for col in COLUMNS if col.none_is_empty}
# the column that creates the record a none-is-empty column belongs to
RECORD = {
    "recurrence_on_therapy": {"recurrence_site": "distant", "clinical_m": "M1",
                              "metastatic_sites": "bone", "surgery_type": "mastectomy"},
}  # fmt: skip
FACTS = ["prior_agents", "progressed_on", "chemotherapy_before_relapse",
         "trastuzumab_relapse_within_12_months", "trastuzumab_pretreated", "adjuvant_agents",
         "endocrine_resistance"]  # fmt: skip


def test_the_agent_lists_that_take_none() -> None:
    assert set(NONE_IS_EMPTY) == {"adjuvant_agents", "endocrine_agents", "recurrence_on_therapy"}


@pytest.mark.parametrize("column", sorted(NONE_IS_EMPTY))
def test_none_alone_is_the_recorded_empty_list_and_empty_is_not_recorded(column: str) -> None:
    row = {**RECORD.get(column, {}), column: NO_SITES}
    valid, errors = prepare(_frame([row]))
    assert errors.height == 0, errors.to_dicts()
    case = row_to_case(valid.to_dicts()[0])
    assert _at(case.model_dump(mode="json"), NONE_IS_EMPTY[column]) == []
    valid, _ = prepare(_frame([{**RECORD.get(column, {}), column: None}]))
    case = row_to_case(valid.to_dicts()[0])
    assert _at(case.model_dump(mode="json"), NONE_IS_EMPTY[column]) is None


@pytest.mark.parametrize("column", sorted(NONE_IS_EMPTY))
def test_none_with_other_agents_is_rejected_naming_the_column(column: str) -> None:
    _, errors = prepare(_frame([{**RECORD.get(column, {}), column: "none;docetaxel"}]))
    assert column in errors["column"].to_list()


def _relapse(treatment: dict[str, Any]) -> Case:
    return parse_case({
        "patient": {"age_years": 50, "sex": "female", "menopausal_status": "post"},
        "tumour": {"clinical_m": "M1", "metastatic_sites": ["liver"]},
        "biomarkers": {"er_percent": 90, "pr_percent": 50, "her2_ihc": 3},
        "treatment": {"surgery": {"type": "mastectomy", "axillary": "sentinel_node_biopsy"},
                      **treatment},
    })  # fmt: skip


RECURRENCE = {"site": "distant", "months_since_diagnosis": 40, "biopsied": True,
              "restaged": True}  # fmt: skip
CASES: dict[str, tuple[dict[str, Any], str]] = {
    "no adjuvant agent given": (
        {"adjuvant_agents": [], "recurrence": RECURRENCE}, "adjuvant_agents"),
    "no endocrine agent taken": (
        {"adjuvant_agents": ["docetaxel", "cyclophosphamide"], "endocrine": {"agents": []},
         "recurrence": RECURRENCE}, "endocrine_agents"),
    "no agent taken when the recurrence was found": (
        {"adjuvant_agents": ["docetaxel", "carboplatin", "trastuzumab"],
         "endocrine": {"agents": ["letrozole"], "years_completed": 5, "ongoing": False,
                       "months_since_end": 20},
         "recurrence": {**RECURRENCE, "on_therapy": []}}, "recurrence_on_therapy"),
}  # fmt: skip


@pytest.mark.parametrize("name", list(CASES))
def test_a_case_with_none_given_gets_in_the_cohort_what_assess_gives(name: str) -> None:
    treatment, column = CASES[name]
    case = _relapse(treatment)
    row = case_to_row(case)
    assert row[column] == NO_SITES
    got, want = _facts(row, FACTS)
    assert got == want
    assert "none" not in (got["prior_agents"] or [])
    cohort_row_as_assess(case)


def test_no_adjuvant_agent_given_proves_no_early_trastuzumab_in_both_engines() -> None:
    case = _relapse({"adjuvant_agents": [], "recurrence": RECURRENCE})
    got, want = _facts(case_to_row(case), FACTS)
    assert got == want
    assert got["adjuvant_agents"] == []
    assert got["trastuzumab_relapse_within_12_months"] is False
    assert got["chemotherapy_before_relapse"] is False
