"""Agreement by test: every output column of the cohort engine equals what ``assess`` returns.

Three populations, more than 12 000 rows in all:
* one seeded synthetic batch of 10 000 rows (registry-like proportions, 15 % missing items);
* hypothesis over the generator's parameters (seed, share of missing items);
* hypothesis rows built from the knowledge's thresholds and freely contradicting categories;
  here validity is compared too: the engine rejects a row exactly when the case model does.

Comparisons are exact except float columns (PREDICT figures: same core, same inputs), which
agree to 1e-12 relative (``tests.cohort.expected.REL_TOL``).
"""

from __future__ import annotations

from typing import Any

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from breastcds.cohort import facts as F
from breastcds.cohort.engine import run_batch
from breastcds.cohort.schema import COLUMNS, row_to_case
from breastcds.cohort.synthetic import generate
from breastcds.cohort.validate import canonical_dtype, prepare
from breastcds.entrypoint import classify
from breastcds.knowledge.facts import FACTS
from breastcds.knowledge.facts import extract as extract_facts
from breastcds.model.errors import CaseValidationError
from tests.cohort.expected import mismatches
from tests.cohort.strategies import course_rows, rows


def _agree(frame: pl.DataFrame) -> None:
    result = run_batch(frame)
    valid, _ = prepare(frame)
    assert result.results.height == valid.height
    found = mismatches(result.results.to_dicts(), valid.to_dicts())
    assert not found, f"{len(found)} disagreements, first: " + "\n".join(found[:20])


def test_seeded_batch_of_10000_rows_agrees_with_assess() -> None:
    frame = generate(10_000, seed=20261127, missing=0.15)
    result = run_batch(frame)
    assert result.errors.height == 0  # the generator only makes valid rows
    _agree(frame)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), missing=st.floats(0.0, 0.7))
def test_generator_parameters_agree_with_assess(seed: int, missing: float) -> None:
    _agree(generate(150, seed=seed, missing=missing))


def _frame(drawn: list[dict[str, Any]]) -> pl.DataFrame:
    data = [{**r, "case_id": f"H{i}"} for i, r in enumerate(drawn)]
    schema = {c.name: canonical_dtype(c) if c.kind not in ("list", "enum_list") else pl.String()
              for c in COLUMNS}  # fmt: skip
    return pl.DataFrame(data, schema=schema)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(drawn=st.lists(rows(), min_size=1, max_size=40))
def test_threshold_rows_agree_with_assess_and_validity_matches(
    drawn: list[dict[str, Any]],
) -> None:
    _agree_and_validity_matches(drawn)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(drawn=st.lists(course_rows(), min_size=1, max_size=40))
def test_dcis_and_recurrence_rows_agree_with_assess_and_validity_matches(
    drawn: list[dict[str, Any]],
) -> None:
    """Pure DCIS, locoregional and distant recurrences with the endocrine record and the
    radiotherapy history, de novo metastatic disease: every output column (the dcis and
    locoregional_recurrence decision points included) equals assess."""
    _agree_and_validity_matches(drawn)


def _agree_and_validity_matches(drawn: list[dict[str, Any]]) -> None:
    frame = _frame(drawn)
    result = run_batch(frame)
    computed = set(result.results["row"].to_list())
    rejected = set(result.errors["row"].to_list())
    assert computed.isdisjoint(rejected)
    assert computed | rejected == set(range(frame.height))
    for i, row in enumerate(frame.to_dicts()):
        try:
            row_to_case(row)
            case_ok = True
        except CaseValidationError:
            case_ok = False
        assert case_ok == (i in computed), (
            f"row {i}: case model {'accepts' if case_ok else 'rejects'} it, cohort engine "
            f"{'computed' if i in computed else 'rejected'} it: "
            f"{result.errors.filter(pl.col('row') == i).to_dicts()}"
        )
    valid, _ = prepare(frame)
    found = mismatches(result.results.to_dicts(), valid.to_dicts())
    assert not found, f"{len(found)} disagreements, first: " + "\n".join(found[:20])


def _fact_mismatches(frame: pl.DataFrame) -> list[str]:
    valid, _ = prepare(frame)
    names = sorted(FACTS)
    table = F.with_facts(valid.lazy()).select("row", *names).collect()
    found = []
    for row, got in zip(valid.to_dicts(), table.to_dicts(), strict=True):
        case = row_to_case(row)
        want = extract_facts(case, classify(case))
        for name in names:
            if got[name] != want[name]:
                found.append(
                    f"row {row['row']} fact {name}: table {got[name]!r}, case {want[name]!r}"
                )
    return found


def test_every_registered_fact_is_a_column() -> None:
    assert set(FACTS) <= F.provided()


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(drawn=st.lists(rows(), min_size=1, max_size=40))
def test_every_fact_equals_the_case_extractor(drawn: list[dict[str, Any]]) -> None:
    """Facts no current rule reads are guarded too (a future rule may read them)."""
    found = _fact_mismatches(_frame(drawn))
    assert not found, f"{len(found)} disagreements, first: " + "\n".join(found[:20])


@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
@given(drawn=st.lists(course_rows(), min_size=1, max_size=40))
def test_every_fact_of_dcis_and_recurrence_rows_equals_the_case_extractor(
    drawn: list[dict[str, Any]],
) -> None:
    found = _fact_mismatches(_frame(drawn))
    assert not found, f"{len(found)} disagreements, first: " + "\n".join(found[:20])


def test_every_fact_equals_the_case_extractor_on_a_seeded_batch() -> None:
    found = _fact_mismatches(generate(2_000, seed=99, missing=0.2))
    assert not found, f"{len(found)} disagreements, first: " + "\n".join(found[:20])
