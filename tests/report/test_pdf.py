"""PDF report: laid out by weasyprint, rasterised with poppler (pdftoppm) and read back
(pdftotext, pdfimages) to check the provenance block, the missing-data statement and the
figures are really on the pages. Page PNGs are kept under test-artifacts/report/."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from breastcds import __version__, i18n
from breastcds.capabilities import Assessment
from breastcds.i18n import label
from breastcds.knowledge import knowledge_version
from breastcds.model.case import Case
from breastcds.report import build_context, render_pdf
from tests.report.conftest import NOW

POPPLER = ("pdftoppm", "pdftotext", "pdfimages", "pdfinfo")
pytestmark = pytest.mark.skipif(
    any(shutil.which(t) is None for t in POPPLER),
    reason="poppler-utils not installed (scripts/test.sh installs it)",
)


def _run(*args: str) -> str:
    return subprocess.run(args, capture_output=True, text=True, check=True).stdout


def _pages(pdf: Path) -> int:
    info = _run("pdfinfo", str(pdf))
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages")))


def _flat(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_pdf_renders_with_provenance_missing_data_and_figures(
    lang: str,
    reirradiation_case: tuple[Case, Assessment],
    artifacts: Path,
    tmp_path: Path,
) -> None:
    case, a = reirradiation_case
    pdf_bytes = render_pdf(a, lang=lang, case=case, requester="Dr Chen", now=NOW, detail="full")  # type: ignore[arg-type]
    assert pdf_bytes.startswith(b"%PDF-")
    pdf = tmp_path / f"report-{lang}.pdf"
    pdf.write_bytes(pdf_bytes)
    shutil.copy(pdf, artifacts / pdf.name)

    # rasterise every page: poppler can read what weasyprint wrote
    prefix = artifacts / f"report-{lang}-page"
    for old in artifacts.glob(f"{prefix.name}-*.png"):
        old.unlink()
    subprocess.run(["pdftoppm", "-r", "70", "-png", str(pdf), str(prefix)], check=True)
    pngs = sorted(artifacts.glob(f"{prefix.name}-*.png"))
    assert len(pngs) == _pages(pdf) >= 2
    assert all(p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in pngs)

    ctx = build_context(a, lang=lang, case=case, now=NOW)  # type: ignore[arg-type]
    text = _flat(_run("pdftotext", "-enc", "UTF-8", str(pdf), "-"))
    # provenance block
    assert label("provenance", lang) in text  # type: ignore[arg-type]
    for fact in (__version__, knowledge_version(), a.provenance.assessed_at,
                 "2026-11-25T09:30:00+00:00", "Dr Chen"):  # fmt: skip
        assert fact in text, fact
    joined = text.replace(" ", "")  # long identifiers wrap inside their table cell
    for citation in a.provenance.sources:
        assert citation.rule in joined
    # missing-data statement
    assert label("missing", lang) in text  # type: ignore[arg-type]
    assert ctx.missing  # this case has missing data (e.g. the recovery assumption)
    assert label("missing_intro", lang) in text  # type: ignore[arg-type]
    for m in ctx.missing:
        assert m.field.replace(" ", "") in joined
    # the calls and the sections
    assert i18n.text(a.classification.her2.reasons[0], lang).replace(" ", "") in joined  # type: ignore[arg-type]
    assert label("section_reirradiation", lang) in text  # type: ignore[arg-type]
    # footer on every page
    assert text.count(f"breastcds {__version__} · knowledge {knowledge_version()}") == len(pngs)

    # the figures are embedded images, one per figure of the report
    figures = ctx.figures()
    assert figures
    listing = _run("pdfimages", "-list", str(pdf)).splitlines()[2:]
    images = [line.split() for line in listing if line.split()[2] == "image"]
    assert len(images) == len(figures)
    for f in figures:
        assert _flat(f.title) in text  # each figure's caption is printed under it


def test_chinese_pdf_needs_a_cjk_font(
    reirradiation_case: tuple[Case, Assessment], monkeypatch: pytest.MonkeyPatch
) -> None:
    from breastcds.report import pdf

    monkeypatch.setattr(pdf, "cjk_font_available", lambda: False)
    _, a = reirradiation_case
    with pytest.raises(pdf.ReportError, match="fonts-wqy-microhei"):
        pdf.render_pdf(a, lang="zh")
