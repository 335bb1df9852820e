"""Terminal rendering of the ``reirradiation`` section of ``breastcds assess`` (adapter).

Classification, interval and recovery, then one row per organ (cumulative EQD2 against its
limit, verdict) and the reasons behind each verdict, selection factors not recorded and the
reporting items missing; English or Simplified Chinese.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from breastcds.i18n import Lang, field_label, label, organ_label, text, value

__all__ = ["render"]

_COLOUR = {"within": "green", "exceeds": "bold red", "cannot_assess": "yellow"}


def _gy(v: Any, lang: Lang) -> str:
    return value(None, lang) if v is None else f"{float(v):.1f}"


def render(section: Any, console: Console, lang: Lang = "en") -> None:
    """Render a re-irradiation result (model or its JSON dict) to the console."""
    data: Mapping[str, Any] = (
        section.model_dump(mode="json") if hasattr(section, "model_dump") else section
    )
    console.rule(label("section_reirradiation", lang))
    c = data.get("classification") or {}
    console.print(
        f"[bold]{label('esto_classification', lang)}:[/] {escape(value(c.get('category'), lang))}",
        highlight=False,
    )
    for r in c.get("reasons") or []:
        console.print(f"  • {escape(text(r, lang))}", highlight=False)
    for f in c.get("missing") or []:
        console.print(f"  [yellow]{label('record', lang)}:[/] {escape(field_label(f, lang))}",
                      highlight=False)  # fmt: skip
    months = data.get("interval_months")
    interval = value(None, lang) if months is None else f"{months:.1f} {label('months', lang)}"
    console.print(f"[bold]{label('interval', lang)}:[/] {interval}", highlight=False)
    rec = data.get("recovery_fraction_of_prior")
    if isinstance(rec, int | float):
        stated = (
            label("stated", lang)
            if data.get("recovery_stated")
            else label("not_stated_default", lang)
        )
        console.print(f"[bold]{label('recovery', lang)}:[/] {rec:.0%} ({stated})",
                      highlight=False)  # fmt: skip
    table = Table(title=label("reirradiation_verdicts", lang), show_lines=False)
    table.add_column(label("organ", lang))
    table.add_column(label("metric", lang))
    for key in ("eqd2_prior_after_recovery", "eqd2_planned", "eqd2_cumulative", "limit"):
        table.add_column(label(key, lang), justify="right")
    table.add_column(label("verdict", lang))
    organs = [o for o in data.get("organs") or [] if isinstance(o, Mapping)]
    for o in organs:
        verdict = str(o.get("verdict"))
        table.add_row(
            organ_label(str(o.get("organ")), lang), str(o.get("metric", "")),
            _gy(o.get("eqd2_prior_after_recovery_gy"), lang), _gy(o.get("eqd2_planned_gy"), lang),
            _gy(o.get("cumulative_eqd2_gy"), lang),
            _gy(o.get("limit_eqd2_gy"), lang) if o.get("limit_eqd2_gy") is not None
            else label("plot_no_limit", lang),
            f"[{_COLOUR.get(verdict, 'white')}]{escape(value(verdict, lang))}[/]",
        )  # fmt: skip
    console.print(table)
    for o in organs:
        console.print(f"[bold]{organ_label(str(o.get('organ')), lang)} {o.get('metric', '')}[/]",
                      highlight=False)  # fmt: skip
        for r in o.get("reasons") or []:
            console.print(f"  • {escape(text(r, lang))}", highlight=False)
        for k in o.get("conditions") or []:
            console.print(
                f"  • {escape(text(k['requirement'], lang))}: {escape(value(k['status'], lang))}"
                f" ({escape(text(k['detail'], lang))})", highlight=False)  # fmt: skip
    unrecorded = [f for f in data.get("selection_factors") or [] if not f.get("recorded")]
    if unrecorded:
        names = ", ".join(field_label(str(f["name"]), lang) for f in unrecorded)
        console.print(f"[yellow]{label('selection_factors', lang)} · {value(None, lang)}:[/] "
                      f"{escape(names)}", highlight=False)  # fmt: skip
    items = data.get("missing_reporting_items") or []
    if items:
        names = ", ".join(field_label(str(i), lang) for i in items)
        console.print(f"[yellow]{label('missing_reporting_items', lang)}:[/] {escape(names)}",
                      highlight=False)  # fmt: skip
