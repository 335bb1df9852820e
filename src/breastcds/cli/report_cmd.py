"""``breastcds report CASE.json --lang en|zh --out report.pdf|report.html``: the tumour-board
report of one case (an adapter over :func:`breastcds.assess` and :mod:`breastcds.report`)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from breastcds.cli.core_cmd import fail, load_case_input, report_validation

if TYPE_CHECKING:
    from breastcds.i18n import Lang
    from breastcds.report.html import Detail

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    @app.command()
    def report(
        case_file: Annotated[
            Path | None, typer.Argument(help="case JSON file", show_default=False)
        ] = None,
        out: Annotated[
            Path, typer.Option("--out", "-o", help="report.pdf or report.html (by suffix)")
        ] = Path("report.pdf"),
        lang: Annotated[str, typer.Option("--lang", help="en | zh (Simplified Chinese)")] = "en",
        requester: Annotated[
            str | None, typer.Option("--requester", help="who asked for the report")
        ] = None,
        example: Annotated[
            str | None, typer.Option("--example", "-e", help="report on a bundled example")
        ] = None,
        detail: Annotated[
            str,
            typer.Option(
                "--detail",
                help="summary (board summary, default) | full (adds the appendix: near misses, "
                "every criterion, full sources)",
            ),
        ] = "summary",
    ) -> None:
        """Write the tumour-board report (PDF or self-contained HTML) of one case."""
        from breastcds.entrypoint import assess
        from breastcds.model.errors import CaseValidationError
        from breastcds.model.parse import parse_case
        from breastcds.report import render_html, render_pdf
        from breastcds.report.pdf import ReportError

        if lang not in ("en", "zh"):
            raise fail(f"--lang must be 'en' or 'zh', not {lang!r}")
        if detail not in ("summary", "full"):
            raise fail(f"--detail must be 'summary' or 'full', not {detail!r}")
        depth: Detail = "full" if detail == "full" else "summary"
        suffix = out.suffix.lower()
        if suffix not in (".pdf", ".html", ".htm"):
            raise fail(f"--out must end in .pdf or .html, not {out.name!r}")
        data, origin = load_case_input(case_file, example)
        try:
            case = parse_case(data)
            result = assess(case)
        except CaseValidationError as exc:
            raise report_validation(exc, origin) from None
        lang_: Lang = "zh" if lang == "zh" else "en"
        try:
            if suffix == ".pdf":
                out.write_bytes(
                    render_pdf(result, lang=lang_, case=case, requester=requester, detail=depth)
                )
            else:
                out.write_text(
                    render_html(result, lang=lang_, case=case, requester=requester, detail=depth),
                    encoding="utf-8",
                )
        except ReportError as exc:
            raise fail(str(exc)) from None
        except OSError as exc:
            raise fail(f"{out}: cannot write ({exc.strerror})") from None
        typer.echo(f"wrote {out}")
