"""``breastcds reirradiation PLAN.json``: a thin adapter over reirradiation.evaluate.

Plans whose courses name DICOM RT files (``courses[].dicom``) are read first by
:mod:`breastcds.dose.reirradiation_dicom` (paths relative to the plan file); the
enriched plan then goes through the same ``evaluate``. ``--write-sum`` writes the voxel-wise
EQD2 sum as an RTDOSE.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

import typer

if TYPE_CHECKING:  # imported when the command runs (start-up time)
    from pydantic import ValidationError
    from rich.console import Console

    from breastcds.dose import reirradiation_dicom as rd
    from breastcds.dose.reirradiation import OrganAssessment, ReirradiationResult

__all__ = ["format_validation_error", "register", "render_dicom", "render_table"]


def format_validation_error(exc: ValidationError) -> list[str]:
    """One line per field: dotted location, message and the value given."""
    lines = []
    for error in exc.errors():
        loc = ".".join(str(part) for part in error["loc"]) or "(plan)"
        value = error.get("input")
        shown = json.dumps(value, default=str) if not isinstance(value, dict) else "{...}"
        lines.append(f"{loc}: {error['msg']} (value: {shown})")
    return lines


def _gy(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def _verdict(organ: OrganAssessment) -> str:
    colour = {
        "within": "green",
        "exceeds": "bold red",
        "cannot_assess": "yellow",
        "limit_not_applicable": "bold yellow",
    }[organ.verdict]
    return f"[{colour}]{organ.verdict}[/]"


def render_table(result: ReirradiationResult, console: Console) -> None:
    """Human-readable rendering: classification, cumulative EQD2 table, verdicts, prompts."""
    from rich.table import Table

    c = result.classification
    console.print(f"[bold]ESTRO-EORTC classification:[/] {c.category}")
    for reason in c.reasons:
        console.print(f"  • {reason}")
    if c.missing:
        console.print(f"  [yellow]record:[/] {', '.join(c.missing)}")
    console.print(f"  [dim]{c.source}[/]")
    interval = (
        "not computable"
        if result.interval_months is None
        else (f"{result.interval_months:.1f} months")
    )
    console.print(f"[bold]Interval since last course:[/] {interval} ({result.interval_detail})")
    recovery = f"{result.recovery_fraction_of_prior:.0%} " + (
        "(stated)" if result.recovery_stated else "(not stated: default, no recovery)"
    )
    console.print(f"[bold]Recovery of prior dose assumed:[/] {recovery}")

    table = Table(title="Cumulative EQD2 per organ at risk (limits literature-based, adjustable)")
    for col in (
        "organ",
        "metric",
        "α/β Gy",
        "prior EQD2",
        "prior BED",
        "recovery",
        "planned EQD2",
        "cumulative EQD2",
        "summation",
        "limit",
        "verdict",
    ):
        table.add_column(col, justify="right" if col not in ("organ", "metric") else "left")
    for o in result.organs:
        table.add_row(
            o.organ,
            o.metric,
            _gy(o.alpha_beta_gy),
            _gy(o.eqd2_prior_gy),
            _gy(o.bed_prior_gy),
            f"{o.recovery_fraction_of_prior:.0%}",
            _gy(o.eqd2_planned_gy),
            _gy(o.cumulative_eqd2_gy),
            o.summation_method,
            _gy(o.limit_eqd2_gy),
            _verdict(o),
        )
    console.print(table)
    for o in result.organs:
        notes = [*o.reasons, *(f"{k.requirement}: {k.status} ({k.detail})" for k in o.conditions)]
        notes += [f"caveat: {x}" for x in o.caveats]
        notes.append(f"α/β: {_gy(o.alpha_beta_gy)} Gy ({o.alpha_beta_source or 'none'})")
        notes.append(
            f"recovery of prior dose: {o.recovery_fraction_of_prior:.0%} ({o.recovery_source})"
        )
        notes.append(f"summation: {o.summation_method}: {o.summation_detail}")
        notes += [
            f"courses[{r.course_index}] dose: {r.dose_source}" for r in o.courses if r.dose_source
        ]
        notes.append(f"limit source: {o.limit_source or 'none'}")
        if notes:
            console.print(f"[bold]{o.organ} {o.metric}[/]")
            for note in notes:
                console.print(f"  • {note}", highlight=False)

    factors = Table(title="Selection factors")
    factors.add_column("factor")
    factors.add_column("value")
    for f in result.selection_factors:
        factors.add_row(f.name, f.value if f.recorded else f"[yellow]{f.value}[/]")
    console.print(factors)
    if result.missing_reporting_items:
        console.print("[bold yellow]Consensus reporting items not recorded:[/]")
        for item in result.missing_reporting_items:
            console.print(f"  • {item}", highlight=False)
    console.print("[bold]Assumptions:[/]")
    for a in result.assumptions:
        console.print(f"  • {a}", highlight=False)


def render_dicom(reading: rd.DicomReading, console: Console) -> None:
    """The DICOM files read, the summation made and its notes."""
    derived = reading.plan.dicom_derived
    if derived is not None:
        console.print(f"[bold]Summation from DICOM:[/] {derived.summation_method}", highlight=False)
        console.print(f"  • {derived.detail}", highlight=False)
    for c in reading.courses:
        rois = ", ".join(f"{organ} = ROI {roi!r}" for organ, roi in c.rois.items()) or "none"
        console.print(
            f"  • courses[{c.course_index}]: {c.dose_path} + {c.structures_path} (frame of "
            f"reference {c.frame_of_reference_uid}, max {c.max_physical_dose_gy:.2f} Gy "
            f"physical); organs: {rois}",
            highlight=False,
        )
    for acc in reading.accumulations:
        for line in acc.describe().splitlines():
            console.print(f"  • {line}", highlight=False)
    for note in reading.notes:
        console.print(f"  • [yellow]{note}[/]", highlight=False)


def register(app: typer.Typer) -> None:
    """Register the ``reirradiation`` command on the application."""

    @app.command("reirradiation")
    def reirradiation(
        plan_file: Annotated[Path, typer.Argument(help="re-irradiation plan JSON file")],
        fmt: Annotated[
            Literal["table", "json"], typer.Option("--format", "-f", help="table | json")
        ] = "table",
        write_sum: Annotated[
            Path | None,
            typer.Option(
                "--write-sum",
                help="write the voxel-wise EQD2 sum of the DICOM courses as an RTDOSE",
            ),
        ] = None,
    ) -> None:
        """Classify a re-irradiation (ESTRO-EORTC) and check cumulative organ doses (EQD2).

        Courses may give DICOM RT files (dicom: {dose, structures, registration}); the organ
        doses then come from their EQD2 DVHs and, for two or more courses, from the
        voxel-wise EQD2 sum.
        """
        from pydantic import ValidationError
        from rich.console import Console

        from breastcds.dose import reirradiation_dicom as rd
        from breastcds.dose.reirradiation import ReirradiationPlan, evaluate

        err = Console(stderr=True)
        try:
            text = plan_file.read_text(encoding="utf-8")
        except OSError as exc:
            err.print(
                f"[bold red]error:[/] {plan_file}: {exc.strerror or exc}",
                highlight=False,
                soft_wrap=True,
            )
            raise typer.Exit(2) from None
        try:
            plan = ReirradiationPlan.model_validate_json(text)
        except ValidationError as exc:
            err.print(
                f"[bold red]error:[/] {plan_file}: the plan is not valid",
                highlight=False,
                soft_wrap=True,
            )
            for line in format_validation_error(exc):
                err.print(f"  {line}", highlight=False, soft_wrap=True)
            raise typer.Exit(2) from None
        reading: rd.DicomReading | None = None
        if rd.has_dicom(plan):
            try:
                result, reading = rd.assess(plan, plan_file.parent)
                written = rd.write_sums(reading, write_sum) if write_sum is not None else []
            except rd.PlanDicomError as exc:
                err.print(
                    f"[bold red]error:[/] {plan_file}: {exc}", highlight=False, soft_wrap=True
                )
                raise typer.Exit(2) from None
            except OSError as exc:
                err.print(
                    f"[bold red]error:[/] {write_sum}: {exc.strerror or exc}",
                    highlight=False,
                    soft_wrap=True,
                )
                raise typer.Exit(2) from None
        else:
            if write_sum is not None:
                err.print(
                    f"[bold red]error:[/] {plan_file}: --write-sum needs courses with DICOM "
                    "(courses[].dicom); this plan gives none",
                    highlight=False,
                    soft_wrap=True,
                )
                raise typer.Exit(2)
            result = evaluate(plan)
            written = []
        if fmt == "json":
            data = result.model_dump(mode="json")
            if reading is not None:
                data["dicom"] = {**reading.as_dict(), "written": [str(p) for p in written]}
            sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
        else:
            console = Console()
            render_table(result, console)
            if reading is not None:
                render_dicom(reading, console)
            for path in written:
                console.print(
                    f"[bold]Written:[/] {path} (cumulative EQD2, RTDOSE)", highlight=False
                )
