"""Surrogate intrinsic subtype.

Source: St Gallen International Expert Consensus 2013 (Goldhirsch et al., Ann Oncol
2013;24:2206): Luminal A-like (ER+, PR >= 20 %, HER2-, Ki-67 < 20 %, low multigene risk if
available); Luminal B-like HER2- (ER+, HER2-, and Ki-67 >= 20 % or PR < 20 % or high multigene
risk); Luminal B-like HER2+ (ER+, HER2+, any Ki-67/PR); HER2-positive non-luminal (HER2+,
ER- and PR-); triple-negative (ER-, PR-, HER2-). ER low positive (1-10 %; ASCO/CAP 2020) is
flagged for discussion rather than forced into a luminal subtype. ER-/PR+ (ER < 1 %, PR >= 1 %)
is not defined by the consensus and is often a false-negative ER: ASCO/CAP 2020 (Allison et al.,
J Clin Oncol 2020;38:1346) asks for a repeated ER test before the result is used, so the subtype
is ``pending`` with a prompt for that repeated ER result.
"""

from __future__ import annotations

from breastcds.knowledge.schema import biomarkers
from breastcds.model.assessment import (
    Her2Result,
    MissingInput,
    ReceptorResult,
    Subtype,
    SubtypeResult,
)
from breastcds.model.case import Genomics
from breastcds.model.codes import MammaPrintResult, RiskCategory


def _genomic_high(g: Genomics, rs_high: int) -> tuple[bool | None, str | None]:
    """High multigene risk when any assay says so; None when no assay is recorded."""
    if g.oncotype_rs is not None and g.oncotype_rs >= rs_high:
        return True, f"Oncotype DX RS {g.oncotype_rs} >= {rs_high}"
    if g.mammaprint is MammaPrintResult.high:
        return True, "MammaPrint high risk"
    if g.prosigna_risk is RiskCategory.high:
        return True, "Prosigna ROR high risk"
    recorded = any(v is not None for v in (g.oncotype_rs, g.mammaprint, g.prosigna_risk))
    return (False, "multigene assay not high risk") if recorded else (None, None)


def classify(
    er: ReceptorResult,
    pr: ReceptorResult,
    her2: Her2Result,
    ki67_percent: float | None,
    genomics: Genomics | None = None,
) -> SubtypeResult:
    k = biomarkers().subtype
    reasons: list[str] = []
    missing: list[MissingInput] = []

    def out(subtype: Subtype) -> SubtypeResult:
        return SubtypeResult(
            subtype=subtype,
            ki67_cutoff_percent=k.ki67_high_min_percent,
            reasons=reasons,
            missing=missing,
            source=k.source,
        )

    if er.status == "not_recorded":
        missing.append(MissingInput(field="biomarkers.er_percent", reason="ER decides the subtype"))
        return out("pending")
    if er.status == "low_positive":
        reasons.append(
            "ER low positive (1-10 %): flagged for discussion, not forced into a subtype"
        )
        return out("flag_er_low")
    if her2.status == "pending":
        reasons.append("HER2 status pending")
        missing.extend(her2.missing)
        return out("pending")

    if er.status == "positive":
        if her2.status == "positive":
            reasons.append("ER positive, HER2 positive (any Ki-67, any PR)")
            return out("luminal_b_her2_positive")
        # ER+ HER2-: Luminal B-like if any high-risk feature, A-like if all low-risk features.
        b_features: list[str] = []
        unknown: list[MissingInput] = []
        if ki67_percent is None:
            unknown.append(
                MissingInput(
                    field="biomarkers.ki67_percent",
                    reason="Ki-67 separates Luminal A-like from B-like",
                )
            )
        elif ki67_percent >= k.ki67_high_min_percent:
            b_features.append(f"Ki-67 {ki67_percent:g} % >= {k.ki67_high_min_percent:g} %")
        if pr.percent is None:
            unknown.append(
                MissingInput(
                    field="biomarkers.pr_percent",
                    reason="PR >= 20 % is required for Luminal A-like",
                )
            )
        elif pr.percent < k.pr_high_min_percent:
            b_features.append(f"PR {pr.percent:g} % < {k.pr_high_min_percent:g} %")
        high, why = _genomic_high(genomics or Genomics(), k.oncotype_high_min_rs)
        if high and why:
            b_features.append(why)
        if b_features:
            reasons.append("ER positive, HER2 negative; " + "; ".join(b_features))
            return out("luminal_b_her2_negative")
        if unknown:
            reasons.append("ER positive, HER2 negative; Luminal A-like vs B-like undecided")
            missing.extend(unknown)
            return out("pending")
        reasons.append(
            f"ER positive, HER2 negative, PR {pr.percent:g} % >= {k.pr_high_min_percent:g} %, "
            f"Ki-67 {ki67_percent:g} % < {k.ki67_high_min_percent:g} %"
            + (f"; {why}" if why else "")
        )
        return out("luminal_a")

    # ER negative.
    if pr.status == "not_recorded":
        missing.append(
            MissingInput(
                field="biomarkers.pr_percent",
                reason="ER negative: PR decides between the non-luminal subtypes",
            )
        )
        return out("pending")
    if pr.status == "positive":
        reasons.append(
            "ER negative, PR positive: no surrogate subtype until ER is repeated "
            "(ASCO/CAP 2020; not defined by St Gallen 2013)"
        )
        missing.append(
            MissingInput(
                field="biomarkers.er_percent",
                reason="ER negative / PR positive: repeat ER testing (same or another block) "
                "and record the repeated ER result (ASCO/CAP 2020)",
            )
        )
        return out("pending")
    if her2.status == "positive":
        reasons.append("ER and PR negative, HER2 positive")
        return out("her2_enriched")
    reasons.append("ER, PR and HER2 negative")
    return out("triple_negative")
