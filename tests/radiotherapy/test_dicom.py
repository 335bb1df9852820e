"""RTDOSE / RTSTRUCT adapters (breastcds.dose.dicom).

Expected values come from the example plan's own headers (README of the example data:
129 rows × 194 columns × 98 frames, 2.5 mm pixels, 3 mm frames, DoseGridScaling 1.4e-5,
units GY; 10 ROIs) and from the analytic phantom. Every bad-input case modifies a copy of
the example in a temporary directory and checks the error names the file and the problem.
"""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import phantom
import pydicom
import pytest
from pydicom.dataset import Dataset
from tests.conftest import DICOM_EXAMPLE

from breastcds.dose import dicom, dvh

DOSE = DICOM_EXAMPLE / "rtdose.dcm"
RTSS = DICOM_EXAMPLE / "rtss.dcm"
CT = DICOM_EXAMPLE / "ct.0.dcm"


@pytest.fixture(scope="module")
def dose_ds() -> Dataset:
    return pydicom.dcmread(DOSE)


@pytest.fixture(scope="module")
def rtss_ds() -> Dataset:
    return pydicom.dcmread(RTSS)


@pytest.fixture(scope="module")
def example_dose() -> dicom.DoseGrid:
    return dicom.read_dose(DOSE)


@pytest.fixture(scope="module")
def example_structures() -> dict[int, dicom.Structure]:
    return dicom.read_structures(RTSS)


def _save(ds: Dataset, path: Path) -> Path:
    ds.save_as(path)
    return path


# ------------------------------------------------------------------------- RTDOSE reading


def test_read_dose_geometry_and_scaling(example_dose: dicom.DoseGrid, dose_ds: Dataset) -> None:
    g = example_dose
    assert g.shape == (98, 129, 194)
    assert g.pixel_spacing_mm == (2.5, 2.5)
    assert g.dose_units == "GY" and g.dose_type == "PHYSICAL"
    assert g.frame_of_reference_uid == "2.16.840.1.113662.2.12.0.3057.1241703565.36"
    # dose = stored pixel × DoseGridScaling (1.4e-5 Gy per unit)
    raw = dose_ds.pixel_array
    assert g.dose_gy.max() == pytest.approx(float(raw.max()) * 1.4e-5, rel=1e-12)
    assert g.dose_gy[50, 60, 70] == pytest.approx(float(raw[50, 60, 70]) * 1.4e-5, rel=1e-12)
    # frames every 3 mm from ImagePositionPatient z -122.4407 (relative offsets, HFS normal +z)
    np.testing.assert_allclose(g.frame_z_mm[:3], [-122.4407, -119.4407, -116.4407])
    assert g.frame_z_mm[-1] == pytest.approx(-122.4407 + 97 * 3)
    np.testing.assert_allclose(g.normal, [0, 0, 1])


def test_absolute_grid_frame_offsets_give_same_planes(
    tmp_path: Path, dose_ds: Dataset, example_dose: dicom.DoseGrid
) -> None:
    ds = copy.deepcopy(dose_ds)
    z0 = float(ds.ImagePositionPatient[2])
    ds.GridFrameOffsetVector = [f"{z0 + float(v):.4f}" for v in ds.GridFrameOffsetVector]
    g = dicom.read_dose(_save(ds, tmp_path / "abs.dcm"))
    np.testing.assert_allclose(g.frame_z_mm, example_dose.frame_z_mm, atol=1e-6)


def test_feet_first_orientation_flips_frame_direction(tmp_path: Path, dose_ds: Dataset) -> None:
    # FFS: IOP (-1,0,0,0,1,0) → normal = row × col = (0,0,-1): frames go towards -z
    ds = copy.deepcopy(dose_ds)
    ds.ImageOrientationPatient = [-1, 0, 0, 0, 1, 0]
    g = dicom.read_dose(_save(ds, tmp_path / "ffs.dcm"))
    assert g.frame_z_mm[1] == pytest.approx(-122.4407 - 3)


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda ds: ds.__delattr__("DoseGridScaling"), "missing DoseGridScaling (3004,000E)"),
        (lambda ds: setattr(ds, "DoseGridScaling", "0"), "DoseGridScaling (3004,000E) is 0.0"),
        (lambda ds: setattr(ds, "DoseUnits", "RELATIVE"), "DoseUnits (3004,0002) is 'RELATIVE'"),
        (lambda ds: setattr(ds, "DoseType", "ERROR"), "DoseType (3004,0004) is 'ERROR'"),
        (
            lambda ds: setattr(ds, "GridFrameOffsetVector", list(ds.GridFrameOffsetVector)[:-1]),
            "GridFrameOffsetVector must have 98 values, got 97",
        ),
        (
            lambda ds: setattr(
                ds, "GridFrameOffsetVector", [0, 3, 3, *list(ds.GridFrameOffsetVector)[3:]]
            ),
            "does not vary strictly monotonically",
        ),
        (
            lambda ds: setattr(
                ds, "GridFrameOffsetVector", [5 + 3 * i for i in range(ds.NumberOfFrames)]
            ),
            "starts at 5.0: neither 0 (relative) nor the ImagePositionPatient z",
        ),
        (
            lambda ds: setattr(ds, "ImageOrientationPatient", [1, 0, 0, 0, 0, 1]),
            "is not axial",
        ),
        (lambda ds: ds.__delattr__("FrameOfReferenceUID"), "missing FrameOfReferenceUID"),
    ],
)
def test_bad_rtdose_names_file_and_problem(
    tmp_path: Path, dose_ds: Dataset, mutate: object, message: str
) -> None:
    ds = copy.deepcopy(dose_ds)
    mutate(ds)  # type: ignore[operator]
    path = _save(ds, tmp_path / "bad_dose.dcm")
    with pytest.raises(dicom.DicomRTError) as info:
        dicom.read_dose(path)
    assert str(path) in str(info.value)
    assert message in str(info.value)


def test_wrong_modality_is_refused() -> None:
    with pytest.raises(dicom.DicomRTError, match=r"ct\.0\.dcm: Modality \(0008,0060\) is 'CT'"):
        dicom.read_dose(CT)
    with pytest.raises(dicom.DicomRTError, match="is 'RTDOSE', expected 'RTSTRUCT'"):
        dicom.read_structures(DOSE)


def test_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(dicom.DicomRTError, match=r"nope\.dcm: file not found"):
        dicom.read_dose(tmp_path / "nope.dcm")


# ------------------------------------------------------------------------- RTSTRUCT reading


def test_read_structures_example(example_structures: dict[int, dicom.Structure]) -> None:
    names = {n: s.name for n, s in example_structures.items()}
    assert names == {
        1: "BODY",
        2: "Areola",
        3: "Borders",
        4: "Breast",
        5: "Heart",
        6: "Lt Lung",
        7: "Nodes",
        8: "Scar",
        9: "Tumor Bed",
        10: "Tumor Bed Block",
    }
    body = example_structures[1]
    assert len(body.planes) == 98
    assert sum(len(p.contours) for p in body.planes) == 141  # ROIContourSequence items
    assert body.interpreted_type == "EXTERNAL"
    lung = example_structures[6]
    assert sum(len(p.contours) > 1 for p in lung.planes) == 40  # planes with several contours
    assert not example_structures[2].has_contours  # Areola has no ContourSequence
    for s in example_structures.values():
        assert s.frame_of_reference_uid == "2.16.840.1.113662.2.12.0.3057.1241703565.36"


def _first_contour(ds: Dataset, roi_number: int) -> Dataset:
    for roi in ds.ROIContourSequence:
        if int(roi.ReferencedROINumber) == roi_number:
            return roi.ContourSequence[0]
    raise AssertionError(roi_number)


def test_empty_contour_is_noted_on_its_roi(tmp_path: Path, rtss_ds: Dataset) -> None:
    """Empty ContourData no longer aborts the file: it is noted on that ROI (issue 18)."""
    ds = copy.deepcopy(rtss_ds)
    c = _first_contour(ds, 5)
    c.ContourData = []
    c.NumberOfContourPoints = 0
    path = _save(ds, tmp_path / "empty.dcm")
    heart = dicom.read_structures(path)[5]
    assert heart.notes == (
        "contour 0 (CLOSED_PLANAR) has empty ContourData (3006,0050): set aside; it holds no "
        "points, so the ROI volume changes by 0 cm³",
    )


def test_contour_point_count_mismatch(tmp_path: Path, rtss_ds: Dataset) -> None:
    ds = copy.deepcopy(rtss_ds)
    c = _first_contour(ds, 9)
    c.NumberOfContourPoints = int(c.NumberOfContourPoints) + 1
    path = _save(ds, tmp_path / "count.dcm")
    with pytest.raises(dicom.DicomRTError, match="ROI 9 'Tumor Bed' contour 0: NumberOfContour"):
        dicom.read_structures(path)


def test_non_planar_contour_is_refused(tmp_path: Path, rtss_ds: Dataset) -> None:
    ds = copy.deepcopy(rtss_ds)
    c = _first_contour(ds, 9)
    data = [float(v) for v in c.ContourData]
    data[2] += 2.0  # first point 2 mm off the plane
    c.ContourData = [f"{v:.4f}" for v in data]
    path = _save(ds, tmp_path / "nonplanar.dcm")
    with pytest.raises(dicom.DicomRTError, match=r"points span 2\.000 mm in z"):
        dicom.read_structures(path)


def test_structure_set_in_other_frame_of_reference(
    tmp_path: Path, rtss_ds: Dataset, example_dose: dicom.DoseGrid
) -> None:
    ds = copy.deepcopy(rtss_ds)
    other = "1.2.826.0.1.3680043.8.498.999"
    ds.ReferencedFrameOfReferenceSequence[0].FrameOfReferenceUID = other
    for item in ds.StructureSetROISequence:
        item.ReferencedFrameOfReferenceUID = other
    path = _save(ds, tmp_path / "otherframe.dcm")
    heart = dicom.read_structures(path)[5]
    with pytest.raises(dvh.DVHError) as info:
        dvh.compute(example_dose, heart)
    text = str(info.value)
    assert f"ROI 5 'Heart' in {path} is in frame of reference {other}" in text
    assert "2.16.840.1.113662.2.12.0.3057.1241703565.36" in text


def test_roi_without_contour_is_refused(
    example_dose: dicom.DoseGrid, example_structures: dict[int, dicom.Structure]
) -> None:
    with pytest.raises(dvh.DVHError) as info:
        dvh.compute(example_dose, example_structures[2])
    assert str(info.value) == f"ROI 2 'Areola' in {RTSS} has no closed planar contour data"


# ------------------------------------------------------------------------- RTDOSE writing


def test_write_dose_round_trip(tmp_path: Path, example_dose: dicom.DoseGrid) -> None:
    out = dicom.write_dose(example_dose, tmp_path / "copy.dcm", dose_comment="round trip")
    ds = pydicom.dcmread(out)
    assert ds.SOPClassUID == dicom.RT_DOSE_STORAGE
    assert ds.Modality == "RTDOSE"
    assert ds.FrameOfReferenceUID == example_dose.frame_of_reference_uid
    assert ds.PatientID == "123456"  # copied from the source RTDOSE
    assert float(ds.GridFrameOffsetVector[0]) == 0.0
    assert ds.FrameIncrementPointer == pydicom.tag.Tag(0x3004, 0x000C)
    back = dicom.read_dose(out)
    scaling = float(ds.DoseGridScaling)
    assert np.max(np.abs(back.dose_gy - example_dose.dose_gy)) <= scaling / 2 + 1e-12
    np.testing.assert_allclose(back.frame_z_mm, example_dose.frame_z_mm, atol=1e-6)
    assert back.origin_mm == pytest.approx(example_dose.origin_mm)


def test_phantom_reads_back_analytic_dose(tmp_path: Path) -> None:
    ph = phantom.build(tmp_path)
    g = dicom.read_dose(ph.dose_path)
    f, r, c = 7, 11, 13
    point = np.array(g.origin_mm) + np.array([c * 2.5, r * 2.5, g.frame_offsets_mm[f]])
    assert g.dose_gy[f, r, c] == pytest.approx(float(ph.dose(point)), abs=1e-6)
    # absolute GridFrameOffsetVector variant (PS3.3 C.8.8.3.2 option b) reads the same
    g2 = dicom.read_dose(phantom.build(tmp_path / "abs", absolute_offsets=True).dose_path)
    np.testing.assert_allclose(g2.frame_z_mm, g.frame_z_mm, atol=1e-6)
