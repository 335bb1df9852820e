"""The checks behind every pinned CSCO grade: a level read in the book, and a part left ungraded.

One place for what "pinned" means, so the grade tables of each file (systemic, split strata,
local therapy) are checked alike.
"""

from __future__ import annotations

from breastcds.options.schema import Rule

#: The edition every verified level was read in (docs/csco_grading.md).
BOOK = "CSCO BC 2026 (PMPH, ISBN 978-7-117-39569-4)"


def assert_pinned(rule: Rule, level: str, evidence: str | None, quotes: tuple[str, ...]) -> None:
    """``rule`` carries CSCO ``level`` and ``evidence`` (None: not recorded), read in the 2026
    book, and its ``verified_in`` quotes every cell in ``quotes``."""
    g = rule.grading
    assert g.status == "verified"
    assert g.csco is not None
    assert (g.csco.level, g.csco.evidence) == (level, evidence)
    where = g.verified_in or ""
    assert where.startswith(BOOK)
    for q in quotes:
        assert q in where, (rule.id, q)


def assert_not_verified(rule: Rule) -> None:
    """``rule`` has no CSCO level: the text gives none for its row."""
    assert rule.grading.status == "not verified"
    assert rule.grading.csco is None
