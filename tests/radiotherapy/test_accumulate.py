"""Voxel-wise EQD2 accumulation (breastcds.dose.accumulate).

Truth: the phantom's dose is linear in space, so trilinear resampling reproduces it exactly
(to float rounding) at any point inside the grid, and the expected accumulated EQD2 is the
closed form EQD2_v = D_v·(D_v/n + α/β)/(2 + α/β) of the analytic dose at each target voxel,
summed over courses (reirradiation.md §2).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import phantom
import pydicom
import pytest

from breastcds.dose import accumulate, dicom, dvh

AB = 3.0


def _eqd2(d: np.ndarray, n: int, ab: float = AB) -> np.ndarray:
    return d * (d / n + ab) / (2.0 + ab)


@pytest.fixture(scope="module")
def ph(tmp_path_factory: pytest.TempPathFactory) -> phantom.Phantom:
    return phantom.build(tmp_path_factory.mktemp("acc_phantom"))


@pytest.fixture(scope="module")
def prior(ph: phantom.Phantom) -> dicom.DoseGrid:
    return dicom.read_dose(ph.dose_path)


def _grid(ph: phantom.Phantom, frame_uid: str, spacing: float = 2.0, n: int = 30) -> dicom.DoseGrid:
    """A second course's grid: other spacing and origin, analytic dose × 0.5."""
    origin = np.array(ph.centre_mm) - 29.0 + np.array([0.3, -0.45, 0.61])
    ax = spacing * np.arange(n)
    z, y, x = np.meshgrid(origin[2] + ax, origin[1] + ax, origin[0] + ax, indexing="ij")
    dose = 0.5 * ph.dose(np.stack([x, y, z], axis=-1))
    return dicom.DoseGrid(
        dose_gy=dose,
        origin_mm=(float(origin[0]), float(origin[1]), float(origin[2])),
        row_cosine=(1.0, 0.0, 0.0),
        column_cosine=(0.0, 1.0, 0.0),
        pixel_spacing_mm=(spacing, spacing),
        frame_offsets_mm=ax.copy(),
        frame_of_reference_uid=frame_uid,
        identifiers={"PatientID": "PHANTOM"},
    )


def _points(g: dicom.DoseGrid) -> np.ndarray:
    f, r, c = np.meshgrid(*(np.arange(n) for n in g.shape), indexing="ij")
    dr, dc = g.pixel_spacing_mm
    return (
        np.asarray(g.origin_mm)
        + c[..., None] * dc * np.asarray(g.row_cosine)
        + r[..., None] * dr * np.asarray(g.column_cosine)
        + g.frame_offsets_mm[f][..., None] * g.normal
    )


def test_two_courses_on_different_grids(ph: phantom.Phantom, prior: dicom.DoseGrid) -> None:
    new = _grid(ph, prior.frame_of_reference_uid)
    acc = accumulate.sum_eqd2(
        [accumulate.Course(prior, 25, "prior"), accumulate.Course(new, 5, "new")],
        alpha_beta_gy=AB,
    )
    d = ph.dose(_points(new))
    expected = _eqd2(d, 25) + _eqd2(0.5 * d, 5)
    np.testing.assert_allclose(acc.dose.dose_gy, expected, rtol=0, atol=1e-6)
    assert acc.dose.dose_type == "EFFECTIVE" and acc.dose.summation_type == "MULTI_PLAN"
    assert acc.courses[0].resampled and not acc.courses[1].resampled
    assert acc.alpha_beta_gy == AB
    assert "alpha/beta 3 Gy" in acc.describe()


def test_registration_rotated_frame(ph: phantom.Phantom, prior: dicom.DoseGrid) -> None:
    # prior course in another frame of reference, related by a 30° rotation about z through
    # the phantom centre: p_target = R·(p_prior - c) + c
    new = _grid(ph, "1.2.826.0.1.3680043.8.498.77")
    th = math.radians(30.0)
    rot = np.array([[math.cos(th), -math.sin(th), 0], [math.sin(th), math.cos(th), 0], [0, 0, 1]])
    c = np.array(ph.centre_mm)
    m = np.eye(4)
    m[:3, :3] = rot
    m[:3, 3] = c - rot @ c
    courses = [accumulate.Course(prior, 25, "prior"), accumulate.Course(new, 5, "new")]
    with pytest.raises(accumulate.AccumulationError, match="refusing to sum without an explicit"):
        accumulate.sum_eqd2(courses, alpha_beta_gy=AB)
    courses[0] = accumulate.Course(prior, 25, "prior", registration=m)
    acc = accumulate.sum_eqd2(courses, alpha_beta_gy=AB)
    pts = _points(new)
    prior_pts = (pts - m[:3, 3]) @ rot  # R⁻¹ = Rᵀ, applied to row vectors
    expected = _eqd2(ph.dose(prior_pts), 25) + _eqd2(0.5 * ph.dose(pts), 5)
    np.testing.assert_allclose(acc.dose.dose_gy, expected, rtol=0, atol=1e-6)
    assert acc.courses[0].registration is not None


@pytest.mark.parametrize(
    ("matrix", "message"),
    [
        (np.diag([2.0, 1.0, 1.0, 1.0]), "not rigid"),
        (np.diag([-1.0, 1.0, 1.0, 1.0]), "not rigid"),
        (np.eye(3), "finite 4×4 matrix"),
    ],
)
def test_non_rigid_registration_refused(
    ph: phantom.Phantom, prior: dicom.DoseGrid, matrix: np.ndarray, message: str
) -> None:
    new = _grid(ph, prior.frame_of_reference_uid)
    courses = [
        accumulate.Course(prior, 25, "prior", registration=matrix),
        accumulate.Course(new, 5, "new"),
    ]
    with pytest.raises(accumulate.AccumulationError, match=f"course 'prior'.*{message}"):
        accumulate.sum_eqd2(courses, alpha_beta_gy=AB)


def test_recovery_needs_rationale_and_is_recorded(
    ph: phantom.Phantom, prior: dicom.DoseGrid
) -> None:
    new = _grid(ph, prior.frame_of_reference_uid)
    with pytest.raises(accumulate.AccumulationError, match="needs a stated rationale"):
        accumulate.sum_eqd2(
            [
                accumulate.Course(prior, 25, "prior", recovery_fraction=0.25),
                accumulate.Course(new, 5, "new"),
            ],
            alpha_beta_gy=AB,
        )
    with pytest.raises(
        accumulate.AccumulationError, match=r"recovery_fraction must be in \[0, 1\)"
    ):
        accumulate.sum_eqd2(
            [
                accumulate.Course(
                    prior, 25, "prior", recovery_fraction=1.0, recovery_rationale="x"
                ),
                accumulate.Course(new, 5, "new"),
            ],
            alpha_beta_gy=AB,
        )
    rationale = "user-stated 25 % recovery"
    acc = accumulate.sum_eqd2(
        [
            accumulate.Course(
                prior, 25, "prior", recovery_fraction=0.25, recovery_rationale=rationale
            ),
            accumulate.Course(new, 5, "new"),
        ],
        alpha_beta_gy=AB,
    )
    d = ph.dose(_points(new))
    np.testing.assert_allclose(
        acc.dose.dose_gy, 0.75 * _eqd2(d, 25) + _eqd2(0.5 * d, 5), rtol=0, atol=1e-6
    )
    assert acc.courses[0].recovery_fraction == 0.25
    assert rationale in acc.describe()


def test_outside_course_grid(ph: phantom.Phantom, prior: dicom.DoseGrid) -> None:
    big = _grid(ph, prior.frame_of_reference_uid, spacing=4.0, n=30)  # 116 mm > prior's 84 mm
    courses = [accumulate.Course(prior, 25, "prior"), accumulate.Course(big, 5, "new")]
    with pytest.raises(accumulate.AccumulationError, match=r"course 'prior': .* target voxels lie"):
        accumulate.sum_eqd2(courses, alpha_beta_gy=AB)
    acc = accumulate.sum_eqd2(courses, alpha_beta_gy=AB, outside="zero")
    n_out = acc.courses[0].voxels_outside_course_grid
    assert n_out > 0
    assert any("assumed to receive 0 Gy" in note for note in acc.notes)


def test_refusals(ph: phantom.Phantom, prior: dicom.DoseGrid) -> None:
    with pytest.raises(accumulate.AccumulationError, match="two or more courses"):
        accumulate.sum_eqd2([accumulate.Course(prior, 25, "only")], alpha_beta_gy=AB)
    eff = prior.with_dose(prior.dose_gy, dose_type="EFFECTIVE")
    with pytest.raises(accumulate.AccumulationError, match="must be PHYSICAL"):
        accumulate.sum_eqd2(
            [accumulate.Course(eff, 25, "a"), accumulate.Course(prior, 5, "b")], alpha_beta_gy=AB
        )
    with pytest.raises(accumulate.AccumulationError, match="fractions must be >= 1"):
        accumulate.sum_eqd2(
            [accumulate.Course(prior, 0, "a"), accumulate.Course(prior, 5, "b")], alpha_beta_gy=AB
        )


def test_written_rtdose_reads_back_and_feeds_dvh(
    tmp_path: Path, ph: phantom.Phantom, prior: dicom.DoseGrid
) -> None:
    acc = accumulate.sum_eqd2(
        [accumulate.Course(prior, 25, "prior"), accumulate.Course(prior, 5, "boost")],
        alpha_beta_gy=AB,
    )
    path = accumulate.write(acc, tmp_path / "eqd2_sum.dcm")
    ds = pydicom.dcmread(path)
    assert ds.SOPClassUID == dicom.RT_DOSE_STORAGE and ds.Modality == "RTDOSE"
    assert ds.DoseType == "EFFECTIVE" and ds.DoseSummationType == "MULTI_PLAN"
    assert ds.DoseComment == "EQD2 sum a/b 3 Gy, 2 courses"
    assert "Course 2 'boost': 5 fractions" in ds.ImageComments
    back = dicom.read_dose(path)
    assert np.max(np.abs(back.dose_gy - acc.dose.dose_gy)) <= float(ds.DoseGridScaling)
    # cumulative-EQD2 DVH of the sphere: mean = Σ_courses (E[D²]/n + α/β·D_c)/(2 + α/β),
    # E[D²] = D_c² + |g|²R²/5 (uniform ball in a linear field)
    sphere = next(s for s in dicom.read_structures(ph.struct_path).values() if s.name == "Sphere")
    h = dvh.compute(back, sphere)
    g2 = float(np.dot(ph.gradient_gy_per_mm, ph.gradient_gy_per_mm))
    ed2 = ph.dose_at_centre_gy**2 + g2 * phantom.SPHERE_R**2 / 5
    expected = sum((ed2 / n + AB * ph.dose_at_centre_gy) / (2 + AB) for n in (25, 5))
    assert h.mean_gy == pytest.approx(expected, abs=0.02)
    assert h.dose_quantity.startswith("effective dose (EQD2 sum a/b 3 Gy")
    with pytest.raises(dvh.DVHError, match="double-count"):
        dvh.compute(back, sphere, eqd2=dvh.Eqd2(5, AB))
