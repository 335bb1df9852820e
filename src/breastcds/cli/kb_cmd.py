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
    ) -> None:
        """Check sources, grades, facts, safety, contradictions and (with -c) test coverage."""
        from rich.console import Console
        from rich.markup import escape

        from breastcds.options.lint import lint

        err = stderr()

        report = lint(kb_dir=kb_dir, coverage=coverage)
        for note in report.notes:
            err.print(f"[dim]note:[/] {escape(note)}", highlight=False)
        for e in report.errors:
            err.print(f"[bold red]error:[/] {escape(e)}", highlight=False)
        summary = f"{report.rules} rules, {report.fixtures} fixtures, {len(report.errors)} errors"
        (err if report.errors else Console()).print(summary, highlight=False)
        if report.errors:
            raise typer.Exit(1)

    @kb.command("rule")
    def rule_cmd(
        rule_id: Annotated[str, typer.Argument(help="rule id, e.g. her2pos.post_neoadjuvant.tdm1")],
        fmt: Annotated[str, typer.Option("--format", "-f", help="text | json")] = "text",
        lang: Annotated[str, typer.Option("--lang", help="en | zh")] = "en",
    ) -> None:
        """Show one rule: conditions, option, grade, sources and text."""
        from rich.console import Console
        from rich.markup import escape

        from breastcds.options.engine import condition_text
        from breastcds.options.schema import load_kb

        err = stderr()

        kbase = load_kb()
        try:
            rule = kbase.rule(rule_id)
        except KeyError:
            err.print(f"[bold red]error:[/] no rule {rule_id!r}", highlight=False)
            raise typer.Exit(2) from None
        if fmt == "json":
            payload = rule.model_dump(mode="json", by_alias=True)
            sys.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2) + "\n")
            return
        out = Console()
        drugs = kbase.drugs.by_inn()
        names = [drugs[a].zh if lang == "zh" else a for a in rule.option.agents]
        out.print(f"[bold]{rule.id}[/] ({kbase.pathway_of(rule.id)}; since {rule.since})")
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
