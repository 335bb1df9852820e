"""Re-irradiation from DICOM RT: reads each course's RTDOSE/RTSTRUCT and fills the plan.

This is the adapter (I/O edge) between a re-irradiation plan
(:class:`~breastcds.dose.reirradiation.ReirradiationPlan`) whose courses name DICOM
files (``courses[].dicom``) and the pure assessment
:func:`breastcds.dose.reirradiation.evaluate`. It holds no clinical rule of its own:
α/β and recovery are resolved by the same functions ``evaluate`` uses
(:func:`~breastcds.dose.reirradiation.resolve_alpha_beta`,
:func:`~breastcds.dose.reirradiation.resolve_recovery`), and the verdicts come from
``evaluate``.

What it computes (docs/reirradiation.md, "Re-irradiation from DICOM RT"):

1. **Per course and organ** (the ROIs named in the ROI map), EQD2 DVH metrics at the organ's
   α/β and the course's number of fractions: every voxel's physical dose ``D_v`` becomes
   ``EQD2_v = D_v·(D_v/n + α/β)/(2 + α/β)`` (:class:`breastcds.dose.dvh.Eqd2`) before
   the DVH is built (accurate mode, :mod:`breastcds.dose.dvh`).

   * ``Dmean`` is the mean of the voxel-wise EQD2. Because EQD2 is convex in dose for
     α/β > 0, this is ≥ the EQD2 of the mean physical dose (Jensen's inequality); the EQD2 of
     a mean dose underestimates a non-uniform organ dose.
   * ``Dmax`` is the near-maximum **D0.03cc**, the minimum dose to the hottest 0.03 cc, not a
     single-voxel maximum: a voxel's dose depends on the grid. A small fixed absolute volume is
     used rather than ICRU Report 83's near-maximum D2 % (ICRU Report 83, 2010, §3), because
     2 % of an organ at risk depends on how much of it was contoured (a spinal cord contoured
     over 10 or 30 cm). The 0.03 cc convention is the one used by trial protocols as "maximum
     dose (0.03 cc)", e.g. the organ-at-risk table of a UK SABR trial protocol, BMC Cancer
     2016 (doi:10.1186/s12885-016-2227-z), Table 2; ICRU Report 91 (2017) uses D35mm³
     (0.035 cc) as the near-maximum of volumes under 2 cm³.
   * Other dose metrics (``D2cc``, ``D50%``) are read from the EQD2 DVH.

2. **Across courses**, when every course has DICOM and there are two or more, the voxel-wise
   EQD2 sum of :func:`breastcds.dose.accumulate.sum_eqd2` on the grid of the most
   recent planned course (courses in another frame of reference need a stated 4×4 rigid
   registration, otherwise the plan is refused). Recovery is applied to prior courses only as
   stated in the plan, and only with its rationale. The cumulative DVH metrics are taken on the
   most recent planned course's ROI. ``summation_method`` becomes ``voxel_eqd2``; with
   ``summation_method: "dvh_eqd2"`` in the plan (or when a course has no DICOM) the courses'
   EQD2 DVH metrics are summed instead.

The enriched plan records every dose with its source, and any dose that could not be computed
with the reason (``dicom_derived.unavailable``), so ``evaluate`` says ``cannot_assess`` naming
it rather than guessing.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from breastcds.dose import accumulate, dvh
from breastcds.dose.dicom import (
    DicomRTError,
    DoseGrid,
    Structure,
    read_dose,
    read_structures,
)
from breastcds.dose.reirradiation import (
    DMAX_DVH_METRIC,
    CumulativeOrganDose,
    DicomDerived,
    DicomUnavailable,
    OrganDose,
    ReirradiationCourse,
    ReirradiationPlan,
    ReirradiationResult,
    dicom_metrics,
    evaluate,
    resolve_alpha_beta,
    resolve_recovery,
)
from breastcds.knowledge.schema_radiotherapy import (
    AlphaBetaLibrary,
    ConstraintTable,
    load_alpha_beta_library,
    load_constraint_table,
)

__all__ = [
    "CourseFiles",
    "DicomReading",
    "DvhCurve",
    "PlanDicomError",
    "assess",
    "has_dicom",
    "load_plan",
    "read_plan_dicom",
    "write_sums",
]

#: Points per DVH curve kept for plots (the full histogram has 0.01 Gy bins).
CURVE_POINTS = 101


class PlanDicomError(ValueError):
    """The plan's DICOM cannot be used; the message names the plan field and the file."""


@dataclass(frozen=True)
class DvhCurve:
    """A cumulative DVH for plots: volume (% of the ROI) receiving at least each dose."""

    organ: str
    roi_name: str
    course: str
    dose_quantity: str
    alpha_beta_gy: float
    volume_cc: float
    dose_gy: tuple[float, ...]
    volume_pct: tuple[float, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "organ": self.organ,
            "roi_name": self.roi_name,
            "course": self.course,
            "dose_quantity": self.dose_quantity,
            "alpha_beta_gy": self.alpha_beta_gy,
            "volume_cc": self.volume_cc,
            "dose_gy": list(self.dose_gy),
            "volume_pct": list(self.volume_pct),
        }


@dataclass(frozen=True)
class CourseFiles:
    """The files read for one course and what was found in them."""

    course_index: int
    label: str | None
    dose_path: str
    structures_path: str
    frame_of_reference_uid: str
    max_physical_dose_gy: float
    rois: dict[str, str]  # organ -> ROI name found

    def as_dict(self) -> dict[str, Any]:
        return {
            "course_index": self.course_index,
            "label": self.label,
            "dose": self.dose_path,
            "structures": self.structures_path,
            "frame_of_reference_uid": self.frame_of_reference_uid,
            "max_physical_dose_gy": self.max_physical_dose_gy,
            "rois": dict(self.rois),
        }


@dataclass(frozen=True, eq=False)
class DicomReading:
    """The enriched plan and what was read and summed to make it."""

    plan: ReirradiationPlan
    courses: tuple[CourseFiles, ...]
    accumulations: tuple[accumulate.Accumulation, ...]
    curves: tuple[DvhCurve, ...]
    notes: tuple[str, ...] = field(default=())

    def as_dict(self) -> dict[str, Any]:
        derived = self.plan.dicom_derived
        return {
            "summation_method": derived.summation_method if derived else None,
            "detail": derived.detail if derived else None,
            "courses": [c.as_dict() for c in self.courses],
            "accumulations": [
                {
                    "alpha_beta_gy": a.alpha_beta_gy,
                    "recovery_fraction_of_prior": max(c.recovery_fraction for c in a.courses),
                    "description": a.describe(),
                }
                for a in self.accumulations
            ],
            "dvh_curves": [c.as_dict() for c in self.curves],
            "notes": list(self.notes),
        }


# ------------------------------------------------------------------------------- I/O


def has_dicom(plan: ReirradiationPlan) -> bool:
    """True when at least one course names DICOM files."""
    return any(c.dicom is not None for c in plan.courses)


def load_plan(path: str | Path) -> ReirradiationPlan:
    """Read and validate a plan JSON file (``OSError`` / pydantic ``ValidationError``)."""
    return ReirradiationPlan.model_validate_json(Path(path).read_text(encoding="utf-8"))


def _resolve(base_dir: Path, name: str) -> Path:
    p = Path(name)
    return p if p.is_absolute() else Path(os.path.normpath(base_dir / p))


class _Files:
    """Reads each file once (the same RTDOSE may serve two courses)."""

    def __init__(self) -> None:
        self.doses: dict[Path, DoseGrid] = {}
        self.structures: dict[Path, dict[int, Structure]] = {}

    def dose(self, path: Path, where: str) -> DoseGrid:
        if path not in self.doses:
            try:
                self.doses[path] = read_dose(path)
            except DicomRTError as exc:
                raise PlanDicomError(f"{where}: {exc}") from exc
        return self.doses[path]

    def rois(self, path: Path, where: str) -> dict[int, Structure]:
        if path not in self.structures:
            try:
                self.structures[path] = read_structures(path)
            except DicomRTError as exc:
                raise PlanDicomError(f"{where}: {exc}") from exc
        return self.structures[path]


# ------------------------------------------------------------------------------- metrics


def _metric(h: dvh.DVH, metric: str) -> float:
    """A dose metric of a DVH; ``Dmax`` is D0.03cc (module docstring). ValueError if none."""
    if metric == "Dmean":
        return h.mean_gy
    if metric == "Dmax":
        return h.dose_at_volume_cc(0.03)
    if metric == "point":
        raise ValueError("'point' is a point dose, not a DVH metric; record it in organ_doses")
    return h.metric(metric)


def _metric_words(metric: str) -> str:
    if metric == "Dmean":
        return "Dmean = mean of the voxel-wise EQD2"
    if metric == "Dmax":
        return f"Dmax = near-maximum {DMAX_DVH_METRIC} of the EQD2 DVH"
    return f"{metric} of the EQD2 DVH"


def _curve(h: dvh.DVH, organ: str, course: str, alpha_beta: float) -> DvhCurve:
    doses = np.linspace(0.0, max(h.max_gy, 1e-9), CURVE_POINTS)
    return DvhCurve(
        organ=organ,
        roi_name=h.roi_name,
        course=course,
        dose_quantity=h.dose_quantity,
        alpha_beta_gy=alpha_beta,
        volume_cc=h.volume_cc,
        dose_gy=tuple(round(float(d), 4) for d in doses),
        volume_pct=tuple(round(h.volume_at_dose_pct(float(d)), 4) for d in doses),
    )


def _course_name(i: int, course: ReirradiationCourse) -> str:
    return f"courses[{i}]" + (f" '{course.label}'" if course.label else "")


def _find_roi(rois: dict[int, Structure], name: str) -> Structure | None:
    found = [s for s in rois.values() if s.name == name]
    return found[0] if len(found) == 1 else None


# ------------------------------------------------------------------------------- main


def read_plan_dicom(
    plan: ReirradiationPlan,
    base_dir: str | Path,
    *,
    alpha_beta_library: AlphaBetaLibrary | None = None,
    constraint_table: ConstraintTable | None = None,
) -> DicomReading:
    """Read every course's DICOM and return the plan enriched with EQD2 organ doses.

    Args:
        plan: a plan whose courses (some or all) give ``dicom``.
        base_dir: the directory relative paths are resolved against (the plan file's).
        alpha_beta_library, constraint_table: as for ``evaluate`` (defaults: packaged files).

    Raises:
        PlanDicomError: a file is missing or invalid, an organ dose is given both in
            ``organ_doses`` and by DICOM, courses in different frames of reference without a
            registration, or an accumulation that cannot be made. The message names the plan
            field and the file.
    """
    if not has_dicom(plan):
        raise PlanDicomError("no course gives dicom files (courses[].dicom)")
    library = alpha_beta_library or load_alpha_beta_library()
    table = constraint_table or load_constraint_table()
    base = Path(base_dir)
    requested = plan.summation_method
    if requested not in (None, "voxel_eqd2", "dvh_eqd2"):
        raise PlanDicomError(
            f"summation_method: {requested!r} cannot be used with DICOM courses; use "
            "'voxel_eqd2' (voxel-wise EQD2 sum), 'dvh_eqd2' (sum of each course's EQD2 DVH "
            "metrics) or leave it out"
        )
    files = _Files()
    course_files: list[CourseFiles] = []
    curves: list[DvhCurve] = []
    notes: list[str] = []
    unavailable: list[DicomUnavailable] = []
    new_doses: dict[int, list[OrganDose]] = {}
    grids: dict[int, DoseGrid] = {}
    course_rois: dict[int, dict[str, Structure]] = {}
    cache: dict[_DvhKey, dvh.DVH] = {}

    for i, course in enumerate(plan.courses):
        if course.dicom is None:
            continue
        where = f"courses[{i}].dicom"
        dose_path = _resolve(base, course.dicom.dose)
        struct_path = _resolve(base, course.dicom.structures)
        grid = files.dose(dose_path, f"{where}.dose")
        rois = files.rois(struct_path, f"{where}.structures")
        if grid.dose_type != "PHYSICAL" or grid.dose_units != "GY":
            raise PlanDicomError(
                f"{where}.dose: {dose_path}: DoseType {grid.dose_type!r} in {grid.dose_units!r};"
                " a course dose must be PHYSICAL in GY to be converted to EQD2 (an EFFECTIVE "
                "dose would be converted twice)"
            )
        grids[i] = grid
        roi_map = course.dicom.roi_map if course.dicom.roi_map is not None else plan.dicom_roi_map
        if not roi_map:
            raise PlanDicomError(
                f"{where}: no ROI map: give dicom_roi_map (ROI name -> organ, e.g. "
                '{"Heart": "heart"}) or courses[i].dicom.roi_map'
            )
        found: dict[str, Structure] = {}
        names = sorted({s.name for s in rois.values()})
        for roi_name, organ in roi_map.items():
            structure = _find_roi(rois, roi_name)
            metrics = dicom_metrics(plan, organ, table)
            if structure is None:
                reason = (
                    f"ROI {roi_name!r} is not (or not uniquely) in {struct_path} "
                    f"(ROIs: {', '.join(names)})"
                )
                unavailable += [
                    DicomUnavailable(course_index=i, organ=organ, metric=m, reason=reason)
                    for m in metrics
                ]
                notes.append(f"{where}: {reason}")
                continue
            if structure.frame_of_reference_uid != grid.frame_of_reference_uid:
                raise PlanDicomError(
                    f"{where}: {structure.label} is in frame of reference "
                    f"{structure.frame_of_reference_uid}, but {dose_path} is in "
                    f"{grid.frame_of_reference_uid}; a course's dose and structures must share "
                    "a frame of reference"
                )
            found[organ] = structure
            existing = {(d.organ, d.metric) for d in course.organ_doses or []}
            for metric in metrics:
                if (organ, metric) in existing:
                    raise PlanDicomError(
                        f"courses[{i}].organ_doses gives {organ} {metric} and courses[{i}].dicom "
                        f"also yields it (ROI {roi_name!r}): contradictory sources; remove one"
                    )
                dose, why = _course_metric(
                    plan,
                    i,
                    course,
                    grid,
                    structure,
                    organ,
                    metric,
                    library,
                    table,
                    curves,
                    cache,
                )
                if dose is None:
                    unavailable.append(
                        DicomUnavailable(
                            course_index=i, organ=organ, metric=metric, reason=why or "unknown"
                        )
                    )
                else:
                    new_doses.setdefault(i, []).append(dose)
        course_rois[i] = found
        course_files.append(
            CourseFiles(
                course_index=i,
                label=course.label,
                dose_path=str(dose_path),
                structures_path=str(struct_path),
                frame_of_reference_uid=grid.frame_of_reference_uid,
                max_physical_dose_gy=float(grid.dose_gy.max()),
                rois={o: s.name for o, s in found.items()},
            )
        )

    # ---------------------------------------------------------------- summation method
    dicom_idx = [i for i, c in enumerate(plan.courses) if c.dicom is not None]
    without = [i for i, c in enumerate(plan.courses) if c.dicom is None]
    accumulations: list[accumulate.Accumulation] = []
    cumulative: list[CumulativeOrganDose] = []
    if requested == "dvh_eqd2":
        method = "dvh_eqd2"
        detail = (
            "summation_method 'dvh_eqd2' stated in the plan: each course's EQD2 DVH metric is "
            "summed; the dose grids are not summed voxel by voxel"
        )
    elif len(dicom_idx) >= 2 and not without:
        method = "voxel_eqd2"
        accumulations, cumulative, detail = _accumulate(
            plan, grids, course_rois, library, table, curves, notes
        )
    else:
        why = (
            f"{', '.join(f'courses[{i}]' for i in without)} give(s) no DICOM"
            if without
            else "only one course gives DICOM"
        )
        if requested == "voxel_eqd2":
            raise PlanDicomError(
                f"summation_method 'voxel_eqd2' needs every course's dose grid, but {why}; "
                "give their dicom, or state summation_method 'dvh_eqd2'"
            )
        method = "dvh_eqd2"
        detail = f"no voxel-wise sum ({why}): the courses' EQD2 doses are summed per organ"

    # ---------------------------------------------------------------- the enriched plan
    data = plan.model_dump(exclude_unset=True, mode="json")
    for i, doses in new_doses.items():
        course_data = data["courses"][i]
        course_data["organ_doses"] = list(course_data.get("organ_doses") or []) + [
            d.model_dump(exclude_none=True, mode="json") for d in doses
        ]
    for i in dicom_idx:  # a DICOM course with nothing computable records no organ dose
        data["courses"][i].setdefault("organ_doses", None)
    data["summation_method"] = method
    data["dicom_derived"] = DicomDerived(
        summation_method=method,
        detail=detail,
        cumulative=cumulative,
        unavailable=unavailable,
    ).model_dump(mode="json")
    enriched = ReirradiationPlan.model_validate(data)
    return DicomReading(
        plan=enriched,
        courses=tuple(course_files),
        accumulations=tuple(accumulations),
        curves=tuple(curves),
        notes=tuple(dict.fromkeys(notes)),
    )


def _course_metric(
    plan: ReirradiationPlan,
    i: int,
    course: ReirradiationCourse,
    grid: DoseGrid,
    structure: Structure,
    organ: str,
    metric: str,
    library: AlphaBetaLibrary,
    table: ConstraintTable,
    curves: list[DvhCurve],
    cache: dict[_DvhKey, dvh.DVH],
) -> tuple[OrganDose | None, str | None]:
    """One course's EQD2 DVH metric for an organ, or (None, reason)."""
    if course.fractions is None:
        return None, f"courses[{i}].fractions is not recorded: a voxel-wise EQD2 needs it"
    alpha_beta, _, _ = resolve_alpha_beta(plan, organ, metric, library, table)
    if alpha_beta is None:
        return None, (
            f"no α/β for organ {organ!r}; state organ_parameters[organ={organ}, "
            f"metric={metric}].alpha_beta_gy"
        )
    try:
        h_eqd2 = _dvh(cache, grid, structure, dvh.Eqd2(course.fractions, alpha_beta))
        h_phys = _dvh(cache, grid, structure, None)
        value = _metric(h_eqd2, metric)
        physical = _metric(h_phys, metric)
    except (dvh.DVHError, ValueError) as exc:
        return None, str(exc)
    name = f"{_course_name(i, course)} {course.fractions} fx"
    if not any(
        c.organ == organ and c.course == name and c.alpha_beta_gy == alpha_beta for c in curves
    ):
        curves.append(_curve(h_eqd2, organ, name, alpha_beta))
    source = (
        f"DICOM: ROI {structure.name!r} ({structure.source}) on {grid.source}, accurate-mode "
        f"DVH of EQD2 (α/β {alpha_beta:g} Gy, {course.fractions} fractions, per voxel); "
        f"{_metric_words(metric)}; volume {h_eqd2.volume_cc:.2f} cc"
    )
    if h_eqd2.volume_outside_dose_grid_cc > 0:
        source += f"; {h_eqd2.volume_outside_dose_grid_cc:.2f} cc outside the dose grid not counted"
    return (
        OrganDose(
            organ=organ,
            metric=metric,
            dose_gy=value,
            quantity="eqd2",
            alpha_beta_gy=alpha_beta,
            physical_dose_gy=physical,
            source=source,
        ),
        None,
    )


_DvhKey = tuple[int, str, int, int | None, float | None]


def _dvh(
    cache: dict[_DvhKey, dvh.DVH], grid: DoseGrid, structure: Structure, eqd2: dvh.Eqd2 | None
) -> dvh.DVH:
    """Accurate-mode DVH, computed once per grid, ROI and EQD2 conversion."""
    key = (
        id(grid),
        structure.source,
        structure.number,
        None if eqd2 is None else eqd2.fractions,
        None if eqd2 is None else eqd2.alpha_beta_gy,
    )
    if key not in cache:
        cache[key] = dvh.compute(grid, structure, eqd2=eqd2)
    return cache[key]


def _accumulate(
    plan: ReirradiationPlan,
    grids: dict[int, DoseGrid],
    course_rois: dict[int, dict[str, Structure]],
    library: AlphaBetaLibrary,
    table: ConstraintTable,
    curves: list[DvhCurve],
    notes: list[str],
) -> tuple[list[accumulate.Accumulation], list[CumulativeOrganDose], str]:
    """Voxel-wise EQD2 sums (one per α/β and recovery) and the cumulative DVH metrics."""
    courses = plan.courses
    order = [i for i, c in enumerate(courses) if c.when == "prior"] + [
        i for i, c in enumerate(courses) if c.when == "planned"
    ]
    target = order[-1]
    target_dicom = courses[target].dicom
    assert target_dicom is not None
    if target_dicom.registration is not None:
        raise PlanDicomError(
            f"courses[{target}].dicom.registration must be null: this course (the most recent "
            "planned one) gives the grid and frame of reference the courses are summed in"
        )
    t_grid = grids[target]
    for i in order[:-1]:
        c_dicom = courses[i].dicom
        assert c_dicom is not None
        if (
            grids[i].frame_of_reference_uid != t_grid.frame_of_reference_uid
            and c_dicom.registration is None
        ):
            raise PlanDicomError(
                f"courses[{i}].dicom: {grids[i].source} is in frame of reference "
                f"{grids[i].frame_of_reference_uid}, but the summation grid (courses[{target}], "
                f"{t_grid.source}) is in {t_grid.frame_of_reference_uid}; refusing a voxel-wise "
                f"sum without a registration: give courses[{i}].dicom.registration (4×4 rigid "
                "matrix into the summation grid's frame), or state summation_method 'dvh_eqd2'"
            )

    # the organs and metrics summed: those contoured on the summation grid's structure set
    groups: dict[tuple[float, float, str | None], list[tuple[str, str]]] = {}
    out: list[CumulativeOrganDose] = []
    target_map = target_dicom.roi_map if target_dicom.roi_map is not None else plan.dicom_roi_map
    for organ in dict.fromkeys(target_map.values()):
        for metric in dicom_metrics(plan, organ, table):
            alpha_beta, _, _ = resolve_alpha_beta(plan, organ, metric, library, table)
            recovery, _, _, rationale = resolve_recovery(plan, organ, metric)
            if alpha_beta is None:
                continue  # evaluate reports the missing α/β
            reason = _sum_refusal(organ, metric, recovery, rationale, target, course_rois)
            if reason is not None:
                out.append(
                    CumulativeOrganDose(
                        organ=organ,
                        metric=metric,
                        alpha_beta_gy=alpha_beta,
                        recovery_fraction_of_prior=recovery,
                        source="voxel-wise EQD2 sum",
                        reason=reason,
                    )
                )
                continue
            groups.setdefault((alpha_beta, recovery, rationale), []).append((organ, metric))

    accumulations: list[accumulate.Accumulation] = []
    for (alpha_beta, recovery, rationale), keys in groups.items():
        acc_courses = []
        for i in order:
            c = courses[i]
            c_dicom = c.dicom
            assert c_dicom is not None and c.fractions is not None
            prior = c.when == "prior"
            acc_courses.append(
                accumulate.Course(
                    dose=grids[i],
                    fractions=c.fractions,
                    label=f"courses[{i}]" + (f" {c.label}" if c.label else ""),
                    recovery_fraction=recovery if prior else 0.0,
                    recovery_rationale=(rationale or "") if prior and recovery > 0 else "",
                    registration=None
                    if c_dicom.registration is None
                    else np.asarray(c_dicom.registration, dtype=np.float64),
                )
            )
        try:
            acc = accumulate.sum_eqd2(acc_courses, alpha_beta_gy=alpha_beta)
        except accumulate.AccumulationError as exc:
            raise PlanDicomError(f"voxel-wise EQD2 sum (α/β {alpha_beta:g} Gy): {exc}") from exc
        accumulations.append(acc)
        notes.extend(acc.notes)
        for organ, metric in keys:
            structure = course_rois[target][organ]
            try:
                h = dvh.compute(acc.dose, structure)
                value = _metric(h, metric)
            except (dvh.DVHError, ValueError) as exc:
                out.append(
                    CumulativeOrganDose(
                        organ=organ,
                        metric=metric,
                        alpha_beta_gy=alpha_beta,
                        recovery_fraction_of_prior=recovery,
                        source="voxel-wise EQD2 sum",
                        reason=str(exc),
                    )
                )
                continue
            if not any(
                c.organ == organ and c.course == "cumulative" and c.alpha_beta_gy == alpha_beta
                for c in curves
            ):
                curves.append(_curve(h, organ, "cumulative", alpha_beta))
            rec = (
                f"recovery {recovery:.0%} of prior courses (stated: {rationale})"
                if recovery > 0
                else "no recovery of prior courses"
            )
            regs = [
                f"courses[{i}]"
                for i in order
                if (d := courses[i].dicom) is not None and d.registration is not None
            ]
            out.append(
                CumulativeOrganDose(
                    organ=organ,
                    metric=metric,
                    eqd2_gy=value,
                    alpha_beta_gy=alpha_beta,
                    recovery_fraction_of_prior=recovery,
                    source=(
                        f"voxel-wise EQD2 sum of {', '.join(f'courses[{i}]' for i in order)} "
                        f"on the grid of courses[{target}] ({t_grid.source}), α/β "
                        f"{alpha_beta:g} Gy, {rec}, trilinear resampling of physical dose"
                        + (f", rigid registration of {', '.join(regs)}" if regs else "")
                        + f"; {metric} of ROI {structure.name!r} ({structure.source}) in the "
                        + (
                            "summed EQD2 (mean of voxel EQD2)"
                            if metric == "Dmean"
                            else f"summed EQD2 ({_metric_words(metric).split('= ')[-1]})"
                        )
                    ),
                )
            )
    detail = (
        f"voxel-wise EQD2 sum of every course on the grid of courses[{target}] "
        f"({t_grid.source}), one sum per α/β ({', '.join(f'{a:g} Gy' for a, _, _ in groups)})"
        if groups
        else "voxel-wise EQD2 sum: no organ could be summed (see the organ reasons)"
    )
    return accumulations, out, detail


def _sum_refusal(
    organ: str,
    metric: str,
    recovery: float,
    rationale: str | None,
    target: int,
    course_rois: dict[int, dict[str, Structure]],
) -> str | None:
    if organ not in course_rois.get(target, {}):
        return (
            f"the organ {organ!r} has no ROI in the structure set of courses[{target}], on "
            "whose grid and anatomy the courses are summed"
        )
    if recovery >= 1.0:
        return (
            f"a recovery of {recovery:.0%} of prior dose would discard the prior courses; the "
            "voxel-wise sum accepts a recovery below 100 %"
        )
    if recovery > 0 and not (rationale or "").strip():
        return (
            f"recovery_fraction_of_prior {recovery:g} is stated without recovery_rationale (or "
            f"organ_parameters[organ={organ}, metric={metric}].rationale); the voxel-wise sum "
            "applies a recovery only with its stated rationale"
        )
    return None


def assess(
    plan: ReirradiationPlan,
    base_dir: str | Path,
    *,
    alpha_beta_library: AlphaBetaLibrary | None = None,
    constraint_table: ConstraintTable | None = None,
) -> tuple[ReirradiationResult, DicomReading]:
    """Read the plan's DICOM (:func:`read_plan_dicom`) and evaluate the enriched plan."""
    library = alpha_beta_library or load_alpha_beta_library()
    table = constraint_table or load_constraint_table()
    reading = read_plan_dicom(plan, base_dir, alpha_beta_library=library, constraint_table=table)
    result = evaluate(reading.plan, alpha_beta_library=library, constraint_table=table)
    return result, reading


def write_sums(reading: DicomReading, path: str | Path) -> list[Path]:
    """Write each voxel-wise EQD2 sum as an RTDOSE (EFFECTIVE, MULTI_PLAN).

    One sum is written to ``path``. Several (organs with different α/β or recovery) are
    written next to it as ``<stem>_ab<α/β>[_rec<r>]<suffix>``.
    """
    if not reading.accumulations:
        raise PlanDicomError(
            "--write-sum: no voxel-wise EQD2 sum was made "
            f"({reading.plan.dicom_derived.detail if reading.plan.dicom_derived else 'no DICOM'})"
        )
    target = Path(path)
    written: list[Path] = []
    many = len(reading.accumulations) > 1
    for acc in reading.accumulations:
        recovery = max(c.recovery_fraction for c in acc.courses)
        out = target
        if many:
            tag = f"_ab{acc.alpha_beta_gy:g}" + (f"_rec{recovery:g}" if recovery else "")
            out = target.with_name(f"{target.stem}{tag}{target.suffix}")
        written.append(accumulate.write(acc, out))
    return written
