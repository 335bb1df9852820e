"""CSCO 2026 grades of the radiotherapy regimens (``knowledge/rt_fractionation.yaml``).

Expected levels are the cells of the CSCO Breast Cancer Guidelines 2026 (PMPH, ISBN
978-7-117-39569-4), 三(五) 乳腺癌术后辅助放疗, RT after breast-conserving surgery table, read in
both public OCR transcriptions (docs/csco_grading.md):

* row '浸润性癌 腋窝淋巴结阴性（cN0或pN0）': Level I whole breast + boost [1A]; Level II
  '1.部分乳腺照射 [2A] 2.全乳单周超大分割方案 [2A]'; Level III nodal RT [2B]. Note 7:
  26 Gy / 5 fractions / 1 week for patients meeting the FAST-Forward entry criteria;
* row '导管原位癌': Level II '部分乳腺照射 [2A]'; note 2: external-beam APBI 30 Gy / 5 every
  other day preferred, 40 Gy / 15 may be considered;
* note 5: moderate hypofractionation (40-42.5 Gy / 15-16) is the preferred whole-breast
  schedule, in text: no level, so 40 Gy / 15 and 42.5 Gy / 16 carry no grade.

The grade is shown in the radiotherapy section (JSON, HTML and terminal, en/zh) with the row it
belongs to; the other fields of a regimen are unchanged.
"""

from __future__ import annotations

import html as html_lib
import json
import re
from pathlib import Path
from typing import Any

import pytest
from tests.options.csco_pins import assert_not_verified, assert_pinned
from typer.testing import CliRunner

from breastcds import assess
from breastcds.cli.main import app
from breastcds.knowledge.grading import RowGrading, regimen_grade_text, where_errors
from breastcds.knowledge.loader import KnowledgeError
from breastcds.knowledge.schema_rt_omission import load_rt_fractionation, parse_rt_fractionation
from breastcds.model.parse import parse_case
from breastcds.options.lint import regimen_grading_errors
from breastcds.report import render_html

REGIMENS = {g.id: g for g in load_rt_fractionation().regimens}

# (regimen id, CSCO level, evidence category, cells quoted in verified_in)
GRADES = [
    ("whole_breast_26gy_5fx", "II", "2A", ("全乳单周超大分割方案 [2A]", "cN0或pN0", "Level II")),
    ("partial_breast_40gy_15fx", "II", "2A", ("部分乳腺照射 [2A]", "导管原位癌", "40Gy/15次")),
]

# Keys of a regimen in the radiotherapy section's JSON before the grade was added.
OLD_KEYS = {"id", "name", "name_zh", "target", "dose_gy", "fractions", "weeks", "evidence",
            "evidence_zh", "source", "verification"}  # fmt: skip

CASE: dict[str, Any] = {
    "patient": {"age_years": 64, "sex": "female", "menopausal_status": "post"},
    "tumour": {"size_mm": 18, "nodes_examined": 2, "nodes_positive": 0, "grade": 2, "lvi": False,
               "margin_mm": 3, "clinical_m": "M0"},
    "biomarkers": {"er_percent": 90, "pr_percent": 60, "her2_ihc": 1, "ki67_percent": 10},
    "treatment": {"surgery": {"type": "breast_conserving", "axillary": "sentinel_node_biopsy",
                              "sentinel_nodes_positive": 0}},
}  # fmt: skip


@pytest.mark.parametrize(("regimen_id", "level", "evidence", "cells"), GRADES)
def test_regimen_grade_is_the_cell_read(
    regimen_id: str, level: str, evidence: str, cells: tuple[str, ...]
) -> None:
    assert_pinned(REGIMENS[regimen_id], level, evidence, cells)


def test_graded_regimens_name_their_row() -> None:
    ff = REGIMENS["whole_breast_26gy_5fx"].grading
    assert ff is not None and ff.row is not None and ff.row_zh is not None
    assert "node-negative" in ff.row and "腋窝淋巴结阴性" in ff.row_zh
    pbi = REGIMENS["partial_breast_40gy_15fx"].grading
    assert pbi is not None and pbi.row is not None and "DCIS" in pbi.row


@pytest.mark.parametrize("regimen_id", ["whole_breast_40gy_15fx", "whole_breast_42_5gy_16fx"])
def test_moderate_hypofractionation_has_no_level(regimen_id: str) -> None:
    # note 5 prefers it in text; no table cell names the schedule
    assert_not_verified(REGIMENS[regimen_id])


def test_lint_finds_no_regimen_grade_without_its_guideline() -> None:
    assert regimen_grading_errors() == []
    bad = RowGrading.model_validate(
        {
            "status": "verified",
            "csco": {"level": "II", "evidence": "2A"},
            "verified_in": "CSCO table, row N0",
            "row": "N0",
            "row_zh": "N0",
        }
    )
    assert where_errors("regimen 'x'", bad)  # no year: the edition is not named


def _raw() -> dict[str, Any]:
    return load_rt_fractionation().model_dump(mode="json", by_alias=True)


@pytest.mark.parametrize(
    ("grading", "message"),
    [
        ({"status": "verified", "csco": {"level": "II", "evidence": "2A"},
          "verified_in": "CSCO BC 2026, row"}, "row"),
        ({"status": "verified", "csco": {"level": "II"}, "row": "N0", "row_zh": "N0"},
         "verified_in"),
        ({"status": "not verified", "csco": {"level": "II"}}, "not verified"),
        ({"status": "verified", "csco": {"level": "II"}, "verified_in": "CSCO BC 2026",
          "row": "node-negative"}, "row_zh"),
        ({"status": "verified", "csco": {"level": "IV"}, "verified_in": "CSCO BC 2026",
          "row": "N0", "row_zh": "N0"}, "level"),
    ],
)  # fmt: skip
def test_a_bad_regimen_grade_is_refused_naming_the_field(
    grading: dict[str, Any], message: str
) -> None:
    data = _raw()
    data["regimens"][0]["grading"] = grading
    with pytest.raises(KnowledgeError, match=message):
        parse_rt_fractionation(data)


def test_json_adds_only_the_grading_field() -> None:
    section = assess(CASE).sections.radiotherapy
    assert section.fractionation is not None
    regimens = section.model_dump(mode="json")["fractionation"]["regimens"]
    for g in regimens:
        assert set(g) == OLD_KEYS | {"grading"}, g["id"]
    by_id = {g["id"]: g for g in regimens}
    assert by_id["whole_breast_26gy_5fx"]["grading"]["csco"] == {"level": "II", "evidence": "2A"}
    assert by_id["whole_breast_40gy_15fx"]["grading"] is None
    # a stored result (the JSON) gives the same text as the model
    model = REGIMENS["whole_breast_26gy_5fx"].grading
    assert regimen_grade_text(by_id["whole_breast_26gy_5fx"]["grading"]) == regimen_grade_text(
        model
    )


def test_grade_text_in_both_languages() -> None:
    g = REGIMENS["whole_breast_26gy_5fx"].grading
    assert regimen_grade_text(g, "en") == (
        "CSCO level II (2A) (row: invasive cancer, node-negative (cN0 or pN0), "
        "after breast-conserving surgery)"
    )
    assert regimen_grade_text(g, "zh") == (
        "CSCO II级推荐(证据类别2A)（适用分层：浸润性癌、腋窝淋巴结阴性（cN0或pN0）、保乳术后）"
    )
    assert regimen_grade_text(REGIMENS["whole_breast_40gy_15fx"].grading) == ""


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_html_report_shows_the_regimen_grade(lang: str) -> None:
    case = parse_case(CASE)
    doc = render_html(assess(case), lang=lang, case=case, detail="full")  # type: ignore[arg-type]
    start = doc.index('data-regimen="whole_breast_26gy_5fx"')
    item = html_lib.unescape(doc[start : doc.index("</li>", start)])
    assert regimen_grade_text(REGIMENS["whole_breast_26gy_5fx"].grading, lang) in item
    # an ungraded regimen shows no grade badge
    start = doc.index('data-regimen="whole_breast_40gy_15fx"')
    assert "badge grade" not in doc[start : doc.index("</li>", start)]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_terminal_shows_the_regimen_grade(tmp_path: Path, lang: str) -> None:
    path = tmp_path / "case.json"
    path.write_text(json.dumps(CASE), encoding="utf-8")
    result = CliRunner().invoke(app, ["assess", str(path), "--lang", lang], env={"COLUMNS": "240"})
    assert result.exit_code == 0, result.output
    # the table wraps the cell: compare without spaces and column rules
    shown = re.sub(r"[\s│]", "", result.output)
    expected = regimen_grade_text(REGIMENS["whole_breast_26gy_5fx"].grading, lang)
    assert re.sub(r"\s", "", expected) in shown
