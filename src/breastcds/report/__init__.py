"""Tumour-board report: HTML (jinja2) and PDF (weasyprint), English or Chinese, with figures.

An output adapter over :func:`breastcds.assess`: it lays out the assessment (identifiers, key
facts, the HER2/ER/PR/Ki-67/subtype/stage calls with reasons, every section, missing data and
the provenance block) and decides nothing itself.

>>> from breastcds import assess, examples, report
>>> a = assess(examples.load("her2-low-metastatic"))
>>> html = report.render_html(a, lang="zh", requester="Dr Li")      # doctest: +SKIP
>>> pdf = report.render_pdf(a, lang="en")                            # bytes, doctest: +SKIP
"""

from __future__ import annotations

from breastcds.i18n import LANGS, Lang
from breastcds.report.html import build_context, render_assessment_fragment, render_html
from breastcds.report.pdf import render_pdf
from breastcds.report.plots import DvhCurve, Figure

__all__ = [
    "LANGS",
    "DvhCurve",
    "Figure",
    "Lang",
    "build_context",
    "render_assessment_fragment",
    "render_html",
    "render_pdf",
]
