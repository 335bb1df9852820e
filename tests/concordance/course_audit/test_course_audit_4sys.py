"""Fourth audit batch, systemic areas: course vignettes (public course format) agree with breastcds.

course_audit_4sys.json was written from the reference text only (shared/reference/domain/
clinical_course.md §1-§4 and §10-§13, systemic_therapy.md, biomarkers.md §1, README course
contract), at the boundaries and combinations the earlier batches leave out: relapse windows and
the re-offer table by agent class (anthracycline, taxane re-challenge, capecitabine, trastuzumab 6
months, pertuzumab, non-steroidal AI), line counting with intolerance, DB-06 at 6 / 7 months and
HER2-null / ultralow after two endocrine lines, ISH groups 2-4 with a recount, PARP inhibitors and
gBRCA outside HER2-negative disease, OlympiA at 3 nodes, post-neoadjuvant by subtype, APT, monarchE,
NATALEE, TAILORx and RxPONDER at their thresholds, extended adjuvant (switch, osteoporosis, row 4
over row 5), DB-09 after one endocrine line, TROPION-Breast01 after three chemotherapy lines,
INAVO120 / SERENA-6 / disitamab vedotin just outside their setting, and men, refusals, LVEF and VTE.
Areas: SL lines and relapse windows, SB biomarker boundaries, SP post-neoadjuvant, SA upfront
(neo)adjuvant, SE extended adjuvant, SN newer evidence, SX special populations. Cases where the
reference is not clear are in course_audit_4sys_open.json with a note (docs/concordance_audit.md).
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
AUDIT = HERE / "course_audit_4sys.json"
OPEN = HERE / "course_audit_4sys_open.json"
EARLIER = (HERE / "course_audit.json", HERE / "course_audit_open.json")
AREAS = ("SL", "SB", "SP", "SA", "SE", "SN", "SX")


def test_every_systemic_audit_vignette_agrees_and_nothing_unsafe_is_offered() -> None:
    vignettes = json.loads(AUDIT.read_text())
    assert len(vignettes) >= 40
    assert_every_course_vignette_agrees_and_nothing_unsafe_is_offered(vignettes)


def test_systemic_audit_vignettes_name_section_and_new_area_and_safety_within_exclusions() -> None:
    every = json.loads(AUDIT.read_text()) + json.loads(OPEN.read_text())
    assert_course_vignettes_name_their_section_and_keep_safety_within_the_exclusions(every)
    earlier = [v for path in EARLIER for v in json.loads(path.read_text())]
    ids = [v["id"] for v in every + earlier]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"A-CRS-(OPEN-)?[A-Z]{2}-\d{2}", v["id"]) for v in every)
    earlier_areas = {v["id"].removeprefix("A-CRS-").removeprefix("OPEN-")[:2] for v in earlier}
    areas = Counter(v["id"].split("-")[2] for v in json.loads(AUDIT.read_text()))
    assert set(areas) == set(AREAS) and not set(AREAS) & earlier_areas
    for area in AREAS:
        assert areas[area] >= 3, area


def test_open_systemic_audit_vignettes_carry_a_note_of_code_and_reference() -> None:
    for vignette in json.loads(OPEN.read_text()):
        assert vignette["id"].startswith("A-CRS-OPEN-")
        assert "Code:" in vignette["note"] and "Reference:" in vignette["note"]
