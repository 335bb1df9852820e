"""The cohort engine gives what ``assess`` gives on the audit course vignettes whose rules the
course audit changed (docs/concordance_audit.md): the de novo prompt relevance (no recurrence
site, no adjuvant agents for a never-operated primary), the ASCENT-03 relapse window, the
adjuvant aromatase inhibitor as a prior AI, and the fertility guard with chemotherapy declined.
Options (rule ids) and prompts (fields) per decision point, as test_course_columns compares."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from breastcds.concordance import course
from breastcds.model.parse import parse_case
from tests.cohort.test_course_columns import cohort_row_as_assess

AUDIT = Path(__file__).parents[1] / "concordance" / "course_audit" / "course_audit.json"
CHANGED = ("A-CRS-UK-20", "A-CRS-BN-01", "A-CRS-NE-11", "A-CRS-LN-15", "A-CRS-NE-04",
           "A-CRS-GF-07", "A-CRS-DC-20", "A-CRS-UK-19")  # fmt: skip


def _vignettes() -> list[dict[str, Any]]:
    return [v for v in json.loads(AUDIT.read_text(encoding="utf-8")) if v["id"] in CHANGED]


def test_the_changed_audit_vignettes_are_found() -> None:
    assert sorted(v["id"] for v in _vignettes()) == sorted(CHANGED)


@pytest.mark.parametrize("vignette", _vignettes(), ids=lambda v: v["id"])
def test_audit_vignette_through_the_cohort_table_gives_what_assess_gives(
    vignette: dict[str, Any],
) -> None:
    cohort_row_as_assess(parse_case(course.to_case(vignette)))
