"""Tests for the LQ conversions (breastcds.dose.lq).

Expected values are hand calculations from the formulas in reirradiation.md §2:
BED = D·(1 + d/(α/β)), EQD2 = D·(d + α/β)/(2 + α/β), EQDx = D·(d + α/β)/(x + α/β).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from breastcds.dose import lq

doses = st.floats(min_value=0.0, max_value=120.0, allow_nan=False, allow_infinity=False)
fractions = st.integers(min_value=1, max_value=60)
alpha_betas = st.floats(min_value=0.5, max_value=20.0, allow_nan=False, allow_infinity=False)


# ----------------------------------------------------------------- hand-calculated values


def test_bed_50gy_25fx_ab3() -> None:
    # 50·(1 + 2/3) = 83.333...
    assert lq.bed(50.0, 25, 3.0) == pytest.approx(50.0 * (1 + 2.0 / 3.0))
    assert lq.bed(50.0, 25, 3.0) == pytest.approx(83.3333, abs=1e-4)


def test_eqd2_start_b_hypofractionation_ab3() -> None:
    # 40.05 Gy / 15 fx: d = 2.67; EQD2 = 40.05·(2.67 + 3)/(2 + 3) = 40.05·5.67/5 = 45.4167
    assert lq.eqd2(40.05, 15, 3.0) == pytest.approx(45.4167, abs=1e-4)


def test_eqd2_reference_vignette_p_rert_000() -> None:
    # reirradiation_vignettes_public P-RERT-000: 36 Gy/15 fx, α/β 2: d = 2.4,
    # EQD2 = 36·4.4/4 = 39.6, BED = 36·(1 + 1.2) = 79.2
    assert lq.eqd2(36.0, 15, 2.0) == pytest.approx(39.6)
    assert lq.bed(36.0, 15, 2.0) == pytest.approx(79.2)


def test_eqd2_sbrt_like_ab10() -> None:
    # 15 Gy / 10 fx, α/β 10: 15·(1.5 + 10)/12 = 14.375; BED 15·1.15 = 17.25
    assert lq.eqd2(15.0, 10, 10.0) == pytest.approx(14.375)
    assert lq.bed(15.0, 10, 10.0) == pytest.approx(17.25)


def test_eqdx_with_x_equal_2_is_eqd2_and_x_equal_d_is_physical() -> None:
    assert lq.eqdx(45.0, 30, 3.0, 2.0) == pytest.approx(lq.eqd2(45.0, 30, 3.0))
    # EQD1.5 of 45 Gy in 1.5 Gy fractions is the physical dose
    assert lq.eqdx(45.0, 30, 3.0, 1.5) == pytest.approx(45.0)
    # EQD3 of 26 Gy / 5 fx (5.2 Gy), α/β 3: 26·8.2/6 = 35.5333
    assert lq.eqdx(26.0, 5, 3.0, 3.0) == pytest.approx(35.5333, abs=1e-4)


def test_nieder_bed_to_eqd2() -> None:
    # Nieder: cumulative BED 135.5 Gy2 ↔ EQD2 67.75 Gy (α/β 2); single course 98 Gy2 ↔ 49 Gy
    assert lq.bed_to_eqd2(135.5, 2.0) == pytest.approx(67.75)
    assert lq.bed_to_eqd2(98.0, 2.0) == pytest.approx(49.0)
    assert lq.eqd2_to_bed(67.75, 2.0) == pytest.approx(135.5)


def test_scalar_returns_python_float() -> None:
    assert type(lq.eqd2(30, 10, 3)) is float
    assert type(lq.bed(30, 10, 3)) is float


def test_zero_dose_is_zero() -> None:
    assert lq.eqd2(0.0, 5, 3.0) == 0.0
    assert lq.bed(0.0, 5, 3.0) == 0.0


# ----------------------------------------------------------------- arrays / voxel-wise


def test_array_inputs_broadcast() -> None:
    out = lq.eqd2(np.array([36.0, 16.0]), np.array([15, 5]), 2.0)
    assert isinstance(out, np.ndarray)
    # 16 Gy/5 fx, α/β 2: d = 3.2, 16·5.2/4 = 20.8
    np.testing.assert_allclose(out, [39.6, 20.8])


def test_voxel_eqd2_uses_dose_per_fraction_per_voxel() -> None:
    # course of 10 fractions; voxel doses 0, 20, 30 Gy; α/β 3
    # 20 Gy: d = 2 → 20;  30 Gy: d = 3 → 30·6/5 = 36
    dose = np.array([[0.0, 20.0, 30.0]])
    out = lq.voxel_eqd2(dose, 10, 3.0)
    assert out.shape == dose.shape
    assert out.dtype == np.float64
    np.testing.assert_allclose(out, [[0.0, 20.0, 36.0]])


def test_voxel_eqd2_per_voxel_alpha_beta_map() -> None:
    dose = np.array([30.0, 30.0])
    ab = np.array([3.0, 10.0])
    # α/β 10: 30·13/12 = 32.5
    np.testing.assert_allclose(lq.voxel_eqd2(dose, 10, ab), [36.0, 32.5])


def test_voxel_functions_accept_scalar_and_return_array() -> None:
    out = lq.voxel_bed(20.0, 10, 2.0)
    assert isinstance(out, np.ndarray) and out.shape == ()
    assert float(out) == pytest.approx(40.0)  # 20·(1 + 2/2)


# ----------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("args", "field"),
    [
        ((-1.0, 5, 3.0), "total_dose_gy"),
        ((10.0, 0, 3.0), "fractions"),
        ((10.0, 2.5, 3.0), "fractions"),
        ((10.0, 5, 0.0), "alpha_beta_gy"),
        ((10.0, 5, -2.0), "alpha_beta_gy"),
        ((math.nan, 5, 3.0), "total_dose_gy"),
        ((10.0, True, 3.0), "fractions"),
    ],
)
def test_invalid_input_names_argument(args: tuple[float, float, float], field: str) -> None:
    with pytest.raises(ValueError, match=field):
        lq.eqd2(*args)


def test_invalid_error_states_value_and_range() -> None:
    with pytest.raises(ValueError) as info:
        lq.bed(-3.0, 5, 3.0)
    assert "-3.0" in str(info.value) and "allowed range" in str(info.value)


def test_invalid_voxel_dose_array() -> None:
    with pytest.raises(ValueError, match="dose_gy"):
        lq.voxel_eqd2(np.array([1.0, -0.5]), 5, 3.0)
    with pytest.raises(ValueError, match="x_gy"):
        lq.eqdx(10.0, 5, 3.0, 0.0)


def test_non_broadcastable_arrays() -> None:
    with pytest.raises(ValueError, match="broadcast"):
        lq.eqd2(np.ones(3), np.array([1, 2]), 3.0)


# ----------------------------------------------------------------- invariants


@given(n=fractions, ab=alpha_betas)
def test_eqd2_of_2gy_fractions_is_physical_dose(n: int, ab: float) -> None:
    assert lq.eqd2(2.0 * n, n, ab) == pytest.approx(2.0 * n)


@given(total=doses, n=fractions, ab=alpha_betas)
def test_eqd2_equals_bed_over_relative_effectiveness(total: float, n: int, ab: float) -> None:
    assert lq.eqd2(total, n, ab) == pytest.approx(lq.bed(total, n, ab) / (1 + 2 / ab))
    assert lq.bed_to_eqd2(lq.bed(total, n, ab), ab) == pytest.approx(lq.eqd2(total, n, ab))


@given(
    dose=hnp.arrays(np.float64, hnp.array_shapes(max_dims=3, max_side=5), elements=doses),
    n=fractions,
    ab=alpha_betas,
)
def test_scalar_and_vectorised_agree(dose: np.ndarray, n: int, ab: float) -> None:
    vec = lq.voxel_eqd2(dose, n, ab)
    scalar = np.array([lq.eqd2(float(v), n, ab) for v in dose.flat]).reshape(dose.shape)
    np.testing.assert_allclose(vec, scalar, rtol=1e-12, atol=1e-12)
    vec_bed = lq.voxel_bed(dose, n, ab)
    scalar_bed = np.array([lq.bed(float(v), n, ab) for v in dose.flat]).reshape(dose.shape)
    np.testing.assert_allclose(vec_bed, scalar_bed, rtol=1e-12, atol=1e-12)


@given(total=doses, n=fractions, ab=alpha_betas)
def test_more_fractions_never_increase_eqd2(total: float, n: int, ab: float) -> None:
    # same total dose in more fractions → smaller dose per fraction → EQD2 not larger
    assert lq.eqd2(total, n + 1, ab) <= lq.eqd2(total, n, ab) + 1e-9


@given(total=doses, n=fractions, ab=alpha_betas)
def test_eqd2_above_physical_iff_fraction_above_2gy(total: float, n: int, ab: float) -> None:
    e = lq.eqd2(total, n, ab)
    d = total / n
    if d > 2.0:
        assert e >= total - 1e-9
    elif d < 2.0:
        assert e <= total + 1e-9
