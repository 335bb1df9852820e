"""HER2 status and clinical HER2 category.

Source: ASCO/CAP HER2 testing guideline 2018 (Wolff et al., J Clin Oncol 2018;36:2105),
affirmed by the 2023 update (Wolff et al., J Clin Oncol 2023;41:3867); clinical categories
HER2-low (DESTINY-Breast04, N Engl J Med 2022) and HER2-ultralow (DESTINY-Breast06,
N Engl J Med 2024). Thresholds live in knowledge/biomarkers.yaml.

Algorithm (never a guess; incomplete data yields ``pending`` with the missing field):
- IHC 3+: positive (ISH not needed; a discordant ISH is commented).
- IHC 2+: equivocal; dual-probe ISH group 1 positive, group 5 negative (HER2-low); groups 2-4
  need the additional count by a second observer; the recount's group then decides (groups
  2 and 4 negative, group 3 positive when the recount confirms the group; a recount in
  group 1 or 5 decides as that group). Single-probe: >= 6 copies positive, < 4 negative,
  4-<6 equivocal (dual-probe ISH needed).
- IHC 0/1+: negative unless dual-probe ISH group 1 (positive) or single-probe >= 6 copies;
  groups 2-4 with concurrent IHC 0/1+ are negative (with comment).
- No IHC: ISH group 1 (or single-probe >= 6) positive; group 5 (or single-probe < 4) negative
  but the category (0 / ultralow / low) needs IHC; groups 2-4 need concurrent IHC.
"""

from __future__ import annotations

from collections.abc import Callable

from breastcds.knowledge.schema import Her2Knowledge, biomarkers
from breastcds.model.assessment import Her2Category, Her2Result, Her2Status, MissingInput
from breastcds.model.case import Biomarkers, IshResult
from breastcds.model.codes import IhcZeroStaining


def ish_group(ish: IshResult, kb: Her2Knowledge | None = None) -> int:
    """ASCO/CAP 2018 dual-probe ISH group 1-5 from ratio and average HER2 copies per cell."""
    k = kb or biomarkers().her2
    if ish.ratio >= k.ish_ratio_cutoff:
        return 1 if ish.her2_copies >= k.ish_copies_cutoff_low else 2
    if ish.her2_copies >= k.ish_copies_cutoff_high:
        return 3
    if ish.her2_copies >= k.ish_copies_cutoff_low:
        return 4
    return 5


def _describe(ish: IshResult) -> str:
    return f"ratio {ish.ratio:g}, {ish.her2_copies:g} HER2 copies/cell"


def classify(b: Biomarkers) -> Her2Result:
    """Classify HER2 from IHC, IHC-0 staining detail, dual-probe ISH (+ recount), single-probe."""
    k = biomarkers().her2
    reasons: list[str] = []
    comments: list[str] = []
    missing: list[MissingInput] = []
    group = ish_group(b.her2_ish, k) if b.her2_ish is not None else None
    recount_group = ish_group(b.her2_ish_recount, k) if b.her2_ish_recount is not None else None
    ihc = b.her2_ihc
    report_group = group

    def result(status: Her2Status, category: Her2Category) -> Her2Result:
        return Her2Result(
            status=status,
            category=category,
            ish_group=report_group,
            ish_group_recount=recount_group if report_group is not None else None,
            reasons=reasons,
            missing=missing,
            comments=comments,
            source=k.source,
        )

    if ihc == 3:
        reasons.append(
            "IHC 3+ (complete, intense circumferential membrane staining in >10 % of cells)"
        )
        report_group = None
        if group == 5 or (
            b.her2_single_probe_copies is not None
            and b.her2_single_probe_copies < k.single_probe_negative_copies
        ):
            comments.append("IHC 3+ with ISH not amplified: discordant; review both tests")
        return result("positive", "HER2-positive")

    if ihc == 2:
        reasons.append("IHC 2+ (equivocal): ISH decides")
        if group is not None and b.her2_ish is not None:
            reasons.append(f"dual-probe ISH group {group} ({_describe(b.her2_ish)})")
            if group == 1:
                return result("positive", "HER2-positive")
            if group == 5:
                return result("negative", "HER2-low")
            if recount_group is None or b.her2_ish_recount is None:
                missing.append(
                    MissingInput(
                        field="biomarkers.her2_ish_recount",
                        reason=f"ISH group {group} with IHC 2+: ASCO/CAP 2018 requires an "
                        "additional count of >= 20 cells by a second observer",
                    )
                )
                return result("pending", "pending")
            reasons.append(
                f"recount by a second observer: group {recount_group} "
                f"({_describe(b.her2_ish_recount)})"
            )
            if recount_group == 1:
                return result("positive", "HER2-positive")
            if recount_group == 5:
                return result("negative", "HER2-low")
            if recount_group != group:
                reasons.append(f"recount changed the group from {group} to {recount_group}")
            final = k.ihc2_same_group_after_recount[recount_group]
            if final == "negative":
                comments.append(
                    f"group {recount_group} with IHC 2+ after recount: HER2-negative "
                    "(ASCO/CAP comment required)"
                )
                return result("negative", "HER2-low")
            return result("positive", "HER2-positive")
        if b.her2_single_probe_copies is not None:
            return _single_probe(
                b.her2_single_probe_copies,
                k,
                reasons,
                missing,
                result,
                negative_category="HER2-low",
            )
        missing.append(MissingInput(field="biomarkers.her2_ish", reason="IHC 2+ needs reflex ISH"))
        return result("pending", "pending")

    if ihc in (0, 1):
        neg_category: Her2Category
        if ihc == 1:
            reasons.append("IHC 1+ (faint, incomplete membrane staining in >10 % of cells)")
            neg_category = "HER2-low"
        elif b.her2_ihc0_staining is IhcZeroStaining.faint_le10:
            reasons.append("IHC 0 with faint, incomplete membrane staining in <=10 % of cells")
            neg_category = "HER2-ultralow"
        elif b.her2_ihc0_staining is IhcZeroStaining.none:
            reasons.append("IHC 0 with no membrane staining (null)")
            neg_category = "HER2-0"
        else:
            reasons.append("IHC 0; staining detail not recorded")
            neg_category = "pending"

        def negative() -> Her2Result:
            if neg_category == "pending":
                missing.append(
                    MissingInput(
                        field="biomarkers.her2_ihc0_staining",
                        reason="IHC 0: 'none' (HER2-0) or 'faint_le10' (HER2-ultralow) decides "
                        "eligibility for HER2-ultralow therapy",
                    )
                )
            return result("negative", neg_category)

        if group is not None and b.her2_ish is not None:
            reasons.append(f"dual-probe ISH group {group} ({_describe(b.her2_ish)})")
            if group == 1:
                comments.append("ISH group 1 is positive regardless of IHC 0/1+")
                return result("positive", "HER2-positive")
            if group in (2, 3, 4):
                comments.append(
                    f"ISH group {group} with concurrent IHC {ihc}: HER2-negative "
                    "(ASCO/CAP comment required)"
                )
            return negative()
        if b.her2_single_probe_copies is not None:
            copies = b.her2_single_probe_copies
            reasons.append(f"single-probe ISH {copies:g} HER2 copies/cell")
            if copies >= k.single_probe_positive_copies:
                return result("positive", "HER2-positive")
        return negative()

    # No IHC recorded.
    if group is not None and b.her2_ish is not None:
        reasons.append(f"dual-probe ISH group {group} ({_describe(b.her2_ish)}); no IHC recorded")
        if group == 1:
            return result("positive", "HER2-positive")
        if group == 5:
            missing.append(
                MissingInput(
                    field="biomarkers.her2_ihc",
                    reason="ISH negative: IHC 0/1+/2+ separates HER2-0, ultralow and low",
                )
            )
            return result("negative", "pending")
        missing.append(
            MissingInput(
                field="biomarkers.her2_ihc",
                reason=f"ISH group {group} needs concurrent IHC review (ASCO/CAP 2018)",
            )
        )
        return result("pending", "pending")
    if b.her2_single_probe_copies is not None:
        return _single_probe(
            b.her2_single_probe_copies,
            k,
            reasons,
            missing,
            result,
            negative_category="pending",
            need_ihc=True,
        )
    reasons.append("no HER2 IHC or ISH result recorded")
    missing.append(MissingInput(field="biomarkers.her2_ihc", reason="no HER2 test recorded"))
    return result("pending", "pending")


def _single_probe(
    copies: float,
    k: Her2Knowledge,
    reasons: list[str],
    missing: list[MissingInput],
    make: Callable[[Her2Status, Her2Category], Her2Result],
    negative_category: Her2Category,
    need_ihc: bool = False,
) -> Her2Result:
    reasons.append(f"single-probe ISH {copies:g} HER2 copies/cell")
    if copies >= k.single_probe_positive_copies:
        return make("positive", "HER2-positive")
    if copies < k.single_probe_negative_copies:
        if need_ihc:
            missing.append(
                MissingInput(
                    field="biomarkers.her2_ihc",
                    reason="ISH negative: IHC separates HER2-0, ultralow and low",
                )
            )
        return make("negative", negative_category)
    missing.append(
        MissingInput(
            field="biomarkers.her2_ish",
            reason="single-probe ISH equivocal (4-<6 copies): dual-probe ISH required",
        )
    )
    return make("pending", "pending")
