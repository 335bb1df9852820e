"""Every reader-facing text of every knowledge file carries its Simplified Chinese beside it.

The test walks the parsed YAML of every knowledge file (``knowledge/*.yaml`` and
``knowledge/systemic/*.yaml``). A string (or list of strings) under a key of ``READER`` is shown
to a reader and needs its ``<key>_zh`` sibling; a mapping with ``en`` needs ``zh``. Every other
key holding text must be listed in ``NOT_READER`` with the reason it is shown as written (or not
shown), so a new kind of reader-facing text cannot slip through unclassified. A failure names
the file, the rule or set (by id / name) and the field that needs Chinese.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from breastcds.i18n import vocabulary
from breastcds.i18n.knowledge_text import bilingual_pairs, glossary, knowledge_files
from breastcds.knowledge.bilingual import missing_zh
from breastcds.knowledge.loader import load_yaml
from breastcds.knowledge.schema_rt_omission import Criterion

#: Keys whose text a reader sees (report, web page, CLI): each needs ``<key>_zh``.
READER = frozenset(
    {"text", "note", "notes", "question", "endpoint", "unrecordable", "meaning", "evidence",
     "description", "caveats", "name", "reason", "row"}
)  # fmt: skip

#: Keys holding text that a reader sees as written, or never sees, and why.
NOT_READER: dict[str, str] = {
    # citations and the review record: shown as written (or not at all)
    "source": "citation", "guideline": "citation", "trial": "trial name (citation)",
    "journal": "citation", "key_result": "citation: the trial's result as published",
    "citation": "citation", "verified_in": "review record", "checked": "review record",
    "verified_on": "review record", "released": "review record", "reviewed": "review date",
    "updated": "review date", "version": "version", "rights_note": "licence note, not shown",
    "coverage": "review record", "resolution": "review record", "source_value": "review record",
    "table_value": "review record", "cells": "review record", "published_as": "review record",
    "wording": "review record (verbatim / paraphrase)",
    "chapter": "review record (csco_areas.yaml: the CSCO chapter, as written)",
    "inventory": "review record (csco_areas.yaml: what the chapter inventory found)",
    "searched": "review record (csco_areas.yaml: what was searched for another edition)",
    "found": "review record (csco_areas.yaml: what another edition gave for an area)",
    "edition": "identifier (csco_areas.yaml: the year of another edition)",
    "book": "citation", "rules": "rule-id patterns",
    # proper names
    "body": "guideline body (NCCN, NICE, Cancer Australia, ASTRO): a proper name",
    "abbreviation": "drug abbreviation (T-DXd): a proper name",
    "brands": "brand names", "inn": "INN (the Chinese generic name is drugs.yaml's zh)",
    "label": "the constraint table's label, rendered by i18n.phrases",
    # codes and identifiers (rendered through the i18n vocabulary, never as text)
    "id": "identifier", "code": "identifier", "set_id": "identifier", "pathway": "identifier",
    "schema": "identifier", "table": "identifier", "key": "identifier", "field": "case field",
    "fields": "case fields", "fact": "fact (i18n FACTS)", "op": "operator",
    "value": "a value of a condition (rendered by i18n.value)", "decision_point": "code",
    "decision_points": "codes", "factor": "code", "section": "reference section number",
    "class": "code", "family": "code", "families": "codes", "group": "code",
    "groups": "codes", "ai_type": "code", "ai_types": "codes", "kind": "code", "basis": "code",
    "measure": "code", "metric": "code (i18n METRICS)", "organ": "code (i18n ORGANS)",
    "target": "code", "topic": "code", "role": "code", "status": "code", "level": "code",
    "result": "code", "recommendation": "code", "category": "code", "since": "version",
    "agents": "INNs (Chinese names from drugs.yaml)", "spare": "INNs", "with_any": "INNs",
    "partners": "codes", "chemo_agents": "INNs", "agents_from_fact": "fact",
    "from_fact_families": "codes", "actions": "action codes (actions.yaml en/zh)",
    "add_actions": "action codes", "add_actions_when": "codes", "action_classes": "codes",
    "item": "a field of the list record a derived-fact binding reads (language/expressions.py)",
    "then": "a derived fact's value in a case: a code (rendered through the i18n vocabulary)",
    "if_unknown": "fact", "suppress_prompts": "case fields", "regimens": "regimen ids",
    "applies_to": "codes", "footnotes": "footnote ids", "stage": "stage group",
    "t": "T category", "n": "N category", "m": "M category", "t_group": "code",
    "n_group": "code", "grade": "code", "er": "code", "pr": "code", "her2": "code",
    "2": "HER2 group table cell", "3": "HER2 group table cell", "4": "HER2 group table cell",
    "HER2-0": "citation", "HER2-low": "citation", "HER2-positive": "citation",
    "HER2-ultralow": "citation",
    "record": "case path (consistency.yaml)", "input": "identifier (consistency.yaml)",
    "other": "identifier (consistency.yaml)",
    "criterion": "identifier (the criterion a course presumption reads, rt_omission.yaml)",
    # option regimen names: a Chinese reader sees the rule's own text.zh instead
    "regimen": "regimen name; in Chinese the option is shown by its rule's text.zh",
}  # fmt: skip

#: Reader keys that a file uses for text no reader sees, and why.
EXEMPT: dict[tuple[str, str], str] = {
    ("consistency.yaml", "message"): "a validation error, in English as every case-model "
    "field error (model/errors.py); it names the case field",
    ("alpha_beta.yaml", "endpoint"): "α/β library metadata; a reader sees the value and source",
    ("alpha_beta.yaml", "tissue"): "α/β library metadata; a reader sees the value and source",
    ("ajcc8_prognostic_stage.yaml", "name"): "AJCC table name; reasons name it (i18n.phrases)",
    ("ajcc8_prognostic_stage.yaml", "text"): "footnote wording; the stage reasons are "
    "rendered from their own templates (i18n.phrases)",
    ("ajcc8_prognostic_stage.yaml", "note"): "review note",
    ("prompt_relevance.yaml", "reason"): "why a prompt is not asked; not shown to a reader",
    ("course_cautions.yaml", "reason"): "not shown (the caution's en/zh text is)",
    ("derived_facts.yaml", "description"): "documents a definition; a reader sees the fact's "
    "bilingual name (i18n vocabulary)",
    ("derived_facts.yaml", "type"): "fact type code (number, bool, enum, list)",
    ("derived_facts.yaml", "name"): "fact name: a code (i18n vocabulary names it in both "
    "languages)",
    ("derived_facts.yaml", "values"): "allowed codes of an enum fact",
    ("derived_facts.yaml", "param"): "parameter name: a code",
}
NOT_READER_EXTRA = {"tissue"}  # keys listed only through EXEMPT
_CODE = re.compile(r"[a-z][a-z0-9]*(?:[_.][a-z0-9_.]+)+|[a-z0-9]{1,4}")


def _is_text(v: Any) -> bool:
    return isinstance(v, str) or (
        isinstance(v, list) and bool(v) and all(isinstance(x, str) for x in v)
    )


def _is_code(key: str, node: dict[str, Any], v: str) -> bool:
    """A code in a reader key: a criterion's code name (its ``text`` is what a reader sees, its
    name is rendered by i18n CRITERIA), a snake_case / dotted code, or an endpoint code."""
    if key == "name" and isinstance(node.get("text"), str):
        return v in vocabulary.CRITERIA or bool(re.fullmatch(r"[a-z0-9_]+", v))
    if key != "name" and " " not in v:  # endpoint / evidence codes: os, response, 1B
        return True
    return bool(_CODE.fullmatch(v))


def gaps(file: str, data: Any, path: str = "", parent: str = "") -> Iterator[str]:
    """Messages naming every reader-facing text of ``data`` without its Chinese, and every
    unclassified text key."""
    if isinstance(data, dict):
        here = path or "(file)"
        if isinstance(data.get("en"), str) and not str(data.get("zh") or "").strip():
            yield f"{file}: {here}: 'en' needs 'zh'"
        for key, v in data.items():
            key = str(key)
            if key.endswith("_zh") or key in ("en", "zh") or not _is_text(v):
                continue
            if (file, key) in EXEMPT or (key == "note" and parent == "verification"):
                continue
            if key not in READER:
                if key not in NOT_READER and key not in NOT_READER_EXTRA:
                    yield f"{file}: {here}: text key {key!r} is not classified (tests: NOT_READER)"
                continue
            values = [v] if isinstance(v, str) else v
            if all(_is_code(key, data, x) for x in values):
                continue
            zh = data.get(f"{key}_zh")
            ok = (
                isinstance(zh, str) and zh.strip()
                if isinstance(v, str)
                else isinstance(zh, list)
                and len(zh) == len(v)
                and all(isinstance(z, str) and z.strip() for z in zh)
            )
            if not ok:
                yield f"{file}: {here}: {key!r} needs {key + '_zh'!r} ({values[0][:60]!r})"
        for key, v in data.items():
            if isinstance(v, dict | list):
                yield from gaps(file, v, f"{path}.{key}" if path else str(key), str(key))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            ident = v.get("id") or v.get("code") if isinstance(v, dict) else None
            yield from gaps(file, v, f"{path}[{ident or i}]", parent)


@pytest.mark.parametrize("file", knowledge_files())
def test_every_reader_facing_text_has_its_chinese(file: str) -> None:
    problems = list(gaps(file, load_yaml(file)))
    assert not problems, "knowledge text without Chinese:\n" + "\n".join(problems)


def test_the_walk_names_the_rule_and_field_that_need_chinese() -> None:
    data = {"rules": [{"id": "x.y", "when": {"name": "age >= 70", "fact": "age"},
                       "text": {"en": "an option", "zh": ""}}]}  # fmt: skip
    problems = list(gaps("systemic/x.yaml", data))
    assert problems == [
        "systemic/x.yaml: rules[x.y].when: 'name' needs 'name_zh' ('age >= 70')",
        "systemic/x.yaml: rules[x.y].text: 'en' needs 'zh'",
    ]
    assert list(gaps("x.yaml", {"rationale": "free text"})) == [
        "x.yaml: (file): text key 'rationale' is not classified (tests: NOT_READER)"
    ]


def test_one_english_text_has_one_chinese_rendering() -> None:
    seen: dict[str, tuple[str, str]] = {}
    clashes = []
    for file in knowledge_files():
        for loc, en, zh in bilingual_pairs(load_yaml(file)):
            key = " ".join(en.split())
            if zh is None:
                continue
            if key in seen and seen[key][0] != zh.strip():
                clashes.append(f"{en!r}: {seen[key][0]!r} ({seen[key][1]}) vs {zh!r} ({loc})")
            seen.setdefault(key, (zh.strip(), f"{file} {loc}"))
    assert not clashes, "\n".join(clashes)
    assert glossary()["age ≥ 70 years"] == "年龄≥70岁"


def test_the_schema_refuses_a_criterion_without_its_chinese() -> None:
    c = Criterion.model_construct(name="age", text="age ≥ 70 years", text_zh=None, when=None)
    assert missing_zh(c) == ["'text' needs 'text_zh' (Simplified Chinese)"]
    with pytest.raises(ValueError, match="'note' needs 'note_zh'"):
        Criterion.model_validate(
            {"name": "age", "text": "age ≥ 70", "text_zh": "年龄≥70岁", "note": "a note",
             "when": {"fact": "age", "op": "gte", "value": 70}}
        )  # fmt: skip
