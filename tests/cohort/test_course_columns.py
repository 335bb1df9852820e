"""The recurrence record, the adjuvant endocrine record and the radiotherapy history as cohort
columns, and the dcis / locoregional_recurrence decision points of the cohort engine.

A record exists when its first column is given (``endocrine_agents``, ``recurrence_site``), as a
metastatic line exists with its agents; ``none`` alone in an agent list is the case model's
``[]`` (recorded, none). The public course vignettes that touch these areas are run through the
flat table and must give what ``assess`` gives on the vignette's own case.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from breastcds.cohort import facts as F
from breastcds.cohort.engine import DECISION_POINTS, run_batch
from breastcds.cohort.schema import COLUMNS, NO_SITES, row_to_case
from breastcds.cohort.validate import canonical_dtype, prepare
from breastcds.concordance import course
from breastcds.entrypoint import assess, classify
from breastcds.knowledge.facts import extract
from breastcds.model.case import Case
from breastcds.model.parse import parse_case

REPO = Path(__file__).resolve().parents[2]
VIGNETTES = REPO.parent / "shared" / "reference" / "domain" / "course_vignettes_public.json"


def _frame(rows: list[dict[str, Any]]) -> pl.DataFrame:
    schema = {c.name: canonical_dtype(c) if c.kind not in ("list", "enum_list") else pl.String()
              for c in COLUMNS}  # fmt: skip
    return pl.DataFrame([{**r, "case_id": f"C{i}"} for i, r in enumerate(rows)], schema=schema)


def _facts(row: dict[str, Any], names: list[str]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the cohort's fact columns, the case extractor's facts) of one valid row."""
    valid, errors = prepare(_frame([row]))
    assert errors.height == 0, errors.to_dicts()
    table = F.with_facts(valid.lazy()).select(names).collect().to_dicts()[0]
    case = row_to_case(valid.to_dicts()[0])
    want = extract(case, classify(case))
    return table, {n: want[n] for n in names}


def test_none_is_a_recorded_empty_agent_list_and_empty_is_not_recorded() -> None:
    names = ["endocrine_resistance", "prior_agents", "progressed_on"]
    relapse = {"recurrence_site": "chest_wall", "er_percent": 90.0, "surgery_type": "mastectomy"}
    # no endocrine therapy taken: the relapse is endocrine-sensitive (ABC 5)
    got, want = _facts({**relapse, "endocrine_agents": NO_SITES}, names)
    assert got == want
    assert got["endocrine_resistance"] == "sensitive"
    # nothing recorded about endocrine therapy: the resistance, and so progressed_on, unknown
    got, want = _facts(relapse, names)
    assert got == want
    assert got["endocrine_resistance"] is None and got["progressed_on"] is None
    case = row_to_case(_frame([{**relapse, "recurrence_on_therapy": NO_SITES}]).to_dicts()[0])
    assert case.treatment.recurrence is not None
    assert case.treatment.recurrence.on_therapy == []
    assert case.treatment.endocrine is None


def test_relapse_on_adjuvant_anastrozole_in_year_two_is_primary_resistance() -> None:
    """clinical_course.md 1.3: relapse during the first 2 years of adjuvant ET = primary."""
    row = {"recurrence_site": "chest_wall", "er_percent": 90.0, "surgery_type": "mastectomy",
           "endocrine_agents": "Arimidex", "endocrine_years_completed": 1.5,
           "endocrine_ongoing": True, "recurrence_on_therapy": "anastrozole"}  # fmt: skip
    got, want = _facts(row, ["endocrine_resistance", "progressed_on", "prior_agents"])
    assert got == want
    assert got == {"endocrine_resistance": "primary", "progressed_on": ["anastrozole"],
                   "prior_agents": ["anastrozole"]}  # fmt: skip


@pytest.mark.parametrize(
    ("row", "column"),
    [
        ({"endocrine_years_completed": 2.0}, "endocrine_years_completed"),
        ({"endocrine_ongoing": True}, "endocrine_ongoing"),
        ({"endocrine_months_since_end": 3.0}, "endocrine_months_since_end"),
        ({"recurrence_biopsied": True}, "recurrence_biopsied"),
        ({"recurrence_on_therapy": "tamoxifen"}, "recurrence_on_therapy"),
        ({"recurrence_months_since_diagnosis": 30.0}, "recurrence_months_since_diagnosis"),
        ({"endocrine_agents": "none;tamoxifen"}, "endocrine_agents"),
        ({"recurrence_site": "distant", "recurrence_on_therapy": "none;letrozole"},
         "recurrence_on_therapy"),
    ],
)  # fmt: skip
def test_details_without_their_record_are_rejected_naming_the_column(
    row: dict[str, Any], column: str
) -> None:
    """The flat table's own checks: the case model could not hold such a row."""
    _, errors = prepare(_frame([row]))
    assert column in errors["column"].to_list()


def test_list_columns_as_parquet_lists_give_the_text_results(tmp_path: Path) -> None:
    rows = [
        {"recurrence_site": "ipsilateral_breast", "surgery_type": "breast_conserving",
         "er_percent": 80.0, "endocrine_agents": "tamoxifen; letrozole",
         "endocrine_years_completed": 5.0, "endocrine_ongoing": False,
         "endocrine_months_since_end": 8.0, "recurrence_on_therapy": "none",
         "prior_radiotherapy_regions": "whole_breast;tumour_bed_boost",
         "radiotherapy_given": True},
        {"recurrence_site": "regional_nodes", "surgery_type": "mastectomy", "er_percent": 0.0,
         "radiotherapy_given": False, "endocrine_agents": "none"},
    ]  # fmt: skip
    text = _frame(rows)
    lists = text.with_columns(
        pl.col(name).str.split(";").list.eval(pl.element().str.strip_chars())
        for name in ("endocrine_agents", "recurrence_on_therapy", "prior_radiotherapy_regions")
    )
    path = tmp_path / "lists.parquet"
    lists.write_parquet(path)
    from_text = run_batch(text).results
    from_lists = run_batch(pl.read_parquet(path)).results
    assert from_text.height == 2
    assert from_text.to_dicts() == from_lists.to_dicts()


# --------------------------------------------------------------------------------------------
# The public course vignettes of these areas, through the flat table
# --------------------------------------------------------------------------------------------


def _at(data: Any, path: str) -> Any:
    for part in path.split("."):
        if data is None:
            return None
        if part == "*":
            return data  # the list of records: the caller reads the field of each
        if part.isdigit():
            data = data[int(part)] if int(part) < len(data) else None
        else:
            data = data.get(part)
    return data


def case_to_row(case: Case) -> dict[str, Any]:
    """The cohort row of a case (the inverse of ``row_to_case_dict`` where the table can hold
    the case; courses keep only their regions, metastatic lines the first three)."""
    data = case.model_dump(mode="json")
    row: dict[str, Any] = {}
    for col in COLUMNS:
        head, _, tail = col.case_field.partition(".*.")
        value = _at(data, head)
        if tail and value is not None:
            value = [_at(item, tail) for item in value] or None
        if col.kind in ("list", "enum_list") and value is not None:
            empty = col.none_is_empty or NO_SITES in (col.values or ())
            value = NO_SITES if not value and empty else ";".join(value) or None
        row[col.name] = value
    row["neoadjuvant"] = True if case.treatment.neoadjuvant is not None else None
    row["prior_breast_radiotherapy"] = None  # the regions are in prior_radiotherapy_regions
    return row


def cohort_row_as_assess(case: Case) -> dict[str, Any]:
    """``case`` as a one-row cohort table: the row has no error, and the options and prompts of
    every decision point are those ``assess`` gives on the case itself. Returns the row."""
    result = run_batch(_frame([case_to_row(case)]))
    assert result.errors.height == 0, result.errors.to_dicts()
    got: dict[str, Any] = result.results.to_dicts()[0]
    options = assess(case).sections.options
    assert options is not None
    by_dp = {d.decision_point: d for d in options.decision_points}
    for dp in DECISION_POINTS:
        d = by_dp.get(dp)
        assert got[f"options.{dp}"] == (None if d is None else [o.rule_id for o in d.options])
        assert got[f"prompts.{dp}"] == (None if d is None else [p.field for p in d.prompts])
    return got


def _course_vignettes() -> list[dict[str, Any]]:
    touched = []
    for v in json.loads(VIGNETTES.read_text(encoding="utf-8")):
        history = v["case"].get("history") or {}
        dp = v["expected"].get("decision_point")
        if (
            "recurrence" in history
            or "endocrine" in history
            or v["case"]["tumor"].get("dcis_only") is True
            or dp in ("dcis", "locoregional_recurrence")
        ):
            touched.append(v)
    return touched


def test_the_public_course_vignettes_of_these_areas_are_found() -> None:
    ids = [v["id"] for v in _course_vignettes()]
    dps = {v["expected"]["decision_point"] for v in _course_vignettes()}
    assert len(ids) >= 5
    assert {"dcis", "locoregional_recurrence"} <= dps


@pytest.mark.parametrize("vignette", _course_vignettes(), ids=lambda v: v["id"])
def test_course_vignette_through_the_cohort_table_gives_what_assess_gives(
    vignette: dict[str, Any],
) -> None:
    got = cohort_row_as_assess(parse_case(course.to_case(vignette)))
    # the vignette's decision point is the one the cohort engine answers
    assert [dp for dp in DECISION_POINTS if got[f"options.{dp}"] is not None] == [
        vignette["expected"]["decision_point"]
    ]


def test_no_adjuvant_agents_is_written_none_and_read_as_recorded_empty() -> None:
    """``adjuvant_agents: []`` (recorded: no adjuvant agent given) is the word ``none`` in the
    cohort table, not an empty cell (not recorded): a triple-negative relapse 3 months after a
    mastectomy without adjuvant therapy gets in the table what ``assess`` gives (the first-line
    interval is then known to be < 6 months)."""
    case = parse_case(
        {
            "patient": {"age_years": 52, "sex": "female", "menopausal_status": "post"},
            "tumour": {"clinical_m": "M1", "metastatic_sites": ["lung"]},
            "biomarkers": {"er_percent": 0, "pr_percent": 0, "her2_ihc": 0,
                           "her2_ihc0_staining": "none", "pdl1_cps": 15,
                           "germline_brca": "negative"},
            "treatment": {
                "surgery": {"type": "mastectomy", "axillary": "sentinel_node_biopsy"},
                "adjuvant_agents": [],
                "recurrence": {"site": "distant", "months_since_diagnosis": 3,
                               "on_therapy": [], "biopsied": True, "restaged": True},
            },
        }
    )  # fmt: skip
    assert case_to_row(case)["adjuvant_agents"] == "none"
    got = cohort_row_as_assess(case)
    assert got["options.metastatic_line_1"] is not None
