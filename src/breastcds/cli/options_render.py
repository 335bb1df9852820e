"""Rich renderer of the ``options`` section (adapter only: no clinical logic).

Per decision point: ranked options with grade, pivotal trial/source and the matched criteria;
items for discussion; what is not recommended; near-misses ("not offered because ...");
missing-data prompts naming the case field. ``--lang zh`` shows the Chinese text and names.
"""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from breastcds.i18n import Lang
from breastcds.options.engine import DecisionPointOptions, OfferedOption, OptionsResult

_L: dict[str, tuple[str, str]] = {
    "title": ("Treatment options", "治疗选择"),
    "rank": ("#", "序号"),
    "option": ("Option", "方案"),
    "grade": ("Grade", "推荐级别"),
    "source": ("Evidence / source", "证据/来源"),
    "why": ("Why (criteria met)", "依据(满足条件)"),
    "discuss": ("For discussion", "需讨论"),
    "avoid": ("Not recommended", "不推荐"),
    "near": ("Not offered (just missed)", "未推荐(差一项条件)"),
    "prompts": ("Needs (missing data)", "需补充资料"),
    "conflict": ("Conflict", "冲突"),
    "cautions": ("Cautions", "注意"),
    "not_verified": ("grade not verified", "推荐级别未核实"),
    "blocked": ("Blocked by safety guard", "安全拦截"),
    "decision": ("Decision point", "决策节点"),
}
_DP_ZH = {
    "surgery": "手术", "axilla": "腋窝处理", "neoadjuvant": "新辅助治疗", "adjuvant": "辅助治疗",
    "post_neoadjuvant": "新辅助治疗后", "extended_adjuvant": "延长辅助治疗",
    "metastatic_line_1": "晚期一线", "metastatic_line_2": "晚期二线",
    "metastatic_line_3plus": "晚期三线及以后", "follow_up": "随访",
}  # fmt: skip


def _t(key: str, lang: Lang) -> str:
    en, zh = _L[key]
    return zh if lang == "zh" else en


def _grade(o: OfferedOption, lang: Lang) -> str:
    if o.grade.status == "not verified":
        return _t("not_verified", lang)
    return o.grade.label


def _option_text(o: OfferedOption, lang: Lang) -> str:
    if lang == "zh":
        names = escape("、".join(o.agents_zh))
        return escape(o.text_zh) + (f"\n[dim]{names}[/]" if names else "")
    names = escape(", ".join(o.agents))
    text = f"[bold]{escape(o.regimen)}[/]\n{escape(o.text_en)}"
    return text + (f"\n[dim]{names}[/]" if names else "")


def _point(p: DecisionPointOptions, console: Console, lang: Lang) -> None:
    dp = _DP_ZH.get(p.decision_point, p.decision_point) if lang == "zh" else p.decision_point
    suffix = " (inferred)" if p.inferred and lang == "en" else (" (推断)" if p.inferred else "")
    console.rule(f"{_t('title', lang)} — {_t('decision', lang)}: {dp}{suffix}")
    for c in p.conflicts:
        console.print(f"[bold red]{_t('conflict', lang)}:[/] {escape(c)}", highlight=False)
    if p.options:
        table = Table(show_lines=True, expand=False)
        for col in ("rank", "option", "grade", "source", "why"):
            table.add_column(_t(col, lang), overflow="fold")
        for o in p.options:
            why = escape("; ".join(o.matched))
            if o.cautions:
                why += f"\n[yellow]{_t('cautions', lang)}: " + escape("; ".join(o.cautions)) + "[/]"
            table.add_row(str(o.rank), _option_text(o, lang), escape(_grade(o, lang)),
                          escape("\n".join(o.sources)), why)  # fmt: skip
        console.print(table)
    for key, items in (("discuss", p.discuss), ("avoid", p.not_recommended)):
        if items:
            console.print(f"[bold cyan]{_t(key, lang)}:[/]")
            for o in items:
                text = o.text_zh if lang == "zh" else o.text_en
                src = escape("; ".join(o.sources))
                console.print(f"  • {escape(text)} [dim]({src})[/]", highlight=False)
    near = [n for n in p.not_offered if n.near_miss]
    if near:
        console.print(f"[bold]{_t('near', lang)}:[/]")
        for n in near:
            console.print(f"  • {escape(n.regimen)}: {escape('; '.join(n.because))}",
                          highlight=False)  # fmt: skip
    if p.blocked:
        console.print(f"[bold red]{_t('blocked', lang)}:[/]")
        for n in p.blocked:
            console.print(f"  • {escape(n.regimen)}: {escape('; '.join(n.because))}",
                          highlight=False)  # fmt: skip
    if p.prompts:
        console.print(f"[bold magenta]{_t('prompts', lang)}:[/]")
        for pr in p.prompts:
            console.print(f"  • {escape(pr.field)}: {escape(pr.reason)}", highlight=False)


def render_options(section: Any, console: Console, lang: Lang = "en") -> None:
    """Render an :class:`OptionsResult` (or its JSON dict) to the console."""
    result = (
        section if isinstance(section, OptionsResult) else OptionsResult.model_validate(section)
    )
    for p in result.decision_points:
        _point(p, console, lang)
    console.print(f"[dim]knowledge {result.knowledge_version}[/]", highlight=False)


def register() -> None:
    from breastcds.cli.render import SECTION_RENDERERS

    SECTION_RENDERERS["options"] = render_options
