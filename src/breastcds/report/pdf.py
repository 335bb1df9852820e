"""The tumour-board report as PDF: the HTML report laid out on A4 by weasyprint.

Page footer: breastcds and knowledge versions, case id, page n of N. Figures are embedded as
PNG images. Chinese text needs a CJK font known to fontconfig (Debian ``fonts-wqy-microhei`` or
``fonts-noto-cjk``); without one a Chinese PDF is refused rather than printed with empty boxes.
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from collections.abc import Sequence
from functools import cache
from typing import Any

from breastcds.i18n import Lang
from breastcds.model.assessment import AssessmentOf
from breastcds.model.case import Case
from breastcds.report.html import Detail, render_html
from breastcds.report.plots import DvhCurve

__all__ = ["ReportError", "cjk_font_available", "html_to_pdf", "render_pdf"]


class ReportError(RuntimeError):
    """The report cannot be produced on this system (the message says what to install)."""


@cache
def cjk_font_available() -> bool:
    """Whether fontconfig knows a font with Simplified Chinese glyphs."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        from breastcds.report.plots import cjk_family

        return cjk_family() is not None
    out = subprocess.run(
        [fc_list, ":lang=zh-cn", "family"], capture_output=True, text=True, check=False
    )
    return bool(out.stdout.strip())


def html_to_pdf(html: str) -> bytes:
    """Lay out a self-contained HTML document (no external resources) as PDF bytes."""
    from weasyprint import HTML  # type: ignore[import-untyped]
    from weasyprint.text.fonts import FontConfiguration  # type: ignore[import-untyped]

    pdf = HTML(string=html, base_url=None).write_pdf(font_config=FontConfiguration())
    if not isinstance(pdf, bytes):  # pragma: no cover - weasyprint contract
        raise ReportError("weasyprint returned no PDF")
    return pdf


def render_pdf(
    assessment: AssessmentOf[Any],
    *,
    lang: Lang = "en",
    case: Case | None = None,
    requester: str | None = None,
    now: dt.datetime | None = None,
    dvh_curves: Sequence[DvhCurve] = (),
    detail: Detail = "summary",
) -> bytes:
    """The report of one assessment as PDF bytes (A4): the board summary, plus the appendix
    when ``detail="full"``."""
    if lang == "zh" and not cjk_font_available():
        raise ReportError(
            "a Chinese report needs a CJK font: install fonts-wqy-microhei or fonts-noto-cjk"
        )
    html = render_html(
        assessment, lang=lang, case=case, requester=requester, now=now, dvh_curves=dvh_curves,
        for_print=True, detail=detail,
    )  # fmt: skip
    return html_to_pdf(html)
