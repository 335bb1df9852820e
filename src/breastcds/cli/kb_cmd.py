"""``breastcds kb lint`` and ``breastcds kb rule ID``: knowledge-base adapters."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from breastcds.cli.core_cmd import stderr


def register(app: typer.Typer) -> None:
    """Add the ``kb`` command group."""
    kb = typer.Typer(help="Treatment-option knowledge base: lint and inspect rules.",
                     no_args_is_help=True)  # fmt: skip
    app.add_typer(kb, name="kb")

    @kb.command("lint")
    def lint_cmd(
        coverage: Annotated[
            Path | None,
            typer.Option("--coverage", "-c", help="coverage fixtures (YAML file or folder)"),
        ] = None,
        kb_dir: Annotated[
            Path | None, typer.Option("--kb", help="pathway folder instead of the packaged one")
        ] = None,
        csco_areas: Annotated[
            bool,
            typer.Option(
                "--csco-areas",
                help="print the CSCO-area denominator table (Markdown) of the option rules",
            ),
        ] = False,
    ) -> None:
        """Check sources, grades, facts, safety, contradictions and (with -c) test coverage."""
        from rich.console import Console
        from rich.markup import escape

        from breastcds.entrypoint import classify
        from breastcds.options.lint import lint

        err = stderr()

        report = lint(kb_dir=kb_dir, coverage=coverage, classify=classify)
        for note in report.notes:
            err.print(f"[dim]note:[/] {escape(note)}", highlight=False)
        for e in report.errors:
            err.print(f"[bold red]error:[/] {escape(e)}", highlight=False)
        summary = f"{report.rules} rules, {report.fixtures} fixtures, {len(report.errors)} errors"
        (err if report.errors else Console()).print(summary, highlight=False)
        if csco_areas:
            errors = _print_csco_areas(kb_dir)
            if errors:
                raise typer.Exit(1)
        if report.errors:
            raise typer.Exit(1)

    @kb.command("rule")
    def rule_cmd(
        rule_id: Annotated[
            str, typer.Argument(help="any knowledge id, e.g. her2pos.post_neoadjuvant.tdm1")
        ],
        fmt: Annotated[str, typer.Option("--format", "-f", help="text | json")] = "text",
        lang: Annotated[str, typer.Option("--lang", help="en | zh")] = "en",
    ) -> None:
        """Show one knowledge entry by id (option rule, criteria set, constraint...) and its file.

        Option rules are shown with their conditions, option, grade, sources and text.
        """
        from breastcds.knowledge.index import lookup

        if fmt not in ("text", "json"):
            stderr().print(f"[bold red]error:[/] --format must be text or json, not {fmt!r}")
            raise typer.Exit(2)
        found = lookup(rule_id)
        if not found:
            stderr().print(f"[bold red]error:[/] no knowledge entry with id {rule_id!r}",
                           highlight=False)  # fmt: skip
            raise typer.Exit(2)
        if fmt == "json":
            payload = [
                {"id": e.id, "file": e.file, "kind": e.kind, "path": e.path, "entry": e.entry}
                for e in found
            ]
            text = json.dumps(payload, ensure_ascii=False, indent=2, default=str)
            sys.stdout.write(text + "\n")
            return
        for e in found:
            if not _show_option_rule(e.id, e.file, lang):
                _show_entry(e.id, e.file, e.kind, e.path, e.entry)


def _print_csco_areas(kb_dir: Path | None) -> list[str]:
    """The CSCO-area denominator table on stdout; errors (unclassified rules) on stderr."""
    from rich.markup import escape

    from breastcds.options.csco_areas import denominator, markdown
    from breastcds.options.schema import load_kb, load_kb_dir

    d = denominator(load_kb() if kb_dir is None else load_kb_dir(kb_dir))
    sys.stdout.write(markdown(d) + "\n")
    errors = d.errors()
    for e in errors:
        stderr().print(f"[bold red]error:[/] {escape(e)}", highlight=False)
    return errors


def _show_entry(entry_id: str, file: str, kind: str, path: str, entry: object) -> None:
    """Any knowledge entry: where it is defined, then the entry as YAML."""
    import yaml
    from rich.console import Console
    from rich.markup import escape

    out = Console()
    out.print(f"[bold]{escape(entry_id)}[/] ({escape(file)}, {escape(kind)}: {escape(path)})",
              highlight=False)  # fmt: skip
    text = yaml.safe_dump(entry, allow_unicode=True, sort_keys=False, width=96)
    out.print(escape(text.rstrip()), highlight=False)


def _show_option_rule(rule_id: str, file: str, lang: str) -> bool:
    """An option rule with its conditions, option, grade and sources; False if not one."""
    from rich.console import Console
    from rich.markup import escape

    from breastcds.options.engine import condition_text
    from breastcds.options.schema import load_kb

    if not file.startswith("systemic/"):  # the option-rule pathway files
        return False
    kbase = load_kb()
    try:
        rule = kbase.rule(rule_id)
        pathway = kbase.pathway_of(rule_id)
    except KeyError:
        return False
    out = Console()
    drugs = kbase.drugs.by_inn()
    names = [drugs[a].zh if lang == "zh" else a for a in rule.option.agents]
    out.print(f"[bold]{rule.id}[/] ({pathway}; {file}; since {rule.since})")
    out.print(f"decision points: {', '.join(rule.decision_points)}", highlight=False)
    out.print(f"recommendation: {rule.recommendation}", highlight=False)
    out.print(f"when: {escape(condition_text(rule.when))}", highlight=False)
    for c in rule.unless:
        out.print(f"unless: {escape(condition_text(c))}", highlight=False)
    for c in rule.caution_if:
        out.print(f"caution if: {escape(condition_text(c))}", highlight=False)
    out.print(escape(f"option: {rule.option.regimen} [{', '.join(names)}]"), highlight=False)
    out.print(f"grade: {rule.grading.label()}", highlight=False)
    if rule.grading.verified_in:
        out.print(f"  verified in: {rule.grading.verified_in}", highlight=False)
    for s in rule.source:
        out.print(escape(f"source: {s.cite()}"), highlight=False)
    out.print(escape(rule.text.zh if lang == "zh" else rule.text.en), highlight=False)
    return True
