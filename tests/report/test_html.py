"""HTML report: every part is present, in both languages, for every bundled example; unknown
sections are laid out generically; nothing is computed here."""

from __future__ import annotations

import html as html_lib
import re

import pytest

from breastcds import __version__, examples, i18n
from breastcds.capabilities import Assessment
from breastcds.entrypoint import assess
from breastcds.i18n import all_keys, label
from breastcds.knowledge import knowledge_version
from breastcds.model.assessment import AssessmentRecord
from breastcds.model.case import Case
from breastcds.model.parse import parse_case
from breastcds.report import build_context, render_html
from breastcds.report.html import KNOWN_SECTIONS
from tests.report.conftest import NOW, assessed


def _text(doc: str) -> str:
    """Visible text of an HTML document (tags dropped, entities decoded, spaces collapsed)."""
    doc = re.sub(r"<(style|script)[^>]*>.*?</\1>", " ", doc, flags=re.S)
    doc = re.sub(r'src="data:[^"]*"', "", doc)
    return " ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", doc)).split())


@pytest.mark.parametrize("name", examples.names())
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_example_renders_every_part(name: str, lang: str) -> None:
    case, a = assessed(name)
    doc = render_html(a, lang=lang, case=case, requester="Dr Zhang", now=NOW, detail="full")  # type: ignore[arg-type]
    text = _text(doc)
    assert doc.startswith("<!DOCTYPE html>")
    assert f'lang="{"zh-CN" if lang == "zh" else "en"}"' in doc
    # identifiers, calls with reasons, every section, missing data, provenance
    assert a.case_id is not None and a.case_id in text
    for reason in a.classification.her2.reasons + a.classification.subtype.reasons:
        assert i18n.text(reason, lang) in text  # type: ignore[arg-type]
    for section in a.sections.names():
        assert f'id="section-{section}"' in doc
    assert 'id="missing"' in doc and 'id="provenance"' in doc
    for fact in (__version__, knowledge_version(), a.provenance.assessed_at,
                 "2026-11-25T09:30:00+00:00", "Dr Zhang"):  # fmt: skip
        assert fact in text, fact
    for citation in a.provenance.sources:
        assert citation.rule in text and citation.source in text
    for m in a.missing:
        assert m.field in text
    if lang == "zh":
        assert label("provenance", "zh") in text and label("missing", "zh") in text
    assert re.search(r'(src|href)="(https?:)?//', doc) is None  # self-contained, offline


def test_missing_statement_is_explicit_when_nothing_is_missing(
    reirradiation_case: tuple[Case, Assessment],
) -> None:
    _, a = reirradiation_case
    bare = a.model_copy(update={"missing": [], "sections": {}})
    text = _text(render_html(bare, lang="en", now=NOW))
    assert label("missing_none", "en") in text
    assert label("facts_not_attached", "en") in text  # no case given: said so
    assert label("not_stated", "en") in text  # no requester given: said so


def test_unknown_section_is_laid_out_generically(
    reirradiation_case: tuple[Case, Assessment],
) -> None:
    _, a = reirradiation_case
    future = {
        "status": "computed",
        "counselling_points": ["refer to a fertility specialist before chemotherapy"],
        "options": [{"name": "oocyte cryopreservation", "evidence": "ASCO 2018", "grade": "A"}],
        "text_en": "English text", "text_zh": "中文文本",
        "missing": [{"field": "patient.fertility_wish", "reason": "decides referral"}],
        "source": "Oktay K et al., J Clin Oncol 2018",
    }  # fmt: skip
    # a stored assessment of a later version, with a section this version does not know
    data = a.model_dump(mode="json")
    b = AssessmentRecord.model_validate(
        {**data, "sections": {**data["sections"], "fertility": future}}
    )
    for lang, shown, hidden in (
        ("en", "English text", "中文文本"),
        ("zh", "中文文本", "English text"),
    ):
        doc = render_html(b, lang=lang, now=NOW, detail="full")  # type: ignore[arg-type]
        text = _text(doc)
        assert 'id="section-fertility"' in doc
        assert "refer to a fertility specialist before chemotherapy" in text
        assert "oocyte cryopreservation" in text and "ASCO 2018" in text
        assert shown in text and hidden not in text
        # its missing field and its source join the report-wide blocks
        missing = doc[doc.index('id="missing"') :]
        assert "patient.fertility_wish" in missing
        assert "Oktay K et al., J Clin Oncol 2018" in doc[doc.index('id="rules"') :]


def test_known_section_with_a_changed_shape_falls_back_to_generic(
    reirradiation_case: tuple[Case, Assessment],
) -> None:
    _, a = reirradiation_case
    changed = {"classification": "not an object any more", "organs": [{"organ": "lung"}]}
    data = a.model_dump(mode="json")  # stored by a version whose section had another shape
    b = AssessmentRecord.model_validate({**data, "sections": {"reirradiation": changed}})
    ctx = build_context(b, now=NOW)
    (view,) = ctx.summaries
    assert view.generic and not ctx.sections
    assert "not an object any more" in view.html


def test_known_sections_use_their_own_layout(
    reirradiation_case: tuple[Case, Assessment],
) -> None:
    case, a = reirradiation_case
    ctx = build_context(a, case=case, now=NOW)
    for view in [*ctx.summaries, *ctx.sections]:
        if view.name in KNOWN_SECTIONS:
            assert not view.generic, view.name
    # the board summary: cumulative EQD2 per organ and the EQD2 figure
    reirr = next(v for v in ctx.summaries if v.name == "reirradiation")
    organs = a.model_dump(mode="json")["sections"]["reirradiation"]["organs"]
    for o in organs:
        assert o["organ"] in reirr.html
        if o["cumulative_eqd2_gy"] is not None:
            assert f"{o['cumulative_eqd2_gy']:.1f}" in reirr.html
    assert [f.key for f in reirr.figures] == ["reirradiation.eqd2"]


def test_figures_are_embedded_for_the_sections_that_carry_plot_data(
    reirradiation_case: tuple[Case, Assessment],
) -> None:
    case, a = reirradiation_case
    ctx = build_context(a, case=case, now=NOW)
    keys = {f.key for f in ctx.figures()}
    assert "reirradiation.eqd2" in keys
    if a.model_dump()["sections"]["radiotherapy"].get("omission"):
        assert "radiotherapy.omission" in keys
    doc = render_html(a, case=case, now=NOW)
    assert doc.count('src="data:image/png;base64,') == len(ctx.figures())


def test_key_facts_show_recorded_values_and_not_recorded_for_core_facts() -> None:
    case, a = assessed("her2-low-metastatic")
    ctx = build_context(a, case=case, now=NOW, with_figures=False)
    assert ctx.facts is not None
    facts = dict(ctx.facts)
    assert facts["Age"] == "55 years"
    assert facts["HER2 IHC"] == "2+"
    assert facts["HER2 ISH (ratio / copies)"] == "1.3 / 3.1"
    assert facts["Metastatic sites"] == "liver, lung"
    bare = case.model_copy(update={"biomarkers": case.biomarkers.model_copy(
        update={"ki67_percent": None})})  # fmt: skip
    assert dict(build_context(a, case=bare, with_figures=False).facts or [])["Ki-67"] == (
        "not recorded"
    )


def test_every_label_has_both_languages() -> None:
    for key in all_keys():
        assert label(key, "en").strip() and label(key, "zh").strip(), key


@pytest.mark.parametrize(
    ("lang", "note", "reading"),
    [
        ("en", "Adjuvant endocrine therapy is not recorded as planned",
         "On this reading: RT omission is a reasonable option to discuss (meets: PRIME II"),
        ("zh", "未记录是否计划辅助内分泌治疗", "据此判断：可讨论豁免放疗（符合：PRIME II"),
    ],
)  # fmt: skip
def test_the_board_summary_says_when_the_course_decision_presumes_endocrine_therapy(
    lang: str, note: str, reading: str
) -> None:
    """72, ER 95 % PR 80 %, 25 mm pN0, grade 1, margin 3 mm after BCS, endocrine therapy not
    recorded: the section cannot judge omission (PRIME II needs endocrine therapy, rt_omission.md
    section 1); the course decision presumes it for the HR-positive tumour (clinical_course.md
    4.3), which the page says as a presumption, beside the prompt for the field."""
    case = parse_case({
        "patient": {"age_years": 72},
        "tumour": {"size_mm": 25, "nodes_positive": 0, "grade": 1, "lvi": False,
                   "margin_mm": 3},
        "biomarkers": {"er_percent": 95, "pr_percent": 80, "her2_ihc": 0, "ki67_percent": 8},
        "treatment": {"surgery": {"type": "breast_conserving"}},
    })  # fmt: skip
    a = assess(case, now=NOW)
    doc = render_html(a, lang=lang, case=case, now=NOW)  # type: ignore[arg-type]
    text = _text(doc)
    assert 'class="course-decision" data-verdict="discuss"' in doc
    assert f"{label('course_decision', lang)}{'：' if lang == 'zh' else ': '}{note}" in text  # type: ignore[arg-type]
    assert reading in text
    assert "treatment.endocrine_therapy_planned" in text  # still asked for
