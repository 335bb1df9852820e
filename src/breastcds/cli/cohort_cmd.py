"""``breastcds cohort``: the cohort engine on a table of patients (thin adapter).

* ``cohort run INPUT --out RESULTS.parquet [--engine local|dask] [--scheduler ADDR]``
* ``cohort screen INPUT --trial LUMINA [--out MEETING.csv]``
* ``cohort summary RESULTS.parquet [--plot FILE.png]``
* ``cohort synth N --out FILE.parquet --seed S [--missing 0.1]``
* ``cohort schema [--json]``
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from breastcds.cli.core_cmd import stderr

if TYPE_CHECKING:  # imported when a command runs (start-up time)
    import polars as pl
    from rich.console import Console
    from rich.table import Table

    from breastcds.cohort import engine


@cache
def _out() -> Console:
    from rich.console import Console

    return Console(soft_wrap=True)


#: inputs with at least this many rows get a progress bar (on stderr)
PROGRESS_MIN_ROWS = 50_000

cohort_app = typer.Typer(
    name="cohort",
    help="Cohort engine: the same knowledge over a whole table of patients (Parquet/CSV/NDJSON).",
    no_args_is_help=True,
)


def _fail(message: str) -> typer.Exit:
    stderr().print(f"[bold red]error:[/] {message}", highlight=False)
    return typer.Exit(2)


class _Bar:
    """Rows-done callback drawing a rich progress bar for large inputs."""

    def __init__(self, label: str, total: int, enabled: bool) -> None:
        self._progress: Any = None  # a rich Progress when shown
        if enabled and total >= PROGRESS_MIN_ROWS:
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            self._progress = Progress(
                TextColumn(label),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                TimeRemainingColumn(),
                console=stderr(),
                transient=True,
            )
            self._task = self._progress.add_task("rows", total=total)
            self._progress.start()

    def __call__(self, rows: int) -> None:
        if self._progress is not None:
            self._progress.advance(self._task, rows)

    def close(self) -> None:
        if self._progress is not None:
            self._progress.stop()


def _table(title: str, frame: pl.DataFrame) -> Table:
    from rich.table import Table

    t = Table(title=title, title_justify="left")
    for col in frame.columns:
        t.add_column(col, justify="right" if frame[col].dtype.is_numeric() else "left")
    for row in frame.iter_rows():
        t.add_row(*[f"{v:.1f}" if isinstance(v, float) else str(v) for v in row])
    return t


def _report(s: engine.RunSummary, errors_shown: int = 5) -> None:
    stderr().print(
        f"{s.computed} of {s.rows} rows computed -> {s.out_path}; "
        f"{s.invalid_rows} invalid row(s), {s.errors} problem(s) -> {s.errors_path}",
        highlight=False,
    )
    if s.errors:
        import polars as pl

        first = pl.read_parquet(s.errors_path).head(errors_shown)
        for r in first.iter_rows(named=True):
            stderr().print(
                f"  row {r['row']} ({r['case_id'] or '-'}): {r['column']} = {r['value']!r}: "
                f"{r['problem']}",
                highlight=False,
            )


@cohort_app.command("run")
def run_command(
    input_path: Annotated[
        Path, typer.Argument(help="cohort table (.parquet file or directory, .csv, .ndjson)")
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="results .parquet")],
    engine_name: Annotated[
        str, typer.Option("--engine", help="local (polars, streaming) | dask")
    ] = "local",
    scheduler: Annotated[
        str | None,
        typer.Option("--scheduler", help="Dask scheduler address (default: a LocalCluster)"),
    ] = None,
    workers: Annotated[
        int | None, typer.Option("--workers", help="LocalCluster worker processes", min=1)
    ] = None,
    batch_size: Annotated[
        int, typer.Option("--batch-size", help="rows per batch (local engine)", min=1)
    ] = 100_000,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="no progress bar")] = False,
) -> None:
    """Classification, options per decision point, RT-omission criteria and PREDICT v3.2 for
    every row. Invalid rows go to OUT's .errors.parquet (row, column, value, problem); valid
    rows are still computed."""
    from breastcds.cohort import engine
    from breastcds.cohort.io import CohortInputError, count_rows

    if engine_name not in ("local", "dask"):
        raise _fail(f"--engine must be 'local' or 'dask', not {engine_name!r}")
    if scheduler and engine_name != "dask":
        raise _fail("--scheduler needs --engine dask")
    try:
        total = count_rows(input_path)
        bar = _Bar(f"cohort ({engine_name})", total, enabled=not quiet)
        try:
            if engine_name == "dask":
                from breastcds.cohort import dask_engine

                result = dask_engine.run_file(
                    input_path, out, scheduler=scheduler, n_workers=workers, progress=bar
                )
            else:
                result = engine.run_file(input_path, out, batch_size=batch_size, progress=bar)
        finally:
            bar.close()
    except CohortInputError as exc:
        raise _fail(str(exc)) from None
    _report(result)


@cohort_app.command("screen")
def screen_command(
    input_path: Annotated[Path, typer.Argument(help="cohort table (.parquet, .csv, .ndjson)")],
    trial: Annotated[
        str,
        typer.Option(
            "--trial", help="RT-omission criteria set, e.g. LUMINA, PRIME_II, CALGB_9343, NICE"
        ),
    ],
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="write row, case_id of those who meet")
    ] = None,
) -> None:
    """How many patients meet one trial's or guideline's entry criteria, and why not."""
    from breastcds.cohort import summary
    from breastcds.cohort.io import CohortInputError, count_rows

    try:
        set_id = summary.resolve_trial(trial)
    except KeyError as exc:
        raise _fail(str(exc.args[0])) from None
    try:
        bar = _Bar(f"screen {set_id}", count_rows(input_path), enabled=True)
        try:
            s = summary.screen(input_path, set_id, progress=bar)
        finally:
            bar.close()
    except CohortInputError as exc:
        raise _fail(str(exc)) from None
    _out().print(_table(f"{s.name} ({s.set_id}): verdicts", s.verdicts))
    if s.failed.height:
        _out().print(_table("failed criteria (patients)", s.failed))
    if s.missing.height:
        _out().print(_table("criteria not judged for missing data (patients)", s.missing))
    if s.invalid_rows:
        stderr().print(f"{s.invalid_rows} invalid row(s) not screened (see `cohort run`)")
    if out is not None:
        if out.suffix.lower() == ".parquet":
            s.meeting.write_parquet(out)
        else:
            s.meeting.write_csv(out)
        stderr().print(
            f"{s.meeting.height} patient(s) meeting {s.set_id} -> {out}", highlight=False
        )


@cohort_app.command("summary")
def summary_command(
    results: Annotated[Path, typer.Argument(help="results .parquet of `cohort run`")],
    plot: Annotated[
        Path | None, typer.Option("--plot", help="bar charts of the distributions (.png/.svg)")
    ] = None,
) -> None:
    """Distributions of the classifications, RT-omission verdicts, PREDICT and top options."""
    import polars as pl

    from breastcds.cohort import summary

    if not results.exists():
        raise _fail(f"{results}: file not found")
    lf = pl.scan_parquet(results)
    dist = summary.distributions(lf)
    for title, frame in dist.items():
        _out().print(_table(title, frame))
    _out().print(_table("most offered options per decision point", summary.top_options(lf)))
    overview = summary.predict_overview(lf)
    if overview.height:
        _out().print(
            _table("PREDICT v3.2 medians of computed patients (%)", overview.transpose(
                include_header=True, header_name="figure", column_names=["median"]))
        )  # fmt: skip
    if plot is not None:
        _plot(dist, plot)
        stderr().print(f"plot -> {plot}", highlight=False)


def _plot(dist: dict[str, pl.DataFrame], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n = len(dist)
    cols = 2
    rows = -(-n // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(12, 3.2 * rows))
    for ax, (title, frame) in zip(axes.flat, dist.items(), strict=False):
        ax.barh(frame["value"].to_list()[::-1], frame["percent"].to_list()[::-1])
        ax.set_title(title)
        ax.set_xlabel("% of computed patients")
    for ax in list(axes.flat)[n:]:
        ax.axis("off")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


@cohort_app.command("synth")
def synth_command(
    n: Annotated[int, typer.Argument(help="number of patients", min=0)],
    out: Annotated[Path, typer.Option("--out", "-o", help=".parquet, .csv or .ndjson")],
    seed: Annotated[int, typer.Option("--seed", help="random seed")] = 0,
    missing: Annotated[
        float, typer.Option("--missing", help="share of items not recorded", min=0.0, max=1.0)
    ] = 0.1,
) -> None:
    """A seeded synthetic cohort (registry-like proportions, see docs/cohort.md)."""
    from breastcds.cohort.synthetic import generate

    frame = generate(n, seed=seed, missing=missing)
    suffix = out.suffix.lower()
    if suffix == ".csv":
        frame.write_csv(out)
    elif suffix in (".ndjson", ".jsonl"):
        frame.write_ndjson(out)
    elif suffix in (".parquet", ".pq"):
        frame.write_parquet(out)
    else:
        raise _fail(f"{out}: use .parquet, .csv or .ndjson")
    stderr().print(f"{n} synthetic patients (seed {seed}) -> {out}", highlight=False)


@cohort_app.command("schema")
def schema_command(
    as_json: Annotated[bool, typer.Option("--json", help="JSON Schema of one row")] = False,
) -> None:
    """The cohort table's columns (type, unit, allowed values, case-model field)."""
    from breastcds.cohort.schema import column_reference, json_schema

    if as_json:
        _out().print_json(json.dumps(json_schema()))
    else:
        _out().print(column_reference(), markup=False, highlight=False)


def register(app: typer.Typer) -> None:
    """Add the ``cohort`` command group to ``app``."""
    app.add_typer(cohort_app)
