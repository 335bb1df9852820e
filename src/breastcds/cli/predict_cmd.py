"""``breastcds predict``: PREDICT v3.2 / v2.2 over a patients file (thin adapter)."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:  # imported when the command runs (start-up time)
    from rich.console import Console

    from breastcds.prognosis import predict as P
    from breastcds.prognosis.batch import BatchSummary


@cache
def _err() -> Console:
    from rich.console import Console

    return Console(stderr=True, soft_wrap=True)


#: inputs with at least this many patients get a progress bar (on stderr)
PROGRESS_MIN_PATIENTS = 5000


def _fail(message: str) -> typer.Exit:
    _err().print(f"[bold red]error:[/] {message}", highlight=False)
    return typer.Exit(2)


class _Bar:
    """Progress callback: shows a rich bar once the input turns out to be large."""

    def __init__(self, model: str, enabled: bool) -> None:
        self._enabled = enabled
        self._progress: Any = None  # a rich Progress once shown
        self._task: Any = None
        self._model = model

    def __call__(self, done: int, total: int) -> None:
        if not self._enabled or total < PROGRESS_MIN_PATIENTS:
            return
        if self._progress is None:
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeRemainingColumn,
            )

            self._progress = Progress(
                TextColumn(f"PREDICT {self._model}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeRemainingColumn(),
                console=_err(),
                transient=True,
            )
            self._task = self._progress.add_task("patients", total=total)
            self._progress.start()
        self._progress.update(self._task, completed=done)

    def close(self) -> None:
        if self._progress is not None:
            self._progress.stop()


def _report(summary: BatchSummary) -> None:
    _err().print(
        f"PREDICT {summary.model}: {summary.n_computed} of {summary.n_patients} patients "
        f"computed; {summary.n_result_rows} rows written to {summary.out_path}",
        highlight=False,
    )
    if summary.n_not_applicable:
        _err().print(
            f"[yellow]{summary.n_not_applicable} patient(s) not applicable[/] "
            f"(invalid or not recorded inputs); details in {summary.errors_path}",
            highlight=False,
        )
        for line in summary.first_errors:
            _err().print(f"  {line}", highlight=False)


def register(app: typer.Typer) -> None:
    """Add the ``predict`` command to ``app``."""

    @app.command("predict")
    def predict_command(
        patients: Annotated[
            Path,
            typer.Argument(
                help="patients .csv or .parquet with the columns of patients_public.csv",
                show_default=False,
            ),
        ],
        out: Annotated[
            Path,
            typer.Option("--out", "-o", help="results .csv or .parquet (long format)"),
        ],
        model: Annotated[str, typer.Option("--model", "-m", help="v3.2 | v2.2")] = "v3.2",
        years: Annotated[str, typer.Option("--years", help="comma-separated years 1-15")] = (
            "1,5,10,15"
        ),
        chunk_size: Annotated[
            int | None,
            typer.Option(
                "--chunk-size", help="patients computed per chunk (default: PREDICT's)", min=1
            ),
        ] = None,
        quiet: Annotated[bool, typer.Option("--quiet", "-q", help="no progress bar")] = False,
    ) -> None:
        """PREDICT Breast v3.2 or v2.2 for every patient: mortality by year and regimen.

        Rows with invalid inputs are skipped and listed in OUT's .errors.csv; valid rows are
        still computed.
        """
        from breastcds.prognosis import predict as P
        from breastcds.prognosis.batch import parse_years, run_batch

        if model not in ("v3.2", "v2.2"):
            raise _fail(f"--model must be 'v3.2' or 'v2.2', not {model!r}")
        chosen: P.Model = "v3.2" if model == "v3.2" else "v2.2"
        try:
            wanted_years = parse_years(years)
        except ValueError as exc:
            raise _fail(str(exc)) from None
        if not patients.is_file():
            raise _fail(f"{patients}: file not found")
        bar = _Bar(chosen, enabled=not quiet)
        try:
            summary = run_batch(
                chosen, patients, out, wanted_years, chunk_size or P.DEFAULT_CHUNK, progress=bar
            )
        except ValueError as exc:
            raise _fail(str(exc)) from None
        finally:
            bar.close()
        _report(summary)
