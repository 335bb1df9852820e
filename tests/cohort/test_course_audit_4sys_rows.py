"""The cohort engine gives what ``assess`` gives on the systemic audit vignettes whose rules the
fourth course audit added (docs/concordance_audit.md): THP / T-DXd + pertuzumab after
endocrine-only metastatic lines, tamoxifen for extension with osteoporosis, the extended AI
after neoadjuvant therapy and adjuvant abemaciclib read from ypN, endocrine therapy for an
ER-positive locoregional recurrence before the menopause and in a man; plus the
neighbouring vignettes of the batch on the other side of those conditions. Options (rule ids)
and prompts (fields) per decision point, as test_course_columns compares."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from breastcds.concordance import course
from breastcds.model.parse import parse_case
from tests.cohort.test_course_columns import cohort_row_as_assess

AUDIT = Path(__file__).parents[1] / "concordance" / "course_audit" / "course_audit_4sys.json"
CHANGED = ("A-CRS-SN-01", "A-CRS-SE-02", "A-CRS-SE-04", "A-CRS-SP-07", "A-CRS-SP-05",
           "A-CRS-SE-01", "A-CRS-SB-07", "A-CRS-SX-02", "A-CRS-SX-03", "A-CRS-SB-05",
           "A-CRS-SX-06", "A-CRS-SX-07")  # fmt: skip


def _vignettes() -> list[dict[str, Any]]:
    return [v for v in json.loads(AUDIT.read_text(encoding="utf-8")) if v["id"] in CHANGED]


def test_the_changed_systemic_audit_vignettes_are_found() -> None:
    assert sorted(v["id"] for v in _vignettes()) == sorted(CHANGED)


@pytest.mark.parametrize("vignette", _vignettes(), ids=lambda v: v["id"])
def test_systemic_audit_vignette_through_the_cohort_table_gives_what_assess_gives(
    vignette: dict[str, Any],
) -> None:
    cohort_row_as_assess(parse_case(course.to_case(vignette)))
