"""Board summary and appendix: at most 6 pages per bundled example in both languages, every
table inside the page box, no code identifier in the Chinese text, and a Chinese rendering for
every label, code, case field, fact, organ and criterion."""

from __future__ import annotations

import dataclasses
import enum
import html as html_lib
import re
import typing
from functools import cache
from typing import Any

import pydantic
import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from breastcds import examples, i18n
from breastcds.i18n import labels, vocabulary
from breastcds.i18n.knowledge_text import glossary
from breastcds.i18n.phrases import known_zh
from breastcds.knowledge.facts import FACTS
from breastcds.knowledge.loader import read_text
from breastcds.model import codes
from breastcds.model.assessment import AssessmentRecord
from breastcds.model.case import Case
from breastcds.report.html import ReportContext, build_context, render_context, render_html
from tests.report.conftest import NOW, assessed

SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
#: Elements whose text are machine references a reader may see as they are: rule ids, case-field
#: paths (beside their names, for data entry) and citations.
REFERENCE = re.compile(
    r'<(?P<tag>\w+)[^>]*class="[^"]*\b(?:rule-id|field-path|src)\b[^"]*"[^>]*>.*?</(?P=tag)>',
    re.S,
)
MAX_PAGES = 6


def visible_text(doc: str) -> str:
    doc = re.sub(r"<(style|script)[^>]*>.*?</\1>", " ", doc, flags=re.S)
    doc = re.sub(r'src="data:[^"]*"', "", doc)
    doc = REFERENCE.sub(" ", doc)
    return " ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", doc)).split())


@cache
def _context(name: str, lang: str) -> ReportContext:
    case, a = assessed(name)
    return build_context(a, lang=lang, case=case, now=NOW, detail="full")  # type: ignore[arg-type]


@cache
def _html(name: str, lang: str, detail: str, for_print: bool = True) -> str:
    """One context (figures drawn once) per example and language, rendered at each detail."""
    ctx = dataclasses.replace(_context(name, lang), detail=detail)  # type: ignore[arg-type]
    return render_context(ctx, for_print=for_print)


def _pages(doc: str) -> list[Any]:
    from weasyprint import HTML  # type: ignore[import-untyped]

    return list(HTML(string=doc, base_url=None).render().pages)


# ------------------------------------------------------------------------- label coverage
def test_every_label_key_has_a_chinese_rendering() -> None:
    tables = {
        "labels": labels.LABELS, "values": vocabulary.VALUES, "fields": vocabulary.FIELDS,
        "facts": vocabulary.FACTS, "organs": vocabulary.ORGANS, "criteria": vocabulary.CRITERIA,
        "metrics": vocabulary.METRICS,
    }  # fmt: skip
    for table_name, table in tables.items():
        for key, (en, zh) in table.items():
            assert en.strip(), f"{table_name}.{key}: no English"
            assert zh.strip(), f"{table_name}.{key}: no Chinese rendering"


def _enum_values() -> set[str]:
    out: set[str] = set()
    for obj in vars(codes).values():
        if (
            isinstance(obj, type)
            and issubclass(obj, enum.Enum)
            and obj.__module__ == codes.__name__
        ):
            out |= {str(m.value) for m in obj}
    return out


def test_every_code_of_the_case_model_has_both_languages() -> None:
    missing = sorted(v for v in _enum_values() if v not in vocabulary.VALUES)
    assert not missing, f"codes without a rendering: {missing}"


def _leaf_segments(model: type[pydantic.BaseModel]) -> set[str]:
    out: set[str] = set()
    for name, f in model.model_fields.items():
        out.add(name)
        for a in typing.get_args(f.annotation) or (f.annotation,):
            for b in typing.get_args(a) or (a,):
                if isinstance(b, type) and issubclass(b, pydantic.BaseModel):
                    out |= _leaf_segments(b)
    return out


def test_every_case_field_has_a_name_in_both_languages() -> None:
    missing = sorted(s for s in _leaf_segments(Case) if s not in vocabulary.FIELDS)
    assert not missing, f"case fields without a name: {missing}"


def test_every_fact_organ_and_criterion_has_both_languages() -> None:
    from breastcds.options.facts import register_option_facts

    register_option_facts()

    facts = sorted(
        f for f in FACTS
        if f not in vocabulary.FACTS and f not in vocabulary.FIELDS
        and not f.startswith("comorbidity.")
    )  # fmt: skip
    assert not facts, f"facts without a name: {facts}"
    organs: set[str] = set()
    for file in ("reirradiation_constraints.yaml", "alpha_beta.yaml"):
        organs |= set(re.findall(r"^\s*organ:\s*([a-z0-9_]+)", read_text(file), re.M))
    assert organs and not sorted(organs - set(vocabulary.ORGANS))
    criteria: set[str] = set()

    def walk(x: Any) -> None:
        if isinstance(x, dict):
            n = x.get("name")
            if isinstance(n, str) and re.fullmatch(r"[a-z0-9_]+", n):
                criteria.add(n)
            for v in x.values():
                walk(v)
        elif isinstance(x, list):
            for v in x:
                walk(v)

    for file in ("rt_omission.yaml", "rt_fractionation.yaml"):
        walk(yaml.safe_load(read_text(file)))
    assert criteria and not sorted(criteria - set(vocabulary.CRITERIA))


def test_not_recorded_has_one_rendering() -> None:
    assert i18n.value(None, "en") == i18n.label("not_recorded", "en") == "not recorded"
    assert i18n.value(None, "zh") == i18n.label("not_recorded", "zh") == "未记录"
    assert i18n.value("not_recorded", "zh") == "未记录"


def test_codes_never_reach_a_reader_as_identifiers() -> None:
    for code in ("luminal_b_her2_negative", "metastatic_line_2", "low_positive"):
        for lang in ("en", "zh"):
            assert not SNAKE.search(i18n.value(code, lang)), (code, lang)  # type: ignore[arg-type]
    assert i18n.organ_label("brachial_plexus", "zh") == "臂丛神经"
    assert i18n.field_label("treatment.adjuvant_agents", "zh") == "辅助治疗药物"
    # a condition names its facts and values: "requires age ≥ 70; case has age = 64"
    generated = "requires menopausal_status in [pre, peri]; case has menopausal_status = post"
    assert (
        i18n.text(generated, "zh")
        == "要求 绝经状态 属于 [绝经前, 围绝经期]；本例 绝经状态 = 绝经后"
    )


# --------------------------------------------------------------------------- the documents
@pytest.mark.parametrize("name", examples.names())
def test_every_call_reason_has_a_chinese_rendering(name: str) -> None:
    _, a = assessed(name)
    c = a.classification
    reasons = [*c.her2.reasons, *c.er.reasons, *c.pr.reasons, *c.ki67.reasons, *c.subtype.reasons]
    for s in (c.stage_pathological, c.stage_clinical):
        reasons += s.reasons + (s.prognostic.reasons if s.prognostic else [])
    assert [r for r in reasons if not known_zh(r)] == []


@pytest.mark.parametrize("detail", ["summary", "full"])
@pytest.mark.parametrize("name", examples.names())
def test_chinese_text_has_no_code_identifier(name: str, detail: str) -> None:
    text = visible_text(_html(name, "zh", detail))
    assert SNAKE.findall(text) == []


def _knowledge_sentences() -> list[str]:
    """English texts of the knowledge files that have their own, different, Chinese and read
    as words (at least two words of three letters or more): none may reach a Chinese reader."""
    out = []
    for en, zh in glossary().items():
        if en != zh and len(re.findall(r"[A-Za-z]{3,}", en)) >= 2:
            out.append(en)
    return sorted(out, key=len, reverse=True)


@pytest.mark.parametrize("name", examples.names())
def test_chinese_full_report_shows_no_english_knowledge_text(name: str) -> None:
    """Every bundled example, appendix included: no knowledge text in its English wording (the
    knowledge carries the Chinese of each) and no code identifier."""
    shown = visible_text(_html(name, "zh", "full"))
    leaked = [en for en in _knowledge_sentences() if en in shown]
    assert leaked == [], f"{name}: English knowledge text in the Chinese report: {leaked[:10]}"
    assert SNAKE.findall(shown) == []


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("name", examples.names())
def test_default_report_is_a_board_summary_of_at_most_six_pages(name: str, lang: str) -> None:
    doc = _html(name, lang, "summary")
    pages = _pages(doc)
    assert 1 <= len(pages) <= MAX_PAGES, f"{name} {lang}: {len(pages)} pages"
    assert 'id="appendix"' not in doc
    full = _html(name, lang, "full")
    assert 'id="appendix"' in full and 'id="rules"' in full


def _boxes(box: Any) -> Any:
    yield box
    for child in getattr(box, "children", None) or []:
        yield from _boxes(child)


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("name", examples.names())
def test_every_table_fits_inside_the_page_box(name: str, lang: str) -> None:
    from weasyprint.formatting_structure import boxes  # type: ignore[import-untyped]

    tables = 0
    for page in _pages(_html(name, lang, "full")):
        pb = page._page_box
        left, right = pb.content_box_x(), pb.content_box_x() + pb.width
        for b in _boxes(pb):
            if isinstance(b, boxes.TableBox | boxes.TableCellBox | boxes.ReplacedBox):
                tables += isinstance(b, boxes.TableBox)
                x0, x1 = b.position_x, b.position_x + b.margin_width()
                assert x0 >= left - 0.5 and x1 <= right + 0.5, (
                    f"{name} {lang}: {type(b).__name__} spans {x0:.0f}-{x1:.0f} pt, "
                    f"page content {left:.0f}-{right:.0f} pt"
                )
    assert tables > 0


def test_page_folds_the_detail_and_report_omits_it() -> None:
    folded = _html("chest-wall-recurrence-reirradiation", "zh", "folded", False)
    assert '<details class="detail" id="detail">' in folded
    assert "详细信息" in folded


@given(
    st.lists(
        st.one_of(
            st.from_regex(r"[a-z][a-z0-9]{0,6}(_[a-z0-9]{1,6}){1,3}", fullmatch=True),
            st.sampled_from(["requires", "case", "has", "=", "≥", "in", "[pre, peri]", "N0"]),
            st.text(alphabet="abcdefghij 0123456789%()-", max_size=12),
        ),
        max_size=12,
    ),
    st.sampled_from(["en", "zh"]),
)
def test_no_identifier_survives_any_generated_sentence(words: list[str], lang: str) -> None:
    """Whatever a capability writes, the rendering never shows a snake_case identifier."""
    sentence = " ".join(words)
    assert not SNAKE.search(i18n.text(sentence, lang))  # type: ignore[arg-type]
    assert not SNAKE.search(i18n.prompt_reason(f"some regimen: {sentence}", lang))  # type: ignore[arg-type]


@given(st.from_regex(r"[a-z][a-z0-9]{0,8}(_[a-z0-9]{1,8}){1,4}", fullmatch=True))
def test_any_code_is_shown_by_name_or_words(code: str) -> None:
    for lang in ("en", "zh"):
        assert not SNAKE.search(i18n.value(code, lang))  # type: ignore[arg-type]
        assert not SNAKE.search(i18n.field_label(f"tumour.{code}", lang))  # type: ignore[arg-type]


def test_actions_cautions_and_the_decision_point_reason_are_shown_when_present() -> None:
    """Fields the options engine may add (course work): a decision point's reason, its actions
    (en/zh labels or codes) and cautions (en/zh text) appear in the summary, in the reader's
    language."""
    case, a = assessed("her2-low-metastatic")
    data = a.model_dump(mode="json")
    dp = data["sections"]["options"]["decision_points"][0]
    dp["reason_en"] = "progression on the first metastatic line"
    dp["reason_zh"] = "晚期一线治疗后进展"
    dp["actions"] = [
        {"code": "germline_testing", "class": "counselling",
         "label_en": "germline testing", "label_zh": "胚系基因检测"},
        "defer_until_after_delivery",
    ]  # fmt: skip
    dp["cautions"] = [
        {
            "factor": "interstitial_lung_disease",
            "text_en": "ILD: monitor",
            "text_zh": "间质性肺病：监测",
        }
    ]
    dp["options"][0]["actions"] = ["whole_breast_rt"]
    b = AssessmentRecord.model_validate(data)  # as read back from storage
    zh = visible_text(render_html(b, lang="zh", case=case, now=NOW))
    for shown in (
        "晚期一线治疗后进展",
        "胚系基因检测",
        "推迟至分娩后",
        "间质性肺病：监测",
        "全乳放疗",
    ):
        assert shown in zh, shown
    assert SNAKE.findall(zh) == []
    en = visible_text(render_html(b, lang="en", case=case, now=NOW))
    expected = (
        "progression on the first metastatic line",
        "germline testing",
        "defer until after delivery",
        "ILD: monitor",
        "whole-breast radiotherapy",
    )
    for shown in expected:
        assert shown in en, shown
