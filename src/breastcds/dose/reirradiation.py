"""Re-irradiation assessment: ESTRO-EORTC classification and cumulative organ-dose check.

Single public entry point: :func:`evaluate` (``ReirradiationPlan -> ReirradiationResult``).
The function is pure: it reads nothing but its arguments (the α/β library and constraint
table default to the packaged, validated knowledge files).

Rules and their sources:

* Classification — Andratschke N, Willmann J, Appelt AL, et al. European Society for
  Radiotherapy and Oncology and European Organisation for Research and Treatment of Cancer
  consensus on re-irradiation: definition, reporting, and clinical decision making. Lancet
  Oncol 2022;23:e469-e478.

  - *reirradiation type 1*: the new irradiated volume overlaps geometrically with a
    previously irradiated volume;
  - *reirradiation type 2*: no geometric overlap, but concern of toxicity from the
    cumulative doses;
  - *repeat organ irradiation*: no overlap and no cumulative concern, same organ irradiated
    again;
  - *repeat irradiation*: any other new course in a previously irradiated patient.

  A flag that decides the category and is not recorded (``None``) gives
  ``insufficient_data`` naming the field; it is never read as ``False``.

* Dose summation — per organ and dose metric, each course's physical organ dose ``D`` over
  ``n`` fractions is converted to EQD2 with the LQ model (:mod:`breastcds.dose.lq`,
  Fowler, Br J Radiol 1989) at the organ's α/β; courses are summed in EQD2, never in physical
  dose. ``cumulative EQD2 = Σ prior EQD2 × (1 − recovery) + Σ planned EQD2``. The recovery
  fraction is an explicit parameter (default 0 = no recovery assumed) and is reported in every
  organ result together with whether the user stated it.

* Limits — from ``knowledge/reirradiation_constraints.yaml`` (literature-based, adjustable) or
  as stated in the plan. ``within`` when cumulative EQD2 ≤ limit, else ``exceeds``;
  ``cannot_assess`` (with the reason) when a dose, a fraction count, an α/β or a limit is
  missing. A table limit whose source supports it only under stated conditions (interval
  between courses, dose of each single course) is judged only when every condition is met: a
  condition not met gives ``limit_not_applicable`` (the limit does not apply, and why), one not
  recorded gives ``cannot_assess``; both flag the organ for individual review
  (``individual_review``) and never read ``within``.

* DICOM RT input — a course may name its RTDOSE/RTSTRUCT (``ReirradiationCourse.dicom``). This
  module never reads them: :mod:`breastcds.dose.reirradiation_dicom` (the adapter) computes the
  EQD2 DVH metrics per course (``OrganDose.quantity == "eqd2"``, mean of voxel-wise EQD2 for
  ``Dmean``, D0.03cc for ``Dmax``) and, when the grids can be summed, the voxel-wise cumulative
  EQD2 (``DicomDerived.cumulative``), and records them in the plan. A plan whose DICOM has not
  been read gives ``cannot_assess`` naming ``courses[i].dicom``; an EQD2 dose computed at
  another α/β, or a voxel sum made with another recovery than the one this assessment uses, is
  a contradiction and also gives ``cannot_assess``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from breastcds.knowledge.schema_radiotherapy import (
    AlphaBetaLibrary,
    ConstraintEntry,
    ConstraintTable,
    load_alpha_beta_library,
    load_constraint_table,
)
from breastcds.model.reirradiation import (
    CourseDicom,
    CumulativeOrganDose,
    DicomDerived,
    DicomUnavailable,
    OrganDose,
    OrganParameters,
    Overlap,
    ReirradiationCourse,
    ReirradiationPlan,
    SelectionFactors,
)

__all__ = [
    "ClassificationResult",
    "ConditionCheck",
    "CourseDicom",
    "CourseOrganDose",
    "CumulativeOrganDose",
    "DicomDerived",
    "DicomUnavailable",
    "OrganAssessment",
    "OrganDose",
    "OrganParameters",
    "Overlap",
    "ReirradiationCourse",
    "ReirradiationPlan",
    "ReirradiationResult",
    "SelectionFactor",
    "SelectionFactors",
    "classify",
    "dicom_metrics",
    "evaluate",
    "interval_months",
    "resolve_alpha_beta",
    "resolve_recovery",
]

ANDRATSCHKE_2022 = (
    "Andratschke N, Willmann J, Appelt AL, et al. ESTRO-EORTC consensus on re-irradiation: "
    "definition, reporting, and clinical decision making. Lancet Oncol 2022;23:e469-e478"
)
LQ_SOURCE = (
    "Linear-quadratic model: Fowler JF, Br J Radiol 1989;62:679-694; Joiner MC, van der Kogel "
    "AJ, Basic Clinical Radiobiology"
)
DAYS_PER_MONTH = 365.25 / 12.0
"""Months are calendar-average months: days / 30.4375."""

LIMIT_TOLERANCE_GY = 1e-9
"""Floating-point tolerance for the ≤ comparison with a limit (no clinical meaning)."""

LQ_ASSUMPTIONS: tuple[str, ...] = (
    "Doses summed in EQD2 with the linear-quadratic model; the α/β used is stated per organ.",
    "Dose per fraction at an organ point = organ dose of the course / number of fractions.",
    "Full repair between fractions: twice-daily fractions are converted as single fractions "
    "of d Gy (incomplete repair between fractions >= 6 h apart is ignored).",
    "No correction for overall treatment time.",
    "Recovery of prior dose is an assumption, applied only as the stated recovery fraction "
    "(default 0 = no recovery).",
)

DICOM_ASSUMPTIONS: tuple[str, ...] = (
    "DICOM courses: each voxel's physical dose is converted to EQD2 with its own dose per "
    "fraction (voxel dose / number of fractions of the course) before any DVH metric is taken; "
    "Dmean is the mean of voxel-wise EQD2 and Dmax the near-maximum D0.03cc.",
    "Voxel-wise summation resamples each course's physical dose onto the grid of the most "
    "recent planned course (trilinear) in its frame of reference, or through the stated rigid "
    "registration; deformable registration is not supported.",
)

Category = Literal[
    "reirradiation_type_1",
    "reirradiation_type_2",
    "repeat_organ_irradiation",
    "repeat_irradiation",
    "insufficient_data",
]
Verdict = Literal["within", "exceeds", "cannot_assess", "limit_not_applicable"]

EQD2_TOLERANCE_GY = 1e-9
"""Two α/β or recovery values closer than this are the same (floating point, no meaning)."""

DMAX_DVH_METRIC = "D0.03cc"
"""``Dmax`` taken from a DVH is the near-maximum D0.03cc (see reirradiation_dicom)."""

DEFAULT_DICOM_METRICS: tuple[str, ...] = ("Dmax", "Dmean")
"""Metrics computed from DICOM for an organ with no constraint and no organ_parameters."""


# ============================================================================== output models


class _Output(BaseModel):
    model_config = ConfigDict(frozen=True, defer_build=True)


class ClassificationResult(_Output):
    category: Category
    reasons: list[str]
    missing: list[str] = Field(description="input fields that must be recorded to decide")
    source: str = ANDRATSCHKE_2022


class CourseOrganDose(_Output):
    course_index: int
    label: str | None
    when: Literal["prior", "planned"]
    dose_gy: float | None
    fractions: int | None
    dose_per_fraction_gy: float | None
    bed_gy: float | None
    eqd2_gy: float | None
    dose_quantity: Literal["physical", "eqd2"] = "physical"
    dose_source: str | None = None


class ConditionCheck(_Output):
    kind: str
    requirement: str
    status: Literal["met", "not_met", "not_recorded"]
    detail: str


class OrganAssessment(_Output):
    organ: str
    metric: str
    alpha_beta_gy: float | None
    alpha_beta_source: str | None
    courses: list[CourseOrganDose]
    bed_prior_gy: float | None
    eqd2_prior_gy: float | None
    bed_planned_gy: float | None
    eqd2_planned_gy: float | None
    recovery_fraction_of_prior: float
    recovery_stated: bool
    recovery_source: str
    eqd2_prior_after_recovery_gy: float | None
    cumulative_eqd2_gy: float | None
    summation_method: str
    summation_detail: str
    limit_eqd2_gy: float | None
    limit_basis: str | None
    limit_source: str | None
    limit_label: str
    verdict: Verdict
    individual_review: bool = Field(
        default=False,
        description="the organ needs individual review: a condition under which the limit's "
        "source supports it is not met or not recorded (the verdict is then never 'within')",
    )
    reasons: list[str]
    conditions: list[ConditionCheck]
    caveats: list[str]


class SelectionFactor(_Output):
    name: str
    value: str
    recorded: bool


class ReirradiationResult(_Output):
    classification: ClassificationResult
    interval_months: float | None
    interval_detail: str
    organs: list[OrganAssessment]
    recovery_fraction_of_prior: float
    recovery_stated: bool
    summation_method: str | None
    selection_factors: list[SelectionFactor]
    missing_reporting_items: list[str]
    assumptions: list[str]
    sources: list[str]


# ============================================================================ classification


def classify(overlap: Overlap) -> ClassificationResult:
    """ESTRO-EORTC category (Andratschke, Lancet Oncol 2022) from the deciding flags."""
    go, concern, same = (
        overlap.geometric_overlap,
        overlap.cumulative_toxicity_concern,
        overlap.same_organ,
    )
    if go is True:
        return ClassificationResult(
            category="reirradiation_type_1",
            reasons=[
                "new irradiated volume overlaps geometrically with a previously irradiated "
                "volume (reirradiation type 1)"
            ],
            missing=[],
        )
    if go is None:
        return ClassificationResult(
            category="insufficient_data",
            reasons=[
                "geometric overlap with a previously irradiated volume is not recorded: it "
                "decides between reirradiation type 1 and the other categories"
            ],
            missing=["overlap.geometric_overlap"],
        )
    if concern is True:
        return ClassificationResult(
            category="reirradiation_type_2",
            reasons=[
                "no geometric overlap, but concern of toxicity from cumulative doses "
                "(reirradiation type 2)"
            ],
            missing=[],
        )
    if concern is None:
        return ClassificationResult(
            category="insufficient_data",
            reasons=[
                "no geometric overlap; concern of cumulative toxicity is not recorded: it "
                "decides between reirradiation type 2 and repeat (organ) irradiation"
            ],
            missing=["overlap.cumulative_toxicity_concern"],
        )
    if same is True:
        return ClassificationResult(
            category="repeat_organ_irradiation",
            reasons=[
                "no geometric overlap and no cumulative-toxicity concern; the same organ is "
                "irradiated again (repeat organ irradiation)"
            ],
            missing=[],
        )
    if same is None:
        return ClassificationResult(
            category="insufficient_data",
            reasons=[
                "no geometric overlap and no cumulative-toxicity concern; whether the same "
                "organ is irradiated again is not recorded: it decides between repeat organ "
                "irradiation and repeat irradiation"
            ],
            missing=["overlap.same_organ"],
        )
    return ClassificationResult(
        category="repeat_irradiation",
        reasons=[
            "new course in a previously irradiated patient without overlap, cumulative-toxicity "
            "concern or repeat irradiation of the same organ (repeat irradiation)"
        ],
        missing=[],
    )


# ============================================================================ interval


def interval_months(courses: list[ReirradiationCourse]) -> tuple[float | None, str]:
    """Months from the end of the last prior course to the start of the first planned course.

    Uses a prior course's ``end_date`` (or its ``start_date`` when the end is not recorded,
    which the detail says). Months are days / 30.4375. Returns (None, reason) when a date is
    missing or there is no prior course.
    """
    prior = [(i, c) for i, c in enumerate(courses) if c.when == "prior"]
    planned = [(i, c) for i, c in enumerate(courses) if c.when == "planned"]
    if not prior:
        return None, "no prior course listed"
    ends: list[tuple[date, str]] = []
    for i, c in prior:
        if c.end_date is not None:
            ends.append((c.end_date, f"courses[{i}].end_date"))
        elif c.start_date is not None:
            ends.append((c.start_date, f"courses[{i}].start_date (end_date not recorded)"))
        elif c.months_ago is not None:
            return None, (
                f"not computable: courses[{i}] records months_ago ({c.months_ago:g}, to today) "
                "but not its end_date or start_date, which the interval to the planned start needs"
            )
        else:
            return None, f"not computable: courses[{i}].start_date and end_date not recorded"
    starts: list[tuple[date, str]] = []
    for i, c in planned:
        if c.start_date is None:
            return None, f"not computable: courses[{i}].start_date not recorded"
        starts.append((c.start_date, f"courses[{i}].start_date"))
    last_end, end_field = max(ends)
    first_start, start_field = min(starts)
    days = (first_start - last_end).days
    if days < 0:
        return None, (
            f"not computable: planned start {first_start} ({start_field}) precedes the end of "
            f"the last prior course {last_end} ({end_field})"
        )
    months = days / DAYS_PER_MONTH
    return months, f"{days} days from {end_field} to {start_field} (days / 30.4375)"


# ============================================================================ organ dose


def _course_dicom_map(plan: ReirradiationPlan, course: ReirradiationCourse) -> dict[str, str]:
    """ROI name -> organ for a course with DICOM (the course's own map, else the plan's)."""
    if course.dicom is None:
        return {}
    return course.dicom.roi_map if course.dicom.roi_map is not None else plan.dicom_roi_map


def dicom_metrics(plan: ReirradiationPlan, organ: str, table: ConstraintTable) -> list[str]:
    """The dose metrics taken from DICOM for an organ: those the constraint table and the
    plan's ``organ_parameters`` name for it, else ``Dmax`` and ``Dmean``."""
    metrics = [c.metric for c in table.constraints if c.organ == organ]
    metrics += [p.metric for p in plan.organ_parameters if p.organ == organ]
    return list(dict.fromkeys(metrics)) or list(DEFAULT_DICOM_METRICS)


def _organ_keys(plan: ReirradiationPlan, table: ConstraintTable) -> list[tuple[str, str]]:
    keys: list[tuple[str, str]] = []
    for course in plan.courses:
        for dose in course.organ_doses or []:
            if (dose.organ, dose.metric) not in keys:
                keys.append((dose.organ, dose.metric))
        for organ in _course_dicom_map(plan, course).values():
            for metric in dicom_metrics(plan, organ, table):
                if (organ, metric) not in keys:
                    keys.append((organ, metric))
    for params in plan.organ_parameters:
        if (params.organ, params.metric) not in keys:
            keys.append((params.organ, params.metric))
    return keys


def _params_for(plan: ReirradiationPlan, organ: str, metric: str) -> OrganParameters | None:
    for params in plan.organ_parameters:
        if params.organ == organ and params.metric == metric:
            return params
    return None


def _course_dose(course: ReirradiationCourse, organ: str, metric: str) -> OrganDose | None:
    for dose in course.organ_doses or []:
        if dose.organ == organ and dose.metric == metric:
            return dose
    return None


def _fmt(x: float) -> str:
    return f"{x:.2f}"


def resolve_alpha_beta(
    plan: ReirradiationPlan,
    organ: str,
    metric: str,
    library: AlphaBetaLibrary,
    table: ConstraintTable,
) -> tuple[float | None, str | None, list[str]]:
    """α/β for an organ and metric: stated in the plan > the constraint's > the library default.

    Returns (α/β or None, its source, caveats). The DICOM adapter uses the same resolution, so
    its EQD2 doses are computed at the α/β the assessment uses.
    """
    params = _params_for(plan, organ, metric)
    constraint = table.find(organ, metric)
    caveats: list[str] = []
    if params is not None and params.alpha_beta_gy is not None:
        if constraint is not None and constraint.alpha_beta_gy != params.alpha_beta_gy:
            caveats.append(
                f"limit {constraint.id} is defined at α/β {constraint.alpha_beta_gy} Gy; "
                f"this assessment uses α/β {params.alpha_beta_gy} Gy"
            )
        return params.alpha_beta_gy, "stated in the plan (organ_parameters)", caveats
    if constraint is not None:
        return constraint.alpha_beta_gy, f"constraint table ({constraint.id})", caveats
    entry = library.default_for(organ)
    if entry is None:
        return None, None, caveats
    return entry.value_gy, f"α/β library ({entry.id}): {entry.source}", caveats


def resolve_recovery(
    plan: ReirradiationPlan, organ: str, metric: str
) -> tuple[float, bool, str, str | None]:
    """Recovery of prior EQD2: stated per organ > stated for the plan > default 0.

    Returns (fraction, stated, source, rationale).
    """
    params = _params_for(plan, organ, metric)
    if params is not None and params.recovery_fraction_of_prior is not None:
        return (
            params.recovery_fraction_of_prior,
            True,
            "stated in the plan for this organ (organ_parameters)",
            params.rationale or plan.recovery_rationale,
        )
    stated = "recovery_fraction_of_prior" in plan.model_fields_set
    return (
        plan.recovery_fraction_of_prior,
        stated,
        "stated in the plan (recovery_fraction_of_prior)"
        if stated
        else "default: no recovery of prior dose assumed (0)",
        plan.recovery_rationale,
    )


def _cumulative_entry(
    plan: ReirradiationPlan, organ: str, metric: str
) -> CumulativeOrganDose | None:
    if plan.dicom_derived is None:
        return None
    for entry in plan.dicom_derived.cumulative:
        if entry.organ == organ and entry.metric == metric:
            return entry
    return None


@dataclass(frozen=True)
class _CourseDoses:
    """Per-course organ doses of one organ metric, and what is missing or contradicts."""

    rows: list[CourseOrganDose]
    reasons: list[str]  # DICOM gaps, course by course
    missing_fields: list[str]
    contradictions: list[str]


@dataclass(frozen=True)
class _Summation:
    cumulative: float | None
    method: str
    detail: str
    reasons: list[str]


@dataclass(frozen=True)
class _Limit:
    value: float | None
    basis: str | None
    source: str | None
    reasons: list[str]
    caveats: list[str]


def _unread_dicom(plan: ReirradiationPlan) -> list[str]:
    """Courses whose DICOM files are named but were not read (never assessed from the plan)."""
    return [
        f"courses[{i}].dicom"
        for i, c in enumerate(plan.courses)
        if c.dicom is not None and plan.dicom_derived is None
    ]


def _course_doses(
    plan: ReirradiationPlan,
    organ: str,
    metric: str,
    alpha_beta: float | None,
    ab_source: str | None,
) -> _CourseDoses:
    """BED and EQD2 (LQ) of each course's recorded dose of the organ metric (Gy)."""
    from breastcds.dose import lq  # numpy: loaded only when doses are computed

    unavailable = {
        (u.course_index, u.organ, u.metric): u.reason
        for u in (plan.dicom_derived.unavailable if plan.dicom_derived else [])
    }
    rows: list[CourseOrganDose] = []
    reasons: list[str] = []
    missing_fields: list[str] = []
    contradictions: list[str] = []
    for i, course in enumerate(plan.courses):
        entry = _course_dose(course, organ, metric)
        field_name = f"courses[{i}].organ_doses[organ={organ}, metric={metric}]"
        if (i, organ, metric) in unavailable:
            reasons.append(
                f"courses[{i}].dicom gives no {organ} {metric}: {unavailable[(i, organ, metric)]}"
            )
        if course.organ_doses is None:
            missing_fields.append(f"courses[{i}].organ_doses")
        elif entry is None:
            missing_fields.append(field_name)
        if course.fractions is None:
            missing_fields.append(f"courses[{i}].fractions")
        dose = entry.dose_gy if entry is not None else None
        quantity: Literal["physical", "eqd2"] = entry.quantity if entry else "physical"
        bed_v = eqd2_v = d_per = None
        physical: float | None = dose
        if entry is not None and entry.quantity == "eqd2":
            physical = entry.physical_dose_gy
            entry_ab = entry.alpha_beta_gy
            if alpha_beta is not None and entry_ab is not None:
                if abs(entry_ab - alpha_beta) > EQD2_TOLERANCE_GY:
                    contradictions.append(
                        f"{field_name} is an EQD2 computed at α/β {entry_ab:g} Gy, but this "
                        f"assessment uses α/β {alpha_beta:g} Gy ({ab_source})"
                    )
                elif course.fractions is not None:
                    eqd2_v = entry.dose_gy
                    bed_v = lq.eqd2_to_bed(entry.dose_gy, alpha_beta)
        elif dose is not None and course.fractions is not None:
            d_per = dose / course.fractions
            if alpha_beta is not None:
                bed_v = lq.bed(dose, course.fractions, alpha_beta)
                eqd2_v = lq.eqd2(dose, course.fractions, alpha_beta)
        rows.append(
            CourseOrganDose(
                course_index=i,
                label=course.label,
                when=course.when,
                dose_gy=physical,
                fractions=course.fractions,
                dose_per_fraction_gy=d_per,
                bed_gy=bed_v,
                eqd2_gy=eqd2_v,
                dose_quantity=quantity,
                dose_source=entry.source if entry is not None else None,
            )
        )
    return _CourseDoses(rows, reasons, missing_fields, contradictions)


def _sum(rows: list[CourseOrganDose], when: str, attr: str) -> float | None:
    """Sum of one dose column over the prior or planned courses; None if one is unknown."""
    values = [getattr(r, attr) for r in rows if r.when == when]
    if any(v is None for v in values):
        return None
    return float(sum(values))


def _summation(
    plan: ReirradiationPlan,
    organ: str,
    metric: str,
    *,
    alpha_beta: float | None,
    ab_source: str | None,
    recovery: float,
    recovery_source: str,
    course_sum: float | None,
    unread: bool,
    incomplete: bool,
) -> _Summation:
    """Cumulative EQD2: the voxel-wise EQD2 sum (DICOM) > the sum of per-course EQD2 doses."""
    reasons: list[str] = []
    quantities = {
        d.quantity for c in plan.courses if (d := _course_dose(c, organ, metric)) is not None
    }
    cumulative: float | None
    voxel = _cumulative_entry(plan, organ, metric)
    if voxel is not None:
        method = "voxel_eqd2"
        detail = voxel.source
        cumulative = voxel.eqd2_gy
        if voxel.eqd2_gy is None:
            reasons.append(f"voxel-wise cumulative EQD2 not computed: {voxel.reason}")
        if alpha_beta is not None and abs(voxel.alpha_beta_gy - alpha_beta) > EQD2_TOLERANCE_GY:
            reasons.append(
                f"contradictory input: dicom_derived.cumulative[organ={organ}, metric={metric}] "
                f"was summed at α/β {voxel.alpha_beta_gy:g} Gy, but this assessment uses α/β "
                f"{alpha_beta:g} Gy ({ab_source})"
            )
            cumulative = None
        if abs(voxel.recovery_fraction_of_prior - recovery) > EQD2_TOLERANCE_GY:
            reasons.append(
                f"contradictory input: dicom_derived.cumulative[organ={organ}, metric={metric}] "
                f"applied a recovery of {voxel.recovery_fraction_of_prior:.0%} to prior courses, "
                f"but this assessment uses {recovery:.0%} ({recovery_source})"
            )
            cumulative = None
        if incomplete:
            cumulative = None
        if cumulative is not None and course_sum is not None:
            reasons.append(
                f"cumulative EQD2 is the {metric} of the voxel-wise EQD2 sum of all courses "
                f"({_fmt(cumulative)} Gy); adding the courses' own {metric} EQD2 would give "
                f"{_fmt(course_sum)} Gy"
            )
        return _Summation(cumulative, method, detail, reasons)
    cumulative = None if unread else course_sum
    if quantities == {"eqd2"}:
        method = "dvh_eqd2"
        detail = (
            "sum of each course's EQD2 DVH metric (voxel-wise EQD2 per course), prior "
            "courses × (1 − recovery); the courses' dose grids were not summed voxel by voxel"
        )
    elif quantities == {"physical"} or not quantities:
        method = "point_eqd2"
        detail = (
            "each course's recorded organ dose converted to EQD2 (LQ, d = dose / fractions) "
            "and summed, prior courses × (1 − recovery)"
        )
    else:
        method = "point_eqd2 + dvh_eqd2"
        detail = (
            "courses summed in EQD2: recorded physical doses converted with the LQ model "
            "(point), DICOM courses as EQD2 DVH metrics (voxel-wise EQD2 per course)"
        )
    return _Summation(cumulative, method, detail, reasons)


def _limit(
    params: OrganParameters | None, constraint: ConstraintEntry | None, organ: str, metric: str
) -> _Limit:
    """The cumulative EQD2 limit: stated in the plan > the constraint table."""
    if params is not None and params.cumulative_limit_eqd2_gy is not None:
        source = "stated in the plan (organ_parameters)" + (
            f": {params.rationale}" if params.rationale else ""
        )
        return _Limit(params.cumulative_limit_eqd2_gy, "stated", source, [], [])
    if constraint is None:
        reason = (
            f"no constraint for {organ} {metric} in the constraint table; state "
            f"organ_parameters[organ={organ}, metric={metric}].cumulative_limit_eqd2_gy"
        )
        return _Limit(None, None, None, [reason], [])
    caveats = list(constraint.caveats)
    if constraint.basis == "single_course_reference":
        caveats.append(
            "limit is a single-course reference; cumulative tolerance after "
            "re-irradiation is uncertain"
        )
    reasons = []
    if constraint.limit_eqd2_gy is None:
        reasons.append(
            f"no sourced numeric cumulative limit for {organ} {metric} "
            f"({constraint.id}): {constraint.description.strip()}"
        )
    source = f"{constraint.id}: {constraint.source}"
    return _Limit(constraint.limit_eqd2_gy, constraint.basis, source, reasons, caveats)


def _metric_caveats(metric: str, rows: list[CourseOrganDose]) -> list[str]:
    """What the metric's EQD2 approximates (mean of physical dose; DVH near-maximum)."""
    caveats: list[str] = []
    if metric == "Dmean" and any(
        r.dose_quantity == "physical" and r.dose_gy is not None for r in rows
    ):
        caveats.append(
            "EQD2 of a mean physical dose is an approximation (LQ is non-linear); a mean of "
            "voxel-wise EQD2 is more accurate"
        )
    if metric == "Dmax" and any(r.dose_quantity == "eqd2" for r in rows):
        caveats.append(
            f"Dmax from a DVH is the near-maximum {DMAX_DVH_METRIC} (the minimum dose to the "
            "hottest 0.03 cc), not a single-voxel maximum"
        )
    return caveats


def _verdict(
    organ: str,
    metric: str,
    cumulative: float | None,
    limit: float | None,
    alpha_beta: float | None,
    conditions: list[ConditionCheck],
) -> tuple[Verdict, list[str], bool]:
    """Cumulative EQD2 against the limit, under the limit's conditions: (verdict, reasons,
    individual review)."""
    reasons: list[str] = []
    not_met = [x for x in conditions if x.status == "not_met"]
    not_recorded = [x for x in conditions if x.status == "not_recorded"]
    verdict: Verdict
    comparison = (
        None
        if cumulative is None or limit is None
        else f"cumulative EQD2 {_fmt(cumulative)} Gy "
        + ("<=" if cumulative <= limit + LIMIT_TOLERANCE_GY else ">")
        + f" limit {_fmt(limit)} Gy (α/β {alpha_beta} Gy)"
    )
    if cumulative is None or limit is None:
        verdict = "cannot_assess"
    elif not_met:
        verdict = "limit_not_applicable"
        reasons.append(
            "the limit does not apply: its source supports it only when "
            + "; ".join(f"{x.requirement} (here: {x.detail})" for x in not_met)
            + f"; {comparison} is shown for information only"
        )
    elif not_recorded:
        verdict = "cannot_assess"
        reasons.append(
            "the limit applies only when "
            + "; ".join(f"{x.requirement} ({x.detail})" for x in not_recorded)
            + f"; {comparison} cannot be judged against it"
        )
    elif cumulative <= limit + LIMIT_TOLERANCE_GY:
        verdict = "within"
        reasons.append(f"{comparison}")
    else:
        verdict = "exceeds"
        reasons.append(f"{comparison}")
    individual_review = bool(not_met or not_recorded)
    if individual_review:
        reasons.append(
            f"{organ} {metric}: individual review needed (the literature limit's conditions "
            "are not met or not recorded)"
        )
    return verdict, reasons, individual_review


def _assess_organ(
    plan: ReirradiationPlan,
    organ: str,
    metric: str,
    months: float | None,
    library: AlphaBetaLibrary,
    table: ConstraintTable,
) -> OrganAssessment:
    """One organ metric: α/β, recovery, per-course EQD2, cumulative EQD2, limit, verdict."""
    params = _params_for(plan, organ, metric)
    constraint: ConstraintEntry | None = table.find(organ, metric)
    reasons: list[str] = []

    # --- α/β: stated in the plan > the constraint's α/β > the library default for the organ
    alpha_beta, ab_source, caveats = resolve_alpha_beta(plan, organ, metric, library, table)
    if alpha_beta is None:
        reasons.append(
            f"no α/β for organ {organ!r}: not in the α/β library; state "
            f"organ_parameters[organ={organ}, metric={metric}].alpha_beta_gy"
        )

    # --- recovery: stated per organ > stated for the plan > default 0
    recovery, recovery_stated, recovery_source, _ = resolve_recovery(plan, organ, metric)
    if recovery > 0:
        caveats.append(
            f"prior EQD2 reduced by a stated recovery assumption of {recovery:.0%}; recovery "
            "is an assumption, not an established law"
        )

    # --- DICOM named but not read: never assessed from what happens to be in the plan
    unread = _unread_dicom(plan)
    if unread:
        reasons.append(
            "DICOM RT files named in " + ", ".join(unread) + " have not been read (this "
            "assessment is pure and reads no files): assess the plan with the DICOM adapter "
            "(breastcds reirradiation PLAN.json, or reirradiation_dicom.assess)"
        )

    # --- per-course doses
    doses = _course_doses(plan, organ, metric, alpha_beta, ab_source)
    rows = doses.rows
    reasons += doses.reasons
    if doses.missing_fields:
        reasons.append("not recorded (not read as 0): " + ", ".join(doses.missing_fields))
    if doses.contradictions:
        reasons.append("contradictory input: " + "; ".join(doses.contradictions))

    bed_prior = _sum(rows, "prior", "bed_gy")
    eqd2_prior = _sum(rows, "prior", "eqd2_gy")
    bed_planned = _sum(rows, "planned", "bed_gy")
    eqd2_planned = _sum(rows, "planned", "eqd2_gy")
    prior_after = eqd2_prior * (1.0 - recovery) if eqd2_prior is not None else None
    course_sum = (
        prior_after + eqd2_planned if prior_after is not None and eqd2_planned is not None else None
    )
    if not any(r.when == "prior" for r in rows):
        caveats.append("no prior course listed: prior EQD2 is 0 by the plan's course list")

    # --- summation: voxel-wise EQD2 sum (DICOM) > sum of per-course EQD2 doses
    summed = _summation(
        plan,
        organ,
        metric,
        alpha_beta=alpha_beta,
        ab_source=ab_source,
        recovery=recovery,
        recovery_source=recovery_source,
        course_sum=course_sum,
        unread=bool(unread),
        incomplete=alpha_beta is None
        or bool(unread or doses.missing_fields or doses.contradictions),
    )
    reasons += summed.reasons
    if plan.summation_method is not None and plan.summation_method != summed.method:
        caveats.append(
            f"the plan states summation_method {plan.summation_method!r}; this organ's doses "
            f"were summed as {summed.method!r}"
        )

    # --- limit: stated in the plan > constraint table
    limit = _limit(params, constraint, organ, metric)
    caveats += limit.caveats
    reasons += limit.reasons
    caveats += _metric_caveats(metric, rows)

    # --- conditions attached to the constraint (only when the table limit is used): the
    # source supports its limit only under these conditions, so the verdict depends on them.
    conditions: list[ConditionCheck] = []
    if constraint is not None and limit.basis != "stated":
        for cond in constraint.conditions:
            conditions.append(_check_condition(cond.kind, cond.value, months, rows))

    # --- verdict
    verdict, verdict_reasons, individual_review = _verdict(
        organ, metric, summed.cumulative, limit.value, alpha_beta, conditions
    )
    reasons += verdict_reasons

    return OrganAssessment(
        organ=organ,
        metric=metric,
        alpha_beta_gy=alpha_beta,
        alpha_beta_source=ab_source,
        courses=rows,
        bed_prior_gy=bed_prior,
        eqd2_prior_gy=eqd2_prior,
        bed_planned_gy=bed_planned,
        eqd2_planned_gy=eqd2_planned,
        recovery_fraction_of_prior=recovery,
        recovery_stated=recovery_stated,
        recovery_source=recovery_source,
        eqd2_prior_after_recovery_gy=prior_after,
        cumulative_eqd2_gy=summed.cumulative,
        summation_method=summed.method,
        summation_detail=summed.detail,
        limit_eqd2_gy=limit.value,
        limit_basis=limit.basis,
        limit_source=limit.source,
        limit_label="literature-based, adjustable",
        verdict=verdict,
        individual_review=individual_review,
        reasons=reasons,
        conditions=conditions,
        caveats=list(dict.fromkeys(caveats)),
    )


def _check_condition(
    kind: str, value: float, months: float | None, rows: list[CourseOrganDose]
) -> ConditionCheck:
    if kind == "min_interval_months":
        requirement = f"interval between courses >= {value:g} months"
        if months is None:
            return ConditionCheck(
                kind=kind,
                requirement=requirement,
                status="not_recorded",
                detail="interval not computable from the recorded dates",
            )
        status: Literal["met", "not_met"] = "met" if months >= value else "not_met"
        return ConditionCheck(
            kind=kind,
            requirement=requirement,
            status=status,
            detail=f"interval {months:.1f} months",
        )
    # max_single_course_eqd2_gy
    requirement = f"EQD2 of every single course <= {value:g} Gy"
    values = [r.eqd2_gy for r in rows]
    if any(v is None for v in values):
        return ConditionCheck(
            kind=kind,
            requirement=requirement,
            status="not_recorded",
            detail="EQD2 of at least one course not computable",
        )
    highest = max(v for v in values if v is not None)
    return ConditionCheck(
        kind=kind,
        requirement=requirement,
        status="met" if highest <= value + LIMIT_TOLERANCE_GY else "not_met",
        detail=f"highest single-course EQD2 {_fmt(highest)} Gy",
    )


# ============================================================================ reporting


def _missing_reporting_items(plan: ReirradiationPlan, months: float | None) -> list[str]:
    """Consensus reporting items (Andratschke 2022) that the plan does not record."""
    missing: list[str] = []
    for i, c in enumerate(plan.courses):
        for name in (
            "start_date",
            "intent",
            "technique",
            "total_dose_gy",
            "fractions",
            "target_volumes",
            "organ_doses",
        ):
            if getattr(c, name) is None:
                missing.append(f"courses[{i}].{name}")
        if c.when == "planned" and c.concurrent_systemic_therapy is None:
            missing.append(f"courses[{i}].concurrent_systemic_therapy")
    if months is None:
        missing.append("interval between courses (dates of every course)")
    if plan.summation_method is None:
        missing.append("summation_method")
    if "recovery_fraction_of_prior" not in plan.model_fields_set and not any(
        p.recovery_fraction_of_prior is not None for p in plan.organ_parameters
    ):
        missing.append("recovery_fraction_of_prior (not stated; 0 = no recovery assumed)")
    prior_tox_recorded = plan.selection.prior_toxicity_grade is not None or all(
        c.toxicity_grade_after is not None for c in plan.courses if c.when == "prior"
    )
    if not prior_tox_recorded:
        missing.append("toxicity after the prior course (selection.prior_toxicity_grade)")
    return missing


def _selection_report(
    plan: ReirradiationPlan, months: float | None, organs: list[OrganAssessment]
) -> list[SelectionFactor]:
    s = plan.selection

    def item(name: str, value: object) -> SelectionFactor:
        if value is None:
            return SelectionFactor(name=name, value="not recorded", recorded=False)
        if isinstance(value, bool):
            return SelectionFactor(name=name, value="yes" if value else "no", recorded=True)
        return SelectionFactor(name=name, value=str(value), recorded=True)

    review = [f"{o.organ} {o.metric}" for o in organs if o.individual_review]
    fits: str | None
    if not organs:
        fits = None
    elif any(o.verdict in ("cannot_assess", "limit_not_applicable") for o in organs):
        fits = "cannot assess (see organ results)" + (
            "; individual review: " + ", ".join(review) if review else ""
        )
    elif all(o.verdict == "within" for o in organs):
        fits = "yes: all assessed organs within their limits"
    else:
        fits = "no: at least one organ exceeds its limit"
    prior_tox = s.prior_toxicity_grade
    if prior_tox is None:
        grades = [c.toxicity_grade_after for c in plan.courses if c.when == "prior"]
        if grades and all(g is not None for g in grades):
            prior_tox = max(g for g in grades if g is not None)
    planned_systemic = [c.concurrent_systemic_therapy for c in plan.courses if c.when == "planned"]
    return [
        item("interval_since_last_rt_months", None if months is None else f"{months:.1f}"),
        item("ecog", s.ecog),
        item("disease_free_interval_months", s.disease_free_interval_months),
        item("recurrence_site", s.recurrence_site),
        item("resectable", s.resectable),
        item("histology_at_recurrence", s.histology_at_recurrence),
        item("er_percent_at_recurrence", s.er_percent_at_recurrence),
        item("pr_percent_at_recurrence", s.pr_percent_at_recurrence),
        item("her2_status_at_recurrence", s.her2_status_at_recurrence),
        item("prior_toxicity_grade", prior_tox),
        item("meaningful_dose_within_cumulative_limits", fits),
        item(
            "concurrent_systemic_therapy",
            None
            if any(p is None for p in planned_systemic)
            else "; ".join(p for p in planned_systemic if p is not None),
        ),
        item("systemic_therapy_options", s.systemic_therapy_options),
        item("patient_preference", s.patient_preference),
    ]


# ============================================================================ entry point


def evaluate(
    plan: ReirradiationPlan,
    *,
    alpha_beta_library: AlphaBetaLibrary | None = None,
    constraint_table: ConstraintTable | None = None,
) -> ReirradiationResult:
    """Assess a re-irradiation plan: classification, interval, cumulative EQD2 per organ.

    Args:
        plan: the validated plan.
        alpha_beta_library: α/β library; defaults to ``knowledge/alpha_beta.yaml``.
        constraint_table: constraint table; defaults to
            ``knowledge/reirradiation_constraints.yaml``.
    """
    library = alpha_beta_library or load_alpha_beta_library()
    table = constraint_table or load_constraint_table()
    classification = classify(plan.overlap)
    if not any(c.when == "prior" for c in plan.courses):
        classification = classification.model_copy(
            update={
                "reasons": [
                    *classification.reasons,
                    "no prior course is listed in the plan: the category rests on the "
                    "recorded overlap flags only",
                ]
            }
        )
    months, interval_detail = interval_months(plan.courses)
    organs = [
        _assess_organ(plan, organ, metric, months, library, table)
        for organ, metric in _organ_keys(plan, table)
    ]
    sources = [ANDRATSCHKE_2022, LQ_SOURCE]
    for organ_result in organs:
        if organ_result.limit_source and organ_result.limit_source not in sources:
            sources.append(organ_result.limit_source)
    return ReirradiationResult(
        classification=classification,
        interval_months=months,
        interval_detail=interval_detail,
        organs=organs,
        recovery_fraction_of_prior=plan.recovery_fraction_of_prior,
        recovery_stated="recovery_fraction_of_prior" in plan.model_fields_set,
        summation_method=plan.summation_method,
        selection_factors=_selection_report(plan, months, organs),
        missing_reporting_items=_missing_reporting_items(plan, months),
        assumptions=list(LQ_ASSUMPTIONS)
        + (list(DICOM_ASSUMPTIONS) if plan.dicom_derived is not None else []),
        sources=sources,
    )
