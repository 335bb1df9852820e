"""Review course vignettes written from the published rules agree with breastcds on every field.

tests/concordance/fixtures/course_review.json was written from the reference text only
(shared/reference/domain/clinical_course.md, systemic_therapy.md, rt_omission.md and the README
course contract), not from the code: every row of §1.1-1.3 at its boundaries, §2-§10 and the
§13 prompts; each ``summary`` names the section it tests. Contested points (§12) appear nowhere.
Vignettes the code does not yet answer as the reference states are kept apart in
course_review_open.json, each with a note of what the code does and what the reference says.
"""

from __future__ import annotations

import json
from pathlib import Path

from breastcds.concordance.course import names
from tests.concordance.course_check import (
    assert_course_vignettes_name_their_section_and_keep_safety_within_the_exclusions,
    assert_every_course_vignette_agrees_and_nothing_unsafe_is_offered,
)

FIXTURES = Path(__file__).parent / "fixtures"
REVIEW = FIXTURES / "course_review.json"
OPEN = FIXTURES / "course_review_open.json"


def test_every_field_of_every_review_course_vignette_agrees_and_nothing_unsafe_is_offered() -> None:
    vignettes = json.loads(REVIEW.read_text())
    assert len(vignettes) >= 80
    assert_every_course_vignette_agrees_and_nothing_unsafe_is_offered(vignettes)


def test_review_vignettes_name_their_section_and_keep_safety_within_the_exclusions() -> None:
    every = json.loads(REVIEW.read_text()) + json.loads(OPEN.read_text())
    assert_course_vignettes_name_their_section_and_keep_safety_within_the_exclusions(every)


def test_open_review_vignettes_carry_a_note() -> None:
    for vignette in json.loads(OPEN.read_text()):
        assert vignette["id"].startswith("R-CRS-OPEN-")
        assert "Code:" in vignette["note"] and "Reference:" in vignette["note"]


def test_missing_words_of_section_13_name_their_fields() -> None:
    """clinical_course.md §13: the word a prompt contains for each field."""
    assert names("pregnan", "patient.pregnant")
    assert names("gestation", "patient.gestation_weeks")
    assert names("margin", "tumour.margin_mm")
    assert names("sentinel", "treatment.surgery.sentinel_nodes_positive")
    assert names("brca", "biomarkers.germline_brca")
    assert names("endocrine", "treatment.endocrine.months_since_end")
    assert names("her2", "biomarkers.her2_ish")
    assert names("er", "biomarkers.er_percent")
    assert not names("er", "biomarkers.her2_ish")
    assert not names("er", "biomarkers.esr1")
