"""Fourth course-audit batch, local therapy and special populations: every field of every
vignette agrees with breastcds and nothing unsafe is offered.

course_audit_4loc.json was written from the reference text only (shared/reference/domain/
clinical_course.md §2, §4, §5, §6, §8, §9 and rt_omission.md §1-3, README course contract) at
boundaries and combinations the earlier batches leave out: margins of 0 / 0.5 / 2 mm with a
refused operation, SOUND / INSEMA below 70 (cT1 at 20 vs 21 mm, TNBC, HER2-positive, radiotherapy
declined, ultrasound unrecorded), the age route with endocrine therapy declined, Z0011 at 2 vs 3
nodes and at 50 mm, pN2 at exactly 4 nodes, clinical stage III after pCR, ypN1mi, boost and
partial-breast RT at age 50 / 49, LUMINA at 55 / PR 20 % / Ki-67 13 %, DCIS at 25 / 26 mm,
re-irradiation at 12 / 13 months and 29 / 30 mm, first RT to an unirradiated region at a
recurrence, brain metastases 11 / RT declined / count unrecorded, men, fertility and geriatric
thresholds, pregnancy. Ids: A-CRS-<area>-NN with areas LS (surgery / margins), LA (axilla), LT
(radiotherapy), LO (RT omission in the course), LD (DCIS), LC (locoregional recurrence), LM
(brain metastases), LP (special populations). Cases the reference leaves open are kept apart in
course_audit_4loc_open.json with a note (docs/concordance_audit.md).
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
AUDIT = HERE / "course_audit_4loc.json"
OPEN = HERE / "course_audit_4loc_open.json"
EARLIER = (HERE / "course_audit.json", HERE / "course_audit_open.json")
AREAS = ("LS", "LA", "LT", "LO", "LD", "LC", "LM", "LP")


def _read(path: Path) -> list[dict[str, object]]:
    data: list[dict[str, object]] = json.loads(path.read_text(encoding="utf-8"))
    return data


def test_every_field_of_every_local_audit_vignette_agrees_and_nothing_unsafe_is_offered() -> None:
    vignettes = _read(AUDIT)
    assert len(vignettes) >= 40
    assert_every_course_vignette_agrees_and_nothing_unsafe_is_offered(vignettes)


def test_local_audit_vignettes_name_section_and_area_and_keep_safety_within_the_exclusions() -> (
    None
):
    every = _read(AUDIT) + _read(OPEN)
    assert_course_vignettes_name_their_section_and_keep_safety_within_the_exclusions(every)
    ids = [str(v["id"]) for v in every]
    earlier = {str(v["id"]) for path in EARLIER for v in _read(path)}
    assert len(ids) == len(set(ids))
    assert not set(ids) & earlier
    assert all(re.fullmatch(r"A-CRS-(OPEN-)?[A-Z]{2}-\d{2}", i) for i in ids), ids
    # the area codes are new: none of them is used by the earlier batches
    assert not {i.split("-")[-2] for i in earlier} & set(AREAS)
    areas = Counter(str(v["id"]).split("-")[2] for v in _read(AUDIT))
    for area in AREAS:
        assert areas[area] >= 2, area
    assert set(areas) == set(AREAS)


def test_open_local_audit_vignettes_carry_a_note_of_code_and_reference() -> None:
    for vignette in _read(OPEN):
        assert str(vignette["id"]).startswith("A-CRS-OPEN-")
        note = str(vignette["note"])
        assert "Code:" in note and "Reference:" in note
