"""Facts of the course-specific systemic rules (knowledge/systemic/course_systemic.yaml).

``cps_eg_score``: the CPS+EG staging system after neoadjuvant chemotherapy (Jeruss et al.,
J Clin Oncol 2008;26:246; validation Mittendorf et al., J Clin Oncol 2011;29:1956), as
clinical_course.md §10 gives it: clinical stage (I/IIA 0, IIB/IIIA 1, IIIB/IIIC 2) +
post-treatment pathological stage (0/I 0, IIA-IIIB 1, IIIC 2) + ER-negative 1 + grade 3 1.
The case model records one tumour grade; it stands for the nuclear grade the score names.
Unknown (None) when any part is not recorded, when no neoadjuvant therapy is recorded, or at
stage IV. The point tables below are read by both engines (the cohort engine's expression is
in :func:`breastcds.cohort.facts.cps_eg_score`).
"""

from __future__ import annotations

from breastcds.knowledge.facts import Fact, register
from breastcds.model.assessment import Classification
from breastcds.model.case import Case

CLINICAL_STAGE_POINTS: dict[str, int] = {
    "0": 0, "IA": 0, "IB": 0, "IIA": 0, "IIB": 1, "IIIA": 1, "IIIB": 2, "IIIC": 2,
}  # fmt: skip
PATHOLOGICAL_STAGE_POINTS: dict[str, int] = {
    "0": 0, "IA": 0, "IB": 0, "IIA": 1, "IIB": 1, "IIIA": 1, "IIIB": 1, "IIIC": 2,
}  # fmt: skip


def cps_eg_score(case: Case, c: Classification) -> int | None:
    """CPS+EG score (0-6) after neoadjuvant therapy; None when it cannot be computed."""
    if case.treatment.neoadjuvant is None:
        return None
    clinical = CLINICAL_STAGE_POINTS.get(c.stage_clinical.anatomic or "")
    pathological = PATHOLOGICAL_STAGE_POINTS.get(c.stage_pathological.anatomic or "")
    er = {"negative": 1, "low_positive": 0, "positive": 0}.get(c.er.status)
    grade = case.tumour.grade
    if clinical is None or pathological is None or er is None or grade is None:
        return None
    return clinical + pathological + er + (1 if grade == 3 else 0)


register(
    Fact(
        "cps_eg_score",
        "number",
        "tumour.clinical_t",
        "CPS+EG score after neoadjuvant therapy (clinical + pathological stage, ER, grade)",
        cps_eg_score,
    )
)
