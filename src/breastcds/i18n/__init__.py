"""What a reader sees, in English or Simplified Chinese: one table for the CLI, the web page
and the report.

* :func:`label` — interface words (section titles, column heads, form fields);
* :func:`value` — a value: codes (``luminal_b_her2_negative``, ``metastatic_line_2``,
  ``within``) by name, ``None`` as "not recorded" (one rendering everywhere), booleans as
  yes/no, numbers without trailing zeros;
* :func:`field_label` — a case-field path (``tumour.clinical_n``) by name;
* :func:`fact_label`, :func:`organ_label`, :func:`criterion_label` — knowledge identifiers;
* :func:`text` — a sentence a capability generated (reasons, criteria), see
  :mod:`breastcds.i18n.phrases`.

No code identifier is shown as text: an unknown code is shown by its words
(``"foo_bar"`` -> ``"foo bar"``) and the tests require a Chinese rendering of every known one.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from typing import Any, Literal

from breastcds.i18n import knowledge_text, phrases
from breastcds.i18n.labels import LABELS
from breastcds.i18n.vocabulary import (
    CRITERIA,
    FACTS,
    FIELDS,
    GENERIC_SEGMENTS,
    METRICS,
    ORGANS,
    VALUES,
)

__all__ = [
    "LANGS",
    "Lang",
    "agent_label",
    "all_keys",
    "criterion_label",
    "fact_label",
    "field_label",
    "has_label",
    "key_label",
    "label",
    "metric_label",
    "option_name",
    "organ_label",
    "prompt_reason",
    "rt_course_decision",
    "rt_summary",
    "text",
    "value",
]

Lang = Literal["en", "zh"]
LANGS: tuple[Lang, ...] = ("en", "zh")


def _pick(pair: tuple[str, str], lang: Lang) -> str:
    return pair[1] if lang == "zh" else pair[0]


def _words(code: str) -> str:
    return code.replace("_", " ")


def label(key: str, lang: Lang = "en") -> str:
    """The interface label ``key`` (KeyError for an unknown key: a typo is a bug)."""
    return _pick(LABELS[key], lang)


def has_label(key: str) -> bool:
    return key in LABELS


def all_keys() -> list[str]:
    return list(LABELS)


def value(v: object, lang: Lang = "en") -> str:
    """A value for display. ``None`` is "not recorded" (never "—", never "none")."""
    if v is None:
        return label("not_recorded", lang)
    if isinstance(v, bool):
        return label("yes" if v else "no", lang)
    if isinstance(v, float):
        return f"{v:g}"
    s = str(getattr(v, "value", v))
    pair = VALUES.get(s)
    if pair is not None:
        return _pick(pair, lang)
    if "_" in s and s.islower():  # a code without a rendering: its words, never the identifier
        return _words(s)
    return s


_INDEX = re.compile(r"\[[^\]]*\]")


def field_label(path: str, lang: Lang = "en") -> str:
    """A case-field path (``tumour.clinical_n``, ``courses[0].fractions``) by name."""
    if ", " in path and " " not in path.replace(", ", ""):  # several paths
        return ", ".join(field_label(p, lang) for p in path.split(", "))
    if " " in path:  # a sentence in place of a path ("(not in the case model) ...")
        return phrases.sentence(path, lang)
    segs = [s for s in _INDEX.sub("", path).split(".") if s]
    if not segs:
        return path
    last = segs[-1]
    pair = FIELDS.get(last) or FACTS.get(last)
    text = _pick(pair, lang) if pair else _words(last)
    if last in GENERIC_SEGMENTS and len(segs) > 1:
        parent = FIELDS.get(segs[-2])
        if parent is not None:
            text = f"{_pick(parent, lang)} · {text}"
    return text


@cache
def _option_texts() -> dict[str, tuple[str, str]]:
    """Rule id -> (English, Chinese) option text from the options knowledge."""
    from breastcds.options.schema import load_kb

    try:
        kb = load_kb()
    except Exception:  # a reader still gets the regimen as recorded without the knowledge
        return {}
    return {r.id: (r.text.en, r.text.zh) for r in kb.rules}


def option_name(rule_id: str, regimen: str, lang: Lang = "en") -> str:
    """An option for a reader: the regimen as the rule names it in English, the rule's own
    ``text.zh`` in Chinese (the regimen names of the knowledge are English)."""
    if lang != "zh":
        return regimen
    pair = _option_texts().get(rule_id)
    return pair[1] if pair else text(regimen, lang)


def agent_label(agent: str, lang: Lang = "en") -> str:
    """An agent as recorded in the case (INN or a name the drug catalogue resolves): its
    Chinese generic name for a Chinese reader, else as recorded."""
    if lang != "zh":
        return agent
    return _drug(agent, lang) or agent


def fact_label(name: str, lang: Lang = "en") -> str:
    """A fact of the knowledge conditions (``her2.status``, ``comorbidity.x``) by name."""
    pair = FACTS.get(name) or FIELDS.get(name)
    if pair is not None:
        return _pick(pair, lang)
    head, _, tail = name.partition(".")
    if head == "comorbidity" and tail:
        return f"{_pick(FACTS['comorbidity'], lang)}: {field_label(tail, lang)}"
    return _words(name)


def organ_label(organ: str, lang: Lang = "en") -> str:
    pair = ORGANS.get(organ)
    return _pick(pair, lang) if pair else _words(organ)


def metric_label(metric: str, lang: Lang = "en") -> str:
    pair = METRICS.get(metric)
    return _pick(pair, lang) if pair else metric


def criterion_label(name: str, lang: Lang = "en") -> str:
    pair = CRITERIA.get(name)
    return _pick(pair, lang) if pair else phrases.sentence(name, lang)


def key_label(key: str, lang: Lang = "en") -> str:
    """A field name of a section for display: a label, a case-field name, else its words."""
    if key in LABELS:
        return label(key, lang)
    if key in FIELDS:
        return field_label(key, lang)
    return _words(key)


def text(s: str, lang: Lang = "en") -> str:
    """A sentence a capability generated, for a reader (see :mod:`breastcds.i18n.phrases`)."""
    return phrases.sentence(s, lang)


def prompt_reason(s: str, lang: Lang = "en") -> str:
    return phrases.prompt_reason(s, lang)


def rt_summary(section: Mapping[str, Any], lang: Lang = "en") -> str:
    """The verdict sentence of the ``radiotherapy`` section (plain data) for a reader."""
    summary = section.get("summary") or {}
    text_en = str(summary.get("text") or "")
    if lang != "zh":
        return text_en
    names = {s.get("id"): s.get("name") for s in section.get("omission") or []}
    verdict = summary.get("verdict")
    if verdict == "discuss":
        out = (
            "可讨论豁免放疗（符合："
            + "、".join(str(names.get(i, i)) for i in summary.get("meets") or [])
            + "）"
        )
        marker = "; expected local recurrence — "
        if marker in text_en:  # the figures, as the sources report them
            figures = text_en.split(marker, 1)[1].split("; ")
            out += "；预期局部复发：" + "；".join(text(f, "zh") for f in figures)
        return out
    if verdict == "insufficient_data":
        fields = sorted({str(m.get("field")) for m in section.get("missing") or []})
        return (
            "资料不足，暂无法判断是否可豁免放疗（需补充："
            + "、".join(field_label(f, "zh") for f in fields)
            + "）"
        )
    if verdict == "not_supported":
        closest = summary.get("closest")
        failed = "、".join(
            criterion_label(str(c), "zh") for c in summary.get("closest_failed") or []
        )
        return f"不支持豁免放疗（最接近：{names.get(closest, closest) or ''}，不符合：{failed}）"
    reason = text(str(section.get("not_applicable_reason") or text_en), "zh")
    return reason if reason.startswith("不适用") else "不适用：" + reason


def rt_course_decision(section: Mapping[str, Any], lang: Lang = "en") -> list[str]:
    """The course decision's reading of the omission sets (``course_decision`` of the
    ``radiotherapy`` section), when it differs from the section's: each presumption's note
    ("Course decision (options): ..."), then the summary on that reading; [] when absent."""
    course = section.get("course_decision")
    if not isinstance(course, Mapping):
        return []
    colon = "：" if lang == "zh" else ": "
    lines = [
        f"{label('course_decision', lang)}{colon}{text(str(c.get('note') or ''), lang)}"
        for c in course.get("criteria") or []
    ]
    reading = {
        **section,
        "summary": course.get("summary") or {},
        "missing": [{"field": f} for f in course.get("missing_fields") or []],
    }
    lines.append(f"{label('course_reading', lang)}{colon}{rt_summary(reading, lang)}")
    return lines


def _drug(token: str, lang: Lang) -> str | None:
    from breastcds.knowledge.drugs import catalogue

    d = catalogue().resolve(token)
    if d is None:
        return None
    return d.zh if lang == "zh" else d.inn


def _identifier(token: str, lang: Lang) -> str | None:
    if token in FACTS or token in FIELDS:
        return fact_label(token, lang)
    if token.startswith("comorbidity."):
        return fact_label(token, lang)
    if token in VALUES:
        return _pick(VALUES[token], lang)
    if token in ORGANS:
        return organ_label(token, lang)
    if token in CRITERIA:
        return criterion_label(token, lang)
    if "." in token and token.split(".")[0] in FIELDS:
        return field_label(token, lang)
    if lang == "zh" and token.isalpha() and token.islower():
        return _drug(token, lang)
    return None


phrases.register_identifier_lookup(_identifier)
phrases.register_exact_lookup(knowledge_text.lookup)
