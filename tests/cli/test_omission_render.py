"""CLI rendering of the radiotherapy section (en / zh) through ``breastcds assess``."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from breastcds.cli.main import app
from breastcds.cli.render import section_renderers

CASE = {
    "patient": {"age_years": 72},
    "tumour": {"size_mm": 25, "nodes_positive": 0, "grade": 1, "lvi": False, "margin_mm": 3},
    "biomarkers": {"er_percent": 95, "pr_percent": 80, "her2_ihc": 0, "ki67_percent": 8},
    "treatment": {"surgery": {"type": "breast_conserving"}, "endocrine_therapy_planned": True},
}


def _run(tmp_path: Path, *args: str) -> str:
    path = tmp_path / "case.json"
    path.write_text(json.dumps(CASE), encoding="utf-8")
    result = CliRunner().invoke(app, ["assess", str(path), *args], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    return result.output


def test_renderer_is_registered() -> None:
    assert "radiotherapy" in section_renderers()


def test_table_shows_verdicts_failures_and_expected_recurrence(tmp_path: Path) -> None:
    out = _run(tmp_path)
    assert "Radiotherapy after breast-conserving surgery" in out
    # 25 mm: PRIME II (≤ 30 mm) meets; CALGB 9343 (T1 ≤ 20 mm) fails on size
    assert "meets: PRIME II" in out
    assert "invasive size (mm) = 25" in out  # the fact by name, not its identifier
    # PRIME II 10-year local recurrence 9.5 % vs 0.9 % (Kunkler, NEJM 2023)
    assert "9.5 % without vs 0.9 % with RT" in out


def test_chinese_text(tmp_path: Path) -> None:
    out = _run(tmp_path, "--lang", "zh")
    assert "保乳术后放疗" in out
    assert "可讨论豁免放疗" in out
    assert "不符合" in out


def test_chinese_uses_the_knowledge_own_chinese(tmp_path: Path) -> None:
    """Trial names, outcomes, guideline positions and caveats come from the knowledge's zh
    fields (rt_omission.yaml), not in their English wording."""
    from breastcds.i18n.knowledge_text import glossary

    out = _run(tmp_path, "--lang", "zh")
    flat = " ".join(out.split())
    # PRIME II, Kunkler NEJM 2023: 10-year local recurrence 9.5 % without vs 0.9 % with RT
    assert "乳腺局部复发（10年）：未放疗 9.5%，放疗 0.9%" in flat
    assert "多伦多-不列颠哥伦比亚试验（Fyles）" in flat
    assert (
        glossary()[
            "Without radiotherapy local recurrence is higher in every trial; no trial showed a "
            "difference in overall survival."
        ]
        in flat
    )
    english = [
        "Without radiotherapy local recurrence is higher in every trial",
        "Consider omitting radiotherapy after BCS",
        "local breast cancer recurrence",
        "Toronto-British Columbia",
    ]
    assert [e for e in english if e in flat] == []


# The CASE above with endocrine therapy not recorded as planned: 72, ER 95 % PR 80 %, 25 mm,
# pN0, grade 1, margin 3 mm. The trials' criterion (endocrine therapy planned) cannot be judged,
# so the section cannot judge omission; the course decision presumes endocrine therapy for the
# hormone receptor-positive tumour (clinical_course.md 4.3), on which PRIME II is met
# (rt_omission.md section 1: >= 65, <= 30 mm, pN0, HR+, margin >= 1 mm).
PRESUMED = {
    **CASE,
    "treatment": {"surgery": {"type": "breast_conserving"}},
}


def _run_case(tmp_path: Path, case: dict[str, object], *args: str) -> str:
    path = tmp_path / "case.json"
    path.write_text(json.dumps(case), encoding="utf-8")
    result = CliRunner().invoke(app, ["assess", str(path), *args], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    return " ".join(result.output.split())


def test_a_presumed_endocrine_therapy_is_said_in_both_languages(tmp_path: Path) -> None:
    en = _run_case(tmp_path, PRESUMED)
    assert "cannot yet judge RT omission" in en  # the section's own summary, as before
    assert "Course decision (options): Adjuvant endocrine therapy is not recorded as planned" in en
    assert "This is a presumption, not a recorded fact" in en
    assert "On this reading: RT omission is a reasonable option to discuss (meets: PRIME II" in en
    assert "treatment.endocrine_therapy_planned" in en  # still prompted
    zh = _run_case(tmp_path, PRESUMED, "--lang", "zh")
    assert "疗程决策（治疗选项）：未记录是否计划辅助内分泌治疗" in zh
    assert "此为推定，并非已记录的事实" in zh
    assert "据此判断：可讨论豁免放疗（符合：PRIME II" in zh
    path = tmp_path / "case.json"
    result = CliRunner().invoke(app, ["assess", str(path), "--format", "json"])
    course = json.loads(result.output)["sections"]["radiotherapy"]["course_decision"]
    assert course["summary"]["verdict"] == "discuss" and course["summary"]["meets"] == ["PRIME_II"]
    assert course["criteria"][0]["name"] == "endocrine_therapy_planned"
    assert course["criteria"][0]["value"] is True
    assert course["criteria"][0]["values"] == {"endocrine_therapy_presumed": True}


def test_no_course_decision_line_when_endocrine_therapy_is_recorded(tmp_path: Path) -> None:
    out = _run_case(tmp_path, CASE)
    assert "Course decision" not in out and "On this reading" not in out
    json_out = _run_case(tmp_path, CASE, "--format", "json")
    assert "course_decision" not in json_out
