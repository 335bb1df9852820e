"""Core commands: assess, schema, example, concordance."""

from __future__ import annotations

import functools
import gc
import json
import os
import sys
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar, cast

import typer

from breastcds import examples

if TYPE_CHECKING:  # imported when a command runs (start-up time)
    from rich.console import Console

    from breastcds.model.errors import CaseValidationError


F = TypeVar("F", bound=Callable[..., Any])


def fewer_gc_passes(command: F) -> F:
    """Run ``command`` with the cyclic garbage collector's first generation collected 30x less
    often, then restore the thresholds.

    A one-case command spends most of its time importing and building long-lived objects (the
    case and knowledge models); collection passes over them free nothing. One-case ``assess``:
    about 12 % less CPU (benchmarks/startup.py). The console script goes further and runs a
    one-case command with the collector off (``cli.main.ONE_CASE``); this covers in-process
    callers of the typer application.
    """

    @functools.wraps(command)
    def run(*args: Any, **kwargs: Any) -> Any:
        thresholds = gc.get_threshold()
        gc.set_threshold(thresholds[0] * 30, *thresholds[1:])
        try:
            return command(*args, **kwargs)
        finally:
            gc.set_threshold(*thresholds)

    return cast(F, run)


def one_thread_blas() -> None:
    """Start numpy's BLAS (OpenBLAS) with one thread unless the user chose a number: one case
    multiplies no matrices worth a thread pool, and starting the pool costs about a fifth of
    numpy's import CPU time (benchmarks/startup.py). No effect once numpy is imported."""
    if "numpy" not in sys.modules:
        os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


@cache
def stderr() -> Console:
    """The console for messages on stderr (rich is imported on first use)."""
    from rich.console import Console

    return Console(stderr=True, soft_wrap=True)


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print a one-line error (no traceback) and return the Exit to raise."""
    stderr().print(f"[bold red]error:[/] {message}", highlight=False)
    return typer.Exit(code)


def read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise fail(f"{path}: file not found") from None
    except json.JSONDecodeError as exc:
        raise fail(f"{path}: not valid JSON ({exc.msg} at line {exc.lineno})") from None


def report_validation(exc: CaseValidationError, origin: str) -> typer.Exit:
    stderr().print(f"[bold red]error:[/] {origin}: the case is not valid", highlight=False)
    for issue in exc.issues:
        stderr().print(f"  [bold]{issue.field}[/]: {issue.message} (value: {issue.value!r})")
    return typer.Exit(2)


def heart_dose_from_dicom(dose_path: Path, struct_path: Path, roi: str) -> tuple[float, str]:
    """Mean heart dose (Gy) from a DICOM RT dose + structure set (adapter, accurate DVH)."""
    from breastcds.dose import dicom, dvh

    try:
        dose = dicom.read_dose(dose_path)
        structures = dicom.read_structures(struct_path)
    except (dicom.DicomRTError, OSError) as exc:
        raise fail(str(exc)) from None
    matches = [s for s in structures.values() if s.name.strip().lower() == roi.strip().lower()]
    if len(matches) != 1:
        names = ", ".join(sorted(s.name for s in structures.values()))
        raise fail(f"{struct_path}: no single ROI named {roi!r} (ROIs: {names}); use --heart-roi")
    try:
        dicom.check_frame_of_reference(dose, matches)
    except dicom.DicomRTError as exc:
        raise fail(str(exc)) from None
    try:
        result = dvh.compute(dose, matches[0])
    except (dvh.DVHError, ValueError) as exc:
        raise fail(f"{struct_path}: {exc}") from None
    source = f"mean dose of ROI {matches[0].name!r} ({result.mode} DVH), {dose_path.name}"
    return float(result.mean_gy), source


def read_reirradiation_dicom(data: dict[str, Any], base_dir: Path, origin: str) -> None:
    """Adapter: read DICOM named by the case's re-irradiation plan (paths relative to the case
    file) and replace the plan by the one enriched with EQD2 organ doses, so that the pure
    ``reirradiation`` section of assess can judge every organ."""
    plan_data = data.get("reirradiation")
    if not isinstance(plan_data, dict):
        return
    from pydantic import ValidationError

    from breastcds.dose import reirradiation_dicom as rd
    from breastcds.dose.reirradiation import ReirradiationPlan

    try:
        plan = ReirradiationPlan.model_validate(plan_data)
    except ValidationError:
        return  # assess reports the field errors with their full paths
    if not rd.has_dicom(plan):
        return
    try:
        reading = rd.read_plan_dicom(plan, base_dir)
    except rd.PlanDicomError as exc:
        raise fail(f"{origin}: reirradiation: {exc}") from None
    data["reirradiation"] = reading.plan.model_dump(mode="json", exclude_none=True)


def case_from_fhir(resource: dict[str, Any], origin: str) -> dict[str, Any]:
    """A FHIR R4 Bundle (detected by ``resourceType``) mapped to a case; what did not reach the
    case is listed on standard error."""
    import datetime as dt

    if resource.get("resourceType") != "Bundle":
        raise fail(
            f"{origin}: a FHIR {resource.get('resourceType')!r} resource; give a FHIR Bundle "
            "(or a case JSON object without resourceType)"
        )
    try:
        from breastcds.fhir import InvalidBundle, bundle_to_case
    except ImportError:  # pragma: no cover - optional FHIR adapter not installed
        raise fail(f"{origin}: FHIR input needs the breastcds.fhir adapter") from None
    try:
        mapped = bundle_to_case(resource, assessment_date=dt.date.today())
    except InvalidBundle as exc:
        raise fail(f"{origin}: {exc}") from None
    stderr().print(f"{origin}: FHIR Bundle mapped to a case", highlight=False)
    for u in mapped.unmapped:
        stderr().print(
            f"  set aside: {u.resource_type}/{u.resource_id or '?'}: {u.reason}", highlight=False
        )
    return dict(mapped.case)


def load_case_input(case_file: Path | None, example: str | None) -> tuple[dict[str, Any], str]:
    """The case JSON object from a file or a bundled example, and where it came from.

    A file's re-irradiation plan that names DICOM is read here (paths relative to the file).
    """
    if (case_file is None) == (example is None):
        raise fail("give either a CASE.json file or --example NAME (see 'breastcds example')")
    if example is not None:
        try:
            data: Any = examples.load(example)
        except KeyError as exc:
            raise fail(str(exc.args[0])) from None
        origin = f"example {example}"
    else:
        assert case_file is not None
        data = read_json(case_file)
        origin = str(case_file)
        if isinstance(data, dict) and "resourceType" in data:
            data = case_from_fhir(data, origin)
        elif isinstance(data, dict):
            read_reirradiation_dicom(data, case_file.parent, origin)
    if not isinstance(data, dict):
        raise fail(f"{origin}: a case must be a JSON object")
    return data, origin


def register(app: typer.Typer) -> None:
    @app.command()
    @fewer_gc_passes
    def assess(
        case_file: Annotated[
            Path | None, typer.Argument(help="case JSON file", show_default=False)
        ] = None,
        example: Annotated[
            str | None, typer.Option("--example", "-e", help="assess a bundled example case")
        ] = None,
        fmt: Annotated[str, typer.Option("--format", "-f", help="table | json")] = "table",
        lang: Annotated[str, typer.Option("--lang", help="en | zh")] = "en",
        rt_dose: Annotated[
            Path | None, typer.Option("--rt-dose", help="RTDOSE of the breast plan (heart dose)")
        ] = None,
        rt_struct: Annotated[
            Path | None, typer.Option("--rt-struct", help="RTSTRUCT of the breast plan")
        ] = None,
        heart_roi: Annotated[str, typer.Option("--heart-roi", help="heart ROI name")] = "Heart",
    ) -> None:
        """Assess one case: classification, stage and every capability section.

        With --rt-dose and --rt-struct, the plan's mean heart dose (DVH) fills
        treatment.mean_heart_dose_gy (a PREDICT v3 input) unless the case already records it.
        """
        one_thread_blas()
        from breastcds.entrypoint import assess as run_assess
        from breastcds.model.errors import CaseValidationError

        if fmt not in ("table", "json"):
            raise fail(f"--format must be 'table' or 'json', not {fmt!r}")
        if lang not in ("en", "zh"):
            raise fail(f"--lang must be 'en' or 'zh', not {lang!r}")
        data, origin = load_case_input(case_file, example)
        if (rt_dose is None) != (rt_struct is None):
            raise fail("--rt-dose and --rt-struct go together")
        if rt_dose is not None and rt_struct is not None:
            treatment = data.setdefault("treatment", {})
            if not isinstance(treatment, dict):
                raise fail(f"{origin}: treatment must be an object")
            if treatment.get("mean_heart_dose_gy") is not None:
                stderr().print("note: the case already records mean_heart_dose_gy; DICOM not used")
            else:
                gy, source = heart_dose_from_dicom(rt_dose, rt_struct, heart_roi)
                treatment["mean_heart_dose_gy"] = round(gy, 4)
                treatment["mean_heart_dose_source"] = source
        try:
            result = run_assess(data)
        except CaseValidationError as exc:
            raise report_validation(exc, origin) from None
        if fmt == "json":
            sys.stdout.write(result.model_dump_json(indent=2) + "\n")
        else:
            from rich.console import Console

            from breastcds.cli.render import render_assessment

            render_assessment(result, Console(), "zh" if lang == "zh" else "en")

    @app.command()
    def schema(
        out: Annotated[Path | None, typer.Option("--out", "-o", help="write to a file")] = None,
    ) -> None:
        """Print the JSON Schema of the case model."""
        from breastcds.model.case import Case

        text = json.dumps(Case.model_json_schema(), indent=2)
        if out:
            out.write_text(text + "\n", encoding="utf-8")
        else:
            sys.stdout.write(text + "\n")

    @app.command()
    def example(
        name: Annotated[str | None, typer.Argument(help="example to print")] = None,
    ) -> None:
        """List the bundled example cases, or print one as JSON."""
        if name is None:
            for n in examples.names():
                data = examples.load(n)
                sys.stdout.write(f"{n}\t{data.get('case_id', '')}\n")
            return
        try:
            sys.stdout.write(examples.text(name))
        except KeyError as exc:
            raise fail(str(exc.args[0])) from None

    @app.command()
    def concordance(
        file: Annotated[Path, typer.Argument(help="vignette JSON file (a list)")],
        out: Annotated[Path | None, typer.Option("--out", "-o", help="write ACTUAL.json")] = None,
    ) -> None:
        """Evaluate vignettes (or a clinic's own cases) and report agreement per field.

        Exits 0 whatever the agreement: it is a measurement.
        """
        from rich.console import Console

        from breastcds.cli.render import render_concordance
        from breastcds.concordance import run

        data = read_json(file)
        if not isinstance(data, list):
            raise fail(f"{file}: expected a JSON list of vignettes")
        report = run(data)
        if out is not None:
            out.write_text(json.dumps(report.results, indent=2, ensure_ascii=False) + "\n",
                           encoding="utf-8")  # fmt: skip
        render_concordance(report, Console())
