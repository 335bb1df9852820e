"""Rich rendering of results for the terminal (adapter: no clinical logic)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.tree import Tree

from breastcds.i18n import Lang, field_label, key_label, label, text, value

if TYPE_CHECKING:
    from breastcds.capabilities import Assessment
    from breastcds.concordance import Report
    from breastcds.model.assessment import StageResult

#: Renders one section: (section result, console, lang) -> None.
SectionRenderer = Callable[[Any, Console, Lang], None]

#: Renderers added beyond the built-in ones below (section name -> renderer).
SECTION_RENDERERS: dict[str, SectionRenderer] = {}


def section_renderers() -> dict[str, SectionRenderer]:
    """The terminal renderer of each capability section (imported when first rendered); a
    section without one is printed by :func:`render_generic`, never as raw JSON."""
    from breastcds.cli.omission_render import render as render_radiotherapy
    from breastcds.cli.options_render import render_options
    from breastcds.cli.prognosis_render import render_prognosis
    from breastcds.cli.reirradiation_render import render as render_reirradiation

    builtin = {
        "options": render_options,
        "radiotherapy": render_radiotherapy,
        "reirradiation": render_reirradiation,
        "prognosis": render_prognosis,
    }
    return {**builtin, **SECTION_RENDERERS}


def _stage_text(s: StageResult, lang: Lang) -> str:
    tnm = " ".join(x or "?" for x in (s.t, s.n, s.m))
    stage = s.anatomic or label("not_assignable", lang)
    text = f"{tnm} → {label('anatomic', lang)} {stage}"
    if s.prognostic is not None:
        stage = s.prognostic.stage or value(s.prognostic.status, lang)
        text += f"; {label('prognostic', lang)} {stage}"
    return text


def render_assessment(a: Assessment, console: Console, lang: Lang = "en") -> None:
    c = a.classification
    title = f"{label('assessment', lang)} {a.case_id or ''}".strip()
    table = Table(title=title, show_lines=True, expand=False)
    table.add_column(label("item", lang), style="bold")
    table.add_column(label("result", lang))
    table.add_column(label("reasons", lang), overflow="fold")
    her2 = value(c.her2.category, lang)
    if c.her2.ish_group is not None:
        her2 += f" ({label('ish_group', lang)} {c.her2.ish_group})"

    def reasons(items: list[str]) -> str:
        return escape("\n".join(text(r, lang) for r in items))

    table.add_row(label("her2", lang), her2, reasons(c.her2.reasons + c.her2.comments))
    table.add_row(label("er", lang), value(c.er.status, lang), reasons(c.er.reasons))
    table.add_row(label("pr", lang), value(c.pr.status, lang), reasons(c.pr.reasons))
    table.add_row(label("ki67", lang), value(c.ki67.group, lang), reasons(c.ki67.reasons))
    table.add_row(label("subtype", lang), value(c.subtype.subtype, lang),
                  reasons(c.subtype.reasons))  # fmt: skip
    for key, s in (("stage_path", c.stage_pathological), ("stage_clin", c.stage_clinical)):
        table.add_row(label(key, lang), _stage_text(s, lang), reasons(s.reasons))
    console.print(table)
    renderers = section_renderers()
    for name, section in a.sections.items():
        renderer = renderers.get(name)
        if renderer is not None:
            renderer(section, console, lang)
        else:
            render_generic(name, section, console, lang)
    if a.warnings:
        console.print(f"[bold yellow]{label('warnings', lang)}:[/]")
        for w in a.warnings:
            console.print(f"  • {escape(field_label(w.field, lang))} ({w.field}): "
                          f"{escape(text(w.message, lang))}", highlight=False)  # fmt: skip
    if a.missing:
        console.print(f"[bold magenta]{label('missing', lang)}:[/]")
        for m in a.missing:
            console.print(f"  • {escape(field_label(m.field, lang))} ({m.field}): "
                          f"{escape(text(m.reason, lang))}", highlight=False)  # fmt: skip
    p = a.provenance
    console.print(
        f"[dim]{label('provenance', lang)}: breastcds {p.breastcds_version}, knowledge "
        f"{p.knowledge_version}, case schema {p.case_schema_version}, {p.assessed_at}[/]",
        highlight=False,
    )


def render_generic(name: str, section: Any, console: Console, lang: Lang = "en") -> None:
    """Any section without its own renderer, as a readable tree of its fields (never JSON)."""
    title = f"section_{name}"
    from breastcds.i18n import has_label

    console.rule(label(title, lang) if has_label(title) else key_label(name, lang))
    payload = section.model_dump(mode="json") if hasattr(section, "model_dump") else section
    tree = Tree(f"[bold]{escape(key_label(name, lang))}[/]")
    _branch(tree, payload, lang, 0)
    console.print(tree)


def _leaf(v: Any, lang: Lang) -> str:
    if isinstance(v, str) and " " in v:
        return escape(text(v, lang))
    return escape(value(v, lang))


def _branch(tree: Tree, node: Any, lang: Lang, depth: int) -> None:
    if depth > 8:
        tree.add(escape(str(node)))
        return
    if isinstance(node, Mapping):
        drop = "_zh" if lang == "en" else "_en"
        for k, v in node.items():
            if k.endswith(drop) and f"{k[:-3]}_{lang}" in node:
                continue
            name = escape(key_label(k[:-3] if k.endswith(("_en", "_zh")) else k, lang))
            if isinstance(v, Mapping | list) and v:
                _branch(tree.add(f"[bold]{name}[/]"), v, lang, depth + 1)
            else:
                shown = label("none", lang) if isinstance(v, list) else _leaf(v, lang)
                tree.add(f"{name}: {shown}")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            if isinstance(v, Mapping | list):
                _branch(tree.add(f"[dim]{i + 1}[/]"), v, lang, depth + 1)
            else:
                tree.add(_leaf(v, lang))
    else:
        tree.add(_leaf(node, lang))


def render_concordance(report: Report, console: Console) -> None:
    table = Table(title="Concordance per field")
    table.add_column("field")
    table.add_column("agree", justify="right")
    table.add_column("total", justify="right")
    table.add_column("%", justify="right")
    for f in report.fields.values():
        table.add_row(f.field, str(f.agree), str(f.total), f"{100 * f.rate:.1f}")
    console.print(table)
    kinds = ", ".join(f"{k}: {n}" for k, n in report.kind_counts.items())
    console.print(f"vignettes: {len(report.results)} ({kinds}); errors: {report.errors}")
    for f in report.fields.values():
        for d in f.disagreements[:20]:
            console.print(f"  [yellow]{f.field}[/] {d}", highlight=False)
    for r in report.results:
        if "error" in r["actual"]:
            console.print(f"  [red]error[/] {r['id']}: {r['actual']['error']}", highlight=False)
