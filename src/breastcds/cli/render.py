"""Rich rendering of results for the terminal (adapter: no clinical logic)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.table import Table

from breastcds.i18n import Lang, label, value

if TYPE_CHECKING:
    from breastcds.concordance import Report
    from breastcds.model.assessment import Assessment, StageResult

#: Renders one section: (section result, console, lang) -> None.
SectionRenderer = Callable[[Any, Console, Lang], None]

#: Renderers added beyond the built-in ones below (section name -> renderer).
SECTION_RENDERERS: dict[str, SectionRenderer] = {}


def section_renderers() -> dict[str, SectionRenderer]:
    """The terminal renderer of each capability section (imported when first rendered)."""
    from breastcds.cli.omission_render import render as render_radiotherapy
    from breastcds.cli.options_render import render_options
    from breastcds.cli.prognosis_render import render_prognosis

    builtin = {
        "options": render_options,
        "radiotherapy": render_radiotherapy,
        "prognosis": render_prognosis,
    }
    return {**builtin, **SECTION_RENDERERS}


def _stage_text(s: StageResult, lang: Lang) -> str:
    tnm = " ".join(x or "?" for x in (s.t, s.n, s.m))
    stage = s.anatomic or label("not_assignable", lang)
    text = f"{tnm} → {label('anatomic', lang)} {stage}"
    if s.prognostic is not None:
        text += f"; {label('prognostic', lang)} {s.prognostic.stage or s.prognostic.status}"
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
        her2 += f" (ISH group {c.her2.ish_group})"
    table.add_row(label("her2", lang), her2, "; ".join(c.her2.reasons + c.her2.comments))
    table.add_row(label("er", lang), value(c.er.status, lang), "; ".join(c.er.reasons))
    table.add_row(label("pr", lang), value(c.pr.status, lang), "; ".join(c.pr.reasons))
    table.add_row(label("ki67", lang), value(c.ki67.group, lang), "; ".join(c.ki67.reasons))
    table.add_row(
        label("subtype", lang), value(c.subtype.subtype, lang), "; ".join(c.subtype.reasons)
    )
    for key, s in (("stage_path", c.stage_pathological), ("stage_clin", c.stage_clinical)):
        table.add_row(label(key, lang), _stage_text(s, lang), "; ".join(s.reasons))
    console.print(table)
    renderers = section_renderers()
    for name, section in a.sections.items():
        renderer = renderers.get(name)
        if renderer is not None:
            renderer(section, console, lang)
        else:
            console.rule(name)
            payload = section.model_dump(mode="json") if hasattr(section, "model_dump") else section
            console.print_json(json.dumps(payload, ensure_ascii=False, default=str))
    if a.warnings:
        console.print(f"[bold yellow]{label('warnings', lang)}:[/]")
        for w in a.warnings:
            console.print(f"  • {w.field}: {w.message}", highlight=False)
    if a.missing:
        console.print(f"[bold magenta]{label('missing', lang)}:[/]")
        for m in a.missing:
            console.print(f"  • {m.field}: {m.reason}", highlight=False)
    p = a.provenance
    console.print(
        f"[dim]{label('provenance', lang)}: breastcds {p.breastcds_version}, knowledge "
        f"{p.knowledge_version}, case schema {p.case_schema_version}, {p.assessed_at}[/]",
        highlight=False,
    )


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
