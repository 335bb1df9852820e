"""Routes of the tumour-board page, mounted into the breastcds service under ``/ui``.

* ``GET /ui``, ``GET /ui/assessments/{id}`` — the page (no data in it; no token needed).
* ``GET /ui/static/{file}`` — its stylesheet and script (served locally: the page works
  offline, nothing is fetched from elsewhere).
* ``GET /ui/api/examples[/{name}]`` — the bundled example cases (public, no token).
* ``GET /ui/api/assessments/{id}/view?lang=`` — the stored assessment laid out for the board
  (HTML fragment; token with role ``read``).
* ``GET /ui/api/assessments/{id}/report.pdf|report.html?lang=`` — the report (``read``).
* ``POST /ui/api/dvh`` — an uploaded DICOM RT pair (RTDOSE + RTSTRUCT) as cumulative DVHs,
  optionally in EQD2, with the constraints typed in (``assess``).

Assessing goes through the service's own ``POST /assess`` and ``POST /assess/fhir``: the page's
script calls them, so validation (422 with field paths), storage and audit are the service's.
This module lays out what was stored and decides nothing clinical.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Form, HTTPException, Query, Request, UploadFile
from fastapi import Path as PathParam
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse, Response

from breastcds import __version__, examples
from breastcds.i18n import Lang, label, value
from breastcds.model import codes
from breastcds.model.assessment import AssessmentRecord
from breastcds.model.case import Case
from breastcds.model.errors import CaseValidationError
from breastcds.model.parse import parse_case
from breastcds.report import plots
from breastcds.report.html import build_context, environment, render_assessment_fragment
from breastcds.service.api import InputError, Overloaded, client_host, request_id, store_of
from breastcds.service.auth import Assessor, Principal, Reader
from breastcds.service.guard import MAX_UPLOAD_BYTES
from breastcds.service.problems import FieldError, responses
from breastcds.service.storage import AuditEvent
from breastcds.service.worker import Budget, JobFailed, JobInputError, Task, run_job
from breastcds.service.worker_tasks import TaskInputError
from breastcds.service.worker_tasks import report as report_job

__all__ = ["build_router"]

AssessmentId = Annotated[str, PathParam(min_length=1, max_length=64, pattern=r"^[0-9a-f]+$")]
LangQuery = Annotated[Literal["en", "zh"], Query(description="en | zh (Simplified Chinese)")]
STATIC_FILES = {"app.js": "text/javascript", "page.css": "text/css", "report.css": "text/css"}


def _budget(request: Request) -> Budget:
    settings = request.app.state.settings
    return Budget(settings.report_timeout_s, settings.report_memory_mb)


async def _job(request: Request, task: Task, args: tuple[Any, ...]) -> Any:
    """Run a rendering job in its limited worker process (see breastcds.service.worker)."""
    try:
        return await run_job(task, args, _budget(request), request.is_disconnected)
    except JobInputError as exc:
        errors = [FieldError(**e) for e in exc.errors]
        raise InputError(exc.detail, errors, status=exc.status) from None
    except JobFailed as exc:
        if exc.retry_after_s is not None:
            raise Overloaded(exc.detail, exc.retry_after_s) from None
        if exc.status == 422:
            raise InputError(
                exc.detail, [FieldError(field="assessment", message=exc.detail)]
            ) from None
        raise HTTPException(exc.status, exc.detail) from None


@cache
def _page_env() -> Any:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("breastcds.web", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.globals.update(label=label, value=value)
    return env


def _static(name: str) -> str:
    if name == "report.css":
        return (
            resources.files("breastcds.report").joinpath("templates/report.css").read_text("utf-8")
        )
    return resources.files("breastcds.web").joinpath(f"static/{name}").read_text("utf-8")


def _choices() -> dict[str, list[str]]:
    """Allowed values of the form's select fields (from the case model's own enumerations)."""
    return {
        "decision_point": [str(x) for x in codes.DecisionPoint],
        "patient.sex": [str(x) for x in codes.Sex],
        "patient.menopausal_status": [str(x) for x in codes.MenopausalStatus],
        "tumour.laterality": [str(x) for x in codes.Laterality],
        "tumour.histology": [str(x) for x in codes.Histology],
        "tumour.clinical_m": ["M0", "M1"],
        "tumour.metastatic_sites": [str(x) for x in codes.MetastaticSite],
        "biomarkers.her2_ihc0_staining": [str(x) for x in codes.IhcZeroStaining],
        "biomarkers.germline_brca": [str(x) for x in codes.GermlineBrca],
        "treatment.surgery.type": [str(x) for x in codes.SurgeryType],
    }


def _page(lang: Lang, assessment_id: str | None) -> HTMLResponse:
    html = (
        _page_env()
        .get_template("page.html.j2")
        .render(
            lang=lang,
            assessment_id=assessment_id,
            examples=examples.names(),
            choices=_choices(),
            version=__version__,
        )
    )
    return HTMLResponse(html)


def _audit(request: Request, principal: Principal, subtype: str, aid: str, ok: bool) -> None:
    store_of(request).audit(
        AuditEvent(
            type_code="110110" if subtype.startswith("read") else "110106",
            subtype=subtype,
            action="R",
            outcome="0" if ok else "4",
            outcome_desc=None if ok else "not found",
            agent_who=principal.who,
            agent_role=principal.role,
            agent_network=client_host(request),
            entity_what=f"Assessment/{aid}",
            entity_type="Assessment",
            request_id=request_id(request),
        )
    )


def _load(
    request: Request, principal: Principal, aid: str, subtype: str
) -> tuple[dict[str, Any], AssessmentRecord, Case | None]:
    """The stored envelope, its assessment and (when it still validates) the stored case."""
    row = store_of(request).get_assessment(aid)
    _audit(request, principal, subtype, aid, row is not None)
    if row is None:
        raise HTTPException(404, f"no assessment with id {aid!r}")
    envelope: dict[str, Any] = json.loads(row.response_json)
    assessment = AssessmentRecord.model_validate(envelope["assessment"])
    case: Case | None
    try:
        case = parse_case(row.case_json, today=row.created_at.date())
    except CaseValidationError:  # stored under an older case model: show the assessment only
        case = None
    return envelope, assessment, case


def build_router() -> APIRouter:
    r = APIRouter(prefix="/ui", tags=["tumour-board page"])

    @r.get("", response_class=HTMLResponse, include_in_schema=False)
    def page(lang: LangQuery = "en") -> HTMLResponse:
        return _page(lang, None)

    @r.get("/assessments/{assessment_id}", response_class=HTMLResponse, include_in_schema=False)
    def page_for(assessment_id: AssessmentId, lang: LangQuery = "en") -> HTMLResponse:
        return _page(lang, assessment_id)

    @r.get("/static/{name}", include_in_schema=False)
    def static(name: Annotated[str, PathParam(pattern=r"^[a-z]+\.(js|css)$")]) -> Response:
        if name not in STATIC_FILES:
            raise HTTPException(404, f"no static file {name!r}")
        return Response(
            _static(name),
            media_type=STATIC_FILES[name],
            headers={"Cache-Control": "no-cache"},
        )

    @r.get("/api/examples", responses=responses(422))
    def list_examples() -> JSONResponse:
        """Names of the bundled example cases."""
        return JSONResponse(examples.names())

    @r.get("/api/examples/{name}", responses=responses(404, 422))
    def get_example(name: Annotated[str, PathParam(pattern=r"^[a-z0-9-]+$")]) -> JSONResponse:
        """One bundled example case (JSON)."""
        try:
            return JSONResponse(examples.load(name))
        except KeyError:
            raise HTTPException(404, f"no example {name!r}") from None

    @r.get(
        "/api/assessments/{assessment_id}/view",
        response_class=HTMLResponse,
        responses=responses(401, 403, 404, 422),
    )
    def view(
        request: Request, principal: Reader, assessment_id: AssessmentId, lang: LangQuery = "en"
    ) -> HTMLResponse:
        """The stored assessment laid out for the tumour board (HTML fragment)."""
        envelope, assessment, case = _load(request, principal, assessment_id, "read:ui")
        ctx = build_context(
            assessment, lang=lang, case=case, requester=principal.who, detail="folded"
        )
        html = (
            _page_env()
            .get_template("view.html.j2")
            .render(lang=lang, envelope=envelope, body=render_assessment_fragment(ctx))
        )
        return HTMLResponse(html)

    @r.get(
        "/api/assessments/{assessment_id}/report.{fmt}",
        responses={
            200: {"content": {"application/pdf": {}, "text/html": {}}},
            **responses(401, 403, 404, 422, 503),
        },
    )
    async def report(
        request: Request,
        principal: Reader,
        assessment_id: AssessmentId,
        fmt: Annotated[Literal["pdf", "html"], PathParam()],
        lang: LangQuery = "en",
    ) -> Response:
        """The report of a stored assessment (PDF or self-contained HTML) as a download.

        Rendered in a worker process with a time and memory budget (cancelled when the client
        disconnects)."""
        row = await run_in_threadpool(store_of(request).get_assessment, assessment_id)
        await run_in_threadpool(
            _audit, request, principal, f"export:{fmt}", assessment_id, row is not None
        )
        if row is None:
            raise HTTPException(404, f"no assessment with id {assessment_id!r}")
        assessment_json = json.dumps(json.loads(row.response_json)["assessment"])
        args = (
            assessment_json,
            row.case_json,
            row.created_at.date().isoformat(),
            fmt,
            lang,
            principal.who,
        )
        data: bytes = await _job(request, report_job, args)
        name = f"breastcds-{assessment_id}-{lang}.{fmt}"
        headers = {"Content-Disposition": f'attachment; filename="{name}"'}
        media = "text/html; charset=utf-8" if fmt == "html" else "application/pdf"
        return Response(data, media_type=media, headers=headers)

    @r.post("/api/dvh", response_class=HTMLResponse, responses=responses(401, 403, 413, 422, 503))
    async def dvh(
        request: Request,
        principal: Assessor,
        rtdose: Annotated[UploadFile, File(description="RT Dose (DICOM)")],
        rtstruct: Annotated[UploadFile, File(description="RT Structure Set (DICOM)")],
        fractions: Annotated[int | None, Form(ge=1, le=100)] = None,
        alpha_beta_gy: Annotated[float | None, Form(gt=0, le=30)] = None,
        limits: Annotated[str, Form(max_length=2000)] = "",
        lang: Annotated[Literal["en", "zh"], Form()] = "en",
    ) -> HTMLResponse:
        """Cumulative DVH per ROI of an uploaded RTDOSE + RTSTRUCT pair (physical dose, or EQD2
        when fractions and α/β are given), with the typed-in constraints (``ROI=Gy; ...``)."""
        parsed_limits = _parse_limits(limits)
        if (fractions is None) != (alpha_beta_gy is None):
            raise InputError(
                "EQD2 needs both fractions and α/β",
                [FieldError(field="fractions" if fractions is None else "alpha_beta_gy",
                            message="give both fractions and alpha_beta_gy, or neither")],
            )  # fmt: skip
        tmp = tempfile.mkdtemp(prefix="breastcds-ui-")
        try:
            paths = (str(Path(tmp, "rtdose.dcm")), str(Path(tmp, "rtstruct.dcm")))
            for upload, path in zip((rtdose, rtstruct), paths, strict=True):
                size = await run_in_threadpool(_save, upload, path)
                if size > MAX_UPLOAD_BYTES:
                    raise InputError(
                        f"an upload is larger than {MAX_UPLOAD_BYTES} bytes", [], status=413
                    )
            # Read and computed in a worker process with a time and memory budget.
            html = await _job(
                request, dvh_job, (*paths, fractions, alpha_beta_gy, parsed_limits, lang)
            )
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        return HTMLResponse(html)

    return r


def _parse_limits(text: str) -> dict[str, float]:
    out: dict[str, float] = {}
    for item in (x.strip() for x in text.replace("\n", ";").split(";")):
        if not item:
            continue
        name, sep, gy = item.rpartition("=")
        try:
            out[name.strip()] = float(gy)
        except ValueError:
            sep = ""
        if not sep or not name.strip():
            raise InputError(
                "constraints must read ROI=Gy; ROI=Gy",
                [FieldError(field="limits", message=f"cannot read {item!r} as ROI=Gy",
                            value=item)],
            )  # fmt: skip
    return out


def _save(upload: UploadFile, path: str) -> int:
    """Copy an upload to ``path`` in chunks; its size (stops past the limit)."""
    size = 0
    with open(path, "wb") as out:
        while chunk := upload.file.read(1024 * 1024):
            size += len(chunk)
            if size > MAX_UPLOAD_BYTES:
                break
            out.write(chunk)
    return size


def dvh_job(
    dose_path: str,
    struct_path: str,
    fractions: int | None,
    alpha_beta_gy: float | None,
    limits: dict[str, float],
    lang: Lang,
) -> str:
    """The worker job of an uploaded pair: :func:`dvh_fragment`, its input errors as the
    worker's :class:`TaskInputError`."""
    try:
        return dvh_fragment(dose_path, struct_path, fractions, alpha_beta_gy, limits, lang)
    except InputError as exc:
        raise TaskInputError(
            exc.detail, [e.model_dump(mode="json") for e in exc.errors], exc.status
        ) from None


def dvh_fragment(
    dose_path: str,
    struct_path: str,
    fractions: int | None,
    alpha_beta_gy: float | None,
    limits: dict[str, float],
    lang: Lang,
) -> str:
    """The DVH table and figure of an RTDOSE + RTSTRUCT pair (run in a limited worker)."""
    from breastcds.dose import dicom, dvh

    tmp = str(Path(dose_path).parent)
    try:
        dose = dicom.read_dose(Path(dose_path))
        structures = dicom.read_structures(Path(struct_path))
    except MemoryError:
        raise
    except Exception as exc:  # a truncated or malformed file: any reader error is bad input
        raise InputError(
            "the DICOM RT pair could not be read",
            [
                FieldError(
                    field="rtdose/rtstruct",
                    message=f"{type(exc).__name__}: {exc}".replace(tmp + "/", "")[:500],
                )
            ],
        ) from None
    eqd2 = (
        dvh.Eqd2(fractions, alpha_beta_gy)
        if fractions is not None and alpha_beta_gy is not None
        else None
    )
    unknown = sorted(set(limits) - {s.name for s in structures.values()})
    if unknown:
        names = ", ".join(s.name for s in structures.values())
        raise InputError(
            "a constraint names an ROI the structure set does not have",
            [FieldError(field="limits", message=f"no ROI {n!r} (ROIs: {names})", value=n)
             for n in unknown],
        )  # fmt: skip
    results = dvh.compute_all(dose, structures.values(), eqd2=eqd2)
    curves: list[plots.DvhCurve] = []
    rows: list[dict[str, Any]] = []
    for number, res in sorted(results.items()):
        s = structures[number]
        if isinstance(res, dvh.DVHError):
            rows.append({"roi": s.name, "error": str(res)})
            continue
        cum = res.cumulative_cc
        pct = [100.0 * v / res.volume_cc if res.volume_cc else 0.0 for v in cum]
        limit = limits.get(s.name)
        curves.append(
            plots.DvhCurve(
                name=s.name,
                dose_gy=tuple(float(d) for d in res.dose_bins_gy),
                volume_pct=tuple(pct),
                quantity=res.dose_quantity,
                limit_gy=limit,
            )
        )
        rows.append(
            {"roi": s.name, "quantity": res.dose_quantity, "volume_cc": res.volume_cc,
             "mean_gy": res.mean_gy, "max_gy": res.max_gy, "limit_gy": limit,
             "notes": list(res.notes)}
        )  # fmt: skip
    figure = plots.dvh_figure(curves, lang, section="dvh")
    return str(
        environment()
        .get_template("sections/figures.html.j2")
        .render(figures=[figure] if figure else [], lang=lang)
        + _page_env().get_template("dvh.html.j2").render(lang=lang, rows=rows)
    )
