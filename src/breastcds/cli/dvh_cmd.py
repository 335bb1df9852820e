"""``breastcds dvh --dose RTDOSE --struct RTSTRUCT``: a thin adapter over dose.dvh."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

import typer

if TYPE_CHECKING:  # imported when the command runs (start-up time)
    from rich.console import Console

    from breastcds.dose import dicom, dvh

__all__ = ["build_report", "register", "select_structures", "write_csv", "write_plot"]


def select_structures(
    structures: dict[int, dicom.Structure], wanted: Sequence[str]
) -> list[dicom.Structure]:
    """ROIs chosen by number or exact name (all when ``wanted`` is empty)."""
    if not wanted:
        return [structures[n] for n in sorted(structures)]
    out: list[dicom.Structure] = []
    for w in wanted:
        match = [
            s for s in structures.values() if (w.isdigit() and s.number == int(w)) or s.name == w
        ]
        if not match:
            names = ", ".join(f"{s.number} {s.name!r}" for s in structures.values())
            raise ValueError(f"no ROI {w!r} in the structure set (ROIs: {names})")
        out.extend(m for m in match if m not in out)
    return out


def _parse_ab(items: Sequence[str]) -> dict[str, float]:
    out: dict[str, float] = {}
    for item in items:
        name, sep, value = item.rpartition("=")
        if not sep or not name:
            raise ValueError(f"--alpha-beta-roi expects NAME=GY, got {item!r}")
        try:
            out[name] = float(value)
        except ValueError:
            raise ValueError(f"--alpha-beta-roi {item!r}: {value!r} is not a number") from None
    return out


def build_report(
    dose: dicom.DoseGrid,
    struct_path: Path,
    results: dict[int, dvh.DVH | dvh.DVHError],
    structures: dict[int, dicom.Structure],
    mode: str,
    extra: Sequence[str],
) -> dict[str, Any]:
    """JSON-ready report: every metric per ROI, by ROI number and name."""
    from breastcds.dose import dvh

    items: list[dict[str, Any]] = []
    for number, res in results.items():
        s = structures[number]
        entry: dict[str, Any] = {"roi_number": number, "roi_name": s.name}
        if isinstance(res, dvh.DVHError):
            entry["error"] = str(res)
            entry["notes"] = list(s.notes)  # contours set aside while reading
        else:
            entry["dose_quantity"] = res.dose_quantity
            entry["metrics"] = res.summary(extra=extra)
            entry["volume_outside_dose_grid_cc"] = res.volume_outside_dose_grid_cc
            entry["notes"] = list(s.notes) + list(res.notes)
        items.append(entry)
    return {
        "dose": {
            "file": dose.source,
            "frame_of_reference_uid": dose.frame_of_reference_uid,
            "dose_units": dose.dose_units,
            "dose_type": dose.dose_type,
            "grid_shape_frames_rows_columns": list(dose.shape),
            "max_gy": float(dose.dose_gy.max()),
        },
        "structure_set": str(struct_path),
        "mode": mode,
        "units": {"dose": "Gy", "volume": "cc (cm³)", "pct": "% of ROI volume"},
        "structures": items,
    }


def write_csv(path: Path, results: dict[int, dvh.DVH | dvh.DVHError]) -> None:
    """Cumulative DVHs in long form: roi_number, roi_name, dose_gy, volume_cc, volume_pct."""
    from breastcds.dose import dvh

    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(
            ["roi_number", "roi_name", "dose_quantity", "dose_gy", "volume_cc", "volume_pct"]
        )
        for number, res in results.items():
            if isinstance(res, dvh.DVHError):
                continue
            cum = res.cumulative_cc
            for d, v in zip(res.dose_bins_gy, cum, strict=True):
                pct = 100.0 * v / res.volume_cc if res.volume_cc else 0.0
                w.writerow(
                    [number, res.roi_name, res.dose_quantity, f"{d:.4f}", f"{v:.6g}", f"{pct:.6g}"]
                )


def write_plot(path: Path, results: dict[int, dvh.DVH | dvh.DVHError], title: str) -> None:
    """Cumulative DVH curves (% volume vs dose) as a PNG."""
    import matplotlib

    from breastcds.dose import dvh

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 5), dpi=120)
    quantity = "dose"
    for res in results.values():
        if isinstance(res, dvh.DVHError):
            continue
        quantity = res.dose_quantity
        cum = res.cumulative_cc
        ax.plot(res.dose_bins_gy, 100.0 * cum / res.volume_cc, label=f"{res.roi_name}")
    ax.set_xlabel(f"{quantity} (Gy)")
    ax.set_ylabel("volume (%)")
    ax.set_ylim(0, 102)
    ax.set_xlim(left=0)
    ax.grid(True, alpha=0.3)
    ax.set_title(title)
    ax.legend(fontsize="small", loc="upper right")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def _render(report: dict[str, Any], console: Console) -> None:
    from rich.table import Table

    table = Table(title=f"DVH ({report['mode']} mode) — {report['dose']['file']}")
    cols = ["ROI", "name", "vol cc", "mean", "min", "max", "D98", "D95", "D50", "D2"]
    for c in cols:
        if c in ("ROI", "name"):
            table.add_column(c, justify="left")
        else:
            table.add_column(c, justify="right", no_wrap=True, min_width=5)
    for e in report["structures"]:
        if "error" in e:
            table.add_row(str(e["roi_number"]), e["roi_name"], "[yellow]—[/]", *([""] * 7))
            continue
        m = e["metrics"]
        table.add_row(
            str(e["roi_number"]),
            e["roi_name"],
            f"{m['volume_cc']:.1f}",
            *(
                f"{m[k]:.2f}"
                for k in ("mean_gy", "min_gy", "max_gy", "D98_gy", "D95_gy", "D50_gy", "D2_gy")
            ),
        )
    console.print(table)
    console.print("[dim]doses in Gy; D_x = minimum dose to the hottest x % of the ROI[/]")
    for e in report["structures"]:
        if "error" in e:
            console.print(
                f"[yellow]ROI {e['roi_number']} {e['roi_name']}:[/] {e['error']}",
                highlight=False,
                soft_wrap=True,
            )
        else:
            for note in e["notes"]:
                console.print(
                    f"ROI {e['roi_number']} {e['roi_name']}: {note}",
                    highlight=False,
                    soft_wrap=True,
                )
            if e["dose_quantity"] != "physical dose":
                console.print(
                    f"ROI {e['roi_number']} {e['roi_name']}: {e['dose_quantity']}", highlight=False
                )


def register(app: typer.Typer) -> None:
    """Register the ``dvh`` command on the application."""

    @app.command("dvh")
    def dvh_command(
        dose_file: Annotated[Path, typer.Option("--dose", help="DICOM RTDOSE file")],
        struct_file: Annotated[Path, typer.Option("--struct", help="DICOM RTSTRUCT file")],
        fmt: Annotated[
            Literal["table", "json"], typer.Option("--format", "-f", help="table | json")
        ] = "table",
        csv_file: Annotated[
            Path | None, typer.Option("--csv", help="write cumulative DVHs (long CSV) here")
        ] = None,
        plot_file: Annotated[
            Path | None, typer.Option("--plot", help="write a cumulative DVH plot (PNG) here")
        ] = None,
        mode: Annotated[
            Literal["accurate", "compat"],
            typer.Option("--mode", help="accurate (partial volume) | compat (dicompyler-core)"),
        ] = "accurate",
        roi: Annotated[
            list[str] | None, typer.Option("--roi", help="ROI number or name (repeatable)")
        ] = None,
        metric: Annotated[
            list[str] | None,
            typer.Option("--metric", help="extra metric, e.g. D0.03cc, V20Gy, V20Gy% (repeatable)"),
        ] = None,
        fractions: Annotated[
            int | None, typer.Option("--fractions", help="course fractions (for EQD2 DVHs)")
        ] = None,
        alpha_beta: Annotated[
            float | None, typer.Option("--alpha-beta", help="α/β in Gy for all ROIs (EQD2)")
        ] = None,
        alpha_beta_roi: Annotated[
            list[str] | None,
            typer.Option("--alpha-beta-roi", help="per-ROI α/β, NAME=GY (repeatable)"),
        ] = None,
        strict: Annotated[
            bool, typer.Option("--strict", help="exit 1 if any ROI has no DVH")
        ] = False,
    ) -> None:
        """Dose-volume histograms and metrics for every ROI of an RT structure set."""
        from rich.console import Console

        from breastcds.dose import dicom, dvh

        err = Console(stderr=True)

        def fail(message: str, code: int = 2) -> typer.Exit:
            err.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
            return typer.Exit(code)

        try:
            dose = dicom.read_dose(dose_file)
            structures = dicom.read_structures(struct_file)
            chosen = select_structures(structures, roi or [])
            dicom.check_frame_of_reference(dose, chosen)
            per_roi = _parse_ab(alpha_beta_roi or [])
        except (dicom.DicomRTError, ValueError) as exc:
            raise fail(str(exc)) from None
        if (alpha_beta is not None or per_roi) and fractions is None:
            raise fail("EQD2 DVHs need --fractions (the course's number of fractions)")
        if fractions is not None and alpha_beta is None:
            missing = [s.name for s in chosen if s.name not in per_roi]
            if missing:
                raise fail(
                    "--fractions given but no α/β for ROI(s) "
                    + ", ".join(map(repr, missing))
                    + "; pass --alpha-beta GY or --alpha-beta-roi NAME=GY"
                )
        extra = list(metric or [])
        results: dict[int, dvh.DVH | dvh.DVHError] = {}
        for s in chosen:
            eqd2 = None
            if fractions is not None:
                ab = per_roi.get(s.name, alpha_beta)
                assert ab is not None
                try:
                    eqd2 = dvh.Eqd2(fractions, ab)
                except ValueError as exc:
                    raise fail(f"ROI {s.number} {s.name!r}: {exc}") from None
            try:
                res = dvh.compute(dose, s, mode=mode, eqd2=eqd2)
                for name in extra:
                    res.metric(name)
                results[s.number] = res
            except dvh.DVHError as exc:
                results[s.number] = exc
            except ValueError as exc:
                raise fail(f"ROI {s.number} {s.name!r}: {exc}") from None
        report = build_report(dose, struct_file, results, structures, mode, extra)
        if fmt == "json":
            sys.stdout.write(json.dumps(report, indent=2) + "\n")
        else:
            _render(report, Console())
        if csv_file is not None:
            write_csv(csv_file, results)
        if plot_file is not None:
            write_plot(plot_file, results, f"DVH — {dose_file.name} / {struct_file.name}")
        if strict and any(isinstance(r, dvh.DVHError) for r in results.values()):
            raise typer.Exit(1)
