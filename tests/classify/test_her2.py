"""HER2 per ASCO/CAP 2018/2023 (shared/reference/domain/biomarkers.md §1).

Expected values are read off the reference tables, not off the code:
- IHC: 3+ positive; 2+ equivocal -> ISH; 1+ and 0 negative.
- Dual-probe groups: 1 ratio>=2 & copies>=4; 2 ratio>=2 & copies<4; 3 ratio<2 & copies>=6;
  4 ratio<2 & 4<=copies<6; 5 ratio<2 & copies<4.
- Concurrent IHC for groups 2-4: 3+ positive; 2+ recount (still 2 -> negative, still 3 ->
  positive, still 4 -> negative); 0/1+ negative.
- Categories: HER2-low = IHC 1+ or 2+/ISH-; ultralow = IHC 0 faint <=10 %; HER2-0 = no staining.
"""

from __future__ import annotations

import pytest

from breastcds.classify import her2
from breastcds.model.case import Biomarkers, IshResult

# One ISH count per group, plus the boundary pairs of the reference table.
G = {
    1: (2.4, 4.5),
    2: (2.2, 3.5),
    3: (1.5, 6.5),
    4: (1.5, 4.8),
    5: (1.2, 2.5),
}


def ish(ratio: float, copies: float) -> IshResult:
    return IshResult(ratio=ratio, her2_copies=copies)


@pytest.mark.parametrize(
    ("ratio", "copies", "group"),
    [
        (2.0, 4.0, 1),  # ratio >= 2.0 and copies >= 4.0
        (2.0, 3.99, 2),  # ratio >= 2.0, copies < 4.0
        (1.99, 6.0, 3),  # ratio < 2.0, copies >= 6.0
        (1.99, 5.99, 4),  # ratio < 2.0, 4.0 <= copies < 6.0
        (1.99, 4.0, 4),
        (1.99, 3.99, 5),  # ratio < 2.0, copies < 4.0
        *[(r, c, g) for g, (r, c) in G.items()],
    ],
)
def test_ish_group_boundaries(ratio: float, copies: float, group: int) -> None:
    assert her2.ish_group(ish(ratio, copies)) == group


# (IHC, IHC-0 staining, ISH group, recount group) -> (status, category, reported ISH group)
CASES = [
    # no IHC: groups 1 and 5 decide status; 2-4 need concurrent IHC
    (None, None, 1, None, "positive", "HER2-positive", 1),
    (None, None, 2, None, "pending", "pending", 2),
    (None, None, 3, None, "pending", "pending", 3),
    (None, None, 4, None, "pending", "pending", 4),
    (None, None, 5, None, "negative", "pending", 5),  # negative, but 0/ultralow/low needs IHC
    # IHC 0 with no staining (HER2-0)
    (0, "none", None, None, "negative", "HER2-0", None),
    (0, "none", 1, None, "positive", "HER2-positive", 1),
    (0, "none", 2, None, "negative", "HER2-0", 2),
    (0, "none", 3, None, "negative", "HER2-0", 3),
    (0, "none", 4, None, "negative", "HER2-0", 4),
    (0, "none", 5, None, "negative", "HER2-0", 5),
    # IHC 0 with faint staining in <= 10 % (HER2-ultralow)
    (0, "faint_le10", None, None, "negative", "HER2-ultralow", None),
    (0, "faint_le10", 1, None, "positive", "HER2-positive", 1),
    (0, "faint_le10", 2, None, "negative", "HER2-ultralow", 2),
    (0, "faint_le10", 3, None, "negative", "HER2-ultralow", 3),
    (0, "faint_le10", 4, None, "negative", "HER2-ultralow", 4),
    (0, "faint_le10", 5, None, "negative", "HER2-ultralow", 5),
    # IHC 0 without the staining detail: negative, category undecided
    (0, None, None, None, "negative", "pending", None),
    (0, None, 3, None, "negative", "pending", 3),
    # IHC 1+ (HER2-low)
    (1, None, None, None, "negative", "HER2-low", None),
    (1, None, 1, None, "positive", "HER2-positive", 1),
    (1, None, 2, None, "negative", "HER2-low", 2),
    (1, None, 3, None, "negative", "HER2-low", 3),
    (1, None, 4, None, "negative", "HER2-low", 4),
    (1, None, 5, None, "negative", "HER2-low", 5),
    # IHC 2+ (equivocal)
    (2, None, None, None, "pending", "pending", None),
    (2, None, 1, None, "positive", "HER2-positive", 1),
    (2, None, 5, None, "negative", "HER2-low", 5),
    (2, None, 2, None, "pending", "pending", 2),  # recount required
    (2, None, 3, None, "pending", "pending", 3),
    (2, None, 4, None, "pending", "pending", 4),
    (2, None, 2, 2, "negative", "HER2-low", 2),  # still group 2 -> negative
    (2, None, 3, 3, "positive", "HER2-positive", 3),  # still group 3 -> positive
    (2, None, 4, 4, "negative", "HER2-low", 4),  # still group 4 -> negative
    (2, None, 4, 1, "positive", "HER2-positive", 4),  # recount now group 1 -> positive
    (2, None, 3, 5, "negative", "HER2-low", 3),  # recount now group 5 -> negative
    # IHC 3+: positive; ISH not needed (group not reported)
    (3, None, None, None, "positive", "HER2-positive", None),
    (3, None, 1, None, "positive", "HER2-positive", None),
    (3, None, 2, None, "positive", "HER2-positive", None),
    (3, None, 3, None, "positive", "HER2-positive", None),
    (3, None, 4, None, "positive", "HER2-positive", None),
    (3, None, 5, None, "positive", "HER2-positive", None),
    # nothing recorded
    (None, None, None, None, "pending", "pending", None),
]


@pytest.mark.parametrize(
    ("ihc", "staining", "group", "recount", "status", "category", "reported"), CASES
)
def test_her2_algorithm(
    ihc: int | None,
    staining: str | None,
    group: int | None,
    recount: int | None,
    status: str,
    category: str,
    reported: int | None,
) -> None:
    b = Biomarkers.model_validate(
        {
            "her2_ihc": ihc,
            "her2_ihc0_staining": staining,
            "her2_ish": None
            if group is None
            else dict(zip(("ratio", "her2_copies"), G[group], strict=True)),
            "her2_ish_recount": (
                None
                if recount is None
                else dict(zip(("ratio", "her2_copies"), G[recount], strict=True))
            ),
        }
    )
    r = her2.classify(b)
    assert (r.status, r.category, r.ish_group) == (status, category, reported)
    assert r.reasons, "every call carries its reasons"
    assert "ASCO/CAP" in r.source
    if status == "pending" or category == "pending":
        assert r.missing, "a pending call names what is missing"


def test_pending_prompts_name_the_field() -> None:
    r = her2.classify(Biomarkers(her2_ihc=2))
    assert [m.field for m in r.missing] == ["biomarkers.her2_ish"]
    r = her2.classify(Biomarkers(her2_ihc=2, her2_ish=ish(*G[4])))
    assert [m.field for m in r.missing] == ["biomarkers.her2_ish_recount"]
    r = her2.classify(Biomarkers(her2_ish=ish(*G[3])))
    assert [m.field for m in r.missing] == ["biomarkers.her2_ihc"]
    r = her2.classify(Biomarkers(her2_ihc=0))
    assert [m.field for m in r.missing] == ["biomarkers.her2_ihc0_staining"]


@pytest.mark.parametrize(
    ("ihc", "copies", "status", "category"),
    [
        # single-probe: >= 6.0 positive; < 4.0 negative; 4.0-<6.0 equivocal
        (2, 6.0, "positive", "HER2-positive"),
        (2, 3.99, "negative", "HER2-low"),
        (2, 4.0, "pending", "pending"),
        (2, 5.99, "pending", "pending"),
        (None, 6.0, "positive", "HER2-positive"),
        (None, 3.0, "negative", "pending"),
        (1, 7.0, "positive", "HER2-positive"),
    ],
)
def test_single_probe(ihc: int | None, copies: float, status: str, category: str) -> None:
    r = her2.classify(Biomarkers(her2_ihc=ihc, her2_single_probe_copies=copies))
    assert (r.status, r.category) == (status, category)


def test_discordant_ihc3_ish_negative_is_commented() -> None:
    r = her2.classify(Biomarkers(her2_ihc=3, her2_ish=ish(*G[5])))
    assert r.status == "positive"
    assert any("discordant" in c for c in r.comments)


def test_staining_prompt_only_when_it_decides() -> None:
    # IHC 0 + ISH group 1 is positive: the IHC-0 staining detail no longer matters.
    r = her2.classify(Biomarkers(her2_ihc=0, her2_ish=ish(*G[1])))
    assert r.category == "HER2-positive" and r.missing == []
