"""Population summaries of cohort results and trial screening (pure polars, lazy)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from breastcds.cohort.engine import DECISION_POINTS, empty_results, iter_batches, run_batch
from breastcds.knowledge.schema_rt_omission import load_rt_omission

#: Categorical result columns counted by :func:`distributions` (title, column).
DISTRIBUTIONS: tuple[tuple[str, str], ...] = (
    ("HER2 category", "her2.category"),
    ("ER status", "er.status"),
    ("Surrogate subtype", "subtype"),
    ("Anatomic stage (pathological)", "stage.anatomic"),
    ("RT omission summary", "rt.summary"),
    ("PREDICT v3.2", "predict.status"),
)


def distributions(results: pl.LazyFrame) -> dict[str, pl.DataFrame]:
    """Counts and shares of each categorical result column (null shown as 'not assigned')."""
    out: dict[str, pl.DataFrame] = {}
    for title, col in DISTRIBUTIONS:
        out[title] = (
            results.group_by(pl.col(col).fill_null("not assigned").alias("value"))
            .agg(pl.len().alias("patients"))
            .with_columns((100.0 * pl.col("patients") / pl.col("patients").sum()).alias("percent"))
            .sort(["patients", "value"], descending=[True, False])
            .collect()
        )
    return out


def top_options(results: pl.LazyFrame, limit: int = 5) -> pl.DataFrame:
    """The most often offered option rules per decision point (patients with the option)."""
    frames = []
    for dp in DECISION_POINTS:
        col = f"options.{dp}"
        frames.append(
            results.select(pl.col(col).explode().alias("rule_id"))
            .drop_nulls()
            .group_by("rule_id")
            .agg(pl.len().alias("patients"))
            .sort(["patients", "rule_id"], descending=[True, False])
            .head(limit)
            .with_columns(pl.lit(dp).alias("decision_point"))
            .select("decision_point", "rule_id", "patients")
        )
    return pl.concat(frames).collect()


def predict_overview(results: pl.LazyFrame) -> pl.DataFrame:
    """Median PREDICT v3.2 figures (percent) of the computed patients, by year."""
    cols = [c for c in results.collect_schema().names() if c.startswith("predict.os")]
    cols += [c for c in results.collect_schema().names() if c.startswith("predict.benefit")]
    return (
        results.filter(pl.col("predict.status") == "computed")
        .select([pl.col(c).median() for c in cols])
        .collect()
    )


@dataclass(frozen=True)
class Screening:
    """Who meets one RT-omission criteria set."""

    set_id: str
    name: str
    verdicts: pl.DataFrame  # verdict, patients
    failed: pl.DataFrame  # criterion, patients (among 'fails')
    missing: pl.DataFrame  # criterion, patients (among 'insufficient_data')
    meeting: pl.DataFrame  # row, case_id of the patients who meet the set
    invalid_rows: int


def trial_ids() -> list[str]:
    return [s.id for s in load_rt_omission().sets]


def resolve_trial(name: str) -> str:
    """The set id for a trial/guideline name (case-insensitive; '-' and ' ' read as '_')."""
    key = name.strip().upper().replace("-", "_").replace(" ", "_")
    for s in load_rt_omission().sets:
        if key in (s.id, s.name.upper().replace("-", "_").replace(" ", "_")):
            return s.id
    raise KeyError(f"unknown criteria set {name!r}; known: {', '.join(trial_ids())}")


def screen(
    path: Path | str,
    set_id: str,
    batch_size: int = 100_000,
    progress: Callable[[int], None] | None = None,
) -> Screening:
    """Run the cohort at ``path`` and screen it against one criteria set."""
    s = next(x for x in load_rt_omission().sets if x.id == set_id)
    verdict, failed, missing = (f"rt.{set_id}.{p}" for p in ("verdict", "failed", "missing"))
    kept: list[pl.DataFrame] = []
    invalid = 0
    for offset, raw in iter_batches(path, batch_size):
        res = run_batch(raw, offset)
        invalid += raw.height - res.results.height
        kept.append(res.results.select("row", "case_id", verdict, failed, missing))
        if progress is not None:
            progress(raw.height)
    if not kept:
        kept.append(empty_results().select("row", "case_id", verdict, failed, missing))
    frame = pl.concat(kept)
    lf = frame.lazy()
    verdicts = (
        lf.group_by(pl.col(verdict).fill_null("not applicable").alias("verdict"))
        .agg(pl.len().alias("patients"))
        .sort("patients", descending=True)
        .collect()
    )

    def criteria(col: str) -> pl.DataFrame:
        return (
            lf.select(pl.col(col).explode().alias("criterion"))
            .drop_nulls()
            .group_by("criterion")
            .agg(pl.len().alias("patients"))
            .sort(["patients", "criterion"], descending=[True, False])
            .collect()
        )

    return Screening(
        set_id=set_id,
        name=s.name,
        verdicts=verdicts,
        failed=criteria(failed),
        missing=criteria(missing),
        meeting=frame.filter(pl.col(verdict) == "meets").select("row", "case_id"),
        invalid_rows=invalid,
    )
