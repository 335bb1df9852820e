"""The one agreement check of a course-vignette set (review and audit sets): no error, every
expected field holds, and no safety entry is offered (README course contract)."""

from __future__ import annotations

import copy
import re
from collections.abc import Sequence
from typing import Any

from breastcds.concordance import run
from breastcds.concordance.course import evaluate


def assert_every_course_vignette_agrees_and_nothing_unsafe_is_offered(
    vignettes: Sequence[dict[str, Any]],
) -> None:
    report = run(vignettes)
    assert report.errors == 0, [r for r in report.results if "error" in r["actual"]]
    assert report.kind_counts == {"course": len(vignettes)}
    disagreements = [d for f in report.fields.values() for d in f.disagreements]
    assert disagreements == []
    for vignette, result in zip(vignettes, report.results, strict=True):
        assert result["id"] == vignette["id"]
        offered = {*result["actual"]["agents"], *result["actual"]["actions"]}
        assert not offered & set(vignette["expected"]["safety"]), vignette["id"]


def assert_course_vignettes_name_their_section_and_keep_safety_within_the_exclusions(
    vignettes: Sequence[dict[str, Any]],
) -> None:
    """Each summary names the reference section it was read from; safety entries are among the
    exclusions; the case carries no decision point (it is inferred)."""
    for vignette in vignettes:
        assert re.search(r"§\d|systemic_therapy\.md", vignette["summary"]), vignette["id"]
        expected = vignette["expected"]
        excluded = {*expected["exclude"], *expected["actions_exclude"]}
        assert set(expected["safety"]) <= excluded, vignette["id"]
        assert "decision_point" not in vignette["case"]


def boundary_vignette(case: dict[str, Any], *, age: int, menopausal_status: str) -> dict[str, Any]:
    """A course vignette for a boundary test: ``case`` (copied) over a patient of that age and
    menopausal status, not pregnant, ECOG 0, no comorbidity, nothing declined."""
    base: dict[str, Any] = {
        "age": age, "sex": "female", "menopausal_status": menopausal_status, "pregnant": False,
        "ecog": 0, "comorbidities": [], "declines": [],
    }  # fmt: skip
    base.update(copy.deepcopy(case))
    return {"id": "boundary", "case": base}


def boundary_actual(case: dict[str, Any], *, age: int, menopausal_status: str) -> dict[str, Any]:
    """What the public course entry point answers for :func:`boundary_vignette`."""
    return evaluate(boundary_vignette(case, age=age, menopausal_status=menopausal_status))
