"""Command-line interface (typer + rich): a thin adapter over the library.

Start-up: importing this module imports typer and the standard library only; the console
script imports the invoked command's module alone (``COMMANDS``), which defines its commands'
signatures; each command imports what it needs (rich, the case model, numpy, polars, pydicom,
the service ...) when it runs. ``app`` (every command: help, tests) is built on first use.
``tests/cli/test_startup.py`` lists what ``breastcds --version`` and a one-case ``assess``
import; ``benchmarks/startup.py`` times them.
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Callable
from functools import cache
from typing import Annotated

import typer

Registrar = Callable[[typer.Typer], None]

#: Commands that read at most one case and exit. The console script runs them without the
#: cyclic garbage collector: its passes over the long-lived objects of start-up (modules, model
#: classes, knowledge) free nothing the process's exit would not, and cost about a tenth of a
#: one-case ``assess`` (benchmarks/startup.py); the peak memory of one case grows by ~2 MiB.
ONE_CASE = frozenset({"assess", "schema", "example"})


# One loader per command module: each imports its module when called (start-up stays small)
# and names it in an ordinary import statement, so no module is found by a name at run time.


def _core_cmd() -> Registrar:
    from breastcds.cli import core_cmd

    return core_cmd.register


def _reirradiation_cmd() -> Registrar:
    from breastcds.cli import reirradiation_cmd

    return reirradiation_cmd.register


def _predict_cmd() -> Registrar:
    from breastcds.cli import predict_cmd

    return predict_cmd.register


def _dvh_cmd() -> Registrar:
    from breastcds.cli import dvh_cmd

    return dvh_cmd.register


def _serve_cmd() -> Registrar:
    from breastcds.cli import serve_cmd

    return serve_cmd.register


def _prognosis_render() -> Registrar:
    from breastcds.cli import prognosis_render

    return prognosis_render.register


def _kb_cmd() -> Registrar:
    from breastcds.cli import kb_cmd

    return kb_cmd.register


def _report_cmd() -> Registrar:
    from breastcds.cli import report_cmd

    return report_cmd.register


def _cohort_cmd() -> Registrar:
    from breastcds.cli import cohort_cmd

    return cohort_cmd.register


#: Each command module's loader and the top-level commands (and groups) its ``register``
#: adds, in help order.
COMMANDS: tuple[tuple[Callable[[], Registrar], tuple[str, ...]], ...] = (
    (_core_cmd, ("assess", "schema", "example", "concordance")),
    (_reirradiation_cmd, ("reirradiation",)),
    (_predict_cmd, ("predict",)),
    (_dvh_cmd, ("dvh",)),
    (_serve_cmd, ("serve", "token")),
    (_prognosis_render, ("prognosis-plot",)),
    (_kb_cmd, ("kb",)),
    (_report_cmd, ("report",)),
    (_cohort_cmd, ("cohort",)),
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

    every = (load() for load, _ in COMMANDS)
    for register in registrars if registrars is not None else every:
        register(cli)
    return cli


@cache
def _app() -> typer.Typer:
    return build()


def __getattr__(name: str) -> typer.Typer:
    """``app``: the application with every command (help, tests), built on first use."""
    if name == "app":
        return _app()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def run() -> None:
    """Console entry point: typer inspects the parameters of the commands it is given when it
    starts, so the invoked command's module alone is registered (``--version`` needs none);
    help, no arguments or an unknown command get the whole application. A one-case command
    (``ONE_CASE``, ``--version``) runs without the cyclic garbage collector."""
    args = sys.argv[1:]
    first = next((a for a in args if not a.startswith("-")), None)
    if first in ONE_CASE or (first is None and "--version" in args):
        gc.disable()
    wanted: tuple[Registrar, ...] | None = None
    if "--help" not in args and "-h" not in args:
        if first is None and "--version" in args:
            wanted = ()
        elif first is not None:
            wanted = tuple(load() for load, names in COMMANDS if first in names) or None
    (_app() if wanted is None else build(wanted))(prog_name="breastcds")
