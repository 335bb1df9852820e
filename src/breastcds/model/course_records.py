"""One prior radiotherapy course recorded twice: in the course of care and in the plan.

A course already given can be recorded in the course of care
(``treatment.radiotherapy_courses``, one record per treated region) and again as a prior
course of the re-irradiation plan (``reirradiation.courses`` with ``when: prior``, with its
organ doses). Neither list carries a field naming a record of the other, so two records are
taken as **the same course** only when both record the start date, the coded region and the
laterality and all three are equal (:data:`SAME_COURSE`). The free-text ``region_text`` is
never read as a region, and a start date alone does not pair two records: one course is
recorded per region in the course of care (a chest wall and a supraclavicular record, a
whole-breast record and its simultaneous boost start the same day with different doses).

The records of the same course must agree on every field of :data:`AGREEING` that both
record; a disagreement is an error naming both paths and both values, and neither record is
preferred or changed. A field recorded in one record only is no disagreement (not recorded is
not a value). Not compared: ``region_text`` and ``technique`` (free text, written differently
for the same course), ``months_ago`` (a count from the day each record was written; the dates
are compared).

A prior plan course that cannot be paired while the course of care lists courses is accepted
and reported as a warning (:func:`unpaired`, read by :mod:`breastcds.model.plausibility`):
its key is incomplete, or no record has its key. The course facts and cautions read the course
of care only, so such a course is not seen by them.

Why this is not a row of ``knowledge/consistency.yaml``: a check there runs on one record,
reads fixed fields of it and names one fixed field, and a binding of the rule language reads
its own item only; this check pairs the items of two lists and names the indexed paths of
both. The cohort table has no re-irradiation plan columns (``cohort/schema.py``), so a
compiled row would never run there either. It is written once, here, and run by the case
model's validator (:class:`breastcds.model.case.Case`).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from typing import Any

from breastcds.model.consistency import text
from breastcds.model.errors import Inconsistency
from breastcds.model.reirradiation import ReirradiationCourse
from breastcds.model.rt_course import RadiotherapyCourse

__all__ = ["AGREEING", "DOSE_TOLERANCE_GY", "SAME_COURSE", "disagreements", "pairs", "unpaired"]

SAME_COURSE = ("start_date", "region", "laterality")
"""The fields that identify one course in both lists (all recorded, all equal)."""

AGREEING = ("end_date", "total_dose_gy", "fractions", "intent")
"""The fields two records of the same course must not contradict (where both record them)."""

DOSE_TOLERANCE_GY = 0.005
"""Total doses closer than this are equal: half the recording precision of a prescribed dose
(0.01 Gy, 1 cGy, the unit a prescription and an mCODE dose in cGy are written in), so two
values written to the cGy agree only when they are the same cGy value, and the ~1e-14 Gy a
cGy -> Gy conversion leaves is not a disagreement. Not a clinical threshold."""

_CARE = "treatment"
_PLAN = "reirradiation"


def _key(course: RadiotherapyCourse) -> tuple[Any, ...] | None:
    key = tuple(getattr(course, name) for name in SAME_COURSE)
    return None if any(v is None for v in key) else key


def _path(*parts: str | int) -> str:
    from breastcds.model.paths import case_path  # the registry is generated from the model

    return case_path(*parts)


def pairs(
    care: Sequence[RadiotherapyCourse], plan: Sequence[ReirradiationCourse]
) -> list[tuple[int, int]]:
    """``(course-of-care index, plan index)`` of every two records of the same course: a prior
    plan course and a course-of-care record with the same start date, region and laterality."""
    keys = [_key(c) for c in care]
    out: list[tuple[int, int]] = []
    for j, course in enumerate(plan):
        key = _key(course) if course.when == "prior" else None
        if key is not None:
            out += [(i, j) for i, k in enumerate(keys) if k == key]
    return out


def _differ(name: str, a: Any, b: Any) -> bool:
    if name == "total_dose_gy":
        return not math.isclose(a, b, rel_tol=0.0, abs_tol=DOSE_TOLERANCE_GY)
    return bool(a != b)


def _shown(value: Any) -> Any:
    """The value as an error carries it (a date as ISO text, an enum as its code)."""
    if isinstance(value, dt.date):
        return value.isoformat()
    return getattr(value, "value", value)


def _words(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _course(course: RadiotherapyCourse) -> str:
    region = course.region.value if course.region is not None else ""
    side = course.laterality.value if course.laterality is not None else ""
    start = course.start_date.isoformat() if course.start_date is not None else ""
    return f"{side} {region} started {start}"


def disagreements(
    care: Sequence[RadiotherapyCourse], plan: Sequence[ReirradiationCourse]
) -> list[Inconsistency]:
    """One error per field that two records of the same course record differently, naming the
    plan's field (its value) and, in the message, both paths and both values."""
    out: list[Inconsistency] = []
    for i, j in pairs(care, plan):
        for name in AGREEING:
            ours, theirs = getattr(plan[j], name), getattr(care[i], name)
            if ours is None or theirs is None or not _differ(name, ours, theirs):
                continue
            plan_path = _path(_PLAN, "courses", j, name)
            care_path = _path(_CARE, "radiotherapy_courses", i, name)
            out.append(
                Inconsistency(
                    plan_path,
                    _shown(ours),
                    f"{plan_path} is {text(_shown(ours))} but {care_path} is "
                    f"{text(_shown(theirs))}: both record the course {_course(plan[j])} "
                    f"(same {_words(list(SAME_COURSE))}), so they must agree; correct the record "
                    "that is wrong (neither is preferred)",
                )
            )
    return out


def unpaired(
    care: Sequence[RadiotherapyCourse], plan: Sequence[ReirradiationCourse]
) -> list[tuple[str, str]]:
    """``(plan course path, message)`` for every prior plan course with no course-of-care
    record of the same course, when the course of care lists any course (else nothing)."""
    if not care:
        return []
    paired = {j for _, j in pairs(care, plan)}
    out: list[tuple[str, str]] = []
    for j, course in enumerate(plan):
        if course.when != "prior" or j in paired:
            continue
        path = _path(_PLAN, "courses", j)
        missing = [name for name in SAME_COURSE if getattr(course, name) is None]
        if missing:
            message = (
                f"prior course not compared with {_CARE}.radiotherapy_courses: its "
                f"{_words(missing)} {'is' if len(missing) == 1 else 'are'} not recorded, and "
                f"a course is found in both lists by its {_words(list(SAME_COURSE))}; if the "
                "course is recorded there too, record them here so that the two records are "
                "checked for agreement"
            )
        else:
            message = (
                f"prior course ({_course(course)}) has no record in "
                f"{_CARE}.radiotherapy_courses with the same {_words(list(SAME_COURSE))}: the "
                "course facts and cautions read that list only and do not see this course; "
                "record it there, or correct the start_date, region or laterality of the "
                "record that differs"
            )
        out.append((path, message))
    return out
