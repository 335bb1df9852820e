"""Command-line interface (typer + rich): a thin adapter over the library.

Start-up: importing this module imports typer, the standard library and the command modules,
which define their commands' signatures only; each command imports what it needs (rich, the
case model, numpy, polars, pydicom, the service ...) when it runs.
``tests/cli/test_startup.py`` lists what ``breastcds --version`` and a one-case ``assess``
import; ``benchmarks/startup.py`` times them.
"""

from __future__ import annotations

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

app = typer.Typer(
    name="breastcds",
    help="Breast cancer clinical decision support: traceable to rules, sources and versions.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _print_version(value: bool) -> None:
    if value:
        from breastcds import __version__

        typer.echo(f"breastcds {__version__}")
        raise typer.Exit()


@app.callback()
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


# --- command registration: one call per capability's commands ---
core_cmd.register(app)
reirradiation_cmd.register(app)
predict_cmd.register(app)
dvh_cmd.register(app)
serve_cmd.register(app)
prognosis_render.register(app)
kb_cmd.register(app)
report_cmd.register(app)
cohort_cmd.register(app)
