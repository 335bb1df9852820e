"""Terminal rendering of the ``radiotherapy`` section (adapter: no clinical logic).

Per criteria set: meets / fails because (patient value vs threshold) / missing fields, and the
reported local-recurrence figures; then fractionation, partial-breast and boost sets, guideline
positions and caveats. ``lang="zh"`` gives Simplified Chinese headings and verdicts (criterion
texts stay as their sources state them).
"""

from __future__ import annotations

from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from breastcds.cli.render import SECTION_RENDERERS
from breastcds.i18n import Lang
from breastcds.radiotherapy.omission import RadiotherapyResult, SetResult, outcome_text

__all__ = ["register", "render"]

_TEXT: dict[str, tuple[str, str]] = {
    "title": ("Radiotherapy after breast-conserving surgery", "保乳术后放疗"),
    "omission": ("RT omission: criteria sets", "免除放疗：各研究/指南入组标准"),
    "set": ("Trial / guideline", "研究 / 指南"),
    "verdict": ("Verdict", "结论"),
    "why": ("Fails because / missing", "不符合原因 / 缺失资料"),
    "expected": ("Reported outcomes", "报告结局"),
    "fractionation": ("Fractionation, partial breast, boost", "分割方案、部分乳腺照射、瘤床加量"),
    "meaning": ("Meaning when met", "符合时的含义"),
    "regimens": ("Regimens", "方案"),
    "guidelines": ("Guideline positions", "指南意见"),
    "caveats": ("Caveats", "注意事项"),
    "assumed": ("Assumed", "假设"),
    "needs": ("Needs", "需补充"),
    "not_recorded": ("not recorded", "未记录"),
    "requires": ("requires", "要求"),
    "expected_lr": ("expected local recurrence", "预期局部复发"),
    "role_supports_omission": ("supports omission", "支持免除"),
    "role_ongoing_trial": ("ongoing trial", "进行中研究"),
    "role_rt_benefit_evidence": ("RT benefit evidence", "放疗获益证据"),
}
_VERDICT: dict[str, tuple[str, str, str]] = {
    "meets": ("meets", "符合", "green"),
    "fails": ("fails", "不符合", "red"),
    "insufficient_data": ("insufficient data", "资料不足", "yellow"),
}


def _t(key: str, lang: Lang) -> str:
    en, zh = _TEXT[key]
    return zh if lang == "zh" else en


def _verdict(v: str, lang: Lang) -> str:
    en, zh, colour = _VERDICT[v]
    return f"[{colour}]{zh if lang == 'zh' else en}[/]"


def _value(v: Any, lang: Lang) -> str:
    if v is None:
        return _t("not_recorded", lang)
    if isinstance(v, bool):
        return "true" if v else "false"
    return f"{v:g}" if isinstance(v, float) else str(v)


def _why(r: SetResult, lang: Lang) -> str:
    lines = []
    for c in r.failed:
        values = ", ".join(f"{k} = {_value(v, lang)}" for k, v in c.values.items())
        lines.append(f"✗ {c.name}: {values} ({_t('requires', lang)} {c.requirement})")
    for c in r.unknown:
        fields = ", ".join(c.missing_fields)
        lines.append(f"? {c.name}: {_t('needs', lang)} {fields} ({c.requirement})")
    return "\n".join(lines)


def _summary_zh(r: RadiotherapyResult, names: dict[str, str]) -> str:
    s = r.summary
    if s.verdict == "discuss":
        text = "可讨论免除放疗（符合：" + "、".join(names[i] for i in s.meets) + "）"
        if "; expected local recurrence — " in s.text:  # the figures, as the sources report them
            text += "；预期局部复发：" + s.text.split("; expected local recurrence — ", 1)[1]
        return text
    if s.verdict == "insufficient_data":
        fields = sorted({m.field for m in r.missing})
        return "资料不足，暂无法判断是否可免除放疗（需补充：" + "、".join(fields) + "）"
    if s.verdict == "not_supported":
        closest = names.get(s.closest or "", s.closest or "")
        return f"不支持免除放疗（最接近：{closest}，不符合：" + "、".join(s.closest_failed) + "）"
    return "不适用：" + (r.not_applicable_reason or "")


def render(section: Any, console: Console, lang: Lang = "en") -> None:
    """Render a :class:`RadiotherapyResult` (or its JSON dict) to the console."""
    r = (
        section
        if isinstance(section, RadiotherapyResult)
        else RadiotherapyResult.model_validate(section)
    )
    console.rule(_t("title", lang))
    names = {s.id: s.name for s in r.omission}
    summary = _summary_zh(r, names) if lang == "zh" else r.summary.text
    console.print(f"[bold]{summary}[/]", highlight=False)
    if not r.applicable:
        for m in r.missing:
            console.print(f"  • {_t('needs', lang)} {m.field}: {m.reason}", highlight=False)
        return
    for a in r.assumptions:
        console.print(f"[dim]{_t('assumed', lang)}: {a}[/]", highlight=False)

    table = Table(title=_t("omission", lang), show_lines=True)
    for key in ("set", "verdict", "why", "expected"):
        table.add_column(_t(key, lang), overflow="fold")
    for s in r.omission:
        role = _t(f"role_{s.role}", lang) if s.role else ""
        outcomes = "\n".join(outcome_text(o) for o in s.outcomes)
        table.add_row(f"{s.name}\n[dim]{role}[/]", _verdict(s.verdict, lang), _why(s, lang),
                      outcomes)  # fmt: skip
    console.print(table)

    if r.fractionation is not None:
        regimens = {g.id: g.name for g in r.fractionation.regimens}
        ft = Table(title=_t("fractionation", lang), show_lines=True)
        for key in ("set", "verdict", "meaning", "why"):
            ft.add_column(_t(key, lang), overflow="fold")
        for s in r.fractionation.sets:
            meaning = s.meaning or ""
            if s.regimens:
                meaning += "\n" + "; ".join(regimens.get(x, x) for x in s.regimens)
            ft.add_row(s.name, _verdict(s.verdict, lang), meaning, _why(s, lang))
        console.print(ft)

    console.print(f"[bold]{_t('guidelines', lang)}:[/]")
    positions = r.guideline_positions + (r.fractionation.positions if r.fractionation else [])
    for g in positions:
        console.print(f"  • {g.body} {g.year}: {g.text} [dim]({g.source})[/]", highlight=False)
    console.print(f"[bold]{_t('caveats', lang)}:[/]")
    for c in r.caveats:
        console.print(f"  • {c.text} [dim]({c.source})[/]", highlight=False)
    for m in r.missing:
        console.print(f"  • {_t('needs', lang)} {m.field}: {m.reason}", highlight=False)


def register(_app: typer.Typer) -> None:
    """Register the ``radiotherapy`` section renderer (no new command)."""
    SECTION_RENDERERS["radiotherapy"] = render
