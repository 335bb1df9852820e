"""Nottingham Prognostic Index (NPI).

NPI = 0.2 x invasive size (cm) + lymph-node stage + histological grade
(Haybittle JL et al., Br J Cancer 1982;45:361-366; Galea MH et al., Breast Cancer Res Treat
1992;22:207-219). Node stage: 1 = no nodes involved, 2 = 1-3 nodes, 3 = >= 4 nodes.

Groups (Blamey RW et al., Eur J Cancer 2007;43:1548-1555): excellent <= 2.4; good > 2.4-3.4;
moderate I > 3.4-4.4; moderate II > 4.4-5.4; poor > 5.4-6.4; very poor > 6.4.
Classic three groups (Galea 1992): good <= 3.4; moderate > 3.4-5.4; poor > 5.4.

Size is taken in mm (0.2 x cm = mm / 50). Group boundaries are compared on 50 x NPI
(size_mm + 50 x (stage + grade)), so a boundary value such as 3.4 is classified exactly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

BlameyGroup = Literal["excellent", "good", "moderate I", "moderate II", "poor", "very poor"]
ClassicGroup = Literal["good", "moderate", "poor"]

SOURCE = (
    "Haybittle JL et al., Br J Cancer 1982; Galea MH et al., Breast Cancer Res Treat 1992; "
    "groups: Blamey RW et al., Eur J Cancer 2007"
)

# upper bounds (inclusive) of 50 x NPI for each group
_BLAMEY: tuple[tuple[float, BlameyGroup], ...] = (
    (120.0, "excellent"),  # <= 2.4
    (170.0, "good"),  # <= 3.4
    (220.0, "moderate I"),  # <= 4.4
    (270.0, "moderate II"),  # <= 5.4
    (320.0, "poor"),  # <= 6.4
)
_CLASSIC: tuple[tuple[float, ClassicGroup], ...] = ((170.0, "good"), (270.0, "moderate"))


@dataclass(frozen=True)
class NPIResult:
    """NPI value, its inputs as used, and both groupings, with the source."""

    index: float
    size_mm: float
    node_stage: int
    grade: int
    group: BlameyGroup
    group_classic: ClassicGroup
    source: str = SOURCE


def node_stage(positive_nodes: int) -> int:
    """NPI lymph-node stage: 1 (0 nodes), 2 (1-3 nodes), 3 (>= 4 nodes)."""
    if isinstance(positive_nodes, bool) or not isinstance(positive_nodes, int):
        raise ValueError(f"positive_nodes must be an integer count >= 0, got {positive_nodes!r}")
    if positive_nodes < 0:
        raise ValueError(f"positive_nodes={positive_nodes} is not allowed; allowed: integer >= 0")
    if positive_nodes == 0:
        return 1
    return 2 if positive_nodes <= 3 else 3


def npi(size_mm: float | None, positive_nodes: int | None, grade: int | None) -> NPIResult:
    """Nottingham Prognostic Index from invasive size (mm), positive nodes and grade (1-3).

    All three are required: a value that is not recorded (None) raises ``ValueError`` naming
    the field; NPI is never computed from a guessed value.
    """
    if size_mm is None:
        raise ValueError("size_mm is not recorded; NPI needs the invasive tumour size in mm")
    if positive_nodes is None:
        raise ValueError("positive_nodes is not recorded; NPI needs the number of positive nodes")
    if grade is None:
        raise ValueError("grade is not recorded; NPI needs histological grade 1, 2 or 3")
    if isinstance(size_mm, bool) or not isinstance(size_mm, (int, float)):
        raise ValueError(f"size_mm must be a number of millimetres > 0, got {size_mm!r}")
    if not math.isfinite(size_mm) or size_mm <= 0:
        raise ValueError(f"size_mm={size_mm} is not allowed; allowed: finite number > 0 (mm)")
    if isinstance(grade, bool) or grade not in (1, 2, 3):
        raise ValueError(f"grade={grade!r} is not allowed; allowed: 1, 2 or 3")
    stage = node_stage(positive_nodes)
    scaled = float(size_mm) + 50.0 * (stage + grade)  # 50 x NPI
    group: BlameyGroup = "very poor"
    for bound, name in _BLAMEY:
        if scaled <= bound:
            group = name
            break
    classic: ClassicGroup = "poor"
    for bound, cname in _CLASSIC:
        if scaled <= bound:
            classic = cname
            break
    return NPIResult(
        index=scaled / 50.0,
        size_mm=float(size_mm),
        node_stage=stage,
        grade=int(grade),
        group=group,
        group_classic=classic,
    )
