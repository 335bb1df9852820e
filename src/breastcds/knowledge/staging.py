"""Main AJCC 8th edition T/N/M groups of a recorded category, for one value.

The t_group, n_group and m_group decision tables of knowledge/classification/staging.yaml
(AJCC Cancer Staging Manual, 8th ed., 2017, chapter 48 Breast): T1mi/T1a-c -> T1, T4a-d -> T4;
N0(i+)/N0(mol+) -> N0, N1a-c -> N1 (N1mi kept apart), N2a-b -> N2, N3a-c -> N3; cM0(i+) -> M0.
The cohort engine compiles the same tables (cohort/facts.py).
"""

from __future__ import annotations

from breastcds.knowledge.rule_tables import Table, active, decide

__all__ = ["m_group", "n_group", "t_group", "t_main"]


def _group(table: Table, output: str, value: str) -> str:
    result = decide(table, {table.inputs[0].name: value}).outputs[output]
    if result is None:  # pragma: no cover - the tables decide every category they accept
        raise ValueError(f"{value!r} is not a category of table {table.id}")
    return str(result)


def t_group(t: str) -> str:
    """Main T group of an AJCC T category (T1mi/T1a-c -> T1, T4a-d -> T4)."""
    return _group(active()["t_group"], "group", t)


def t_main(t: str) -> str:
    """Main T category as rules and the vignette contract read it: T1a-c -> T1, T4a-d -> T4,
    while T1mi stays its own category."""
    return _group(active()["t_group"], "main", t)


def n_group(n: str) -> str:
    """Main N group (N0(i+)/N0(mol+) -> N0; N1a-c -> N1; N1mi stays N1mi; N2a-b -> N2 ...)."""
    return _group(active()["n_group"], "group", n)


def m_group(m: str) -> str:
    """Main M group of a recorded M category: M1 stays M1; M0, cM0(i+) -> M0."""
    return _group(active()["m_group"], "group", m)
