"""The columns for pregnancy, declines, brain metastases, DCIS, sentinel nodes and the course
records (radiotherapy history, de novo metastatic disease, endocrine therapy, recurrence): the
older ``pregnancy`` column stays readable, and the case model's contradictions between them are
rejected with the column named (cohort/validate.py mirrors model/case.py)."""

from __future__ import annotations

from typing import Any

import polars as pl
import pytest

from breastcds.cohort import facts as F
from breastcds.cohort.schema import COLUMNS, row_to_case
from breastcds.cohort.validate import canonical_dtype, prepare
from breastcds.entrypoint import classify
from breastcds.knowledge.facts import extract
from breastcds.model.errors import CaseValidationError


def _frame(rows: list[dict[str, Any]]) -> pl.DataFrame:
    schema = {c.name: canonical_dtype(c) if c.kind not in ("list", "enum_list") else pl.String()
              for c in COLUMNS}  # fmt: skip
    data = [{**r, "case_id": f"T{i}"} for i, r in enumerate(rows)]
    return pl.DataFrame(data, schema=schema)


@pytest.mark.parametrize(
    ("row", "pregnant"),
    [
        ({"pregnancy": True, "sex": "female"}, True),  # older column only
        ({"pregnant": True, "sex": "female", "gestation_weeks": 20.0}, True),
        ({"pregnancy": True, "pregnant": True, "sex": "female"}, True),
        ({"pregnancy": False}, False),
        ({}, None),  # not recorded stays unknown
    ],
)
def test_old_and_new_pregnancy_columns_give_the_same_fact(
    row: dict[str, Any], pregnant: bool | None
) -> None:
    valid, errors = prepare(_frame([row]))
    assert errors.height == 0
    table = F.with_facts(valid.lazy()).select("pregnant", "pregnancy").collect().to_dicts()[0]
    case = row_to_case(valid.to_dicts()[0])
    assert extract(case, classify(case))["pregnant"] is pregnant
    assert table == {"pregnant": pregnant, "pregnancy": pregnant}


@pytest.mark.parametrize(
    ("row", "column"),
    [
        ({"pregnant": True, "pregnancy": False}, "pregnant"),
        ({"pregnant": True, "sex": "male"}, "pregnant"),
        ({"gestation_weeks": 12.0}, "gestation_weeks"),
        ({"gestation_weeks": 12.0, "pregnant": False}, "gestation_weeks"),
        ({"gestation_weeks": 46.0, "pregnant": True}, "gestation_weeks"),
        ({"declines": "chemotherapy;chemotherapy"}, "declines"),
        ({"declines": "none;radiotherapy"}, "declines"),
        ({"declines": "immunotherapy"}, "declines"),
        ({"brain_metastases_count": 2, "metastatic_sites": "bone"}, "brain_metastases_count"),
        ({"brain_metastases_count": 0, "metastatic_sites": "brain"}, "brain_metastases_count"),
        (
            {"brain_metastases_symptomatic": True, "brain_metastases_count": 0},
            "brain_metastases_symptomatic",
        ),
        ({"dcis_extent_mm": 10.0, "dcis_only": False}, "dcis_extent_mm"),
        ({"dcis_nuclear_grade": 2}, "dcis_nuclear_grade"),
        ({"dcis_nuclear_grade": 4, "dcis_only": True}, "dcis_nuclear_grade"),
        ({"sentinel_nodes_positive": 1, "axillary_surgery": "none"}, "sentinel_nodes_positive"),
        ({"sentinel_nodes_positive": 21}, "sentinel_nodes_positive"),
        # radiotherapy history, de novo metastatic disease, endocrine and recurrence records
        ({"radiotherapy_given": False, "prior_radiotherapy_regions": "chest_wall"},
         "radiotherapy_given"),
        ({"radiotherapy_given": False, "prior_breast_radiotherapy": True}, "radiotherapy_given"),
        ({"radiotherapy_given": False, "recurrence_site": "chest_wall",
          "recurrence_months_since_last_radiotherapy": 20.0},
         "recurrence_months_since_last_radiotherapy"),
        ({"de_novo_metastatic": True, "recurrence_site": "distant"}, "de_novo_metastatic"),
        ({"de_novo_metastatic": True, "endocrine_agents": "letrozole"}, "de_novo_metastatic"),
        ({"de_novo_metastatic": True, "clinical_m": "M0"}, "de_novo_metastatic"),
        ({"endocrine_agents": "tamoxifen", "endocrine_ongoing": True,
          "endocrine_months_since_end": 4.0}, "endocrine_months_since_end"),
        ({"endocrine_agents": "none", "endocrine_years_completed": 3.0}, "endocrine_agents"),
        ({"endocrine_agents": "tamoxifen", "endocrine_years_completed": 16.0},
         "endocrine_years_completed"),
        ({"adjuvant_chemotherapy_done": True, "months_since_chemotherapy": 20.0,
          "recurrence_site": "distant", "recurrence_months_since_diagnosis": 10.0},
         "months_since_chemotherapy"),
        ({"recurrence_site": "elsewhere"}, "recurrence_site"),
        ({"prior_radiotherapy_regions": "whole_breast;heart"}, "prior_radiotherapy_regions"),
    ],
)  # fmt: skip
def test_contradictions_are_rejected_naming_the_column_as_the_case_model_does(
    row: dict[str, Any], column: str
) -> None:
    _, errors = prepare(_frame([row]))
    assert column in errors["column"].to_list()
    with pytest.raises(CaseValidationError):
        row_to_case(row)


def test_declines_none_is_recorded_as_no_declined_class() -> None:
    valid, errors = prepare(_frame([{"declines": "none"}, {"declines": "radiotherapy"}, {}]))
    assert errors.height == 0
    got = F.with_facts(valid.lazy()).select("declines").collect()["declines"].to_list()
    assert got == [[], ["radiotherapy"], None]
    assert [row_to_case(r).patient.declines for r in valid.to_dicts()] == [
        [],
        ["radiotherapy"],
        None,
    ]
