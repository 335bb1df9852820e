"""Terminal rendering of the ``prognosis`` section and the ``prognosis-plot`` command (adapter)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from breastcds.cli.core_cmd import fail, load_case_input, report_validation

if TYPE_CHECKING:  # imported when used (the prognosis-plot command is registered at start-up)
    from rich.console import Console

    from breastcds.i18n import Lang
    from breastcds.prognosis.section import CTS5Section, ModelResult, NPISection, Outcome

_KEYS = {
    "title": "section_prognosis", "regimen": "regimen", "os": "os_pct", "added": "added_benefit",
    "total": "total_benefit", "surgery": "surgery_only", "endocrine": "plus_endocrine",
    "chemotherapy": "plus_chemotherapy", "trastuzumab": "plus_trastuzumab",
    "bisphosphonate": "plus_bisphosphonate", "radiotherapy": "plus_radiotherapy",
    "years": "years_5_10_15", "mapping": "mapping", "bcm": "bcm", "not_shown": "not_shown",
    "npi": "npi", "cts5": "cts5", "group": "group",
}  # fmt: skip


def _t(key: str, lang: Lang) -> str:
    """A label of the one label table (statuses such as ``needs_data`` by their value)."""
    from breastcds.i18n import label, value

    return label(_KEYS[key], lang) if key in _KEYS else value(key, lang)


def _triple(values: dict[int, float] | None, signed: bool = False) -> str:
    if values is None:
        return "—"
    fmt = "{:+.1f}" if signed else "{:.1f}"
    # round first so that a tiny negative shows as 0.0, not -0.0
    return " / ".join(fmt.format(round(values[y], 1) + 0.0) for y in (5, 10, 15))


def _regimen_label(o: Outcome, lang: Lang) -> str:
    return _t("surgery", lang) if o.added is None else _t(o.added, lang)


def _model_table(m: ModelResult, console: Console, lang: Lang) -> None:
    status = _t(m.status, lang)
    if m.status != "computed":
        console.print(f"[bold]{m.model}[/]: [yellow]{status}[/]", highlight=False)
        from breastcds.i18n import field_label, label, text

        for r in m.reasons:
            console.print(f"  • {text(r, lang)}", highlight=False)
        for x in m.missing:
            console.print(f"  • {label('needs', lang)} {field_label(x.field, lang)} "
                          f"({x.field}): {text(x.reason, lang)}", highlight=False)  # fmt: skip
        return
    from rich.table import Table

    table = Table(title=f"{m.model} ({_t('years', lang)})", show_lines=False)
    table.add_column(_t("regimen", lang))
    table.add_column(_t("os", lang), justify="right")
    table.add_column(_t("added", lang), justify="right")
    table.add_column(_t("total", lang), justify="right")
    for o in m.outcomes:
        table.add_row(
            _regimen_label(o, lang),
            _triple(o.overall_survival_pct),
            _triple(o.added_benefit_pp, signed=True),
            _triple(o.total_benefit_pp, signed=True),
        )
    console.print(table)
    first = m.outcomes[0]
    if first.breast_cancer_mortality_pct is not None:
        console.print(
            f"  {_t('bcm', lang)}: {_triple(first.breast_cancer_mortality_pct)} % ({m.model})",
            highlight=False,
        )
    for c in m.components:
        if c.status != "included":
            console.print(
                f"  [dim]{_t(c.treatment, lang)} {_t('not_shown', lang)}: {c.reason}[/]",
                highlight=False,
            )


def _npi_line(n: NPISection, lang: Lang) -> str:
    if n.status == "computed":
        return (
            f"{_t('npi', lang)}: {n.index:.2f} — {_t('group', lang)} {n.group} ({n.group_classic})"
        )
    detail = "; ".join(n.reasons + [f"{x.field}" for x in n.missing])
    return f"{_t('npi', lang)}: {_t(n.status, lang)} ({detail})"


def _cts5_line(c: CTS5Section, lang: Lang) -> str:
    if c.status == "computed" and c.score is not None and c.risk_band_pct is not None:
        lo, hi = c.risk_band_pct
        band = (
            f"< {hi:g} %" if lo is None else (f"> {lo:g} %" if hi is None else f"{lo:g}-{hi:g} %")
        )
        return (
            f"{_t('cts5', lang)}: {c.score:.2f} — {c.risk_group}, {band} distant recurrence "
            "years 5-10 (after 5 years of endocrine therapy)"
        )
    detail = "; ".join(c.reasons + [f"{x.field}" for x in c.missing])
    return f"{_t('cts5', lang)}: {_t(c.status, lang)} ({detail})"


def render_prognosis(section: Any, console: Console, lang: Lang = "en") -> None:
    """Compact rendering: PREDICT tables (v3.2 primary, v2.2), notes, NPI, CTS5."""
    from breastcds.i18n import text
    from breastcds.prognosis.section import PrognosisSection

    s = PrognosisSection.model_validate(section)
    console.rule(_t("title", lang))
    for r in s.reasons:
        console.print(f"[yellow]{_t('not_applicable', lang)}:[/] {text(r, lang)}", highlight=False)
    for m in (s.predict_v32, s.predict_v22):
        _model_table(m, console, lang)
    if s.mapping:
        console.print(f"[bold]{_t('mapping', lang)}[/]")
        for note in s.mapping:
            mark = "[bold yellow]![/] " if note.flag else "  "
            console.print(f" {mark}{note.input}: {text(note.text, lang)}", highlight=False)
    console.print(_npi_line(s.npi, lang), highlight=False)
    console.print(_cts5_line(s.cts5, lang), highlight=False)


def register(app: typer.Typer) -> None:
    """Register ``prognosis-plot`` (the section renderer is listed in :mod:`.render`)."""

    @app.command("prognosis-plot")
    def prognosis_plot(
        case_file: Annotated[
            Path | None, typer.Argument(help="case JSON file", show_default=False)
        ] = None,
        out: Annotated[Path, typer.Option("--out", "-o", help="FILE.png or FILE.svg")] = Path(
            "prognosis.png"
        ),
        example: Annotated[
            str | None, typer.Option("--example", "-e", help="plot a bundled example case")
        ] = None,
        heart_dose_gy: Annotated[
            float | None,
            typer.Option(
                "--heart-dose-gy",
                help="mean heart dose of planned radiotherapy (Gy); adds the PREDICT v3.2 "
                "radiotherapy curve",
            ),
        ] = None,
    ) -> None:
        """Plot PREDICT overall-survival curves: surgery only and each cumulative treatment."""
        from breastcds.entrypoint import classify
        from breastcds.model.errors import CaseValidationError
        from breastcds.model.parse import parse_case
        from breastcds.prognosis.plot import FORMATS, write_plot
        from breastcds.prognosis.section import prognosis

        if out.suffix.lower() not in FORMATS:
            raise fail(f"--out must end in .png or .svg, not {out.name!r}")
        data, origin = load_case_input(case_file, example)
        try:
            case = parse_case(data)
        except CaseValidationError as exc:
            raise report_validation(exc, origin) from None
        section = prognosis(case, classify(case), heart_dose_gy=heart_dose_gy)
        try:
            write_plot(section, out)
        except ValueError as exc:
            raise fail(f"{origin}: {exc}") from None
        except OSError as exc:
            raise fail(f"{out}: cannot write ({exc.strerror})") from None
        typer.echo(f"wrote {out}")
