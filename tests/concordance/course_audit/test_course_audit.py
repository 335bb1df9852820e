"""Course audit vignettes (public course format) agree with breastcds on every field, by batch.

Each batch was written from the reference text only, at boundaries the public and review sets leave
out; its ids are A-CRS-<area>-NN, and cases where the reference is not clear are kept apart in the
batch's _open.json file with a note of code and reference (docs/concordance_audit.md).

First to third batches:
course_audit.json was written from the reference text only (shared/reference/domain/
clinical_course.md and the area files it points to, README course contract), at the boundaries
and combinations the reference states that the public and review sets leave out: post-neoadjuvant
by ypN and cT (DB-05 vs KATHERINE), CPS+EG 2 vs 3, margins, Z0011 / SOUND / age routes, pregnancy
by week with metastatic and stage I disease, men, ECOG, comorbidities, refusals, ER-low, DCIS,
locoregional recurrence, metastatic lines and missing inputs. Each ``summary`` names the section
it was read from; the id names the area (A-CRS-<area>-NN). Cases where the reference is not clear
are kept apart in course_audit_open.json with a note (docs/concordance_audit.md).

Fourth batch, local therapy and special populations:
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

Fourth batch, systemic areas:
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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.concordance.course_check import (
    assert_course_vignettes_name_their_section_and_keep_safety_within_the_exclusions,
    assert_every_course_vignette_agrees_and_nothing_unsafe_is_offered,
)

HERE = Path(__file__).parent


@dataclass(frozen=True)
class Batch:
    """One audit batch: its file stem, its area codes, how many asserted vignettes it holds at
    least, how many per area, and whether its vignettes use exactly these areas."""

    name: str
    areas: tuple[str, ...]
    min_vignettes: int
    min_per_area: int
    exact_areas: bool

    def read(self, suffix: str = "") -> list[dict[str, Any]]:
        data: list[dict[str, Any]] = json.loads(
            (HERE / f"{self.name}{suffix}.json").read_text(encoding="utf-8")
        )
        return data


BATCHES = (
    # post-neoadjuvant, margins, axilla, pregnancy, men, frail, comorbidities, declines, ER-low,
    # DCIS, locoregional recurrence, metastatic, unknown inputs; bone/brain, germline/fertility/
    # geriatric, metastatic lines 2-4 by subtype, newer evidence at its setting
    Batch("course_audit", ("PN", "MG", "AX", "PG", "ML", "FR", "CM", "DC", "EL", "DS", "LR",
                           "MT", "UK", "BN", "GF", "LN", "NE"), 260, 3, False),
    Batch("course_audit_4loc", ("LS", "LA", "LT", "LO", "LD", "LC", "LM", "LP"), 40, 2, True),
    Batch("course_audit_4sys", ("SL", "SB", "SP", "SA", "SE", "SN", "SX"), 40, 3, True),
)  # fmt: skip


@pytest.mark.parametrize("batch", BATCHES, ids=lambda b: b.name)
def test_every_field_of_every_audit_vignette_agrees_and_nothing_unsafe_is_offered(
    batch: Batch,
) -> None:
    vignettes = batch.read()
    assert len(vignettes) >= batch.min_vignettes
    assert_every_course_vignette_agrees_and_nothing_unsafe_is_offered(vignettes)


@pytest.mark.parametrize("batch", BATCHES, ids=lambda b: b.name)
def test_audit_vignettes_name_section_and_area_and_keep_safety_within_the_exclusions(
    batch: Batch,
) -> None:
    every = batch.read() + batch.read("_open")
    assert_course_vignettes_name_their_section_and_keep_safety_within_the_exclusions(every)
    assert all(re.fullmatch(r"A-CRS-(OPEN-)?[A-Z]{2}-\d{2}", v["id"]) for v in every)
    areas = Counter(v["id"].split("-")[2] for v in batch.read())
    # every area of the brief carries cases at its boundaries
    for area in batch.areas:
        assert areas[area] >= batch.min_per_area, area
    if batch.exact_areas:
        assert set(areas) == set(batch.areas)


def _areas_used(batch: Batch) -> set[str]:
    return {v["id"].removeprefix("A-CRS-").removeprefix("OPEN-")[:2]
            for v in batch.read() + batch.read("_open")}  # fmt: skip


def test_ids_are_unique_and_each_batch_has_its_own_areas() -> None:
    ids = [v["id"] for b in BATCHES for v in b.read() + b.read("_open")]
    assert len(ids) == len(set(ids))
    # a later batch's area codes are new: none is used by another batch's ids
    for i, batch in enumerate(BATCHES):
        for other in BATCHES[i + 1 :]:
            assert not _areas_used(batch) & _areas_used(other), (batch.name, other.name)


@pytest.mark.parametrize("batch", BATCHES, ids=lambda b: b.name)
def test_open_audit_vignettes_carry_a_note_of_code_and_reference(batch: Batch) -> None:
    for vignette in batch.read("_open"):
        assert vignette["id"].startswith("A-CRS-OPEN-")
        assert "Code:" in vignette["note"] and "Reference:" in vignette["note"]
