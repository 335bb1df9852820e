"""The cohort engine gives what ``assess`` gives on the fourth-batch (local) audit vignettes
whose rules the audit changed (docs/concordance_audit.md) and on their counterparts: the age
route to SLNB omission with and without endocrine therapy (LA-08, LP-06, LA-01), radiotherapy
declined with brain metastases (LM-02, LM-01), a recorded ypN1mi with a node count (LT-13),
and partial-breast RT for ASTRO-suitable DCIS (LD-01; LD-02 and LD-03 miss it or meet the CSCO row).
Options (rule ids) and prompts (fields) per decision point, as test_course_columns compares."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from breastcds.concordance import course
from breastcds.model.parse import parse_case
from tests.cohort.test_course_columns import cohort_row_as_assess

AUDIT = Path(__file__).parents[1] / "concordance" / "course_audit" / "course_audit_4loc.json"
CHANGED = ("A-CRS-LA-08", "A-CRS-LP-06", "A-CRS-LA-01", "A-CRS-LM-02", "A-CRS-LM-01",
           "A-CRS-LT-13", "A-CRS-LS-06", "A-CRS-LD-01", "A-CRS-LD-02", "A-CRS-LD-03")  # fmt: skip


def _vignettes() -> list[dict[str, Any]]:
    return [v for v in json.loads(AUDIT.read_text(encoding="utf-8")) if v["id"] in CHANGED]


def test_the_changed_local_audit_vignettes_are_found() -> None:
    assert sorted(v["id"] for v in _vignettes()) == sorted(CHANGED)


@pytest.mark.parametrize("vignette", _vignettes(), ids=lambda v: v["id"])
def test_local_audit_vignette_through_the_cohort_table_gives_what_assess_gives(
    vignette: dict[str, Any],
) -> None:
    cohort_row_as_assess(parse_case(course.to_case(vignette)))
