"""The cohort engine gives what ``assess`` gives on the audit course vignettes whose rules a course
audit changed (docs/concordance_audit.md), and on their counterparts across the condition.
Options (rule ids) and prompts (fields) per decision point, as test_course_columns compares.

- course_audit.json: the de novo prompt relevance (no recurrence site, no adjuvant agents for a
  never-operated primary), the ASCENT-03 relapse window, the adjuvant aromatase inhibitor as a
  prior AI, and the fertility guard with chemotherapy declined.
- course_audit_4loc.json (fourth batch, local): the age route to SLNB omission with and without
  endocrine therapy (LA-08, LP-06, LA-01), radiotherapy declined with brain metastases (LM-02,
  LM-01), a recorded ypN1mi with a node count (LT-13), partial-breast RT for ASTRO-suitable DCIS
  (LD-01; LD-02 and LD-03 miss it or meet the CSCO row).
- course_audit_4sys.json (fourth batch, systemic): THP / T-DXd + pertuzumab after endocrine-only
  metastatic lines, tamoxifen for extension with osteoporosis, the extended AI after neoadjuvant
  therapy and adjuvant abemaciclib read from ypN, endocrine therapy for an ER-positive
  locoregional recurrence before the menopause and in a man, and their neighbours.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from breastcds.concordance import course
from breastcds.model.parse import parse_case
from tests.cohort.test_course_columns import cohort_row_as_assess

AUDITS = Path(__file__).parents[1] / "concordance" / "course_audit"
CHANGED: dict[str, tuple[str, ...]] = {
    "course_audit.json": ("A-CRS-UK-20", "A-CRS-BN-01", "A-CRS-NE-11", "A-CRS-LN-15",
                          "A-CRS-NE-04", "A-CRS-GF-07", "A-CRS-DC-20", "A-CRS-UK-19"),
    "course_audit_4loc.json": ("A-CRS-LA-08", "A-CRS-LP-06", "A-CRS-LA-01", "A-CRS-LM-02",
                               "A-CRS-LM-01", "A-CRS-LT-13", "A-CRS-LS-06", "A-CRS-LD-01",
                               "A-CRS-LD-02", "A-CRS-LD-03"),
    "course_audit_4sys.json": ("A-CRS-SN-01", "A-CRS-SE-02", "A-CRS-SE-04", "A-CRS-SP-07",
                               "A-CRS-SP-05", "A-CRS-SE-01", "A-CRS-SB-07", "A-CRS-SX-02",
                               "A-CRS-SX-03", "A-CRS-SB-05", "A-CRS-SX-06", "A-CRS-SX-07"),
}  # fmt: skip


def _vignettes(name: str) -> list[dict[str, Any]]:
    every = json.loads((AUDITS / name).read_text(encoding="utf-8"))
    return [v for v in every if v["id"] in CHANGED[name]]


@pytest.mark.parametrize("name", sorted(CHANGED))
def test_the_changed_audit_vignettes_are_found(name: str) -> None:
    assert sorted(v["id"] for v in _vignettes(name)) == sorted(CHANGED[name])


@pytest.mark.parametrize(
    "vignette", [v for name in sorted(CHANGED) for v in _vignettes(name)], ids=lambda v: v["id"]
)
def test_audit_vignette_through_the_cohort_table_gives_what_assess_gives(
    vignette: dict[str, Any],
) -> None:
    cohort_row_as_assess(parse_case(course.to_case(vignette)))
