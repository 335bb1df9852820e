"""DICOM RT adapters: read RTDOSE / RTSTRUCT into plain typed objects, write RTDOSE.

This is the I/O edge of the radiotherapy package. Everything it returns is a frozen
dataclass over numpy arrays (:class:`DoseGrid`, :class:`Structure`); the DVH and
accumulation code never touches pydicom.

Standard references (DICOM PS3.3, Information Object Definitions):

* RT Dose Module, §C.8.8.3: DoseUnits (3004,0002) ``GY`` | ``RELATIVE``; DoseType (3004,0004)
  ``PHYSICAL`` | ``EFFECTIVE`` | ``ERROR``; DoseGridScaling (3004,000E) converts stored pixel
  values to dose in DoseUnits.
* Grid Frame Offset Vector (3004,000C), §C.8.8.3.2: monotonic; relative offsets along the
  normal (row × column direction) when the first element is 0, absolute patient z when the
  first element equals the z of ImagePositionPatient and ImageOrientationPatient is
  ``1\\0\\0\\0\\1\\0``.
* Image Plane Module, §C.7.6.2: ImagePositionPatient (0020,0032) is the centre of the first
  pixel (mm); ImageOrientationPatient (0020,0037) gives the row and column direction cosines;
  PixelSpacing (0028,0030) is ``[row spacing, column spacing]`` (mm).
* Structure Set / ROI Contour Modules, §C.8.8.5-6: ContourData (3006,0050) is a flat list of
  x\\y\\z triplets in mm; ``CLOSED_PLANAR`` contours are polygons; several contours on one
  plane are combined with exclusive-or (a contour inside another is a hole), as
  dicompyler-core does.

Every reading error raises :class:`DicomRTError`, whose message names the file, the element
and the problem.
"""

from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeAlias

import numpy as np
import numpy.typing as npt
import pydicom
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import UID, ExplicitVRLittleEndian, generate_uid

__all__ = [
    "RT_DOSE_STORAGE",
    "RT_STRUCTURE_SET_STORAGE",
    "DicomRTError",
    "DoseGrid",
    "Plane",
    "Structure",
    "check_frame_of_reference",
    "read_dose",
    "read_structures",
    "write_dose",
]

FloatArray: TypeAlias = npt.NDArray[np.float64]
Vec3: TypeAlias = tuple[float, float, float]

RT_DOSE_STORAGE = UID("1.2.840.10008.5.1.4.1.1.481.2")
RT_STRUCTURE_SET_STORAGE = UID("1.2.840.10008.5.1.4.1.1.481.3")

#: Tolerance for direction cosines being unit length / orthogonal / axial (dimensionless).
_COSINE_TOL = 1e-4
#: Contour points of one planar contour may differ in z by at most this (mm).
_PLANAR_TOL_MM = 0.05
#: Absolute GridFrameOffsetVector: first element must equal IPP z within this (mm).
_ABS_OFFSET_TOL_MM = 1e-3

#: Identifying attributes copied from a source RTDOSE so a written RTDOSE stays in its
#: patient/study (Patient, General Study, Frame of Reference modules).
_IDENTIFIERS = (
    "PatientName",
    "PatientID",
    "PatientBirthDate",
    "PatientSex",
    "StudyInstanceUID",
    "StudyID",
    "StudyDate",
    "StudyTime",
    "ReferringPhysicianName",
    "AccessionNumber",
    "PositionReferenceIndicator",
)


class DicomRTError(ValueError):
    """A DICOM RT file is unusable; the message names the file, the element and the problem."""

    def __init__(self, path: str | Path, problem: str) -> None:
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")


# --------------------------------------------------------------------------- data objects


@dataclass(frozen=True, eq=False)
class DoseGrid:
    """A dose distribution on a rectangular grid (DICOM RT Dose, PS3.3 §C.8.8.3).

    ``dose_gy[f, r, c]`` is the dose (Gy) at the centre of pixel row ``r``, column ``c`` of
    frame ``f``. Its patient position (mm) is
    ``origin_mm + c·Δc·row_cosine + r·Δr·column_cosine + frame_offsets_mm[f]·normal``
    with ``(Δr, Δc) = pixel_spacing_mm`` and ``normal = row_cosine × column_cosine``.
    """

    dose_gy: FloatArray
    origin_mm: Vec3
    row_cosine: Vec3
    column_cosine: Vec3
    pixel_spacing_mm: tuple[float, float]
    frame_offsets_mm: FloatArray
    frame_of_reference_uid: str
    dose_units: str = "GY"
    dose_type: str = "PHYSICAL"
    summation_type: str = "PLAN"
    source: str = "<memory>"
    identifiers: Mapping[str, str] = field(default_factory=dict)
    comment: str = ""

    @property
    def shape(self) -> tuple[int, int, int]:
        """(frames, rows, columns)."""
        f, r, c = self.dose_gy.shape
        return int(f), int(r), int(c)

    @property
    def normal(self) -> FloatArray:
        """Unit normal of the dose planes, ``row_cosine × column_cosine``."""
        return np.cross(np.asarray(self.row_cosine), np.asarray(self.column_cosine))

    @property
    def frame_z_mm(self) -> FloatArray:
        """Patient z (mm) of each frame (meaningful for axial planes)."""
        return float(self.origin_mm[2]) + self.frame_offsets_mm * float(self.normal[2])

    def affine(self) -> FloatArray:
        """4×4 matrix mapping (column, row, frame-offset mm, 1) → patient (x, y, z, 1) in mm."""
        dr, dc = self.pixel_spacing_mm
        m = np.eye(4)
        m[:3, 0] = np.asarray(self.row_cosine) * dc
        m[:3, 1] = np.asarray(self.column_cosine) * dr
        m[:3, 2] = self.normal
        m[:3, 3] = np.asarray(self.origin_mm)
        return m

    def same_geometry(self, other: DoseGrid, tol_mm: float = 1e-4) -> bool:
        """True when both grids sample exactly the same patient points."""
        return (
            self.shape == other.shape
            and np.allclose(self.origin_mm, other.origin_mm, atol=tol_mm, rtol=0)
            and np.allclose(self.row_cosine, other.row_cosine, atol=1e-9, rtol=0)
            and np.allclose(self.column_cosine, other.column_cosine, atol=1e-9, rtol=0)
            and np.allclose(self.pixel_spacing_mm, other.pixel_spacing_mm, atol=tol_mm, rtol=0)
            and np.allclose(self.frame_offsets_mm, other.frame_offsets_mm, atol=tol_mm, rtol=0)
        )

    def with_dose(self, dose_gy: FloatArray, **changes: Any) -> DoseGrid:
        """Same geometry, new dose array (and optionally other fields)."""
        if dose_gy.shape != self.dose_gy.shape:
            raise ValueError(
                f"dose array shape {dose_gy.shape} differs from grid shape {self.dose_gy.shape}"
            )
        return replace(self, dose_gy=dose_gy, **changes)


@dataclass(frozen=True, eq=False)
class Plane:
    """The closed planar contours of one ROI on one axial plane.

    ``z_mm`` is the plane's patient z rounded to 0.01 mm (the key dicompyler-core uses);
    each contour is an ``(N, 3)`` array of x, y, z points in mm.
    """

    z_mm: float
    contours: tuple[FloatArray, ...]


@dataclass(frozen=True, eq=False)
class Structure:
    """One ROI of an RT Structure Set (PS3.3 §C.8.8.5, §C.8.8.6)."""

    number: int
    name: str
    frame_of_reference_uid: str
    planes: tuple[Plane, ...]
    interpreted_type: str = ""
    source: str = "<memory>"
    ignored_contours: int = 0
    notes: tuple[str, ...] = ()  # contours set aside while reading, with the volume change

    @property
    def has_contours(self) -> bool:
        return bool(self.planes)

    @property
    def label(self) -> str:
        """``ROI <number> '<name>' in <file>`` for messages."""
        return f"ROI {self.number} '{self.name}' in {self.source}"


# --------------------------------------------------------------------------- reading helpers


def _read(path: str | Path, modality: str | None = None) -> Dataset:
    """The dataset of a DICOM file; a file without the 128-byte preamble and ``DICM`` prefix
    (and possibly without file meta) is read as ``pydicom.dcmread(force=True)`` does, and
    accepted only when its Modality (0008,0060) is the expected one."""
    p = Path(path)
    if not p.is_file():
        raise DicomRTError(p, "file not found")
    try:
        return pydicom.dcmread(p)
    except pydicom.errors.InvalidDicomError:
        pass  # no preamble / DICM prefix: try the dataset itself below
    except Exception as exc:  # pydicom raises several unrelated types for bad files
        raise DicomRTError(p, f"not a readable DICOM file ({exc})") from exc
    try:
        ds = pydicom.dcmread(p, force=True)
        found = ds.get("Modality", None)
    except Exception as exc:
        raise DicomRTError(p, f"not a readable DICOM file ({exc})") from exc
    if modality is None or found != modality:
        raise DicomRTError(
            p,
            "not a DICOM file with a preamble, and read without one it has Modality "
            f"{found!r}, not {modality!r}",
        )
    meta = getattr(ds, "file_meta", None)
    if meta is None or "TransferSyntaxUID" not in meta:
        # No file meta: the transfer syntax pydicom detected while reading the dataset.
        ds.file_meta = meta if meta is not None else FileMetaDataset()
        implicit, little = ds.original_encoding
        ds.file_meta.TransferSyntaxUID = (
            pydicom.uid.ImplicitVRLittleEndian
            if implicit
            else (ExplicitVRLittleEndian if little else pydicom.uid.ExplicitVRBigEndian)
        )
    return ds


def _require(ds: Dataset, keyword: str, path: str | Path) -> Any:
    if keyword not in ds or ds[keyword].value is None or ds[keyword].value == "":
        tag = pydicom.datadict.tag_for_keyword(keyword)
        tag_text = f" ({tag >> 16:04X},{tag & 0xFFFF:04X})" if tag is not None else ""
        raise DicomRTError(path, f"missing {keyword}{tag_text}")
    return ds[keyword].value


def _floats(value: Any, keyword: str, n: int | None, path: str | Path) -> list[float]:
    items = list(value) if isinstance(value, Sequence | pydicom.multival.MultiValue) else [value]
    try:
        out = [float(v) for v in items]
    except (TypeError, ValueError) as exc:
        raise DicomRTError(path, f"{keyword} has non-numeric value {value!r}") from exc
    if n is not None and len(out) != n:
        raise DicomRTError(path, f"{keyword} must have {n} values, got {len(out)}: {value!r}")
    if not all(math.isfinite(v) for v in out):
        raise DicomRTError(path, f"{keyword} has a non-finite value: {value!r}")
    return out


def _check_modality(ds: Dataset, expected: str, path: str | Path) -> None:
    modality = ds.get("Modality", None)
    if modality != expected:
        raise DicomRTError(path, f"Modality (0008,0060) is {modality!r}, expected {expected!r}")


def _orientation(ds: Dataset, path: str | Path) -> tuple[Vec3, Vec3]:
    iop = _floats(_require(ds, "ImageOrientationPatient", path), "ImageOrientationPatient", 6, path)
    row = np.asarray(iop[:3])
    col = np.asarray(iop[3:])
    if (
        abs(np.linalg.norm(row) - 1) > _COSINE_TOL
        or abs(np.linalg.norm(col) - 1) > _COSINE_TOL
        or abs(float(row @ col)) > _COSINE_TOL
    ):
        raise DicomRTError(
            path,
            f"ImageOrientationPatient {iop} is not two orthogonal unit vectors",
        )
    if abs(row[2]) > _COSINE_TOL or abs(col[2]) > _COSINE_TOL:
        raise DicomRTError(
            path,
            f"ImageOrientationPatient {iop} is not axial; only transverse dose planes are "
            "supported (RTSTRUCT contours are axial)",
        )
    return (iop[0], iop[1], iop[2]), (iop[3], iop[4], iop[5])


# --------------------------------------------------------------------------- RTDOSE


def read_dose(path: str | Path) -> DoseGrid:
    """Read a DICOM RTDOSE file into a :class:`DoseGrid` (dose in Gy).

    Checks (PS3.3 §C.8.8.3): Modality ``RTDOSE``; DoseUnits ``GY`` (``RELATIVE`` refused);
    DoseType ``PHYSICAL`` or ``EFFECTIVE`` (``ERROR`` refused); DoseGridScaling present,
    finite and > 0; unsigned pixels; GridFrameOffsetVector with one monotonic value per frame,
    relative (first 0) or absolute (first = IPP z, IOP ``1\\0\\0\\0\\1\\0``); axial planes.
    """
    p = Path(path)
    ds = _read(p, "RTDOSE")
    _check_modality(ds, "RTDOSE", p)
    units = str(_require(ds, "DoseUnits", p)).upper()
    if units != "GY":
        raise DicomRTError(
            p, f"DoseUnits (3004,0002) is {units!r}; only absolute dose in 'GY' is supported"
        )
    dose_type = str(_require(ds, "DoseType", p)).upper()
    if dose_type not in ("PHYSICAL", "EFFECTIVE"):
        raise DicomRTError(
            p,
            f"DoseType (3004,0004) is {dose_type!r}; expected 'PHYSICAL' or 'EFFECTIVE'",
        )
    if "DoseGridScaling" not in ds or ds.DoseGridScaling in (None, ""):
        raise DicomRTError(p, "missing DoseGridScaling (3004,000E)")
    scaling = _floats(ds.DoseGridScaling, "DoseGridScaling", 1, p)[0]
    if scaling <= 0:
        raise DicomRTError(p, f"DoseGridScaling (3004,000E) is {scaling!r}; it must be > 0")
    if "PixelData" not in ds:
        raise DicomRTError(p, "no PixelData (7FE0,0010): the RTDOSE carries no dose grid")
    if int(ds.get("PixelRepresentation", 0)) != 0:
        raise DicomRTError(
            p,
            "PixelRepresentation (0028,0103) is 1 (signed); PHYSICAL/EFFECTIVE dose must be "
            "unsigned",
        )
    row_cos, col_cos = _orientation(ds, p)
    ipp = _floats(_require(ds, "ImagePositionPatient", p), "ImagePositionPatient", 3, p)
    spacing = _floats(_require(ds, "PixelSpacing", p), "PixelSpacing", 2, p)
    if min(spacing) <= 0:
        raise DicomRTError(p, f"PixelSpacing (0028,0030) {spacing} must be > 0")
    frames = int(ds.get("NumberOfFrames", 1) or 1)
    try:
        pixels = np.asarray(ds.pixel_array)
    except Exception as exc:
        raise DicomRTError(p, f"PixelData cannot be decoded ({exc})") from exc
    if pixels.ndim == 2:
        pixels = pixels[np.newaxis]
    if pixels.shape[0] != frames:
        raise DicomRTError(
            p, f"NumberOfFrames is {frames} but PixelData holds {pixels.shape[0]} frames"
        )
    if frames > 1 or "GridFrameOffsetVector" in ds:
        offsets = _frame_offsets(ds, frames, ipp, row_cos, col_cos, p)
    else:
        offsets = np.zeros(1)
    dose = pixels.astype(np.float64) * scaling
    uid = str(_require(ds, "FrameOfReferenceUID", p))
    identifiers = {k: str(ds.get(k, "") or "") for k in _IDENTIFIERS}
    return DoseGrid(
        dose_gy=dose,
        origin_mm=(ipp[0], ipp[1], ipp[2]),
        row_cosine=row_cos,
        column_cosine=col_cos,
        pixel_spacing_mm=(spacing[0], spacing[1]),
        frame_offsets_mm=offsets,
        frame_of_reference_uid=uid,
        dose_units=units,
        dose_type=dose_type,
        summation_type=str(ds.get("DoseSummationType", "") or ""),
        source=str(p),
        identifiers=identifiers,
        comment=str(ds.get("DoseComment", "") or ""),
    )


def _frame_offsets(
    ds: Dataset,
    frames: int,
    ipp: list[float],
    row_cos: Vec3,
    col_cos: Vec3,
    path: Path,
) -> FloatArray:
    """Relative frame offsets (mm) from GridFrameOffsetVector, PS3.3 §C.8.8.3.2."""
    if "GridFrameOffsetVector" not in ds or ds.GridFrameOffsetVector in (None, ""):
        raise DicomRTError(path, f"missing GridFrameOffsetVector (3004,000C) for {frames} frames")
    fip = ds.get("FrameIncrementPointer", None)
    if fip is not None and int(fip) != 0x3004000C:
        raise DicomRTError(
            path,
            f"FrameIncrementPointer (0028,0009) is {fip}; it must point to "
            "GridFrameOffsetVector (3004,000C)",
        )
    gfov = np.asarray(
        _floats(ds.GridFrameOffsetVector, "GridFrameOffsetVector", frames, path), dtype=float
    )
    if frames > 1:
        steps = np.diff(gfov)
        if not (np.all(steps > 0) or np.all(steps < 0)):
            raise DicomRTError(
                path, "GridFrameOffsetVector (3004,000C) does not vary strictly monotonically"
            )
    if gfov[0] == 0.0:
        return np.asarray(gfov, dtype=np.float64)
    hfs = np.allclose([*row_cos, *col_cos], [1, 0, 0, 0, 1, 0], atol=_COSINE_TOL)
    if abs(gfov[0] - ipp[2]) <= _ABS_OFFSET_TOL_MM and hfs:
        return np.asarray(gfov - gfov[0], dtype=np.float64)
    raise DicomRTError(
        path,
        f"GridFrameOffsetVector (3004,000C) starts at {float(gfov[0])!r}: neither 0 "
        f"(relative) nor the ImagePositionPatient z {ipp[2]!r} with orientation "
        "1\\0\\0\\0\\1\\0 (absolute)",
    )


# --------------------------------------------------------------------------- RTSTRUCT

_CONTOUR_DATA = 0x30060050


def _contour_values(item: Dataset, where: str, path: Path) -> FloatArray:
    """ContourData (3006,0050) as float64, parsed from the raw DS text when still raw (much
    faster than pydicom's per-value DSfloat objects)."""
    elem = item.get_item(_CONTOUR_DATA)
    value = None if elem is None else elem.value
    if isinstance(value, bytes | bytearray):
        value = bytes(value).decode("ascii", errors="replace").strip(" \x00")
    if value is None or len(value) == 0:
        return np.zeros(0, dtype=np.float64)  # the caller notes it on the ROI
    try:
        items = value.split("\\") if isinstance(value, str) else list(value)
        out = np.array(items, dtype=np.float64)
    except ValueError as exc:
        raise DicomRTError(path, f"{where}: ContourData has a non-numeric value ({exc})") from exc
    if not np.all(np.isfinite(out)):
        raise DicomRTError(path, f"{where}: ContourData has a non-finite value")
    return out


def check_frame_of_reference(dose: DoseGrid, structures: Sequence[Structure]) -> None:
    """:class:`DicomRTError` when a structure is in another frame of reference than the dose
    (no registration is applied to structures, so no DVH of them would mean anything)."""
    other = [s for s in structures if s.frame_of_reference_uid != dose.frame_of_reference_uid]
    if other:
        uids = sorted({s.frame_of_reference_uid for s in other})
        names = ", ".join(f"{s.number} {s.name!r}" for s in other)
        raise DicomRTError(
            other[0].source,
            f"the structure set is in frame of reference {', '.join(uids)} but the dose "
            f"{dose.source} is in {dose.frame_of_reference_uid} (ROIs {names}); register "
            "them first: no DVH is computed across frames of reference",
        )


def _polygon_area_mm2(pts: FloatArray) -> float:
    """Area (mm²) of the polygon through the points' x, y (shoelace formula)."""
    x, y = pts[:, 0], pts[:, 1]
    return float(abs(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))) / 2.0)


def _open_contour_note(what: str, pts: FloatArray, planes: Mapping[float, Any]) -> str:
    """Note for an OPEN_PLANAR contour in a ROI of closed contours: left out of the volume,
    with the volume it would enclose if closed (area x the ROI's median plane spacing)."""
    area = _polygon_area_mm2(pts)
    z = sorted(planes)
    spacing = float(np.median(np.diff(z))) if len(z) > 1 else None
    change = (
        f"≈ {area * spacing / 1000.0:.3f} cm³ with the ROI's {spacing:g} mm plane spacing"
        if spacing
        else "volume change unknown (one plane only)"
    )
    return (
        f"{what} is OPEN_PLANAR ({len(pts)} points at z {float(pts[0, 2]):g} mm) inside a ROI "
        f"of closed contours: left out of the volume; closed, it would enclose "
        f"{area:.1f} mm² ({change})"
    )


def read_structures(path: str | Path) -> dict[int, Structure]:
    """Read every ROI of a DICOM RTSTRUCT, keyed by ROI number.

    ROIs without contour data are returned with no planes (``has_contours`` False); the DVH
    refuses them with a message naming the ROI. Non-``CLOSED_PLANAR`` contours (points, open
    polylines) do not enclose volume and are counted in ``ignored_contours``; a contour with
    empty ContourData, and an ``OPEN_PLANAR`` contour in a ROI of closed contours, are noted on
    that ROI (``Structure.notes``, with the volume change) without aborting the others. A point
    count that disagrees with NumberOfContourPoints, a closed contour of fewer than 3 points,
    or points not on one axial plane raise :class:`DicomRTError`.
    """
    p = Path(path)
    ds = _read(p, "RTSTRUCT")
    _check_modality(ds, "RTSTRUCT", p)
    roi_seq = _require(ds, "StructureSetROISequence", p)
    default_uid = ""
    for item in ds.get("ReferencedFrameOfReferenceSequence", []) or []:
        default_uid = str(item.get("FrameOfReferenceUID", "") or "")
        break
    info: dict[int, tuple[str, str]] = {}
    for i, item in enumerate(roi_seq):
        if "ROINumber" not in item:
            raise DicomRTError(p, f"StructureSetROISequence item {i} has no ROINumber (3006,0022)")
        number = int(item.ROINumber)
        uid = str(item.get("ReferencedFrameOfReferenceUID", "") or default_uid)
        if not uid:
            raise DicomRTError(
                p,
                f"ROI {number} has no ReferencedFrameOfReferenceUID (3006,0024) and the "
                "structure set has no ReferencedFrameOfReferenceSequence",
            )
        info[number] = (str(item.get("ROIName", "") or ""), uid)
    types = {
        int(o.ReferencedROINumber): str(o.get("RTROIInterpretedType", "") or "")
        for o in ds.get("RTROIObservationsSequence", []) or []
        if "ReferencedROINumber" in o
    }
    contours: dict[int, dict[float, list[FloatArray]]] = {n: {} for n in info}
    ignored: dict[int, int] = dict.fromkeys(info, 0)
    open_contours: dict[int, list[tuple[str, FloatArray]]] = {n: [] for n in info}
    notes: dict[int, list[str]] = {n: [] for n in info}
    for roi in ds.get("ROIContourSequence", []) or []:
        number = int(roi.ReferencedROINumber)
        if number not in info:
            raise DicomRTError(
                p,
                f"ROIContourSequence references ROI {number}, which is not in "
                "StructureSetROISequence",
            )
        name = info[number][0]
        for k, c in enumerate(roi.get("ContourSequence", []) or []):
            where = f"ROI {number} '{name}' contour {k}"
            gtype = str(c.get("ContourGeometricType", "") or "")
            values = _contour_values(c, where, p)
            if values.size == 0:
                ignored[number] += 1
                notes[number].append(
                    f"contour {k} ({gtype or 'no type'}) has empty ContourData (3006,0050): "
                    "set aside; it holds no points, so the ROI volume changes by 0 cm³"
                )
                continue
            if values.size % 3:
                raise DicomRTError(
                    p, f"{where}: ContourData has {values.size} values, not x\\y\\z triplets"
                )
            pts = values.reshape(-1, 3)
            declared = c.get("NumberOfContourPoints", None)
            if declared is not None and int(declared) != len(pts):
                raise DicomRTError(
                    p,
                    f"{where}: NumberOfContourPoints is {int(declared)} but ContourData has "
                    f"{len(pts)} points",
                )
            if gtype != "CLOSED_PLANAR":
                ignored[number] += 1
                if gtype == "OPEN_PLANAR" and len(pts) >= 3:
                    open_contours[number].append((f"contour {k}", pts))
                continue
            if len(pts) < 3:
                raise DicomRTError(
                    p, f"{where}: a CLOSED_PLANAR contour needs >= 3 points, got {len(pts)}"
                )
            z_span = float(np.ptp(pts[:, 2]))
            if z_span > _PLANAR_TOL_MM:
                raise DicomRTError(
                    p,
                    f"{where}: points span {z_span:.3f} mm in z; only axial planar contours "
                    "are supported",
                )
            z_key = round(float(pts[0, 2]), 2)
            contours[number].setdefault(z_key, []).append(pts)
    for number, items in open_contours.items():
        if contours[number]:  # an open contour among the closed ones of this ROI
            notes[number].extend(
                _open_contour_note(what, pts, contours[number]) for what, pts in items
            )
    out: dict[int, Structure] = {}
    for number, (name, uid) in info.items():
        planes = tuple(
            Plane(z_mm=z, contours=tuple(cs)) for z, cs in sorted(contours[number].items())
        )
        out[number] = Structure(
            number=number,
            name=name,
            frame_of_reference_uid=uid,
            planes=planes,
            interpreted_type=types.get(number, ""),
            source=str(p),
            ignored_contours=ignored[number],
            notes=tuple(notes[number]),
        )
    return out


# --------------------------------------------------------------------------- RTDOSE writing


def _ds(value: float) -> str:
    """Format a number as a DICOM DS string (at most 16 characters, PS3.5 §6.2)."""
    for digits in range(12, 0, -1):
        text = f"{value:.{digits}g}"
        if len(text) <= 16:
            return text
    raise ValueError(f"cannot format {value!r} as a DICOM DS")


def write_dose(
    grid: DoseGrid,
    path: str | Path,
    *,
    series_description: str = "breastcds dose",
    dose_comment: str | None = None,
    image_comments: str | None = None,
) -> Path:
    """Write ``grid`` as a DICOM RT Dose (RT Dose Storage, PS3.3 §A.18) file.

    Pixels are 32-bit unsigned with DoseGridScaling chosen so the maximum dose maps just
    below 2³²-1 (quantisation ≤ half a scaling step). GridFrameOffsetVector is written in the
    relative form (first element 0). Identifying attributes are copied from
    ``grid.identifiers``; new Series and SOP Instance UIDs are generated. ``dose_comment`` is
    truncated to 64 characters (LO); the full provenance goes to ImageComments (LT).
    """
    dose = np.asarray(grid.dose_gy, dtype=np.float64)
    if dose.ndim != 3:
        raise ValueError(f"dose grid must be 3-D (frames, rows, columns), got shape {dose.shape}")
    if not np.all(np.isfinite(dose)) or float(dose.min()) < 0:
        raise ValueError("dose grid must be finite and >= 0 Gy to be written as RTDOSE")
    dmax = float(dose.max())
    scaling = float(_ds(dmax / 4.0e9)) if dmax > 0 else 1.0
    pixels = np.rint(dose / scaling).astype(np.uint32)

    p = Path(path)
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = RT_DOSE_STORAGE
    sop_uid = generate_uid()
    meta.MediaStorageSOPInstanceUID = sop_uid
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    meta.ImplementationClassUID = pydicom.uid.PYDICOM_IMPLEMENTATION_UID

    ds = Dataset()
    ds.file_meta = meta
    now = _dt.datetime.now()
    ds.SpecificCharacterSet = "ISO_IR 100"
    ds.SOPClassUID = RT_DOSE_STORAGE
    ds.SOPInstanceUID = sop_uid
    ds.InstanceCreationDate = now.strftime("%Y%m%d")
    ds.InstanceCreationTime = now.strftime("%H%M%S")
    ds.Modality = "RTDOSE"
    ds.Manufacturer = "breastcds"
    ds.SeriesInstanceUID = generate_uid()
    ds.SeriesNumber = 1
    ds.SeriesDescription = series_description[:64]
    ds.InstanceNumber = 1
    ids = dict(grid.identifiers)
    ds.PatientName = ids.get("PatientName", "")
    ds.PatientID = ids.get("PatientID", "")
    ds.PatientBirthDate = ids.get("PatientBirthDate", "")
    ds.PatientSex = ids.get("PatientSex", "")
    ds.StudyInstanceUID = ids.get("StudyInstanceUID", "") or generate_uid()
    ds.StudyID = ids.get("StudyID", "")
    ds.StudyDate = ids.get("StudyDate", "")
    ds.StudyTime = ids.get("StudyTime", "")
    ds.ReferringPhysicianName = ids.get("ReferringPhysicianName", "")
    ds.AccessionNumber = ids.get("AccessionNumber", "")
    ds.FrameOfReferenceUID = grid.frame_of_reference_uid
    ds.PositionReferenceIndicator = ids.get("PositionReferenceIndicator", "")
    ds.ContentDate = ds.InstanceCreationDate
    ds.ContentTime = ds.InstanceCreationTime
    if image_comments:
        ds.ImageComments = image_comments[:10240]

    frames, rows, cols = dose.shape
    first = float(grid.frame_offsets_mm[0])
    origin = np.asarray(grid.origin_mm, dtype=float) + first * grid.normal
    ds.ImagePositionPatient = [_ds(float(v)) for v in origin]
    ds.ImageOrientationPatient = [_ds(v) for v in (*grid.row_cosine, *grid.column_cosine)]
    ds.PixelSpacing = [_ds(v) for v in grid.pixel_spacing_mm]
    ds.SliceThickness = ""
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.NumberOfFrames = frames
    ds.FrameIncrementPointer = pydicom.tag.Tag(0x3004, 0x000C)
    ds.Rows = rows
    ds.Columns = cols
    ds.BitsAllocated = 32
    ds.BitsStored = 32
    ds.HighBit = 31
    ds.PixelRepresentation = 0
    ds.DoseUnits = "GY"
    ds.DoseType = grid.dose_type
    ds.DoseSummationType = grid.summation_type or "PLAN"
    if dose_comment:
        ds.DoseComment = dose_comment[:64]
    offsets = np.asarray(grid.frame_offsets_mm, dtype=float) - first
    ds.GridFrameOffsetVector = [_ds(v) for v in offsets]
    ds.DoseGridScaling = _ds(scaling)
    ds.PixelData = pixels.tobytes()
    ds["PixelData"].VR = "OW"
    ds.save_as(p, enforce_file_format=True)
    return p
