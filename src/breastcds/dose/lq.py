"""Linear-quadratic (LQ) dose conversion: BED, EQD2, EQDx — scalar and voxel-wise.

Formulas (Fowler JF, "The linear-quadratic formula and progress in fractionated
radiotherapy", Br J Radiol 1989;62:679-694; Joiner MC, van der Kogel AJ (eds), *Basic
Clinical Radiobiology*, 4th/5th ed., chapter "The linear-quadratic approach to
fractionation and calculation of isoeffect relationships"):

For a course of ``n`` fractions of ``d`` Gy (total physical dose ``D = n·d``) and tissue
``α/β`` (Gy):

* ``BED  = n·d·(1 + d/(α/β)) = D·(1 + d/(α/β))``                     [Gy, often written Gy_{α/β}]
* ``EQDx = D·(d + α/β)/(x + α/β) = BED/(1 + x/(α/β))``               [Gy, in x-Gy fractions]
* ``EQD2 = EQDx`` with ``x = 2``                                      [Gy, in 2-Gy fractions]

Voxel-wise conversion: for a course of ``n`` fractions delivering a physical dose ``D_v`` to
voxel ``v``, the dose per fraction at that voxel is ``d_v = D_v / n`` (each voxel receives the
same number of fractions as the course, at its own dose per fraction), so
``EQD2_v = D_v·(D_v/n + α/β)/(2 + α/β)``.

Assumptions stated once here and repeated in the re-irradiation output:

* Full repair between fractions. Hyperfractionated (twice-daily) regimens are converted
  treating each fraction as ``d``; incomplete repair between fractions given ≥ 6 h apart is
  ignored.
* No correction for overall treatment time (repopulation) and no time-dependent recovery:
  any recovery of prior dose is a separate, explicit parameter of the caller.

All functions are pure and vectorised: each argument may be a Python number or a numpy
array; arrays broadcast against each other with numpy's rules. When every argument is a
scalar the result is a Python ``float``; otherwise it is a ``numpy.ndarray`` of ``float64``.
Invalid input raises ``ValueError`` naming the argument, the offending value and the allowed
range; nothing is silently coerced.
"""

from __future__ import annotations

from typing import TypeAlias, overload

import numpy as np
import numpy.typing as npt

__all__ = [
    "ArrayLikeFloat",
    "FloatArray",
    "bed",
    "bed_to_eqd2",
    "bed_to_eqdx",
    "eqd2",
    "eqd2_to_bed",
    "eqdx",
    "voxel_bed",
    "voxel_eqd2",
    "voxel_eqdx",
]

FloatArray: TypeAlias = npt.NDArray[np.float64]
ArrayLikeFloat: TypeAlias = float | int | npt.NDArray[np.floating] | npt.NDArray[np.integer]
Scalar: TypeAlias = float | int


# --------------------------------------------------------------------------- validation


def _as_array(name: str, value: ArrayLikeFloat) -> FloatArray:
    if isinstance(value, bool | np.bool_):
        raise ValueError(f"{name} must be a number, got a boolean ({value!r})")
    if isinstance(value, np.ndarray) and value.dtype == np.bool_:
        raise ValueError(f"{name} must be numeric, got a boolean array")
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be a number or numeric array, got {value!r}") from exc
    return arr


def _first_bad(arr: FloatArray, bad: npt.NDArray[np.bool_]) -> float:
    return float(arr[bad].flat[0]) if arr.ndim else float(arr)


def _check_finite(name: str, arr: FloatArray) -> None:
    bad = ~np.isfinite(arr)
    if np.any(bad):
        raise ValueError(f"{name} must be finite, got {_first_bad(arr, bad)!r}")


def _check_dose(name: str, value: ArrayLikeFloat) -> FloatArray:
    arr = _as_array(name, value)
    _check_finite(name, arr)
    bad = arr < 0
    if np.any(bad):
        raise ValueError(
            f"{name} must be >= 0 Gy, got {_first_bad(arr, bad)!r} "
            f"(allowed range: 0 <= {name} < inf)"
        )
    return arr


def _check_fractions(value: ArrayLikeFloat) -> FloatArray:
    arr = _as_array("fractions", value)
    _check_finite("fractions", arr)
    bad = arr < 1
    if np.any(bad):
        raise ValueError(
            f"fractions must be >= 1, got {_first_bad(arr, bad)!r} "
            "(allowed range: whole number 1 <= fractions < inf)"
        )
    bad = arr != np.floor(arr)
    if np.any(bad):
        raise ValueError(
            f"fractions must be a whole number, got {_first_bad(arr, bad)!r} "
            "(allowed range: whole number 1 <= fractions < inf)"
        )
    return arr


def _check_positive(name: str, value: ArrayLikeFloat) -> FloatArray:
    arr = _as_array(name, value)
    _check_finite(name, arr)
    bad = arr <= 0
    if np.any(bad):
        raise ValueError(
            f"{name} must be > 0 Gy, got {_first_bad(arr, bad)!r} (allowed range: 0 < {name} < inf)"
        )
    return arr


def _broadcast(**arrays: FloatArray) -> None:
    try:
        np.broadcast_shapes(*(a.shape for a in arrays.values()))
    except ValueError as exc:
        shapes = ", ".join(f"{k} {v.shape}" for k, v in arrays.items())
        raise ValueError(f"array arguments do not broadcast together: {shapes}") from exc


def _all_scalar(*values: object) -> bool:
    return all(not isinstance(v, np.ndarray) or v.ndim == 0 for v in values)


def _out(result: FloatArray, scalar: bool) -> float | FloatArray:
    if scalar:
        return float(result)
    return np.asarray(result, dtype=np.float64)


# --------------------------------------------------------------------------- core formulas


@overload
def bed(total_dose_gy: Scalar, fractions: Scalar, alpha_beta_gy: Scalar) -> float: ...
@overload
def bed(
    total_dose_gy: ArrayLikeFloat, fractions: ArrayLikeFloat, alpha_beta_gy: ArrayLikeFloat
) -> float | FloatArray: ...
def bed(
    total_dose_gy: ArrayLikeFloat, fractions: ArrayLikeFloat, alpha_beta_gy: ArrayLikeFloat
) -> float | FloatArray:
    """Biologically effective dose, ``BED = D·(1 + d/(α/β))`` with ``d = D/n`` (Gy).

    Fowler, Br J Radiol 1989;62:679; Joiner & van der Kogel, *Basic Clinical Radiobiology*.

    Args:
        total_dose_gy: total physical dose ``D`` of the course, Gy (>= 0).
        fractions: number of fractions ``n`` (whole number >= 1).
        alpha_beta_gy: tissue α/β, Gy (> 0).

    Example: 50 Gy in 25 fractions, α/β 3 Gy → 50·(1 + 2/3) = 83.33 Gy.
    """
    d_total = _check_dose("total_dose_gy", total_dose_gy)
    n = _check_fractions(fractions)
    ab = _check_positive("alpha_beta_gy", alpha_beta_gy)
    _broadcast(total_dose_gy=d_total, fractions=n, alpha_beta_gy=ab)
    result = d_total * (1.0 + (d_total / n) / ab)
    return _out(result, _all_scalar(d_total, n, ab))


@overload
def eqdx(
    total_dose_gy: Scalar, fractions: Scalar, alpha_beta_gy: Scalar, x_gy: Scalar
) -> float: ...
@overload
def eqdx(
    total_dose_gy: ArrayLikeFloat,
    fractions: ArrayLikeFloat,
    alpha_beta_gy: ArrayLikeFloat,
    x_gy: ArrayLikeFloat,
) -> float | FloatArray: ...
def eqdx(
    total_dose_gy: ArrayLikeFloat,
    fractions: ArrayLikeFloat,
    alpha_beta_gy: ArrayLikeFloat,
    x_gy: ArrayLikeFloat,
) -> float | FloatArray:
    """Equivalent dose in ``x``-Gy fractions, ``EQDx = D·(d + α/β)/(x + α/β)`` (Gy).

    Fowler, Br J Radiol 1989; Joiner & van der Kogel, *Basic Clinical Radiobiology*.

    Args:
        total_dose_gy: total physical dose ``D`` of the course, Gy (>= 0).
        fractions: number of fractions ``n`` (whole number >= 1); ``d = D/n``.
        alpha_beta_gy: tissue α/β, Gy (> 0).
        x_gy: reference dose per fraction ``x``, Gy (> 0).
    """
    d_total = _check_dose("total_dose_gy", total_dose_gy)
    n = _check_fractions(fractions)
    ab = _check_positive("alpha_beta_gy", alpha_beta_gy)
    x = _check_positive("x_gy", x_gy)
    _broadcast(total_dose_gy=d_total, fractions=n, alpha_beta_gy=ab, x_gy=x)
    result = d_total * ((d_total / n) + ab) / (x + ab)
    return _out(result, _all_scalar(d_total, n, ab, x))


@overload
def eqd2(total_dose_gy: Scalar, fractions: Scalar, alpha_beta_gy: Scalar) -> float: ...
@overload
def eqd2(
    total_dose_gy: ArrayLikeFloat, fractions: ArrayLikeFloat, alpha_beta_gy: ArrayLikeFloat
) -> float | FloatArray: ...
def eqd2(
    total_dose_gy: ArrayLikeFloat, fractions: ArrayLikeFloat, alpha_beta_gy: ArrayLikeFloat
) -> float | FloatArray:
    """Equivalent dose in 2-Gy fractions, ``EQD2 = D·(d + α/β)/(2 + α/β)`` (Gy).

    ``EQD2 = BED / (1 + 2/(α/β))``. Fowler, Br J Radiol 1989; Joiner & van der Kogel,
    *Basic Clinical Radiobiology*.

    Example: 40.05 Gy in 15 fractions (2.67 Gy), α/β 3 Gy → 40.05·5.67/5 = 45.42 Gy.
    """
    return eqdx(total_dose_gy, fractions, alpha_beta_gy, 2.0)


@overload
def bed_to_eqdx(bed_gy: Scalar, alpha_beta_gy: Scalar, x_gy: Scalar) -> float: ...
@overload
def bed_to_eqdx(
    bed_gy: ArrayLikeFloat, alpha_beta_gy: ArrayLikeFloat, x_gy: ArrayLikeFloat
) -> float | FloatArray: ...
def bed_to_eqdx(
    bed_gy: ArrayLikeFloat, alpha_beta_gy: ArrayLikeFloat, x_gy: ArrayLikeFloat
) -> float | FloatArray:
    """Convert a BED (Gy) to ``EQDx = BED / (1 + x/(α/β))`` (Gy)."""
    b = _check_dose("bed_gy", bed_gy)
    ab = _check_positive("alpha_beta_gy", alpha_beta_gy)
    x = _check_positive("x_gy", x_gy)
    _broadcast(bed_gy=b, alpha_beta_gy=ab, x_gy=x)
    return _out(b / (1.0 + x / ab), _all_scalar(b, ab, x))


@overload
def bed_to_eqd2(bed_gy: Scalar, alpha_beta_gy: Scalar) -> float: ...
@overload
def bed_to_eqd2(bed_gy: ArrayLikeFloat, alpha_beta_gy: ArrayLikeFloat) -> float | FloatArray: ...
def bed_to_eqd2(bed_gy: ArrayLikeFloat, alpha_beta_gy: ArrayLikeFloat) -> float | FloatArray:
    """Convert a BED (Gy) to ``EQD2 = BED / (1 + 2/(α/β))`` (Gy).

    Example (Nieder et al., Int J Radiat Oncol Biol Phys 2005/2006): cumulative spinal-cord
    BED 135.5 Gy₂ with α/β 2 Gy → EQD2 67.75 Gy.
    """
    return bed_to_eqdx(bed_gy, alpha_beta_gy, 2.0)


@overload
def eqd2_to_bed(eqd2_gy: Scalar, alpha_beta_gy: Scalar) -> float: ...
@overload
def eqd2_to_bed(eqd2_gy: ArrayLikeFloat, alpha_beta_gy: ArrayLikeFloat) -> float | FloatArray: ...
def eqd2_to_bed(eqd2_gy: ArrayLikeFloat, alpha_beta_gy: ArrayLikeFloat) -> float | FloatArray:
    """Convert an EQD2 (Gy) to ``BED = EQD2·(1 + 2/(α/β))`` (Gy)."""
    e = _check_dose("eqd2_gy", eqd2_gy)
    ab = _check_positive("alpha_beta_gy", alpha_beta_gy)
    _broadcast(eqd2_gy=e, alpha_beta_gy=ab)
    return _out(e * (1.0 + 2.0 / ab), _all_scalar(e, ab))


# --------------------------------------------------------------------------- voxel-wise


def voxel_bed(dose_gy: ArrayLikeFloat, fractions: int, alpha_beta_gy: ArrayLikeFloat) -> FloatArray:
    """Voxel-wise BED of a course of ``fractions`` fractions: ``D_v·(1 + (D_v/n)/(α/β))``.

    Args:
        dose_gy: physical dose of the whole course per voxel, Gy (any shape, >= 0).
        fractions: number of fractions ``n`` of the course (whole number >= 1).
        alpha_beta_gy: α/β in Gy (> 0), a scalar or an array broadcastable to ``dose_gy``
            (e.g. a per-structure α/β map).

    Returns:
        ``float64`` array with the broadcast shape of ``dose_gy`` and ``alpha_beta_gy``.
    """
    arr = _as_array("dose_gy", dose_gy)
    return np.asarray(bed(arr, fractions, alpha_beta_gy), dtype=np.float64)


def voxel_eqdx(
    dose_gy: ArrayLikeFloat, fractions: int, alpha_beta_gy: ArrayLikeFloat, x_gy: float
) -> FloatArray:
    """Voxel-wise EQDx: ``D_v·(D_v/n + α/β)/(x + α/β)`` (Gy), see :func:`voxel_bed`."""
    arr = _as_array("dose_gy", dose_gy)
    return np.asarray(eqdx(arr, fractions, alpha_beta_gy, x_gy), dtype=np.float64)


def voxel_eqd2(
    dose_gy: ArrayLikeFloat, fractions: int, alpha_beta_gy: ArrayLikeFloat
) -> FloatArray:
    """Voxel-wise EQD2: ``EQD2_v = D_v·(D_v/n + α/β)/(2 + α/β)`` (Gy), ``d_v = D_v/n``.

    Each voxel is assumed to receive all ``n`` fractions of the course, at its own dose per
    fraction ``D_v/n``. Sum courses in EQD2 (or BED), never in physical dose when the
    fractionation differs.
    """
    return voxel_eqdx(dose_gy, fractions, alpha_beta_gy, 2.0)
