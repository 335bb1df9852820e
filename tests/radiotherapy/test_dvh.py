"""DVH engine (breastcds.dose.dvh) and the ``breastcds dvh`` command.

Truth sources:
* dicompyler-core 0.5.6 results on the example plan (reference/dvh/
  dicompyler_example_reference.json) for compat mode: ≤ 0.5 % volume, ≤ 0.05 Gy dose;
* the analytic phantom (phantom.py): sphere/cylinder/ring volumes and dose statistics in a
  linear dose field;
* matplotlib ``Path.contains_points`` for the pixel-centre rasteriser.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import phantom
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.path import Path as MplPath
from tests.conftest import DICOM_EXAMPLE, REFERENCE
from typer.testing import CliRunner

from breastcds.cli.main import app
from breastcds.dose import dicom, dvh, lq

REF_FILE = REFERENCE / "dvh" / "dicompyler_example_reference.json"
DOSE_METRICS = ("mean_gy", "min_gy", "max_gy", "D98_gy", "D95_gy", "D50_gy", "D2_gy")
VOLUME_METRICS = ("V1Gy_cc", "V5Gy_cc", "V10Gy_cc")


@pytest.fixture(scope="module")
def reference() -> dict[int, dict[str, object]]:
    data = json.loads(REF_FILE.read_text(encoding="utf-8"))
    assert data["tool"].startswith("dicompyler-core 0.5.6")
    return {int(v["roi_number"]): v for v in data["structures"].values()}


@pytest.fixture(scope="module")
def example() -> tuple[dicom.DoseGrid, dict[int, dicom.Structure]]:
    return (
        dicom.read_dose(DICOM_EXAMPLE / "rtdose.dcm"),
        dicom.read_structures(DICOM_EXAMPLE / "rtss.dcm"),
    )


@pytest.fixture(scope="module")
def ph(tmp_path_factory: pytest.TempPathFactory) -> phantom.Phantom:
    return phantom.build(tmp_path_factory.mktemp("phantom"))


@pytest.fixture(scope="module")
def ph_data(ph: phantom.Phantom) -> tuple[dicom.DoseGrid, dict[str, dicom.Structure]]:
    dose = dicom.read_dose(ph.dose_path)
    return dose, {s.name: s for s in dicom.read_structures(ph.struct_path).values()}


# ------------------------------------------------------------ compat vs dicompyler-core


@pytest.mark.parametrize("roi", [1, 3, 4, 5, 6, 7, 8, 9, 10])
def test_compat_matches_dicompyler_core(
    roi: int,
    reference: dict[int, dict[str, object]],
    example: tuple[dicom.DoseGrid, dict[int, dicom.Structure]],
) -> None:
    dose, structures = example
    ref = reference[roi]
    h = dvh.compute(dose, structures[roi], mode="compat")
    s = h.summary(volume_metrics_gy=(1.0, 5.0, 10.0))
    vol = float(ref["volume_cc"])  # type: ignore[arg-type]
    assert s["volume_cc"] == pytest.approx(vol, rel=0.005)
    for key in DOSE_METRICS:
        assert s[key] == pytest.approx(ref[key], abs=0.05), key
    for key in VOLUME_METRICS:
        assert s[key] == pytest.approx(ref[key], abs=0.005 * vol), key
    # the whole cumulative curve, bin by bin (0.01 Gy bins)
    ref_cum = np.asarray(ref["cumulative_cc"], dtype=float)
    assert h.bin_width_gy == ref["bin_width_gy"] == 0.01
    assert h.cumulative_cc.size == ref_cum.size
    np.testing.assert_allclose(h.cumulative_cc, ref_cum, atol=0.005 * vol, rtol=0)


def test_compat_empty_roi_is_an_error_not_a_zero(
    reference: dict[int, dict[str, object]],
    example: tuple[dicom.DoseGrid, dict[int, dicom.Structure]],
) -> None:
    # dicompyler-core reports Areola (no contours) as an empty DVH of 0 cc; breastcds refuses
    assert reference[2]["volume_cc"] == 0.0
    dose, structures = example
    with pytest.raises(dvh.DVHError, match=r"'Areola'.*has no closed planar contour data"):
        dvh.compute(dose, structures[2], mode="compat")
    results = dvh.compute_all(dose, structures.values(), mode="compat")
    assert isinstance(results[2], dvh.DVHError)
    assert all(isinstance(results[n], dvh.DVH) for n in (1, 3, 4, 5, 6, 7, 8, 9, 10))


@pytest.mark.parametrize("roi", [1, 4, 5, 6, 9, 10])
def test_accurate_mode_agrees_with_peer_on_large_rois(
    roi: int,
    reference: dict[int, dict[str, object]],
    example: tuple[dicom.DoseGrid, dict[int, dicom.Structure]],
) -> None:
    # partial-volume weighting changes boundary voxels only: for ROIs ≥ 13 cc the volume
    # stays within 1 % and the mean within 0.05 Gy of dicompyler-core
    dose, structures = example
    h = dvh.compute(dose, structures[roi])
    assert h.volume_cc == pytest.approx(reference[roi]["volume_cc"], rel=0.01)
    assert h.mean_gy == pytest.approx(reference[roi]["mean_gy"], abs=0.05)


def test_heart_mean_dose_example(
    example: tuple[dicom.DoseGrid, dict[int, dicom.Structure]],
    reference: dict[int, dict[str, object]],
) -> None:
    # the mean heart dose (PREDICT v3 input) from the public API
    dose, structures = example
    heart = next(s for s in structures.values() if s.name == "Heart")
    assert dvh.compute(dose, heart, mode="compat").mean_gy == pytest.approx(
        reference[5]["mean_gy"], abs=1e-9
    )


# ------------------------------------------------------------ analytic phantom


def test_phantom_sphere_accurate(
    ph: phantom.Phantom, ph_data: tuple[dicom.DoseGrid, dict[str, dicom.Structure]]
) -> None:
    dose, s = ph_data
    h = dvh.compute(dose, s["Sphere"])
    t = ph.truth["Sphere"]
    r = phantom.SPHERE_R
    spacing = phantom.PLANE_SPACING
    # Contours every 3 mm through the centre, each a slab of 3 mm: the z-quadrature is the
    # midpoint rule, Σ_j π(R² - (3j)²)·3 for j = -9..9 = 3π(19·900 - 9·570) mm³, 0.25 % below
    # 4/3πR³. The in-plane partial-volume error must be far smaller than that.
    midpoint_cc = (
        sum(math.pi * (r**2 - (spacing * j) ** 2) * spacing for j in range(-9, 10)) / 1000.0
    )
    assert midpoint_cc == pytest.approx(3 * math.pi * (19 * 900 - 9 * 570) / 1000.0)
    assert h.volume_cc == pytest.approx(midpoint_cc, rel=2e-4)
    assert h.volume_cc == pytest.approx(t.volume_cc, rel=0.003)
    # linear field: the exact mean over the sphere is D_c
    assert h.mean_gy == pytest.approx(t.mean_gy, abs=0.002)
    # voxel doses are voxel means: extremes within |g|·(half pixel diagonal + half slab)
    g = float(np.linalg.norm(ph.gradient_gy_per_mm))
    bound = g * (math.hypot(1.25, 1.25) + spacing / 2)
    assert t.min_gy <= h.min_gy <= t.min_gy + bound
    assert t.max_gy - bound <= h.max_gy <= t.max_gy
    # D_x against the spherical-cap solution
    assert h.dose_at_volume_pct(50) == pytest.approx(ph.dose_at_centre_gy, abs=0.01)
    for x in (98, 95, 2):
        assert h.dose_at_volume_pct(x) == pytest.approx(ph.sphere_dose_at_volume_pct(x), abs=0.05)


@pytest.mark.parametrize("name", ["Cylinder", "Ring"])
def test_phantom_cylinder_and_ring_accurate(
    name: str,
    ph: phantom.Phantom,
    ph_data: tuple[dicom.DoseGrid, dict[str, dicom.Structure]],
) -> None:
    # slabs tile the cylinder exactly, so the volume error is the in-plane error only
    dose, s = ph_data
    h = dvh.compute(dose, s[name])
    t = ph.truth[name]
    assert h.volume_cc == pytest.approx(t.volume_cc, rel=0.001)
    assert h.mean_gy == pytest.approx(t.mean_gy, abs=0.002)
    assert t.min_gy <= h.min_gy and h.max_gy <= t.max_gy


@pytest.mark.parametrize("name", ["Sphere", "Cylinder", "Ring"])
def test_phantom_compat_within_half_percent(
    name: str,
    ph: phantom.Phantom,
    ph_data: tuple[dicom.DoseGrid, dict[str, dicom.Structure]],
) -> None:
    dose, s = ph_data
    h = dvh.compute(dose, s[name], mode="compat")
    t = ph.truth[name]
    assert h.volume_cc == pytest.approx(t.volume_cc, rel=0.005)
    assert h.mean_gy == pytest.approx(t.mean_gy, abs=0.01)


def test_ring_hole_is_xor(ph_data: tuple[dicom.DoseGrid, dict[str, dicom.Structure]]) -> None:
    dose, s = ph_data
    for mode in ("accurate", "compat"):
        cyl = dvh.compute(dose, s["Cylinder"], mode=mode)  # type: ignore[arg-type]
        ring = dvh.compute(dose, s["Ring"], mode=mode)  # type: ignore[arg-type]
        ratio = (phantom.CYL_A**2 - phantom.CYL_B**2) / phantom.CYL_A**2
        assert ring.volume_cc == pytest.approx(cyl.volume_cc * ratio, rel=0.01)


def test_phantom_eqd2_mean_is_analytic(
    ph: phantom.Phantom, ph_data: tuple[dicom.DoseGrid, dict[str, dicom.Structure]]
) -> None:
    # E[EQD2] = (E[D²]/n + α/β·E[D])/(2 + α/β); over a uniform ball in a linear field
    # E[D] = D_c and Var(D) = |g|²·R²/5 (variance of one coordinate of a uniform ball).
    dose, s = ph_data
    n, ab = 25, 3.0
    g2 = float(np.dot(ph.gradient_gy_per_mm, ph.gradient_gy_per_mm))
    mean_d2 = ph.dose_at_centre_gy**2 + g2 * phantom.SPHERE_R**2 / 5
    expected = (mean_d2 / n + ab * ph.dose_at_centre_gy) / (2 + ab)
    h = dvh.compute(dose, s["Sphere"], eqd2=dvh.Eqd2(n, ab))
    assert h.mean_gy == pytest.approx(expected, abs=0.01)
    phys = dvh.compute(dose, s["Sphere"])
    assert h.max_gy == pytest.approx(lq.eqd2(phys.max_gy, n, ab), rel=1e-9)
    assert h.dose_quantity == "EQD2 (α/β 3 Gy, 25 fractions)"


def test_eqd2_of_effective_dose_is_refused(
    ph_data: tuple[dicom.DoseGrid, dict[str, dicom.Structure]],
) -> None:
    dose, s = ph_data
    eff = dose.with_dose(dose.dose_gy, dose_type="EFFECTIVE")
    with pytest.raises(dvh.DVHError, match="would double-count"):
        dvh.compute(eff, s["Sphere"], eqd2=dvh.Eqd2(25, 3.0))


def test_single_plane_needs_thickness(
    ph_data: tuple[dicom.DoseGrid, dict[str, dicom.Structure]],
) -> None:
    dose, s = ph_data
    cyl = s["Cylinder"]
    one = dicom.Structure(cyl.number, cyl.name, cyl.frame_of_reference_uid, cyl.planes[:1])
    with pytest.raises(dvh.DVHError, match=r"contours on one plane only.*pass thickness_mm"):
        dvh.compute(dose, one)
    h = dvh.compute(dose, one, thickness_mm=3.0)
    assert h.volume_cc == pytest.approx(math.pi * phantom.CYL_A**2 * 3.0 / 1000.0, rel=0.002)


# ------------------------------------------------------------ metrics


def test_metrics_by_name_and_invariants(
    ph_data: tuple[dicom.DoseGrid, dict[str, dicom.Structure]],
) -> None:
    dose, s = ph_data
    h = dvh.compute(dose, s["Cylinder"])
    cum = h.cumulative_cc
    assert cum[0] == pytest.approx(h.volume_cc)
    assert np.all(np.diff(cum) <= 1e-12)
    assert h.metric("Dmean") == h.mean_gy
    assert h.metric("D95") == h.dose_at_volume_pct(95)
    assert h.metric("D2cc") == h.dose_at_volume_cc(2.0)
    assert h.metric("V40Gy") == h.volume_at_dose_cc(40.0)
    assert h.metric("V40Gy%") == pytest.approx(100 * h.volume_at_dose_cc(40.0) / h.volume_cc)
    # symmetric field about D_c: half the volume above the centre dose
    assert h.volume_at_dose_pct(phantom.DOSE_AT_CENTRE) == pytest.approx(50.0, abs=0.2)
    assert h.dose_at_volume_pct(100) == h.min_gy and h.dose_at_volume_pct(0) == h.max_gy
    assert h.volume_at_dose_cc(h.max_gy + 1) == 0.0
    # D_x and V_x are inverse: V(D_x) = x %
    for x in (10.0, 37.0, 80.0):
        assert h.volume_at_dose_pct(h.dose_at_volume_pct(x)) == pytest.approx(x, abs=1e-6)
    with pytest.raises(ValueError, match="unknown DVH metric 'Q5'"):
        h.metric("Q5")
    with pytest.raises(ValueError, match="exceeds the volume"):
        h.dose_at_volume_cc(1e6)


# ------------------------------------------------------------ rasteriser vs matplotlib


@st.composite
def polygons(draw: st.DrawFn) -> np.ndarray:
    n = draw(st.integers(3, 24))
    radii = draw(st.lists(st.floats(1.0, 12.0), min_size=n, max_size=n))
    cx = draw(st.floats(-3.0, 3.0))
    cy = draw(st.floats(-3.0, 3.0))
    t = np.sort(np.asarray(draw(st.lists(st.floats(0, 2 * math.pi), min_size=n, max_size=n))))
    r = np.asarray(radii)
    return np.column_stack([cx + r * np.cos(t), cy + r * np.sin(t)])


@settings(max_examples=60, deadline=None)
@given(
    poly=polygons(),
    hole=polygons(),
    flip_x=st.booleans(),
    flip_y=st.booleans(),
    spacing=st.sampled_from([0.7, 1.0, 2.5]),
)
def test_centre_mask_matches_matplotlib(
    poly: np.ndarray, hole: np.ndarray, flip_x: bool, flip_y: bool, spacing: float
) -> None:
    positions = np.arange(-16.0, 16.0, spacing) + 0.13
    lines = np.arange(-15.0, 15.0, spacing) - 0.29
    if flip_x:
        positions = positions[::-1]
    if flip_y:
        lines = lines[::-1]
    contours = (poly, 0.5 * hole)
    xs, ys = np.meshgrid(positions, lines)
    pts = np.column_stack([xs.ravel(), ys.ravel()])
    expected = np.zeros(xs.shape, dtype=bool)
    for c in contours:
        expected ^= MplPath(c).contains_points(pts).reshape(xs.shape)
    c3 = tuple(np.column_stack([c, np.zeros(len(c))]) for c in contours)
    u0, v0, u1, v1, pid = dvh._edges([c3], np.eye(2), np.zeros(2))
    got = dvh._centre_mask(u0, v0, u1, v1, pid, 1, lines, positions)[0]
    np.testing.assert_array_equal(got, expected)


# ------------------------------------------------------------ CLI


def test_cli_json_has_every_metric_by_roi(tmp_path: Path) -> None:
    runner = CliRunner()
    csv_path = tmp_path / "dvh.csv"
    png_path = tmp_path / "dvh.png"
    result = runner.invoke(
        app,
        [
            "dvh",
            "--dose",
            str(DICOM_EXAMPLE / "rtdose.dcm"),
            "--struct",
            str(DICOM_EXAMPLE / "rtss.dcm"),
            "--format",
            "json",
            "--mode",
            "compat",
            "--metric",
            "D0.03cc",
            "--csv",
            str(csv_path),
            "--plot",
            str(png_path),
        ],
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    ref = json.loads(REF_FILE.read_text(encoding="utf-8"))["structures"]
    by_number = {e["roi_number"]: e for e in report["structures"]}
    assert set(by_number) == set(range(1, 11))
    assert "no closed planar contour data" in by_number[2]["error"]
    heart = by_number[5]
    assert heart["roi_name"] == "Heart"
    for key in (
        "volume_cc",
        "mean_gy",
        "min_gy",
        "max_gy",
        "D98_gy",
        "D95_gy",
        "D50_gy",
        "D2_gy",
        "V1Gy_cc",
        "V5Gy_cc",
        "V10Gy_cc",
        "V20Gy_cc",
        "V20Gy_pct",
        "D0.03cc",
    ):
        assert key in heart["metrics"]
    assert heart["metrics"]["mean_gy"] == pytest.approx(ref["Heart"]["mean_gy"], abs=1e-9)
    assert csv_path.read_text().startswith("roi_number,roi_name,dose_quantity,dose_gy")
    assert png_path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_cli_errors(tmp_path: Path) -> None:
    runner = CliRunner()
    dose = str(DICOM_EXAMPLE / "rtdose.dcm")
    rtss = str(DICOM_EXAMPLE / "rtss.dcm")
    r = runner.invoke(app, ["dvh", "--dose", rtss, "--struct", rtss])
    assert r.exit_code == 2
    assert "Modality (0008,0060) is 'RTSTRUCT', expected 'RTDOSE'" in r.stderr
    r = runner.invoke(app, ["dvh", "--dose", dose, "--struct", rtss, "--alpha-beta", "3"])
    assert r.exit_code == 2 and "need --fractions" in r.stderr
    r = runner.invoke(app, ["dvh", "--dose", dose, "--struct", rtss, "--roi", "Liver"])
    assert r.exit_code == 2 and "no ROI 'Liver'" in r.stderr
    r = runner.invoke(app, ["dvh", "--dose", dose, "--struct", rtss, "--roi", "Areola", "--strict"])
    assert r.exit_code == 1


def test_cli_eqd2_per_roi(tmp_path: Path) -> None:
    runner = CliRunner()
    r = runner.invoke(
        app,
        [
            "dvh",
            "--dose",
            str(DICOM_EXAMPLE / "rtdose.dcm"),
            "--struct",
            str(DICOM_EXAMPLE / "rtss.dcm"),
            "--format",
            "json",
            "--roi",
            "Heart",
            "--roi",
            "9",
            "--fractions",
            "5",
            "--alpha-beta-roi",
            "Heart=2",
            "--alpha-beta-roi",
            "Tumor Bed=10",
        ],
    )
    assert r.exit_code == 0, r.output
    entries = {e["roi_name"]: e for e in json.loads(r.stdout)["structures"]}
    assert entries["Heart"]["dose_quantity"] == "EQD2 (α/β 2 Gy, 5 fractions)"
    assert entries["Tumor Bed"]["dose_quantity"] == "EQD2 (α/β 10 Gy, 5 fractions)"
