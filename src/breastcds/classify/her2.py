"""HER2 status and clinical HER2 category.

Source: ASCO/CAP HER2 testing guideline 2018 (Wolff et al., J Clin Oncol 2018;36:2105),
affirmed by the 2023 update (Wolff et al., J Clin Oncol 2023;41:3867); clinical categories
HER2-low (DESTINY-Breast04, N Engl J Med 2022) and HER2-ultralow (DESTINY-Breast06,
N Engl J Med 2024).

The rules are decision tables in ``knowledge/classification/her2_ish_group.yaml`` and
``her2.yaml`` (thresholds in ``knowledge/biomarkers.yaml``); this module feeds them one
patient's results and shapes the answer. The cohort engine compiles the same tables
(:mod:`breastcds.cohort.facts`).
"""

from __future__ import annotations

from typing import Any, cast

from breastcds.knowledge.rule_tables import active, decide
from breastcds.model.assessment import Her2Category, Her2Result, Her2Status, MissingInput
from breastcds.model.case import Biomarkers, IshResult


def ish_group(ish: IshResult) -> int:
    """ASCO/CAP 2018 dual-probe ISH group 1-5 from ratio and average HER2 copies per cell."""
    d = decide(active()["her2_ish_group"], {"ratio": ish.ratio, "copies": ish.her2_copies})
    return int(cast(int, d.outputs["group"]))


def inputs(b: Biomarkers) -> dict[str, Any]:
    """The her2 table's inputs from the biomarkers (None = not recorded)."""
    ish, recount = b.her2_ish, b.her2_ish_recount
    staining = b.her2_ihc0_staining
    return {
        "ihc": b.her2_ihc,
        "staining": None if staining is None else staining.value,
        "ish_group": None if ish is None else ish_group(ish),
        "ish_ratio": None if ish is None else ish.ratio,
        "ish_copies": None if ish is None else ish.her2_copies,
        "recount_group": None if recount is None else ish_group(recount),
        "recount_ratio": None if recount is None else recount.ratio,
        "recount_copies": None if recount is None else recount.her2_copies,
        "single_probe": b.her2_single_probe_copies,
    }


def classify(b: Biomarkers) -> Her2Result:
    """Classify HER2 from IHC, IHC-0 staining detail, dual-probe ISH (+ recount), single-probe."""
    table = active()["her2"]
    facts = inputs(b)
    d = decide(table, facts)
    group = facts["ish_group"] if d.outputs["ish_group_reported"] else None
    return Her2Result(
        status=cast(Her2Status, d.outputs["status"]),
        category=cast(Her2Category, d.outputs["category"]),
        ish_group=group,
        ish_group_recount=facts["recount_group"] if group is not None else None,
        reasons=[r.en for r in d.reasons],
        missing=[MissingInput(field=m.field, reason=m.reason.en) for m in d.missing],
        comments=[c.en for c in d.comments],
        source=table.source,
    )
