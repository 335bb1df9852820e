"""``breastcds report``: writes HTML or PDF by suffix; bad input exits 2 naming the field."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from breastcds import examples
from breastcds.cli.main import app

runner = CliRunner()


def test_report_html_and_pdf(tmp_path: Path) -> None:
    case = tmp_path / "case.json"
    case.write_text(examples.text("her2-low-metastatic"), encoding="utf-8")
    html = tmp_path / "r.html"
    res = runner.invoke(app, ["report", str(case), "--lang", "zh", "--out", str(html),
                              "--requester", "Dr Li"])  # fmt: skip
    assert res.exit_code == 0, res.output
    text = html.read_text(encoding="utf-8")
    assert 'lang="zh-CN"' in text and "Dr Li" in text and "EX-HER2-LOW" in text
    pdf = tmp_path / "r.pdf"
    res = runner.invoke(app, ["report", "--example", "her2-low-metastatic", "--out", str(pdf)])
    assert res.exit_code == 0, res.output
    assert pdf.read_bytes().startswith(b"%PDF-")


def test_report_invalid_case_names_the_field(tmp_path: Path) -> None:
    data = examples.load("her2-low-metastatic")
    data["biomarkers"]["her2_ihc"] = 7
    case = tmp_path / "bad.json"
    case.write_text(json.dumps(data), encoding="utf-8")
    res = runner.invoke(app, ["report", str(case), "--out", str(tmp_path / "r.pdf")])
    assert res.exit_code == 2
    assert "biomarkers.her2_ihc" in res.output
    assert not (tmp_path / "r.pdf").exists()


def test_report_rejects_unknown_suffix_and_language(tmp_path: Path) -> None:
    res = runner.invoke(app, ["report", "-e", "her2-low-metastatic", "--out", "r.docx"])
    assert res.exit_code == 2 and ".pdf or .html" in res.output
    res = runner.invoke(app, ["report", "-e", "her2-low-metastatic", "--lang", "fr"])
    assert res.exit_code == 2 and "--lang" in res.output
