"""Audit course vignettes (public course format) agree with breastcds on every field.

course_audit.json was written from the reference text only (shared/reference/domain/
clinical_course.md and the area files it points to, README course contract), at the boundaries
and combinations the reference states that the public and review sets leave out: post-neoadjuvant
by ypN and cT (DB-05 vs KATHERINE), CPS+EG 2 vs 3, margins, Z0011 / SOUND / age routes, pregnancy
by week with metastatic and stage I disease, men, ECOG, comorbidities, refusals, ER-low, DCIS,
locoregional recurrence, metastatic lines and missing inputs. Each ``summary`` names the section
it was read from; the id names the area (A-CRS-<area>-NN). Cases where the reference is not clear
are kept apart in course_audit_open.json with a note (docs/concordance_audit.md).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

from tests.concordance.course_check import (
    assert_course_vignettes_name_their_section_and_keep_safety_within_the_exclusions,
    assert_every_course_vignette_agrees_and_nothing_unsafe_is_offered,
)

HERE = Path(__file__).parent
AUDIT = HERE / "course_audit.json"
OPEN = HERE / "course_audit_open.json"
# post-neoadjuvant, margins, axilla, pregnancy, men, frail, comorbidities, declines, ER-low, DCIS,
# locoregional recurrence, metastatic, unknown inputs; bone/brain, germline/fertility/geriatric,
# metastatic lines 2-4 by subtype, newer evidence at its setting
AREAS = ("PN", "MG", "AX", "PG", "ML", "FR", "CM", "DC", "EL", "DS", "LR", "MT", "UK",
         "BN", "GF", "LN", "NE")  # fmt: skip


def test_every_field_of_every_audit_course_vignette_agrees_and_nothing_unsafe_is_offered() -> None:
    vignettes = json.loads(AUDIT.read_text())
    assert len(vignettes) >= 260
    assert_every_course_vignette_agrees_and_nothing_unsafe_is_offered(vignettes)


def test_audit_vignettes_name_section_and_area_and_keep_safety_within_the_exclusions() -> None:
    every = json.loads(AUDIT.read_text()) + json.loads(OPEN.read_text())
    assert_course_vignettes_name_their_section_and_keep_safety_within_the_exclusions(every)
    ids = [v["id"] for v in every]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"A-CRS-(OPEN-)?[A-Z]{2}-\d{2}", i) for i in ids), ids
    areas = Counter(v["id"].split("-")[2] for v in json.loads(AUDIT.read_text()))
    # every area of the brief carries cases at its boundaries
    for area in AREAS:
        assert areas[area] >= 3, area


def test_open_audit_vignettes_carry_a_note_of_code_and_reference() -> None:
    for vignette in json.loads(OPEN.read_text()):
        assert vignette["id"].startswith("A-CRS-OPEN-")
        assert "Code:" in vignette["note"] and "Reference:" in vignette["note"]
