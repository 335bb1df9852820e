"""Implausible but possible inputs: accepted, and reported as warnings in the assessment."""

from __future__ import annotations

from breastcds.model.assessment import Warning_
from breastcds.model.case import Case
from breastcds.model.codes import MenopausalStatus, Sex
from breastcds.model.course_records import unpaired


def check(case: Case) -> list[Warning_]:
    """Warnings for values that are possible but unusual enough to double-check."""
    out: list[Warning_] = []
    p, t, b = case.patient, case.tumour, case.biomarkers
    if p.age_years is not None and p.age_years < 18:
        out.append(Warning_(field="patient.age_years", message=f"age {p.age_years} < 18 years"))
    if p.age_years is not None and p.age_years > 100:
        out.append(Warning_(field="patient.age_years", message=f"age {p.age_years} > 100 years"))
    if p.sex is Sex.male and p.menopausal_status is not None:
        out.append(
            Warning_(
                field="patient.menopausal_status",
                message="menopausal status recorded for a male patient",
            )
        )
    if (
        p.menopausal_status is MenopausalStatus.pre
        and p.age_years is not None
        and p.age_years >= 60
    ):
        out.append(
            Warning_(
                field="patient.menopausal_status", message=f"premenopausal at age {p.age_years}"
            )
        )
    if t.size_mm is not None and t.size_mm > 200:
        out.append(
            Warning_(field="tumour.size_mm", message=f"invasive size {t.size_mm:g} mm > 200 mm")
        )
    if t.nodes_examined is not None and t.nodes_examined > 60:
        out.append(
            Warning_(
                field="tumour.nodes_examined", message=f"{t.nodes_examined} nodes examined (> 60)"
            )
        )
    if t.margin_mm is not None and t.margin_mm > 50:
        out.append(Warning_(field="tumour.margin_mm", message=f"margin {t.margin_mm:g} mm > 50 mm"))
    if b.her2_ish is not None and b.her2_ish.her2_copies > 30:
        out.append(
            Warning_(
                field="biomarkers.her2_ish.her2_copies",
                message=f"{b.her2_ish.her2_copies:g} HER2 copies/cell (> 30)",
            )
        )
    if b.er_percent is not None and b.pr_percent is not None and b.er_percent < 1 <= b.pr_percent:
        out.append(
            Warning_(
                field="biomarkers.er_percent",
                message="ER negative with PR positive is rare: consider re-testing ER "
                "(ASCO/CAP 2020)",
            )
        )
    if p.sex is Sex.male:
        out.append(
            Warning_(
                field="patient.sex",
                message="male breast cancer: most evidence comes from women; apply rules with care",
            )
        )
    if case.reirradiation is not None:  # a prior plan course the course of care may lack
        for field, message in unpaired(
            case.treatment.radiotherapy_courses, case.reirradiation.courses
        ):
            out.append(Warning_(field=field, message=message))
    return out
