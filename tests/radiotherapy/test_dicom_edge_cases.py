"""DICOM read edge cases (issue 18): files without the preamble, empty and open contours noted
on their ROI, a structure set in another frame of reference. Edge-case files are built in a tmp
dir from the real files in /work/shared/data (never copied into the repository)."""

from __future__ import annotations

import copy
import json
import struct
from pathlib import Path

import numpy as np
import pydicom
import pytest
from pydicom.dataset import Dataset
from tests.conftest import DICOM_EXAMPLE
from typer.testing import CliRunner

from breastcds.cli.main import app
from breastcds.dose import dicom, dvh

DOSE = DICOM_EXAMPLE / "rtdose.dcm"
RTSS = DICOM_EXAMPLE / "rtss.dcm"
HEART = 5


def _no_preamble(src: Path, dst: Path, *, keep_meta: bool) -> Path:
    """The file without its 128-byte preamble and 'DICM' (and without file meta too)."""
    raw = src.read_bytes()
    assert raw[128:132] == b"DICM"
    if keep_meta:
        dst.write_bytes(raw[132:])
    else:  # (0002,0000) UL group length, explicit VR: value at bytes 140-144
        group_length = struct.unpack("<I", raw[140:144])[0]
        dst.write_bytes(raw[144 + group_length :])
    return dst


@pytest.mark.parametrize("keep_meta", [True, False])
def test_files_without_preamble_read_like_the_originals(tmp_path: Path, keep_meta: bool) -> None:
    dose = dicom.read_dose(_no_preamble(DOSE, tmp_path / "d.dcm", keep_meta=keep_meta))
    rois = dicom.read_structures(_no_preamble(RTSS, tmp_path / "s.dcm", keep_meta=keep_meta))
    original_dose, original_rois = dicom.read_dose(DOSE), dicom.read_structures(RTSS)
    # the same stored pixels and scaling decoded twice: equal to rounding (1e-12 relative)
    np.testing.assert_allclose(dose.dose_gy, original_dose.dose_gy, rtol=1e-12, atol=0)
    assert dose.same_geometry(original_dose)
    assert {n: (s.name, len(s.planes)) for n, s in rois.items()} == {
        n: (s.name, len(s.planes)) for n, s in original_rois.items()
    }


def test_without_preamble_the_modality_is_checked_first(tmp_path: Path) -> None:
    rtss = _no_preamble(RTSS, tmp_path / "s.dcm", keep_meta=False)
    with pytest.raises(dicom.DicomRTError, match="Modality 'RTSTRUCT', not 'RTDOSE'"):
        dicom.read_dose(rtss)
    junk = tmp_path / "junk.dcm"
    junk.write_bytes(b"not dicom at all " * 20)
    with pytest.raises(dicom.DicomRTError):
        dicom.read_structures(junk)


def _contours(ds: Dataset, roi_number: int) -> pydicom.Sequence:
    for roi in ds.ROIContourSequence:
        if int(roi.ReferencedROINumber) == roi_number:
            return roi.ContourSequence
    raise AssertionError(roi_number)


def _volume_cc(s: dicom.Structure) -> float:
    return float(dvh.compute(dicom.read_dose(DOSE), s).volume_cc)


def test_empty_contour_is_noted_and_the_other_rois_are_read(tmp_path: Path) -> None:
    ds = pydicom.dcmread(RTSS)
    first = _contours(ds, HEART)[0]
    first.ContourData = []
    first.NumberOfContourPoints = 0
    path = tmp_path / "empty.dcm"
    ds.save_as(path)
    rois, original = dicom.read_structures(path), dicom.read_structures(RTSS)
    assert "empty ContourData" in rois[HEART].notes[0]
    assert "changes by 0 cm³" in rois[HEART].notes[0]
    assert len(rois[HEART].planes) == len(original[HEART].planes) - 1
    for n, s in rois.items():
        if n != HEART:
            assert (len(s.planes), s.notes) == (len(original[n].planes), ())
    assert _volume_cc(rois[HEART]) > 0  # the ROI is still usable


def test_open_contour_in_a_closed_roi_is_noted_with_its_volume(tmp_path: Path) -> None:
    """A 10 mm x 10 mm OPEN_PLANAR square on one of the heart's planes: left out, and the note
    gives the volume it would enclose: 100 mm² x the plane spacing."""
    ds = pydicom.dcmread(RTSS)
    seq = _contours(ds, HEART)
    z = float(seq[0].ContourData[2])
    square = copy.deepcopy(seq[0])
    square.ContourGeometricType = "OPEN_PLANAR"
    corners = [(0.0, 0.0), (10.0, 0.0), (10.0, 10.0), (0.0, 10.0)]
    square.ContourData = [v for x, y in corners for v in (x, y, z)]
    square.NumberOfContourPoints = 4
    seq.append(square)
    path = tmp_path / "open.dcm"
    ds.save_as(path)
    heart, original = dicom.read_structures(path)[HEART], dicom.read_structures(RTSS)[HEART]
    zs = sorted(p.z_mm for p in original.planes)
    spacing = float(np.median(np.diff(zs)))
    (note,) = heart.notes
    assert "OPEN_PLANAR (4 points" in note and "100.0 mm²" in note
    assert f"≈ {100.0 * spacing / 1000.0:.3f} cm³" in note  # hand calculation: area x spacing
    assert _volume_cc(heart) == pytest.approx(_volume_cc(original), rel=1e-12)  # left out


def test_dvh_command_shows_the_roi_notes(tmp_path: Path) -> None:
    ds = pydicom.dcmread(RTSS)
    first = _contours(ds, HEART)[0]
    first.ContourData = []
    first.NumberOfContourPoints = 0
    path = tmp_path / "empty.dcm"
    ds.save_as(path)
    r = CliRunner().invoke(
        app, ["dvh", "--dose", str(DOSE), "--struct", str(path), "-f", "json", "--roi", "5"]
    )
    assert r.exit_code == 0, r.output
    (entry,) = json.loads(r.stdout)["structures"]
    assert any("empty ContourData" in n for n in entry["notes"])


def test_structure_set_in_another_frame_of_reference_exits_non_zero(tmp_path: Path) -> None:
    ds = pydicom.dcmread(RTSS)
    other = pydicom.uid.generate_uid()
    for item in ds.ReferencedFrameOfReferenceSequence:
        item.FrameOfReferenceUID = other
    for item in ds.StructureSetROISequence:
        item.ReferencedFrameOfReferenceUID = other
    path = tmp_path / "other-frame.dcm"
    ds.save_as(path)
    r = CliRunner().invoke(app, ["dvh", "--dose", str(DOSE), "--struct", str(path)])
    assert r.exit_code == 2
    assert "frame of reference" in r.stderr and other in r.stderr
    r = CliRunner().invoke(
        app,
        ["assess", "--example", "er-low-early", "--rt-dose", str(DOSE), "--rt-struct", str(path)],
    )
    assert r.exit_code == 2
    assert "frame of reference" in r.stderr
