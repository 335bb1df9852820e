"""Analytic phantoms written as real DICOM RTDOSE + RTSTRUCT files.

The writers here use pydicom directly (not breastcds' own writer), so the reader is tested
against files it did not produce.

Phantom: a dose that is linear in space, ``D(p) = D_c + g·(p - c)``, sampled on a dose grid
(2.5 mm pixels, 2.5 mm frames), and ROIs whose true volume and dose statistics follow from
geometry:

* **sphere** (radius R about c): V = 4/3·π·R³; mean = D_c (symmetry); min/max = D_c ∓ |g|·R;
  the volume receiving ≥ D is a spherical cap of height h = R - (D - D_c)/|g|,
  V_cap = π·h²·(3R - h)/3.
* **cylinder** (axis ∥ z through c, radius a, z from c_z - L/2 to c_z + L/2):
  V = π·a²·L; mean = D_c; max = D_c + a·|g_xy| + |g_z|·L/2.
* **ring** (the cylinder with a coaxial hole of radius b, drawn as an inner contour on every
  plane, i.e. a hole by XOR): V = π·(a² - b²)·L; mean = D_c.

Contours are regular polygons whose circumradius is enlarged so that the polygon's area
equals the circle's (area of a regular N-gon of circumradius ρ: N·ρ²·sin(2π/N)/2), so the
polygonal approximation adds no volume error. Sphere contour planes are every 3 mm through
the centre; cylinder planes are the mid-planes of 3 mm slabs tiling [c_z - L/2, c_z + L/2].
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pydicom
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence as DicomSequence
from pydicom.uid import UID, ExplicitVRLittleEndian, generate_uid

FloatArray = npt.NDArray[np.float64]

RT_DOSE = "1.2.840.10008.5.1.4.1.1.481.2"
RT_STRUCT = "1.2.840.10008.5.1.4.1.1.481.3"
FRAME_UID = "1.2.826.0.1.3680043.8.498.1"  # fixed UID for the phantom frame of reference
STUDY_UID = "1.2.826.0.1.3680043.8.498.2"


def _meta(sop_class: str) -> tuple[FileMetaDataset, str]:
    meta = FileMetaDataset()
    uid = generate_uid()
    meta.MediaStorageSOPClassUID = UID(sop_class)
    meta.MediaStorageSOPInstanceUID = uid
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    return meta, uid


def _common(ds: Dataset, modality: str, frame_uid: str) -> None:
    ds.PatientName = "Phantom^Analytic"
    ds.PatientID = "PHANTOM"
    ds.PatientBirthDate = ""
    ds.PatientSex = "O"
    ds.StudyInstanceUID = STUDY_UID
    ds.StudyID = "1"
    ds.StudyDate = "20250101"
    ds.StudyTime = "000000"
    ds.ReferringPhysicianName = ""
    ds.AccessionNumber = ""
    ds.SeriesInstanceUID = generate_uid()
    ds.SeriesNumber = 1
    ds.Modality = modality
    ds.FrameOfReferenceUID = frame_uid


def write_rtdose(
    path: Path,
    dose_gy: FloatArray,
    *,
    origin_mm: Sequence[float] | FloatArray,
    spacing_mm: tuple[float, float],
    frame_offsets_mm: Sequence[float] | npt.NDArray[np.floating],
    orientation: Sequence[float] = (1, 0, 0, 0, 1, 0),
    frame_uid: str = FRAME_UID,
    absolute_offsets: bool = False,
) -> Path:
    """Write ``dose_gy`` (frames, rows, cols) as an RTDOSE with 32-bit pixels."""
    meta, uid = _meta(RT_DOSE)
    ds = Dataset()
    ds.file_meta = meta
    ds.SOPClassUID = RT_DOSE
    ds.SOPInstanceUID = uid
    _common(ds, "RTDOSE", frame_uid)
    ds.PositionReferenceIndicator = ""
    frames, rows, cols = dose_gy.shape
    scaling = float(f"{max(float(dose_gy.max()), 1e-6) / 4.0e9:.6e}")
    pixels = np.rint(dose_gy / scaling).astype(np.uint32)
    ds.ImagePositionPatient = [f"{v:.6f}" for v in origin_mm]
    ds.ImageOrientationPatient = [f"{v:g}" for v in orientation]
    ds.PixelSpacing = [f"{v:g}" for v in spacing_mm]
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
    ds.DoseType = "PHYSICAL"
    ds.DoseSummationType = "PLAN"
    offsets = np.asarray(frame_offsets_mm, dtype=float)
    if absolute_offsets:
        offsets = offsets + float(origin_mm[2])
    ds.GridFrameOffsetVector = [f"{v:.6f}" for v in offsets]
    ds.DoseGridScaling = f"{scaling:.6e}"
    ds.PixelData = pixels.tobytes()
    ds["PixelData"].VR = "OW"
    ds.save_as(path, enforce_file_format=True)
    return path


@dataclass(frozen=True)
class ROI:
    number: int
    name: str
    planes: Mapping[float, Sequence[FloatArray]]  # z (mm) -> list of (N, 2) x,y polygons
    interpreted_type: str = "ORGAN"


def write_rtstruct(path: Path, rois: Sequence[ROI], *, frame_uid: str = FRAME_UID) -> Path:
    """Write ROIs as an RTSTRUCT with CLOSED_PLANAR contours."""
    meta, uid = _meta(RT_STRUCT)
    ds = Dataset()
    ds.file_meta = meta
    ds.SOPClassUID = RT_STRUCT
    ds.SOPInstanceUID = uid
    _common(ds, "RTSTRUCT", frame_uid)
    del ds.FrameOfReferenceUID  # RTSTRUCT records it in the referenced-frame sequence
    ds.StructureSetLabel = "PHANTOM"
    ds.StructureSetDate = "20250101"
    ds.StructureSetTime = "000000"
    ref = Dataset()
    ref.FrameOfReferenceUID = frame_uid
    ds.ReferencedFrameOfReferenceSequence = DicomSequence([ref])
    roi_items, contour_items, obs_items = [], [], []
    for roi in rois:
        item = Dataset()
        item.ROINumber = roi.number
        item.ReferencedFrameOfReferenceUID = frame_uid
        item.ROIName = roi.name
        item.ROIGenerationAlgorithm = "MANUAL"
        roi_items.append(item)
        rc = Dataset()
        rc.ReferencedROINumber = roi.number
        rc.ROIDisplayColor = [255, 0, 0]
        seq = []
        for z, polygons in sorted(roi.planes.items()):
            for poly in polygons:
                c = Dataset()
                c.ContourGeometricType = "CLOSED_PLANAR"
                c.NumberOfContourPoints = len(poly)
                xyz = np.column_stack([poly, np.full(len(poly), z)])
                c.ContourData = [f"{v:.4f}" for v in xyz.ravel()]
                seq.append(c)
        if seq:
            rc.ContourSequence = DicomSequence(seq)
        contour_items.append(rc)
        obs = Dataset()
        obs.ObservationNumber = roi.number
        obs.ReferencedROINumber = roi.number
        obs.RTROIInterpretedType = roi.interpreted_type
        obs.ROIInterpreter = ""
        obs_items.append(obs)
    ds.StructureSetROISequence = DicomSequence(roi_items)
    ds.ROIContourSequence = DicomSequence(contour_items)
    ds.RTROIObservationsSequence = DicomSequence(obs_items)
    ds.save_as(path, enforce_file_format=True)
    return path


def circle(cx: float, cy: float, radius: float, n: int = 180) -> FloatArray:
    """Regular n-gon with the same area as the circle of ``radius`` (see module docstring)."""
    rho = radius * math.sqrt(2.0 * math.pi / (n * math.sin(2.0 * math.pi / n)))
    t = np.arange(n) * 2.0 * math.pi / n
    return np.column_stack([cx + rho * np.cos(t), cy + rho * np.sin(t)])


# --------------------------------------------------------------------------- the phantom


@dataclass(frozen=True)
class Truth:
    volume_cc: float
    mean_gy: float
    min_gy: float
    max_gy: float


@dataclass(frozen=True)
class Phantom:
    dose_path: Path
    struct_path: Path
    centre_mm: tuple[float, float, float]
    dose_at_centre_gy: float
    gradient_gy_per_mm: tuple[float, float, float]
    sphere_radius_mm: float
    truth: Mapping[str, Truth]

    def dose(self, p: FloatArray) -> FloatArray:
        """Analytic dose at points ``p`` (..., 3) in mm."""
        g = np.asarray(self.gradient_gy_per_mm)
        return np.asarray(
            self.dose_at_centre_gy + (p - np.asarray(self.centre_mm)) @ g, dtype=np.float64
        )

    def sphere_dose_at_volume_pct(self, percent: float) -> float:
        """Analytic D_x% of the sphere: solve π·h²·(3R - h)/3 = x%·V for the cap height h."""
        from scipy.optimize import brentq

        r = self.sphere_radius_mm
        target = percent / 100.0 * 4.0 / 3.0 * math.pi * r**3
        h = float(brentq(lambda h: math.pi * h * h * (3 * r - h) / 3.0 - target, 0.0, 2 * r))
        g = float(np.linalg.norm(self.gradient_gy_per_mm))
        return self.dose_at_centre_gy + g * (r - h)


# geometry (mm)
CENTRE = (3.3, -7.9, 11.7)
DOSE_AT_CENTRE = 40.0
GRADIENT = (0.12, -0.08, 0.10)  # Gy/mm: |g| ≈ 0.175 Gy/mm, a steep penumbra-like slope
SPHERE_R = 30.0
CYL_A = 25.0
CYL_B = 10.0
CYL_L = 48.0
PLANE_SPACING = 3.0


def build(directory: Path, *, absolute_offsets: bool = False) -> Phantom:
    """Write the phantom's rtdose.dcm and rtss.dcm into ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    cx, cy, cz = CENTRE
    spacing = 2.5
    half = 42.0  # half-width of the dose grid (mm) around the centre
    cols = int(2 * half / spacing) + 1
    rows = cols
    frames = int(2 * half / spacing) + 1
    # grid origin deliberately not aligned with the centre (offset by a fraction of a pixel)
    origin = np.array([cx - half + 0.37, cy - half + 0.81, cz - half + 0.53])
    xs = origin[0] + spacing * np.arange(cols)
    ys = origin[1] + spacing * np.arange(rows)
    offsets = spacing * np.arange(frames)
    zs = origin[2] + offsets
    g = np.asarray(GRADIENT)
    dose = (
        DOSE_AT_CENTRE
        + g[0] * (xs[np.newaxis, np.newaxis, :] - cx)
        + g[1] * (ys[np.newaxis, :, np.newaxis] - cy)
        + g[2] * (zs[:, np.newaxis, np.newaxis] - cz)
    )
    dose_path = write_rtdose(
        directory / "rtdose.dcm",
        dose,
        origin_mm=origin,
        spacing_mm=(spacing, spacing),
        frame_offsets_mm=offsets,
        absolute_offsets=absolute_offsets,
    )
    sphere: dict[float, list[FloatArray]] = {}
    k = int(SPHERE_R // PLANE_SPACING)
    for j in range(-k, k + 1):
        z = cz + j * PLANE_SPACING
        r2 = SPHERE_R**2 - (z - cz) ** 2
        if r2 > 0:
            sphere[round(z, 4)] = [circle(cx, cy, math.sqrt(r2))]
    n_slabs = round(CYL_L / PLANE_SPACING)
    cyl_planes = [cz - CYL_L / 2 + (i + 0.5) * PLANE_SPACING for i in range(n_slabs)]
    cylinder = {round(z, 4): [circle(cx, cy, CYL_A)] for z in cyl_planes}
    ring = {round(z, 4): [circle(cx, cy, CYL_A), circle(cx, cy, CYL_B)] for z in cyl_planes}
    struct_path = write_rtstruct(
        directory / "rtss.dcm",
        [ROI(1, "Sphere", sphere), ROI(2, "Cylinder", cylinder), ROI(3, "Ring", ring)],
    )
    gn = float(np.linalg.norm(g))
    gxy = float(np.hypot(g[0], g[1]))
    cyl_dev = CYL_A * gxy + abs(g[2]) * CYL_L / 2
    truth = {
        "Sphere": Truth(
            4.0 / 3.0 * math.pi * SPHERE_R**3 / 1000.0,
            DOSE_AT_CENTRE,
            DOSE_AT_CENTRE - gn * SPHERE_R,
            DOSE_AT_CENTRE + gn * SPHERE_R,
        ),
        "Cylinder": Truth(
            math.pi * CYL_A**2 * CYL_L / 1000.0,
            DOSE_AT_CENTRE,
            DOSE_AT_CENTRE - cyl_dev,
            DOSE_AT_CENTRE + cyl_dev,
        ),
        "Ring": Truth(
            math.pi * (CYL_A**2 - CYL_B**2) * CYL_L / 1000.0,
            DOSE_AT_CENTRE,
            DOSE_AT_CENTRE - cyl_dev,
            DOSE_AT_CENTRE + cyl_dev,
        ),
    }
    return Phantom(
        dose_path=dose_path,
        struct_path=struct_path,
        centre_mm=CENTRE,
        dose_at_centre_gy=DOSE_AT_CENTRE,
        gradient_gy_per_mm=GRADIENT,
        sphere_radius_mm=SPHERE_R,
        truth=truth,
    )
