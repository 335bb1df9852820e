"""Voxel-wise EQD2 accumulation of two or more radiotherapy courses on a common grid.

Method (reirradiation.md §2; ESTRO-EORTC reporting asks for the summation method, α/β and
any recovery assumption to be stated, Andratschke et al., Lancet Oncol 2022):

1. Each course's physical dose is resampled onto the target grid (by default the grid of the
   most recent course, the last in the list) by trilinear interpolation. Courses must share
   the target's FrameOfReferenceUID or come with an explicit 4×4 rigid registration matrix
   mapping the course's patient coordinates into the target's; otherwise the sum is refused.
2. Each voxel's physical dose ``D_v`` of a course of ``n`` fractions is converted to
   ``EQD2_v = D_v·(D_v/n + α/β)/(2 + α/β)`` (:func:`breastcds.dose.lq.voxel_eqd2`).
3. An optional recovery fraction ``r`` stated by the user (with its rationale) scales that
   course's EQD2 by ``1 - r``; it is an assumption, never applied by default.
4. The EQD2 of all courses is summed. The result is an EFFECTIVE dose (DICOM DoseType) that
   records every course, the α/β, the recovery and the registration used.

Pure functions over numpy arrays; :func:`write` is the only I/O (via :mod:`.dicom`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, TypeAlias

import numpy as np
import numpy.typing as npt

from breastcds.dose import lq
from breastcds.dose.dicom import DoseGrid, write_dose

__all__ = [
    "Accumulation",
    "AccumulationError",
    "Course",
    "CourseRecord",
    "resample",
    "sum_eqd2",
    "write",
]

FloatArray: TypeAlias = npt.NDArray[np.float64]
Outside: TypeAlias = Literal["raise", "zero"]

#: Tolerances for a registration matrix to count as rigid (orthonormal rotation, det +1,
#: last row 0 0 0 1), dimensionless.
_RIGID_TOL = 1e-4
#: A single-frame source grid covers target planes within this distance (mm) of its plane
#: (dicompyler-core's frame threshold, dicomparser.GetDoseGrid).
_SINGLE_FRAME_TOL_MM = 0.5


class AccumulationError(ValueError):
    """Courses cannot be summed; the message names the course and the problem."""


@dataclass(frozen=True, eq=False)
class Course:
    """One radiotherapy course to accumulate.

    ``registration``: 4×4 rigid matrix mapping this course's patient coordinates (mm) into the
    target grid's patient coordinates, ``p_target = M @ p_course`` (the direction of a DICOM
    Spatial Registration's Frame of Reference Transformation Matrix from this course's frame
    into the target's). ``recovery_fraction`` (0 ≤ r < 1) discounts this course's EQD2 by
    ``1 - r``; it must come with ``recovery_rationale`` (e.g. the source the user relies on).
    """

    dose: DoseGrid
    fractions: int
    label: str = ""
    recovery_fraction: float = 0.0
    recovery_rationale: str = ""
    registration: FloatArray | None = None

    @property
    def name(self) -> str:
        return self.label or self.dose.source


@dataclass(frozen=True)
class CourseRecord:
    """What was done with one course (for the report and the RTDOSE comment)."""

    label: str
    source: str
    fractions: int
    frame_of_reference_uid: str
    recovery_fraction: float
    recovery_rationale: str
    registration: tuple[tuple[float, ...], ...] | None
    resampled: bool
    voxels_outside_course_grid: int
    max_physical_gy: float
    max_eqd2_gy: float


@dataclass(frozen=True, eq=False)
class Accumulation:
    """Accumulated EQD2 on the target grid, with the provenance of every course."""

    dose: DoseGrid
    alpha_beta_gy: float
    courses: tuple[CourseRecord, ...]
    notes: tuple[str, ...] = field(default=())

    def describe(self) -> str:
        """Human-readable provenance (written to the RTDOSE ImageComments)."""
        lines = [
            f"Voxel-wise EQD2 sum of {len(self.courses)} courses, alpha/beta "
            f"{self.alpha_beta_gy:g} Gy, LQ model with full repair between fractions, "
            "trilinear resampling of physical dose onto the target grid before conversion."
        ]
        for i, c in enumerate(self.courses, 1):
            rec = (
                f"recovery {100 * c.recovery_fraction:g}% ({c.recovery_rationale})"
                if c.recovery_fraction
                else "no recovery assumed"
            )
            reg = "registration matrix applied" if c.registration is not None else "same frame"
            lines.append(
                f"Course {i} '{c.label}': {c.fractions} fractions, {rec}, {reg}, "
                f"max physical {c.max_physical_gy:.2f} Gy, max EQD2 {c.max_eqd2_gy:.2f} Gy"
            )
        lines.extend(self.notes)
        return "\n".join(lines)


# --------------------------------------------------------------------------- geometry


def _check_rigid(matrix: FloatArray, course: str) -> FloatArray:
    m = np.asarray(matrix, dtype=np.float64)
    if m.shape != (4, 4) or not np.all(np.isfinite(m)):
        raise AccumulationError(
            f"course '{course}': registration must be a finite 4×4 matrix, got shape {m.shape}"
        )
    if not np.allclose(m[3], [0, 0, 0, 1], atol=_RIGID_TOL):
        raise AccumulationError(
            f"course '{course}': registration last row is {m[3].tolist()}, expected [0, 0, 0, 1]"
        )
    rot = m[:3, :3]
    if not np.allclose(rot.T @ rot, np.eye(3), atol=_RIGID_TOL) or np.linalg.det(rot) <= 0:
        raise AccumulationError(
            f"course '{course}': registration is not rigid (its 3×3 part is not a rotation: "
            f"det {np.linalg.det(rot):.6g}); deformable or scaling registrations are not "
            "supported"
        )
    return m


def _target_axes(target: DoseGrid) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Patient position (mm) of target columns, rows and frames as direction × coordinate."""
    dr, dc = target.pixel_spacing_mm
    _, rows, cols = target.shape
    return (
        np.arange(cols, dtype=np.float64) * dc,
        np.arange(rows, dtype=np.float64) * dr,
        np.asarray(target.frame_offsets_mm, dtype=np.float64),
    )


def _frame_index(offsets: FloatArray, d: FloatArray) -> FloatArray:
    """Fractional frame index for offsets ``d`` along the source normal (monotonic offsets)."""
    idx = np.arange(offsets.size, dtype=np.float64)
    if offsets.size == 1:
        return np.where(np.fabs(d - offsets[0]) <= _SINGLE_FRAME_TOL_MM, 0.0, np.nan)
    if offsets[-1] < offsets[0]:
        offsets, idx = offsets[::-1], idx[::-1]
    out = np.interp(d, offsets, idx)
    step = float(np.min(np.fabs(np.diff(offsets))))
    below = d < offsets[0] - step / 2
    above = d > offsets[-1] + step / 2
    return np.where(below | above, np.nan, out)


def _interp_axis(a: FloatArray, idx: FloatArray, axis: int) -> FloatArray:
    """Linear interpolation of ``a`` along ``axis`` at fractional indices (clamped)."""
    n = a.shape[axis]
    if n == 1:
        return np.repeat(a, idx.size, axis=axis)
    i = np.clip(idx, 0.0, n - 1.0)
    i0 = np.minimum(np.floor(i).astype(np.int64), n - 2)
    w = i - i0
    shape = [1, 1, 1]
    shape[axis] = idx.size
    w = w.reshape(shape)
    return np.asarray(
        (1.0 - w) * np.take(a, i0, axis=axis) + w * np.take(a, i0 + 1, axis=axis),
        dtype=np.float64,
    )


def resample(
    source: DoseGrid,
    target: DoseGrid,
    *,
    registration: FloatArray | None = None,
    outside: Outside = "raise",
    label: str = "",
) -> tuple[FloatArray, int]:
    """Trilinear resampling of ``source.dose_gy`` onto ``target``'s voxels.

    ``registration`` maps source patient coordinates into target coordinates. Target voxels
    within half a voxel of the source grid's outermost samples take the nearest edge value;
    farther out they are outside: ``outside="raise"`` refuses, ``"zero"`` sets them to 0 Gy
    (an assumption the caller must state). Returns (dose on target grid, voxels outside).
    """
    name = label or source.source
    m = np.eye(4) if registration is None else _check_rigid(registration, name)
    if registration is None and source.same_geometry(target):
        return np.array(source.dose_gy, dtype=np.float64, copy=True), 0
    inv = np.linalg.inv(m)
    s_dr, s_dc = source.pixel_spacing_mm
    s_origin = np.asarray(source.origin_mm)
    s_axes = np.stack(
        [
            np.asarray(source.row_cosine) / s_dc,
            np.asarray(source.column_cosine) / s_dr,
            source.normal,
        ]
    )  # rows: column index per mm, row index per mm, offset mm per mm
    t_axes = np.stack(
        [np.asarray(target.row_cosine), np.asarray(target.column_cosine), target.normal]
    )
    # source (col idx, row idx, offset) = A @ (target col mm, row mm, offset mm) + b
    a = s_axes @ inv[:3, :3] @ t_axes.T
    b = s_axes @ (inv[:3, :3] @ np.asarray(target.origin_mm) + inv[:3, 3] - s_origin)
    tc, tr, tf = _target_axes(target)
    _, s_rows, s_cols = source.shape
    off = np.abs(a - np.diag(np.diag(a)))
    if np.all(off < 1e-9):
        # axes parallel: three separable 1-D interpolations
        ci = a[0, 0] * tc + b[0]
        ri = a[1, 1] * tr + b[1]
        fi = _frame_index(np.asarray(source.frame_offsets_mm), a[2, 2] * tf + b[2])
        bad_c = (ci < -0.5) | (ci > s_cols - 0.5)
        bad_r = (ri < -0.5) | (ri > s_rows - 0.5)
        bad_f = np.isnan(fi)
        out = _interp_axis(source.dose_gy, np.nan_to_num(fi), 0)
        out = _interp_axis(out, ri, 1)
        out = _interp_axis(out, ci, 2)
        bad = bad_f[:, None, None] | bad_r[None, :, None] | bad_c[None, None, :]
    else:
        from scipy.ndimage import map_coordinates

        frames, rows, cols = target.shape
        out = np.empty(target.shape)
        bad = np.zeros(target.shape, dtype=bool)
        cc, rr = np.meshgrid(tc, tr)
        for f in range(frames):
            pts = np.stack([cc.ravel(), rr.ravel(), np.full(cc.size, tf[f])])
            src = a @ pts + b[:, None]
            fi = _frame_index(np.asarray(source.frame_offsets_mm), src[2])
            bad_f = (
                np.isnan(fi)
                | (src[0] < -0.5)
                | (src[0] > s_cols - 0.5)
                | (src[1] < -0.5)
                | (src[1] > s_rows - 0.5)
            )
            coords = np.stack([np.nan_to_num(fi), src[1], src[0]])
            vals = map_coordinates(source.dose_gy, coords, order=1, mode="nearest")
            out[f] = vals.reshape(rows, cols)
            bad[f] = bad_f.reshape(rows, cols)
    n_bad = int(bad.sum())
    if n_bad:
        if outside == "raise":
            raise AccumulationError(
                f"course '{name}': {n_bad} of {bad.size} target voxels lie outside its dose "
                "grid; its dose there is unknown — pass outside='zero' to assume 0 Gy there "
                "(state it), or use a target grid inside every course's grid"
            )
        out = np.where(bad, 0.0, out)
    return np.asarray(out, dtype=np.float64), n_bad


# --------------------------------------------------------------------------- summation


def _check_course(course: Course, target: DoseGrid) -> None:
    name = course.name
    if isinstance(course.fractions, bool) or int(course.fractions) != course.fractions:
        raise AccumulationError(f"course '{name}': fractions must be a whole number")
    if course.fractions < 1:
        raise AccumulationError(f"course '{name}': fractions must be >= 1, got {course.fractions}")
    if course.dose.dose_units != "GY" or course.dose.dose_type != "PHYSICAL":
        raise AccumulationError(
            f"course '{name}': dose must be PHYSICAL in GY to convert to EQD2, got "
            f"{course.dose.dose_type} in {course.dose.dose_units}"
        )
    r = course.recovery_fraction
    if not (math.isfinite(r) and 0.0 <= r < 1.0):
        raise AccumulationError(f"course '{name}': recovery_fraction must be in [0, 1), got {r!r}")
    if r > 0 and not course.recovery_rationale.strip():
        raise AccumulationError(
            f"course '{name}': a recovery fraction of {r:g} needs a stated rationale "
            "(recovery is an assumption, applied only when the user states it)"
        )
    if (
        course.dose.frame_of_reference_uid != target.frame_of_reference_uid
        and course.registration is None
    ):
        raise AccumulationError(
            f"course '{name}' is in frame of reference {course.dose.frame_of_reference_uid} "
            f"but the target grid is in {target.frame_of_reference_uid}; refusing to sum "
            "without an explicit 4×4 rigid registration matrix for this course"
        )


def sum_eqd2(
    courses: Sequence[Course],
    *,
    alpha_beta_gy: float,
    target: DoseGrid | None = None,
    outside: Outside = "raise",
) -> Accumulation:
    """Sum courses voxel-wise in EQD2 on a common grid (see module docstring).

    Args:
        courses: two or more courses, chronological; each with its own fraction number.
        alpha_beta_gy: α/β (Gy) of the tissue the sum is for (state it with every result).
        target: grid to sum on; default the last (most recent) course's grid.
        outside: ``"raise"`` (default) when a target voxel lies outside a course's grid, or
            ``"zero"`` to assume 0 Gy there (recorded in the notes).
    """
    if len(courses) < 2:
        raise AccumulationError(f"accumulation needs two or more courses, got {len(courses)}")
    if not (math.isfinite(alpha_beta_gy) and alpha_beta_gy > 0):
        raise AccumulationError(f"alpha_beta_gy must be > 0 Gy, got {alpha_beta_gy!r}")
    grid = target if target is not None else courses[-1].dose
    for c in courses:
        _check_course(c, grid)
    total = np.zeros(grid.shape, dtype=np.float64)
    records: list[CourseRecord] = []
    notes: list[str] = []
    for c in courses:
        phys, n_bad = resample(
            c.dose, grid, registration=c.registration, outside=outside, label=c.name
        )
        if n_bad:
            notes.append(
                f"Course '{c.name}': {n_bad} target voxels outside its dose grid were assumed "
                "to receive 0 Gy."
            )
        eq = lq.voxel_eqd2(phys, int(c.fractions), alpha_beta_gy)
        if c.recovery_fraction:
            eq = eq * (1.0 - c.recovery_fraction)
        total += eq
        reg = (
            None
            if c.registration is None
            else tuple(tuple(float(v) for v in row) for row in np.asarray(c.registration))
        )
        records.append(
            CourseRecord(
                label=c.name,
                source=c.dose.source,
                fractions=int(c.fractions),
                frame_of_reference_uid=c.dose.frame_of_reference_uid,
                recovery_fraction=float(c.recovery_fraction),
                recovery_rationale=c.recovery_rationale,
                registration=reg,
                resampled=not (c.registration is None and c.dose.same_geometry(grid)),
                voxels_outside_course_grid=n_bad,
                max_physical_gy=float(phys.max()),
                max_eqd2_gy=float(eq.max()),
            )
        )
    comment = f"EQD2 sum a/b {alpha_beta_gy:g} Gy, {len(courses)} courses"
    summed = grid.with_dose(
        total,
        dose_type="EFFECTIVE",
        summation_type="MULTI_PLAN",
        source="<accumulated EQD2>",
        comment=comment,
    )
    return Accumulation(
        dose=summed, alpha_beta_gy=float(alpha_beta_gy), courses=tuple(records), notes=tuple(notes)
    )


def write(accumulation: Accumulation, path: str | Path) -> Path:
    """Write the accumulated EQD2 as a DICOM RTDOSE (DoseType EFFECTIVE, MULTI_PLAN)."""
    return write_dose(
        accumulation.dose,
        path,
        series_description="breastcds cumulative EQD2",
        dose_comment=accumulation.dose.comment,
        image_comments=accumulation.describe(),
    )
