"""Nottingham Prognostic Index (NPI).

NPI = 0.2 x invasive size (cm) + lymph-node stage + histological grade
(Haybittle JL et al., Br J Cancer 1982;45:361-366; Galea MH et al., Breast Cancer Res Treat
1992;22:207-219). Node stage: 1 = no nodes involved, 2 = 1-3 nodes, 3 = >= 4 nodes.

Groups (Blamey RW et al., Eur J Cancer 2007;43:1548-1555): excellent <= 2.4; good > 2.4-3.4;
moderate I > 3.4-4.4; moderate II > 4.4-5.4; poor > 5.4-6.4; very poor > 6.4.
Classic three groups (Galea 1992): good <= 3.4; moderate > 3.4-5.4; poor > 5.4.

Size is taken in mm (0.2 x cm = mm / 50): NPI = (size_mm + 50 x (stage + grade)) / 50, so a
boundary value such as 3.4 (20 mm, node-negative, grade 2) is the same number as the bound.

The formula, node stage and groups are the derived facts ``npi_node_stage``, ``npi_index``,
``npi_group`` and ``npi_group_classic`` of ``knowledge/derived_facts.yaml`` (written once, with
the bounds and their sources; the cohort engine compiles them): evaluated here by
:mod:`.formulas` for the given inputs, after the inputs are checked.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from breastcds.prognosis import formulas

BlameyGroup = Literal["excellent", "good", "moderate I", "moderate II", "poor", "very poor"]
ClassicGroup = Literal["good", "moderate", "poor"]

SOURCE = (
    "Haybittle JL et al., Br J Cancer 1982; Galea MH et al., Breast Cancer Res Treat 1992; "
    "groups: Blamey RW et al., Eur J Cancer 2007"
)


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
    stage = formulas.values(("npi_node_stage",), {"tumour.nodes_positive": positive_nodes})
    return int(stage["npi_node_stage"])


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
    node_stage(positive_nodes)  # checks the count
    fields = {"tumour.size_mm": float(size_mm), "tumour.nodes_positive": positive_nodes,
              "tumour.grade": grade}  # fmt: skip
    v = formulas.values(("npi_node_stage", "npi_index", "npi_group", "npi_group_classic"), fields)
    return NPIResult(
        index=float(v["npi_index"]),
        size_mm=float(size_mm),
        node_stage=int(v["npi_node_stage"]),
        grade=int(grade),
        group=v["npi_group"],
        group_classic=v["npi_group_classic"],
    )
