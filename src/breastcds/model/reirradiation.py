"""Re-irradiation plan input: prior and planned radiotherapy courses with organ doses.

A plan's course is the one radiotherapy-course model (:mod:`breastcds.model.rt_course`)
extended with the re-irradiation dose detail (:class:`ReirradiationCourse`).

The case model (``Case.reirradiation``) holds a :class:`ReirradiationPlan`; the dose
accumulation and the ESTRO-EORTC assessment that read it are in
:mod:`breastcds.dose.reirradiation` (which re-exports these names). Doses in Gy;
``None`` means not recorded.
"""

from __future__ import annotations

import math
import re
from typing import Any, Literal

from pydantic import ConfigDict, Field, ModelWrapValidatorHandler, model_validator

from breastcds.model.rt_course import RadiotherapyCourse, read_old_names, region_renames
from breastcds.model.strict import StrictInput

__all__ = [
    "METRIC_PATTERN",
    "ORGAN_PATTERN",
    "CourseDicom",
    "CumulativeOrganDose",
    "DicomDerived",
    "DicomUnavailable",
    "OrganDose",
    "OrganParameters",
    "Overlap",
    "ReirradiationCourse",
    "ReirradiationPlan",
    "SelectionFactors",
]

ORGAN_PATTERN = r"^[a-z][a-z0-9_]*$"
"""An organ key: lower-case snake case (e.g. ``spinal_cord``)."""
METRIC_PATTERN = r"^(Dmax|Dmean|point|D\d+(\.\d+)?(cc|%))$"
"""A dose metric: Dmax, Dmean, point, or a DVH metric D<volume>cc / D<volume>%."""


class _Input(StrictInput):
    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        str_strip_whitespace=True,
        allow_inf_nan=False,
        defer_build=True,
    )


class OrganDose(_Input):
    """Physical dose to an organ at risk for one whole course (point or DVH metric)."""

    organ: str = Field(pattern=ORGAN_PATTERN, description="organ key, e.g. spinal_cord")
    metric: str = Field(
        pattern=METRIC_PATTERN, description="Dmax, Dmean, point, D0.03cc, D2cc, D50% ..."
    )
    # le: no organ metric of one course approaches 500 Gy (physical or EQD2; an HDR point dose
    # is the extreme); the bound keeps the LQ conversion's squares finite.
    dose_gy: float = Field(
        ge=0,
        le=500,
        allow_inf_nan=False,
        description="dose of the whole course: physical (default) or EQD2 (quantity='eqd2')",
    )
    quantity: Literal["physical", "eqd2"] = Field(
        default="physical",
        description="physical dose (converted here with the LQ model) or an EQD2 already "
        "converted voxel by voxel (a DVH metric of a voxel-wise EQD2 dose, from DICOM)",
    )
    alpha_beta_gy: float | None = Field(
        default=None,
        gt=0,
        allow_inf_nan=False,
        description="α/β at which an EQD2 dose was computed (required for quantity 'eqd2')",
    )
    physical_dose_gy: float | None = Field(
        default=None,
        ge=0,
        le=500,
        allow_inf_nan=False,
        description="the same metric in physical dose, for information (quantity 'eqd2')",
    )
    source: str | None = Field(default=None, description="where the dose comes from")

    @model_validator(mode="after")
    def _quantity_fields(self) -> OrganDose:
        if self.quantity == "eqd2" and self.alpha_beta_gy is None:
            raise ValueError(
                "an EQD2 organ dose (quantity 'eqd2') needs the alpha_beta_gy it was computed at"
            )
        if self.quantity == "physical" and (
            self.alpha_beta_gy is not None or self.physical_dose_gy is not None
        ):
            raise ValueError(
                "alpha_beta_gy and physical_dose_gy apply to quantity 'eqd2' only "
                "(a physical dose is converted here at the organ's α/β)"
            )
        return self


def _check_roi_map(roi_map: dict[str, str], where: str) -> None:
    for roi, organ in roi_map.items():
        if not roi.strip():
            raise ValueError(f"{where}: an ROI name is empty")
        if not re.fullmatch(ORGAN_PATTERN, organ):
            raise ValueError(
                f"{where}[{roi!r}] = {organ!r} is not an organ key (lower-case snake case)"
            )
    organs = list(roi_map.values())
    dupes = sorted({o for o in organs if organs.count(o) > 1})
    if dupes:
        rois = {o: [r for r, v in roi_map.items() if v == o] for o in dupes}
        raise ValueError(
            f"{where} maps more than one ROI to the same organ: {rois}; a DVH is of one ROI, "
            "map one of them"
        )


class CourseDicom(_Input):
    """The DICOM RT files of one course; paths are relative to the plan file.

    ``registration``: 4×4 rigid matrix mapping this course's patient coordinates (mm) into
    those of the summation grid (the most recent planned course), ``p_target = M @ p_course``;
    ``null`` when the course shares the summation grid's frame of reference.
    ``roi_map``: ROI name → organ key for this course's structure set; it replaces the plan's
    ``dicom_roi_map`` for this course (TPS naming differs between years).
    """

    dose: str = Field(min_length=1, description="RTDOSE file, relative to the plan file")
    structures: str = Field(min_length=1, description="RTSTRUCT file, relative to the plan file")
    registration: list[list[float]] | None = None
    roi_map: dict[str, str] | None = None

    @model_validator(mode="after")
    def _check(self) -> CourseDicom:
        if self.registration is not None:
            m = self.registration
            if len(m) != 4 or any(len(row) != 4 for row in m):
                raise ValueError(
                    "registration must be a 4×4 matrix (4 rows of 4 numbers), got "
                    f"{len(m)} rows of {[len(r) for r in m]}"
                )
            if not all(math.isfinite(v) for row in m for v in row):
                raise ValueError("registration has a non-finite value")
        if self.roi_map is not None:
            _check_roi_map(self.roi_map, "roi_map")
        return self


class ReirradiationCourse(RadiotherapyCourse):
    """A radiotherapy course of a re-irradiation plan, prior or planned: the course
    (:class:`~breastcds.model.rt_course.RadiotherapyCourse`) with the dose detail the
    re-irradiation assessment reads. ``None`` means not recorded.

    Older plans stay readable: ``prescription_dose_gy`` is read as ``total_dose_gy`` and a
    free-text ``region`` (not a region code) as ``region_text``.
    """

    model_config = ConfigDict(str_strip_whitespace=True)

    when: Literal["prior", "planned"]
    label: str | None = None
    fractions_per_day: int | None = Field(default=None, ge=1, le=3)
    target_volumes: list[str] | None = None
    organ_doses: list[OrganDose] | None = Field(
        default=None, description="None = not recorded; [] = recorded, no organ dose given"
    )
    dicom: CourseDicom | None = Field(
        default=None, description="RTDOSE + RTSTRUCT of this course (read by the DICOM adapter)"
    )
    toxicity_grade_after: int | None = Field(
        default=None, ge=0, le=5, description="worst late toxicity after this course (CTCAE)"
    )
    concurrent_systemic_therapy: str | None = Field(
        default=None, description='agent(s) given with this course, or "none"'
    )

    @model_validator(mode="wrap")
    @classmethod
    def _old_names(
        cls, data: Any, handler: ModelWrapValidatorHandler[ReirradiationCourse]
    ) -> ReirradiationCourse:
        """Reads the older plan fields into the course's fields (module docstring)."""
        renames = {"prescription_dose_gy": "total_dose_gy", **region_renames(data)}
        return read_old_names(data, handler, renames)

    @model_validator(mode="after")
    def _organ_doses_once(self) -> ReirradiationCourse:
        if self.organ_doses:
            keys = [(d.organ, d.metric) for d in self.organ_doses]
            dupes = sorted({k for k in keys if keys.count(k) > 1})
            if dupes:
                raise ValueError(f"organ_doses lists the same (organ, metric) twice: {dupes}")
        return self


class Overlap(_Input):
    """ESTRO-EORTC deciding flags; each True, False or None (= not recorded)."""

    geometric_overlap: bool | None = None
    cumulative_toxicity_concern: bool | None = None
    same_organ: bool | None = None


class OrganParameters(_Input):
    """Explicit per-organ parameters that override the packaged knowledge."""

    organ: str = Field(pattern=ORGAN_PATTERN)
    metric: str = Field(pattern=METRIC_PATTERN)
    alpha_beta_gy: float | None = Field(default=None, gt=0, allow_inf_nan=False)
    cumulative_limit_eqd2_gy: float | None = Field(default=None, gt=0, allow_inf_nan=False)
    recovery_fraction_of_prior: float | None = Field(default=None, ge=0, le=1)
    rationale: str | None = None


class SelectionFactors(_Input):
    """Patient selection factors the engine reports (value or "not recorded")."""

    ecog: int | None = Field(default=None, ge=0, le=4)
    disease_free_interval_months: float | None = Field(default=None, ge=0, allow_inf_nan=False)
    recurrence_site: str | None = None
    resectable: bool | None = None
    histology_at_recurrence: str | None = None
    er_percent_at_recurrence: float | None = Field(default=None, ge=0, le=100)
    pr_percent_at_recurrence: float | None = Field(default=None, ge=0, le=100)
    her2_status_at_recurrence: Literal["positive", "negative", "pending"] | None = None
    prior_toxicity_grade: int | None = Field(default=None, ge=0, le=5)
    systemic_therapy_options: str | None = None
    patient_preference: str | None = None


class DicomUnavailable(_Input):
    """An organ dose the DICOM adapter could not compute for one course, and why."""

    course_index: int = Field(ge=0)
    organ: str = Field(pattern=ORGAN_PATTERN)
    metric: str = Field(pattern=METRIC_PATTERN)
    reason: str = Field(min_length=1)


class CumulativeOrganDose(_Input):
    """A cumulative EQD2 DVH metric of the voxel-wise EQD2 sum of every course.

    ``eqd2_gy`` is ``None`` when the sum could not be made; ``reason`` then says why.
    ``recovery_fraction_of_prior`` is the recovery applied to the prior courses in the sum.
    """

    organ: str = Field(pattern=ORGAN_PATTERN)
    metric: str = Field(pattern=METRIC_PATTERN)
    eqd2_gy: float | None = Field(default=None, ge=0, allow_inf_nan=False)
    alpha_beta_gy: float = Field(gt=0, allow_inf_nan=False)
    recovery_fraction_of_prior: float = Field(ge=0, le=1)
    method: Literal["voxel_eqd2"] = "voxel_eqd2"
    source: str = Field(min_length=1)
    reason: str | None = None

    @model_validator(mode="after")
    def _value_or_reason(self) -> CumulativeOrganDose:
        if (self.eqd2_gy is None) == (self.reason is None):
            raise ValueError("give exactly one of eqd2_gy and reason")
        return self


class DicomDerived(_Input):
    """What the DICOM adapter derived from the courses' files (present once they are read)."""

    summation_method: Literal["voxel_eqd2", "dvh_eqd2"]
    detail: str
    cumulative: list[CumulativeOrganDose] = Field(default_factory=list)
    unavailable: list[DicomUnavailable] = Field(default_factory=list)


class ReirradiationPlan(_Input):
    """Everything the re-irradiation assessment reads."""

    courses: list[ReirradiationCourse] = Field(min_length=1)
    overlap: Overlap = Field(default_factory=Overlap)
    recovery_fraction_of_prior: float = Field(
        default=0.0,
        ge=0,
        le=1,
        description="share of prior EQD2 assumed recovered; 0 = no recovery (default)",
    )
    recovery_rationale: str | None = None
    summation_method: (
        Literal["point_eqd2", "dvh_eqd2", "voxel_eqd2", "voxel_bed", "physical"] | None
    ) = None
    organ_parameters: list[OrganParameters] = Field(default_factory=list)
    selection: SelectionFactors = Field(default_factory=SelectionFactors)
    dicom_roi_map: dict[str, str] = Field(
        default_factory=dict,
        description="ROI name -> organ key for the courses' structure sets "
        '(e.g. {"Heart": "heart", "Lt Lung": "lung"})',
    )
    dicom_derived: DicomDerived | None = Field(
        default=None,
        description="set by the DICOM adapter (reirradiation_dicom) after reading the files",
    )

    @model_validator(mode="after")
    def _has_planned_course(self) -> ReirradiationPlan:
        if not any(c.when == "planned" for c in self.courses):
            raise ValueError(
                "courses must include at least one course with when='planned' "
                f"(got when = {[c.when for c in self.courses]})"
            )
        keys = [(p.organ, p.metric) for p in self.organ_parameters]
        dupes = sorted({k for k in keys if keys.count(k) > 1})
        if dupes:
            raise ValueError(f"organ_parameters lists the same (organ, metric) twice: {dupes}")
        _check_roi_map(self.dicom_roi_map, "dicom_roi_map")
        return self
