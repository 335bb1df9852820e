"""Re-irradiation from DICOM RT (breastcds.dose.reirradiation_dicom and the CLI).

Expected values are hand calculations with the LQ model, EQD2 = D·(d + α/β)/(2 + α/β),
d = D/n (reirradiation.md §2), on analytic phantoms written as real DICOM by ``phantom.py``:

* a **uniform** dose, where every voxel (so every DVH metric) has the course dose, and
* the **linear-gradient** phantom, where over the sphere (radius R about the centre c, dose
  D_c at c, gradient g) E[D] = D_c and E[D²] = D_c² + |g|²R²/5 (the second moment of a
  uniform ball is R²/5 per axis direction), so the mean of voxel-wise EQD2 of a course of
  n fractions is (E[D²]/n + α/β·D_c)/(2 + α/β).

On the real example plan the cumulative heart mean EQD2 is checked against the same formula
with E[D] and E[D²] taken from the physical DVH's histogram.
"""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import phantom
import pytest
from tests.conftest import DICOM_EXAMPLE, REPO_ROOT
from typer.testing import CliRunner

from breastcds.cli.main import app
from breastcds.dose import dicom, dvh
from breastcds.dose import reirradiation as rr
from breastcds.dose import reirradiation_dicom as rd

EXAMPLE_PLAN = REPO_ROOT / "src/breastcds/examples/plans/reirradiation_dicom_example.json"
OTHER_FRAME = "1.2.826.0.1.3680043.8.498.99"

runner = CliRunner()


def eqd2(dose: float, n: int, ab: float) -> float:
    return dose * (dose / n + ab) / (2.0 + ab)


# ---------------------------------------------------------------------------- phantoms


def _uniform_course(directory: Path, dose_gy: float, frame_uid: str = phantom.FRAME_UID) -> None:
    """A uniform dose over a 100 mm cube and two ROIs inside it: 'Cord' (sphere R 10 mm)
    and 'Heart' (cylinder r 20 mm, 30 mm long)."""
    directory.mkdir(parents=True, exist_ok=True)
    n = 41
    phantom.write_rtdose(
        directory / "rtdose.dcm",
        np.full((n, n, n), dose_gy),
        origin_mm=(-50.0, -50.0, -50.0),
        spacing_mm=(2.5, 2.5),
        frame_offsets_mm=2.5 * np.arange(n),
        frame_uid=frame_uid,
    )
    cord = {
        round(z, 4): [phantom.circle(0.0, 0.0, math.sqrt(100.0 - z * z))]
        for z in np.arange(-9.0, 9.01, 3.0)
    }
    heart = {round(z, 4): [phantom.circle(5.0, 5.0, 20.0)] for z in np.arange(-13.5, 13.6, 3.0)}
    phantom.write_rtstruct(
        directory / "rtss.dcm",
        [phantom.ROI(1, "Cord", cord), phantom.ROI(2, "Heart", heart)],
        frame_uid=frame_uid,
    )


def _course(when: str, n: int, directory: str, **dicom_extra: Any) -> dict[str, Any]:
    return {
        "when": when,
        "fractions": n,
        "dicom": {
            "dose": f"{directory}/rtdose.dcm",
            "structures": f"{directory}/rtss.dcm",
            **dicom_extra,
        },
    }


def _plan(courses: list[dict[str, Any]], **extra: Any) -> rr.ReirradiationPlan:
    data: dict[str, Any] = {
        "courses": courses,
        "overlap": {"geometric_overlap": True},
        "dicom_roi_map": {"Cord": "spinal_cord", "Heart": "heart"},
        "organ_parameters": [
            {
                "organ": "heart",
                "metric": "Dmean",
                "cumulative_limit_eqd2_gy": 60.0,
                "rationale": "test limit",
            }
        ],
    }
    data.update(extra)
    return rr.ReirradiationPlan.model_validate(data)


@pytest.fixture(scope="module")
def uniform_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("uniform")
    _uniform_course(base / "prior", 30.0)
    _uniform_course(base / "planned", 20.0)
    _uniform_course(base / "planned_other_frame", 20.0, frame_uid=OTHER_FRAME)
    return base


def organ(result: rr.ReirradiationResult, name: str, metric: str) -> rr.OrganAssessment:
    return next(o for o in result.organs if o.organ == name and o.metric == metric)


# ------------------------------------------------------------------- uniform phantom


def test_uniform_two_courses_voxel_sum_matches_hand_calculation(uniform_dir: Path) -> None:
    # Nieder's limit holds only with an interval >= 6 months between courses: the dates
    # (2025-01-10 -> 2025-09-01 = 234 days = 7.7 months) are recorded.
    prior = {**_course("prior", 10, "prior"), "end_date": "2025-01-10"}
    planned = {**_course("planned", 5, "planned"), "start_date": "2025-09-01"}
    plan = _plan([prior, planned])
    result, reading = rd.assess(plan, uniform_dir)

    # spinal cord, α/β 2 Gy (constraint table), Dmax = D0.03cc; every voxel has the course dose:
    #   prior   30 Gy / 10 fx: 30·(3 + 2)/(2 + 2) = 37.5 Gy
    #   planned 20 Gy /  5 fx: 20·(4 + 2)/(2 + 2) = 30.0 Gy
    #   cumulative 67.5 Gy <= 67.75 Gy (Nieder), interval 7.7 >= 6 months -> within
    cord = organ(result, "spinal_cord", "Dmax")
    assert cord.alpha_beta_gy == 2.0
    assert [c.eqd2_gy for c in cord.courses] == pytest.approx([37.5, 30.0], abs=1e-6)
    assert [c.dose_gy for c in cord.courses] == pytest.approx([30.0, 20.0], abs=1e-6)
    assert cord.cumulative_eqd2_gy == pytest.approx(67.5, abs=1e-6)
    assert cord.summation_method == "voxel_eqd2"
    assert cord.verdict == "within"
    assert all(c.dose_quantity == "eqd2" for c in cord.courses)
    assert "D0.03cc" in (cord.courses[0].dose_source or "")
    assert any("D0.03cc" in c for c in cord.caveats)

    # heart Dmean, α/β 3 Gy (constraint table), limit 60 Gy stated in the plan:
    #   prior 30·(3 + 3)/5 = 36 Gy, planned 20·(4 + 3)/5 = 28 Gy, cumulative 64 Gy > 60 Gy
    heart = organ(result, "heart", "Dmean")
    assert heart.alpha_beta_gy == 3.0
    assert heart.cumulative_eqd2_gy == pytest.approx(64.0, abs=1e-6)
    assert heart.verdict == "exceeds"
    assert heart.limit_source is not None and "stated in the plan" in heart.limit_source
    assert heart.recovery_fraction_of_prior == 0.0 and not heart.recovery_stated
    # no "EQD2 of a mean physical dose" caveat: the mean is of voxel-wise EQD2
    assert not any("approximation" in c for c in heart.caveats)

    assert result.summation_method == "voxel_eqd2"
    assert {a.alpha_beta_gy for a in reading.accumulations} == {2.0, 3.0}
    cumulative = [c for c in reading.curves if c.course == "cumulative"]
    assert {c.organ for c in cumulative} == {"spinal_cord", "heart"}
    assert all(len(c.dose_gy) == len(c.volume_pct) == rd.CURVE_POINTS for c in reading.curves)
    assert any("DICOM courses" in a for a in result.assumptions)


def test_stated_recovery_is_applied_to_prior_courses_only(uniform_dir: Path) -> None:
    plan = _plan(
        [_course("prior", 10, "prior"), _course("planned", 5, "planned")],
        recovery_fraction_of_prior=0.25,
        recovery_rationale="test: 25 % stated by the department",
    )
    result, reading = rd.assess(plan, uniform_dir)
    heart = organ(result, "heart", "Dmean")
    # 36 Gy × (1 − 0.25) + 28 Gy = 27 + 28 = 55 Gy <= 60 Gy
    assert heart.cumulative_eqd2_gy == pytest.approx(55.0, abs=1e-6)
    assert heart.verdict == "within"
    assert heart.recovery_stated and heart.recovery_fraction_of_prior == 0.25
    assert "recovery 25% of prior courses" in heart.summation_detail
    for acc in reading.accumulations:
        assert [c.recovery_fraction for c in acc.courses] == [0.25, 0.0]


def test_recovery_without_rationale_cannot_assess_naming_the_field(uniform_dir: Path) -> None:
    plan = _plan(
        [_course("prior", 10, "prior"), _course("planned", 5, "planned")],
        recovery_fraction_of_prior=0.25,
    )
    result, _ = rd.assess(plan, uniform_dir)
    heart = organ(result, "heart", "Dmean")
    assert heart.verdict == "cannot_assess"
    assert heart.cumulative_eqd2_gy is None
    assert any("recovery_rationale" in r for r in heart.reasons)


def test_dvh_eqd2_stated_sums_course_metrics(uniform_dir: Path) -> None:
    plan = _plan(
        [_course("prior", 10, "prior"), _course("planned", 5, "planned")],
        summation_method="dvh_eqd2",
    )
    result, reading = rd.assess(plan, uniform_dir)
    cord = organ(result, "spinal_cord", "Dmax")
    assert cord.summation_method == "dvh_eqd2"
    assert cord.cumulative_eqd2_gy == pytest.approx(37.5 + 30.0, abs=1e-6)
    assert reading.accumulations == ()


def test_other_frame_of_reference_without_registration_is_refused(uniform_dir: Path) -> None:
    plan = _plan([_course("prior", 10, "prior"), _course("planned", 5, "planned_other_frame")])
    with pytest.raises(rd.PlanDicomError) as exc:
        rd.assess(plan, uniform_dir)
    message = str(exc.value)
    assert "courses[0].dicom" in message and "registration" in message
    assert phantom.FRAME_UID in message and OTHER_FRAME in message


def test_other_frame_with_registration_is_summed(uniform_dir: Path) -> None:
    identity = np.eye(4).tolist()
    plan = _plan(
        [
            _course("prior", 10, "prior", registration=identity),
            _course("planned", 5, "planned_other_frame"),
        ]
    )
    result, reading = rd.assess(plan, uniform_dir)
    assert organ(result, "spinal_cord", "Dmax").cumulative_eqd2_gy == pytest.approx(67.5, abs=1e-6)
    assert "rigid registration of courses[0]" in organ(result, "heart", "Dmean").summation_detail
    assert reading.accumulations[0].courses[0].registration is not None


def test_registration_on_the_summation_course_is_refused(uniform_dir: Path) -> None:
    plan = _plan(
        [
            _course("prior", 10, "prior"),
            _course("planned", 5, "planned", registration=np.eye(4).tolist()),
        ]
    )
    with pytest.raises(rd.PlanDicomError, match=r"courses\[1\]\.dicom\.registration"):
        rd.assess(plan, uniform_dir)


def test_missing_file_names_field_and_path(uniform_dir: Path) -> None:
    plan = _plan([_course("prior", 10, "nowhere"), _course("planned", 5, "planned")])
    with pytest.raises(rd.PlanDicomError) as exc:
        rd.assess(plan, uniform_dir)
    message = str(exc.value)
    assert "courses[0].dicom.dose" in message
    assert str(uniform_dir / "nowhere" / "rtdose.dcm") in message
    assert "file not found" in message


def test_roi_missing_from_a_course_cannot_assess_naming_it(uniform_dir: Path) -> None:
    plan = _plan(
        [
            _course("prior", 10, "prior", roi_map={"SpinalCord": "spinal_cord", "Heart": "heart"}),
            _course("planned", 5, "planned"),
        ]
    )
    result, _ = rd.assess(plan, uniform_dir)
    cord = organ(result, "spinal_cord", "Dmax")
    # the voxel sum does not need the prior ROI, but the prior course's own dose is missing
    assert cord.verdict == "cannot_assess"
    assert any("'SpinalCord' is not" in r and "Cord" in r for r in cord.reasons)
    assert organ(result, "heart", "Dmean").cumulative_eqd2_gy == pytest.approx(64.0, abs=1e-6)


def test_missing_fractions_cannot_assess(uniform_dir: Path) -> None:
    prior = _course("prior", 10, "prior")
    del prior["fractions"]
    plan = _plan([prior, _course("planned", 5, "planned")], summation_method="dvh_eqd2")
    result, _ = rd.assess(plan, uniform_dir)
    heart = organ(result, "heart", "Dmean")
    assert heart.verdict == "cannot_assess"
    assert any("courses[0].fractions" in r for r in heart.reasons)


def test_dose_given_twice_is_refused(uniform_dir: Path) -> None:
    prior = _course("prior", 10, "prior")
    prior["organ_doses"] = [{"organ": "heart", "metric": "Dmean", "dose_gy": 3.0}]
    with pytest.raises(rd.PlanDicomError, match="contradictory sources"):
        rd.assess(_plan([prior, _course("planned", 5, "planned")]), uniform_dir)


def test_voxel_summation_needs_every_course_with_dicom(uniform_dir: Path) -> None:
    manual = {
        "when": "prior",
        "fractions": 10,
        "organ_doses": [{"organ": "heart", "metric": "Dmean", "dose_gy": 30.0}],
    }
    plan = _plan([manual, _course("planned", 5, "planned")], summation_method="voxel_eqd2")
    with pytest.raises(rd.PlanDicomError, match=r"courses\[0\] give\(s\) no DICOM"):
        rd.assess(plan, uniform_dir)
    # not stated: the point dose of the manual course and the DVH metric of the DICOM course
    # are summed in EQD2: 30 Gy/10 fx -> 36 Gy, 20 Gy/5 fx -> 28 Gy (α/β 3 Gy), 64 Gy
    result, _ = rd.assess(_plan([manual, _course("planned", 5, "planned")]), uniform_dir)
    heart = organ(result, "heart", "Dmean")
    assert heart.summation_method == "point_eqd2 + dvh_eqd2"
    assert heart.cumulative_eqd2_gy == pytest.approx(64.0, abs=1e-6)


# ------------------------------------------------------------- pure evaluate, no DICOM read


def test_evaluate_without_reading_dicom_cannot_assess(uniform_dir: Path) -> None:
    plan = _plan([_course("prior", 10, "prior"), _course("planned", 5, "planned")])
    result = rr.evaluate(plan)
    assert {(o.organ, o.metric) for o in result.organs} == {
        ("spinal_cord", "Dmax"),
        ("heart", "Dmean"),
    }
    for o in result.organs:
        assert o.verdict == "cannot_assess"
        assert any("courses[0].dicom, courses[1].dicom" in r for r in o.reasons)


def test_eqd2_dose_at_another_alpha_beta_is_a_contradiction() -> None:
    plan = rr.ReirradiationPlan.model_validate(
        {
            "courses": [
                {
                    "when": "planned",
                    "fractions": 5,
                    "organ_doses": [
                        {
                            "organ": "spinal_cord",
                            "metric": "Dmax",
                            "dose_gy": 30.0,
                            "quantity": "eqd2",
                            "alpha_beta_gy": 3.0,
                        }
                    ],
                }
            ],
            "overlap": {"geometric_overlap": True},
        }
    )
    cord = organ(rr.evaluate(plan), "spinal_cord", "Dmax")
    assert cord.verdict == "cannot_assess"
    assert any("contradictory" in r and "α/β 3 Gy" in r for r in cord.reasons)


def test_voxel_sum_with_another_recovery_is_a_contradiction() -> None:
    dose = {
        "organ": "heart",
        "metric": "Dmean",
        "dose_gy": 10.0,
        "quantity": "eqd2",
        "alpha_beta_gy": 3.0,
    }
    plan = rr.ReirradiationPlan.model_validate(
        {
            "courses": [
                {"when": "prior", "fractions": 10, "organ_doses": [dose]},
                {"when": "planned", "fractions": 5, "organ_doses": [dose]},
            ],
            "overlap": {"geometric_overlap": True},
            "recovery_fraction_of_prior": 0.5,
            "organ_parameters": [
                {"organ": "heart", "metric": "Dmean", "cumulative_limit_eqd2_gy": 60.0}
            ],
            "dicom_derived": {
                "summation_method": "voxel_eqd2",
                "detail": "test",
                "cumulative": [
                    {
                        "organ": "heart",
                        "metric": "Dmean",
                        "eqd2_gy": 20.0,
                        "alpha_beta_gy": 3.0,
                        "recovery_fraction_of_prior": 0.0,
                        "source": "test",
                    }
                ],
            },
        }
    )
    heart = organ(rr.evaluate(plan), "heart", "Dmean")
    assert heart.verdict == "cannot_assess"
    assert any("applied a recovery of 0%" in r and "uses 50%" in r for r in heart.reasons)


def test_plan_model_checks() -> None:
    base: dict[str, Any] = {"courses": [{"when": "planned"}]}
    with pytest.raises(ValueError, match="same organ"):
        rr.ReirradiationPlan.model_validate(
            {**base, "dicom_roi_map": {"Lt Lung": "lung", "Rt Lung": "lung"}}
        )
    with pytest.raises(ValueError, match="4×4"):
        rr.CourseDicom.model_validate({"dose": "a", "structures": "b", "registration": [[1, 0]]})
    with pytest.raises(ValueError, match="alpha_beta_gy"):
        rr.OrganDose.model_validate(
            {"organ": "heart", "metric": "Dmean", "dose_gy": 1.0, "quantity": "eqd2"}
        )


# ------------------------------------------------------------ linear-gradient phantom


@pytest.fixture(scope="module")
def linear(tmp_path_factory: pytest.TempPathFactory) -> phantom.Phantom:
    return phantom.build(tmp_path_factory.mktemp("linear"))


def test_linear_phantom_mean_of_voxel_eqd2(linear: phantom.Phantom) -> None:
    """Same dose file as prior (25 fx) and planned (5 fx); the sphere as 'heart' (α/β 3 Gy)."""
    directory = linear.dose_path.parent
    plan = rr.ReirradiationPlan.model_validate(
        {
            "courses": [
                {
                    "when": "prior",
                    "fractions": 25,
                    "dicom": {"dose": "rtdose.dcm", "structures": "rtss.dcm"},
                },
                {
                    "when": "planned",
                    "fractions": 5,
                    "dicom": {"dose": "rtdose.dcm", "structures": "rtss.dcm"},
                },
            ],
            "overlap": {"geometric_overlap": True},
            "dicom_roi_map": {"Sphere": "heart"},
            "organ_parameters": [
                {"organ": "heart", "metric": "Dmean", "cumulative_limit_eqd2_gy": 200.0},
                {"organ": "heart", "metric": "Dmax", "cumulative_limit_eqd2_gy": 200.0},
            ],
        }
    )
    result, _ = rd.assess(plan, directory)
    heart = organ(result, "heart", "Dmean")
    # E[D] = 40 Gy; |g|² = 0.12² + 0.08² + 0.10² = 0.0308 Gy²/mm², R = 30 mm
    # E[D²] = 40² + 0.0308·900/5 = 1600 + 5.544 = 1605.544 Gy²
    # 25 fx: (1605.544/25 + 3·40)/5 = (64.22176 + 120)/5 = 36.844352 Gy
    #  5 fx: (1605.544/5  + 3·40)/5 = (321.1088 + 120)/5 = 88.22176 Gy
    #  cumulative mean of voxel-wise EQD2: 125.066112 Gy
    assert [c.eqd2_gy for c in heart.courses] == pytest.approx([36.844352, 88.22176], abs=0.01)
    assert heart.cumulative_eqd2_gy == pytest.approx(125.066112, abs=0.02)
    # EQD2 of the mean dose: 40·(1.6 + 3)/5 + 40·(8 + 3)/5 = 36.8 + 88 = 124.8 Gy, lower by
    # |g|²R²/5·(1/25 + 1/5)/5 = 5.544·0.24/5 = 0.266 Gy (Jensen: EQD2 is convex in dose)
    point = eqd2(40.0, 25, 3.0) + eqd2(40.0, 5, 3.0)
    assert point == pytest.approx(124.8)
    assert heart.cumulative_eqd2_gy is not None
    assert heart.cumulative_eqd2_gy - point == pytest.approx(0.266112, abs=0.02)
    # the mean is linear in the voxel values, so the voxel sum's mean equals the sum of the
    # courses' means, except at ROI-boundary pixels: there a course's DVH interpolates the
    # physical dose and then converts it, while the summed grid holds converted values that
    # are interpolated (EQD2 is not linear); measured 5e-4 Gy here
    assert heart.eqd2_planned_gy is not None and heart.eqd2_prior_gy is not None
    assert heart.cumulative_eqd2_gy == pytest.approx(
        heart.eqd2_prior_gy + heart.eqd2_planned_gy, abs=2e-3
    )

    # Dmax = D0.03cc; EQD2 is increasing in dose, so the EQD2 D0.03cc of a course is the EQD2
    # of its physical D0.03cc (to within the 0.01 Gy histogram bins)
    dmax = organ(result, "heart", "Dmax")
    for row in dmax.courses:
        assert row.dose_gy is not None and row.fractions is not None
        assert row.eqd2_gy == pytest.approx(eqd2(row.dose_gy, row.fractions, 3.0), abs=0.02)
    # the physical D0.03cc is the spherical-cap value near the top of the sphere:
    # cap of 30 mm³: π·h²·(3R − h)/3 = 30 -> h ≈ 0.565 mm; D = 40 + 0.1755·(30 − 0.565) ≈ 45.17
    assert dmax.courses[0].dose_gy == pytest.approx(
        linear.sphere_dose_at_volume_pct(0.03e3 / (4 / 3 * math.pi * 30.0**3) * 100), abs=0.3
    )


# ------------------------------------------------------------------ the example plan


@pytest.fixture(scope="module")
def example() -> tuple[rr.ReirradiationResult, rd.DicomReading]:
    if not (DICOM_EXAMPLE / "rtdose.dcm").is_file():
        pytest.fail(f"example DICOM not found at {DICOM_EXAMPLE}")
    plan = rd.load_plan(EXAMPLE_PLAN)
    return rd.assess(plan, EXAMPLE_PLAN.parent)


def test_example_plan_heart_mean_eqd2_hand_calculation(
    example: tuple[rr.ReirradiationResult, rd.DicomReading],
) -> None:
    result, reading = example
    heart = organ(result, "heart", "Dmean")
    assert heart.summation_method == "voxel_eqd2"
    assert heart.alpha_beta_gy == 3.0 and heart.recovery_fraction_of_prior == 0.0
    assert heart.limit_source is not None and "Darby" in heart.limit_source
    assert heart.verdict == "cannot_assess"  # no numeric heart limit (Darby: no threshold)

    # hand calculation from the physical heart DVH (accurate mode, 0.01 Gy bins):
    # mean EQD2 of a course of n fractions = (E[D²]/n + α/β·E[D])/(2 + α/β)
    rois = dicom.read_structures(DICOM_EXAMPLE / "rtss.dcm")
    grid = dicom.read_dose(DICOM_EXAMPLE / "rtdose.dcm")
    h = dvh.compute(grid, next(s for s in rois.values() if s.name == "Heart"))
    w = h.bin_width_gy
    centres = h.dose_bins_gy + w / 2
    e_d = h.mean_gy
    e_d2 = float(np.sum(h.differential_cc * centres**2) / h.differential_cc.sum()) + w * w / 12
    ab = 3.0
    expected = sum((e_d2 / n + ab * e_d) / (2 + ab) for n in (7, 3))
    assert heart.cumulative_eqd2_gy == pytest.approx(expected, abs=1e-4)  # measured 6e-6
    # mean of voxel-wise EQD2 >= EQD2 of the mean dose (α/β > 0)
    of_mean = eqd2(e_d, 7, ab) + eqd2(e_d, 3, ab)
    assert heart.cumulative_eqd2_gy is not None and heart.cumulative_eqd2_gy >= of_mean
    # the physical mean recorded per course is the DVH mean
    assert [c.dose_gy for c in heart.courses] == pytest.approx([e_d, e_d], abs=1e-9)
    # same grid, same ROI: the voxel sum's mean equals the sum of the courses' means, up to
    # the boundary-pixel interpolation order (see the linear phantom test; 8e-6 Gy here)
    assert heart.cumulative_eqd2_gy == pytest.approx(
        (heart.eqd2_prior_gy or 0) + (heart.eqd2_planned_gy or 0), abs=1e-4
    )
    assert reading.plan.summation_method == "voxel_eqd2"
    lung = organ(result, "lung", "Dmean")
    assert lung.verdict == "within" and lung.limit_eqd2_gy == 20.0


def test_cli_example_json_and_write_sum(tmp_path: Path) -> None:
    out = tmp_path / "sum.dcm"
    res = runner.invoke(
        app, ["reirradiation", str(EXAMPLE_PLAN), "--format", "json", "--write-sum", str(out)]
    )
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    heart = next(o for o in data["organs"] if o["organ"] == "heart")
    assert heart["summation_method"] == "voxel_eqd2"
    assert data["dicom"]["summation_method"] == "voxel_eqd2"
    assert data["dicom"]["written"] == [str(out)]
    curves = data["dicom"]["dvh_curves"]
    assert {c["course"] for c in curves} >= {"cumulative"}
    # the written RTDOSE is the cumulative EQD2; its heart mean is the reported cumulative
    summed = dicom.read_dose(out)
    assert summed.dose_type == "EFFECTIVE"
    rois = dicom.read_structures(DICOM_EXAMPLE / "rtss.dcm")
    h = dvh.compute(summed, next(s for s in rois.values() if s.name == "Heart"))
    assert h.mean_gy == pytest.approx(heart["cumulative_eqd2_gy"], abs=1e-3)


def test_cli_table_shows_summation_and_sources() -> None:
    res = runner.invoke(app, ["reirradiation", str(EXAMPLE_PLAN)], env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    assert "Summation from DICOM: voxel_eqd2" in res.stdout
    assert "summation: voxel_eqd2" in res.stdout
    assert "α/β: 3.00 Gy" in res.stdout and "limit source:" in res.stdout


def test_cli_errors_name_file_and_exit_2(tmp_path: Path, uniform_dir: Path) -> None:
    plan = json.loads(EXAMPLE_PLAN.read_text())
    plan["courses"][0]["dicom"]["dose"] = "missing.dcm"
    bad = tmp_path / "plan.json"
    bad.write_text(json.dumps(plan))
    res = runner.invoke(app, ["reirradiation", str(bad)])
    assert res.exit_code == 2
    assert "courses[0].dicom.dose" in res.stderr and "missing.dcm: file not found" in res.stderr
    assert "Traceback" not in res.output

    # a file that is not DICOM: the dicom module's error, naming the file
    junk = tmp_path / "junk.dcm"
    junk.write_text("not dicom")
    plan["courses"][0]["dicom"]["dose"] = str(junk)
    bad.write_text(json.dumps(plan))
    res = runner.invoke(app, ["reirradiation", str(bad)])
    assert res.exit_code == 2 and "junk.dcm" in res.stderr

    # other frame of reference, through the CLI
    shutil.copytree(uniform_dir, tmp_path / "u")
    plan_other = {
        "courses": [
            _course("prior", 10, "u/prior"),
            _course("planned", 5, "u/planned_other_frame"),
        ],
        "overlap": {"geometric_overlap": True},
        "dicom_roi_map": {"Heart": "heart"},
    }
    other = tmp_path / "other.json"
    other.write_text(json.dumps(plan_other))
    res = runner.invoke(app, ["reirradiation", str(other)])
    assert res.exit_code == 2 and "refusing a voxel-wise sum" in res.stderr

    # --write-sum without DICOM
    point = REPO_ROOT / "src/breastcds/examples/reirradiation_chest_wall.json"
    res = runner.invoke(app, ["reirradiation", str(point), "--write-sum", str(tmp_path / "x.dcm")])
    assert res.exit_code == 2 and "--write-sum needs courses with DICOM" in res.stderr
