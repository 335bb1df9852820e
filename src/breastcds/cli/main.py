"""Command-line interface (typer + rich): a thin adapter over the library.

Start-up: importing this module imports typer, the standard library and the command modules,
which define their commands' signatures only; each command imports what it needs (rich, the
case model, numpy, polars, pydicom, the service ...) when it runs.
``tests/cli/test_startup.py`` lists what ``breastcds --version`` and a one-case ``assess``
import; ``benchmarks/startup.py`` times them.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Annotated

import typer

from breastcds.cli import (
    cohort_cmd,
    core_cmd,
    dvh_cmd,
    kb_cmd,
    predict_cmd,
    prognosis_render,
    reirradiation_cmd,
    report_cmd,
    serve_cmd,
)

Registrar = Callable[[typer.Typer], None]

#: Each module's registration adds these top-level commands (and groups), in help order.
REGISTRARS: tuple[tuple[Registrar, tuple[str, ...]], ...] = (
    (core_cmd.register, ("assess", "schema", "example", "concordance")),
    (reirradiation_cmd.register, ("reirradiation",)),
    (predict_cmd.register, ("predict",)),
    (dvh_cmd.register, ("dvh",)),
    (serve_cmd.register, ("serve", "token")),
    (prognosis_render.register, ("prognosis-plot",)),
    (kb_cmd.register, ("kb",)),
    (report_cmd.register, ("report",)),
    (cohort_cmd.register, ("cohort",)),
)


def _print_version(value: bool) -> None:
    if value:
        from breastcds import __version__

        typer.echo(f"breastcds {__version__}")
        raise typer.Exit()


def build(registrars: tuple[Registrar, ...] | None = None) -> typer.Typer:
    """The application with the commands of ``registrars`` (default: every command)."""
    cli = typer.Typer(
        name="breastcds",
        help="Breast cancer clinical decision support: traceable to rules, sources and versions.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
    )

    @cli.callback()
    def main(
        version: Annotated[
            bool,
            typer.Option(
                "--version",
                help="Print the breastcds version and exit.",
                is_eager=True,
                callback=_print_version,
            ),
        ] = False,
    ) -> None:
        """Breast cancer clinical decision support: traceable to rules, sources and versions."""

    for register in registrars if registrars is not None else (r for r, _ in REGISTRARS):
        register(cli)
    return cli


#: Every command (help, tests, ``python -m``-style use).
app = build()


def run() -> None:
    """Console entry point: typer inspects the parameters of the commands it is given when it
    starts, so the invoked command's module alone is registered (``--version`` needs none);
    help, no arguments or an unknown command get the whole application."""
    args = sys.argv[1:]
    first = next((a for a in args if not a.startswith("-")), None)
    wanted: tuple[Registrar, ...] | None = None
    if "--help" not in args and "-h" not in args:
        if first is None and "--version" in args:
            wanted = ()
        elif first is not None:
            wanted = tuple(r for r, names in REGISTRARS if first in names) or None
    (app if wanted is None else build(wanted))(prog_name="breastcds")
