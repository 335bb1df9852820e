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
from rich.markup import escape
from rich.table import Table

from breastcds.cli.render import SECTION_RENDERERS
from breastcds.i18n import (
    Lang,
    criterion_label,
    fact_label,
    field_label,
    label,
    rt_course_decision,
    rt_summary,
    text,
    value,
)
from breastcds.knowledge.grading import regimen_grade_text
from breastcds.knowledge.schema_rt_omission import Outcome
from breastcds.radiotherapy.omission import RadiotherapyResult, SetResult, outcome_text

__all__ = ["register", "render"]

_KEYS = {
    "title": "section_radiotherapy", "omission": "rt_omission_sets", "set": "trial",
    "verdict": "verdict", "why": "fails_because", "expected": "outcomes",
    "fractionation": "fractionation_sets", "meaning": "meaning", "regimens": "regimens",
    "guidelines": "guideline_positions", "caveats": "caveats", "assumed": "assumed",
    "needs": "needs", "not_recorded": "not_recorded", "requires": "requires",
    "expected_lr": "expected_lr", "role_supports_omission": "role_supports_omission",
    "role_ongoing_trial": "role_ongoing_trial",
    "role_rt_benefit_evidence": "role_rt_benefit_evidence",
}  # fmt: skip
_VERDICT: dict[str, tuple[str, str, str]] = {
    "meets": ("meets", "符合", "green"),
    "fails": ("fails", "不符合", "red"),
    "insufficient_data": ("insufficient data", "资料不足", "yellow"),
}


def _t(key: str, lang: Lang) -> str:
    return label(_KEYS[key], lang)


def _verdict(v: str, lang: Lang) -> str:
    colour = _VERDICT.get(v, ("", "", "white"))[2]
    return f"[{colour}]{value(v, lang)}[/]"


def _value(v: Any, lang: Lang) -> str:
    return value(v, lang)


def _why(r: SetResult, lang: Lang) -> str:
    lines = []
    for c in r.failed:
        values = ", ".join(
            f"{fact_label(k, lang)} = {_value(v, lang)}" for k, v in c.values.items()
        )
        lines.append(f"✗ {criterion_label(c.name, lang)}: {values} ({_t('requires', lang)} "
                     f"{text(c.requirement, lang)})")  # fmt: skip
    for c in r.unknown:
        fields = ", ".join(field_label(f, lang) for f in c.missing_fields)
        lines.append(f"? {criterion_label(c.name, lang)}: {_t('needs', lang)} {fields} "
                     f"({text(c.requirement, lang)})")  # fmt: skip
    return "\n".join(lines)


def _outcome(o: Outcome, lang: Lang) -> str:
    """A reported outcome: as :func:`outcome_text` writes it, or in Chinese with the
    knowledge's own endpoint wording ("局部或区域复发（10年）：未放疗 10%，放疗 2%")."""
    if lang != "zh":
        return outcome_text(o)
    when = f"（{o.years:g}年）" if o.years is not None else ""
    if o.without_rt_percent is None and o.with_rt_percent is None:
        return f"{text(o.endpoint, lang)}{when}：{text(o.note, lang) if o.note else '未报告'}"
    parts = [f"未放疗 {o.without_rt_percent:g}%"] if o.without_rt_percent is not None else []
    if o.with_rt_percent is not None:
        parts.append(f"放疗 {o.with_rt_percent:g}%")
    return f"{text(o.endpoint, lang)}{when}：" + "，".join(parts)


def _regimen(name: str, grade: str, lang: Lang) -> str:
    """A regimen's name, with its CSCO grade and table row when the knowledge records one."""
    return f"{text(name, lang)} [{grade}]" if grade else text(name, lang)


def render(section: Any, console: Console, lang: Lang = "en") -> None:
    """Render a :class:`RadiotherapyResult` (or its JSON dict) to the console."""
    r = (
        section
        if isinstance(section, RadiotherapyResult)
        else RadiotherapyResult.model_validate(section)
    )
    console.rule(_t("title", lang))
    data = r.model_dump(mode="json")
    console.print(f"[bold]{rt_summary(data, lang)}[/]", highlight=False)
    for line in rt_course_decision(data, lang):  # a presumption of the course decision
        console.print(f"[yellow]{escape(line)}[/]", highlight=False)
    if not r.applicable:
        for m in r.missing:
            console.print(f"  • {_t('needs', lang)} {field_label(m.field, lang)}: "
                          f"{text(m.reason, lang)}", highlight=False)  # fmt: skip
        return
    for a in r.assumptions:
        console.print(f"[dim]{_t('assumed', lang)}: {text(a, lang)}[/]", highlight=False)

    table = Table(title=_t("omission", lang), show_lines=True)
    for key in ("set", "verdict", "why", "expected"):
        table.add_column(_t(key, lang), overflow="fold")
    for s in r.omission:
        role = _t(f"role_{s.role}", lang) if s.role else ""
        outcomes = "\n".join(_outcome(o, lang) for o in s.outcomes)
        table.add_row(f"{text(s.name, lang)}\n[dim]{role}[/]", _verdict(s.verdict, lang),
                      _why(s, lang), outcomes)  # fmt: skip
    console.print(table)

    if r.fractionation is not None:
        regimens = {g.id: _regimen(g.name, regimen_grade_text(g.grading, lang), lang)
                    for g in r.fractionation.regimens}  # fmt: skip
        ft = Table(title=_t("fractionation", lang), show_lines=True)
        for key in ("set", "verdict", "meaning", "why"):
            ft.add_column(_t(key, lang), overflow="fold")
        for s in r.fractionation.sets:
            meaning = text(s.meaning or "", lang)
            if s.regimens:
                meaning += "\n" + "; ".join(regimens.get(x, x) for x in s.regimens)
            ft.add_row(text(s.name, lang), _verdict(s.verdict, lang), meaning, _why(s, lang))
        console.print(ft)

    console.print(f"[bold]{_t('guidelines', lang)}:[/]")
    positions = r.guideline_positions + (r.fractionation.positions if r.fractionation else [])
    for g in positions:
        console.print(f"  • {g.body} {g.year}: {text(g.text, lang)} [dim]({g.source})[/]",
                      highlight=False)  # fmt: skip
    console.print(f"[bold]{_t('caveats', lang)}:[/]")
    for c in r.caveats:
        console.print(f"  • {text(c.text, lang)} [dim]({c.source})[/]", highlight=False)
    for m in r.missing:
        console.print(f"  • {_t('needs', lang)} {field_label(m.field, lang)} ({m.field}): "
                      f"{text(m.reason, lang)}", highlight=False)  # fmt: skip


def register(_app: typer.Typer) -> None:
    """Register the ``radiotherapy`` section renderer (no new command)."""
    SECTION_RENDERERS["radiotherapy"] = render
