"""The checks behind every pinned CSCO grade: a level read in the book, and a part left ungraded.

One place for what "pinned" means, so the grade tables of each file (systemic, split strata,
local therapy) and the graded radiotherapy regimens (``rt_fractionation.yaml``) are checked
alike.
"""

from __future__ import annotations

from breastcds.knowledge.schema_rt_omission import Regimen
from breastcds.options.schema import Rule

#: The edition every verified level was read in (docs/csco_grading.md).
BOOK = "CSCO BC 2026 (PMPH, ISBN 978-7-117-39569-4)"


def assert_pinned(
    rule: Rule | Regimen, level: str, evidence: str | None, quotes: tuple[str, ...]
) -> None:
    """``rule`` (an option rule or a radiotherapy regimen) carries CSCO ``level`` and
    ``evidence`` (None: not recorded), read in the 2026 book, and its ``verified_in`` quotes
    every cell in ``quotes``."""
    g = rule.grading
    assert g is not None, rule.id
    assert g.status == "verified"
    assert g.csco is not None
    assert (g.csco.level, g.csco.evidence) == (level, evidence)
    where = g.verified_in or ""
    assert where.startswith(BOOK)
    for q in quotes:
        assert q in where, (rule.id, q)


def assert_not_verified(rule: Rule | Regimen) -> None:
    """``rule`` has no CSCO level: the text gives none for its row (a regimen may also carry
    no grading block at all)."""
    if rule.grading is None:
        assert isinstance(rule, Regimen)
        return
    assert rule.grading.status == "not verified"
    assert rule.grading.csco is None
