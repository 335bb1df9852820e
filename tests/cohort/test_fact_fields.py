"""Every case field a needed fact reads is a cohort column, or listed here with the reason.

A fact whose field has no column is "unknown" for every cohort row (``cohort.facts.case_field``
gives a typed null), so a rule reading it could never fire on a real cohort. The exclusions are
records the flat table holds in several columns (the whole treatment record, the metastatic
lines); each names why. The recurrence and endocrine records are columns (recurrence_*,
endocrine_*).
"""

from __future__ import annotations

from breastcds.cohort.engine import needed_facts
from breastcds.cohort.schema import COLUMNS
from breastcds.knowledge.facts import FACTS
from breastcds.options.guards import load_guards
from breastcds.options.schema import load_kb

#: Case field -> why the flat table has no column for it.
NOT_A_COLUMN: dict[str, str] = {
    "treatment": "the whole treatment record (prior_agents): built from the agent columns",
    "treatment.metastatic_lines": "a list of records: held as metastatic_line1..3_* columns",
}


def _needed_fields() -> dict[str, set[str]]:
    """Case field -> the needed facts (option rules, RT omission, guards) reading it."""
    fields: dict[str, set[str]] = {}
    for name in needed_facts(load_kb()) | load_guards().facts():
        fields.setdefault(FACTS[name].field, set()).add(name)
    return fields


def test_every_field_a_needed_fact_reads_is_a_column_or_excluded_with_a_reason() -> None:
    columns = {c.case_field for c in COLUMNS}
    uncovered = {f: sorted(facts) for f, facts in _needed_fields().items()
                 if f not in columns and f not in NOT_A_COLUMN}  # fmt: skip
    assert not uncovered, f"case fields read by needed facts without a cohort column: {uncovered}"


def test_every_exclusion_is_still_needed_and_not_a_column() -> None:
    columns = {c.case_field for c in COLUMNS}
    needed = _needed_fields()
    assert all(reason.strip() for reason in NOT_A_COLUMN.values())
    assert not set(NOT_A_COLUMN) & columns, "an excluded field became a column: drop it here"
    stale = set(NOT_A_COLUMN) - set(needed)
    assert not stale, f"no needed fact reads these fields any more: {sorted(stale)}"
