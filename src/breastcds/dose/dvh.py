"""Dose-volume histograms from a :class:`~breastcds.dose.dicom.DoseGrid` and an ROI.

Pure functions over numpy arrays, no I/O. Two modes:

``"compat"``
    Reproduces dicompyler-core 0.5.6 ``dvhcalc.get_dvh`` defaults: a dose-grid pixel is in
    the ROI when its centre lies inside the plane's polygons (the crossing-number rule of
    matplotlib ``Path.contains_points``), contours on one plane combined by XOR, the dose
    plane at the contour z taken from the nearest frame within 0.5 mm or linearly
    interpolated between the two nearest frames, every plane one slab of the smallest contour
    plane spacing thick, 1 cGy bins, planes outside the dose grid adding volume only
    (``calculate_full_volume``) with the histogram rescaled to the total volume. Statistics
    follow dicompyler-core's ``dvh.DVH``: D_x and V_x at the nearest bin edge, min/max at
    the upper edge of the lowest/highest occupied bin, mean from bin centres.

``"accurate"`` (default)
    Partial-volume rasterisation: each pixel is weighted by the fraction of its area inside
    the polygons (exact along rows, ``subsamples`` sub-rows per pixel row), and its dose is
    taken at the centroid of the covered part (bilinear in-plane, linear between frames), so
    a structure's mean dose is exact for a dose that varies linearly within a voxel. Slabs
    reach half-way to the neighbouring contour planes (half the nominal spacing at the ends
    and across gaps). Mean, min and max come from the voxel doses (not bins); D_x and V_x
    interpolate linearly within a bin. Planes outside the dose grid are reported as
    ``volume_outside_dose_grid_cc`` and excluded (their dose is unknown).

Doses in Gy, volumes in cm³ (cc). Optional voxel-wise EQD2 conversion (:class:`Eqd2`) uses
:mod:`breastcds.dose.lq` (Fowler, Br J Radiol 1989) before histogramming.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal, TypeAlias

import numpy as np
import numpy.typing as npt

from breastcds.dose import lq
from breastcds.dose.dicom import DoseGrid, Structure

__all__ = [
    "DEFAULT_DOSE_METRICS",
    "DEFAULT_VOLUME_METRICS_GY",
    "DVH",
    "DVHError",
    "Eqd2",
    "Mode",
    "compute",
    "compute_all",
]

FloatArray: TypeAlias = npt.NDArray[np.float64]
IntArray: TypeAlias = npt.NDArray[np.int64]
Mode: TypeAlias = Literal["accurate", "compat"]

#: dicompyler-core GetDoseGrid: a contour plane within this distance (mm) of a dose frame
#: uses that frame without interpolation (dicomparser.py, ``threshold=0.5``).
FRAME_SNAP_MM = 0.5
#: dicompyler-core histogram bin width (1 cGy), dvhcalc.py.
COMPAT_BIN_GY = 0.01
#: Percent-volume dose metrics reported by default (dicompyler-core ``describe`` and the
#: reference JSON: D98, D95, D50, D2).
DEFAULT_DOSE_METRICS: tuple[float, ...] = (98.0, 95.0, 50.0, 2.0)
#: Dose levels (Gy) for V_x reported by default (those in the reference JSON plus 20 Gy).
#: Reporting points only, not tolerances.
DEFAULT_VOLUME_METRICS_GY: tuple[float, ...] = (1.0, 5.0, 10.0, 20.0)

# Cells per processing chunk (bounds memory of the per-plane scan arrays).
_CHUNK_CELLS = 2_000_000


class DVHError(ValueError):
    """A DVH cannot be computed; the message names the ROI/file and the problem."""


@dataclass(frozen=True)
class Eqd2:
    """Voxel-wise LQ conversion of a course's physical dose to EQD2 (reirradiation.md §2).

    ``EQD2_v = D_v·(D_v/n + α/β)/(2 + α/β)``, full repair between fractions assumed.
    """

    fractions: int
    alpha_beta_gy: float

    def __post_init__(self) -> None:
        if isinstance(self.fractions, bool) or int(self.fractions) != self.fractions:
            raise ValueError(f"fractions must be a whole number, got {self.fractions!r}")
        if self.fractions < 1:
            raise ValueError(f"fractions must be >= 1, got {self.fractions!r}")
        if not (math.isfinite(self.alpha_beta_gy) and self.alpha_beta_gy > 0):
            raise ValueError(f"alpha_beta_gy must be > 0 Gy, got {self.alpha_beta_gy!r}")

    def describe(self) -> str:
        return f"EQD2 (α/β {self.alpha_beta_gy:g} Gy, {self.fractions} fractions)"

    def convert(self, dose_gy: FloatArray) -> FloatArray:
        return lq.voxel_eqd2(dose_gy, self.fractions, self.alpha_beta_gy)


# =========================================================================== result


@dataclass(frozen=True, eq=False)
class DVH:
    """A dose-volume histogram of one ROI.

    ``differential_cc[i]`` is the volume (cc) whose dose lies in
    ``[i·bin_width_gy, (i+1)·bin_width_gy)``; ``cumulative_cc[i]`` the volume receiving at
    least ``i·bin_width_gy``.
    """

    roi_number: int
    roi_name: str
    mode: Mode
    dose_quantity: str
    bin_width_gy: float
    differential_cc: FloatArray
    volume_cc: float
    min_gy: float
    max_gy: float
    mean_gy: float
    volume_outside_dose_grid_cc: float = 0.0
    notes: tuple[str, ...] = ()

    @property
    def cumulative_cc(self) -> FloatArray:
        """Volume (cc) receiving ≥ ``i·bin_width_gy``, for each bin ``i``."""
        return np.asarray(self.differential_cc[::-1].cumsum()[::-1], dtype=np.float64)

    @property
    def dose_bins_gy(self) -> FloatArray:
        """Lower edge (Gy) of each bin."""
        return np.arange(self.differential_cc.size, dtype=np.float64) * self.bin_width_gy

    # ------------------------------------------------------------------ dose at volume
    def dose_at_volume_pct(self, percent: float) -> float:
        """D_x%: the minimum dose (Gy) received by the hottest ``percent`` % of the volume."""
        if not 0.0 <= percent <= 100.0:
            raise ValueError(f"percent volume must be in [0, 100], got {percent!r}")
        if self.mode == "compat":
            return self._compat_dose_at(
                100.0 * self._compat_cum() / self._compat_cum().max(),
                percent,
                d100=percent == 100.0,
            )
        return self._dose_at(self.volume_cc * percent / 100.0)

    def dose_at_volume_cc(self, volume_cc: float) -> float:
        """D_xcc: the minimum dose (Gy) received by the hottest ``volume_cc`` cc."""
        if volume_cc < 0:
            raise ValueError(f"volume must be >= 0 cc, got {volume_cc!r}")
        if self.mode == "compat":
            return self._compat_dose_at(self._compat_cum(), volume_cc, d100=False)
        if volume_cc > self.volume_cc:
            raise ValueError(
                f"D{volume_cc:g}cc exceeds the volume of ROI {self.roi_number} "
                f"'{self.roi_name}' ({self.volume_cc:.4g} cc)"
            )
        return self._dose_at(volume_cc)

    # ------------------------------------------------------------------ volume at dose
    def volume_at_dose_cc(self, dose_gy: float) -> float:
        """V_xGy: volume (cc) receiving at least ``dose_gy``."""
        if dose_gy < 0:
            raise ValueError(f"dose must be >= 0 Gy, got {dose_gy!r}")
        if self.mode == "compat":
            cum = self._compat_cum()
            edges = np.arange(cum.size + 1) / 100.0
            index = int(np.argmin(np.fabs(edges - dose_gy)))
            return 0.0 if index >= cum.size else float(cum[index])
        if dose_gy <= self.min_gy:
            return self.volume_cc
        if dose_gy > self.max_gy:
            return 0.0
        cum = self.cumulative_cc
        pos = dose_gy / self.bin_width_gy
        i = min(int(pos), cum.size - 1)
        frac = pos - i
        return float(cum[i] - frac * self.differential_cc[i])

    def volume_at_dose_pct(self, dose_gy: float) -> float:
        """V_xGy as a percentage of the ROI volume."""
        if self.volume_cc <= 0:
            return 0.0
        return 100.0 * self.volume_at_dose_cc(dose_gy) / self.volume_cc

    # ------------------------------------------------------------------ by name
    def metric(self, name: str) -> float:
        """Evaluate a metric by name: ``D95``, ``D0.03cc``, ``V20Gy`` (cc), ``V20Gy%``,
        ``Dmean``, ``Dmin``, ``Dmax``, ``volume``."""
        key = name.strip()
        low = key.lower()
        fixed = {
            "dmean": self.mean_gy,
            "mean": self.mean_gy,
            "dmin": self.min_gy,
            "min": self.min_gy,
            "dmax": self.max_gy,
            "max": self.max_gy,
            "volume": self.volume_cc,
        }
        if low in fixed:
            return fixed[low]
        m = re.fullmatch(r"d(\d+(?:\.\d+)?)(cc|%)?", low)
        if m:
            x = float(m.group(1))
            return self.dose_at_volume_cc(x) if m.group(2) == "cc" else self.dose_at_volume_pct(x)
        m = re.fullmatch(r"v(\d+(?:\.\d+)?)gy(cc|%)?", low)
        if m:
            x = float(m.group(1))
            return self.volume_at_dose_pct(x) if m.group(2) == "%" else self.volume_at_dose_cc(x)
        raise ValueError(
            f"unknown DVH metric {name!r}; use e.g. D95, D2cc, V20Gy, V20Gy%, Dmean, Dmin, Dmax"
        )

    def summary(
        self,
        dose_metrics_pct: Iterable[float] = DEFAULT_DOSE_METRICS,
        volume_metrics_gy: Iterable[float] = DEFAULT_VOLUME_METRICS_GY,
        extra: Iterable[str] = (),
    ) -> dict[str, float]:
        """All standard metrics as a flat ``{name: value}`` dict (Gy, cc, %)."""
        out: dict[str, float] = {
            "volume_cc": self.volume_cc,
            "mean_gy": self.mean_gy,
            "min_gy": self.min_gy,
            "max_gy": self.max_gy,
        }
        for x in dose_metrics_pct:
            out[f"D{x:g}_gy"] = self.dose_at_volume_pct(x)
        for g in volume_metrics_gy:
            out[f"V{g:g}Gy_cc"] = self.volume_at_dose_cc(g)
            out[f"V{g:g}Gy_pct"] = self.volume_at_dose_pct(g)
        for name in extra:
            out[name] = self.metric(name)
        return out

    # ------------------------------------------------------------------ internals
    def _dose_at(self, target_cc: float) -> float:
        if target_cc >= self.volume_cc:
            return self.min_gy
        if target_cc <= 0:
            return self.max_gy
        cum = self.cumulative_cc
        # first bin whose upper edge has cumulative volume < target
        above = np.append(cum[1:], 0.0)
        i = int(np.argmax(above < target_cc))
        width = self.differential_cc[i]
        frac = (cum[i] - target_cc) / width if width > 0 else 0.0
        dose = (i + frac) * self.bin_width_gy
        return float(min(max(dose, self.min_gy), self.max_gy))

    def _compat_cum(self) -> FloatArray:
        # dicompyler-core: DVH.differential = abs(diff(append(cumulative, 0)))
        return self.cumulative_cc

    def _compat_dose_at(self, counts: FloatArray, value: float, d100: bool) -> float:
        # dicompyler-core 0.5.6 dvh.DVH.dose_constraint: nearest bin, no interpolation.
        if counts.size == 0 or value > counts.max():
            return 0.0
        edges = np.arange(counts.size + 1) / 100.0
        if d100:
            rev = np.flip(np.fabs(counts - value), 0)
            return float(edges[len(rev) - 1 - int(np.argmin(rev))])
        return float(edges[int(np.argmin(np.fabs(counts - value)))])


# =========================================================================== geometry


@dataclass(frozen=True)
class _PlaneSet:
    z_mm: FloatArray
    contours: tuple[tuple[FloatArray, ...], ...]


def _planes(structure: Structure) -> _PlaneSet:
    return _PlaneSet(
        z_mm=np.array([p.z_mm for p in structure.planes], dtype=np.float64),
        contours=tuple(p.contours for p in structure.planes),
    )


def _edges(
    contours: Sequence[tuple[FloatArray, ...]],
    to_uv: FloatArray,
    origin: FloatArray,
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, IntArray]:
    """All polygon edges (closing edge included) in plane coordinates u (along a scan line)
    and v (across scan lines); returns u0, v0, u1, v1, plane index."""
    pts_list: list[FloatArray] = []
    nxt_list: list[FloatArray] = []
    pid_list: list[IntArray] = []
    for p, cs in enumerate(contours):
        for c in cs:
            xy = c[:, :2]
            pts_list.append(xy)
            nxt_list.append(np.roll(xy, -1, axis=0))
            pid_list.append(np.full(len(xy), p, dtype=np.int64))
    a = np.concatenate(pts_list)
    b = np.concatenate(nxt_list)
    pid = np.concatenate(pid_list)
    a_uv = (a - origin) @ to_uv.T
    b_uv = (b - origin) @ to_uv.T
    return a_uv[:, 0], a_uv[:, 1], b_uv[:, 0], b_uv[:, 1], pid


def _crossings(
    u0: FloatArray,
    v0: FloatArray,
    u1: FloatArray,
    v1: FloatArray,
    pid: IntArray,
    lines: FloatArray,
) -> tuple[IntArray, IntArray, FloatArray, npt.NDArray[np.bool_]]:
    """Edge/scan-line crossings with the crossing-number rule of matplotlib's point_in_path:
    an edge crosses line ``t`` when exactly one end has ``v >= t``.

    ``lines`` must be ascending. Returns (plane, line index, crossing u, yflag1) where
    yflag1 is ``v1 >= t`` (decides whether a point exactly on the crossing counts).
    """
    vmin = np.minimum(v0, v1)
    vmax = np.maximum(v0, v1)
    first = np.searchsorted(lines, vmin, side="right")
    last = np.searchsorted(lines, vmax, side="right")
    n = np.maximum(last - first, 0)
    total = int(n.sum())
    if total == 0:
        empty_i = np.zeros(0, dtype=np.int64)
        return empty_i, empty_i, np.zeros(0), np.zeros(0, dtype=bool)
    e = np.repeat(np.arange(n.size), n)
    starts = np.cumsum(n) - n
    li = first[e] + (np.arange(total) - starts[e])
    t = lines[li]
    eu0, ev0, eu1, ev1 = u0[e], v0[e], u1[e], v1[e]
    uc = eu1 + (t - ev1) * (eu0 - eu1) / (ev0 - ev1)
    return pid[e], li.astype(np.int64), uc, ev1 >= t


def _chunks(n_planes: int, cells_per_plane: int) -> list[tuple[int, int]]:
    step = max(1, _CHUNK_CELLS // max(cells_per_plane, 1))
    return [(s, min(s + step, n_planes)) for s in range(0, n_planes, step)]


def _centre_mask(
    u0: FloatArray,
    v0: FloatArray,
    u1: FloatArray,
    v1: FloatArray,
    pid: IntArray,
    n_planes: int,
    lines: FloatArray,
    positions: FloatArray,
) -> npt.NDArray[np.bool_]:
    """Pixel-centre-in-polygon mask (P, lines, positions), contours XOR-combined per plane.

    A point at ``(positions[j], lines[i])`` is inside when an odd number of edge crossings
    lie to its right (crossing u ≥ point when yflag1, u > point otherwise) — matplotlib's
    ``point_in_path`` rule. ``lines`` and ``positions`` must be monotonic (either direction).
    """
    nl, npos = lines.size, positions.size
    mask = np.zeros((n_planes, nl, npos), dtype=bool)
    line_rev = bool(nl > 1 and lines[-1] < lines[0])
    p, li, uc, yflag1 = _crossings(u0, v0, u1, v1, pid, lines[::-1] if line_rev else lines)
    if p.size == 0:
        return mask
    if line_rev:
        li = nl - 1 - li
    if npos > 1 and positions[-1] < positions[0]:
        # mirror: q = -position ascending; the crossings right of a point are an odd number
        # exactly when those left of it are (closed polygons cross a line an even number of
        # times), so count q < -u (yflag1) / q <= -u as a prefix instead.
        q = -positions
        k = np.where(
            yflag1, np.searchsorted(q, -uc, side="left"), np.searchsorted(q, -uc, side="right")
        )
    else:
        k = np.where(
            yflag1,
            np.searchsorted(positions, uc, side="right"),
            np.searchsorted(positions, uc, side="left"),
        )
    # toggles positions [0, k): +1 at 0, -1 at k
    for s, e in _chunks(n_planes, nl * (npos + 1)):
        sel = (p >= s) & (p < e)
        base = ((p[sel] - s) * nl + li[sel]) * (npos + 1)
        size = (e - s) * nl * (npos + 1)
        diff = np.bincount(base, minlength=size) - np.bincount(base + k[sel], minlength=size)
        counts = np.cumsum(diff.reshape(e - s, nl, npos + 1), axis=2)[:, :, :npos]
        mask[s:e] = (counts & 1).astype(bool)
    return mask


@dataclass(frozen=True, eq=False)
class _Coverage:
    """Partial-volume rasterisation of one ROI on a (P, rows, cols) block of pixels.

    ``frac``: fraction of each pixel inside the polygons; ``interior``: pixels covered in
    full (centroid = pixel centre); boundary pixels (0 < frac, not interior) are listed in
    ``bp, br, bc`` with the centroid ``bu, bv`` (pixel index units) of their covered part.
    """

    frac: FloatArray
    interior: npt.NDArray[np.bool_]
    bp: IntArray
    br: IntArray
    bc: IntArray
    bu: FloatArray
    bv: FloatArray


def _coverage(
    u0: FloatArray,
    v0: FloatArray,
    u1: FloatArray,
    v1: FloatArray,
    pid: IntArray,
    n_planes: int,
    n_rows: int,
    n_cols: int,
    subsamples: int,
) -> _Coverage:
    """Fraction of each pixel inside the polygons and the centroid of the covered part.

    Coordinates are pixel indices (pixel (r, c) spans [c±0.5] × [r±0.5]). Each pixel row is
    sampled by ``subsamples`` sub-rows; along each sub-row the covered length and its first
    moment are exact. Contours on a plane combine by even-odd (XOR).
    """
    s_rows = subsamples
    lines = (np.arange(n_rows * s_rows) + 0.5) / s_rows - 0.5
    frac = np.zeros((n_planes, n_rows, n_cols))
    interior = np.zeros((n_planes, n_rows, n_cols), dtype=bool)
    empty_i = np.zeros(0, dtype=np.int64)
    bp_l: list[IntArray] = [empty_i]
    br_l: list[IntArray] = [empty_i]
    bc_l: list[IntArray] = [empty_i]
    bu_l: list[FloatArray] = [np.zeros(0)]
    bv_l: list[FloatArray] = [np.zeros(0)]
    p, li, uc, _ = _crossings(u0, v0, u1, v1, pid, lines)
    if p.size:
        # even-odd: sort crossings along each (plane, sub-row); alternate enter/leave
        group = p * lines.size + li
        order = np.lexsort((uc, group))
        p, li, uc, group = p[order], li[order], uc[order], group[order]
        new = np.ones(group.size, dtype=bool)
        new[1:] = group[1:] != group[:-1]
        start = np.maximum.accumulate(np.where(new, np.arange(group.size), 0))
        sign = np.where(((np.arange(group.size) - start) & 1) == 0, 1.0, -1.0)
        x = np.clip(uc, -0.5, n_cols - 0.5)
        kx = np.floor(x + 0.5).astype(np.int64)  # pixel holding the crossing, 0..n_cols
        part = sign * (kx + 0.5 - x)
        part_mx = sign * ((kx + 0.5) ** 2 - x**2) / 2.0
        row = li // s_rows
        yline = lines[li]
        width = n_cols + 2
        for s, e in _chunks(n_planes, n_rows * width):
            sel = (p >= s) & (p < e)
            base = ((p[sel] - s) * n_rows + row[sel]) * width
            size = (e - s) * n_rows * width
            kxs = kx[sel]
            sg, pt, pm, yl = sign[sel], part[sel], part_mx[sel], yline[sel]
            shape = (e - s, n_rows, width)
            full = np.cumsum(np.bincount(base + kxs + 1, sg, size).reshape(shape), axis=2)
            partial = np.bincount(base + kxs, pt, size).reshape(shape)
            cover = full + partial
            fr = np.clip(cover[:, :, :n_cols] / s_rows, 0.0, 1.0)
            fr[fr < 1e-12] = 0.0
            inner = (full[:, :, :n_cols] == s_rows) & (partial[:, :, :n_cols] == 0)
            frac[s:e] = fr
            interior[s:e] = inner
            q, r, c = np.nonzero((fr > 0) & ~inner)
            if q.size == 0:
                continue
            flat = (q * n_rows + r) * width + c
            yfull = np.cumsum(np.bincount(base + kxs + 1, sg * yl, size).reshape(shape), axis=2)
            pmx = np.bincount(base + kxs, pm, size)
            pmy = np.bincount(base + kxs, pt * yl, size)
            cov = cover.ravel()[flat]
            bp_l.append(q + s)
            br_l.append(r)
            bc_l.append(c)
            bu_l.append((full.ravel()[flat] * c + pmx[flat]) / cov)
            bv_l.append((yfull.ravel()[flat] + pmy[flat]) / cov)
    return _Coverage(
        frac=frac,
        interior=interior,
        bp=np.concatenate(bp_l),
        br=np.concatenate(br_l),
        bc=np.concatenate(bc_l),
        bu=np.concatenate(bu_l),
        bv=np.concatenate(bv_l),
    )


def _plane_values(
    dose: FloatArray,
    ub: IntArray,
    lb: IntArray,
    fz: FloatArray,
    rows: slice,
    cols: slice,
    mask: npt.NDArray[np.bool_],
) -> tuple[FloatArray, IntArray]:
    """Doses at the pixels of ``mask`` (P, rows, cols block) on each plane,
    ``fz·D[ub] + (1 - fz)·D[lb]`` at pixel centres; returns (values, count per plane)."""
    n_planes = mask.shape[0]
    block = dose[:, rows, cols]
    counts = mask.reshape(n_planes, -1).sum(axis=1)
    out = np.empty(int(counts.sum()))
    pos = 0
    for s, e in _chunks(n_planes, mask.shape[1] * mask.shape[2] * 4):
        m = mask[s:e]
        n = int(counts[s:e].sum())
        if n == 0:
            continue
        w = fz[s:e, np.newaxis, np.newaxis]
        plane = w * block[ub[s:e]] + (1.0 - w) * block[lb[s:e]]
        out[pos : pos + n] = plane[m]
        pos += n
    return out, counts.astype(np.int64)


# =========================================================================== dose lookup


def _frame_lookup(
    frame_z: FloatArray, plane_z: FloatArray, snap_mm: float
) -> tuple[IntArray, IntArray, FloatArray, npt.NDArray[np.bool_]]:
    """dicompyler-core ``GetDoseGrid`` for many planes: (upper, lower, fz, inside).

    The dose at the plane is ``fz·D[upper] + (1 - fz)·D[lower]``; a plane within
    ``snap_mm`` of a frame uses that frame (fz = 1); a plane outside the frames' z range is
    not inside. ``upper`` is the nearest frame and ``lower`` the second nearest.
    """
    dist = np.fabs(frame_z[np.newaxis, :] - plane_z[:, np.newaxis])
    ub = np.argmin(dist, axis=1)
    snapped = dist[np.arange(plane_z.size), ub] < snap_mm
    lo, hi = float(frame_z.min()), float(frame_z.max())
    inside = snapped | ((plane_z >= lo) & (plane_z <= hi))
    lmin = dist.copy()
    lmin[np.arange(plane_z.size), ub] = np.max(dist, axis=1)
    lb = np.argmin(lmin, axis=1) if frame_z.size > 1 else ub.copy()
    denom = frame_z[ub] - frame_z[lb]
    with np.errstate(divide="ignore", invalid="ignore"):
        fz = np.where(denom != 0, (plane_z - frame_z[lb]) / np.where(denom != 0, denom, 1.0), 1.0)
    fz = np.where(snapped, 1.0, fz)
    lb = np.where(snapped, ub, lb)
    return ub.astype(np.int64), lb.astype(np.int64), fz, inside


def _frame_interp(
    frame_z: FloatArray, plane_z: FloatArray, end_tol_mm: float
) -> tuple[IntArray, IntArray, FloatArray, npt.NDArray[np.bool_]]:
    """Linear interpolation between the two frames bracketing each plane (accurate mode).

    Returns (upper, lower, fz, inside) with dose ``fz·D[upper] + (1 - fz)·D[lower]``. A plane
    beyond the first/last frame by less than ``end_tol_mm`` uses that end frame; farther out
    it is not inside.
    """
    order = np.argsort(frame_z)
    zs = frame_z[order]
    lo, hi = float(zs[0]), float(zs[-1])
    inside = (plane_z >= lo - end_tol_mm) & (plane_z <= hi + end_tol_mm)
    zc = np.clip(plane_z, lo, hi)
    if zs.size == 1:
        zero = np.zeros(plane_z.size, dtype=np.int64)
        return zero, zero, np.ones(plane_z.size), inside
    i = np.clip(np.searchsorted(zs, zc, side="right") - 1, 0, zs.size - 2)
    fz = (zc - zs[i]) / (zs[i + 1] - zs[i])
    return order[i + 1].astype(np.int64), order[i].astype(np.int64), fz, inside


def _bilinear(frame: IntArray, v: FloatArray, u: FloatArray, dose: FloatArray) -> FloatArray:
    """Bilinear in-plane interpolation of ``dose[frame]`` at continuous (row v, column u),
    clamped to the grid."""
    _, n_rows, n_cols = dose.shape
    v = np.clip(v, 0.0, n_rows - 1.0)
    u = np.clip(u, 0.0, n_cols - 1.0)
    r0 = np.minimum(np.floor(v).astype(np.int64), max(n_rows - 2, 0))
    c0 = np.minimum(np.floor(u).astype(np.int64), max(n_cols - 2, 0))
    r1 = np.minimum(r0 + 1, n_rows - 1)
    c1 = np.minimum(c0 + 1, n_cols - 1)
    fr = v - r0
    fc = u - c0
    return np.asarray(
        (1 - fr) * ((1 - fc) * dose[frame, r0, c0] + fc * dose[frame, r0, c1])
        + fr * ((1 - fc) * dose[frame, r1, c0] + fc * dose[frame, r1, c1]),
        dtype=np.float64,
    )


# =========================================================================== compute


def _check_inputs(dose: DoseGrid, structure: Structure, eqd2: Eqd2 | None) -> None:
    if not structure.has_contours:
        extra = (
            f" ({structure.ignored_contours} non-CLOSED_PLANAR contours ignored)"
            if structure.ignored_contours
            else ""
        )
        raise DVHError(f"{structure.label} has no closed planar contour data{extra}")
    if structure.frame_of_reference_uid != dose.frame_of_reference_uid:
        raise DVHError(
            f"{structure.label} is in frame of reference {structure.frame_of_reference_uid}, "
            f"but dose {dose.source} is in {dose.frame_of_reference_uid}; a registration is "
            "needed and is not applied to structures"
        )
    if dose.dose_units != "GY":
        raise DVHError(f"dose {dose.source} has DoseUnits {dose.dose_units!r}, not 'GY'")
    if eqd2 is not None and dose.dose_type != "PHYSICAL":
        raise DVHError(
            f"dose {dose.source} has DoseType {dose.dose_type!r}: EQD2 conversion applies only "
            "to PHYSICAL dose (converting an EFFECTIVE dose again would double-count)"
        )


def _quantity(dose: DoseGrid, eqd2: Eqd2 | None) -> str:
    if eqd2 is not None:
        return eqd2.describe()
    if dose.dose_type == "EFFECTIVE":
        return f"effective dose ({dose.comment})" if dose.comment else "effective dose"
    return "physical dose"


def compute(
    dose: DoseGrid,
    structure: Structure,
    *,
    mode: Mode = "accurate",
    eqd2: Eqd2 | None = None,
    bin_width_gy: float = COMPAT_BIN_GY,
    subsamples: int = 4,
    thickness_mm: float | None = None,
) -> DVH:
    """Compute the DVH of ``structure`` in ``dose`` (Gy, cc).

    Args:
        dose: dose grid (axial planes, Gy).
        structure: ROI with axial closed planar contours, same frame of reference as ``dose``.
        mode: ``"accurate"`` (partial-volume, default) or ``"compat"`` (dicompyler-core 0.5.6).
        eqd2: convert each voxel's physical dose to EQD2 before histogramming.
        bin_width_gy: histogram bin width (accurate mode; compat uses 0.01 Gy).
        subsamples: sub-rows per pixel row for the in-plane coverage (accurate mode).
        thickness_mm: slab thickness; required when the ROI has contours on one plane only.

    Raises:
        DVHError: ROI without contours, other frame of reference, single plane without
            ``thickness_mm``, no volume inside the dose grid.
    """
    _check_inputs(dose, structure, eqd2)
    if mode not in ("accurate", "compat"):
        raise ValueError(f"mode must be 'accurate' or 'compat', got {mode!r}")
    if subsamples < 1:
        raise ValueError(f"subsamples must be >= 1, got {subsamples!r}")
    if not (bin_width_gy > 0 and math.isfinite(bin_width_gy)):
        raise ValueError(f"bin_width_gy must be > 0, got {bin_width_gy!r}")
    planes = _planes(structure)
    if mode == "compat":
        return _compute_compat(dose, structure, planes, eqd2, thickness_mm)
    return _compute_accurate(dose, structure, planes, eqd2, bin_width_gy, subsamples, thickness_mm)


def compute_all(
    dose: DoseGrid,
    structures: Iterable[Structure],
    **kwargs: object,
) -> dict[int, DVH | DVHError]:
    """DVH of each ROI keyed by ROI number; an ROI that cannot be computed maps to its
    :class:`DVHError` (so one empty ROI does not hide the others)."""
    out: dict[int, DVH | DVHError] = {}
    for s in structures:
        try:
            out[s.number] = compute(dose, s, **kwargs)  # type: ignore[arg-type]
        except DVHError as exc:
            out[s.number] = exc
    return out


def _slab_thickness(z: FloatArray, structure: Structure, given: float | None) -> float:
    if given is not None:
        if not (given > 0 and math.isfinite(given)):
            raise DVHError(f"thickness_mm must be > 0, got {given!r}")
        return float(given)
    if z.size < 2:
        raise DVHError(
            f"{structure.label} has contours on one plane only (z = {z[0]:g} mm); its slice "
            "thickness cannot be derived — pass thickness_mm"
        )
    return float(np.min(np.diff(np.sort(z))))


# --------------------------------------------------------------------------- compat


def _compat_luts(dose: DoseGrid) -> tuple[FloatArray, FloatArray, int]:
    """dicompyler-core ``GetPatientToPixelLUT`` and ``x_lut_index`` (standard orientations)."""
    iop = [*dose.row_cosine, *dose.column_cosine]
    non_decub = ([1, 0, 0, 0, 1, 0], [-1, 0, 0, 0, -1, 0], [-1, 0, 0, 0, 1, 0], [1, 0, 0, 0, -1, 0])
    decub = ([0, -1, 0, 1, 0, 0], [0, 1, 0, -1, 0, 0], [0, 1, 0, 1, 0, 0], [0, -1, 0, -1, 0, 0])
    if any(np.allclose(iop, o) for o in non_decub):
        x_index = 0
    elif any(np.allclose(iop, o) for o in decub):
        x_index = 1
    else:
        raise DVHError(
            f"dose {dose.source}: compat mode supports only the 8 standard patient orientations "
            f"(dicompyler-core), not ImageOrientationPatient {iop}"
        )
    drow, dcol = dose.pixel_spacing_mm
    first_x, first_y, first_z = dose.origin_mm
    _, rows, cols = dose.shape
    m = np.array(
        [
            [iop[0] * dcol, iop[3] * drow, 0, first_x],
            [iop[1] * dcol, iop[4] * drow, 0, first_y],
            [iop[2] * dcol, iop[5] * drow, 0, first_z],
            [0, 0, 0, 1],
        ]
    )
    last = np.matmul(m, np.array([[cols - 1], [rows - 1], [0], [1]]))
    last_x, last_y = last[0][0], last[1][0]
    if x_index == 0:
        col_lut = np.linspace(first_x, last_x, cols)
        row_lut = np.linspace(first_y, last_y, rows)
    else:
        col_lut = np.linspace(first_y, last_y, cols)
        row_lut = np.linspace(first_x, last_x, rows)
    return col_lut, row_lut, x_index


def _span(values: FloatArray, lo: float, hi: float) -> slice:
    """Contiguous index range of a monotonic array whose values lie in [lo, hi]."""
    idx = np.flatnonzero((values >= lo) & (values <= hi))
    return slice(int(idx[0]), int(idx[-1]) + 1) if idx.size else slice(0, 0)


def _compat_masks(dose: DoseGrid, planes: _PlaneSet) -> tuple[npt.NDArray[np.bool_], slice, slice]:
    """Pixel-centre masks exactly as dicompyler-core builds them, restricted to the ROI's
    bounding box: (mask (P, rows, cols) of the block, row slice, column slice)."""
    col_lut, row_lut, x_index = _compat_luts(dose)
    # scan lines run along patient y; positions along patient x
    if x_index == 0:
        line_lut, pos_lut = row_lut, col_lut
    else:
        line_lut, pos_lut = col_lut, row_lut
    u0, v0, u1, v1, pid = _edges(planes.contours, np.eye(2), np.zeros(2))
    lines = _span(line_lut, float(min(v0.min(), v1.min())), float(max(v0.max(), v1.max())))
    pos = _span(pos_lut, float(min(u0.min(), u1.min())), float(max(u0.max(), u1.max())))
    mask = _centre_mask(u0, v0, u1, v1, pid, planes.z_mm.size, line_lut[lines], pos_lut[pos])
    if x_index == 1:
        return np.ascontiguousarray(np.transpose(mask, (0, 2, 1))), pos, lines
    return mask, lines, pos


def _compute_compat(
    dose: DoseGrid,
    structure: Structure,
    planes: _PlaneSet,
    eqd2: Eqd2 | None,
    thickness_mm: float | None,
) -> DVH:
    thickness = _slab_thickness(planes.z_mm, structure, thickness_mm)
    masks, rows, cols = _compat_masks(dose, planes)
    col_lut, row_lut, _ = _compat_luts(dose)
    if col_lut.size < 2 or row_lut.size < 2:
        pixel_area = dose.pixel_spacing_mm[0] * dose.pixel_spacing_mm[1]
    else:
        pixel_area = float(abs(np.mean(np.diff(col_lut))) * abs(np.mean(np.diff(row_lut))))
    ub, lb, fz, inside = _frame_lookup(dose.frame_z_mm, planes.z_mm, FRAME_SNAP_MM)
    counts = masks.reshape(masks.shape[0], -1).sum(axis=1)
    volume_cc = float(np.sum(counts * (pixel_area * thickness)) / 1000.0)
    notes: list[str] = []
    if not np.all(inside):
        notes.append(
            "Dose grid does not encompass every contour. Volume calculated for all contours."
        )
    values, _ = _plane_values(
        dose.dose_gy, ub, lb, fz, rows, cols, masks & inside[:, np.newaxis, np.newaxis]
    )
    if eqd2 is not None:
        values = eqd2.convert(values)
    if values.size == 0 or volume_cc <= 0:
        raise DVHError(
            f"{structure.label}: no dose-grid pixel centre lies inside its contours within the "
            "dose grid (dicompyler-core returns an empty DVH); use mode='accurate' for "
            "structures smaller than the dose grid resolution"
        )
    cgy = values * 100.0
    hist = np.bincount(np.floor(cgy).astype(np.int64)).astype(np.float64)
    hist = hist * volume_cc / hist.sum()
    hist = np.trim_zeros(hist, trim="b")
    cum = hist[::-1].cumsum()[::-1]
    diff = np.fabs(np.diff(np.append(cum, 0.0)))
    occupied = np.flatnonzero(diff > 0)
    edges = np.arange(diff.size + 1) / 100.0
    centres = 0.5 * (edges[1:] + edges[:-1])
    return DVH(
        roi_number=structure.number,
        roi_name=structure.name,
        mode="compat",
        dose_quantity=_quantity(dose, eqd2),
        bin_width_gy=COMPAT_BIN_GY,
        differential_cc=hist,
        volume_cc=float(diff.sum()),
        min_gy=float(edges[1:][occupied[0]]),
        max_gy=float(edges[1:][occupied[-1]]),
        mean_gy=float((centres * diff).sum() / diff.sum()),
        volume_outside_dose_grid_cc=0.0,
        notes=tuple(notes),
    )


# --------------------------------------------------------------------------- accurate


def _slabs(z: FloatArray, nominal: float) -> FloatArray:
    """Slab thickness per plane: half-way to each neighbour, half the nominal spacing at the
    ends and across gaps wider than 1.5 × nominal (separate parts of the ROI)."""
    order = np.argsort(z)
    zs = z[order]
    gaps = np.diff(zs)
    half = np.where(gaps <= 1.5 * nominal, gaps / 2.0, nominal / 2.0)
    below = np.concatenate([[nominal / 2.0], half])
    above = np.concatenate([half, [nominal / 2.0]])
    out = np.empty_like(z)
    out[order] = below + above
    return out


def _compute_accurate(
    dose: DoseGrid,
    structure: Structure,
    planes: _PlaneSet,
    eqd2: Eqd2 | None,
    bin_width_gy: float,
    subsamples: int,
    thickness_mm: float | None,
) -> DVH:
    nominal = _slab_thickness(planes.z_mm, structure, thickness_mm)
    slab = (
        np.full(planes.z_mm.size, nominal)
        if thickness_mm is not None
        else _slabs(planes.z_mm, nominal)
    )
    _, n_rows, n_cols = dose.shape
    drow, dcol = dose.pixel_spacing_mm
    to_uv = np.array(
        [np.asarray(dose.row_cosine[:2]) / dcol, np.asarray(dose.column_cosine[:2]) / drow]
    )
    origin = np.asarray(dose.origin_mm[:2])
    u0, v0, u1, v1, pid = _edges(planes.contours, to_uv, origin)
    notes: list[str] = []
    umin, umax = float(min(u0.min(), u1.min())), float(max(u0.max(), u1.max()))
    vmin, vmax = float(min(v0.min(), v1.min())), float(max(v0.max(), v1.max()))
    if umin < -0.5 or vmin < -0.5 or umax > n_cols - 0.5 or vmax > n_rows - 0.5:
        notes.append("Contours extend beyond the dose grid in-plane; those parts are not counted.")
    # restrict to the ROI's bounding box of pixels
    c0 = int(min(max(math.floor(umin + 0.5), 0), n_cols - 1))
    c1 = int(min(max(math.floor(umax + 0.5), 0), n_cols - 1))
    r0 = int(min(max(math.floor(vmin + 0.5), 0), n_rows - 1))
    r1 = int(min(max(math.floor(vmax + 0.5), 0), n_rows - 1))
    cov = _coverage(
        u0 - c0,
        v0 - r0,
        u1 - c0,
        v1 - r0,
        pid,
        planes.z_mm.size,
        r1 - r0 + 1,
        c1 - c0 + 1,
        subsamples,
    )
    pixel_area = drow * dcol
    plane_vol_cc = cov.frac.reshape(cov.frac.shape[0], -1).sum(axis=1) * pixel_area * slab / 1000.0
    ub, lb, fz, inside = _frame_interp(dose.frame_z_mm, planes.z_mm, FRAME_SNAP_MM)
    outside_cc = float(plane_vol_cc[~inside].sum())
    if outside_cc > 0:
        notes.append(
            f"{outside_cc:.4g} cc of the ROI lies on planes outside the dose grid and is "
            "excluded from the DVH."
        )
    # interior pixels: covered in full, dose at the pixel centre
    vals_in, n_in = _plane_values(
        dose.dose_gy,
        ub,
        lb,
        fz,
        slice(r0, r1 + 1),
        slice(c0, c1 + 1),
        cov.interior & inside[:, np.newaxis, np.newaxis],
    )
    w_in = np.repeat(pixel_area * slab / 1000.0, n_in)
    # boundary pixels: partial weight, dose at the centroid of the covered part
    keep = inside[cov.bp]
    bp, br, bc = cov.bp[keep], cov.br[keep], cov.bc[keep]
    w_b = cov.frac[bp, br, bc] * pixel_area * slab[bp] / 1000.0
    v = cov.bv[keep] + r0
    u = cov.bu[keep] + c0
    w = fz[bp]
    vals_b = w * _bilinear(ub[bp], v, u, dose.dose_gy) + (1.0 - w) * _bilinear(
        lb[bp], v, u, dose.dose_gy
    )
    values = np.concatenate([vals_in, vals_b])
    weights = np.concatenate([w_in, w_b])
    if eqd2 is not None:
        values = eqd2.convert(values)
    if values.size == 0 or weights.sum() <= 0:
        raise DVHError(f"{structure.label} has no volume inside the dose grid {dose.source}")
    volume_cc = float(weights.sum())
    idx = np.floor(values / bin_width_gy).astype(np.int64)
    hist = np.bincount(idx, weights=weights).astype(np.float64)
    return DVH(
        roi_number=structure.number,
        roi_name=structure.name,
        mode="accurate",
        dose_quantity=_quantity(dose, eqd2),
        bin_width_gy=float(bin_width_gy),
        differential_cc=hist,
        volume_cc=volume_cc,
        min_gy=float(values.min()),
        max_gy=float(values.max()),
        mean_gy=float(np.dot(weights, values) / volume_cc),
        volume_outside_dose_grid_cc=outside_cc,
        notes=tuple(notes),
    )
