"""Why each option sits where it does (pure): the reason for the order, in English and Chinese.

Options at a decision point are ordered by :meth:`breastcds.options.schema.Rule.rank_key`:
grade (CSCO level, then NCCN category; verified before "not verified"), then the strength of
the trial result the option rests on (overall survival > breast cancer mortality >
progression-free / disease-free survival > response > no trial endpoint), then the rule's
``priority``. Each option's reason states its own grade and trial result and, below the first,
which of these keys placed it after the option above it.
"""

from __future__ import annotations

from collections.abc import Sequence

from breastcds.options.schema import ENDPOINT_TEXT, Rule, evidence_sort_key


def _evidence(rule: Rule, lang: str) -> str:
    if rule.evidence is None:
        return "trial endpoint not recorded" if lang == "en" else "试验终点未记录"
    return rule.evidence.describe("en" if lang == "en" else "zh")


def _grade(rule: Rule, lang: str) -> str:
    return rule.grading.label() if lang == "en" else rule.grading.label_zh()


def _tier(rule: Rule, lang: str) -> str:
    if rule.evidence is None:
        return _evidence(rule, lang)
    en, zh = ENDPOINT_TEXT[rule.evidence.endpoint]
    return en if lang == "en" else zh


def _why_en(rule: Rule, prev: Rule) -> str:
    if rule.grading.sort_key() != prev.grading.sort_key():
        return f"lower grade ({_grade(rule, 'en')} vs {_grade(prev, 'en')})"
    if evidence_sort_key(rule.evidence) != evidence_sort_key(prev.evidence):
        return (f"same grade; weaker trial result ({_evidence(rule, 'en')} vs "
                f"{_evidence(prev, 'en')})")  # fmt: skip
    if rule.priority != prev.priority:
        return (f"same grade and trial-result strength ({_tier(rule, 'en')}); knowledge-base "
                f"order (priority {rule.priority} vs {prev.priority})")  # fmt: skip
    return "same grade, trial-result strength and priority; listed by rule id"


def _why_zh(rule: Rule, prev: Rule) -> str:
    if rule.grading.sort_key() != prev.grading.sort_key():
        return f"推荐级别较低({_grade(rule, 'zh')},前者为{_grade(prev, 'zh')})"
    if evidence_sort_key(rule.evidence) != evidence_sort_key(prev.evidence):
        return f"推荐级别相同,试验结果较弱({_evidence(rule, 'zh')},前者为{_evidence(prev, 'zh')})"
    if rule.priority != prev.priority:
        return (f"推荐级别及试验结果强度相同({_tier(rule, 'zh')}),按知识库顺序"
                f"(优先级{rule.priority},前者为{prev.priority})")  # fmt: skip
    return "推荐级别、试验结果强度及优先级均相同,按规则编号排列"


def rank_reason(rule: Rule, prev: Rule | None) -> tuple[str, str]:
    """(English, Chinese) reason for ``rule``'s place; ``prev`` is the option ranked just above
    it in the same list (None for the first)."""
    head_en = f"{_grade(rule, 'en')}; {_evidence(rule, 'en')}."
    head_zh = f"{_grade(rule, 'zh')};{_evidence(rule, 'zh')}。"
    if prev is None:
        return f"{head_en} Ranked first.", f"{head_zh}排名第一。"
    en = f"{head_en} Below {prev.option.regimen}: {_why_en(rule, prev)}."
    zh = f"{head_zh}排在{prev.option.regimen}之后:{_why_zh(rule, prev)}。"
    return en, zh


def rank_reasons(ranked: Sequence[Rule]) -> list[tuple[str, str]]:
    """Reasons for an already ranked list (each compared with the one above it)."""
    return [rank_reason(r, ranked[i - 1] if i else None) for i, r in enumerate(ranked)]
