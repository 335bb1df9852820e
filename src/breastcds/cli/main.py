"""Command-line interface (typer + rich): a thin adapter over the library."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="breastcds",
    help="Breast cancer clinical decision support: traceable to rules, sources and versions.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# --- command registration: each capability registers its commands here, one line each ---
# (keep this block one import + one call per capability)
from breastcds.cli import core_cmd  # noqa: E402

core_cmd.register(app)
from breastcds.cli import reirradiation_cmd  # noqa: E402

reirradiation_cmd.register(app)
from breastcds.cli import predict_cmd  # noqa: E402

predict_cmd.register(app)
from breastcds.cli import dvh_cmd  # noqa: E402

dvh_cmd.register(app)
from breastcds.cli import serve_cmd  # noqa: E402

serve_cmd.register(app)
from breastcds.cli import prognosis_render  # noqa: E402

prognosis_render.register(app)
from breastcds.cli import omission_render  # noqa: E402

omission_render.register(app)
from breastcds.cli import kb_cmd  # noqa: E402

kb_cmd.register(app)
from breastcds.cli import report_cmd  # noqa: E402

report_cmd.register(app)
from breastcds.cli import cohort_cmd  # noqa: E402

cohort_cmd.register(app)
