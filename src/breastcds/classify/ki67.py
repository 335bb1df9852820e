"""Ki-67 groups.

Source: International Ki67 in Breast Cancer Working Group (Nielsen et al., J Natl Cancer Inst
2021;113:808): <= 5 % low and >= 30 % high are the only ranges reliable enough to guide
adjuvant chemotherapy in ER+/HER2- T1-2 N0-1 disease; values between are "intermediate"
(not reliable). Trial-specific cut-offs (St Gallen 20 %, monarchE 20 %) are applied by the
rules that use them, each citing its source.
"""

from __future__ import annotations

from breastcds.knowledge.schema import biomarkers
from breastcds.model.assessment import Ki67Result


def classify(percent: float | None) -> Ki67Result:
    k = biomarkers().ki67
    if percent is None:
        return Ki67Result(
            percent=None, group="not_recorded", reasons=["Ki-67 not recorded"], source=k.source
        )
    if percent <= k.low_max_percent:
        group = "low"
        reason = f"Ki-67 {percent:g} % <= {k.low_max_percent:g} %"
    elif percent >= k.high_min_percent:
        group = "high"
        reason = f"Ki-67 {percent:g} % >= {k.high_min_percent:g} %"
    else:
        group = "intermediate"
        reason = (
            f"Ki-67 {percent:g} % lies between {k.low_max_percent:g} % and "
            f"{k.high_min_percent:g} %: not reliable alone for chemotherapy decisions"
        )
    return Ki67Result(percent=percent, group=group, reasons=[reason], source=k.source)
