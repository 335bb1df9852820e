"""Benchmark: all-structure DVHs (breastcds vs dicompyler-core 0.5.6) and EQD2 accumulation.

Builds a clinically sized synthetic case as real DICOM in a temporary directory — a
256 × 256 × 120 dose grid (2 mm pixels, 2.5 mm frames) and 12 ROIs including a body outline,
contoured every 2.5 mm half-way between dose frames — then times:

1. breastcds DVHs for every ROI, compat and accurate modes (reading the files separately);
2. dicompyler-core 0.5.6 ``get_dvh`` for every ROI, run as a subprocess in its own venv
   (benchmarks/peer_env.py; it needs pydicom < 3) over the same files, datasets read once;
3. voxel-wise EQD2 accumulation of two such courses on different grids, and the RTDOSE
   write, then reads the written RTDOSE back with pydicom and with dicompyler-core;
4. the analytic phantom (tests/radiotherapy/phantom.py) errors of both modes.

Usage: ``.venv/bin/python benchmarks/dvh.py [--no-peer] [--repeat N]``. Prints figures only.
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "radiotherapy"))
sys.path.insert(0, str(ROOT / "benchmarks"))

import peer_env  # noqa: E402
import phantom  # noqa: E402

from breastcds.dose import accumulate, dicom, dvh  # noqa: E402

SHAPE = (120, 256, 256)  # frames, rows, columns
PIXEL_MM = 2.0
FRAME_MM = 2.5


def _ellipse(cx: float, cy: float, ax: float, ay: float, n: int = 128) -> np.ndarray:
    t = np.arange(n) * 2 * math.pi / n
    return np.column_stack([cx + ax * np.cos(t), cy + ay * np.sin(t)])


def build_case(directory: Path, dose_scale: float = 1.0, shift_mm: float = 0.0) -> Path:
    """Write rtdose.dcm (+ rtss.dcm) of the synthetic case; return the dose path."""
    frames, rows, cols = SHAPE
    origin = np.array([-255.0 + shift_mm, -255.0 + shift_mm, -150.0 + shift_mm])
    xs = origin[0] + PIXEL_MM * np.arange(cols)
    ys = origin[1] + PIXEL_MM * np.arange(rows)
    zs = origin[2] + FRAME_MM * np.arange(frames)
    # a left-breast-like high-dose region, a penumbra and a low-dose bath (Gy)
    x = xs[None, None, :]
    y = ys[None, :, None]
    z = zs[:, None, None]
    target = np.exp(-((((x - 80) / 60) ** 2 + ((y + 40) / 45) ** 2 + (z / 70) ** 2) ** 3))
    bath = 2.0 * np.exp(-(((x - 60) / 140) ** 2 + ((y + 20) / 110) ** 2 + (z / 120) ** 2))
    dose = dose_scale * (48.0 * target + bath + 0.02 * (y + 255.0) / 510.0)
    dose_path = phantom.write_rtdose(
        directory / "rtdose.dcm",
        dose,
        origin_mm=origin,
        spacing_mm=(PIXEL_MM, PIXEL_MM),
        frame_offsets_mm=FRAME_MM * np.arange(frames),
    )
    planes = origin[2] + FRAME_MM * (np.arange(1, frames - 1) + 0.5)  # between frames
    rois: list[phantom.ROI] = []

    def add(
        name: str,
        centre: tuple[float, float, float],
        axes: tuple[float, float, float],
        hole: float = 0.0,
        n: int = 128,
    ) -> None:
        cx, cy, cz = centre
        ax_, ay_, az_ = axes
        shape: dict[float, list[np.ndarray]] = {}
        for zp in planes:
            q = 1 - ((zp - cz) / az_) ** 2
            if q <= 0.02:
                continue
            s = math.sqrt(q)
            polys = [_ellipse(cx, cy, ax_ * s, ay_ * s, n)]
            if hole:
                polys.append(_ellipse(cx, cy, ax_ * s * hole, ay_ * s * hole, n))
            shape[round(float(zp), 3)] = polys
        rois.append(phantom.ROI(len(rois) + 1, name, shape))

    # body outline: an elliptic cylinder over almost the whole grid
    body = {round(float(zp), 3): [_ellipse(0, 0, 240, 160, 256)] for zp in planes}
    rois.append(phantom.ROI(1, "BODY", body, "EXTERNAL"))
    add("PTV breast L", (80, -40, 0), (70, 55, 90))
    add("CTV breast L", (80, -40, 0), (60, 45, 80))
    add("Heart", (30, 10, -40), (55, 50, 60))
    add("Lung L", (80, 30, 20), (60, 70, 130), n=160)
    add("Lung R", (-80, 30, 20), (60, 70, 130), n=160)
    add("Breast R", (-80, -40, 0), (65, 50, 85))
    add("Spinal canal", (0, 110, 0), (8, 8, 400), hole=0.5, n=48)
    add("Esophagus", (0, 60, 0), (9, 7, 300), n=48)
    add("Liver", (-60, 20, -120), (110, 80, 60))
    add("LAD region", (50, -20, -30), (12, 12, 35), n=48)
    add("Chest wall L (ring)", (80, -10, 0), (110, 90, 100), hole=0.8)
    phantom.write_rtstruct(directory / "rtss.dcm", rois)
    return dose_path


PEER_SCRIPT = r"""
import json, sys, time
import pydicom
from dicompylercore import dvhcalc, dicomparser
rtss = pydicom.dcmread(sys.argv[1]); dose = pydicom.dcmread(sys.argv[2])
rois = [int(r.ROINumber) for r in rtss.StructureSetROISequence]
out = {}
t0 = time.perf_counter()
for roi in rois:
    d = dvhcalc.get_dvh(rtss, dose, roi)
    out[roi] = {"volume_cc": float(d.volume), "mean_gy": float(d.mean),
                "max_gy": float(d.max), "D95_gy": float(d.D95.value)}
elapsed = time.perf_counter() - t0
extra = {}
if len(sys.argv) > 3:
    acc = dicomparser.DicomParser(sys.argv[3])
    dd = acc.GetDoseData()
    heart = dvhcalc.get_dvh(rtss, sys.argv[3], rois[3])
    extra = {"acc_dosemax_gy": dd["dosemax"] * dd["dosegridscaling"],
             "acc_dosetype": dd["dosetype"], "acc_heart_mean": float(heart.mean)}
print(json.dumps({"seconds": elapsed, "rois": out, **extra}))
"""


def run_peer(rtss: Path, dose: Path, acc: Path | None) -> dict[str, Any]:
    python = peer_env.ensure_peer_env()
    args = [str(python), "-c", PEER_SCRIPT, str(rtss), str(dose)]
    if acc is not None:
        args.append(str(acc))
    res = subprocess.run(args, check=True, capture_output=True, text=True)
    return dict(json.loads(res.stdout.strip().splitlines()[-1]))


T = TypeVar("T")


def best_of(n: int, fn: Callable[[], T]) -> tuple[float, T]:
    """Best wall-clock time of ``max(n, 1)`` runs (seconds) and the last result."""
    t0 = time.perf_counter()
    value = fn()
    best = time.perf_counter() - t0
    for _ in range(n - 1):
        t0 = time.perf_counter()
        value = fn()
        best = min(best, time.perf_counter() - t0)
    return best, value


def phantom_errors(tmp: Path) -> None:
    ph = phantom.build(tmp / "phantom")
    dose = dicom.read_dose(ph.dose_path)
    print(
        "\nAnalytic phantom (linear dose, |g| = "
        f"{np.linalg.norm(ph.gradient_gy_per_mm):.3f} Gy/mm; 2.5 mm grid, 3 mm contour planes)"
    )
    print(
        f"{'ROI':9} {'mode':9} {'volume %':>9} {'mean Gy':>8} {'min Gy':>7} {'max Gy':>7} "
        f"{'D98 Gy':>7} {'D2 Gy':>7}"
    )
    for s in dicom.read_structures(ph.struct_path).values():
        t = ph.truth[s.name]
        for mode in ("compat", "accurate"):
            h = dvh.compute(dose, s, mode=mode)
            d98 = d2 = ""
            if s.name == "Sphere":
                d98 = f"{h.dose_at_volume_pct(98) - ph.sphere_dose_at_volume_pct(98):+.3f}"
                d2 = f"{h.dose_at_volume_pct(2) - ph.sphere_dose_at_volume_pct(2):+.3f}"
            print(
                f"{s.name:9} {mode:9} {100 * (h.volume_cc / t.volume_cc - 1):+9.3f} "
                f"{h.mean_gy - t.mean_gy:+8.4f} {h.min_gy - t.min_gy:+7.3f} "
                f"{h.max_gy - t.max_gy:+7.3f} {d98:>7} {d2:>7}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--no-peer", action="store_true", help="skip dicompyler-core")
    parser.add_argument("--repeat", type=int, default=3, help="best of N for breastcds timings")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="breastcds-dvh-bench-") as tmpdir:
        tmp = Path(tmpdir)
        (tmp / "c1").mkdir()
        (tmp / "c2").mkdir()
        t0 = time.perf_counter()
        dose1 = build_case(tmp / "c1")
        dose2 = build_case(tmp / "c2", dose_scale=0.4, shift_mm=1.0)  # other grid origin
        rtss = tmp / "c1" / "rtss.dcm"
        print(
            f"synthetic case written in {time.perf_counter() - t0:.1f} s: dose grid "
            f"{SHAPE[2]}×{SHAPE[1]}×{SHAPE[0]} (cols×rows×frames), 12 ROIs incl. BODY"
        )

        t_read, (grid, structures) = best_of(
            args.repeat, lambda: (dicom.read_dose(dose1), dicom.read_structures(rtss))
        )
        print(f"breastcds read RTDOSE + RTSTRUCT: {t_read:.3f} s")
        results: dict[str, dict[int, dvh.DVH | dvh.DVHError]] = {}
        times: dict[str, float] = {}
        modes: tuple[dvh.Mode, ...] = ("compat", "accurate")
        for mode in modes:
            t, res = best_of(
                args.repeat,
                lambda mode=mode: dvh.compute_all(  # type: ignore[misc]
                    grid, structures.values(), mode=mode
                ),
            )
            times[mode] = t
            results[mode] = res
            bad = [n for n, r in res.items() if isinstance(r, dvh.DVHError)]
            print(
                f"breastcds all-ROI DVHs ({mode}): {t:.3f} s"
                + (f"  (errors: {bad})" if bad else "")
            )

        # accumulation of two courses on different grids
        g2 = dicom.read_dose(dose2)
        # prior: ~50 Gy in 25 fractions on grid 1; new: ~20 Gy in 5 fractions on grid 2 (origin
        # shifted 1 mm in x, y, z) — the prior is resampled onto the new course's grid
        courses = [
            accumulate.Course(grid, 25, "prior ~50 Gy/25"),
            accumulate.Course(g2, 5, "new ~20 Gy/5"),
        ]
        t_acc, acc = best_of(
            args.repeat,
            lambda: accumulate.sum_eqd2(courses, alpha_beta_gy=3.0, outside="zero"),
        )
        acc_path = tmp / "eqd2_sum.dcm"
        t_write, _ = best_of(1, lambda: accumulate.write(acc, acc_path))
        import pydicom

        ds = pydicom.dcmread(acc_path)
        print(
            f"EQD2 accumulation of 2 courses ({SHAPE[2]}×{SHAPE[1]}×{SHAPE[0]}, resampled, "
            f"α/β 3 Gy): {t_acc:.3f} s; RTDOSE write {t_write:.3f} s; pydicom read-back "
            f"{ds.Modality} {ds.DoseType} max "
            f"{float(ds.pixel_array.max()) * float(ds.DoseGridScaling):.2f} Gy"
        )

        if not args.no_peer:
            peer = run_peer(rtss, dose1, acc_path)
            tp = float(peer["seconds"])
            print(f"dicompyler-core 0.5.6 all-ROI DVHs: {tp:.3f} s")
            for mode in ("compat", "accurate"):
                print(f"  speed-up breastcds {mode}: {tp / times[mode]:.1f}×")
            rois = peer["rois"]
            worst_v = worst_m = 0.0
            for key, p in rois.items():
                h = results["compat"][int(key)]
                if isinstance(h, dvh.DVHError):
                    continue
                worst_v = max(worst_v, abs(h.volume_cc / p["volume_cc"] - 1) * 100)
                worst_m = max(worst_m, abs(h.mean_gy - p["mean_gy"]))
            print(
                f"  compat vs dicompyler-core on this case: max |Δvolume| {worst_v:.4f} %, "
                f"max |Δmean| {worst_m:.4f} Gy"
            )
            print(
                f"  dicompyler-core read the accumulated RTDOSE: DoseType "
                f"{peer['acc_dosetype']}, max {float(peer['acc_dosemax_gy']):.2f} Gy, "
                f"heart mean EQD2 {float(peer['acc_heart_mean']):.3f} Gy"
            )
            heart = dvh.compute(dicom.read_dose(acc_path), structures[4], mode="compat")
            print(f"  breastcds compat heart mean EQD2 on the same file: {heart.mean_gy:.3f} Gy")
        phantom_errors(tmp)


if __name__ == "__main__":
    main()
