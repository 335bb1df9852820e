"""CTS5 - Clinical Treatment Score post-5 years (late distant recurrence, years 5-10).

Source: Dowsett M, Sestak I, Regan MM, et al. Integration of clinical variables for the
prediction of late distant recurrence in patients with estrogen receptor-positive breast
cancer treated with 5 years of endocrine therapy: CTS5. J Clin Oncol 2018;36(19):1941-1948
(doi:10.1200/JCO.2017.76.4258). Derived in ATAC, validated in BIG 1-98, final score from the
pooled data; for ER-positive patients free of distant recurrence after 5 years of endocrine
therapy (trial populations were postmenopausal).

    CTS5 = 0.438 x nodes_cat + 0.988 x (0.093 x size - 0.001 x size^2 + 0.375 x grade
                                        + 0.017 x age)

size in mm, age in years, grade 1-3.

Verified coding (searched 2026-11; the full paper text was not retrievable, so the coding
rests on independent implementations citing the paper, which all agree):
* nodes_cat is the banded positive-node count 0, 1, 2-3, 4-9, >= 10 -> 0, 1, 2, 3, 4
  (not the raw count): oncotoolkit.com CTS5 calculator page; maastrichtu-cds
  "dowsett_2018_metastatic_disease" FAIR model README; tcr_decoder CTS5 score module.
* size is truncated at 30 mm (the quadratic size term peaks near 46 mm; the published score
  caps size at 30 mm): oncotoolkit.com calculator page and tcr_decoder (both citing the paper).
* risk groups: low < 3.13, intermediate 3.13-3.86, high > 3.86 (same sources), defined in
  the paper as < 5 %, 5-10 % and > 10 % distant recurrence risk in years 5-10 (paper
  abstract, verified on the publication record).

The formula, nodal category, size cap and groups are the derived facts ``cts5_node_category``,
``cts5_size_used_mm``, ``cts5_score`` and ``cts5_risk_group`` of ``knowledge/derived_facts.yaml``
(written once, with the coefficients and bounds as sourced parameters; the cohort engine
compiles them): evaluated here by :mod:`.formulas` for the given inputs, after the inputs are
checked.

The continuous per-patient 5-10-year risk curve of the paper (its figure/online calculator)
could not be verified from a primary source, so no continuous risk is computed: the result
gives the group's published risk band only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from breastcds.prognosis import formulas

RiskGroup = Literal["low", "intermediate", "high"]

SOURCE = "Dowsett M et al., J Clin Oncol 2018;36:1941-1948 (CTS5)"
#: published distant-recurrence risk (%) in years 5-10 per group: (lower, upper); None = open
RISK_BAND_PCT: dict[RiskGroup, tuple[float | None, float | None]] = {
    "low": (None, 5.0),
    "intermediate": (5.0, 10.0),
    "high": (10.0, None),
}


@dataclass(frozen=True)
class CTS5Result:
    """CTS5 score with its inputs as used, risk group and published 5-10-year risk band."""

    score: float
    node_category: int
    size_used_mm: float
    risk_group: RiskGroup
    risk_band_pct: tuple[float | None, float | None]
    source: str = SOURCE


def node_category(positive_nodes: int) -> int:
    """CTS5 nodal category: 0 nodes -> 0, 1 -> 1, 2-3 -> 2, 4-9 -> 3, >= 10 -> 4."""
    if isinstance(positive_nodes, bool) or not isinstance(positive_nodes, int):
        raise ValueError(f"positive_nodes must be an integer count >= 0, got {positive_nodes!r}")
    if positive_nodes < 0:
        raise ValueError(f"positive_nodes={positive_nodes} is not allowed; allowed: integer >= 0")
    v = formulas.values(("cts5_node_category",), {"tumour.nodes_positive": positive_nodes})
    return int(v["cts5_node_category"])


def risk_group(score: float) -> RiskGroup:
    """Low (< 3.13), intermediate (3.13-3.86) or high (> 3.86)."""
    group: RiskGroup = formulas.values(("cts5_risk_group",), {}, {"cts5_score": score})[
        "cts5_risk_group"
    ]
    return group


def size_cap_mm() -> float:
    """The size (mm) above which CTS5 counts the size as the cap (30 mm)."""
    return float(formulas.parameter("cts5_size_cap_mm"))


def _positive_number(name: str, value: float | None, unit: str) -> float:
    if value is None:
        raise ValueError(f"{name} is not recorded; CTS5 needs it ({unit})")
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{name} must be a number ({unit}), got {value!r}")
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name}={value} is not allowed; allowed: finite number > 0 ({unit})")
    return float(value)


def cts5(
    age_years: float | None,
    size_mm: float | None,
    grade: int | None,
    positive_nodes: int | None,
) -> CTS5Result:
    """CTS5 for one patient; every input is required (None raises, naming the field)."""
    age = _positive_number("age_years", age_years, "years")
    size = _positive_number("size_mm", size_mm, "mm")
    if grade is None:
        raise ValueError("grade is not recorded; CTS5 needs histological grade 1, 2 or 3")
    if isinstance(grade, bool) or grade not in (1, 2, 3):
        raise ValueError(f"grade={grade!r} is not allowed; allowed: 1, 2 or 3")
    if positive_nodes is None:
        raise ValueError("positive_nodes is not recorded; CTS5 needs the positive-node count")
    node_category(positive_nodes)  # checks the count
    fields = {"patient.age_years": age, "tumour.size_mm": size, "tumour.grade": grade,
              "tumour.nodes_positive": positive_nodes}  # fmt: skip
    names = ("cts5_node_category", "cts5_size_used_mm", "cts5_score", "cts5_risk_group")
    v = formulas.values(names, fields)
    group: RiskGroup = v["cts5_risk_group"]
    return CTS5Result(
        score=float(v["cts5_score"]),
        node_category=int(v["cts5_node_category"]),
        size_used_mm=float(v["cts5_size_used_mm"]),
        risk_group=group,
        risk_band_pct=RISK_BAND_PCT[group],
    )
