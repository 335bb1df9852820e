"""Rich renderer of the ``options`` section (adapter only: no clinical logic).

Per decision point: ranked options with grade, pivotal trial/source and the matched criteria;
items for discussion; what is not recommended; near-misses ("not offered because ...");
missing-data prompts naming the case field. ``--lang zh`` shows the Chinese text and names.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from breastcds.i18n import Lang, field_label, label, option_name, prompt_reason, text, value
from breastcds.options.engine import DecisionPointOptions, OfferedOption, OptionsResult

_KEYS = {
    "title": "section_options", "rank": "rank", "option": "option", "grade": "grade_evidence",
    "source": "evidence_source", "why": "why_matched", "discuss": "options_discuss",
    "avoid": "options_not_recommended", "near": "near_misses", "prompts": "options_prompts",
    "conflict": "conflict", "cautions": "cautions", "not_verified": "grade_not_verified",
    "blocked": "options_blocked", "decision": "decision_point", "actions": "actions",
}  # fmt: skip


def _t(key: str, lang: Lang) -> str:
    return "#" if key == "rank" else label(_KEYS[key], lang)


def _pick(obj: Any, key: str, lang: Lang) -> str | None:
    """``obj.key_zh`` / ``obj.key_en`` / ``obj.key`` (attribute or mapping) in ``lang``."""
    for k in (f"{key}_{lang}", key, f"{key}_en"):
        v = obj.get(k) if isinstance(obj, Mapping) else getattr(obj, k, None)
        if isinstance(v, Mapping):
            v = v.get(lang) or v.get("en")
        if v:
            return str(v)
    return None


def _action(a: Any, lang: Lang) -> str:
    if isinstance(a, str):
        return value(a, lang)
    return _pick(a, "label", lang) or value(_pick(a, "code", lang), lang)


def _caution(c: Any, lang: Lang) -> str:
    if isinstance(c, str):
        return text(c, lang)
    return _pick(c, "text", lang) or value(_pick(c, "factor", lang), lang)


def _grade(o: OfferedOption, lang: Lang) -> str:
    if o.grade.status == "not verified":
        return _t("not_verified", lang)
    return o.grade.label


def _option_text(o: OfferedOption, lang: Lang) -> str:
    extra = ""
    actions = getattr(o, "actions", None) or []
    if actions:
        extra = f"\n{_t('actions', lang)}: " + escape("; ".join(_action(a, lang) for a in actions))
    if lang == "zh":
        names = escape("、".join(o.agents_zh))
        return escape(o.text_zh) + (f"\n[dim]{names}[/]" if names else "") + extra
    names = escape(", ".join(o.agents))
    body = f"[bold]{escape(o.regimen)}[/]\n{escape(o.text_en)}"
    return body + (f"\n[dim]{names}[/]" if names else "") + extra


def _point(p: DecisionPointOptions, console: Console, lang: Lang) -> None:
    dp = value(p.decision_point, lang)
    suffix = f" ({label('inferred', lang)})" if p.inferred else ""
    console.rule(f"{_t('title', lang)} — {_t('decision', lang)}: {dp}{suffix}")
    why = _pick(p, "reason", lang)
    if why and why.startswith(f"{p.decision_point}:"):  # the heading names the point already
        why = why[len(p.decision_point) + 1 :].strip()
    if why:
        console.print(f"[dim]{label('decision_point_reason', lang)}: {escape(text(why, lang))}[/]",
                      highlight=False)  # fmt: skip
    for c in p.conflicts:
        console.print(f"[bold red]{_t('conflict', lang)}:[/] {escape(text(str(c), lang))}",
                      highlight=False)  # fmt: skip
    if p.options:
        table = Table(show_lines=True, expand=False)
        for col in ("rank", "option", "grade", "source", "why"):
            table.add_column(_t(col, lang), overflow="fold")
        for o in p.options:
            why = escape("; ".join(text(m, lang) for m in o.matched))
            if o.cautions:
                cautions = "; ".join(_caution(c, lang) for c in o.cautions)
                why += f"\n[yellow]{_t('cautions', lang)}: " + escape(cautions) + "[/]"
            table.add_row(str(o.rank), _option_text(o, lang), escape(_grade(o, lang)),
                          escape("\n".join(o.sources)), why)  # fmt: skip
        console.print(table)
    for key, items in (("discuss", p.discuss), ("avoid", p.not_recommended)):
        if items:
            console.print(f"[bold cyan]{_t(key, lang)}:[/]")
            for o in items:
                body = o.text_zh if lang == "zh" else o.text_en
                src = escape("; ".join(o.sources))
                console.print(f"  • {escape(body)} [dim]({src})[/]", highlight=False)
    for key in ("actions", "cautions"):
        found = getattr(p, key, None)
        extra: list[Any] = list((found() if callable(found) else found) or [])
        if extra:
            console.print(f"[bold cyan]{_t(key, lang)}:[/]")
            show = _action if key == "actions" else _caution
            for x in extra:
                console.print(f"  • {escape(show(x, lang))}", highlight=False)
    near = [n for n in p.not_offered if n.near_miss]
    if near:
        console.print(f"[bold]{_t('near', lang)}:[/]")
        for n in near:
            because = "; ".join(text(b, lang) for b in n.because)
            name = option_name(n.rule_id, n.regimen, lang)
            console.print(f"  • {escape(name)}: {escape(because)}", highlight=False)
    if p.blocked:
        console.print(f"[bold red]{_t('blocked', lang)}:[/]")
        for n in p.blocked:
            because = "; ".join(text(b, lang) for b in n.because)
            name = option_name(n.rule_id, n.regimen, lang)
            console.print(f"  • {escape(name)}: {escape(because)}", highlight=False)
    if p.prompts:
        console.print(f"[bold magenta]{_t('prompts', lang)}:[/]")
        for pr in p.prompts:
            console.print(f"  • {escape(field_label(pr.field, lang))} ({pr.field}): "
                          f"{escape(prompt_reason(pr.reason, lang))}", highlight=False)  # fmt: skip


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
